//! Incident playbooks: from a target's state, read live and handed in as data, to the
//! exact API requests that contain it.
//!
//! A fix (see [`crate::target`]) moves one setting to a state that passes a check; a
//! playbook is what a responder does to a *suspect* resource: isolate an instance,
//! disable a key, revoke a role's sessions, lock a user out, close a bucket, snapshot
//! disks. Planning is pure — the executor in `warden-aws` reads the [`Subject`] and
//! performs the [`Step`]s — so the dry run prints exactly what `--apply` sends.
//!
//! Plans are idempotent where the action allows it: a step is planned only when the
//! state differs from the contained one, so running a playbook twice sends nothing the
//! second time (snapshots excepted: every run takes new ones, which is the point). One
//! plan can name a value that exists only once an earlier step ran — the isolation
//! group a quarantine creates — as `${name}`; see [`Step::binds`] and [`resolve`].

use crate::call::Call;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Inline role policy that denies every session issued before a time.
pub const REVOKE_POLICY: &str = "WardenRevokeOlderSessions";
/// Inline user policy that denies everything.
pub const CONTAIN_POLICY: &str = "WardenContainUser";
/// Tag set on a quarantined instance: when.
pub const TAG_QUARANTINED: &str = "warden:quarantined";
/// Tag set on a quarantined instance: the groups each interface had.
pub const TAG_PREVIOUS_GROUPS: &str = "warden:previous-security-groups";
/// Tag on the isolation group (its value: the VPC) and on forensic snapshots.
pub const TAG_QUARANTINE_GROUP: &str = "warden:quarantine-group";
pub const TAG_FORENSIC: &str = "warden:forensic";
/// The variable a quarantine plan binds to the isolation group it creates.
pub const ISOLATION_GROUP_VAR: &str = "isolation_group";
/// EC2 tag values hold at most 256 characters.
const MAX_TAG_VALUE: usize = 256;
/// The longest target name accepted (an ARN is at most 2048 characters).
const MAX_TARGET: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Playbook {
    QuarantineInstance,
    DisableAccessKey,
    RevokeRoleSessions,
    ContainUser,
    BlockPublicBucket,
    SnapshotVolumes,
    CaptureEvidence,
}

