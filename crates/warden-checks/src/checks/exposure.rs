//! Exposure checks: whether a bucket, key, role, snapshot, function, queue, topic,
//! secret, repository, file system or table is open to anyone or to an untrusted
//! account, answered by the IAM engine's probes (`warden_iam::exposure`), not by reading
//! `Principal: "*"` off the policy text.
//!
//! FAIL when public or open to an account / organization outside the estate, its
//! organization and the configured trusted accounts ([`crate::Config`]); PASS otherwise,
//! with the accesses found (cross-account to trusted accounts, organization-only,
//! conditional) as evidence; ERROR when the policy, ACL or permission list cannot be read
//! or parsed.

use super::storage::efs_resource;
use super::{each_in_region, regions, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_iam::exposure::{Access, Analyzer, Exposure, Level};
use warden_model::inventory::{Account, Region};
use warden_model::{Observed, Resource, Unknown, UnknownKind};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("s3_bucket_exposure", s3_bucket),
    ("kms_key_exposure", kms_key),
    ("iam_role_trust_exposure", iam_role),
    ("ec2_snapshot_exposure", ec2_snapshot),
    ("lambda_function_exposure", lambda_function),
    ("lambda_layer_exposure", lambda_layer),
    ("sqs_queue_exposure", sqs_queue),
    ("sns_topic_exposure", sns_topic),
    ("secretsmanager_secret_exposure", secret),
    ("ecr_repository_exposure", ecr_repository),
    ("rds_snapshot_exposure", rds_snapshot),
    ("rds_cluster_snapshot_exposure", rds_cluster_snapshot),
    ("efs_file_system_exposure", efs_file_system),
    ("dynamodb_table_exposure", dynamodb_table),
];

fn s3_bucket(ctx: &Ctx, out: &mut Out) {
    let an = ctx.exposure();
    for a in ctx.accounts() {
        let Some(buckets) = out.need(&a.s3.buckets, || super::account_resource(a), "the S3 bucket list") else {
            continue;
        };
        for b in buckets {
            let mut res = resource(a, &b.region, "AwsS3Bucket", b.arn(&a.partition));
            if let Some(tags) = b.tags.known() {
                res.tags = tags.clone();
            }
            report(out, res, &format!("bucket {}", b.name), an.bucket(a, b));
        }
    }
}

fn kms_key(ctx: &Ctx, out: &mut Out) {
    let an = ctx.exposure();
    for (a, r) in regions(ctx.accounts()) {
        let region_res =
            || resource(a, &r.name, "AwsKmsKey", format!("arn:{}:kms:{}:{}:key/*", a.partition, r.name, a.id));
        let Some(keys) = out.need(&r.kms.keys, region_res, "the KMS key list") else { continue };
        for k in keys {
            let res = resource(a, &r.name, "AwsKmsKey", k.arn.clone());
            report(out, res, &format!("key {}", k.id), an.key(a, &r.name, k));
        }
    }
}

fn iam_role(ctx: &Ctx, out: &mut Out) {
    let an = ctx.exposure();
    for a in ctx.accounts() {
        let Some(roles) = out.need(&a.iam.roles, || super::account_resource(a), "the IAM role list") else { continue };
        for r in roles {
            let res = tagged(resource(a, "global", "AwsIamRole", r.arn.clone()), &r.tags);
            report(out, res, &format!("role {}", r.name), an.role(a, r));
        }
    }
}

fn ec2_snapshot(ctx: &Ctx, out: &mut Out) {
    let an = ctx.exposure();
    for (a, r) in regions(ctx.accounts()) {
        let region_res =
            || resource(a, &r.name, "AwsEc2Region", format!("arn:{}:ec2:{}:{}:region", a.partition, r.name, a.id));
        let Some(snaps) = out.need(&r.ec2.snapshots, region_res, "the EBS snapshot list") else { continue };
        for s in snaps {
            let e = an.snapshot(a, &r.name, s);
            let res = tagged(resource(a, &r.name, "AwsEc2Snapshot", e.arn.clone()), &s.tags);
            report(out, res, &format!("snapshot {}", s.id), e);
        }
    }
}

/// One finding per item of a regional list: `analyse` gives the finding's resource,
/// the item's name for the message, and its exposure.
fn per_region<T>(
    ctx: &Ctx,
    out: &mut Out,
    list_name: &str,
    list: fn(&Region) -> &Observed<Vec<T>>,
    analyse: impl Fn(&Analyzer, &Account, &Region, &T) -> (Resource, String, Exposure),
) {
    let an = ctx.exposure();
    each_in_region(ctx, out, list_name, list, |out, a, r, item| {
        let (res, what, e) = analyse(&an, a, r, item);
        report(out, res, &what, e);
    });
}

fn lambda_function(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the Lambda function list",
        |r| &r.lambda.functions,
        |an, a, r, f| {
            let res = resource(a, &r.name, "AwsLambdaFunction", f.arn.clone());
            (res, format!("function {}", f.name), an.function(a, &r.name, f))
        },
    );
}

