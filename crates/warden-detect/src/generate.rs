//! A realistic CloudTrail generator for tests and benchmarks: benign activity of many
//! principals (reads, KMS, S3, STS, console logins, the odd refused call), with attack
//! events injected — by default the must-fire example of every built-in rule, re-stamped
//! into the stream. Output is the delivery layout
//! `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<time>_<n>.json.gz`.

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    pub events: u64,
    pub events_per_file: u64,
    pub principals: u32,
    pub accounts: u32,
    pub seed: u64,
    /// Epoch seconds of the first event.
    pub start: i64,
    /// Mean seconds between events.
    pub spacing_ms: u64,
    /// One attack event per this many events (0 = none).
    pub attack_every: u64,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            events: 100_000,
            events_per_file: 5_000,
            principals: 200,
            accounts: 3,
            seed: 7,
            start: 1_714_557_600,
            spacing_ms: 50,
            attack_every: 2_000,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct GenSummary {
    pub files: Vec<PathBuf>,
    pub events: u64,
    pub attacks: u64,
    pub bytes_uncompressed: u64,
    pub bytes_compressed: u64,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        xs.get(self.below(xs.len() as u64) as usize)
    }
}

const REGIONS: [&str; 4] = ["us-east-1", "us-east-1", "eu-west-1", "us-west-2"];
const AGENTS: [&str; 5] = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/s3.ls",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "AWS Internal",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
];

/// (service, event name, read-only, request parameters builder key)
const CALLS: [(&str, &str, bool); 22] = [
    ("ec2", "DescribeInstances", true),
    ("ec2", "DescribeSecurityGroups", true),
    ("ec2", "DescribeVolumes", true),
    ("ec2", "DescribeRouteTables", true),
    ("s3", "GetObject", true),
    ("s3", "PutObject", false),
    ("s3", "ListBuckets", true),
    ("s3", "GetBucketAcl", true),
    ("kms", "Decrypt", true),
    ("kms", "GenerateDataKey", true),
    ("sts", "AssumeRole", true),
    ("sts", "GetCallerIdentity", true),
    ("iam", "GetUser", true),
    ("iam", "ListRoles", true),
    ("iam", "ListAttachedRolePolicies", true),
    ("lambda", "Invoke", false),
    ("logs", "PutLogEvents", false),
    ("logs", "DescribeLogGroups", true),
    ("dynamodb", "DescribeTable", true),
    ("ssm", "GetParameter", true),
    ("secretsmanager", "DescribeSecret", true),
    ("cloudwatch", "PutMetricData", false),
];

fn time_str(ms: i64) -> String {
    crate::event::format_time(ms.div_euclid(1000))
}

fn uuid(r: &mut Rng) -> String {
    let a = r.next();
    let b = r.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn benign(r: &mut Rng, cfg: &GenConfig, ms: i64) -> Value {
    let acct_n = r.below(u64::from(cfg.accounts.max(1)));
    let account = format!("{:012}", 111_122_220_000u64 + acct_n);
    let p = r.below(u64::from(cfg.principals.max(1)));
    let region = r.pick(&REGIONS).copied().unwrap_or("us-east-1");
    let (svc, name, read_only) = r.pick(&CALLS).copied().unwrap_or(("ec2", "DescribeInstances", true));
    let is_role = !p.is_multiple_of(3);
    let identity = if is_role {
        let session = if p % 3 == 1 {
            format!("i-{:017x}", p.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 4)
        } else {
            format!("svc-session-{p}")
        };
        json!({
            "type": "AssumedRole",
            "principalId": format!("AROA{:016X}:{session}", p),
            "arn": format!("arn:aws:sts::{account}:assumed-role/app-role-{p}/{session}"),
            "accountId": account,
            "accessKeyId": format!("ASIA{:016X}", r.next() >> 4),
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": format!("AROA{:016X}", p), "arn": format!("arn:aws:iam::{account}:role/app-role-{p}"), "accountId": account, "userName": format!("app-role-{p}")},
                "webIdFederationData": {},
                "attributes": {"creationDate": time_str(ms - 600_000), "mfaAuthenticated": "false"}
            }
        })
    } else {
        json!({
            "type": "IAMUser",
            "principalId": format!("AIDA{:016X}", p),
            "arn": format!("arn:aws:iam::{account}:user/user-{p}"),
            "accountId": account,
            "accessKeyId": format!("AKIA{:016X}", p),
            "userName": format!("user-{p}")
        })
    };
    let request = match (svc, name) {
        ("s3", _) => {
            json!({"bucketName": format!("data-{}-{}", account, r.below(20)), "Host": "s3.amazonaws.com", "key": format!("prefix/{}/object-{}.parquet", r.below(100), r.below(100_000))})
        }
        ("kms", _) => {
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": format!("arn:aws:kms:{region}:{account}:key/{}", uuid(r))})
        }
        ("ec2", _) => {
            json!({"maxResults": 1000, "filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": "platform"}]}}]}})
        }
        ("sts", "AssumeRole") => {
            json!({"roleArn": format!("arn:aws:iam::{account}:role/app-role-{}", r.below(50)), "roleSessionName": format!("s-{}", r.below(1000)), "durationSeconds": 3600})
        }
        ("ssm", _) => json!({"name": format!("/app/config/{}", r.below(50)), "withDecryption": false}),
        _ => json!({"name": format!("resource-{}", r.below(1000))}),
    };
    let mut ev = json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time_str(ms),
        "eventSource": format!("{svc}.amazonaws.com"),
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": format!("{}.{}.{}.{}", 3 + r.below(50), r.below(256), r.below(256), 1 + r.below(254)),
        "userAgent": r.pick(&AGENTS).copied().unwrap_or_default(),
        "requestParameters": request,
        "responseElements": null,
        "requestID": uuid(r),
        "eventID": uuid(r),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": svc != "s3",
        "recipientAccountId": account,
        "eventCategory": if svc == "s3" { "Data" } else { "Management" },
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": format!("{svc}.{region}.amazonaws.com")}
    });
    if r.below(200) == 0
        && let Some(m) = ev.as_object_mut()
    {
        m.insert("errorCode".into(), json!("AccessDenied"));
        m.insert("errorMessage".into(), json!(format!("User is not authorized to perform: {svc}:{name}")));
    }
    ev
}