impl Playbook {
    pub const ALL: [Playbook; 7] = [
        Playbook::QuarantineInstance,
        Playbook::DisableAccessKey,
        Playbook::RevokeRoleSessions,
        Playbook::ContainUser,
        Playbook::BlockPublicBucket,
        Playbook::SnapshotVolumes,
        Playbook::CaptureEvidence,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Playbook::QuarantineInstance => "quarantine-instance",
            Playbook::DisableAccessKey => "disable-access-key",
            Playbook::RevokeRoleSessions => "revoke-role-sessions",
            Playbook::ContainUser => "contain-user",
            Playbook::BlockPublicBucket => "block-public-bucket",
            Playbook::SnapshotVolumes => "snapshot-volumes",
            Playbook::CaptureEvidence => "capture-evidence",
        }
    }

    pub fn parse(name: &str) -> Result<Playbook, String> {
        Playbook::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Playbook::ALL.iter().map(|p| p.name()).collect();
            format!("unknown playbook `{name}`; expected one of {}", known.join(", "))
        })
    }

    /// What it does, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Playbook::QuarantineInstance => {
                "isolate an instance: no traffic in or out, out of its Auto Scaling group and load balancers, \
                 its role's sessions revoked"
            }
            Playbook::DisableAccessKey => "deactivate an access key and list what it did",
            Playbook::RevokeRoleSessions => "deny every session of a role issued before now",
            Playbook::ContainUser => "deny a user everything, deactivate its keys, delete its console password",
            Playbook::BlockPublicBucket => "turn on all four S3 Block Public Access settings on a bucket",
            Playbook::SnapshotVolumes => "snapshot every EBS volume attached to an instance, tagged for forensics",
            Playbook::CaptureEvidence => "read-only: write the target's state to an evidence bundle",
        }
    }

    /// Whether it changes the account at all.
    pub fn changes(self) -> bool {
        self != Playbook::CaptureEvidence
    }

    /// Whether planning again right after applying plans nothing (snapshots are taken
    /// anew on every run).
    pub fn idempotent(self) -> bool {
        self != Playbook::SnapshotVolumes
    }

    /// The target this playbook acts on, from its command-line form.
    pub fn target(self, raw: &str) -> Result<TargetRef, String> {
        let t = TargetRef::parse(raw)?;
        let wrong = |want: &str| format!("playbook `{}` acts on {want}, not `{raw}`", self.name());
        Ok(match (self, t) {
            (Playbook::QuarantineInstance | Playbook::SnapshotVolumes, t @ TargetRef::Instance(_)) => t,
            (Playbook::QuarantineInstance | Playbook::SnapshotVolumes, _) => {
                return Err(wrong("an instance id (`i-…`)"));
            }
            (Playbook::DisableAccessKey, TargetRef::AccessKey(k)) if k.starts_with("ASIA") => {
                return Err(format!(
                    "`{k}` is a temporary key: it cannot be deactivated; run revoke-role-sessions on the role that issued it"
                ));
            }
            (Playbook::DisableAccessKey, t @ TargetRef::AccessKey(_)) => t,
            (Playbook::DisableAccessKey, _) => return Err(wrong("an access key id (`AKIA…`)")),
            (Playbook::RevokeRoleSessions, t @ TargetRef::Role(_)) => t,
            (Playbook::RevokeRoleSessions, TargetRef::Name(n)) => TargetRef::Role(n),
            (Playbook::RevokeRoleSessions, _) => return Err(wrong("a role name or ARN")),
            (Playbook::ContainUser, t @ TargetRef::User(_)) => t,
            (Playbook::ContainUser, TargetRef::Name(n)) => TargetRef::User(n),
            (Playbook::ContainUser, _) => return Err(wrong("a user name or ARN")),
            (Playbook::BlockPublicBucket, t @ TargetRef::Bucket(_)) => t,
            (Playbook::BlockPublicBucket, TargetRef::Name(n)) => TargetRef::Bucket(n),
            (Playbook::BlockPublicBucket, _) => return Err(wrong("a bucket name")),
            (Playbook::CaptureEvidence, t) => t,
        })
    }
}

impl fmt::Display for Playbook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a playbook's target names, as given on the command line or by an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TargetRef {
    Instance(String),
    AccessKey(String),
    /// A role by name (an ARN is reduced to its name).
    Role(String),
    User(String),
    Bucket(String),
    /// A bare name that may be a role, a user or a bucket (`capture-evidence` looks).
    Name(String),
}

impl TargetRef {
    /// `i-…`, `AKIA…`/`ASIA…`, a role or user ARN, `arn:aws:s3:::BUCKET`, `s3://BUCKET`,
    /// `role/NAME`, `user/NAME`, `bucket/NAME`, or a bare name.
    pub fn parse(raw: &str) -> Result<TargetRef, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("the target is empty".into());
        }
        if s.len() > MAX_TARGET || s.chars().any(char::is_control) {
            return Err(format!("target `{}` is not a resource name", s.escape_debug()));
        }
        if let Some(id) = s.strip_prefix("i-") {
            return if (8..=17).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(TargetRef::Instance(s.to_owned()))
            } else {
                Err(format!("`{s}` is not an instance id (`i-` and 8 or 17 hex digits)"))
            };
        }
        if (s.starts_with("AKIA") || s.starts_with("ASIA")) && s.len() == 20 {
            return if s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
                Ok(TargetRef::AccessKey(s.to_owned()))
            } else {
                Err(format!("`{s}` is not an access key id"))
            };
        }
        if let Some(rest) = s.strip_prefix("arn:") {
            return parse_arn(s, rest);
        }
        let named = |n: &str, f: fn(String) -> TargetRef| {
            if n.is_empty() || n.contains('/') { Err(format!("`{s}` names nothing")) } else { Ok(f(n.to_owned())) }
        };
        if let Some(b) = s.strip_prefix("s3://") {
            return named(b.trim_end_matches('/'), TargetRef::Bucket);
        }
        if let Some(n) = s.strip_prefix("role/") {
            return Ok(TargetRef::Role(last_segment(n)?));
        }
        if let Some(n) = s.strip_prefix("user/") {
            return Ok(TargetRef::User(last_segment(n)?));
        }
        if let Some(n) = s.strip_prefix("bucket/") {
            return named(n, TargetRef::Bucket);
        }
        named(s, TargetRef::Name)
    }

    /// The identifier, without its kind.
    pub fn id(&self) -> &str {
        match self {
            TargetRef::Instance(s)
            | TargetRef::AccessKey(s)
            | TargetRef::Role(s)
            | TargetRef::User(s)
            | TargetRef::Bucket(s)
            | TargetRef::Name(s) => s,
        }
    }
}