fn lambda_layer(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the Lambda layer list",
        |r| &r.lambda.layer_versions,
        |an, a, r, l| {
            let res = resource(a, &r.name, "AwsLambdaLayerVersion", l.arn.clone());
            (res, format!("layer {} version {}", l.name, l.version), an.layer_version(a, &r.name, l))
        },
    );
}

fn sqs_queue(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the SQS queue list",
        |r| &r.sqs.queues,
        |an, a, r, q| {
            let res = resource(a, &r.name, "AwsSqsQueue", q.arn.clone());
            (res, format!("queue {}", q.name), an.queue(a, &r.name, q))
        },
    );
}

fn sns_topic(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the SNS topic list",
        |r| &r.sns.topics,
        |an, a, r, t| {
            let res = resource(a, &r.name, "AwsSnsTopic", t.arn.clone());
            let name = t.arn.rsplit(':').next().unwrap_or(&t.arn);
            (res, format!("topic {name}"), an.topic(a, &r.name, t))
        },
    );
}

fn secret(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the Secrets Manager secret list",
        |r| &r.secretsmanager.secrets,
        |an, a, r, s| {
            let res = resource(a, &r.name, "AwsSecretsManagerSecret", s.arn.clone());
            (res, format!("secret {}", s.name), an.secret(a, &r.name, s))
        },
    );
}

fn ecr_repository(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the ECR repository list",
        |r| &r.ecr.repositories,
        |an, a, r, x| {
            let res = resource(a, &r.name, "AwsEcrRepository", x.arn.clone());
            (res, format!("repository {}", x.name), an.repository(a, &r.name, x))
        },
    );
}

fn rds_snapshot(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the RDS snapshot list",
        |r| &r.rds.snapshots,
        |an, a, r, s| {
            let res = tagged(resource(a, &r.name, "AwsRdsDbSnapshot", s.arn.clone()), &s.tags);
            (res, format!("DB snapshot {}", s.id), an.db_snapshot(a, &r.name, s))
        },
    );
}

fn rds_cluster_snapshot(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the RDS cluster snapshot list",
        |r| &r.rds.cluster_snapshots,
        |an, a, r, s| {
            let res = tagged(resource(a, &r.name, "AwsRdsDbClusterSnapshot", s.arn.clone()), &s.tags);
            (res, format!("DB cluster snapshot {}", s.id), an.db_cluster_snapshot(a, &r.name, s))
        },
    );
}

fn efs_file_system(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the EFS file system list",
        |r| &r.efs.file_systems,
        |an, a, r, f| {
            let res = efs_resource(a, &r.name, f);
            (res, format!("file system {}", f.id), an.file_system(a, &r.name, f))
        },
    );
}

fn dynamodb_table(ctx: &Ctx, out: &mut Out) {
    per_region(
        ctx,
        out,
        "the DynamoDB table list",
        |r| &r.dynamodb.tables,
        |an, a, r, t| {
            let res = resource(a, &r.name, "AwsDynamoDbTable", t.arn.clone());
            (res, format!("table {}", t.name), an.table(a, &r.name, t))
        },
    );
}

/// One finding per resource: the verdict, a sentence, and the exposure as evidence.
fn report(out: &mut Out, res: Resource, what: &str, e: Exposure) {
    let actions = |e: &Exposure, pick: &dyn Fn(&Access) -> bool| {
        let mut all: Vec<&str> =
            e.accesses.iter().filter(|a| pick(a)).flat_map(|a| a.actions.iter().map(String::as_str)).collect();
        all.sort_unstable();
        all.dedup();
        all.join(", ")
    };
    let msg = match &e.level {
        Level::Unknown { reason } => {
            let kind =
                if reason.contains("does not parse") { UnknownKind::MalformedResponse } else { UnknownKind::Error };
            return out.unknown(res, what, &Unknown { kind, message: reason.clone() });
        }
        Level::Public => format!("{what} is public: anyone can {}", actions(&e, &Access::is_public)),
        Level::CrossAccount { untrusted, .. } if !untrusted.is_empty() => {
            format!(
                "{what} is open to untrusted accounts or organizations {}: {}",
                untrusted.join(", "),
                actions(&e, &|a| !a.trusted)
            )
        }
        Level::CrossAccount { accounts, organizations, .. } => {
            let mut who = accounts.clone();
            who.extend(organizations.iter().cloned());
            format!("{what} is shared only with trusted accounts {}", who.join(", "))
        }
        Level::OrgOnly => format!("{what} is open only within the organization"),
        Level::Conditional => {
            let mut keys: Vec<&str> =
                e.accesses.iter().flat_map(|a| a.conditions.iter().map(|c| c.key.as_str())).collect();
            keys.sort_unstable();
            keys.dedup();
            format!("{what} is reachable from outside its account only under conditions on {}", keys.join(", "))
        }
        Level::Private => format!("{what} is not reachable from outside its account"),
    };
    let evidence = serde_json::to_value(&e).unwrap_or_else(|_| json!({}));
    out.verdict(!e.is_risky(), res, msg, evidence);
}
