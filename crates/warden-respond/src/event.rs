//! EventBridge events in, [`Trigger`]s out: the one shape the response policy reads.
//!
//! Four kinds of event start a response — a GuardDuty finding, a Security Hub finding
//! imported, an API call recorded by CloudTrail, and a Config rule's compliance change.
//! Each names what happened and to what in its own way (`detail.resource.instanceDetails`,
//! `Resources[].Id` ARNs, `requestParameters`, `resourceType` + `resourceId`); a
//! [`Trigger`] says it once: the source, the kind (finding type, API call or rule), a
//! severity band, and the resources as `(kind, id, arn)`.
//!
//! Events are untrusted input: a Lambda is invoked with whatever the bus delivers, and
//! `warden respond --event` with whatever file it is given. So the size is capped, every
//! list is capped, strings with control characters are refused (they end up in terminals
//! and API calls), and every error names the field that was wrong. Nothing here panics.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use warden_model::Severity;

/// The largest event accepted. EventBridge delivers at most 1 MiB (its `PutEvents` entry
/// limit); anything larger did not come from the bus.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// At most this many findings in one Security Hub event (it sends one per event).
const MAX_FINDINGS: usize = 100;
/// At most this many resources read from one list (Security Hub allows 32 per finding).
const MAX_LIST: usize = 64;
/// The longest string kept from an event (an ARN is at most 2048 characters).
const MAX_STRING: usize = 4096;

/// The service an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    GuardDuty,
    SecurityHub,
    CloudTrail,
    Config,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::GuardDuty => "guardduty",
            Source::SecurityHub => "securityhub",
            Source::CloudTrail => "cloudtrail",
            Source::Config => "config",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a resource named by an event is, in the terms playbooks and fixes act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Instance,
    AccessKey,
    User,
    Role,
    Bucket,
    Volume,
    Snapshot,
    SecurityGroup,
    Trail,
    Key,
    DbInstance,
    Function,
    /// Anything else; `aws_type` says what.
    Other,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        use ResourceKind::*;
        match self {
            Instance => "instance",
            AccessKey => "access_key",
            User => "user",
            Role => "role",
            Bucket => "bucket",
            Volume => "volume",
            Snapshot => "snapshot",
            SecurityGroup => "security_group",
            Trail => "trail",
            Key => "key",
            DbInstance => "db_instance",
            Function => "function",
            Other => "other",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a resource takes part in the event: what it happened to, or who did it (the
/// caller of a CloudTrail API call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Affected,
    Actor,
}

/// One resource an event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerResource {
    pub kind: ResourceKind,
    /// What APIs take: instance id, access key id, user or role name, bucket name, group
    /// id, trail name, key id, DB instance identifier, function name. Config names IAM
    /// users and roles by their unique id (`AIDA…`, `AROA…`) and DB instances by their
    /// resource id (`db-…`): that is what it sends, so that is what is kept.
    pub id: String,
    /// The ARN, when the event gives it or it follows from the id alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub relation: Relation,
    /// The type as the source named it (`Instance`, `AwsEc2Instance`, `AWS::S3::Bucket`,
    /// `IAMUser`, `requestParameters.bucketName`).
    pub aws_type: String,
}

/// What an event asks a response to: normalised from any of the four sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub source: Source,
    /// GuardDuty finding type, Security Hub control id (else generator id), CloudTrail
    /// event name, or Config rule name.
    pub kind: String,
    /// Security Hub's `Types` (`TTPs/Initial Access/…`); empty for the other sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The severity band; `None` for CloudTrail and Config events, which have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The product behind a Security Hub finding (`GuardDuty`, `Security Hub`, `Inspector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The status the event reports: Config's `complianceType`, Security Hub's
    /// `Compliance.Status`, CloudTrail's `errorCode` for a call that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The event says the issue is over: a Config resource no longer `NON_COMPLIANT`, a
    /// Security Hub finding that passed, was archived, resolved or suppressed, an
    /// archived GuardDuty finding. A resolved trigger matches no rule.
    #[serde(default)]
    pub resolved: bool,
    pub resources: Vec<TriggerResource>,
    pub account: String,
    pub region: String,
    /// The EventBridge event id.
    pub event_id: String,
    /// The finding id (GuardDuty, Security Hub) or CloudTrail event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

