//! What a fix changes: one setting of one resource, read as a small JSON *state*.
//!
//! Every target answers three questions, all pure:
//! - [`Target::desired`]: the state that makes the check pass, given the current one
//!   (the current state when it already does — that is what makes `apply` idempotent);
//! - [`Target::calls`]: the API requests that take the resource from one state to
//!   another. Apply is `calls(current, desired)`; undo is `calls(current, before)`;
//! - whether it is disruptive (can break traffic or access) and reversible.
//!
//! The executor (in `warden-aws`) only reads states and performs calls, so what a plan
//! prints is exactly what apply does.

use crate::call::Call;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub const IPV4_WORLD: &str = "0.0.0.0/0";
pub const IPV6_WORLD: &str = "::/0";
/// The Sid of the statement Warden adds to enforce TLS on a bucket.
pub const TLS_SID: &str = "WardenDenyInsecureTransport";
/// Namespace of the CIS 5.x metrics Warden's filters publish.
pub const METRIC_NAMESPACE: &str = "Warden/CIS";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    AccountPublicAccessBlock {
        account_id: String,
    },
    BucketPublicAccessBlock {
        bucket: String,
    },
    BucketTlsOnly {
        bucket: String,
    },
    BucketEncryption {
        bucket: String,
    },
    BucketVersioning {
        bucket: String,
    },
    BucketLogging {
        bucket: String,
        target_bucket: String,
    },
    EbsDefaultEncryption,
    KeyRotation {
        key_id: String,
    },
    KeyDeletionCancelled {
        key_id: String,
    },
    PasswordPolicy,
    AccessKeyInactive {
        user: String,
        access_key_id: String,
    },
    LoginProfileRemoved {
        user: String,
    },
    /// Ingress rules of a group open to the world on `ports`; with `replace_cidr`, each is
    /// re-created for that range instead.
    SecurityGroupWorldIngress {
        group_id: String,
        ports: Vec<u16>,
        replace_cidr: Option<String>,
    },
    DefaultSecurityGroupClosed {
        group_id: String,
    },
    NetworkAclAdminDeny {
        network_acl_id: String,
        ports: Vec<u16>,
    },
    InstanceImdsV2 {
        instance_id: String,
    },
    VpcFlowLogs {
        vpc_id: String,
        destination: String,
    },
    TrailMultiRegion {
        trail: String,
    },
    TrailLogFileValidation {
        trail: String,
    },
    TrailKmsEncryption {
        trail: String,
        key_id: String,
    },
    TrailS3DataEvents {
        trail: String,
        read_write: String,
    },
    ConfigRecorder {
        role_arn: String,
        bucket: String,
    },
    GuardDuty,
    SecurityHub,
    AccessAnalyzer,
    Macie,
    /// A CIS 5.x metric filter on the trail's log group, and an alarm on it to a topic.
    MetricFilterAlarm {
        check_id: String,
        log_group: String,
        topic_arn: String,
    },
    SnapshotNotPublic {
        snapshot_id: String,
    },
    DbInstanceNotPublic {
        db_instance: String,
    },
    DbInstanceMinorUpgrades {
        db_instance: String,
    },
    SecurityContact {
        name: String,
        email: String,
        phone: String,
        title: String,
    },
}

/// The API shape of one security group rule, flattened: one protocol/port range and one
/// source (IPv4 range, IPv6 range or group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct SgRule {
    #[serde(rename = "IpProtocol")]
    pub protocol: String,
    #[serde(rename = "FromPort")]
    pub from_port: i32,
    #[serde(rename = "ToPort")]
    pub to_port: i32,
    #[serde(rename = "CidrIpv4", default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv4: Option<String>,
    #[serde(rename = "CidrIpv6", default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<String>,
    #[serde(rename = "ReferencedGroupId", default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl SgRule {
    /// Whether the rule admits any of `ports` over TCP (protocol `-1` covers all).
    pub fn covers_any(&self, ports: &[u16]) -> bool {
        match self.protocol.as_str() {
            "-1" => true,
            "tcp" | "6" => ports.iter().any(|p| (self.from_port..=self.to_port).contains(&i32::from(*p))),
            _ => false,
        }
    }

    fn source(&self) -> Option<&str> {
        self.cidr_ipv4.as_deref().or(self.cidr_ipv6.as_deref())
    }

    /// The `IpPermissions` element that names exactly this rule.
    pub fn permission(&self) -> Value {
        let mut p = json!({"IpProtocol": self.protocol, "FromPort": self.from_port, "ToPort": self.to_port});
        let desc = self.description.as_ref().map(|d| json!(d));
        if let Some(c) = &self.cidr_ipv4 {
            p["IpRanges"] = json!([{"CidrIp": c, "Description": desc}]);
        } else if let Some(c) = &self.cidr_ipv6 {
            p["Ipv6Ranges"] = json!([{"CidrIpv6": c, "Description": desc}]);
        } else if let Some(g) = &self.group {
            p["UserIdGroupPairs"] = json!([{"GroupId": g, "Description": desc}]);
        }
        p
    }
}

