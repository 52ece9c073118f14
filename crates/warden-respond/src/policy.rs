//! The response policy: which [`Trigger`]s start which playbook or fix, in which mode,
//! and who is told.
//!
//! A policy is a YAML file of rules, each a `match` and a `do`:
//!
//! ```yaml
//! rules:
//!   - name: quarantine-compromised-instances
//!     match: { source: guardduty, type: "UnauthorizedAccess:EC2/*", min_severity: high }
//!     do: { playbook: quarantine-instance }
//!     mode: apply
//!     notify: [{ sns: "arn:aws:sns:us-east-1:111122223333:warden" }]
//! ```
//!
//! **Every** rule that matches decides, in file order (not first-match): a GuardDuty
//! finding can both quarantine an instance and capture evidence from it. When two rules
//! decide the same action on the same target, the first one's decision stands and the
//! later rule is reported as a duplicate, so nothing runs twice.
//!
//! Changing an account takes two yeses: the rule says `mode: apply` *and* the caller
//! passes `--apply` (or `WARDEN_APPLY=true` in the Lambda). Either alone is a dry run.

use crate::event::{Relation, ResourceKind, Source, Trigger, TriggerResource};
use crate::playbook::Playbook;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;
use warden_model::Severity;
use warden_model::glob::matches as glob;

/// The largest policy file accepted.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
const MAX_RULES: usize = 1000;

/// A parsed and validated policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The format version; `1`, the only one, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    /// What the trigger must be; every condition given must hold. An empty `match`
    /// matches every trigger.
    #[serde(rename = "match", default)]
    pub when: Match,
    #[serde(rename = "do")]
    pub action: Do,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub notify: Vec<Notify>,
}

/// One value or a list of them (`source: guardduty` or `source: [guardduty, config]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

/// A value a policy writes as a string.
pub trait Item: Sized {
    fn parse(s: &str) -> Result<Self, String>;
}

impl Item for String {
    fn parse(s: &str) -> Result<String, String> {
        Ok(s.to_owned())
    }
}

impl Item for Source {
    fn parse(s: &str) -> Result<Source, String> {
        [Source::GuardDuty, Source::SecurityHub, Source::CloudTrail, Source::Config]
            .into_iter()
            .find(|src| src.as_str() == s)
            .ok_or_else(|| format!("unknown source `{s}`; expected one of guardduty, securityhub, cloudtrail, config"))
    }
}

// By hand rather than `untagged`, whose error ("did not match any variant") says nothing.
impl<'de, T: Item> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Item> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                T::parse(s).map(OneOrMany::One).map_err(E::custom)
            }
            // An unquoted account id is a YAML number; take it when no leading zero was lost.
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
                let s = n.to_string();
                if s.len() != 12 {
                    return Err(E::custom(format!("`{n}`: write ids and names in quotes (`\"{n}\"`)")));
                }
                self.visit_str(&s)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!("`{n}`: expected a string or a list of strings"))),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                loop {
                    match seq.next_element::<OneOrMany<T>>()? {
                        None => break,
                        Some(OneOrMany::One(item)) => items.push(item),
                        Some(OneOrMany::Many(_)) => {
                            return Err(serde::de::Error::custom("a list inside a list: expected strings"));
                        }
                    }
                }
                Ok(OneOrMany::Many(items))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(t) => std::slice::from_ref(t),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<OneOrMany<Source>>,
    /// Globs (`*`, `?`) on the trigger's kind — GuardDuty finding type, Security Hub
    /// control or generator id and `Types`, CloudTrail event name, Config rule name.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OneOrMany<String>>,
    /// At least this severity; a trigger without one (CloudTrail, Config) never matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// The event must name a resource of this kind; the action targets each one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceKind>,
    /// Only resources the event affected, or only its actor (a CloudTrail caller).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    /// Globs on the account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<OneOrMany<String>>,
    /// Globs on the region (`eu-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<OneOrMany<String>>,
    /// Globs on the Security Hub product name (`GuardDuty`, `Inspector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<OneOrMany<String>>,
}

