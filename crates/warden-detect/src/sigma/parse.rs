//! Sigma YAML → the intermediate form. Anything the engine cannot honour exactly is an
//! error naming the rule and the reason; nothing is dropped silently.

use super::ir::*;
use serde_yaml_ng::Value as Y;
use std::path::Path;
use warden_model::Severity;

/// Largest rule file read.
pub const MAX_RULE_FILE_BYTES: usize = 1 << 20;
/// Most selections, values and condition tokens in one rule.
const MAX_ITEMS: usize = 10_000;
const MAX_CONDITION_DEPTH: usize = 64;

/// One parsed YAML document of a rule file.
#[derive(Debug)]
pub enum Parsed {
    Rule(Box<Rule>),
    Correlation(Box<Correlation>),
}

/// A document that could not be turned into a rule: the rule's title (or id, or the file
/// name) and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub rule: String,
    pub reason: String,
}

/// Parses every YAML document in `text`.
pub fn parse_rule_file(text: &str, file: &Path) -> Vec<Result<Parsed, Rejected>> {
    let fallback = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if text.len() > MAX_RULE_FILE_BYTES {
        return vec![Err(Rejected {
            rule: fallback,
            reason: format!("file is larger than {MAX_RULE_FILE_BYTES} bytes"),
        })];
    }
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let value: Y = match serde::Deserialize::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(Rejected { rule: fallback.clone(), reason: format!("invalid YAML: {e}") }));
                break;
            }
        };
        if value.is_null() {
            continue;
        }
        let name = str_field(&value, "title").or_else(|| str_field(&value, "id")).unwrap_or_else(|| fallback.clone());
        let res = parse_document(&value, file).map_err(|reason| Rejected { rule: name, reason });
        out.push(res);
    }
    out
}

fn str_field(v: &Y, key: &str) -> Option<String> {
    match v.get(key)? {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn level(v: &Y) -> Result<Severity, String> {
    match str_field(v, "level").as_deref() {
        None => Ok(Severity::Medium),
        Some("informational") => Ok(Severity::Info),
        Some(l) => l.parse().map_err(|_| format!("unknown level `{l}`")),
    }
}

fn tags(v: &Y) -> Vec<String> {
    match v.get("tags") {
        Some(Y::Sequence(s)) => s.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn parse_document(v: &Y, file: &Path) -> Result<Parsed, String> {
    if !v.is_mapping() {
        return Err("a rule must be a YAML mapping".into());
    }
    if str_field(v, "action").is_some() {
        return Err("rule collections with `action` (global/repeat/reset) are not supported".into());
    }
    let title = str_field(v, "title").ok_or("missing `title`")?;
    let id = str_field(v, "id").unwrap_or_else(|| title.clone());
    let description = str_field(v, "description").unwrap_or_default();
    if let Some(c) = v.get("correlation") {
        return parse_correlation(v, c, id, title, description, file).map(|c| Parsed::Correlation(Box::new(c)));
    }
    let logsource = v.get("logsource").ok_or("missing `logsource`")?;
    let product = str_field(logsource, "product").unwrap_or_default();
    let service = str_field(logsource, "service").unwrap_or_default();
    if !product.eq_ignore_ascii_case("aws") || !(service.is_empty() || service.eq_ignore_ascii_case("cloudtrail")) {
        return Err(format!("logsource `product: {product}, service: {service}` is not AWS CloudTrail"));
    }
    let detection = v.get("detection").ok_or("missing `detection`")?;
    let expr = parse_detection(detection)?;
    let examples = match v.get("examples") {
        None => Examples::default(),
        Some(e) => {
            Examples { must_fire: json_list(e.get("must_fire"))?, must_not_fire: json_list(e.get("must_not_fire"))? }
        }
    };
    Ok(Parsed::Rule(Box::new(Rule {
        id,
        name: str_field(v, "name"),
        title,
        description,
        level: level(v)?,
        tags: tags(v),
        detection: expr,
        generate: true,
        file: file.to_path_buf(),
        examples,
    })))
}

fn json_list(v: Option<&Y>) -> Result<Vec<serde_json::Value>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Y::Sequence(s)) => {
            s.iter().map(|e| serde_json::to_value(e).map_err(|e| format!("example is not JSON-like: {e}"))).collect()
        }
        Some(_) => Err("`examples.must_fire` / `must_not_fire` must be lists of events".into()),
    }
}

fn json_sequences(v: Option<&Y>) -> Result<Vec<Vec<serde_json::Value>>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Y::Sequence(s)) => s.iter().map(|seq| json_list(Some(seq))).collect(),
        Some(_) => Err("correlation examples must be lists of event sequences".into()),
    }
}