/// One network ACL entry, as the executor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct AclEntry {
    #[serde(rename = "RuleNumber")]
    pub rule_number: i32,
    #[serde(rename = "Protocol")]
    pub protocol: String,
    #[serde(rename = "RuleAction")]
    pub action: String,
    #[serde(rename = "CidrBlock", default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(rename = "Ipv6CidrBlock", default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<String>,
    #[serde(rename = "PortRange", default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<(i32, i32)>,
}

impl AclEntry {
    fn covers(&self, port: u16) -> bool {
        match self.protocol.as_str() {
            "-1" => true,
            "6" | "tcp" => self.ports.is_none_or(|(a, b)| (a..=b).contains(&i32::from(port))),
            _ => false,
        }
    }
}

/// A metric filter Warden writes for a CIS 5.x check (`data/cis-metric-filters.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    pub check: String,
    pub cis: String,
    pub metric: String,
    pub pattern: String,
}

#[derive(Deserialize)]
struct FilterFile {
    filters: Vec<FilterSpec>,
}

/// Every CIS 5.x filter, parsed once.
pub fn filter_specs() -> Result<&'static [FilterSpec], String> {
    static SPECS: std::sync::OnceLock<Result<Vec<FilterSpec>, String>> = std::sync::OnceLock::new();
    SPECS
        .get_or_init(|| {
            serde_yaml_ng::from_str::<FilterFile>(include_str!("../data/cis-metric-filters.yaml"))
                .map(|f| f.filters)
                .map_err(|e| format!("built-in data `data/cis-metric-filters.yaml`: {e}"))
        })
        .as_deref()
        .map_err(Clone::clone)
}

pub fn filter_spec(check_id: &str) -> Result<&'static FilterSpec, String> {
    filter_specs()?.iter().find(|s| s.check == check_id).ok_or_else(|| format!("no metric filter for `{check_id}`"))
}

impl Target {
    /// Can break traffic or access: needs `--allow-disruptive`.
    pub fn disruptive(&self) -> bool {
        use Target::*;
        matches!(
            self,
            BucketPublicAccessBlock { .. }
                | AccessKeyInactive { .. }
                | LoginProfileRemoved { .. }
                | SecurityGroupWorldIngress { .. }
                | DefaultSecurityGroupClosed { .. }
                | NetworkAclAdminDeny { .. }
                | InstanceImdsV2 { .. }
                | SnapshotNotPublic { .. }
                | DbInstanceNotPublic { .. }
                | AccountPublicAccessBlock { .. }
        )
    }

    /// Whether `fix undo` can restore the state before (a deleted console password
    /// cannot be brought back; Warden never sees it).
    pub fn reversible(&self) -> bool {
        !matches!(self, Target::LoginProfileRemoved { .. })
    }

    /// A short imperative description for plans and audit records.
    pub fn describe(&self) -> String {
        use Target::*;
        match self {
            AccountPublicAccessBlock { account_id } => {
                format!("turn on all four S3 Block Public Access settings for account {account_id}")
            }
            BucketPublicAccessBlock { bucket } => {
                format!("turn on all four S3 Block Public Access settings on bucket {bucket}")
            }
            BucketTlsOnly { bucket } => {
                format!("add a statement to bucket {bucket}'s policy that denies requests without TLS")
            }
            BucketEncryption { bucket } => format!("set default encryption (SSE-S3) on bucket {bucket}"),
            BucketVersioning { bucket } => format!("enable versioning on bucket {bucket}"),
            BucketLogging { bucket, target_bucket } => {
                format!("send bucket {bucket}'s server access logs to {target_bucket}")
            }
            EbsDefaultEncryption => "turn on EBS encryption by default".into(),
            KeyRotation { key_id } => format!("turn on yearly rotation of KMS key {key_id}"),
            KeyDeletionCancelled { key_id } => {
                format!("cancel the scheduled deletion of KMS key {key_id} (it stays disabled)")
            }
            PasswordPolicy => "require passwords of 14+ characters that do not repeat the last 24".into(),
            AccessKeyInactive { user, access_key_id } => {
                format!("deactivate access key {access_key_id} of user {user}")
            }
            LoginProfileRemoved { user } => format!("remove the unused console password of user {user}"),
            SecurityGroupWorldIngress { group_id, ports, replace_cidr } => match replace_cidr {
                Some(c) => format!("limit ingress to ports {ports:?} of {group_id} from the internet to {c}"),
                None => format!("remove ingress to ports {ports:?} of {group_id} from the internet"),
            },
            DefaultSecurityGroupClosed { group_id } => {
                format!("remove every rule of default security group {group_id}")
            }
            NetworkAclAdminDeny { network_acl_id, ports } => {
                format!("deny ports {ports:?} from the internet in network ACL {network_acl_id}, ahead of its allow")
            }
            InstanceImdsV2 { instance_id } => format!("require IMDSv2 (session tokens) on instance {instance_id}"),
            VpcFlowLogs { vpc_id, destination } => format!("log all traffic of {vpc_id} to {destination}"),
            TrailMultiRegion { trail } => format!("make trail {trail} multi-region and logging"),
            TrailLogFileValidation { trail } => format!("turn on log file validation for trail {trail}"),
            TrailKmsEncryption { trail, key_id } => format!("encrypt trail {trail}'s logs with KMS key {key_id}"),
            TrailS3DataEvents { trail, read_write } => {
                format!("log S3 object-level {read_write} events on trail {trail}")
            }
            ConfigRecorder { .. } => "record all resources with AWS Config and deliver to a bucket".into(),
            GuardDuty => "enable GuardDuty".into(),
            SecurityHub => "enable Security Hub with its default standards".into(),
            AccessAnalyzer => "create an account IAM Access Analyzer".into(),
            Macie => "enable Amazon Macie".into(),
            MetricFilterAlarm { check_id, log_group, topic_arn } => {
                let cis = filter_spec(check_id).map(|s| s.cis.clone()).unwrap_or_default();
                format!("create the CIS {cis} metric filter on {log_group} and an alarm notifying {topic_arn}")
            }
            SnapshotNotPublic { snapshot_id } => format!("stop sharing snapshot {snapshot_id} publicly"),
            DbInstanceNotPublic { db_instance } => format!("make DB instance {db_instance} not publicly accessible"),
            DbInstanceMinorUpgrades { db_instance } => {
                format!("turn on automatic minor version upgrades for {db_instance}")
            }
            SecurityContact { email, .. } => format!("register {email} as the account's security contact"),
        }
    }

