//! The Sigma engine: rule files → intermediate form ([`ir`]) → compiled matchers
//! ([`eval`]), plus correlation rules (`event_count`, `value_count`, `temporal`).

pub mod eval;
pub mod ir;
pub mod parse;

use crate::error::RuleError;
use crate::value::Json;
use eval::Matcher;
use ir::{Correlation, CorrelationKind, Rule};
use parse::{Parsed, parse_rule_file};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How loading one rule went.
#[derive(Debug, Clone)]
pub struct LoadStatus {
    pub rule: String,
    pub file: PathBuf,
    /// `None` when loaded; otherwise why not.
    pub unsupported: Option<String>,
}

/// A loaded set of rules, compiled and indexed.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    correlations: Vec<Correlation>,
    /// For each correlation, the indexes of the rules it counts.
    corr_rules: Vec<Vec<usize>>,
    matcher: Matcher,
    status: Vec<LoadStatus>,
}

const MAX_RULE_FILES: usize = 100_000;

impl RuleSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every rule found in a YAML text; failures are recorded in [`RuleSet::status`].
    pub fn add_text(&mut self, text: &str, file: &Path) {
        for parsed in parse_rule_file(text, file) {
            match parsed {
                Ok(Parsed::Rule(r)) => {
                    let label = r.title.clone();
                    match self.matcher.add(&r.detection) {
                        Ok(()) => {
                            self.rules.push(*r);
                            self.status.push(LoadStatus { rule: label, file: file.to_path_buf(), unsupported: None });
                        }
                        Err(reason) => self.status.push(LoadStatus {
                            rule: label,
                            file: file.to_path_buf(),
                            unsupported: Some(reason),
                        }),
                    }
                }
                Ok(Parsed::Correlation(c)) => {
                    self.status.push(LoadStatus { rule: c.title.clone(), file: file.to_path_buf(), unsupported: None });
                    self.correlations.push(*c);
                }
                Err(rej) => self.status.push(LoadStatus {
                    rule: rej.rule,
                    file: file.to_path_buf(),
                    unsupported: Some(rej.reason),
                }),
            }
        }
    }

    /// Loads a rule file or every `.yml`/`.yaml` file under a directory.
    pub fn add_path(&mut self, path: &Path) -> Result<(), RuleError> {
        let mut files = Vec::new();
        collect_yaml(path, 0, &mut files).map_err(|reason| RuleError {
            rule: path.display().to_string(),
            file: path.to_path_buf(),
            reason,
        })?;
        if files.len() > MAX_RULE_FILES {
            return Err(RuleError {
                rule: path.display().to_string(),
                file: path.to_path_buf(),
                reason: format!("more than {MAX_RULE_FILES} rule files"),
            });
        }
        for f in files {
            match std::fs::read(&f) {
                Ok(bytes) if bytes.len() > parse::MAX_RULE_FILE_BYTES => self.status.push(LoadStatus {
                    rule: f.display().to_string(),
                    file: f.clone(),
                    unsupported: Some(format!("file is larger than {} bytes", parse::MAX_RULE_FILE_BYTES)),
                }),
                Ok(bytes) => self.add_text(&String::from_utf8_lossy(&bytes), &f),
                Err(e) => self.status.push(LoadStatus {
                    rule: f.display().to_string(),
                    file: f.clone(),
                    unsupported: Some(format!("cannot read: {e}")),
                }),
            }
        }
        Ok(())
    }

    /// Resolves correlation references; call once after adding rules. Correlations naming
    /// unknown rules are moved to the unsupported list. Rules used by a correlation stop
    /// reporting their own matches, as Sigma specifies.
    pub fn finish(&mut self) {
        let mut keep = Vec::new();
        self.corr_rules.clear();
        for c in std::mem::take(&mut self.correlations) {
            let mut idx = Vec::new();
            let mut missing = None;
            for r in &c.rules {
                match self.rules.iter().position(|x| x.id == *r || x.name.as_deref() == Some(r.as_str())) {
                    Some(i) => idx.push(i),
                    None => missing = Some(r.clone()),
                }
            }
            if let Some(m) = missing {
                if let Some(s) = self.status.iter_mut().find(|s| s.rule == c.title && s.file == c.file) {
                    s.unsupported = Some(format!("correlation refers to rule `{m}`, which is not loaded"));
                }
                continue;
            }
            if !c.generate {
                for &i in &idx {
                    if let Some(r) = self.rules.get_mut(i) {
                        r.generate = false;
                    }
                }
            }
            self.corr_rules.push(idx);
            keep.push(c);
        }
        self.correlations = keep;
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }
    pub fn status(&self) -> &[LoadStatus] {
        &self.status
    }
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }
}