fn parse_detection(d: &Y) -> Result<Expr, String> {
    let map = d.as_mapping().ok_or("`detection` must be a mapping")?;
    if map.len() > MAX_ITEMS {
        return Err("too many selections".into());
    }
    let mut selections: Vec<(String, Expr)> = Vec::new();
    let mut condition = None;
    for (k, v) in map {
        let k = k.as_str().ok_or("selection names must be strings")?;
        match k {
            "condition" => condition = Some(v),
            "timeframe" => return Err("`timeframe` is not supported; use a correlation rule".into()),
            _ => selections.push((k.to_string(), parse_selection(k, v)?)),
        }
    }
    let condition = condition.ok_or("missing `detection.condition`")?;
    let conds: Vec<&str> = match condition {
        Y::String(s) => vec![s.as_str()],
        Y::Sequence(s) => s.iter().map(|c| c.as_str().ok_or("conditions must be strings")).collect::<Result<_, _>>()?,
        _ => return Err("`condition` must be a string or a list of strings".into()),
    };
    let mut exprs = Vec::new();
    for c in conds {
        exprs.push(parse_condition(c, &selections)?);
    }
    Ok(if exprs.len() == 1 { exprs.remove(0) } else { Expr::Or(exprs) })
}

fn parse_selection(name: &str, v: &Y) -> Result<Expr, String> {
    match v {
        Y::Mapping(m) => {
            if m.is_empty() {
                return Err(format!("selection `{name}` is empty"));
            }
            let mut parts = Vec::new();
            for (k, val) in m {
                let k = k.as_str().ok_or_else(|| format!("selection `{name}`: field names must be strings"))?;
                parts.push(parse_field(k, val).map_err(|e| format!("selection `{name}`, field `{k}`: {e}"))?);
            }
            Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
        }
        Y::Sequence(items) if items.iter().all(Y::is_mapping) && !items.is_empty() => {
            let parts = items.iter().map(|i| parse_selection(name, i)).collect::<Result<Vec<_>, _>>()?;
            Ok(Expr::Or(parts))
        }
        Y::Sequence(_) | Y::String(_) => Err(format!(
            "selection `{name}`: keyword (full-text) search is not supported for CloudTrail; name the field"
        )),
        _ => Err(format!("selection `{name}` must be a mapping or a list of mappings")),
    }
}

fn pattern(v: &Y) -> Result<Pattern, String> {
    Ok(match v {
        Y::String(s) => Pattern::Str(s.clone()),
        Y::Number(n) => Pattern::Num(n.as_f64().ok_or("number out of range")?),
        Y::Bool(b) => Pattern::Bool(*b),
        Y::Null => Pattern::Null,
        _ => return Err("values must be scalars or lists of scalars".into()),
    })
}