    /// The state that makes the check pass, starting from `current`.
    pub fn desired(&self, current: &Value) -> Result<Value, String> {
        use Target::*;
        Ok(match self {
            AccountPublicAccessBlock { .. } | BucketPublicAccessBlock { .. } => json!({
                "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true
            }),
            BucketTlsOnly { bucket } => tls_policy(bucket, current),
            BucketEncryption { .. } => match current {
                Value::Null => json!({"SSEAlgorithm": "AES256"}),
                v => v.clone(),
            },
            BucketVersioning { .. } => json!({"Status": "Enabled"}),
            BucketLogging { bucket, target_bucket } => match current {
                Value::Null => json!({"TargetBucket": target_bucket, "TargetPrefix": format!("{bucket}/")}),
                v => v.clone(),
            },
            EbsDefaultEncryption | KeyRotation { .. } | SecurityHub => json!({"Enabled": true}),
            KeyDeletionCancelled { .. } => match current.get("KeyState").and_then(Value::as_str) {
                Some("PendingDeletion") => json!({"KeyState": "Disabled"}),
                _ => current.clone(),
            },
            PasswordPolicy => password_policy(current),
            AccessKeyInactive { .. } => json!({"Status": "Inactive"}),
            LoginProfileRemoved { .. } => json!({"Exists": false}),
            SecurityGroupWorldIngress { ports, replace_cidr, .. } => sg_world(current, ports, replace_cidr.as_deref())?,
            DefaultSecurityGroupClosed { .. } => json!({"Ingress": [], "Egress": []}),
            NetworkAclAdminDeny { ports, .. } => acl_deny(current, ports)?,
            InstanceImdsV2 { .. } => json!({"HttpTokens": "required"}),
            VpcFlowLogs { destination, .. } => match current.get("FlowLogs").and_then(Value::as_array) {
                Some(l) if !l.is_empty() => current.clone(),
                _ => json!({"FlowLogs": [{"LogDestination": destination}]}),
            },
            TrailMultiRegion { .. } => json!({"IsMultiRegionTrail": true, "IsLogging": true}),
            TrailLogFileValidation { .. } => json!({"LogFileValidationEnabled": true}),
            TrailKmsEncryption { key_id, .. } => match current.get("KmsKeyId") {
                Some(Value::String(_)) => current.clone(),
                _ => json!({"KmsKeyId": key_id}),
            },
            TrailS3DataEvents { read_write, .. } => data_events(current, read_write)?,
            ConfigRecorder { role_arn, bucket } => config_recorder(current, role_arn, bucket),
            GuardDuty => guardduty(current),
            AccessAnalyzer => match current.get("Analyzers").and_then(Value::as_array) {
                Some(l) if !l.is_empty() => current.clone(),
                _ => json!({"Analyzers": [{"AnalyzerName": "warden-account-analyzer", "Type": "ACCOUNT"}]}),
            },
            Macie => json!({"Status": "ENABLED"}),
            MetricFilterAlarm { check_id, topic_arn, .. } => metric_alarm(check_id, topic_arn)?,
            SnapshotNotPublic { .. } => json!({"Public": false}),
            DbInstanceNotPublic { .. } => json!({"PubliclyAccessible": false}),
            DbInstanceMinorUpgrades { .. } => json!({"AutoMinorVersionUpgrade": true}),
            SecurityContact { name, email, phone, title } => json!({"Contact": {
                "Name": name, "EmailAddress": email, "PhoneNumber": phone, "Title": title
            }}),
        })
    }

