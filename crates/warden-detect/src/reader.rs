//! Streaming readers for CloudTrail: delivery files (`{"Records":[…]}`), plain JSON arrays
//! of events, JSON Lines (or concatenated objects), each optionally gzip; single files,
//! directories walked recursively (the `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/`
//! layout) and stdin.
//!
//! One file at a time is held decompressed, never more than [`ReadLimits::max_file_bytes`],
//! so memory stays flat however many files there are. Records are located by a small byte
//! scanner (strings, escapes and bracket depth) rather than by parsing the whole document,
//! so one corrupt record, a truncated gzip member or an oversize record costs only itself:
//! it is reported with file and offset and every other record is still read.

use crate::error::InputError;
use crate::tape::{Node, Tape};
use crate::value::Val;
use flate2::read::MultiGzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Budgets for untrusted log input.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Largest decompressed size of one file (or stdin); the rest is reported and dropped.
    pub max_file_bytes: u64,
    /// Largest single record; bigger ones are reported and skipped.
    pub max_record_bytes: usize,
    /// Deepest directory nesting followed when walking.
    pub max_dir_depth: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self { max_file_bytes: 1 << 30, max_record_bytes: 1 << 20, max_dir_depth: 32 }
    }
}

/// The name used for standard input.
pub const STDIN: &str = "-";

/// Expands directories (recursively, sorted, hidden entries and CloudTrail digest folders
/// skipped) into the list of files to read. `-` stands for stdin and is kept as is.
/// Files named on the command line are always read; inside directories only files whose
/// name passes `accept` are (see [`is_cloudtrail_name`], [`is_flow_log_name`]).
pub fn expand_paths(
    paths: &[PathBuf],
    limits: &ReadLimits,
    accept: fn(&str) -> bool,
    errors: &mut Vec<InputError>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == STDIN {
            out.push(p.clone());
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, 0, limits, accept, &mut out, errors),
            Ok(_) => out.push(p.clone()),
            Err(e) => errors.push(InputError::new(p, None, format!("cannot read: {e}"))),
        }
    }
    out
}

fn walk(
    dir: &Path,
    depth: usize,
    limits: &ReadLimits,
    accept: fn(&str) -> bool,
    out: &mut Vec<PathBuf>,
    errors: &mut Vec<InputError>,
) {
    if depth > limits.max_dir_depth {
        errors.push(InputError::new(
            dir,
            None,
            format!("directory nesting deeper than {}, not followed", limits.max_dir_depth),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(InputError::new(dir, None, format!("cannot list directory: {e}")));
            return;
        }
    };
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => {
                let name = e.file_name();
                let name = name.to_string_lossy();
                // Hidden files and the digest files CloudTrail writes beside the logs are not events.
                if name.starts_with('.') || name == "CloudTrail-Digest" || name.contains("_CloudTrail-Digest_") {
                    continue;
                }
                let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir || accept(&name) {
                    paths.push((e.path(), is_dir));
                }
            }
            Err(e) => errors.push(InputError::new(dir, None, format!("cannot list directory: {e}"))),
        }
    }
    paths.sort();
    for (p, is_dir) in paths {
        if is_dir {
            walk(&p, depth + 1, limits, accept, out, errors);
        } else {
            out.push(p);
        }
    }
}

/// CloudTrail file names met in a directory walk: `.json`, `.jsonl`, `.ndjson`, each
/// optionally `.gz`.
pub fn is_cloudtrail_name(name: &str) -> bool {
    let n = name.strip_suffix(".gz").unwrap_or(name);
    n.ends_with(".json") || n.ends_with(".jsonl") || n.ends_with(".ndjson")
}

/// Flow log file names met in a directory walk: `.log`, `.txt`, each optionally `.gz`.
pub fn is_flow_log_name(name: &str) -> bool {
    let n = name.strip_suffix(".gz").unwrap_or(name);
    n.ends_with(".log") || n.ends_with(".txt")
}

/// Reads a file (or stdin for `-`), gunzipping when it starts with the gzip magic, and
/// never holding more than `max_file_bytes` decompressed bytes. What was read before a
/// truncated or corrupt gzip stream is returned together with the error.
pub fn read_bytes(path: &Path, limits: &ReadLimits) -> (Vec<u8>, Option<InputError>) {
    let mut buf = Vec::new();
    let err = read_bytes_into(path, limits, &mut buf);
    (buf, err)
}