fn last_segment(path: &str) -> Result<String, String> {
    match path.rsplit('/').next() {
        Some(n) if !n.is_empty() => Ok(n.to_owned()),
        _ => Err(format!("`{path}` names nothing")),
    }
}

fn parse_arn(s: &str, rest: &str) -> Result<TargetRef, String> {
    // partition:service:region:account:resource
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [_, service, _, _, resource] = parts.as_slice() else {
        return Err(format!("`{s}` is not an ARN"));
    };
    match (*service, resource.split_once('/')) {
        ("iam", Some(("role", path))) => Ok(TargetRef::Role(last_segment(path)?)),
        ("iam", Some(("user", path))) => Ok(TargetRef::User(last_segment(path)?)),
        ("s3", _) if !resource.is_empty() && !resource.contains('/') => Ok(TargetRef::Bucket((*resource).to_owned())),
        ("ec2", Some(("instance", id))) => TargetRef::parse(id),
        _ => Err(format!("`{s}`: playbooks act on instances, access keys, roles, users and buckets")),
    }
}

/// One network interface of an instance and the groups it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub id: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsgMembership {
    pub group: String,
    /// `InService`, `Standby`, `Pending`, …
    pub lifecycle_state: Option<String>,
}

/// A target group the instance is registered in (draining targets excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroupMembership {
    pub arn: String,
    pub port: Option<i32>,
}

/// A security group's rules, as `IpPermissions` elements in the API's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRules {
    pub id: String,
    pub name: String,
    pub ingress: Vec<Value>,
    pub egress: Vec<Value>,
}

/// A role and the state of Warden's session-revoking policy on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleState {
    pub name: String,
    pub arn: Option<String>,
    /// The current `WardenRevokeOlderSessions` document, if the role has one.
    pub revoke_policy: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    pub instance_id: String,
    pub region: String,
    /// `running`, `stopped`, `terminated`, …
    pub state: Option<String>,
    pub vpc_id: Option<String>,
    pub interfaces: Vec<Interface>,
    pub tags: BTreeMap<String, String>,
    pub volumes: Vec<Volume>,
    pub instance_profile_arn: Option<String>,
    /// The role of the instance profile.
    pub role: Option<RoleState>,
    pub auto_scaling_group: Option<AsgMembership>,
    pub target_groups: Vec<TargetGroupMembership>,
    /// `warden-quarantine-<vpc>` in the instance's VPC, when it exists.
    pub isolation_group: Option<GroupRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyStatus {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    pub name: String,
    pub arn: Option<String>,
    pub access_keys: Vec<KeyStatus>,
    /// Whether the user has a console password.
    pub login_profile: bool,
    /// The current `WardenContainUser` document, if any.
    pub contain_policy: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketState {
    pub bucket: String,
    pub region: String,
    /// The bucket's Block Public Access configuration; `None` when it has none.
    pub public_access_block: Option<Value>,
}

/// What a playbook acts on, read live.
// One per playbook run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Instance(InstanceState),
    /// An access key and its owner.
    AccessKey {
        user: String,
        key: KeyStatus,
    },
    Role(RoleState),
    User(UserState),
    Bucket(BucketState),
}