impl Trigger {
    /// The resources of one kind.
    pub fn resources_of(&self, kind: ResourceKind) -> impl Iterator<Item = &TriggerResource> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventError {
    #[error("the event is {size} bytes; the limit is {MAX_EVENT_BYTES}")]
    TooLarge { size: usize },
    #[error("not a JSON event: {0}")]
    Json(String),
    #[error("field `{field}`: {problem}")]
    Field { field: String, problem: String },
    #[error(
        "unsupported event: source `{event_source}`, detail-type `{detail_type}`; warden responds to `GuardDuty Finding`, \
         `Security Hub Findings - Imported`, `AWS API Call via CloudTrail`, `AWS Console Sign In via CloudTrail` \
         and `Config Rules Compliance Change`"
    )]
    Unsupported { event_source: String, detail_type: String },
}

impl EventError {
    /// The field the error is about, as a dotted path (`detail.resource.resourceType`).
    pub fn field(&self) -> Option<&str> {
        match self {
            EventError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Parses one EventBridge event into its triggers: one per finding for Security Hub
/// (whose `detail.findings` is a list, though it sends one finding per event), one for
/// every other source.
pub fn parse(bytes: &[u8]) -> Result<Vec<Trigger>, EventError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge { size: bytes.len() });
    }
    // serde_json refuses nesting deeper than 128, so depth is bounded too.
    let root: Value = serde_json::from_slice(bytes).map_err(|e| EventError::Json(e.to_string()))?;
    let root = Node::root(&root)?;
    let env = Envelope {
        id: root.req("id")?.string()?,
        source: root.req("source")?.string()?,
        detail_type: root.req("detail-type")?.string()?,
        account: root.req("account")?.string()?,
        region: root.req("region")?.string()?,
        time: root.opt("time").map(|t| t.string()).transpose()?,
    };
    let detail = root.req("detail")?;
    detail.object()?;
    match (env.source.as_str(), env.detail_type.as_str()) {
        ("aws.guardduty", "GuardDuty Finding") => guardduty(&env, &detail).map(|t| vec![t]),
        ("aws.securityhub", "Security Hub Findings - Imported") => securityhub(&env, &detail),
        (s, "AWS API Call via CloudTrail" | "AWS Console Sign In via CloudTrail") if s.starts_with("aws.") => {
            cloudtrail(&env, &detail).map(|t| vec![t])
        }
        ("aws.config", "Config Rules Compliance Change") => config(&env, &detail).map(|t| vec![t]),
        _ => Err(EventError::Unsupported { event_source: env.source.clone(), detail_type: env.detail_type.clone() }),
    }
}

struct Envelope {
    id: String,
    source: String,
    detail_type: String,
    account: String,
    region: String,
    time: Option<String>,
}

impl Envelope {
    fn trigger(&self, source: Source, kind: String) -> Trigger {
        Trigger {
            source,
            kind,
            types: Vec::new(),
            title: None,
            severity: None,
            product: None,
            status: None,
            resolved: false,
            resources: Vec::new(),
            account: self.account.clone(),
            region: self.region.clone(),
            event_id: self.id.clone(),
            finding_id: None,
            time: self.time.clone(),
        }
    }
}

