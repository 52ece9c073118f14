//! A flat, validating JSON parser for one CloudTrail record at a time.
//!
//! Building a tree (`serde_json::Value`, or even the borrowed [`Val`]) costs an allocation
//! per object and array and a walk to free them, for fields no rule reads: most of a
//! record is `requestParameters`, `responseElements` and `tlsDetails`. A [`Tape`] instead
//! records every value as a fixed-size entry (kind, byte range, index past its subtree) in
//! vectors reused from record to record, so the steady state allocates nothing. Strings
//! stay slices of the input; the rare string with escapes is unescaped by `serde_json`
//! into a side buffer. Numbers, objects and arrays are read through [`Val`] only when a
//! rule asks for their value.
//!
//! The parser is deliberately stricter than `serde_json`: it declines (returns `None`)
//! invalid JSON, nesting deeper than [`MAX_DEPTH`] and records running past their length
//! cap, and the reader then takes the `serde_json` path for that record, which either
//! reports the exact error or yields a [`Val`]. Escaped strings, and numbers with a
//! fraction, an exponent or more than 18 digits, are checked by `serde_json` itself. So
//! whatever the tape accepts, `serde_json` accepts with the same meaning (tests compare
//! them).

use crate::value::{Json, Val};
use std::borrow::Cow;

/// Nesting the fast path accepts (serde_json's own limit is 128).
const MAX_DEPTH: usize = 100;

const NULL: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const NUM: u8 = 3;
/// A string without escapes: `a..b` in the input.
const STR: u8 = 4;
/// A string with escapes, unescaped: `a..b` in the side buffer.
const STR_ESC: u8 = 5;
const ARR: u8 = 6;
const OBJ: u8 = 7;

#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: u8,
    a: u32,
    b: u32,
    /// Index of the entry after this value's subtree (object entries are key, value, …).
    next: u32,
}