fn parse_field(key: &str, v: &Y) -> Result<Expr, String> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default().to_string();
    if field.is_empty() {
        return Err("keyword search with modifiers (a key without a field name) is not supported".into());
    }
    let mut op = Op::Equals;
    let mut all = false;
    let mut cased = false;
    let (mut re_i, mut re_m, mut re_s, mut is_re) = (false, false, false, false);
    let set_op = |new: Op, name: &str, op: &mut Op, seen: &mut Option<String>| -> Result<(), String> {
        if let Some(prev) = seen {
            return Err(format!("modifiers `{prev}` and `{name}` cannot be combined (not supported)"));
        }
        *seen = Some(name.to_string());
        *op = new;
        Ok(())
    };
    let mut seen: Option<String> = None;
    for m in parts {
        match m {
            "contains" => set_op(Op::Contains, m, &mut op, &mut seen)?,
            "startswith" => set_op(Op::StartsWith, m, &mut op, &mut seen)?,
            "endswith" => set_op(Op::EndsWith, m, &mut op, &mut seen)?,
            "all" => all = true,
            "re" => {
                if let Some(prev) = &seen {
                    return Err(format!("modifiers `{prev}` and `re` cannot be combined (not supported)"));
                }
                seen = Some("re".into());
                is_re = true;
            }
            "i" if is_re => re_i = true,
            "m" if is_re => re_m = true,
            "s" if is_re => re_s = true,
            "cidr" => set_op(Op::Cidr, m, &mut op, &mut seen)?,
            "exists" => set_op(Op::Exists, m, &mut op, &mut seen)?,
            "fieldref" => set_op(Op::FieldRef, m, &mut op, &mut seen)?,
            "gt" => set_op(Op::Gt, m, &mut op, &mut seen)?,
            "gte" => set_op(Op::Gte, m, &mut op, &mut seen)?,
            "lt" => set_op(Op::Lt, m, &mut op, &mut seen)?,
            "lte" => set_op(Op::Lte, m, &mut op, &mut seen)?,
            "cased" => cased = true,
            other => return Err(format!("modifier `{other}` is not supported")),
        }
    }
    if is_re {
        op = Op::Regex { insensitive: re_i, multiline: re_m, dotall: re_s };
    }
    let values: Vec<Pattern> = match v {
        Y::Sequence(s) => {
            if s.is_empty() {
                return Err("empty list of values".into());
            }
            if s.len() > MAX_ITEMS {
                return Err("too many values".into());
            }
            s.iter().map(pattern).collect::<Result<_, _>>()?
        }
        other => vec![pattern(other)?],
    };
    match op {
        Op::Exists if !matches!(values.as_slice(), [Pattern::Bool(_)]) => {
            return Err("`exists` takes `true` or `false`".into());
        }
        Op::Regex { .. } | Op::Cidr | Op::FieldRef if values.iter().any(|v| !matches!(v, Pattern::Str(_))) => {
            return Err("this modifier takes strings".into());
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte if values.iter().any(|v| !matches!(v, Pattern::Num(_))) => {
            return Err("numeric comparison takes numbers".into());
        }
        _ => {}
    }
    // A null in a value list means "absent or null"; split it out so the rest keep the op.
    Ok(Expr::Match(FieldMatch { field, op, values, all, cased }))
}

// ---- conditions ----

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    if s.contains('|') {
        return Err("aggregation conditions (`| count() …`) are not supported; use a correlation rule".into());
    }
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | ' ' | '\t' | '\n' | '\r' => {
                if !word.is_empty() {
                    out.push(Tok::Word(std::mem::take(&mut word)));
                }
                if c == '(' {
                    out.push(Tok::LParen);
                } else if c == ')' {
                    out.push(Tok::RParen);
                }
            }
            _ => word.push(c),
        }
        if out.len() > MAX_ITEMS {
            return Err("condition is too long".into());
        }
    }
    if !word.is_empty() {
        out.push(Tok::Word(word));
    }
    Ok(out)
}

struct CondParser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    sel: &'a [(String, Expr)],
    depth: usize,
}

fn parse_condition(s: &str, sel: &[(String, Expr)]) -> Result<Expr, String> {
    let mut p = CondParser { toks: tokenize(s)?, pos: 0, sel, depth: 0 };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("condition `{s}`: unexpected `{:?}`", p.toks.get(p.pos)));
    }
    Ok(e)
}