/// As [`read_bytes`], into `buf` (cleared first), so that a caller reading file after file
/// reuses one allocation instead of growing a new one each time.
pub fn read_bytes_into(path: &Path, limits: &ReadLimits, buf: &mut Vec<u8>) -> Option<InputError> {
    buf.clear();
    let reader: Box<dyn Read> = if path.as_os_str() == STDIN {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => return Some(InputError::new(path, None, format!("cannot open: {e}"))),
        }
    };
    read_capped_into(reader, path, limits.max_file_bytes, buf)
}

/// As [`read_bytes`], from any reader.
pub fn read_capped(reader: impl Read, path: &Path, cap: u64) -> (Vec<u8>, Option<InputError>) {
    let mut buf = Vec::new();
    let err = read_capped_into(reader, path, cap, &mut buf);
    (buf, err)
}

fn read_capped_into(mut reader: impl Read, path: &Path, cap: u64, buf: &mut Vec<u8>) -> Option<InputError> {
    buf.clear();
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match reader.read(head.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Some(InputError::new(path, Some(0), format!("read failed: {e}"))),
        }
    }
    let prefix = head.get(..got).unwrap_or_default().to_vec();
    let chained = std::io::Cursor::new(prefix).chain(reader);
    let gz = got == 2 && head == [0x1f, 0x8b];
    let result = if gz {
        MultiGzDecoder::new(chained).take(cap.saturating_add(1)).read_to_end(buf)
    } else {
        chained.take(cap.saturating_add(1)).read_to_end(buf)
    };
    let mut err = None;
    if let Err(e) = result {
        let what = if gz { "gzip stream is truncated or corrupt" } else { "read failed" };
        err = Some(InputError::new(
            path,
            Some(buf.len() as u64),
            format!("{what} ({e}); the records before this point are kept"),
        ));
    }
    if buf.len() as u64 > cap {
        buf.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
        err = Some(InputError::new(
            path,
            Some(cap),
            format!("decompressed size exceeds the cap of {cap} bytes; the rest is skipped"),
        ));
    }
    err
}

/// One event handed out by [`for_each_record`]: a node of a [`Tape`] on the fast path,
/// a [`Val`] where the fast parser declined the record (see [`crate::tape`]).
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    Tape(Node<'a>),
    Val(&'a Val<'a>),
}

/// Calls `f(event, offset)` for every event in `buf`, whatever the layout (delivery file,
/// JSON array, JSON Lines, a single event). Broken records are pushed onto `errors`.
pub fn for_each_event(
    buf: &[u8],
    path: &Path,
    limits: &ReadLimits,
    errors: &mut Vec<InputError>,
    f: &mut dyn FnMut(&Val<'_>, u64),
) {
    let mut to_val = |r: Record<'_>, offset: u64| {
        if let Record::Val(v) = r {
            f(v, offset);
        }
    };
    let mut sink = Sink { text: None, tape: Tape::new(), f: &mut to_val };
    walk_records(buf, path, limits, errors, &mut sink);
}

/// As [`for_each_event`], but records are parsed onto a reused [`Tape`] (no tree, no
/// allocation per record) whenever the fast parser accepts them; the others, and every
/// record after invalid UTF-8, come as [`Val`] exactly as [`for_each_event`] gives them. The same records are emitted and the same errors reported either way.
pub fn for_each_record(
    buf: &[u8],
    path: &Path,
    limits: &ReadLimits,
    errors: &mut Vec<InputError>,
    f: &mut dyn FnMut(Record<'_>, u64),
) {
    // Records past the first invalid UTF-8 (say, a gzip stream cut mid-character) take
    // the serde_json path: the tape only reads text known to be UTF-8.
    let text = match std::str::from_utf8(buf) {
        Ok(text) => text,
        Err(e) => buf.get(..e.valid_up_to()).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default(),
    };
    let mut sink = Sink { text: Some(text), tape: Tape::new(), f };
    walk_records(buf, path, limits, errors, &mut sink);
}

/// Where located records go: parsed on the tape when they lie within `text` (the buffer's
/// longest UTF-8 prefix) and the fast parser accepts them, else through `serde_json`.
struct Sink<'s> {
    text: Option<&'s str>,
    tape: Tape,
    f: &'s mut dyn FnMut(Record<'_>, u64),
}

