//! From findings to fixes: which FAIL findings Warden knows how to put right, and the
//! [`Target`] each one changes. Pure: the executor in `warden-aws` reads the current
//! state and performs the calls.

use crate::target::{Target, filter_spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use warden_model::{Finding, Status};

/// Ports the "admin ports open to the world" checks mean (CIS 6.x: SSH, RDP).
pub const ADMIN_PORTS: [u16; 2] = [22, 3389];
const CIFS_PORTS: [u16; 1] = [445];

/// What some fixes need to be told: where logs go, which role and key to use.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Params {
    /// Bucket for S3 server access logs (`--log-bucket`).
    pub log_bucket: Option<String>,
    /// S3 bucket ARN for VPC flow logs (`--flow-log-bucket`).
    pub flow_log_destination: Option<String>,
    /// KMS key for CloudTrail (`--trail-kms-key`).
    pub trail_kms_key: Option<String>,
    /// Role AWS Config records with, and bucket it delivers to.
    pub config_role: Option<String>,
    pub config_bucket: Option<String>,
    /// SNS topic (with subscribers) the CIS 5.x alarms notify (`--alarm-topic`).
    pub alarm_topic: Option<String>,
    /// Log group for the CIS 5.x filters when no trail delivers to one yet.
    pub log_group: Option<String>,
    /// Narrow world-open admin rules to this range instead of removing them.
    pub replace_cidr: Option<String>,
    /// Security contact: name, email, phone, title.
    pub security_contact: Option<[String; 4]>,
}

/// One fix: the finding it answers and the setting it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub finding_id: String,
    pub check_id: String,
    pub account_id: String,
    /// The region the calls go to (`global` for IAM and the account).
    pub region: String,
    pub resource: String,
    pub target: Target,
}

impl Fix {
    pub fn disruptive(&self) -> bool {
        self.target.disruptive()
    }
}

/// A FAIL finding no fix is planned for, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub finding_id: String,
    pub check_id: String,
    pub resource: String,
    pub reason: String,
}

/// The checks `warden fix` has a remediation for.
pub fn fixable_checks() -> Vec<&'static str> {
    let mut v = vec![
        "s3_account_block_public_access",
        "s3_bucket_block_public_access",
        "s3_bucket_acl_not_public",
        "s3_bucket_policy_not_public",
        "s3_bucket_denies_insecure_transport",
        "s3_bucket_default_encryption",
        "s3_bucket_versioning_enabled",
        "s3_bucket_access_logging",
        "cloudtrail_bucket_access_logging",
        "ec2_ebs_default_encryption",
        "kms_cmk_rotation_enabled",
        "kms_cmk_not_pending_deletion",
        "iam_password_policy_min_length_14",
        "iam_password_policy_prevents_reuse",
        "iam_access_key_rotated_90_days",
        "iam_credentials_unused_45_days",
        "ec2_sg_no_admin_ports_from_ipv4_world",
        "ec2_sg_no_admin_ports_from_ipv6_world",
        "ec2_sg_no_cifs_from_world",
        "ec2_default_sg_restricts_all",
        "ec2_nacl_no_admin_ports_from_world",
        "ec2_instance_imdsv2_required",
        "ec2_vpc_flow_logs_enabled",
        "cloudtrail_multi_region_logging",
        "cloudtrail_log_file_validation",
        "cloudtrail_kms_encryption",
        "cloudtrail_s3_read_data_events",
        "cloudtrail_s3_write_data_events",
        "config_recorder_all_regions",
        "guardduty_enabled",
        "securityhub_enabled",
        "accessanalyzer_enabled",
        "macie_enabled",
        "ec2_ebs_snapshot_not_public",
        "rds_instance_not_publicly_accessible",
        "rds_instance_auto_minor_version_upgrade",
        "account_security_contact",
    ];
    if let Ok(specs) = crate::target::filter_specs() {
        v.extend(specs.iter().map(|s| s.check.as_str()));
    }
    v
}

/// The fixes for `findings` (FAIL only), and the FAIL findings left alone with the reason.
pub fn plan(findings: &[Finding], params: &Params) -> (Vec<Fix>, Vec<Skipped>) {
    let mut fixes: Vec<Fix> = Vec::new();
    let mut skipped = Vec::new();
    let fixable_checks = fixable_checks();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        let fixable = fixable_checks.contains(&f.check_id.as_str());
        match target(f, params) {
            Ok(Some((region, target))) => {
                let fix = Fix {
                    finding_id: f.id.clone(),
                    check_id: f.check_id.clone(),
                    account_id: f.resource.account_id.clone(),
                    region,
                    resource: f.resource.arn.clone(),
                    target,
                };
                // Two findings can need the same change (a bucket's ACL and policy both
                // answered by its Block Public Access): plan it once.
                if !fixes
                    .iter()
                    .any(|x| x.account_id == fix.account_id && x.region == fix.region && x.target == fix.target)
                {
                    fixes.push(fix);
                }
            }
            Ok(None) if !fixable => {}
            Ok(None) => skipped.push(skip(f, "nothing to change was found in the finding's evidence".into())),
            Err(reason) => skipped.push(skip(f, reason)),
        }
    }
    (fixes, skipped)
}