/// A JSON value and the path to it, so every error names its field.
#[derive(Clone)]
struct Node<'a> {
    v: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    fn root(v: &'a Value) -> Result<Node<'a>, EventError> {
        let n = Node { v, path: String::new() };
        n.object()?;
        Ok(n)
    }

    fn err(&self, problem: impl Into<String>) -> EventError {
        let field = if self.path.is_empty() { "(the event)".to_owned() } else { self.path.clone() };
        EventError::Field { field, problem: problem.into() }
    }

    fn child_path(&self, name: &str) -> String {
        if self.path.is_empty() { name.to_owned() } else { format!("{}.{name}", self.path) }
    }

    /// A member that must be there (and not `null`).
    fn req(&self, name: &str) -> Result<Node<'a>, EventError> {
        self.opt(name).ok_or_else(|| EventError::Field { field: self.child_path(name), problem: "is missing".into() })
    }

    /// A member that may be absent; `null` counts as absent.
    fn opt(&self, name: &str) -> Option<Node<'a>> {
        self.v.get(name).filter(|v| !v.is_null()).map(|v| Node { v, path: self.child_path(name) })
    }

    fn object(&self) -> Result<(), EventError> {
        if self.v.is_object() { Ok(()) } else { Err(self.err(format!("expected an object, got {}", kind(self.v)))) }
    }

    fn string(&self) -> Result<String, EventError> {
        let s = self.v.as_str().ok_or_else(|| self.err(format!("expected a string, got {}", kind(self.v))))?;
        if s.len() > MAX_STRING {
            return Err(self.err(format!("is {} characters long; the limit is {MAX_STRING}", s.len())));
        }
        if s.chars().any(char::is_control) {
            return Err(self.err("contains control characters"));
        }
        Ok(s.to_owned())
    }

    /// A string that must not be empty.
    fn id(&self) -> Result<String, EventError> {
        let s = self.string()?;
        if s.trim().is_empty() { Err(self.err("is empty")) } else { Ok(s) }
    }

    /// An optional member read as a non-empty string; empty strings count as absent
    /// (CloudTrail writes `"accessKeyId": ""` for console sessions).
    fn opt_str(&self, name: &str) -> Result<Option<String>, EventError> {
        match self.opt(name) {
            None => Ok(None),
            Some(n) => Ok(Some(n.string()?).filter(|s| !s.trim().is_empty())),
        }
    }

    fn number(&self) -> Result<f64, EventError> {
        match self.v {
            Value::Number(n) => n.as_f64().ok_or_else(|| self.err("is not a finite number")),
            // GuardDuty's API gives a double; accept a numeric string, which some
            // forwarders produce, but nothing else.
            Value::String(s) => s.trim().parse::<f64>().map_err(|_| self.err(format!("expected a number, got `{s}`"))),
            other => Err(self.err(format!("expected a number, got {}", kind(other)))),
        }
    }

    fn array(&self, limit: usize) -> Result<Vec<Node<'a>>, EventError> {
        let items = self.v.as_array().ok_or_else(|| self.err(format!("expected a list, got {}", kind(self.v))))?;
        if items.len() > limit {
            return Err(self.err(format!("has {} entries; the limit is {limit}", items.len())));
        }
        Ok(items.iter().enumerate().map(|(i, v)| Node { v, path: format!("{}[{i}]", self.path) }).collect())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The last `/`- or `:`-separated part of an ARN: the name or id it ends in.
fn tail(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The ARN partition of a region.
fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn affected(kind: ResourceKind, id: String, arn: Option<String>, aws_type: &str) -> TriggerResource {
    TriggerResource { kind, id, arn, relation: Relation::Affected, aws_type: aws_type.to_owned() }
}

fn push_unique(out: &mut Vec<TriggerResource>, r: TriggerResource) {
    if !out.iter().any(|x| x.kind == r.kind && x.id == r.id && x.relation == r.relation) {
        out.push(r);
    }
}

/// GuardDuty's documented bands: low 1.0–3.9, medium 4.0–6.9, high 7.0–8.9, critical
/// 9.0–10.0 (values under 1.0 are reserved; they count as low).
pub fn guardduty_severity(score: f64) -> Option<Severity> {
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    Some(match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        _ => Severity::Low,
    })
}