/// Reusable buffers for parsing records; see the module documentation.
#[derive(Debug, Default)]
pub struct Tape {
    entries: Vec<Entry>,
    unescaped: String,
    /// The containers not yet closed: entry index, and whether it is an object.
    open: Vec<(u32, bool)>,
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Offset of the first `"`, `\` or control character at or after `i`, eight bytes at a
/// time. In each test `(x - ONES·n) & !x & HIGH` a byte is flagged only if it matches or a
/// lower byte matched, so the lowest flagged byte is always a true match.
fn string_stop(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        let quote = w ^ (ONES * u64::from(b'"'));
        let slash = w ^ (ONES * u64::from(b'\\'));
        let hits = ((quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

impl Tape {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the object starting at `text[start]` (which must be `{`) and ending within
    /// `max_len` bytes. Returns the offset just past its closing `}`, or `None` when the
    /// fast path declines (see the module documentation).
    pub fn parse(&mut self, text: &str, start: usize, max_len: usize) -> Option<usize> {
        self.entries.clear();
        self.unescaped.clear();
        self.open.clear();
        u32::try_from(text.len()).ok()?;
        let all = text.as_bytes();
        // Running off this slice means the record is longer than allowed (or truncated).
        let b = all.get(..start.saturating_add(max_len).min(all.len()))?;
        if b.get(start) != Some(&b'{') {
            return None;
        }
        let mut i = start;
        'value: loop {
            i = ws(b, i);
            match *b.get(i)? {
                b'{' => {
                    self.open_container(OBJ, i)?;
                    i = ws(b, i + 1);
                    if b.get(i) != Some(&b'}') {
                        i = self.key(text, b, i)?;
                        continue 'value;
                    }
                }
                b'[' => {
                    self.open_container(ARR, i)?;
                    i = ws(b, i + 1);
                    if b.get(i) != Some(&b']') {
                        continue 'value;
                    }
                }
                b'"' => i = self.string(text, b, i)?,
                b't' => i = self.literal(b, i, b"true", TRUE)?,
                b'f' => i = self.literal(b, i, b"false", FALSE)?,
                b'n' => i = self.literal(b, i, b"null", NULL)?,
                b'-' | b'0'..=b'9' => i = self.number(text, b, i)?,
                _ => return None,
            }
            // After a value, or at the closer of an empty container.
            loop {
                i = ws(b, i);
                let &(top, is_obj) = self.open.last()?;
                match *b.get(i)? {
                    b',' => {
                        i = if is_obj { self.key(text, b, ws(b, i + 1))? } else { i + 1 };
                        continue 'value;
                    }
                    b'}' if is_obj => {}
                    b']' if !is_obj => {}
                    _ => return None,
                }
                i += 1;
                let next = u32::try_from(self.entries.len()).ok()?;
                let e = self.entries.get_mut(top as usize)?;
                e.b = u32::try_from(i).ok()?;
                e.next = next;
                self.open.pop();
                if self.open.is_empty() {
                    return Some(i);
                }
            }
        }
    }

    /// The root object of the record parsed last; `text` must be the text given to
    /// [`Tape::parse`], which must have returned `Some` (otherwise lookups find nothing or
    /// part of the record, and never panic).
    pub fn root<'a>(&'a self, text: &'a str) -> Node<'a> {
        Node { text, tape: self, i: 0 }
    }

    fn push(&mut self, kind: u8, a: usize, b: usize) -> Option<()> {
        let next = u32::try_from(self.entries.len() + 1).ok()?;
        self.entries.push(Entry { kind, a: u32::try_from(a).ok()?, b: u32::try_from(b).ok()?, next });
        Some(())
    }

    fn open_container(&mut self, kind: u8, i: usize) -> Option<()> {
        if self.open.len() >= MAX_DEPTH {
            return None;
        }
        self.open.push((u32::try_from(self.entries.len()).ok()?, kind == OBJ));
        self.push(kind, i, i)
    }

    /// A key, the colon after it; returns the offset after the colon.
    fn key(&mut self, text: &str, b: &[u8], i: usize) -> Option<usize> {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let i = ws(b, self.string(text, b, i)?);
        (b.get(i) == Some(&b':')).then_some(i + 1)
    }

    fn string(&mut self, text: &str, b: &[u8], start: usize) -> Option<usize> {
        let mut j = start + 1;
        let mut escaped = false;
        loop {
            j = string_stop(b, j)?;
            match *b.get(j)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    j += 2;
                }
                // Control characters must be escaped inside strings.
                _ => return None,
            }
        }
        if escaped {
            let s: String = serde_json::from_str(text.get(start..j + 1)?).ok()?;
            let a = self.unescaped.len();
            self.unescaped.push_str(&s);
            self.push(STR_ESC, a, self.unescaped.len())?;
        } else {
            self.push(STR, start + 1, j)?;
        }
        Some(j + 1)
    }

    fn literal(&mut self, b: &[u8], i: usize, word: &[u8], kind: u8) -> Option<usize> {
        if b.get(i..i + word.len())? != word {
            return None;
        }
        self.push(kind, i, i + word.len())?;
        Some(i + word.len())
    }

    fn number(&mut self, text: &str, b: &[u8], i: usize) -> Option<usize> {
        let mut j = i;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        match b.get(j)? {
            b'0' => j += 1,
            b'1'..=b'9' => j = digits(b, j),
            _ => return None,
        }
        let mut plain = j - i <= 18;
        if b.get(j) == Some(&b'.') {
            let k = digits(b, j + 1);
            if k == j + 1 {
                return None;
            }
            j = k;
            plain = false;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let k = digits(b, j);
            if k == j {
                return None;
            }
            j = k;
            plain = false;
        }
        // Short integers are always in range; anything else is checked as serde_json reads it.
        if !plain {
            Val::parse_str(text.get(i..j)?).ok()?;
        }
        self.push(NUM, i, j)?;
        Some(j)
    }
}

/// Byte equality for keys without a call into `memcmp`: CloudTrail has many keys of
/// equal length (`eventName`, `eventTime`, `eventType`, `awsRegion`, `errorCode`), and
/// comparing the first and last bytes of each as words settles almost every case.
#[inline]
pub(crate) fn key_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let word =
            |s: &[u8], i: usize| s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map(u64::from_ne_bytes);
        if word(a, 0) != word(b, 0) || word(a, n - 8) != word(b, n - 8) {
            return false;
        }
        return n <= 16 || a == b;
    }
    if n >= 4 {
        let word =
            |s: &[u8], i: usize| s.get(i..i + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).map(u32::from_ne_bytes);
        return word(a, 0) == word(b, 0) && word(a, n - 4) == word(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// One value of a parsed record.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    text: &'a str,
    tape: &'a Tape,
    i: usize,
}

impl<'a> Node<'a> {
    fn entry(&self) -> Option<Entry> {
        self.tape.entries.get(self.i).copied()
    }

    fn at(self, i: usize) -> Self {
        Node { i, ..self }
    }

    fn str_of(&self, e: Entry) -> Option<&'a str> {
        let r = e.a as usize..e.b as usize;
        match e.kind {
            STR => self.text.get(r),
            STR_ESC => self.tape.unescaped.get(r),
            _ => None,
        }
    }

    /// The value read by `serde_json` from its source text (numbers, arrays, objects).
    fn parsed(&self) -> Option<Val<'a>> {
        let e = self.entry()?;
        match e.kind {
            STR | STR_ESC => self.str_of(e).map(|s| Val::Str(Cow::Borrowed(s))),
            _ => Val::parse_str(self.text.get(e.a as usize..e.b as usize)?).ok(),
        }
    }

    /// Children of a container, in order (keys and values alike for objects).
    fn children(self, kind: u8) -> Option<impl Iterator<Item = Node<'a>>> {
        let e = self.entry().filter(|e| e.kind == kind)?;
        let end = e.next as usize;
        let mut k = self.i + 1;
        Some(std::iter::from_fn(move || {
            if k >= end {
                return None;
            }
            let n = self.at(k);
            k = n.entry()?.next as usize;
            Some(n)
        }))
    }
}

impl<'a> Json<'a> for Node<'a> {
    fn get(self, key: &str) -> Option<Self> {
        let e = self.entry().filter(|e| e.kind == OBJ)?;
        let end = e.next as usize;
        let mut k = self.i + 1;
        while k < end {
            let ke = self.tape.entries.get(k).copied()?;
            let v = self.at(k + 1);
            let hit = if ke.kind == STR {
                (ke.b - ke.a) as usize == key.len()
                    && self.text.as_bytes().get(ke.a as usize..ke.b as usize).is_some_and(|k| key_eq(k, key.as_bytes()))
            } else {
                self.str_of(ke) == Some(key)
            };
            if hit {
                return Some(v);
            }
            k = v.entry()?.next as usize;
        }
        None
    }

    fn as_str(self) -> Option<&'a str> {
        self.str_of(self.entry()?)
    }

    fn is_null(self) -> bool {
        self.entry().is_some_and(|e| e.kind == NULL)
    }

    fn items(self) -> Option<impl Iterator<Item = Self>> {
        self.children(ARR)
    }

    fn entries(self) -> Option<impl Iterator<Item = (&'a str, Self)>> {
        let mut it = self.children(OBJ)?;
        Some(std::iter::from_fn(move || {
            let k = it.next()?;
            let v = it.next()?;
            Some((k.as_str().unwrap_or_default(), v))
        }))
    }

    fn as_f64(self) -> Option<f64> {
        match self.entry()?.kind {
            STR | STR_ESC | NUM => self.parsed().as_ref().and_then(Json::as_f64),
            _ => None,
        }
    }

    fn scalar_text(self) -> Option<Cow<'a, str>> {
        match self.entry()?.kind {
            STR | STR_ESC => self.as_str().map(Cow::Borrowed),
            TRUE => Some("true".into()),
            FALSE => Some("false".into()),
            NUM | OBJ => self.parsed().as_ref().and_then(|v| v.scalar_text()).map(|s| Cow::Owned(s.into_owned())),
            _ => None,
        }
    }

    fn write_json(self, out: &mut String) {
        if let Some(v) = self.parsed() {
            v.write_json(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything the engine can observe of a value, through the trait.
    fn observe<'a, J: Json<'a>>(v: J, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "[n{} s{:?} f{:?} t{:?} j", v.is_null(), v.as_str(), v.as_f64(), v.scalar_text());
        v.write_json(out);
        if let Some(items) = v.items() {
            out.push_str(" arr");
            for x in items {
                observe(x, out);
            }
        }
        if let Some(entries) = v.entries() {
            for k in ["errorCode", "", "eventName", "a.b"] {
                let _ = write!(out, " {k:?}?={:?}", v.get(k).map(|g| g.scalar_text()));
            }
            out.push_str(" obj");
            for (k, x) in entries {
                let _ = write!(out, " {k:?}=");
                observe(x, out);
                let _ = write!(out, " get={:?}", v.get(k).map(|g| g.scalar_text()));
            }
        }
        out.push(']');
    }

    fn same(doc: &str) -> bool {
        let want = Val::parse_str(doc);
        let mut tape = Tape::new();
        let got = tape.parse(doc, 0, doc.len());
        match (want, got) {
            (Ok(v), Some(end)) => {
                assert_eq!(end, doc.trim_end().len(), "{doc}");
                let (mut a, mut b) = (String::new(), String::new());
                observe(&v, &mut a);
                observe(tape.root(doc), &mut b);
                assert_eq!(a, b, "{doc}");
                true
            }
            (Ok(v), None) => {
                // Declining is allowed (the reader falls back), but only for unusual input.
                assert!(!v.is_object() || doc.contains("\u{1}") || doc.len() > 10_000, "declined {doc}");
                false
            }
            (Err(_), None) => false,
            (Err(e), Some(_)) => panic!("tape accepted what serde_json rejects ({e}): {doc}"),
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        let accepted = [
            r#"{}"#,
            r#"{"a":[]}"#,
            r#"{ "a" : [ 1 , -2 , 3.5 , 1e3, -0, 0.0, 12345678901234567890, -9223372036854775809, true , false , null ] }"#,
            r#"{"a":"x\"y","k\u00e9y":"\ud83d\ude00","b":{"c":{"d":[{"e":"f"}]}},"a":"second"}"#,
            r#"{"policy":"{\"Statement\":[{\"Effect\":\"Allow\"}]}","n":{"x":1,"y":[1,{"z":null}]}}"#,
            r#"{"é":"ünïcode ✓","tab":"a\tb","slash":"\/"}"#,
            r#"{"eventName":"A","a.b":1,"error\u0043ode":"AccessDenied","":{"eventName":"nested"}}"#,
            "{\"a\":1}\n",
        ];
        for d in accepted {
            assert!(same(d), "{d}");
        }
        let rejected = [
            r#"{"a":tru}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"line\nbreak\"}",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[1}"#,
            r#"{a:1}"#,
            r#"{"a":1"#,
            r#"{"a":"#,
            "{\"a\":\u{c}1}",
        ];
        for d in rejected {
            assert!(!same(d), "{d}");
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(150), "]".repeat(150));
        assert!(!same(&deep));
    }

    #[test]
    fn builtin_rule_examples_match_the_same_on_the_tape() {
        let set = crate::builtin_rules();
        let mut tape = Tape::new();
        let mut checked = 0;
        for r in set.rules() {
            for ev in r.examples.must_fire.iter().chain(&r.examples.must_not_fire) {
                let text = serde_json::to_string(ev).unwrap_or_default();
                let val = Val::parse_str(&text).unwrap();
                assert_eq!(tape.parse(&text, 0, text.len()), Some(text.len()), "{text}");
                let (mut a, mut b) = (Vec::new(), Vec::new());
                set.matcher().matches(&val, &mut String::new(), &mut a);
                set.matcher().matches(tape.root(&text), &mut String::new(), &mut b);
                assert_eq!(a, b, "{}: {text}", r.id);
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn stops_at_the_record_and_respects_the_length_cap() {
        let text = r#"{"Records":[{"a":"}"},{"b":[1,2]}]}"#;
        let mut tape = Tape::new();
        let start = text.find("{\"a\"").unwrap_or_default();
        let end = tape.parse(text, start, 1000);
        assert_eq!(end, Some(start + r#"{"a":"}"}"#.len()));
        assert_eq!(tape.root(text).get("a").and_then(Json::as_str), Some("}"));
        assert_eq!(tape.parse(text, start, 5), None);
        assert_eq!(tape.parse(text, start, 9), Some(start + 9));
    }
}