    /// The requests that take the resource from state `from` to state `to`, in order.
    /// Empty when they are equal.
    pub fn calls(&self, region: &str, from: &Value, to: &Value) -> Result<Vec<Call>, String> {
        if from == to {
            return Ok(Vec::new());
        }
        use Target::*;
        let c = |service: &str, op: &str, params: Value| Call::new(service, op, region, params);
        let g = |service: &str, op: &str, params: Value| Call::new(service, op, "global", params);
        let flag = |k: &str| to.get(k).and_then(Value::as_bool).unwrap_or(false);
        Ok(match self {
            AccountPublicAccessBlock { account_id } => vec![match to {
                Value::Null => g("s3control", "DeletePublicAccessBlock", json!({"AccountId": account_id})),
                cfg => g(
                    "s3control",
                    "PutPublicAccessBlock",
                    json!({"AccountId": account_id, "PublicAccessBlockConfiguration": cfg}),
                ),
            }],
            BucketPublicAccessBlock { bucket } => vec![match to {
                Value::Null => c("s3", "DeletePublicAccessBlock", json!({"Bucket": bucket})),
                cfg => {
                    c("s3", "PutPublicAccessBlock", json!({"Bucket": bucket, "PublicAccessBlockConfiguration": cfg}))
                }
            }],
            BucketTlsOnly { bucket } => vec![match to {
                Value::Null => c("s3", "DeleteBucketPolicy", json!({"Bucket": bucket})),
                doc => c("s3", "PutBucketPolicy", json!({"Bucket": bucket, "Policy": doc.to_string()})),
            }],
            BucketEncryption { bucket } => vec![match to {
                Value::Null => c("s3", "DeleteBucketEncryption", json!({"Bucket": bucket})),
                rule => c(
                    "s3",
                    "PutBucketEncryption",
                    json!({"Bucket": bucket, "ServerSideEncryptionConfiguration": {
                        "Rules": [{"ApplyServerSideEncryptionByDefault": rule}]
                    }}),
                ),
            }],
            BucketVersioning { bucket } => {
                // A bucket that never had versioning cannot go back to "never": Suspended.
                let status = to.get("Status").and_then(Value::as_str).unwrap_or("Suspended");
                vec![c(
                    "s3",
                    "PutBucketVersioning",
                    json!({"Bucket": bucket, "VersioningConfiguration": {"Status": status}}),
                )]
            }
            BucketLogging { bucket, .. } => {
                vec![c(
                    "s3",
                    "PutBucketLogging",
                    json!({"Bucket": bucket, "BucketLoggingStatus": {"LoggingEnabled": to}}),
                )]
            }
            EbsDefaultEncryption => vec![if flag("Enabled") {
                c("ec2", "EnableEbsEncryptionByDefault", json!({}))
            } else {
                c("ec2", "DisableEbsEncryptionByDefault", json!({}))
            }],
            KeyRotation { key_id } => {
                let op = if flag("Enabled") { "EnableKeyRotation" } else { "DisableKeyRotation" };
                vec![c("kms", op, json!({"KeyId": key_id}))]
            }
            KeyDeletionCancelled { key_id } => key_state(key_id, from, to, &c)?,
            PasswordPolicy => vec![match to {
                Value::Null => g("iam", "DeleteAccountPasswordPolicy", json!({})),
                p => g("iam", "UpdateAccountPasswordPolicy", p.clone()),
            }],
            AccessKeyInactive { user, access_key_id } => {
                let status = to.get("Status").and_then(Value::as_str).unwrap_or("Inactive");
                vec![g(
                    "iam",
                    "UpdateAccessKey",
                    json!({"UserName": user, "AccessKeyId": access_key_id, "Status": status}),
                )]
            }
            LoginProfileRemoved { user } => {
                if flag("Exists") {
                    return Err(format!("the console password of {user} cannot be restored: set a new one"));
                }
                vec![g("iam", "DeleteLoginProfile", json!({"UserName": user}))]
            }
            SecurityGroupWorldIngress { group_id, .. } => sg_diff(group_id, "Rules", "Ingress", from, to, &c)?,
            DefaultSecurityGroupClosed { group_id } => {
                let mut v = sg_diff(group_id, "Ingress", "Ingress", from, to, &c)?;
                v.extend(sg_diff(group_id, "Egress", "Egress", from, to, &c)?);
                v
            }
            NetworkAclAdminDeny { network_acl_id, .. } => acl_diff(network_acl_id, from, to, &c)?,
            InstanceImdsV2 { instance_id } => vec![c(
                "ec2",
                "ModifyInstanceMetadataOptions",
                json!({"InstanceId": instance_id, "HttpTokens": to.get("HttpTokens"), "HttpEndpoint": "enabled"}),
            )],
            VpcFlowLogs { vpc_id, .. } => flow_log_diff(vpc_id, from, to, &c)?,
            TrailMultiRegion { trail } => {
                let mut v = Vec::new();
                if from.get("IsMultiRegionTrail") != to.get("IsMultiRegionTrail") {
                    v.push(c(
                        "cloudtrail",
                        "UpdateTrail",
                        json!({"Name": trail, "IsMultiRegionTrail": flag("IsMultiRegionTrail")}),
                    ));
                }
                if from.get("IsLogging") != to.get("IsLogging") {
                    let op = if flag("IsLogging") { "StartLogging" } else { "StopLogging" };
                    v.push(c("cloudtrail", op, json!({"Name": trail})));
                }
                v
            }
            TrailLogFileValidation { trail } => vec![c(
                "cloudtrail",
                "UpdateTrail",
                json!({"Name": trail, "EnableLogFileValidation": flag("LogFileValidationEnabled")}),
            )],
            TrailKmsEncryption { trail, .. } => {
                // An empty key id removes encryption (the API's way to undo).
                let key = to.get("KmsKeyId").and_then(Value::as_str).unwrap_or("");
                vec![c("cloudtrail", "UpdateTrail", json!({"Name": trail, "KmsKeyId": key}))]
            }
            TrailS3DataEvents { trail, .. } => vec![c(
                "cloudtrail",
                "PutEventSelectors",
                json!({"TrailName": trail, "EventSelectors": to.get("EventSelectors").cloned().unwrap_or(json!([]))}),
            )],
            ConfigRecorder { .. } => config_diff(from, to, &c),
            GuardDuty => guardduty_diff(from, to, &c),
            SecurityHub => vec![if flag("Enabled") {
                c("securityhub", "EnableSecurityHub", json!({"EnableDefaultStandards": true}))
            } else {
                c("securityhub", "DisableSecurityHub", json!({}))
            }],
            AccessAnalyzer => named_diff(from, to, "Analyzers", "AnalyzerName", |a| {
                (
                    c("accessanalyzer", "CreateAnalyzer", a.clone()),
                    c("accessanalyzer", "DeleteAnalyzer", json!({"AnalyzerName": a.get("AnalyzerName")})),
                )
            }),
            Macie => vec![match to.get("Status").and_then(Value::as_str) {
                Some("ENABLED") if from.get("Status").is_some_and(|s| !s.is_null()) => {
                    c("macie2", "UpdateMacieSession", json!({"Status": "ENABLED"}))
                }
                Some(s) => c("macie2", "EnableMacie", json!({"Status": s})),
                None => c("macie2", "DisableMacie", json!({})),
            }],
            MetricFilterAlarm { log_group, .. } => metric_diff(log_group, from, to, &c),
            SnapshotNotPublic { snapshot_id } => {
                let op = if flag("Public") { "add" } else { "remove" };
                vec![c(
                    "ec2",
                    "ModifySnapshotAttribute",
                    json!({"SnapshotId": snapshot_id, "Attribute": "createVolumePermission", "OperationType": op, "GroupNames": ["all"]}),
                )]
            }
            DbInstanceNotPublic { db_instance } => vec![c(
                "rds",
                "ModifyDBInstance",
                json!({"DBInstanceIdentifier": db_instance, "PubliclyAccessible": flag("PubliclyAccessible"), "ApplyImmediately": true}),
            )],
            DbInstanceMinorUpgrades { db_instance } => vec![c(
                "rds",
                "ModifyDBInstance",
                json!({"DBInstanceIdentifier": db_instance, "AutoMinorVersionUpgrade": flag("AutoMinorVersionUpgrade"), "ApplyImmediately": true}),
            )],
            SecurityContact { .. } => vec![match to.get("Contact") {
                Some(Value::Object(m)) => {
                    let mut p = m.clone();
                    p.insert("AlternateContactType".into(), json!("SECURITY"));
                    g("account", "PutAlternateContact", Value::Object(p))
                }
                _ => g("account", "DeleteAlternateContact", json!({"AlternateContactType": "SECURITY"})),
            }],
        })
    }
}