/// A value of an earlier step's result that later steps use as `${name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The variable.
    pub name: String,
    /// The key of the call's result that holds the value (`GroupId`, `SnapshotId`).
    pub from: String,
}

/// One request of a plan, with the reason and the state it replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Why, in a few words.
    pub why: String,
    pub call: Call,
    /// The current state the call changes (`null` when it creates something).
    pub replaces: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binds: Option<Binding>,
    /// Cannot be undone (a deleted console password is gone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub irreversible: bool,
}

/// A playbook's requests for one target, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub playbook: Playbook,
    pub target: String,
    /// The instant the plan was made for: tags, snapshot descriptions and the revocation
    /// time all say it.
    pub time: String,
    pub steps: Vec<Step>,
    /// What the responder should know: side effects, limits, what is not done.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn irreversible(&self) -> bool {
        self.steps.iter().any(|s| s.irreversible)
    }
}

fn stamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Plans `playbook` on `subject` as of `now`.
pub fn plan(playbook: Playbook, subject: &Subject, now: DateTime<Utc>) -> Result<Plan, String> {
    let mut p = Plan { playbook, target: subject_id(subject), time: stamp(now), steps: Vec::new(), notes: Vec::new() };
    match (playbook, subject) {
        (Playbook::CaptureEvidence, _) => p.notes.push("read-only: nothing is changed".into()),
        (Playbook::QuarantineInstance, Subject::Instance(i)) => quarantine(&mut p, i, now)?,
        (Playbook::SnapshotVolumes, Subject::Instance(i)) => snapshots(&mut p, i, now)?,
        (Playbook::DisableAccessKey, Subject::AccessKey { user, key }) => {
            if let Some(s) = deactivate(user, key) {
                p.steps.push(s);
            }
        }
        (Playbook::RevokeRoleSessions, Subject::Role(r)) => {
            p.steps.extend(revoke_sessions(r, now, now));
            p.notes.push(format!(
                "every session of role {} issued before {} is denied, whoever holds it; \
                 sessions assumed after it work as before",
                r.name, p.time
            ));
        }
        (Playbook::ContainUser, Subject::User(u)) => contain(&mut p, u),
        (Playbook::BlockPublicBucket, Subject::Bucket(b)) => {
            let all_on = json!({
                "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true
            });
            if b.public_access_block.as_ref() != Some(&all_on) {
                p.steps.push(Step {
                    why: "block public ACLs and policies on the bucket".into(),
                    call: Call::new(
                        "s3",
                        "PutPublicAccessBlock",
                        &b.region,
                        json!({"Bucket": b.bucket, "PublicAccessBlockConfiguration": all_on}),
                    ),
                    replaces: b.public_access_block.clone().unwrap_or(Value::Null),
                    binds: None,
                    irreversible: false,
                });
            }
            p.notes.push("the account-level Block Public Access settings are left as they are".into());
        }
        (pb, s) => return Err(format!("playbook `{pb}` cannot act on {}", subject_kind(s))),
    }
    Ok(p)
}

fn subject_id(s: &Subject) -> String {
    match s {
        Subject::Instance(i) => i.instance_id.clone(),
        Subject::AccessKey { key, .. } => key.id.clone(),
        Subject::Role(r) => r.name.clone(),
        Subject::User(u) => u.name.clone(),
        Subject::Bucket(b) => b.bucket.clone(),
    }
}

fn subject_kind(s: &Subject) -> &'static str {
    match s {
        Subject::Instance(_) => "an instance",
        Subject::AccessKey { .. } => "an access key",
        Subject::Role(_) => "a role",
        Subject::User(_) => "a user",
        Subject::Bucket(_) => "a bucket",
    }
}

/// The name of the isolation group of a VPC.
pub fn isolation_group_name(vpc_id: &str) -> String {
    format!("warden-quarantine-{vpc_id}")
}