fn skip(f: &Finding, reason: String) -> Skipped {
    Skipped { finding_id: f.id.clone(), check_id: f.check_id.clone(), resource: f.resource.arn.clone(), reason }
}

fn need<'a>(v: &'a Option<String>, flag: &str) -> Result<&'a str, String> {
    v.as_deref().ok_or_else(|| format!("needs {flag}"))
}

/// The last `/`- or `:`-separated part of an ARN: a bucket, key id, group id, …
fn tail(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

fn evidence_str<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.evidence.get(key).and_then(Value::as_str)
}

/// The target for one finding and the region its calls go to; `None` for checks with no
/// remediation.
fn target(f: &Finding, p: &Params) -> Result<Option<(String, Target)>, String> {
    use Target::*;
    let arn = f.resource.arn.as_str();
    let region = f.resource.region.clone();
    let global = "global".to_owned();
    let bucket = || tail(arn).to_owned();
    let t = match f.check_id.as_str() {
        "s3_account_block_public_access" => {
            (global, AccountPublicAccessBlock { account_id: f.resource.account_id.clone() })
        }
        "s3_bucket_block_public_access" | "s3_bucket_acl_not_public" | "s3_bucket_policy_not_public" => {
            (region, BucketPublicAccessBlock { bucket: bucket() })
        }
        "s3_bucket_denies_insecure_transport" => (region, BucketTlsOnly { bucket: bucket() }),
        "s3_bucket_default_encryption" => (region, BucketEncryption { bucket: bucket() }),
        "s3_bucket_versioning_enabled" => (region, BucketVersioning { bucket: bucket() }),
        "s3_bucket_access_logging" => {
            let target_bucket = need(&p.log_bucket, "--log-bucket")?.to_owned();
            if target_bucket == bucket() {
                return Err("a bucket cannot log to itself: pass another --log-bucket".into());
            }
            (region, BucketLogging { bucket: bucket(), target_bucket })
        }
        "cloudtrail_bucket_access_logging" => {
            let b = evidence_str(f, "bucket").ok_or("the finding names no trail bucket")?.to_owned();
            let target_bucket = need(&p.log_bucket, "--log-bucket")?.to_owned();
            (region, BucketLogging { bucket: b, target_bucket })
        }
        "ec2_ebs_default_encryption" => (region, EbsDefaultEncryption),
        "kms_cmk_rotation_enabled" => (region, KeyRotation { key_id: tail(arn).to_owned() }),
        "kms_cmk_not_pending_deletion" => (region, KeyDeletionCancelled { key_id: tail(arn).to_owned() }),
        "iam_password_policy_min_length_14" | "iam_password_policy_prevents_reuse" => (global, PasswordPolicy),
        "iam_access_key_rotated_90_days" => {
            let key = evidence_str(f, "access_key_id").ok_or("the finding names no access key")?;
            (global, AccessKeyInactive { user: tail(arn).to_owned(), access_key_id: key.to_owned() })
        }
        "iam_credentials_unused_45_days" => return unused_credential(f),
        "ec2_sg_no_admin_ports_from_ipv4_world" | "ec2_sg_no_admin_ports_from_ipv6_world" => (
            region,
            SecurityGroupWorldIngress {
                group_id: tail(arn).to_owned(),
                ports: ADMIN_PORTS.to_vec(),
                replace_cidr: p.replace_cidr.clone(),
            },
        ),
        "ec2_sg_no_cifs_from_world" => (
            region,
            SecurityGroupWorldIngress {
                group_id: tail(arn).to_owned(),
                ports: CIFS_PORTS.to_vec(),
                replace_cidr: None,
            },
        ),
        "ec2_default_sg_restricts_all" => (region, DefaultSecurityGroupClosed { group_id: tail(arn).to_owned() }),
        "ec2_nacl_no_admin_ports_from_world" => {
            (region, NetworkAclAdminDeny { network_acl_id: tail(arn).to_owned(), ports: ADMIN_PORTS.to_vec() })
        }
        "ec2_instance_imdsv2_required" => (region, InstanceImdsV2 { instance_id: tail(arn).to_owned() }),
        "ec2_vpc_flow_logs_enabled" => {
            let destination = need(&p.flow_log_destination, "--flow-log-bucket")?.to_owned();
            (region, VpcFlowLogs { vpc_id: tail(arn).to_owned(), destination })
        }
        "cloudtrail_multi_region_logging" => {
            let trails = f.evidence.get("trails").and_then(Value::as_array);
            let first = trails.and_then(|t| t.first()).and_then(Value::as_str);
            let Some(trail) = first else {
                return Err("the account has no trail to extend: create one (`aws cloudtrail create-trail`)".into());
            };
            (trail_region(trail)?, TrailMultiRegion { trail: trail.to_owned() })
        }
        "cloudtrail_log_file_validation" => (region, TrailLogFileValidation { trail: arn.to_owned() }),
        "cloudtrail_kms_encryption" => {
            let key_id = need(&p.trail_kms_key, "--trail-kms-key")?.to_owned();
            (region, TrailKmsEncryption { trail: arn.to_owned(), key_id })
        }
        "cloudtrail_s3_read_data_events" | "cloudtrail_s3_write_data_events" => {
            let trails = f.evidence.get("trails").and_then(Value::as_array);
            let Some(trail) = trails.and_then(|t| t.first()).and_then(Value::as_str) else {
                return Err("the account has no trail to add S3 data events to".into());
            };
            let rw = if f.check_id.contains("read") { "ReadOnly" } else { "WriteOnly" };
            (trail_region(trail)?, TrailS3DataEvents { trail: trail.to_owned(), read_write: rw.into() })
        }
        "config_recorder_all_regions" => {
            let role_arn = need(&p.config_role, "--config-role")?.to_owned();
            let bucket = need(&p.config_bucket, "--config-bucket")?.to_owned();
            (region, ConfigRecorder { role_arn, bucket })
        }
        "guardduty_enabled" => (region, GuardDuty),
        "securityhub_enabled" => (region, SecurityHub),
        "accessanalyzer_enabled" => (region, AccessAnalyzer),
        "macie_enabled" => (region, Macie),
        "ec2_ebs_snapshot_not_public" => (region, SnapshotNotPublic { snapshot_id: tail(arn).to_owned() }),
        "rds_instance_not_publicly_accessible" => (region, DbInstanceNotPublic { db_instance: tail(arn).to_owned() }),
        "rds_instance_auto_minor_version_upgrade" => {
            (region, DbInstanceMinorUpgrades { db_instance: tail(arn).to_owned() })
        }
        "account_security_contact" => {
            let [name, email, phone, title] =
                p.security_contact.clone().ok_or("needs --security-contact NAME,EMAIL,PHONE,TITLE")?;
            (global, SecurityContact { name, email, phone, title })
        }
        id if id.starts_with("cloudwatch_metric_filter_") => return metric_filter(f, p),
        _ => return Ok(None),
    };
    Ok(Some(t))
}