fn restamp(mut ev: Value, r: &mut Rng, ms: i64) -> Value {
    if let Some(m) = ev.as_object_mut() {
        m.insert("eventTime".into(), json!(time_str(ms)));
        m.insert("eventID".into(), json!(uuid(r)));
    }
    ev
}

/// The must-fire examples of the built-in rules (and correlation sequences), as attacks.
pub fn builtin_attacks() -> Vec<Vec<Value>> {
    let set = crate::builtin_rules();
    let mut out: Vec<Vec<Value>> =
        set.rules().iter().flat_map(|r| r.examples.must_fire.iter().map(|e| vec![e.clone()])).collect();
    out.extend(set.correlations().iter().flat_map(|c| c.examples.must_fire.iter().cloned()));
    out
}

/// Writes generated logs under `dir`.
pub fn generate(dir: &Path, cfg: &GenConfig, attacks: &[Vec<Value>]) -> std::io::Result<GenSummary> {
    let mut r = Rng(cfg.seed.max(1));
    let mut sum = GenSummary::default();
    let mut ms = cfg.start * 1000;
    let per_file = cfg.events_per_file.max(1);
    let mut attack_i = 0usize;
    while sum.events < cfg.events {
        let n = per_file.min(cfg.events - sum.events);
        let mut records = Vec::with_capacity(n as usize);
        let file_ms = ms;
        while (records.len() as u64) < n {
            ms += (r.below(cfg.spacing_ms * 2 + 1)) as i64;
            let due = cfg.attack_every > 0 && (sum.events + records.len() as u64 + 1).is_multiple_of(cfg.attack_every);
            if due && let Some(seq) = attacks.get(attack_i % attacks.len().max(1)) {
                attack_i += 1;
                for e in seq {
                    ms += 1000;
                    records.push(restamp(e.clone(), &mut r, ms));
                    sum.attacks += 1;
                }
            } else {
                records.push(benign(&mut r, cfg, ms));
            }
        }
        let account = "111122220000";
        let region = "us-east-1";
        let t = chrono::DateTime::from_timestamp(file_ms / 1000, 0).unwrap_or_default();
        let sub = dir.join(format!("AWSLogs/{account}/CloudTrail/{region}/{}", t.format("%Y/%m/%d")));
        std::fs::create_dir_all(&sub)?;
        let path = sub.join(format!(
            "{account}_CloudTrail_{region}_{}_{:06}.json.gz",
            t.format("%Y%m%dT%H%MZ"),
            sum.files.len()
        ));
        let body = serde_json::to_vec(&json!({ "Records": records })).map_err(std::io::Error::other)?;
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&body)?;
        let gz = enc.finish()?;
        std::fs::write(&path, &gz)?;
        sum.bytes_uncompressed += body.len() as u64;
        sum.bytes_compressed += gz.len() as u64;
        sum.events += records.len() as u64;
        sum.files.push(path);
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_logs_read_back_and_attacks_are_detected() {
        let dir = std::env::temp_dir().join(format!("warden-gen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = GenConfig { events: 3000, events_per_file: 1000, attack_every: 50, ..GenConfig::default() };
        let attacks = builtin_attacks();
        let sum = generate(&dir, &cfg, &attacks).unwrap();
        assert!(sum.events >= 3000 && sum.files.len() >= 3);
        let mut d = crate::Detector::new(crate::builtin_rules(), crate::DetectOptions::default());
        d.read_cloudtrail(std::slice::from_ref(&dir));
        let out = d.finish();
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.stats.events, sum.events);
        let ids: std::collections::HashSet<_> = out.findings.iter().map(|f| f.check_id.as_str()).collect();
        for want in ["warden_cloudtrail_logging_stopped", "warden_ec2_ami_shared", "warden_pentest_user_agent"] {
            assert!(ids.contains(want), "{want} missing from {ids:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