impl Sink<'_> {
    /// Emits the value starting at `start`; returns its end, or `Err(offset)` when the
    /// input ends first (nothing is emitted then).
    fn value(
        &mut self,
        buf: &[u8],
        start: usize,
        path: &Path,
        limits: &ReadLimits,
        errors: &mut Vec<InputError>,
    ) -> Result<usize, usize> {
        if let Some(text) = self.text
            && let Some(end) = self.tape.parse(text, start, limits.max_record_bytes)
        {
            (self.f)(Record::Tape(self.tape.root(text)), start as u64);
            return Ok(end);
        }
        let end = scan_value(buf, start)?;
        self.emit(buf, start, end, path, limits, errors);
        Ok(end)
    }

    /// Emits `buf[start..end]` through `serde_json`, reporting what is wrong with it.
    fn emit(
        &mut self,
        buf: &[u8],
        start: usize,
        end: usize,
        path: &Path,
        limits: &ReadLimits,
        errors: &mut Vec<InputError>,
    ) {
        let len = end.saturating_sub(start);
        if len > limits.max_record_bytes {
            errors.push(InputError::new(
                path,
                Some(start as u64),
                format!("record of {len} bytes exceeds the cap of {} bytes; skipped", limits.max_record_bytes),
            ));
            return;
        }
        let Some(slice) = buf.get(start..end) else { return };
        // Validating UTF-8 once per record is cheaper than serde_json checking every string.
        let parsed = match std::str::from_utf8(slice) {
            Ok(text) => Val::parse_str(text),
            Err(_) => Val::parse(slice),
        };
        match parsed {
            Ok(v) if v.is_object() => (self.f)(Record::Val(&v), start as u64),
            Ok(_) => errors.push(InputError::new(path, Some(start as u64), "record is not a JSON object; skipped")),
            Err(e) => {
                errors.push(InputError::new(path, Some(start as u64), format!("invalid JSON record ({e}); skipped")))
            }
        }
    }
}

fn walk_records(buf: &[u8], path: &Path, limits: &ReadLimits, errors: &mut Vec<InputError>, sink: &mut Sink<'_>) {
    let mut i = skip_ws(buf, 0);
    if buf.get(i..i + 3) == Some(&[0xEF, 0xBB, 0xBF]) {
        i = skip_ws(buf, i + 3);
    }
    let mut junk: Option<(usize, u64)> = None;
    while i < buf.len() {
        match buf.get(i) {
            Some(b'[') => match array_elements(buf, i, path, limits, errors, sink) {
                Some(end) => i = end,
                None => return,
            },
            Some(b'{') => {
                if let Some(arr) = records_array(buf, i) {
                    match array_elements(buf, arr, path, limits, errors, sink) {
                        Some(end) => {
                            // Skip the rest of the delivery object.
                            i = object_rest(buf, end).unwrap_or(buf.len());
                        }
                        None => return,
                    }
                } else {
                    match sink.value(buf, i, path, limits, errors) {
                        Ok(end) => i = end,
                        Err(_) => {
                            // Unbalanced: a truncated line in JSON Lines. Fall back to lines so
                            // the lines after it are not swallowed.
                            lines(buf, i, path, limits, errors, sink);
                            return;
                        }
                    }
                }
            }
            Some(_) => {
                let j = junk.get_or_insert((i, 0));
                j.1 += 1;
                i = next_line(buf, i);
            }
            None => break,
        }
        i = skip_ws(buf, i);
        if buf.get(i) == Some(&b',') {
            i = skip_ws(buf, i + 1);
        }
    }
    if let Some((at, n)) = junk {
        errors.push(InputError::new(
            path,
            Some(at as u64),
            format!("{n} line(s) are not JSON objects or arrays (first at this offset); skipped"),
        ));
    }
}

fn lines(
    buf: &[u8],
    mut i: usize,
    path: &Path,
    limits: &ReadLimits,
    errors: &mut Vec<InputError>,
    sink: &mut Sink<'_>,
) {
    while i < buf.len() {
        let end = next_line(buf, i);
        let line_end = trim_end(buf, i, end);
        if line_end > i {
            sink.emit(buf, i, line_end, path, limits, errors);
        }
        i = end;
    }
}