fn trail_region(trail_arn: &str) -> Result<String, String> {
    trail_arn
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("`{trail_arn}` is not a trail ARN"))
}

/// An unused console password or access key: the evidence lists the stale credentials
/// as `password`, `access_key_1`, `access_key_2` (credential report columns) and, where
/// known, the key ids.
fn unused_credential(f: &Finding) -> Result<Option<(String, Target)>, String> {
    let user = tail(&f.resource.arn).to_owned();
    let stale = f.evidence.get("stale").and_then(Value::as_array).ok_or("the finding lists no stale credential")?;
    let first = stale.first().ok_or("the finding lists no stale credential")?;
    let cred = first.get("credential").and_then(Value::as_str).unwrap_or_default();
    if cred == "password" {
        return Ok(Some(("global".into(), Target::LoginProfileRemoved { user })));
    }
    match first.get("access_key_id").and_then(Value::as_str) {
        Some(key) => Ok(Some(("global".into(), Target::AccessKeyInactive { user, access_key_id: key.to_owned() }))),
        None => Err(format!("the finding does not name the key id of {cred}")),
    }
}

fn metric_filter(f: &Finding, p: &Params) -> Result<Option<(String, Target)>, String> {
    filter_spec(&f.check_id)?;
    let topic_arn = need(&p.alarm_topic, "--alarm-topic (an SNS topic with a subscriber)")?.to_owned();
    // The log group a trail already delivers to, else the one given.
    let from_trail = f
        .evidence
        .get("trails")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .and_then(|t| t.get("log_group"))
        .and_then(Value::as_str);
    let (region, log_group) = match (from_trail, &p.log_group) {
        (Some(arn), _) => {
            let parts: Vec<&str> = arn.split(':').collect();
            let region = parts.get(3).copied().unwrap_or_default().to_owned();
            let name = parts.get(6).copied().ok_or_else(|| format!("`{arn}` is not a log group ARN"))?.to_owned();
            (region, name)
        }
        (None, Some(g)) => {
            let region = topic_arn.split(':').nth(3).unwrap_or_default().to_owned();
            (region, g.clone())
        }
        (None, None) => {
            return Err("no trail delivers to CloudWatch Logs: connect one, or pass --log-group NAME".into());
        }
    };
    if region.is_empty() {
        return Err("cannot tell the log group's region".into());
    }
    Ok(Some((region, Target::MetricFilterAlarm { check_id: f.check_id.clone(), log_group, topic_arn })))
}
