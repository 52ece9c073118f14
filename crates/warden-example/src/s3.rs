//! S3: the buckets of each account, correct by default (TLS-only policy, Block Public
//! Access, default encryption, versioning, access logging, lifecycle), with the planted
//! exceptions spelled out per bucket.

use crate::rng::Rng;
use crate::{Ctx, Kind, Spec, ago, ids};
use serde_json::{Value, json};
use warden_model::inventory::{
    Acl, Bucket, BucketEncryption, BucketLogging, Grant, LifecycleRule, ObjectLock, PublicAccessBlock, S3, Tags,
    Versioning,
};
use warden_model::{Observed, UnknownKind};

/// The bucket the organization trail writes to (security account, us-east-1).
pub(crate) fn org_trail_bucket() -> String {
    format!("northwind-org-cloudtrail-{}", ids::SECURITY)
}

/// The central VPC flow log bucket (security account).
pub(crate) fn flow_log_bucket() -> String {
    format!("northwind-vpc-flow-logs-{}", ids::SECURITY)
}

/// The bucket staging's own trail writes to.
pub(crate) fn staging_trail_bucket() -> String {
    "northwind-staging-trail-logs".to_owned()
}

const ALL_ENABLED: PublicAccessBlock = PublicAccessBlock {
    block_public_acls: true,
    ignore_public_acls: true,
    block_public_policy: true,
    restrict_public_buckets: true,
};

/// How one bucket departs from the correct configuration.
#[derive(Default, Clone)]
struct Opts {
    no_tls_deny: bool,
    no_pab: bool,
    partial_pab: bool,
    no_encryption: bool,
    versioning: Option<&'static str>,
    no_versioning: bool,
    no_logging: bool,
    mfa_delete: bool,
    public_read_policy: bool,
    public_read_acl: bool,
    extra_statements: Vec<Value>,
    kms: bool,
    object_lock: bool,
    logging_unknown: bool,
}