fn next_line(buf: &[u8], i: usize) -> usize {
    buf.get(i..).and_then(|s| s.iter().position(|&b| b == b'\n')).map(|p| i + p + 1).unwrap_or(buf.len())
}

fn trim_end(buf: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && buf.get(end - 1).is_some_and(|b| b.is_ascii_whitespace()) {
        end -= 1;
    }
    end
}

/// Emits each element of the array starting at `start` (which holds `[`); returns the index
/// after `]`, or `None` when the array is truncated (reported).
fn array_elements(
    buf: &[u8],
    start: usize,
    path: &Path,
    limits: &ReadLimits,
    errors: &mut Vec<InputError>,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let mut i = skip_ws(buf, start + 1);
    loop {
        match buf.get(i) {
            None => {
                errors.push(InputError::new(path, Some(i as u64), "array is truncated (end of input before `]`)"));
                return None;
            }
            Some(b']') => return Some(i + 1),
            Some(b',') => i = skip_ws(buf, i + 1),
            Some(_) => match sink.value(buf, i, path, limits, errors) {
                Ok(end) => i = skip_ws(buf, end),
                Err(at) => {
                    errors.push(InputError::new(
                        path,
                        Some(i as u64),
                        format!("record is truncated (end of input at byte {at}); skipped"),
                    ));
                    return None;
                }
            },
        }
    }
}

/// If the object at `start` has a top-level `"Records"` key whose value is an array,
/// returns the index of that array's `[`.
fn records_array(buf: &[u8], start: usize) -> Option<usize> {
    let mut i = skip_ws(buf, start + 1);
    loop {
        match buf.get(i)? {
            b'}' => return None,
            b',' => i = skip_ws(buf, i + 1),
            b'"' => {
                let key_end = scan_string(buf, i).ok()?;
                let key = buf.get(i + 1..key_end - 1)?;
                i = skip_ws(buf, key_end);
                if buf.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_ws(buf, i + 1);
                if key == b"Records" && buf.get(i) == Some(&b'[') {
                    return Some(i);
                }
                i = skip_ws(buf, scan_value(buf, i).ok()?);
            }
            _ => return None,
        }
    }
}

/// From just after a value inside an object, the index after the object's `}`.
fn object_rest(buf: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = skip_ws(buf, i);
        match buf.get(i)? {
            b'}' => return Some(i + 1),
            b',' | b':' => i += 1,
            _ => i = scan_value(buf, i).ok()?,
        }
    }
}

fn skip_ws(buf: &[u8], mut i: usize) -> usize {
    while buf.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// End (exclusive) of the string starting at `start` (a `"`), or where input ran out.
fn scan_string(buf: &[u8], start: usize) -> Result<usize, usize> {
    let mut i = start + 1;
    loop {
        let rest = buf.get(i..).unwrap_or_default();
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(p) if rest.get(p) == Some(&b'\\') => i += p + 2,
            Some(p) => return Ok(i + p + 1),
            None => return Err(buf.len()),
        }
    }
}

