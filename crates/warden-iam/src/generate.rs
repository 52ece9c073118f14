//! Least-privilege policy generation from CloudTrail: the actions one principal actually
//! used, on the resources it used them on, as an identity policy.
//!
//! Pure: the caller parses CloudTrail (any layout) and hands each event over as a
//! `serde_json::Value`; nothing here reads files.
//!
//! - **Principal.** An event belongs to the principal when `userIdentity.arn` equals it;
//!   for a role (`arn:aws:iam::A:role/path/name`) also its sessions
//!   (`arn:aws:sts::A:assumed-role/name/*`) and events whose
//!   `userIdentity.sessionContext.sessionIssuer.arn` is the role.
//! - **Denied calls** (`errorCode` containing `AccessDenied` or `Unauthorized`, e.g.
//!   `Client.UnauthorizedOperation`) were not granted, so not needed: skipped, counted.
//!   Other errors (`NoSuchKey`, throttling) happen after authorization: kept.
//! - **Action.** IAM prefix = `eventSource` up to `.amazonaws.com`, except where the
//!   prefix differs ([`SOURCE_PREFIX`]); action = `eventName` with Lambda's API-version
//!   suffix (`GetFunction20150331v2`) removed, renamed where the event and the action
//!   differ ([`RENAMED`]), then checked against the [`catalog`] case-insensitively.
//!   Calls that need no permission ([`NO_PERMISSION`]) are counted and left out; names
//!   the catalog does not know are reported, never guessed.
//! - **Resources.** For each resource type the action requires (or, when none is
//!   required, each it takes): the event's `resources[].ARN` and ARN-valued request
//!   parameters that fit the type's ARN template, else the template filled from request
//!   parameters (`bucketName`, `key`, `instanceId`, `roleName`, … found anywhere in
//!   `requestParameters`; see [`PARAM_ALIASES`]), the event's region and
//!   `recipientAccountId`. `"*"` only where the action takes no resource type or an ARN
//!   cannot be determined (those are listed in the summary).
//! - **S3 keys.** More than [`Options::max_keys`] distinct object keys of one action in
//!   one "folder" (`bucket/dir/`) collapse to `arn:aws:s3:::bucket/dir/*`; keys at the
//!   top of a bucket collapse to `bucket/*` at most, never coarser than the bucket.
//! - **Statements** group actions of one service and access level with identical
//!   resource lists, sorted, with Sids such as `S3Read1`; `*`, `?` and `$` in ARNs are
//!   written `${*}`, `${?}`, `${$}` so that they stay literal.

use crate::catalog::{AccessLevel, Action, Service, catalog};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Event sources whose IAM prefix is not the part before `.amazonaws.com`.
pub const SOURCE_PREFIX: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("email", "ses"),
    ("tagging", "tag"),
    ("servicecatalog-appregistry", "servicecatalog"),
    ("elasticfilesystem", "elasticfilesystem"),
    ("sso-directory", "sso-directory"),
    ("streams.dynamodb", "dynamodb"),
];