/// The deny-all policy Warden puts on a role to cut off sessions issued before `now`:
/// AWS's "revoke active sessions" policy.
pub fn revoke_document(now: DateTime<Utc>) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": stamp(now)}}
        }]
    })
}

/// The deny-all policy that contains a user.
pub fn contain_document() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "WardenContainUser", "Effect": "Deny", "Action": "*", "Resource": "*"}]
    })
}

/// The revocation time of a `WardenRevokeOlderSessions` document.
fn revoked_before(doc: &Value) -> Option<DateTime<Utc>> {
    let stmts = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return None,
    };
    stmts
        .iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny"))
        .filter_map(|s| s.pointer("/Condition/DateLessThan/aws:TokenIssueTime").and_then(Value::as_str))
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.to_utc())
        .max()
}

/// The step that denies the role's sessions issued before `now`, unless its policy
/// already denies every session issued before `enough` (to the second, as the policy
/// says).
fn revoke_sessions(role: &RoleState, now: DateTime<Utc>, enough: DateTime<Utc>) -> Option<Step> {
    let current = role.revoke_policy.as_ref();
    if current.and_then(revoked_before).is_some_and(|t| t.timestamp() >= enough.timestamp()) {
        return None;
    }
    let doc = revoke_document(now);
    Some(Step {
        why: format!("deny every session of role {} issued before now", role.name),
        call: Call::new(
            "iam",
            "PutRolePolicy",
            "global",
            json!({"RoleName": role.name, "PolicyName": REVOKE_POLICY, "PolicyDocument": doc.to_string()}),
        ),
        replaces: current.cloned().unwrap_or(Value::Null),
        binds: None,
        irreversible: false,
    })
}

fn deactivate(user: &str, key: &KeyStatus) -> Option<Step> {
    (key.status != "Inactive").then(|| Step {
        why: format!("deactivate access key {}", key.id),
        call: Call::new(
            "iam",
            "UpdateAccessKey",
            "global",
            json!({"UserName": user, "AccessKeyId": key.id, "Status": "Inactive"}),
        ),
        replaces: json!({"Status": key.status}),
        binds: None,
        irreversible: false,
    })
}

fn contain(p: &mut Plan, u: &UserState) {
    let doc = contain_document();
    // The deny first: it stops every key and password at once; the rest makes it last.
    if u.contain_policy.as_ref() != Some(&doc) {
        p.steps.push(Step {
            why: format!("deny user {} every action", u.name),
            call: Call::new(
                "iam",
                "PutUserPolicy",
                "global",
                json!({"UserName": u.name, "PolicyName": CONTAIN_POLICY, "PolicyDocument": doc.to_string()}),
            ),
            replaces: u.contain_policy.clone().unwrap_or(Value::Null),
            binds: None,
            irreversible: false,
        });
    }
    p.steps.extend(u.access_keys.iter().filter_map(|k| deactivate(&u.name, k)));
    if u.login_profile {
        p.steps.push(Step {
            why: format!(
                "delete the console password of {} (IRREVERSIBLE: a new one must be set to restore it)",
                u.name
            ),
            call: Call::new("iam", "DeleteLoginProfile", "global", json!({"UserName": u.name})),
            replaces: json!({"LoginProfile": true}),
            binds: None,
            irreversible: true,
        });
    }
    p.notes.push(format!(
        "sessions of roles {} already assumed are not cut off: run revoke-role-sessions on those roles",
        u.name
    ));
}