fn tls_deny(arn: &str) -> Value {
    json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, format!("{arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

struct B<'a> {
    spec: &'a Spec,
    rng: Rng,
    owner: String,
    buckets: Vec<Bucket>,
}

impl B<'_> {
    fn bucket(&mut self, name: &str, region: &str, purpose: &str, o: Opts) {
        let arn = format!("arn:aws:s3:::{name}");
        let mut statements = o.extra_statements.clone();
        if o.public_read_policy {
            statements.push(json!({
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": format!("{arn}/*")
            }));
        }
        if !o.no_tls_deny {
            statements.push(tls_deny(&arn));
        }
        let policy =
            if statements.is_empty() { None } else { Some(json!({"Version": "2012-10-17", "Statement": statements})) };
        let mut grants = vec![Grant { grantee: self.owner.clone(), permission: "FULL_CONTROL".into() }];
        if o.public_read_acl {
            grants.push(Grant { grantee: Grant::ALL_USERS.into(), permission: "READ".into() });
        }
        let pab = if o.no_pab {
            None
        } else if o.partial_pab {
            Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: false,
                restrict_public_buckets: false,
            })
        } else {
            Some(ALL_ENABLED)
        };
        let encryption = if o.no_encryption {
            None
        } else if o.kms {
            Some(BucketEncryption {
                algorithm: "aws:kms".into(),
                kms_key_id: Some(format!("arn:aws:kms:{region}:{}:alias/{}-s3", self.spec.id, self.spec.label())),
                bucket_key_enabled: true,
            })
        } else {
            Some(BucketEncryption { algorithm: "AES256".into(), kms_key_id: None, bucket_key_enabled: false })
        };
        let versioning = if o.no_versioning {
            Versioning { status: o.versioning.map(str::to_owned), mfa_delete: false }
        } else {
            Versioning { status: Some("Enabled".into()), mfa_delete: o.mfa_delete }
        };
        let logging = if o.logging_unknown {
            Observed::unknown(UnknownKind::Throttled, "s3:GetBucketLogging: SlowDown after 5 retries")
        } else if o.no_logging {
            Observed::Known(None)
        } else {
            Observed::Known(Some(BucketLogging {
                target_bucket: access_log_bucket(self.spec, region),
                target_prefix: format!("{name}/"),
            }))
        };
        let lifecycle = match purpose {
            "logs" => vec![LifecycleRule {
                id: "expire-logs".into(),
                enabled: true,
                expiration_days: Some(400),
                transition_days: Some(30),
            }],
            "backup" => vec![LifecycleRule {
                id: "glacier-after-30d".into(),
                enabled: true,
                expiration_days: Some(365),
                transition_days: Some(30),
            }],
            "scratch" => vec![LifecycleRule {
                id: "expire-scratch".into(),
                enabled: true,
                expiration_days: Some(7),
                transition_days: None,
            }],
            _ => vec![LifecycleRule {
                id: "abort-incomplete-uploads".into(),
                enabled: true,
                expiration_days: None,
                transition_days: None,
            }],
        };
        let tags: Tags = [("purpose", purpose), ("environment", env_name(self.spec)), ("managed-by", "terraform")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let created = ago(self.rng.range(200, 2200), &mut self.rng);
        self.buckets.push(Bucket {
            name: name.to_owned(),
            region: region.to_owned(),
            created: Some(created),
            policy: Observed::Known(policy),
            acl: Observed::Known(Acl { owner_id: self.owner.clone(), grants }),
            public_access_block: Observed::Known(pab),
            encryption: Observed::Known(encryption),
            versioning: Observed::Known(versioning),
            logging,
            object_lock: Observed::Known(o.object_lock.then(|| ObjectLock {
                enabled: true,
                mode: Some("COMPLIANCE".into()),
                days: Some(365),
            })),
            lifecycle_rules: Observed::Known(lifecycle),
            tags: Observed::Known(tags),
        });
    }
}

pub(crate) fn env_name(spec: &Spec) -> &'static str {
    match spec.kind {
        Kind::Management => "management",
        Kind::Prod | Kind::Workload(_) => "production",
        Kind::Staging => "staging",
        Kind::Security => "security",
    }
}

/// The per-region target of server access logging (logging must stay in-region and
/// in-account). Access-log buckets do not log themselves: that would loop.
pub(crate) fn access_log_bucket(spec: &Spec, region: &str) -> String {
    format!("northwind-{}-access-logs-{region}", spec.label())
}

/// The statements that let CloudTrail write to a bucket: `writes` are object prefixes
/// (without the bucket ARN), `trail_arns` the trails allowed to write.
fn cloudtrail_statements(arn: &str, writes: &[String], trail_arns: &[String]) -> Vec<Value> {
    let writes: Vec<String> = writes.iter().map(|w| format!("{arn}/{w}")).collect();
    vec![
        json!({
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arns}}
        }),
        json!({
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": writes,
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arns}}
        }),
    ]
}

pub(crate) fn build(ctx: &Ctx, spec: &Spec) -> S3 {
    let mut rng = Rng::derive(ctx.seed, &format!("s3/{}", spec.id));
    let owner = rng.hex(64);
    let mut b = B { spec, rng, owner, buckets: Vec::new() };
    let label = spec.label();
    let d = Opts::default;
    let logs = |o: Opts| Opts { no_logging: true, ..o };
    let home = spec.regions.first().copied().unwrap_or("us-east-1");
    match spec.kind {
        Kind::Management => {
            b.bucket("northwind-terraform-state", home, "terraform-state", Opts { kms: true, ..d() });
            b.bucket("northwind-mgmt-cur-reports", home, "billing", Opts { no_tls_deny: true, ..d() });
            b.bucket("northwind-mgmt-org-backups", home, "backup", Opts { kms: true, ..d() });
            b.bucket(&access_log_bucket(spec, home), home, "logs", logs(d()));
        }
        Kind::Prod => {
            for (n, purpose) in [
                ("data-lake-raw", "data-lake"),
                ("data-lake-curated", "data-lake"),
                ("data-lake-analytics", "data-lake"),
                ("app-uploads", "application"),
                ("alb-logs", "logs"),
                ("athena-results", "scratch"),
                ("lambda-artifacts", "artifacts"),
            ] {
                b.bucket(
                    &format!("northwind-prod-{n}"),
                    "us-east-1",
                    purpose,
                    Opts { kms: purpose == "data-lake", ..d() },
                );
            }
            b.bucket(
                "northwind-prod-ml-models",
                "us-east-1",
                "artifacts",
                Opts { kms: true, logging_unknown: true, ..d() },
            );
            b.bucket(
                "northwind-prod-static-assets",
                "us-east-1",
                "website",
                Opts {
                    extra_statements: vec![json!({
                        "Sid": "CloudFrontOriginAccess",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::northwind-prod-static-assets/*",
                        "Condition": {"StringEquals": {"AWS:SourceArn": format!("arn:aws:cloudfront::{}:distribution/E2NWR0B0T1CS7", spec.id)}}
                    })],
                    ..d()
                },
            );
            b.bucket(
                "northwind-prod-partner-exchange",
                "us-east-1",
                "partner-exchange",
                Opts { partial_pab: true, ..d() },
            );
            b.bucket("northwind-prod-backups-eu", "eu-west-1", "backup", Opts { kms: true, ..d() });
            b.bucket("northwind-prod-reports-eu", "eu-west-1", "reports", d());
            b.bucket("northwind-prod-telemetry-apse2", "ap-southeast-2", "telemetry", d());
            for r in &spec.regions {
                b.bucket(&access_log_bucket(spec, r), r, "logs", logs(d()));
            }
        }
        Kind::Staging => {
            let weak = |o: Opts| Opts { no_tls_deny: true, ..o };
            b.bucket(
                "northwind-staging-preview-site",
                "us-east-1",
                "website",
                weak(Opts { public_read_policy: true, no_pab: true, no_versioning: true, no_logging: true, ..d() }),
            );
            b.bucket(
                "northwind-staging-downloads",
                "us-east-1",
                "downloads",
                weak(Opts { public_read_acl: true, no_pab: true, no_logging: true, ..d() }),
            );
            b.bucket("northwind-staging-app-uploads", "us-east-1", "application", weak(d()));
            b.bucket(
                "northwind-staging-data-samples",
                "us-east-1",
                "data-lake",
                weak(Opts { no_encryption: true, no_versioning: true, versioning: Some("Suspended"), ..d() }),
            );
            b.bucket("northwind-staging-backups", "eu-west-1", "backup", weak(Opts { no_logging: true, ..d() }));
            b.bucket(
                &staging_trail_bucket(),
                "us-east-1",
                "logs",
                weak(Opts {
                    no_logging: true,
                    extra_statements: cloudtrail_statements(
                        &format!("arn:aws:s3:::{}", staging_trail_bucket()),
                        &[format!("AWSLogs/{}/*", ids::STAGING), format!("debug/AWSLogs/{}/*", ids::STAGING)],
                        &["staging-trail", "staging-debug"]
                            .map(|t| format!("arn:aws:cloudtrail:us-east-1:{}:trail/{t}", ids::STAGING)),
                    ),
                    ..d()
                }),
            );
            b.bucket(
                "northwind-staging-tf-plans",
                "us-east-1",
                "terraform-state",
                weak(Opts { no_versioning: true, ..d() }),
            );
            b.bucket(
                "northwind-staging-build-cache",
                "us-east-1",
                "scratch",
                weak(Opts { no_versioning: true, no_logging: true, ..d() }),
            );
            b.bucket("northwind-staging-qa-reports", "eu-west-1", "reports", weak(Opts { no_logging: true, ..d() }));
            b.bucket(
                "northwind-staging-tmp-exports",
                "us-east-1",
                "scratch",
                weak(Opts { no_encryption: true, no_versioning: true, no_logging: true, ..d() }),
            );
            b.bucket(&access_log_bucket(spec, "us-east-1"), "us-east-1", "logs", weak(logs(d())));
            b.bucket(&access_log_bucket(spec, "eu-west-1"), "eu-west-1", "logs", weak(logs(d())));
        }
        Kind::Security => {
            let trail_bucket = org_trail_bucket();
            let arn = format!("arn:aws:s3:::{trail_bucket}");
            // The organization trail, and the data-event trails of prod and security.
            let mut trail_writes = vec![format!("AWSLogs/{}/*", ids::MANAGEMENT), format!("AWSLogs/{}/*", ids::ORG)];
            let mut trail_arns =
                vec![format!("arn:aws:cloudtrail:us-east-1:{}:trail/northwind-org-trail", ids::MANAGEMENT)];
            for (acct, label) in [(ids::PROD, "prod"), (ids::SECURITY, "security")] {
                trail_writes.push(format!("data-events/{acct}/AWSLogs/{acct}/*"));
                trail_arns.push(format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/{label}-s3-data-events"));
            }
            b.bucket(
                &trail_bucket,
                "us-east-1",
                "cloudtrail",
                Opts {
                    kms: true,
                    mfa_delete: true,
                    object_lock: true,
                    extra_statements: cloudtrail_statements(&arn, &trail_writes, &trail_arns),
                    ..d()
                },
            );
            let flow = flow_log_bucket();
            let flow_arn = format!("arn:aws:s3:::{flow}");
            let accounts: Vec<String> = ctx.specs.iter().filter(|s| s.in_org()).map(|s| s.id.clone()).collect();
            b.bucket(
                &flow,
                "us-east-1",
                "flow-logs",
                Opts {
                    kms: true,
                    extra_statements: vec![
                        json!({
                            "Sid": "AWSLogDeliveryWrite",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": format!("{flow_arn}/AWSLogs/*"),
                            "Condition": {"StringEquals": {"aws:SourceAccount": accounts, "s3:x-amz-acl": "bucket-owner-full-control"}}
                        }),
                        json!({
                            "Sid": "AWSLogDeliveryAclCheck",
                            "Effect": "Allow",
                            "Principal": {"Service": "delivery.logs.amazonaws.com"},
                            "Action": "s3:GetBucketAcl",
                            "Resource": flow_arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": accounts}}
                        }),
                    ],
                    ..d()
                },
            );
            b.bucket("northwind-security-config-history", "us-east-1", "config", Opts { kms: true, ..d() });
            b.bucket("northwind-security-guardduty-findings", "us-east-1", "findings", Opts { kms: true, ..d() });
            b.bucket("northwind-security-tooling", "us-east-1", "artifacts", d());
            b.bucket(
                "northwind-security-incident-evidence",
                "eu-west-1",
                "evidence",
                Opts { kms: true, object_lock: true, ..d() },
            );
            for r in &spec.regions {
                b.bucket(&access_log_bucket(spec, r), r, "logs", logs(d()));
            }
        }
        Kind::Workload(_) => {
            for n in ["app-uploads", "artifacts", "backups"] {
                b.bucket(&format!("northwind-{label}-{n}"), home, n, d());
            }
            b.bucket(&access_log_bucket(spec, home), home, "logs", logs(d()));
        }
    }
    // Growth: more data buckets of the same, correct shape.
    let extra = ctx.plan.n(b.buckets.len(), 0).saturating_sub(b.buckets.len());
    for i in 0..extra {
        // Only in regions that have an access-log bucket to log to.
        let region = match spec.kind {
            Kind::Management | Kind::Workload(_) => home,
            _ => spec.regions[i % spec.regions.len()],
        };
        let svc = crate::names::service(i);
        let weak = spec.kind == Kind::Staging;
        let name = format!("northwind-{label}-{svc}-data-{i:04}");
        b.bucket(&name, region, "application", Opts { no_tls_deny: weak, no_logging: weak, ..d() });
    }
    let account_pab = if spec.kind == Kind::Staging { None } else { Some(ALL_ENABLED) };
    S3 { buckets: Observed::Known(b.buckets), account_public_access_block: Observed::Known(account_pab) }
}