/// `(prefix, eventName, action)` where the event name is not the action's name (S3's
/// REST operations, mostly; from the S3 API-to-permission mapping in the S3 User Guide).
pub const RENAMED: &[(&str, &str, &str)] = &[
    ("s3", "ListObjects", "ListBucket"),
    ("s3", "ListObjectsV2", "ListBucket"),
    ("s3", "HeadBucket", "ListBucket"),
    ("s3", "ListObjectVersions", "ListBucketVersions"),
    ("s3", "ListBuckets", "ListAllMyBuckets"),
    ("s3", "HeadObject", "GetObject"),
    ("s3", "CopyObject", "PutObject"),
    ("s3", "CreateMultipartUpload", "PutObject"),
    ("s3", "UploadPart", "PutObject"),
    ("s3", "UploadPartCopy", "PutObject"),
    ("s3", "CompleteMultipartUpload", "PutObject"),
    ("s3", "DeleteObjects", "DeleteObject"),
    ("s3", "ListMultipartUploads", "ListBucketMultipartUploads"),
    ("s3", "ListParts", "ListMultipartUploadParts"),
    ("s3", "GetBucketEncryption", "GetEncryptionConfiguration"),
    ("s3", "PutBucketEncryption", "PutEncryptionConfiguration"),
    ("s3", "DeleteBucketEncryption", "PutEncryptionConfiguration"),
    ("s3", "GetBucketLifecycle", "GetLifecycleConfiguration"),
    ("s3", "GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"),
    ("s3", "PutBucketLifecycle", "PutLifecycleConfiguration"),
    ("s3", "PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"),
    ("s3", "DeleteBucketLifecycle", "PutLifecycleConfiguration"),
    ("s3", "GetBucketReplication", "GetReplicationConfiguration"),
    ("s3", "PutBucketReplication", "PutReplicationConfiguration"),
    ("s3", "DeleteBucketReplication", "PutReplicationConfiguration"),
    ("s3", "GetObjectLockConfiguration", "GetBucketObjectLockConfiguration"),
    ("s3", "PutObjectLockConfiguration", "PutBucketObjectLockConfiguration"),
    ("s3", "DeleteBucketCors", "PutBucketCORS"),
    ("s3", "DeleteBucketWebsite", "DeleteBucketWebsite"),
    ("s3", "DeleteBucketTagging", "PutBucketTagging"),
    ("s3", "GetBucketAccelerateConfiguration", "GetAccelerateConfiguration"),
    ("s3", "PutBucketAccelerateConfiguration", "PutAccelerateConfiguration"),
    ("s3", "GetBucketAnalyticsConfiguration", "GetAnalyticsConfiguration"),
    ("s3", "GetBucketInventoryConfiguration", "GetInventoryConfiguration"),
    ("s3", "GetBucketMetricsConfiguration", "GetMetricsConfiguration"),
    ("s3", "GetBucketIntelligentTieringConfiguration", "GetIntelligentTieringConfiguration"),
    ("s3", "GetBucketNotificationConfiguration", "GetBucketNotification"),
    ("s3", "PutBucketNotificationConfiguration", "PutBucketNotification"),
    ("s3", "DeletePublicAccessBlock", "PutBucketPublicAccessBlock"),
    ("s3", "DeleteBucketOwnershipControls", "PutBucketOwnershipControls"),
];

/// Calls every authenticated principal may make: no permission to grant.
pub const NO_PERMISSION: &[(&str, &str)] = &[
    ("sts", "GetCallerIdentity"),
    ("signin", "ConsoleLogin"),
    ("signin", "CheckMfa"),
    ("signin", "SwitchRole"),
    ("signin", "ExitRole"),
    ("signin", "RenewRole"),
];

/// ARN template variable → request parameter names holding it (beyond the variable name
/// itself in lowerCamelCase, and without a `WithPath` suffix).
pub const PARAM_ALIASES: &[(&str, &[&str])] = &[
    ("ObjectName", &["key"]),
    ("DbInstanceName", &["dBInstanceIdentifier"]),
    ("DbClusterInstanceName", &["dBClusterIdentifier"]),
    ("SnapshotName", &["dBSnapshotIdentifier"]),
    ("TrailName", &["name", "trailName"]),
    ("ParameterNameWithoutLeadingSlash", &["name"]),
    ("LogGroupName", &["logGroupName"]),
    ("TopicName", &["name"]),
    ("QueueName", &["queueName"]),
    ("StateMachineName", &["name"]),
    ("DocumentName", &["name"]),
];

/// Generation settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Only events at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only events before this time.
    pub until: Option<i64>,
    /// Distinct keys of one S3 folder kept one by one before they collapse to `dir/*`.
    pub max_keys: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { since: None, until: None, max_keys: 20 }
    }
}

/// What the generator saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub principal: String,
    /// Events handed in.
    pub events_considered: usize,
    /// Events outside `--since` / `--until` (or with no readable time when a window is set).
    pub outside_window: usize,
    /// Events of the principal within the window.
    pub matched: usize,
    /// Matched events refused by AWS (`AccessDenied`, `Unauthorized…`): not granted.
    pub denied_skipped: usize,
    /// Matched calls that need no permission (`sts:GetCallerIdentity`, console sign-in).
    pub no_permission_needed: usize,
    /// `prefix:EventName` the catalog does not know → how many events: left out.
    pub unknown_actions: BTreeMap<String, usize>,
    /// Actions granted on `*` although the catalog names resource types for them, because
    /// no event said which resource.
    pub unresolved_resources: Vec<String>,
    /// Distinct actions in the policy.
    pub actions: usize,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
}