fn tls_policy(bucket: &str, current: &Value) -> Value {
    let mut doc = match current {
        Value::Object(_) => current.clone(),
        _ => json!({"Version": "2012-10-17"}),
    };
    // `Statement` may be one object or a list: the result is always a list.
    let mut statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    if !statements.iter().any(|s| s.get("Sid").and_then(Value::as_str) == Some(TLS_SID)) {
        statements.push(json!({
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }));
    }
    doc["Statement"] = Value::Array(statements);
    doc
}

fn password_policy(current: &Value) -> Value {
    let mut p = match current {
        Value::Object(m) => m.clone(),
        _ => {
            let mut m = Map::new();
            m.insert("AllowUsersToChangePassword".into(), json!(true));
            m
        }
    };
    let at_least = |p: &mut Map<String, Value>, k: &str, n: u64| {
        let cur = p.get(k).and_then(Value::as_u64).unwrap_or(0);
        p.insert(k.into(), json!(cur.max(n)));
    };
    at_least(&mut p, "MinimumPasswordLength", 14);
    at_least(&mut p, "PasswordReusePrevention", 24);
    Value::Object(p)
}

fn rules(state: &Value, key: &str) -> Result<Vec<SgRule>, String> {
    match state.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("security group state `{key}`: {e}")),
    }
}