/// What a rule does: a playbook, or fixes for some checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Do {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    /// The playbook's target, when not the resource the event names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Check ids whose fix to apply to the event's resource (see `warden fix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    DryRun,
    Apply,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry-run",
            Mode::Apply => "apply",
        }
    }
}

/// Where a rule's decisions are announced: `- sns: ARN` or `- webhook: URL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NotifyEntry", into = "NotifyEntry")]
pub enum Notify {
    /// An SNS topic ARN.
    Sns(String),
    /// An `https://` URL (or `http://` to 127.0.0.1) the message is POSTed to as JSON.
    Webhook(String),
}

/// A `notify` entry as written: a map with exactly one of the keys.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook: Option<String>,
}

impl TryFrom<NotifyEntry> for Notify {
    type Error = String;
    fn try_from(e: NotifyEntry) -> Result<Notify, String> {
        match (e.sns, e.webhook) {
            (Some(arn), None) => Ok(Notify::Sns(arn)),
            (None, Some(url)) => Ok(Notify::Webhook(url)),
            _ => Err("a `notify` entry is `sns: TOPIC_ARN` or `webhook: URL`, one per entry".into()),
        }
    }
}

impl From<Notify> for NotifyEntry {
    fn from(n: Notify) -> NotifyEntry {
        match n {
            Notify::Sns(arn) => NotifyEntry { sns: Some(arn), webhook: None },
            Notify::Webhook(url) => NotifyEntry { sns: None, webhook: Some(url) },
        }
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notify::Sns(arn) => write!(f, "sns {arn}"),
            Notify::Webhook(url) => write!(f, "webhook {url}"),
        }
    }
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy is {size} bytes; the limit is {MAX_POLICY_BYTES}")]
    TooLarge { size: usize },
    /// Not YAML, or not the policy's shape: unknown fields, wrong types.
    #[error("{}{message}", location(*line, *column))]
    Syntax { line: Option<usize>, column: Option<usize>, message: String },
    #[error("rule {index} (`{name}`): {message}")]
    Rule { index: usize, name: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

impl Policy {
    /// Parses and validates a policy: every playbook known, every check fixable, every
    /// glob, topic and URL well formed, each rule doing exactly one thing.
    pub fn from_yaml(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge { size: text.len() });
        }
        let policy: Policy = serde_yaml_ng::from_str(text).map_err(|e| {
            let loc = e.location();
            // The message ends in "at line L column C"; the location is given apart.
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(i) if loc.is_some() => message[..i].to_owned(),
                _ => message,
            };
            PolicyError::Syntax { line: loc.as_ref().map(|l| l.line()), column: loc.map(|l| l.column()), message }
        })?;
        policy.validate()?;
        Ok(policy)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    fn validate(&self) -> Result<(), PolicyError> {
        if let Some(v) = self.version.filter(|v| *v != 1) {
            return Err(PolicyError::Invalid(format!("`version: {v}` is not supported; the only version is 1")));
        }
        if self.rules.len() > MAX_RULES {
            return Err(PolicyError::Invalid(format!("{} rules; the limit is {MAX_RULES}", self.rules.len())));
        }
        let mut names: Vec<&str> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let err = |message: String| PolicyError::Rule { index: i + 1, name: rule.name.clone(), message };
            if rule.name.trim().is_empty() {
                return Err(err("`name` is empty".into()));
            }
            if names.contains(&rule.name.as_str()) {
                return Err(err("another rule has this name".into()));
            }
            names.push(&rule.name);
            rule.validate().map_err(err)?;
        }
        Ok(())
    }
}