fn quarantine(p: &mut Plan, i: &InstanceState, now: DateTime<Utc>) -> Result<(), String> {
    if matches!(i.state.as_deref(), Some("terminated" | "shutting-down")) {
        return Err(format!(
            "instance {} is {}: nothing to quarantine",
            i.instance_id,
            i.state.as_deref().unwrap_or("")
        ));
    }
    let Some(vpc) = i.vpc_id.as_deref() else {
        return Err(format!("instance {} is not in a VPC: Warden isolates with a VPC security group", i.instance_id));
    };
    if i.interfaces.is_empty() {
        return Err(format!("instance {} has no network interface to isolate", i.instance_id));
    }
    let region = i.region.as_str();
    let ec2 = |op: &str, params: Value| Call::new("ec2", op, region, params);

    // 1. The isolation group: no rule in, no rule out.
    let group = match &i.isolation_group {
        Some(g) => {
            for (dir, rules) in [("Ingress", &g.ingress), ("Egress", &g.egress)] {
                if !rules.is_empty() {
                    p.steps.push(Step {
                        why: format!("remove every {} rule of isolation group {}", dir.to_lowercase(), g.id),
                        call: ec2(
                            &format!("RevokeSecurityGroup{dir}"),
                            json!({"GroupId": g.id, "IpPermissions": rules}),
                        ),
                        replaces: json!(rules),
                        binds: None,
                        irreversible: false,
                    });
                }
            }
            g.id.clone()
        }
        None => {
            let name = isolation_group_name(vpc);
            p.steps.push(Step {
                why: format!("create isolation group {name} in {vpc}"),
                call: ec2(
                    "CreateSecurityGroup",
                    json!({
                        "GroupName": name,
                        "Description": "Warden quarantine: no inbound or outbound traffic",
                        "VpcId": vpc,
                        "TagSpecifications": [{"ResourceType": "security-group", "Tags": [
                            {"Key": "Name", "Value": name},
                            {"Key": TAG_QUARANTINE_GROUP, "Value": vpc}
                        ]}]
                    }),
                ),
                replaces: Value::Null,
                binds: Some(Binding { name: ISOLATION_GROUP_VAR.into(), from: "GroupId".into() }),
                irreversible: false,
            });
            let var = format!("${{{ISOLATION_GROUP_VAR}}}");
            p.steps.push(Step {
                why: "remove the allow-all egress rule a new group starts with".into(),
                call: ec2(
                    "RevokeSecurityGroupEgress",
                    json!({"GroupId": var, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
                ),
                replaces: json!([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
                binds: None,
                irreversible: false,
            });
            var
        }
    };

    // 2. Say what was done on the instance itself, before changing it.
    if !i.tags.contains_key(TAG_QUARANTINED) {
        p.steps.push(Step {
            why: "tag the instance as quarantined, with its groups before".into(),
            call: ec2(
                "CreateTags",
                json!({"Resources": [i.instance_id], "Tags": [
                    {"Key": TAG_QUARANTINED, "Value": p.time},
                    {"Key": TAG_PREVIOUS_GROUPS, "Value": previous_groups(&i.interfaces)}
                ]}),
            ),
            replaces: json!({
                TAG_QUARANTINED: i.tags.get(TAG_QUARANTINED),
                TAG_PREVIOUS_GROUPS: i.tags.get(TAG_PREVIOUS_GROUPS)
            }),
            binds: None,
            irreversible: false,
        });
    }

    // 3. Out of its Auto Scaling group first: an isolated instance fails its health
    //    checks, and the group would terminate it — and the evidence on its disks.
    if let Some(asg) = &i.auto_scaling_group {
        p.steps.push(Step {
            why: format!("detach from Auto Scaling group {} (keeping its desired capacity: a replacement launches)", asg.group),
            call: Call::new(
                "autoscaling",
                "DetachInstances",
                region,
                json!({"AutoScalingGroupName": asg.group, "InstanceIds": [i.instance_id], "ShouldDecrementDesiredCapacity": false}),
            ),
            replaces: json!(asg),
            binds: None,
            irreversible: false,
        });
        if !matches!(asg.lifecycle_state.as_deref(), Some("InService" | "Standby") | None) {
            p.notes.push(format!(
                "the instance is `{}` in {}: Auto Scaling detaches only InService or Standby instances",
                asg.lifecycle_state.as_deref().unwrap_or_default(),
                asg.group
            ));
        }
    }

    // 4. Out of every load balancer target group.
    for tg in &i.target_groups {
        let mut target = json!({"Id": i.instance_id});
        if let Some(port) = tg.port {
            target["Port"] = json!(port);
        }
        p.steps.push(Step {
            why: format!("deregister from target group {}", tg.arn.split('/').nth(1).unwrap_or(&tg.arn)),
            call: Call::new(
                "elbv2",
                "DeregisterTargets",
                region,
                json!({"TargetGroupArn": tg.arn, "Targets": [target]}),
            ),
            replaces: json!(tg),
            binds: None,
            irreversible: false,
        });
    }

    // 5. Every interface gets the isolation group and nothing else.
    for eni in &i.interfaces {
        if eni.groups.len() == 1 && eni.groups.first() == Some(&group) {
            continue;
        }
        p.steps.push(Step {
            why: format!("replace the security groups of {}", eni.id),
            call: ec2("ModifyNetworkInterfaceAttribute", json!({"NetworkInterfaceId": eni.id, "Groups": [group]})),
            replaces: json!({"Groups": eni.groups}),
            binds: None,
            irreversible: false,
        });
    }

    // 6. The instance keeps its profile; credentials already handed out stop working.
    if let Some(role) = &i.role {
        // Sessions issued after the quarantine went to an instance that can no longer
        // reach anything: a revocation from then on is enough.
        let since = i.tags.get(TAG_QUARANTINED).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.to_utc());
        p.steps.extend(revoke_sessions(role, now, since.unwrap_or(now).min(now)));
        p.notes.push(format!(
            "the instance keeps its profile; every session of role {} issued before {} is denied, \
             on every instance and principal that uses the role",
            role.name, p.time
        ));
    } else if let Some(profile) = &i.instance_profile_arn {
        p.notes.push(format!("instance profile {profile} has no role: no sessions to revoke"));
    }
    p.notes.push(
        "connections already open when the groups change can persist while tracked; \
         a network ACL deny on the subnet cuts them too (not done: it affects every instance in the subnet)"
            .into(),
    );
    p.notes.push(format!("the instance keeps running: run snapshot-volumes {} to keep its disks", i.instance_id));
    Ok(())
}

/// The `warden:previous-security-groups` value: `sg-a,sg-b` for one interface,
/// `eni-1=sg-a,sg-b;eni-2=sg-c` for several; cut to the 256 characters a tag holds (the
/// full list is in the plan and the audit record).
pub fn previous_groups(interfaces: &[Interface]) -> String {
    let full = match interfaces {
        [one] => one.groups.join(","),
        many => many.iter().map(|e| format!("{}={}", e.id, e.groups.join(","))).collect::<Vec<_>>().join(";"),
    };
    if full.chars().count() <= MAX_TAG_VALUE {
        return full;
    }
    let mut cut: String = full.chars().take(MAX_TAG_VALUE - 1).collect();
    cut.push('…');
    cut
}

fn snapshots(p: &mut Plan, i: &InstanceState, now: DateTime<Utc>) -> Result<(), String> {
    if matches!(i.state.as_deref(), Some("terminated")) {
        return Err(format!("instance {} is terminated: its volumes are gone or detached", i.instance_id));
    }
    if i.volumes.is_empty() {
        p.notes.push(format!("instance {} has no EBS volume (instance store is not snapshotted)", i.instance_id));
    }
    let time = stamp(now);
    for v in &i.volumes {
        let device = v.device.clone().unwrap_or_default();
        p.steps.push(Step {
            why: format!("snapshot {} ({})", v.id, if device.is_empty() { "detached" } else { &device }),
            call: Call::new(
                "ec2",
                "CreateSnapshot",
                &i.region,
                json!({
                    "VolumeId": v.id,
                    "Description": format!("Warden forensic snapshot of {} on {} at {time}", v.id, i.instance_id),
                    "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [
                        {"Key": "Name", "Value": format!("warden-forensic-{}-{}", i.instance_id, v.id)},
                        {"Key": TAG_FORENSIC, "Value": "true"},
                        {"Key": "warden:instance", "Value": i.instance_id},
                        {"Key": "warden:volume", "Value": v.id},
                        {"Key": "warden:device", "Value": device},
                        {"Key": "warden:time", "Value": time}
                    ]}]
                }),
            ),
            replaces: Value::Null,
            binds: Some(Binding { name: format!("snapshot:{}", v.id), from: "SnapshotId".into() }),
            irreversible: false,
        });
    }
    if !i.volumes.is_empty() {
        p.notes.push(
            "each volume is snapshotted on its own (crash-consistent per volume, not across volumes); \
             stop the instance first for a consistent set"
                .into(),
        );
    }
    Ok(())
}