fn guardduty(env: &Envelope, d: &Node) -> Result<Trigger, EventError> {
    let mut t = env.trigger(Source::GuardDuty, d.req("type")?.id()?);
    let sev = d.req("severity")?;
    let score = sev.number()?;
    t.severity = Some(
        guardduty_severity(score).ok_or_else(|| sev.err(format!("`{score}` is outside GuardDuty's range 0 to 10")))?,
    );
    t.finding_id = d.opt_str("id")?;
    t.title = d.opt_str("title")?;
    if let Some(a) = d.opt_str("accountId")? {
        t.account = a;
    }
    if let Some(r) = d.opt_str("region")? {
        t.region = r;
    }
    let partition = d.opt_str("partition")?.unwrap_or_else(|| partition_of(&t.region).into());
    if let Some(service) = d.opt("service") {
        t.resolved = service.opt("archived").and_then(|a| a.v.as_bool()).unwrap_or(false);
    }
    let res = d.req("resource")?;
    res.object()?;
    let rtype = res.req("resourceType")?.id()?;
    let mut out = Vec::new();
    match res.opt("instanceDetails") {
        Some(inst) => {
            let id = inst.req("instanceId")?.id()?;
            let arn = format!("arn:{partition}:ec2:{}:{}:instance/{id}", t.region, t.account);
            out.push(affected(ResourceKind::Instance, id, Some(arn), &rtype));
        }
        None if rtype == "Instance" => return Err(missing(&res, "instanceDetails")),
        None => {}
    }
    match res.opt("accessKeyDetails") {
        Some(key) => {
            key.object()?;
            if let Some(id) = key.opt_str("accessKeyId")? {
                out.push(affected(ResourceKind::AccessKey, id, None, &rtype));
            }
            let user_type = key.opt_str("userType")?;
            if let Some(name) = key.opt_str("userName")? {
                match user_type.as_deref() {
                    Some("IAMUser") => out.push(affected(ResourceKind::User, name, None, "IAMUser")),
                    Some("AssumedRole") => out.push(affected(ResourceKind::Role, name, None, "AssumedRole")),
                    // Root and federated principals have nothing a playbook can act on.
                    _ => {}
                }
            }
        }
        None if rtype == "AccessKey" => return Err(missing(&res, "accessKeyDetails")),
        None => {}
    }
    match res.opt("s3BucketDetails") {
        Some(list) => {
            for b in list.array(MAX_LIST)? {
                let name = b.req("name")?.id()?;
                let arn = b.opt_str("arn")?.unwrap_or_else(|| format!("arn:{partition}:s3:::{name}"));
                out.push(affected(ResourceKind::Bucket, name, Some(arn), &rtype));
            }
        }
        None if rtype == "S3Bucket" => return Err(missing(&res, "s3BucketDetails")),
        None => {}
    }
    if let Some(rds) = res.opt("rdsDbInstanceDetails") {
        let arn = rds.opt_str("dbInstanceArn")?;
        out.extend(rds.opt_str("dbInstanceIdentifier")?.map(|id| affected(ResourceKind::DbInstance, id, arn, &rtype)));
    }
    if let Some(f) = res.opt("lambdaDetails") {
        let arn = f.opt_str("functionArn")?;
        out.extend(f.opt_str("functionName")?.map(|name| affected(ResourceKind::Function, name, arn, &rtype)));
    }
    t.resources = out;
    Ok(t)
}

fn missing(parent: &Node, name: &str) -> EventError {
    EventError::Field { field: parent.child_path(name), problem: "is missing".into() }
}

fn securityhub(env: &Envelope, d: &Node) -> Result<Vec<Trigger>, EventError> {
    let findings = d.req("findings")?.array(MAX_FINDINGS)?;
    if findings.is_empty() {
        return Err(d.req("findings")?.err("has no findings"));
    }
    findings.iter().map(|f| securityhub_finding(env, f)).collect()
}