impl Rule {
    fn validate(&self) -> Result<(), String> {
        let m = &self.when;
        for list in [&m.kind, &m.account, &m.region, &m.product].into_iter().flatten() {
            if list.as_slice().is_empty() {
                return Err("an empty list matches nothing: remove the condition or give a value".into());
            }
            if let Some(bad) = list.as_slice().iter().find(|g| g.trim().is_empty()) {
                return Err(format!("empty pattern `{bad}`"));
            }
        }
        if m.source.as_ref().is_some_and(|s| s.as_slice().is_empty()) {
            return Err("`match.source` is an empty list".into());
        }
        match (&self.action.playbook, &self.action.fix) {
            (Some(_), Some(_)) => return Err("`do` has both `playbook` and `fix`: a rule does one thing".into()),
            (None, None) => return Err("`do` needs `playbook: NAME` or `fix: [CHECK, …]`".into()),
            (Some(name), None) => {
                let acts_on = playbook_kind(Playbook::parse(name)?);
                match (acts_on, m.resource, &self.action.target) {
                    (Some(kind), Some(want), None) if kind != want => {
                        return Err(format!(
                            "playbook `{name}` acts on `{kind}` resources, but the rule matches resource `{want}`: \
                             match `resource: {kind}` or give `do.target`"
                        ));
                    }
                    _ => {}
                }
                if self.action.target.as_ref().is_some_and(|t| t.trim().is_empty()) {
                    return Err("`do.target` is empty".into());
                }
            }
            (None, Some(checks)) => {
                if self.action.target.is_some() {
                    return Err("`do.target` goes with `playbook`; a fix acts on the event's resource".into());
                }
                if checks.is_empty() {
                    return Err("`do.fix` is an empty list".into());
                }
                let fixable = crate::fix::fixable_checks();
                if let Some(bad) = checks.iter().find(|c| !fixable.contains(&c.as_str())) {
                    return Err(format!("`{bad}` is not a check Warden can fix (see `warden fix --help`)"));
                }
            }
        }
        for n in &self.notify {
            match n {
                Notify::Sns(arn) => {
                    let parts: Vec<&str> = arn.split(':').collect();
                    if parts.len() != 6 || parts.first() != Some(&"arn") || parts.get(2) != Some(&"sns") {
                        return Err(format!("`{arn}` is not an SNS topic ARN (`arn:aws:sns:REGION:ACCOUNT:NAME`)"));
                    }
                }
                Notify::Webhook(url) => {
                    // Plain HTTP only to this machine (a local relay, or a test).
                    let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"]
                        .iter()
                        .any(|p| url.starts_with(p));
                    let https = url.starts_with("https://") && url.len() > "https://".len();
                    if !(https || loopback) || url.contains(char::is_whitespace) {
                        return Err(format!("webhook `{url}` must be an `https://` URL (or `http://` to 127.0.0.1)"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The kind of resource a playbook acts on (`None`: any resource the event names).
pub fn playbook_kind(playbook: Playbook) -> Option<ResourceKind> {
    match playbook {
        Playbook::QuarantineInstance | Playbook::SnapshotVolumes => Some(ResourceKind::Instance),
        Playbook::DisableAccessKey => Some(ResourceKind::AccessKey),
        Playbook::RevokeRoleSessions => Some(ResourceKind::Role),
        Playbook::ContainUser => Some(ResourceKind::User),
        Playbook::BlockPublicBucket => Some(ResourceKind::Bucket),
        Playbook::CaptureEvidence => None,
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A playbook on a target: an instance id, access key id, user or role name, bucket
    /// name (the resource's `id`), or the rule's explicit `target`.
    Playbook { name: String, target: String },
    /// The fixes for these checks, on a resource (its ARN where known, else its id; the
    /// account id when the event names no resource).
    Fix { checks: Vec<String>, resource: String },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Playbook { name, target } => write!(f, "playbook {name} on {target}"),
            Action::Fix { checks, resource } => write!(f, "fix {} on {resource}", checks.join(", ")),
        }
    }
}

/// One thing a policy decided to do about a trigger, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub rule: String,
    /// 1-based position of the rule in the file.
    pub rule_index: usize,
    pub action: Action,
    /// The event's resource the action targets (`None` for an explicit target or an
    /// account-wide fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<TriggerResource>,
    /// What the rule says; see [`Decision::applies`] for what happens.
    pub mode: Mode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<Notify>,
    /// The conditions that held, one phrase each.
    pub reasons: Vec<String>,
}

impl Decision {
    /// Whether this decision changes the account: the rule says `apply` and so does the
    /// caller (`--apply`, `WARDEN_APPLY=true`).
    pub fn applies(&self, caller_apply: bool) -> bool {
        caller_apply && self.mode == Mode::Apply
    }

    /// The notification body (SNS message or webhook JSON): the trigger, the decision,
    /// whether it was applied and what came of it.
    pub fn message(&self, trigger: &Trigger, applied: bool, result: Option<&Value>, error: Option<&str>) -> Value {
        json!({
            "warden": "respond",
            "schema": 1,
            "subject": self.subject(trigger, applied),
            "event": {
                "id": trigger.event_id,
                "source": trigger.source,
                "kind": trigger.kind,
                "title": trigger.title,
                "severity": trigger.severity,
                "account": trigger.account,
                "region": trigger.region,
                "finding_id": trigger.finding_id,
                "time": trigger.time,
            },
            "rule": self.rule,
            "action": self.action,
            "resource": self.resource,
            "mode": self.mode,
            "applied": applied,
            "result": result,
            "error": error,
            "reasons": self.reasons,
        })
    }

    /// A one-line summary, at most 100 characters (SNS's subject limit).
    pub fn subject(&self, trigger: &Trigger, applied: bool) -> String {
        let verb = if applied { "ran" } else { "would run" };
        let what = match &self.action {
            Action::Playbook { name, target } => format!("{name} on {target}"),
            fix => fix.to_string(),
        };
        let s = format!("Warden {verb} {what} ({})", trigger.kind);
        if s.chars().count() <= 100 { s } else { s.chars().take(99).chain(['…']).collect() }
    }
}

/// A rule that did not decide anything, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    pub rule: String,
    pub rule_index: usize,
    pub reason: String,
}

/// Every rule's verdict on one trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub decisions: Vec<Decision>,
    pub unmatched: Vec<Unmatched>,
}

/// The decisions of every rule that matches, in file order.
pub fn decide(trigger: &Trigger, policy: &Policy) -> Vec<Decision> {
    evaluate(trigger, policy).decisions
}

/// Like [`decide`], and also says why each other rule did not match.
pub fn evaluate(trigger: &Trigger, policy: &Policy) -> Outcome {
    let mut out = Outcome::default();
    for (i, rule) in policy.rules.iter().enumerate() {
        let unmatched = |reason: String| Unmatched { rule: rule.name.clone(), rule_index: i + 1, reason };
        match rule_decisions(trigger, rule, i + 1) {
            Err(reason) => out.unmatched.push(unmatched(reason)),
            Ok(decisions) => {
                let mut added = 0;
                let mut duplicate_of = None;
                for d in decisions {
                    match out.decisions.iter().find(|x| x.action == d.action) {
                        Some(first) => duplicate_of = duplicate_of.or(Some((first.rule_index, first.rule.clone()))),
                        None => {
                            out.decisions.push(d);
                            added += 1;
                        }
                    }
                }
                if let (0, Some((index, name))) = (added, duplicate_of) {
                    out.unmatched.push(unmatched(format!("same action as rule {index} (`{name}`), which decides it")));
                }
            }
        }
    }
    out
}

fn rule_decisions(t: &Trigger, rule: &Rule, index: usize) -> Result<Vec<Decision>, String> {
    if t.resolved {
        let status = t.status.as_deref().map(|s| format!(" (`{s}`)")).unwrap_or_default();
        return Err(format!("the event reports the issue resolved{status}"));
    }
    let m = &rule.when;
    let mut reasons = Vec::new();
    if let Some(sources) = &m.source {
        if !sources.as_slice().contains(&t.source) {
            return Err(format!("source `{}` is not {}", t.source, list(sources.as_slice())));
        }
        reasons.push(format!("source `{}`", t.source));
    }
    if let Some(globs) = &m.kind {
        let candidates = std::iter::once(&t.kind).chain(&t.types);
        let hit = candidates.clone().find_map(|k| globs.as_slice().iter().find(|g| glob(g, k)).map(|g| (k, g)));
        let Some((k, g)) = hit else {
            return Err(format!("type `{}` does not match {}", t.kind, list(globs.as_slice())));
        };
        reasons.push(format!("type `{k}` matches `{g}`"));
    }
    if let Some(min) = m.min_severity {
        match t.severity {
            None => return Err(format!("the event has no severity (rule needs at least {min})")),
            Some(s) if s < min => return Err(format!("severity {s} is below {min}")),
            Some(s) => reasons.push(format!("severity {s} ≥ {min}")),
        }
    }
    for (what, globs, value) in [
        ("account", &m.account, Some(&t.account)),
        ("region", &m.region, Some(&t.region)),
        ("product", &m.product, t.product.as_ref()),
    ] {
        let Some(globs) = globs else { continue };
        match value {
            Some(v) if globs.as_slice().iter().any(|g| glob(g, v)) => reasons.push(format!("{what} `{v}`")),
            Some(v) => return Err(format!("{what} `{v}` is not {}", list(globs.as_slice()))),
            None => return Err(format!("the event names no {what}")),
        }
    }
    let decision = |action: Action, resource: Option<TriggerResource>, why: Option<String>| {
        let mut reasons = reasons.clone();
        reasons.extend(why);
        Decision {
            rule: rule.name.clone(),
            rule_index: index,
            action,
            resource,
            mode: rule.mode,
            notify: rule.notify.clone(),
            reasons,
        }
    };
    let wanted =
        |r: &&TriggerResource| m.resource.is_none_or(|k| r.kind == k) && m.relation.is_none_or(|rel| r.relation == rel);
    let describe = |r: &TriggerResource| format!("{} {} `{}`", relation(r.relation), r.kind, r.id);
    match (&rule.action.playbook, &rule.action.fix) {
        (Some(name), _) => {
            if let Some(target) = &rule.action.target {
                let resources: Vec<&TriggerResource> = t.resources.iter().filter(wanted).collect();
                if m.resource.is_some() && resources.is_empty() {
                    return Err(format!("the event names no {}", what_resource(m)));
                }
                let action = Action::Playbook { name: name.clone(), target: target.clone() };
                return Ok(vec![decision(action, None, Some(format!("explicit target `{target}`")))]);
            }
            let kind = Playbook::parse(name).ok().and_then(playbook_kind).or(m.resource);
            let targets: Vec<&TriggerResource> =
                t.resources.iter().filter(wanted).filter(|r| kind.is_none_or(|k| r.kind == k)).collect();
            if targets.is_empty() {
                let what = kind.map_or_else(|| what_resource(m), |k| format!("{}{k}", relation_prefix(m)));
                return Err(format!("the event names no {what} for playbook `{name}`"));
            }
            Ok(targets
                .into_iter()
                .map(|r| {
                    let action = Action::Playbook { name: name.clone(), target: r.id.clone() };
                    decision(action, Some(r.clone()), Some(describe(r)))
                })
                .collect())
        }
        (None, Some(checks)) => {
            let affected: Vec<&TriggerResource> = t
                .resources
                .iter()
                .filter(wanted)
                .filter(|r| m.relation.is_some() || r.relation == Relation::Affected)
                .collect();
            if affected.is_empty() {
                if m.resource.is_some() || m.relation.is_some() {
                    return Err(format!("the event names no {}", what_resource(m)));
                }
                // Account-wide fixes (GuardDuty on, a password policy) need no resource.
                let action = Action::Fix { checks: checks.clone(), resource: t.account.clone() };
                return Ok(vec![decision(action, None, Some(format!("account `{}`", t.account)))]);
            }
            Ok(affected
                .into_iter()
                .map(|r| {
                    let resource = r.arn.clone().unwrap_or_else(|| r.id.clone());
                    let action = Action::Fix { checks: checks.clone(), resource };
                    decision(action, Some(r.clone()), Some(describe(r)))
                })
                .collect())
        }
        // `validate` refuses a rule with neither.
        (None, None) => Err("the rule does nothing".into()),
    }
}

fn relation(r: Relation) -> &'static str {
    match r {
        Relation::Affected => "affected",
        Relation::Actor => "actor",
    }
}

fn relation_prefix(m: &Match) -> String {
    m.relation.map(|r| format!("{} ", relation(r))).unwrap_or_default()
}

fn what_resource(m: &Match) -> String {
    match m.resource {
        Some(k) => format!("{}{k}", relation_prefix(m)),
        None => format!("{}resource", relation_prefix(m)),
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        _ => format!("any of {}", quoted.join(", ")),
    }
}