/// Replaces every string that is exactly `${name}` with the bound value; an unbound
/// variable is an error (the step that binds it did not run).
pub fn resolve(call: &Call, vars: &BTreeMap<String, String>) -> Result<Call, String> {
    fn walk(v: &Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => match s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                Some(name) => json!(vars.get(name).ok_or_else(|| format!("`${{{name}}}` is not bound yet"))?),
                None => v.clone(),
            },
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, vars)).collect::<Result<_, _>>()?),
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    out.insert(k.clone(), walk(x, vars)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
    Ok(Call { params: walk(&call.params, vars)?, ..call.clone() })
}

/// Whether a CloudTrail event (as JSON) is about the subject: made with its key or as
/// its user or role (an instance's role sessions are named after the instance), or
/// naming it in the request.
pub fn event_concerns(subject: &Subject, event: &Value) -> bool {
    let ui = event.get("userIdentity");
    let key = s(ui, "/accessKeyId");
    match subject {
        Subject::AccessKey { key: k, .. } => key == Some(k.id.as_str()),
        Subject::User(u) => {
            let own_key = key.is_some_and(|k| u.access_keys.iter().any(|x| x.id == k));
            let as_user = s(ui, "/type") == Some("IAMUser") && s(ui, "/userName") == Some(u.name.as_str());
            own_key || as_user || mentions(event.get("requestParameters"), &u.name, "userName")
        }
        Subject::Role(r) => {
            s(ui, "/sessionContext/sessionIssuer/userName") == Some(r.name.as_str())
                || mentions(event.get("requestParameters"), &r.name, "roleName")
        }
        Subject::Instance(i) => {
            let session = s(ui, "/principalId").and_then(|p| p.rsplit(':').next()) == Some(i.instance_id.as_str());
            session || contains_string(event.get("requestParameters"), &i.instance_id, 0)
        }
        Subject::Bucket(b) => mentions(event.get("requestParameters"), &b.bucket, "bucketName"),
    }
}