fn collect_yaml(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    if depth > 32 {
        return Err("directory nesting deeper than 32".into());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot list: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect_yaml(&p, depth + 1, out)?;
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            out.push(p);
        }
    }
    Ok(())
}

/// A correlation that fired: which one, for which group, and the events that made it.
#[derive(Debug, Clone)]
pub struct CorrelationHit {
    pub correlation: usize,
    pub group: Vec<String>,
    /// Indexes the caller gave with the events (e.g. positions in its own buffer).
    pub events: Vec<u64>,
    pub count: u64,
}

/// Most groups tracked per correlation; the stalest are dropped beyond it.
const MAX_GROUPS: usize = 100_000;
/// Most events remembered per group window.
const MAX_WINDOW: usize = 10_000;

#[derive(Debug, Default)]
struct Window {
    /// The group-by values this window counts for.
    group: Vec<String>,
    /// (time, distinct key — the value for value_count, the rule for temporal —, event tag);
    /// the key is shared with `distinct`, so a repeated value costs no allocation.
    items: VecDeque<(i64, Arc<str>, u64)>,
    /// How many items hold each distinct key.
    distinct: HashMap<Arc<str>, u32>,
    last: i64,
}

impl Window {
    fn pop(&mut self) {
        if let Some((_, key, _)) = self.items.pop_front()
            && let Some(n) = self.distinct.get_mut(&key)
        {
            *n -= 1;
            if *n == 0 {
                self.distinct.remove(&key);
            }
        }
    }

    fn push(&mut self, time: i64, key: &str, tag: u64) {
        let shared = match self.distinct.get_key_value(key) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::from(key),
        };
        *self.distinct.entry(Arc::clone(&shared)).or_default() += 1;
        self.items.push_back((time, shared, tag));
    }
}

/// Drops the groups idle longest, keeping the newer half.
fn evict_half(groups: &mut HashMap<String, Window>) {
    let mut lasts: Vec<i64> = groups.values().map(|w| w.last).collect();
    let mid = lasts.len() / 2;
    if mid == 0 {
        return;
    }
    let (_, median, _) = lasts.select_nth_unstable(mid);
    let median = *median;
    groups.retain(|_, w| w.last > median);
}

/// Running state of all correlations over a stream.
#[derive(Debug, Default)]
pub struct CorrelationState {
    /// Per correlation, the windows by group; the map key is the group-by values, each
    /// written as its length, `:` and the text (so distinct groups never share a key).
    groups: Vec<HashMap<String, Window>>,
    group_key: String,
    value: String,
}

impl CorrelationState {
    /// Feeds the rules that matched one event; returns correlations that fire now. A group
    /// that fires starts a fresh window, so one burst yields one hit.
    pub fn observe<'a>(
        &mut self,
        set: &RuleSet,
        ev: impl Json<'a>,
        time: i64,
        matched: &[u32],
        tag: u64,
    ) -> Vec<CorrelationHit> {
        let mut hits = Vec::new();
        if self.groups.len() < set.correlations.len() {
            self.groups.resize_with(set.correlations.len(), HashMap::new);
        }
        for (ci, (c, rules)) in set.correlations.iter().zip(&set.corr_rules).enumerate() {
            let Some(pos) = rules.iter().position(|r| matched.binary_search(&(*r as u32)).is_ok()) else { continue };
            self.group_key.clear();
            for f in &c.group_by {
                self.value.clear();
                field_text_into(ev, f, &mut self.value);
                let _ = write!(self.group_key, "{}:{}", self.value.len(), self.value);
            }
            self.value.clear();
            match &c.kind {
                CorrelationKind::ValueCount(f) => field_text_into(ev, f, &mut self.value),
                CorrelationKind::Temporal => {
                    let _ = write!(self.value, "{pos}");
                }
                CorrelationKind::EventCount => {}
            }
            let Some(groups) = self.groups.get_mut(ci) else { continue };
            if groups.len() >= MAX_GROUPS && !groups.contains_key(self.group_key.as_str()) {
                let cutoff = time - c.timespan_secs;
                groups.retain(|_, w| w.last >= cutoff);
                if groups.len() >= MAX_GROUPS * 9 / 10 {
                    evict_half(groups);
                }
            }
            if !groups.contains_key(self.group_key.as_str()) {
                let group = c.group_by.iter().map(|f| field_text(ev, f)).collect();
                groups.insert(self.group_key.clone(), Window { group, ..Window::default() });
            }
            let Some(w) = groups.get_mut(self.group_key.as_str()) else { continue };
            w.last = w.last.max(time);
            while w.items.front().is_some_and(|f| f.0 < time - c.timespan_secs) || w.items.len() >= MAX_WINDOW {
                w.pop();
            }
            w.push(time, &self.value, tag);
            let n = match &c.kind {
                CorrelationKind::EventCount => w.items.len() as u64,
                CorrelationKind::ValueCount(_) | CorrelationKind::Temporal => w.distinct.len() as u64,
            };
            if c.condition.holds(n) {
                hits.push(CorrelationHit {
                    correlation: ci,
                    group: w.group.clone(),
                    events: w.items.iter().map(|i| i.2).collect(),
                    count: n,
                });
                w.items.clear();
                w.distinct.clear();
            }
        }
        hits
    }
}