fn sg_world(current: &Value, ports: &[u16], replace: Option<&str>) -> Result<Value, String> {
    let mut out = Vec::new();
    for r in rules(current, "Rules")? {
        let world = matches!(r.source(), Some(IPV4_WORLD | IPV6_WORLD)) && r.covers_any(ports);
        if !world {
            out.push(r);
            continue;
        }
        if let (Some(cidr), Some(_)) = (replace, &r.cidr_ipv4) {
            let narrowed = SgRule {
                cidr_ipv4: Some(cidr.to_owned()),
                description: Some(format!("narrowed from 0.0.0.0/0 by warden fix{}", describe_suffix(&r))),
                ..r.clone()
            };
            if !out.iter().any(|o: &SgRule| same_grant(o, &narrowed)) {
                out.push(narrowed);
            }
        }
    }
    out.sort();
    Ok(json!({"Rules": out}))
}

fn describe_suffix(r: &SgRule) -> String {
    r.description.as_deref().filter(|d| !d.is_empty()).map(|d| format!(" ({d})")).unwrap_or_default()
}

/// Two rules grant the same thing (descriptions aside).
fn same_grant(a: &SgRule, b: &SgRule) -> bool {
    (&a.protocol, a.from_port, a.to_port, &a.cidr_ipv4, &a.cidr_ipv6, &a.group)
        == (&b.protocol, b.from_port, b.to_port, &b.cidr_ipv4, &b.cidr_ipv6, &b.group)
}

fn sg_diff(
    group_id: &str,
    key: &str,
    direction: &str,
    from: &Value,
    to: &Value,
    c: &dyn Fn(&str, &str, Value) -> Call,
) -> Result<Vec<Call>, String> {
    let (before, after) = (rules(from, key)?, rules(to, key)?);
    let gone: Vec<Value> =
        before.iter().filter(|r| !after.iter().any(|a| same_grant(a, r))).map(SgRule::permission).collect();
    let new: Vec<Value> =
        after.iter().filter(|r| !before.iter().any(|b| same_grant(b, r))).map(SgRule::permission).collect();
    let mut v = Vec::new();
    // Add the replacement before removing the world rule, so access never lapses.
    if !new.is_empty() {
        v.push(c(
            "ec2",
            &format!("AuthorizeSecurityGroup{direction}"),
            json!({"GroupId": group_id, "IpPermissions": new}),
        ));
    }
    if !gone.is_empty() {
        v.push(c(
            "ec2",
            &format!("RevokeSecurityGroup{direction}"),
            json!({"GroupId": group_id, "IpPermissions": gone}),
        ));
    }
    Ok(v)
}

fn entries(state: &Value) -> Result<Vec<AclEntry>, String> {
    match state.get("Entries") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("network ACL state: {e}")),
    }
}

/// Inbound deny entries for each admin port, numbered just ahead of the first entry
/// that lets the whole IPv4 internet in on that port.
fn acl_deny(current: &Value, ports: &[u16]) -> Result<Value, String> {
    let mut all = entries(current)?;
    all.sort();
    for port in ports {
        let decisive = all.iter().find(|e| e.cidr.as_deref() == Some(IPV4_WORLD) && e.covers(*port));
        let Some(first) = decisive else { continue };
        if first.action == "deny" {
            continue;
        }
        let slot = (1..first.rule_number).rev().find(|n| !all.iter().any(|e| e.rule_number == *n));
        let Some(n) = slot else {
            return Err(format!("no free rule number below {} to deny port {port}", first.rule_number));
        };
        all.push(AclEntry {
            rule_number: n,
            protocol: "6".into(),
            action: "deny".into(),
            cidr: Some(IPV4_WORLD.into()),
            ipv6_cidr: None,
            ports: Some((i32::from(*port), i32::from(*port))),
        });
        all.sort();
    }
    Ok(json!({"Entries": all}))
}

fn acl_diff(acl: &str, from: &Value, to: &Value, c: &dyn Fn(&str, &str, Value) -> Call) -> Result<Vec<Call>, String> {
    let (before, after) = (entries(from)?, entries(to)?);
    let mut v = Vec::new();
    for e in before.iter().filter(|e| !after.contains(e)) {
        v.push(c(
            "ec2",
            "DeleteNetworkAclEntry",
            json!({"NetworkAclId": acl, "RuleNumber": e.rule_number, "Egress": false}),
        ));
    }
    for e in after.iter().filter(|e| !before.contains(e)) {
        v.push(c(
            "ec2",
            "CreateNetworkAclEntry",
            json!({
                "NetworkAclId": acl, "RuleNumber": e.rule_number, "Protocol": e.protocol, "RuleAction": e.action,
                "Egress": false, "CidrBlock": e.cidr, "Ipv6CidrBlock": e.ipv6_cidr,
                "PortRange": e.ports.map(|(a, b)| json!({"From": a, "To": b})),
            }),
        ));
    }
    Ok(v)
}