fn kw(t: Option<&Tok>, k: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
}

fn glob_names(pattern: &str, sel: &[(String, Expr)]) -> Vec<Expr> {
    sel.iter()
        .filter(|(n, _)| {
            if pattern == "them" {
                !n.starts_with('_')
            } else if let Some(prefix) = pattern.strip_suffix('*') {
                n.starts_with(prefix)
            } else {
                n == pattern
            }
        })
        .map(|(_, e)| e.clone())
        .collect()
}

impl CondParser<'_> {
    fn or(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.and()?];
        while kw(self.toks.get(self.pos), "or") {
            self.pos += 1;
            xs.push(self.and()?);
        }
        Ok(if xs.len() == 1 { xs.remove(0) } else { Expr::Or(xs) })
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut xs = vec![self.not()?];
        while kw(self.toks.get(self.pos), "and") {
            self.pos += 1;
            xs.push(self.not()?);
        }
        Ok(if xs.len() == 1 { xs.remove(0) } else { Expr::And(xs) })
    }
    fn not(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_CONDITION_DEPTH {
            return Err("condition is nested too deeply".into());
        }
        let r = if kw(self.toks.get(self.pos), "not") {
            self.pos += 1;
            self.not().map(|e| Expr::Not(Box::new(e)))
        } else {
            self.atom()
        };
        self.depth -= 1;
        r
    }
    fn atom(&mut self) -> Result<Expr, String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::RParen) {
                    return Err("missing `)` in condition".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(w))
                if (w == "1" || w.eq_ignore_ascii_case("all") || w.eq_ignore_ascii_case("any"))
                    && kw(self.toks.get(self.pos + 1), "of") =>
            {
                let Some(Tok::Word(target)) = self.toks.get(self.pos + 2).cloned() else {
                    return Err(format!("`{w} of` needs a selection pattern or `them`"));
                };
                self.pos += 3;
                let xs = glob_names(&target, self.sel);
                if xs.is_empty() {
                    return Err(format!("`{w} of {target}` matches no selection"));
                }
                Ok(if w.eq_ignore_ascii_case("all") { Expr::And(xs) } else { Expr::Or(xs) })
            }
            Some(Tok::Word(w)) => {
                if ["and", "or", "of"].iter().any(|k| w.eq_ignore_ascii_case(k)) {
                    return Err(format!("unexpected `{w}` in condition"));
                }
                self.pos += 1;
                self.sel
                    .iter()
                    .find(|(n, _)| *n == w)
                    .map(|(_, e)| e.clone())
                    .ok_or_else(|| format!("condition names `{w}`, which is not a selection"))
            }
            Some(Tok::RParen) => Err("unexpected `)` in condition".into()),
            None => Err("condition ends too early".into()),
        }
    }
}

// ---- correlations ----

fn parse_timespan(s: &str) -> Result<i64, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| format!("timespan `{s}` must be a number and a unit (s, m, h, d)"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("timespan `{s}`: unknown unit `{unit}`")),
    };
    Ok(n.saturating_mul(mult))
}