/// One granted use: the action and a resource it was used on (`*` when unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Use {
    pub action: String,
    pub resource: String,
}

/// The result: the policy document, what went into it, and the uses it must allow.
#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    pub policy: Value,
    pub summary: Summary,
    #[serde(skip)]
    pub uses: Vec<Use>,
}

/// Which `userIdentity` values belong to the principal.
#[derive(Debug, Clone)]
struct PrincipalMatch {
    arn: String,
    /// `arn:P:sts::A:assumed-role/NAME/` for a role.
    session_prefix: Option<String>,
}

impl PrincipalMatch {
    fn new(arn: &str) -> PrincipalMatch {
        let session_prefix = (|| {
            let rest = arn.strip_prefix("arn:")?;
            let (partition, rest) = rest.split_once(':')?;
            let rest = rest.strip_prefix("iam::")?;
            let (account, res) = rest.split_once(':')?;
            let path_name = res.strip_prefix("role/")?;
            let name = path_name.rsplit('/').next()?;
            Some(format!("arn:{partition}:sts::{account}:assumed-role/{name}/"))
        })();
        PrincipalMatch { arn: arn.to_owned(), session_prefix }
    }

    fn matches(&self, ev: &Value) -> bool {
        let Some(ui) = ev.get("userIdentity") else { return false };
        let arn = ui.get("arn").and_then(Value::as_str).unwrap_or_default();
        if arn == self.arn {
            return true;
        }
        let Some(prefix) = &self.session_prefix else { return false };
        let issuer = ui.pointer("/sessionContext/sessionIssuer/arn").and_then(Value::as_str);
        issuer == Some(self.arn.as_str()) || (arn.starts_with(prefix.as_str()) && arn.len() > prefix.len())
    }
}

/// What an event's call maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    /// A catalog action, written `prefix:Name` as the catalog spells it.
    Action(String),
    /// A call that needs no permission.
    NoPermission,
    /// Neither: `prefix:EventName` as seen.
    Unknown(String),
}

/// The IAM prefix for an `eventSource` such as `s3.amazonaws.com`.
pub fn service_prefix(event_source: &str) -> String {
    let base = event_source.strip_suffix(".amazonaws.com").unwrap_or(event_source);
    SOURCE_PREFIX.iter().find(|(s, _)| *s == base).map_or(base, |(_, p)| p).to_owned()
}

/// Maps an event's source and name to an action (see the module docs).
pub fn map_action(event_source: &str, event_name: &str) -> Mapped {
    let prefix = service_prefix(event_source);
    let mut name = event_name;
    if prefix == "lambda" {
        // `GetFunction20150331v2` → `GetFunction`: the API version the SDK called.
        let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'v');
        let digits = name.len() - trimmed.len();
        if digits >= 8 && name.get(trimmed.len()..).is_some_and(|s| s.starts_with("20")) {
            name = trimmed;
        }
    }
    if NO_PERMISSION.iter().any(|(p, n)| *p == prefix && n.eq_ignore_ascii_case(name)) {
        return Mapped::NoPermission;
    }
    let renamed = RENAMED.iter().find(|(p, e, _)| *p == prefix && e.eq_ignore_ascii_case(name)).map(|(_, _, a)| *a);
    let name = renamed.unwrap_or(name);
    match catalog().service(&prefix).and_then(|s| s.action(name).map(|a| (s, a))) {
        Some((s, a)) => Mapped::Action(format!("{}:{}", s.prefix, a.name)),
        None => Mapped::Unknown(format!("{prefix}:{event_name}")),
    }
}

/// The stream of events for one principal.
#[derive(Debug)]
pub struct Generator {
    principal: PrincipalMatch,
    partition: String,
    options: Options,
    summary: Summary,
    /// action → resources used (`*` when undetermined).
    used: BTreeMap<String, BTreeSet<String>>,
    unresolved: BTreeSet<String>,
    first: Option<(i64, String)>,
    last: Option<(i64, String)>,
}

impl Generator {
    pub fn new(principal: &str, options: Options) -> Generator {
        let partition = principal.strip_prefix("arn:").and_then(|r| r.split(':').next()).unwrap_or("aws").to_owned();
        Generator {
            principal: PrincipalMatch::new(principal),
            partition,
            options,
            summary: Summary { principal: principal.to_owned(), ..Summary::default() },
            used: BTreeMap::new(),
            unresolved: BTreeSet::new(),
            first: None,
            last: None,
        }
    }