fn flow_log_diff(
    vpc: &str,
    from: &Value,
    to: &Value,
    c: &dyn Fn(&str, &str, Value) -> Call,
) -> Result<Vec<Call>, String> {
    let list = |s: &Value| s.get("FlowLogs").and_then(Value::as_array).cloned().unwrap_or_default();
    let (before, after) = (list(from), list(to));
    let mut v = Vec::new();
    let gone: Vec<Value> =
        before.iter().filter(|f| !after.contains(f)).filter_map(|f| f.get("FlowLogId").cloned()).collect();
    if !gone.is_empty() {
        v.push(c("ec2", "DeleteFlowLogs", json!({"FlowLogIds": gone})));
    }
    for f in after.iter().filter(|f| f.get("FlowLogId").is_none()) {
        let dest = f.get("LogDestination").and_then(Value::as_str).ok_or("a new flow log needs a destination")?;
        v.push(c(
            "ec2",
            "CreateFlowLogs",
            json!({"ResourceIds": [vpc], "ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "s3", "LogDestination": dest}),
        ));
    }
    Ok(v)
}

fn key_state(key: &str, from: &Value, to: &Value, c: &dyn Fn(&str, &str, Value) -> Call) -> Result<Vec<Call>, String> {
    let s = |v: &Value| v.get("KeyState").and_then(Value::as_str).map(str::to_owned).unwrap_or_default();
    let id = json!({"KeyId": key});
    Ok(match (s(from).as_str(), s(to).as_str()) {
        ("PendingDeletion", "Disabled") => vec![c("kms", "CancelKeyDeletion", id)],
        ("PendingDeletion", "Enabled") => vec![c("kms", "CancelKeyDeletion", id.clone()), c("kms", "EnableKey", id)],
        (_, "PendingDeletion") => {
            vec![c("kms", "ScheduleKeyDeletion", json!({"KeyId": key, "PendingWindowInDays": 30}))]
        }
        ("Disabled", "Enabled") => vec![c("kms", "EnableKey", id)],
        ("Enabled", "Disabled") => vec![c("kms", "DisableKey", id)],
        (a, b) => return Err(format!("cannot take key {key} from {a} to {b}")),
    })
}

fn data_events(current: &Value, read_write: &str) -> Result<Value, String> {
    if current.get("AdvancedEventSelectors").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
        return Err("the trail uses advanced event selectors: add an S3 data event selector by hand".into());
    }
    let mut selectors = current.get("EventSelectors").and_then(Value::as_array).cloned().unwrap_or_default();
    let covers = |s: &Value| {
        let rw = s.get("ReadWriteType").and_then(Value::as_str).unwrap_or("All");
        let rw_ok = rw == "All" || rw == read_write;
        let s3_all = s.get("DataResources").and_then(Value::as_array).is_some_and(|d| {
            d.iter().any(|r| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::S3::Object")
                    && r.get("Values")
                        .and_then(Value::as_array)
                        .is_some_and(|v| v.iter().any(|x| matches!(x.as_str(), Some("arn:aws:s3" | "arn:aws:s3:::"))))
            })
        });
        rw_ok && s3_all
    };
    if !selectors.iter().any(covers) {
        selectors.push(json!({
            "ReadWriteType": read_write,
            "IncludeManagementEvents": false,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]
        }));
    }
    Ok(json!({"EventSelectors": selectors}))
}

fn config_recorder(current: &Value, role_arn: &str, bucket: &str) -> Value {
    let mut recorder = current
        .get("Recorder")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| json!({"name": "default", "roleARN": role_arn}));
    recorder["recordingGroup"] = json!({"allSupported": true, "includeGlobalResourceTypes": true});
    let channel = current
        .get("Channel")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| json!({"name": "default", "s3BucketName": bucket}));
    json!({"Recorder": recorder, "Channel": channel, "Recording": true})
}

fn config_diff(from: &Value, to: &Value, c: &dyn Fn(&str, &str, Value) -> Call) -> Vec<Call> {
    let part = |s: &Value, k: &str| s.get(k).filter(|v| !v.is_null()).cloned();
    let name = |s: &Value| part(s, "Recorder").and_then(|r| r.get("name").cloned()).unwrap_or(json!("default"));
    let recording = |s: &Value| s.get("Recording").and_then(Value::as_bool).unwrap_or(false);
    let mut v = Vec::new();
    if recording(from) && !recording(to) {
        v.push(c("config", "StopConfigurationRecorder", json!({"ConfigurationRecorderName": name(from)})));
    }
    match (part(from, "Recorder"), part(to, "Recorder")) {
        (a, Some(b)) if a.as_ref() != Some(&b) => {
            v.push(c("config", "PutConfigurationRecorder", json!({"ConfigurationRecorder": b})));
        }
        _ => {}
    }
    match (part(from, "Channel"), part(to, "Channel")) {
        (a, Some(b)) if a.as_ref() != Some(&b) => {
            v.push(c("config", "PutDeliveryChannel", json!({"DeliveryChannel": b})))
        }
        (Some(a), None) => v.push(c("config", "DeleteDeliveryChannel", json!({"DeliveryChannelName": a.get("name")}))),
        _ => {}
    }
    if let (Some(_), None) = (part(from, "Recorder"), part(to, "Recorder")) {
        v.push(c("config", "DeleteConfigurationRecorder", json!({"ConfigurationRecorderName": name(from)})));
    }
    if !recording(from) && recording(to) {
        v.push(c("config", "StartConfigurationRecorder", json!({"ConfigurationRecorderName": name(to)})));
    }
    v
}