fn parse_correlation(
    v: &Y,
    c: &Y,
    id: String,
    title: String,
    description: String,
    file: &Path,
) -> Result<Correlation, String> {
    let kind = str_field(c, "type").ok_or("correlation without `type`")?;
    let rules: Vec<String> = match c.get("rules") {
        Some(Y::Sequence(s)) => s.iter().filter_map(|r| r.as_str().map(str::to_string)).collect(),
        Some(Y::String(s)) => vec![s.clone()],
        _ => return Err("correlation without `rules`".into()),
    };
    if rules.is_empty() {
        return Err("correlation `rules` is empty".into());
    }
    let group_by = match c.get("group-by") {
        Some(Y::Sequence(s)) => s.iter().filter_map(|r| r.as_str().map(str::to_string)).collect(),
        Some(Y::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let timespan =
        str_field(c, "timespan").or_else(|| str_field(c, "timeframe")).ok_or("correlation without `timespan`")?;
    let timespan_secs = parse_timespan(&timespan)?;
    let cond = c.get("condition");
    let mut threshold = Threshold { op: CmpOp::Gte, value: 1 };
    let mut field = None;
    if let Some(Y::Mapping(m)) = cond {
        let mut seen = false;
        for (k, val) in m {
            let k = k.as_str().unwrap_or_default();
            let op = match k {
                "gt" => CmpOp::Gt,
                "gte" => CmpOp::Gte,
                "lt" => CmpOp::Lt,
                "lte" => CmpOp::Lte,
                "eq" => CmpOp::Eq,
                "field" => {
                    field = val.as_str().map(str::to_string);
                    continue;
                }
                other => return Err(format!("correlation condition `{other}` is not supported")),
            };
            if seen {
                return Err("correlation conditions with a range (two bounds) are not supported".into());
            }
            seen = true;
            threshold = Threshold { op, value: val.as_u64().ok_or("correlation threshold must be a whole number")? };
        }
    } else if kind != "temporal" {
        return Err("correlation without `condition`".into());
    }
    let kind = match kind.as_str() {
        "event_count" => CorrelationKind::EventCount,
        "value_count" => CorrelationKind::ValueCount(field.ok_or("`value_count` needs `condition.field`")?),
        "temporal" => {
            if cond.is_none() {
                threshold = Threshold { op: CmpOp::Gte, value: rules.len() as u64 };
            }
            CorrelationKind::Temporal
        }
        other => return Err(format!("correlation type `{other}` is not supported")),
    };
    if c.get("aliases").is_some() {
        return Err("correlation `aliases` are not supported".into());
    }
    Ok(Correlation {
        id,
        name: str_field(v, "name"),
        title,
        description,
        level: level(v)?,
        tags: tags(v),
        kind,
        rules,
        group_by,
        timespan_secs,
        condition: threshold,
        generate: matches!(c.get("generate"), Some(Y::Bool(true))),
        file: file.to_path_buf(),
        examples: match v.get("examples") {
            None => CorrelationExamples::default(),
            Some(e) => CorrelationExamples {
                must_fire: json_sequences(e.get("must_fire"))?,
                must_not_fire: json_sequences(e.get("must_not_fire"))?,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(y: &str) -> Result<Parsed, Rejected> {
        parse_rule_file(y, Path::new("t.yml")).remove(0)
    }

    #[test]
    fn condition_grammar() {
        let r = one("title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel_a: {eventName: A}\n  sel_b: {eventName: B}\n  filter: {x: 1}\n  condition: (1 of sel_*) and not filter\n").unwrap();
        let Parsed::Rule(r) = r else { panic!() };
        assert!(matches!(&r.detection, Expr::And(xs) if xs.len() == 2));
        assert_eq!(r.detection.required_event_names(), Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn unsupported_is_reported_with_reason() {
        let e =
            one("title: t\nlogsource: {product: aws}\ndetection:\n  s: {x|base64offset|contains: a}\n  condition: s\n")
                .unwrap_err();
        assert!(e.reason.contains("base64offset"), "{}", e.reason);
        let e = one("title: t\nlogsource: {product: aws}\ndetection:\n  s: {x: a}\n  condition: s | count() > 5\n")
            .unwrap_err();
        assert!(e.reason.contains("correlation"));
        let e = one("title: t\nlogsource: {product: windows}\ndetection:\n  s: {x: a}\n  condition: s\n").unwrap_err();
        assert!(e.reason.contains("not AWS CloudTrail"));
        let e = one("title: t\nlogsource: {product: aws}\ndetection:\n  s: {x: a}\n  condition: s and missing\n")
            .unwrap_err();
        assert!(e.reason.contains("`missing`"));
        assert!(one("title: t\nlogsource: {product: aws}\ndetection:\n  s: {x: a}\n  condition: ((((s\n").is_err());
    }
}