fn securityhub_severity(f: &Node) -> Result<Option<Severity>, EventError> {
    let Some(sev) = f.opt("Severity") else { return Ok(None) };
    if let Some(label) = sev.opt("Label") {
        let s = label.string()?;
        return Ok(Some(match s.as_str() {
            "INFORMATIONAL" => Severity::Info,
            "LOW" => Severity::Low,
            "MEDIUM" => Severity::Medium,
            "HIGH" => Severity::High,
            "CRITICAL" => Severity::Critical,
            _ => return Err(label.err(format!("`{s}` is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL"))),
        }));
    }
    // `Normalized` (deprecated) maps to labels as Security Hub documents: 0, 1–39,
    // 40–69, 70–89, 90–100.
    match sev.opt("Normalized") {
        None => Ok(None),
        Some(n) => {
            let v = n.number()?;
            Ok(Some(match v {
                v if !(0.0..=100.0).contains(&v) => return Err(n.err(format!("`{v}` is outside 0 to 100"))),
                v if v >= 90.0 => Severity::Critical,
                v if v >= 70.0 => Severity::High,
                v if v >= 40.0 => Severity::Medium,
                v if v >= 1.0 => Severity::Low,
                _ => Severity::Info,
            }))
        }
    }
}

fn securityhub_finding(env: &Envelope, f: &Node) -> Result<Trigger, EventError> {
    f.object()?;
    let compliance = f.opt("Compliance");
    let control = match &compliance {
        Some(c) => c.opt_str("SecurityControlId")?,
        None => None,
    };
    let kind = match control {
        Some(c) => c,
        None => f.req("GeneratorId")?.id()?,
    };
    let mut t = env.trigger(Source::SecurityHub, kind);
    t.finding_id = Some(f.req("Id")?.id()?);
    t.title = f.opt_str("Title")?;
    t.severity = securityhub_severity(f)?;
    t.product = match f.opt_str("ProductName")? {
        Some(p) => Some(p),
        None => f.opt("ProductFields").map(|p| p.opt_str("aws/securityhub/ProductName")).transpose()?.flatten(),
    };
    if let Some(types) = f.opt("Types") {
        t.types = types.array(MAX_LIST)?.iter().map(Node::string).collect::<Result<_, _>>()?;
    }
    if let Some(a) = f.opt_str("AwsAccountId")? {
        t.account = a;
    }
    if let Some(r) = f.opt_str("Region")? {
        t.region = r;
    }
    t.status = match &compliance {
        Some(c) => c.opt_str("Status")?,
        None => None,
    };
    let record = f.opt_str("RecordState")?;
    let workflow = match f.opt("Workflow") {
        Some(w) => w.opt_str("Status")?,
        None => None,
    };
    t.resolved = t.status.as_deref() == Some("PASSED")
        || record.as_deref() == Some("ARCHIVED")
        || matches!(workflow.as_deref(), Some("RESOLVED" | "SUPPRESSED"));
    let mut out = Vec::new();
    for r in f.req("Resources")?.array(MAX_LIST)? {
        let rtype = r.req("Type")?.id()?;
        let raw = r.req("Id")?.id()?;
        let arn = raw.starts_with("arn:").then(|| raw.clone());
        let kind = match rtype.as_str() {
            "AwsEc2Instance" => ResourceKind::Instance,
            "AwsIamAccessKey" => ResourceKind::AccessKey,
            "AwsIamUser" => ResourceKind::User,
            "AwsIamRole" => ResourceKind::Role,
            "AwsS3Bucket" => ResourceKind::Bucket,
            "AwsEc2Volume" => ResourceKind::Volume,
            "AwsEc2SecurityGroup" => ResourceKind::SecurityGroup,
            "AwsCloudTrailTrail" => ResourceKind::Trail,
            "AwsKmsKey" => ResourceKind::Key,
            "AwsRdsDbInstance" => ResourceKind::DbInstance,
            "AwsLambdaFunction" => ResourceKind::Function,
            _ => ResourceKind::Other,
        };
        let id = match kind {
            ResourceKind::Other => raw.clone(),
            // `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`
            ResourceKind::Function => raw.split(':').nth(6).unwrap_or(tail(&raw)).to_owned(),
            // `AWS::IAM::AccessKey:AKIA…`, or the bare key id.
            _ => tail(&raw).to_owned(),
        };
        push_unique(&mut out, affected(kind, id, arn, &rtype));
        // An access key's owner, when Security Hub says who it is.
        if kind == ResourceKind::AccessKey {
            let details = r.opt("Details").and_then(|d| d.opt("AwsIamAccessKey"));
            if let Some(k) = details {
                let owner = k.opt_str("PrincipalName")?;
                match (k.opt_str("PrincipalType")?.as_deref(), owner) {
                    (Some("IAMUser"), Some(name)) => {
                        push_unique(&mut out, affected(ResourceKind::User, name, None, "IAMUser"));
                    }
                    (Some("AssumedRole" | "Role"), Some(name)) => {
                        push_unique(&mut out, affected(ResourceKind::Role, name, None, "AssumedRole"));
                    }
                    _ => {}
                }
            }
        }
    }
    t.resources = out;
    Ok(t)
}