fn guardduty(current: &Value) -> Value {
    let list = current.get("Detectors").and_then(Value::as_array).cloned().unwrap_or_default();
    if list.is_empty() {
        return json!({"Detectors": [{"Status": "ENABLED"}]});
    }
    let enabled: Vec<Value> = list
        .into_iter()
        .map(|mut d| {
            d["Status"] = json!("ENABLED");
            d
        })
        .collect();
    json!({"Detectors": enabled})
}

fn guardduty_diff(from: &Value, to: &Value, c: &dyn Fn(&str, &str, Value) -> Call) -> Vec<Call> {
    let list = |s: &Value| s.get("Detectors").and_then(Value::as_array).cloned().unwrap_or_default();
    let (before, after) = (list(from), list(to));
    let id = |d: &Value| d.get("DetectorId").cloned();
    let mut v = Vec::new();
    for d in &before {
        match after.iter().find(|a| id(a).is_some() && id(a) == id(d)) {
            None => v.push(c("guardduty", "DeleteDetector", json!({"DetectorId": id(d)}))),
            Some(a) if a.get("Status") != d.get("Status") => v.push(c(
                "guardduty",
                "UpdateDetector",
                json!({"DetectorId": id(d), "Enable": a.get("Status").and_then(Value::as_str) == Some("ENABLED")}),
            )),
            Some(_) => {}
        }
    }
    for _ in after.iter().filter(|a| id(a).is_none()) {
        v.push(c("guardduty", "CreateDetector", json!({"Enable": true})));
    }
    v
}

/// Items of a named list: create the new ones (no match by name before), delete the
/// ones that went away.
fn named_diff(from: &Value, to: &Value, list: &str, key: &str, ops: impl Fn(&Value) -> (Call, Call)) -> Vec<Call> {
    let items = |s: &Value| s.get(list).and_then(Value::as_array).cloned().unwrap_or_default();
    let (before, after) = (items(from), items(to));
    let named = |l: &[Value], x: &Value| l.iter().any(|y| y.get(key) == x.get(key));
    let mut v: Vec<Call> = before.iter().filter(|b| !named(&after, b)).map(|b| ops(b).1).collect();
    v.extend(after.iter().filter(|a| !named(&before, a)).map(|a| ops(a).0));
    v
}

/// The filter and alarm names for a CIS control.
pub fn metric_names(check_id: &str) -> Result<(String, String, &'static FilterSpec), String> {
    let spec = filter_spec(check_id)?;
    Ok((format!("warden-cis-{}-{}", spec.cis, spec.metric), format!("warden-cis-{}-{}", spec.cis, spec.metric), spec))
}

fn metric_alarm(check_id: &str, topic: &str) -> Result<Value, String> {
    let (filter, alarm, spec) = metric_names(check_id)?;
    Ok(json!({
        "Filter": {
            "filterName": filter,
            "filterPattern": spec.pattern,
            "metricTransformations": [{"metricName": spec.metric, "metricNamespace": METRIC_NAMESPACE, "metricValue": "1"}]
        },
        "Alarm": {
            "AlarmName": alarm,
            "AlarmDescription": format!("CIS AWS Foundations {}: {}", spec.cis, check_id),
            "MetricName": spec.metric,
            "Namespace": METRIC_NAMESPACE,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "ActionsEnabled": true,
            "AlarmActions": [topic]
        }
    }))
}

fn metric_diff(log_group: &str, from: &Value, to: &Value, c: &dyn Fn(&str, &str, Value) -> Call) -> Vec<Call> {
    let part = |s: &Value, k: &str| s.get(k).filter(|v| !v.is_null()).cloned();
    let mut v = Vec::new();
    match (part(from, "Filter"), part(to, "Filter")) {
        (a, Some(mut b)) if a.as_ref() != Some(&b) => {
            b["logGroupName"] = json!(log_group);
            v.push(c("logs", "PutMetricFilter", b));
        }
        (Some(a), None) => v.push(c(
            "logs",
            "DeleteMetricFilter",
            json!({"logGroupName": log_group, "filterName": a.get("filterName")}),
        )),
        _ => {}
    }
    match (part(from, "Alarm"), part(to, "Alarm")) {
        (a, Some(b)) if a.as_ref() != Some(&b) => v.push(c("cloudwatch", "PutMetricAlarm", b)),
        (Some(a), None) => v.push(c("cloudwatch", "DeleteAlarms", json!({"AlarmNames": [a.get("AlarmName")]}))),
        _ => {}
    }
    v
}