    /// Takes one CloudTrail event.
    pub fn add(&mut self, ev: &Value) {
        self.summary.events_considered += 1;
        if !self.principal.matches(ev) {
            return;
        }
        let time_text = ev.get("eventTime").and_then(Value::as_str).unwrap_or_default();
        let time = chrono::DateTime::parse_from_rfc3339(time_text).ok().map(|t| t.timestamp());
        let windowed = self.options.since.is_some() || self.options.until.is_some();
        match time {
            Some(t) if self.options.since.is_some_and(|s| t < s) || self.options.until.is_some_and(|u| t >= u) => {
                self.summary.outside_window += 1;
                return;
            }
            None if windowed => {
                self.summary.outside_window += 1;
                return;
            }
            _ => {}
        }
        self.summary.matched += 1;
        if let Some(t) = time {
            if self.first.as_ref().is_none_or(|(f, _)| t < *f) {
                self.first = Some((t, time_text.to_owned()));
            }
            if self.last.as_ref().is_none_or(|(l, _)| t > *l) {
                self.last = Some((t, time_text.to_owned()));
            }
        }
        let code = ev.get("errorCode").and_then(Value::as_str).unwrap_or_default();
        if code.contains("AccessDenied") || code.contains("Unauthorized") {
            self.summary.denied_skipped += 1;
            return;
        }
        let source = ev.get("eventSource").and_then(Value::as_str).unwrap_or_default();
        let name = ev.get("eventName").and_then(Value::as_str).unwrap_or_default();
        let action = match map_action(source, name) {
            Mapped::Action(a) => a,
            Mapped::NoPermission => {
                self.summary.no_permission_needed += 1;
                return;
            }
            Mapped::Unknown(u) => {
                *self.summary.unknown_actions.entry(u).or_default() += 1;
                return;
            }
        };
        let Some((svc, act)) = catalog().action(&action) else { return };
        let resources = self.resources_of(ev, svc, act);
        let set = self.used.entry(action.clone()).or_default();
        match resources {
            Some(rs) => set.extend(rs),
            None => {
                if !act.resource_types.is_empty() {
                    self.unresolved.insert(action);
                }
                set.insert("*".to_owned());
            }
        }
    }