/// Looks a dotted path up without splitting it into a vector first (same rules as the
/// evaluator: a key that itself contains dots is tried whole).
fn lookup_dotted<'a, J: Json<'a>>(ev: J, dotted: &str) -> Option<J> {
    let mut parts = dotted.split('.');
    let Some(mut cur) = ev.get(parts.next().unwrap_or_default()) else {
        return if dotted.contains('.') { ev.get(dotted) } else { None };
    };
    for p in parts {
        cur = cur.get(p)?;
    }
    Some(cur)
}

/// The text of a field for grouping (missing fields group as empty).
pub fn field_text<'a>(ev: impl Json<'a>, dotted: &str) -> String {
    let mut s = String::new();
    field_text_into(ev, dotted, &mut s);
    s
}

/// As [`field_text`], appended to `out`.
fn field_text_into<'a>(ev: impl Json<'a>, dotted: &str, out: &mut String) {
    let Some(v) = lookup_dotted(ev, dotted).filter(|v| !v.is_null()) else { return };
    match v.as_str() {
        Some(s) => out.push_str(s),
        None => v.write_json(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Val;
    use serde_json::json;

    const RULES: &str = r#"
title: Denied
id: denied
name: denied
logsource: {product: aws, service: cloudtrail}
detection:
  s: {errorCode: AccessDenied}
  condition: s
---
title: Many denied
id: many-denied
correlation:
  type: event_count
  rules: [denied]
  group-by: [userIdentity.arn]
  timespan: 5m
  condition: {gte: 3}
---
title: Many names
correlation:
  type: value_count
  rules: [denied]
  group-by: [userIdentity.arn]
  timespan: 5m
  condition: {field: eventName, gte: 2}
---
title: Missing
correlation: {type: event_count, rules: [nope], timespan: 1m, condition: {gte: 1}}
"#;

    #[test]
    fn event_count_and_value_count() {
        let mut set = RuleSet::new();
        set.add_text(RULES, Path::new("c.yml"));
        set.finish();
        assert_eq!(set.correlations().len(), 2);
        assert!(
            set.status()
                .iter()
                .any(|s| s.rule == "Missing" && s.unsupported.as_deref().is_some_and(|r| r.contains("`nope`")))
        );
        assert!(!set.rules()[0].generate);
        let mut st = CorrelationState::default();
        let mut fired = Vec::new();
        for (i, (t, who)) in
            [(0, "a"), (10, "a"), (20, "b"), (400, "a"), (410, "a"), (420, "a")].into_iter().enumerate()
        {
            let ev = Val::from_json(
                &json!({"errorCode": "AccessDenied", "eventName": format!("E{}", i % 2), "userIdentity": {"arn": who}}),
            );
            let mut m = Vec::new();
            set.matcher().matches(&ev, &mut String::new(), &mut m);
            fired.extend(st.observe(&set, &ev, t, &m, i as u64));
        }
        // value_count fires at event 1 (a: E0, E1), and again at 4; event_count only at 5.
        let counts: Vec<(usize, Vec<u64>)> = fired.iter().map(|h| (h.correlation, h.events.clone())).collect();
        assert_eq!(counts, vec![(1, vec![0, 1]), (1, vec![3, 4]), (0, vec![3, 4, 5])]);
    }
}