/// `requestParameters` members that name the resource a call acts on.
const REQUEST_RESOURCES: [(&str, ResourceKind); 13] = [
    ("bucketName", ResourceKind::Bucket),
    ("trailName", ResourceKind::Trail),
    ("userName", ResourceKind::User),
    ("roleName", ResourceKind::Role),
    ("accessKeyId", ResourceKind::AccessKey),
    ("groupId", ResourceKind::SecurityGroup),
    ("instanceId", ResourceKind::Instance),
    ("volumeId", ResourceKind::Volume),
    ("snapshotId", ResourceKind::Snapshot),
    ("keyId", ResourceKind::Key),
    ("dBInstanceIdentifier", ResourceKind::DbInstance),
    ("functionName", ResourceKind::Function),
    ("name", ResourceKind::Trail),
];

fn cloudtrail(env: &Envelope, d: &Node) -> Result<Trigger, EventError> {
    let event_source = d.req("eventSource")?.id()?;
    let mut t = env.trigger(Source::CloudTrail, d.req("eventName")?.id()?);
    t.finding_id = d.opt_str("eventID")?;
    t.status = d.opt_str("errorCode")?;
    if let Some(r) = d.opt_str("awsRegion")? {
        t.region = r;
    }
    if let Some(a) = d.opt_str("recipientAccountId")? {
        t.account = a;
    }
    if let Some(time) = d.opt_str("eventTime")? {
        t.time = Some(time);
    }
    let mut out = Vec::new();
    if let Some(params) = d.opt("requestParameters") {
        params.object()?;
        for (member, kind) in REQUEST_RESOURCES {
            // `name` is a trail only in CloudTrail's own API.
            if member == "name" && event_source != "cloudtrail.amazonaws.com" {
                continue;
            }
            if let Some(raw) = params.opt_str(member)? {
                let arn = raw.starts_with("arn:").then(|| raw.clone());
                let id = if arn.is_some() { tail(&raw).to_owned() } else { raw };
                let aws_type = format!("requestParameters.{member}");
                push_unique(&mut out, affected(kind, id, arn, &aws_type));
            }
        }
        // EC2 lists instances as `instancesSet.items[].instanceId`.
        for id in instance_set(params.opt("instancesSet"))? {
            push_unique(&mut out, affected(ResourceKind::Instance, id, None, "requestParameters.instancesSet"));
        }
    }
    if let Some(resp) = d.opt("responseElements").filter(|r| r.v.is_object()) {
        // A key just created (CreateAccessKey) and instances just launched (RunInstances).
        let created = resp.opt("accessKey").map(|k| k.opt_str("accessKeyId")).transpose()?.flatten();
        if let Some(id) = created {
            push_unique(&mut out, affected(ResourceKind::AccessKey, id, None, "responseElements.accessKey"));
        }
        for id in instance_set(resp.opt("instancesSet"))? {
            push_unique(&mut out, affected(ResourceKind::Instance, id, None, "responseElements.instancesSet"));
        }
    }
    let who = d.req("userIdentity")?;
    who.object()?;
    let actor = |kind, id, arn, aws_type: &str| TriggerResource {
        kind,
        id,
        arn,
        relation: Relation::Actor,
        aws_type: aws_type.to_owned(),
    };
    let identity_type = who.opt_str("type")?.unwrap_or_default();
    match identity_type.as_str() {
        "IAMUser" => {
            if let Some(name) = who.opt_str("userName")? {
                out.push(actor(ResourceKind::User, name, who.opt_str("arn")?, "IAMUser"));
            }
        }
        "AssumedRole" => {
            if let Some(issuer) = who.opt("sessionContext").and_then(|s| s.opt("sessionIssuer")) {
                let arn = issuer.opt_str("arn")?;
                out.extend(issuer.opt_str("userName")?.map(|name| actor(ResourceKind::Role, name, arn, "AssumedRole")));
            }
        }
        _ => {}
    }
    let key = who.opt_str("accessKeyId")?.filter(|_| matches!(identity_type.as_str(), "IAMUser" | "AssumedRole"));
    out.extend(key.map(|key| actor(ResourceKind::AccessKey, key, None, &identity_type)));
    t.resources = out;
    Ok(t)
}