    /// The ARNs the call touched, per the action's resource types; `None` when the
    /// action takes none or one cannot be determined.
    fn resources_of(&self, ev: &Value, svc: &Service, act: &Action) -> Option<BTreeSet<String>> {
        let required: Vec<&str> = act.resource_types.iter().filter(|(_, r)| *r).map(|(n, _)| n.as_str()).collect();
        // With no required type (`s3:GetObject` takes `object` or `accesspointobject`),
        // whichever types the event names will do; with required ones, each must resolve.
        let any_of = required.is_empty();
        let types: Vec<&str> =
            if any_of { act.resource_types.iter().map(|(n, _)| n.as_str()).collect() } else { required };
        let params = ev.get("requestParameters").unwrap_or(&Value::Null);
        let mut candidates: Vec<&str> = ev
            .get("resources")
            .and_then(Value::as_array)
            .map(|rs| rs.iter().filter_map(|r| r.get("ARN").and_then(Value::as_str)).collect())
            .unwrap_or_default();
        collect_arns(params, 0, &mut candidates);
        let region = ev.get("awsRegion").and_then(Value::as_str).unwrap_or_default();
        let account = ev
            .get("recipientAccountId")
            .and_then(Value::as_str)
            .or_else(|| ev.pointer("/userIdentity/accountId").and_then(Value::as_str))
            .unwrap_or_default();
        let mut out = BTreeSet::new();
        for t in types {
            let resolved = svc.resource_type(t).and_then(|rt| {
                let fitting: Vec<String> =
                    candidates.iter().filter(|a| fits_template(&rt.arn, a)).map(|a| (*a).to_owned()).collect();
                if fitting.is_empty() {
                    fill_template(&rt.arn, params, &self.partition, region, account)
                } else {
                    Some(fitting)
                }
            });
            match resolved {
                Some(arns) => out.extend(arns),
                None if any_of => {}
                None => return None,
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The policy and its summary.
    pub fn finish(self) -> Generated {
        let mut summary = self.summary;
        summary.unresolved_resources = self.unresolved.into_iter().collect();
        summary.actions = self.used.len();
        summary.first_event = self.first.map(|(_, t)| t);
        summary.last_event = self.last.map(|(_, t)| t);
        let mut uses = Vec::new();
        // (service, level, resources) → actions
        let mut groups: BTreeMap<(String, u8, Vec<String>), Vec<String>> = BTreeMap::new();
        for (action, resources) in &self.used {
            uses.extend(resources.iter().map(|r| Use { action: action.clone(), resource: r.clone() }));
            let resources: Vec<String> =
                if resources.contains("*") { vec!["*".to_owned()] } else { compress(resources, self.options.max_keys) };
            let Some((svc, act)) = catalog().action(action) else { continue };
            groups
                .entry((svc.prefix.clone(), level_rank(act.access_level), resources))
                .or_default()
                .push(action.clone());
        }
        let mut counters: BTreeMap<(String, u8), usize> = BTreeMap::new();
        let statements: Vec<Value> = groups
            .into_iter()
            .map(|((prefix, rank, resources), actions)| {
                let n = counters.entry((prefix.clone(), rank)).or_default();
                *n += 1;
                let sid = format!("{}{}{n}", camel(&prefix), level_name(rank));
                json!({
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": one_or_many(actions),
                    "Resource": one_or_many(resources),
                })
            })
            .collect();
        let policy = json!({"Version": "2012-10-17", "Statement": statements});
        Generated { policy, summary, uses }
    }
}

/// Runs a [`Generator`] over `events`.
pub fn generate<'a>(principal: &str, events: impl IntoIterator<Item = &'a Value>, options: Options) -> Generated {
    let mut g = Generator::new(principal, options);
    for ev in events {
        g.add(ev);
    }
    g.finish()
}

fn one_or_many(mut v: Vec<String>) -> Value {
    if v.len() == 1 { v.pop().map(Value::String).unwrap_or(Value::Null) } else { json!(v) }
}

fn level_rank(l: AccessLevel) -> u8 {
    match l {
        AccessLevel::List => 0,
        AccessLevel::Read => 1,
        AccessLevel::Write => 2,
        AccessLevel::PermissionsManagement => 3,
        AccessLevel::Tagging => 4,
        AccessLevel::Unknown => 5,
    }
}

fn level_name(rank: u8) -> &'static str {
    ["List", "Read", "Write", "Permissions", "Tagging"].get(usize::from(rank)).copied().unwrap_or("Other")
}

/// `resource-explorer-2` → `ResourceExplorer2` (Sids are alphanumeric).
fn camel(prefix: &str) -> String {
    prefix
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Literal `*`, `?`, `$` of an ARN, written so the policy matches them literally.
fn escape(arn: &str) -> String {
    if arn == "*" {
        return arn.to_owned();
    }
    let mut s = String::with_capacity(arn.len());
    for c in arn.chars() {
        match c {
            '*' | '?' | '$' => {
                s.push_str("${");
                s.push(c);
                s.push('}');
            }
            _ => s.push(c),
        }
    }
    s
}

/// Strings in `requestParameters` that are ARNs (bounded depth and count).
fn collect_arns<'a>(v: &'a Value, depth: usize, out: &mut Vec<&'a str>) {
    if depth > 8 || out.len() > 256 {
        return;
    }
    match v {
        Value::String(s) if s.starts_with("arn:") => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_arns(x, depth + 1, out)),
        Value::Object(o) => o.values().for_each(|x| collect_arns(x, depth + 1, out)),
        _ => {}
    }
}

/// String values of `key` anywhere in `v` (bounded depth), in order, deduplicated.
fn find_param<'a>(v: &'a Value, key: &str, depth: usize, out: &mut Vec<&'a str>) {
    if depth > 8 || out.len() > 64 {
        return;
    }
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match x {
                    Value::String(s) if k.eq_ignore_ascii_case(key) => {
                        if !out.contains(&s.as_str()) {
                            out.push(s);
                        }
                    }
                    _ => find_param(x, key, depth + 1, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| find_param(x, key, depth + 1, out)),
        _ => {}
    }
}