/// Bytes that matter to the bracket scanner outside strings.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// End (exclusive) of the JSON value starting at `start`, found by bracket depth alone;
/// `Err(offset)` when input ends first. Validity is left to the parser.
pub(crate) fn scan_value(buf: &[u8], start: usize) -> Result<usize, usize> {
    match buf.get(start) {
        Some(b'"') => scan_string(buf, start),
        Some(b'{') | Some(b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                let rest = buf.get(i..).unwrap_or_default();
                let Some(p) = rest.iter().position(|&b| STRUCTURAL[usize::from(b)]) else { return Err(buf.len()) };
                let j = i + p;
                match rest.get(p) {
                    Some(b'"') => i = scan_string(buf, j)?,
                    Some(b'{') | Some(b'[') => {
                        depth += 1;
                        i = j + 1;
                    }
                    _ => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                        i = j + 1;
                    }
                }
            }
        }
        Some(_) => {
            let mut i = start;
            while let Some(&b) = buf.get(i) {
                if matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace() {
                    break;
                }
                i += 1;
            }
            Ok(i)
        }
        None => Err(start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn events(buf: &[u8]) -> (Vec<(serde_json::Value, u64)>, Vec<InputError>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for_each_event(buf, Path::new("t.json"), &ReadLimits::default(), &mut errors, &mut |v, o| {
            out.push((v.to_json(), o))
        });
        (out, errors)
    }

    #[test]
    fn delivery_array_and_lines() {
        let (e, err) = events(br#"{"Records":[{"eventName":"A"},{"eventName":"B","x":{"y":"]}"}}]}"#);
        assert_eq!(e.len(), 2);
        assert!(err.is_empty());
        assert_eq!(e[1].0["x"]["y"], "]}");
        let (e, err) = events(br#"[{"eventName":"A"}, {"eventName":"B"}]"#);
        assert_eq!((e.len(), err.len()), (2, 0));
        let (e, err) = events(b"{\"eventName\":\"A\"}\n{\"eventName\":\"B\"}\n");
        assert_eq!((e.len(), err.len()), (2, 0));
        // Records not first, other keys around it.
        let (e, _) = events(br#"{"v":{"Records":1},"Records":[{"a":1}],"z":[]}"#);
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn corrupt_records_are_skipped_with_offsets() {
        let (e, err) = events(br#"{"Records":[{"a":1},{"a":tru},{"a":3}]}"#);
        assert_eq!(e.len(), 2);
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].offset, Some(20));
        // A truncated JSON Lines line does not swallow the lines after it.
        let (e, err) = events(b"{\"a\":1}\n{\"a\":{\"b\":\n{\"a\":3}\n");
        assert_eq!(e.len(), 2, "{err:?}");
        assert_eq!(err.len(), 1);
        // Truncated delivery file: the complete records are kept.
        let (e, err) = events(br#"{"Records":[{"a":1},{"a":2},{"a":"#);
        assert_eq!(e.len(), 2);
        assert_eq!(err.len(), 1);
        assert!(err[0].to_string().contains("truncated"), "{}", err[0]);
    }

    #[test]
    fn oversize_records_are_skipped() {
        let big = format!(r#"{{"Records":[{{"a":"{}"}},{{"a":1}}]}}"#, "x".repeat(100));
        let mut errors = Vec::new();
        let mut n = 0;
        let limits = ReadLimits { max_record_bytes: 50, ..ReadLimits::default() };
        for_each_event(big.as_bytes(), Path::new("t"), &limits, &mut errors, &mut |_, _| n += 1);
        assert_eq!(n, 1);
        assert!(errors[0].message.contains("exceeds"));
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_capped_and_truncated() {
        let data = br#"{"Records":[{"a":1},{"a":2}]}"#;
        let z = gz(data);
        let (buf, err) = read_capped(&z[..], Path::new("t.gz"), 1 << 20);
        assert_eq!(buf, data);
        assert!(err.is_none());
        let (buf, err) = read_capped(&z[..], Path::new("t.gz"), 10);
        assert_eq!(buf.len(), 10);
        assert!(err.unwrap().message.contains("cap"));
        // Truncated gzip: what decompressed is kept and the error says so.
        let big: String = (0..2000).map(|i| format!("{{\"a\":{i}}}\n")).collect();
        let z = gz(big.as_bytes());
        let (buf, err) = read_capped(&z[..z.len() / 2], Path::new("t.gz"), 1 << 20);
        assert!(err.unwrap().message.contains("truncated"));
        let (e, errs) = events(&buf);
        assert!(e.len() > 100, "{}", e.len());
        assert!(errs.len() <= 1);
    }

    #[test]
    fn escapes_and_brackets_inside_strings() {
        let (e, err) = events(br#"{"Records":[{"a":"x\\","b":"}]\"{["},{"a":"\u005d"}]}"#);
        assert!(err.is_empty(), "{err:?}");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].0["b"], "}]\"{[");
        assert_eq!(e[1].0["a"], "]");
    }

    #[test]
    fn text_files_yield_one_error() {
        let (e, err) = events(b"MIT License\n\nCopyright\n{\"a\":1}\n");
        assert_eq!(e.len(), 1);
        assert_eq!(err.len(), 1);
        assert!(err[0].message.starts_with("2 line(s)"), "{}", err[0]);
    }
}