fn instance_set(set: Option<Node>) -> Result<Vec<String>, EventError> {
    let Some(items) = set.and_then(|s| s.opt("items")) else { return Ok(Vec::new()) };
    items.array(MAX_LIST)?.iter().filter_map(|i| i.opt_str("instanceId").transpose()).collect()
}

fn config(env: &Envelope, d: &Node) -> Result<Trigger, EventError> {
    let mut t = env.trigger(Source::Config, d.req("configRuleName")?.id()?);
    if let Some(a) = d.opt_str("awsAccountId")? {
        t.account = a;
    }
    if let Some(r) = d.opt_str("awsRegion")? {
        t.region = r;
    }
    t.finding_id = d.opt_str("configRuleARN")?;
    let result = d.req("newEvaluationResult")?;
    let ct = result.req("complianceType")?;
    let compliance = ct.string()?;
    if !matches!(compliance.as_str(), "COMPLIANT" | "NON_COMPLIANT" | "NOT_APPLICABLE" | "INSUFFICIENT_DATA") {
        return Err(
            ct.err(format!("`{compliance}` is not one of COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA"))
        );
    }
    t.resolved = compliance != "NON_COMPLIANT";
    t.status = Some(compliance);
    if let Some(time) = result.opt_str("resultRecordedTime")? {
        t.time = Some(time);
    }
    let rtype = d.req("resourceType")?.id()?;
    let id = d.req("resourceId")?.id()?;
    let kind = match rtype.as_str() {
        "AWS::EC2::Instance" => ResourceKind::Instance,
        "AWS::S3::Bucket" => ResourceKind::Bucket,
        "AWS::IAM::User" => ResourceKind::User,
        "AWS::IAM::Role" => ResourceKind::Role,
        "AWS::EC2::SecurityGroup" => ResourceKind::SecurityGroup,
        "AWS::EC2::Volume" => ResourceKind::Volume,
        "AWS::CloudTrail::Trail" => ResourceKind::Trail,
        "AWS::KMS::Key" => ResourceKind::Key,
        "AWS::RDS::DBInstance" => ResourceKind::DbInstance,
        "AWS::Lambda::Function" => ResourceKind::Function,
        _ => ResourceKind::Other,
    };
    let p = partition_of(&t.region);
    let arn = match kind {
        ResourceKind::Bucket => Some(format!("arn:{p}:s3:::{id}")),
        ResourceKind::Instance => Some(format!("arn:{p}:ec2:{}:{}:instance/{id}", t.region, t.account)),
        _ => None,
    };
    t.resources = vec![affected(kind, id, arn, &rtype)];
    Ok(t)
}