enum Part<'a> {
    Lit(&'a str),
    Var(&'a str),
}

fn parts(template: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let (lit, tail) = rest.split_at(i);
        if !lit.is_empty() {
            out.push(Part::Lit(lit));
        }
        let Some(end) = tail.find('}') else {
            out.push(Part::Lit(tail));
            return out;
        };
        out.push(Part::Var(tail.get(2..end).unwrap_or_default()));
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    if !rest.is_empty() {
        out.push(Part::Lit(rest));
    }
    out
}

/// Whether a variable's value may hold `/` (paths, object keys).
fn slashy(var: &str) -> bool {
    var.ends_with("WithPath")
        || var == "ObjectName"
        || var.ends_with("Path")
        || var == "ParameterNameWithoutLeadingSlash"
}

/// Whether `arn` is an ARN of the template's shape: literals equal, each variable a
/// non-empty run without `:` (nor `/`, unless it is a path or key).
pub fn fits_template(template: &str, arn: &str) -> bool {
    fn go(parts: &[Part<'_>], s: &str) -> bool {
        match parts.split_first() {
            None => s.is_empty(),
            Some((Part::Lit(l), rest)) => s.strip_prefix(l).is_some_and(|t| go(rest, t)),
            Some((Part::Var(v), rest)) => {
                let slash = slashy(v);
                for (i, c) in s.char_indices() {
                    if c == ':' || (c == '/' && !slash) {
                        break;
                    }
                    if s.get(i + c.len_utf8()..).is_some_and(|t| go(rest, t)) {
                        return true;
                    }
                }
                false
            }
        }
    }
    go(&parts(template), arn)
}

/// Most ARNs one event may name (ec2 calls list instances).
const MAX_FILLED: usize = 64;

/// The template filled from request parameters; `None` when a variable has no value.
fn fill_template(template: &str, params: &Value, partition: &str, region: &str, account: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    for p in parts(template) {
        let values: Vec<String> = match p {
            Part::Lit(l) => vec![l.to_owned()],
            Part::Var("Partition") => vec![partition.to_owned()],
            Part::Var("Region") if !region.is_empty() => vec![region.to_owned()],
            Part::Var("Account") if !account.is_empty() => vec![account.to_owned()],
            Part::Var(v) => {
                let mut found = Vec::new();
                let base = v.strip_suffix("WithPath").unwrap_or(v);
                let mut names: Vec<String> = vec![lower_first(base)];
                if let Some((_, al)) = PARAM_ALIASES.iter().find(|(k, _)| *k == v) {
                    names.extend(al.iter().map(|a| (*a).to_owned()));
                }
                for n in &names {
                    find_param(params, n, 0, &mut found);
                    if !found.is_empty() {
                        break;
                    }
                }
                let slash = slashy(v);
                let values: Vec<String> = found
                    .into_iter()
                    .map(|s| if v == "ParameterNameWithoutLeadingSlash" { s.trim_start_matches('/') } else { s })
                    .filter(|s| {
                        !s.is_empty() && !s.starts_with("arn:") && !s.contains(':') && (slash || !s.contains('/'))
                    })
                    .map(str::to_owned)
                    .collect();
                if values.is_empty() {
                    return None;
                }
                values
            }
        };
        if out.len() * values.len() > MAX_FILLED {
            return None;
        }
        out = out.iter().flat_map(|pre| values.iter().map(move |v| format!("{pre}{v}"))).collect();
    }
    Some(out)
}

fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    cs.next().map(|c| c.to_ascii_lowercase().to_string() + cs.as_str()).unwrap_or_default()
}

/// Policy `Resource` entries for raw ARNs, escaped; S3 object ARNs collapse: a folder
/// (`bucket/dir/`, or the bucket itself) with more than `max` distinct keys becomes
/// `bucket/dir/*`.
fn compress(resources: &BTreeSet<String>, max: usize) -> Vec<String> {
    let mut folders: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut out: Vec<String> = Vec::new();
    for r in resources {
        match r.strip_prefix("arn:").and_then(|x| x.split_once(":s3:::")).and_then(|(_, rest)| rest.split_once('/')) {
            Some((_, key)) if !key.is_empty() => {
                let folder_len = r.len() - key.len() + key.rfind('/').map_or(0, |i| i + 1);
                let folder = r.get(..folder_len).unwrap_or(r);
                folders.entry(folder.to_owned()).or_default().push(r);
            }
            _ => out.push(escape(r)),
        }
    }
    for (folder, keys) in folders {
        if keys.len() > max {
            out.push(format!("{}*", escape(&folder)));
        } else {
            out.extend(keys.into_iter().map(escape));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests;