fn mentions(params: Option<&Value>, name: &str, key: &str) -> bool {
    params.and_then(|p| p.get(key)).and_then(Value::as_str) == Some(name)
}

fn s<'a>(v: Option<&'a Value>, pointer: &str) -> Option<&'a str> {
    v.and_then(|v| v.pointer(pointer)).and_then(Value::as_str)
}

/// Whether `needle` is one of the strings in `v` (bounded depth: events are untrusted).
fn contains_string(v: Option<&Value>, needle: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v {
        Some(Value::String(s)) => s == needle,
        Some(Value::Array(a)) => a.iter().any(|x| contains_string(Some(x), needle, depth + 1)),
        Some(Value::Object(m)) => m.values().any(|x| contains_string(Some(x), needle, depth + 1)),
        _ => false,
    }
}

/// The snapshot ids a run created, from the bindings of its steps (`snapshot:vol-…`).
pub fn snapshot_ids(vars: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    vars.iter().filter_map(|(k, v)| k.strip_prefix("snapshot:").map(|vol| (vol.to_owned(), v.clone()))).collect()
}

/// Every security group an instance's interfaces use.
pub fn groups_of(i: &InstanceState) -> BTreeSet<String> {
    i.interfaces.iter().flat_map(|e| e.groups.iter().cloned()).collect()
}
