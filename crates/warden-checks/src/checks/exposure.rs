//! Exposure checks: whether a bucket, key, role or snapshot is open to anyone or to an
//! untrusted account, answered by the IAM engine's probes (`warden_iam::exposure`),
//! not by reading `Principal: "*"` off the policy text.
//!
//! FAIL when public or open to an account / organization outside the estate and its
//! organization; PASS otherwise, with the accesses found (cross-account to trusted
//! accounts, organization-only, conditional) as evidence; ERROR when the policy, ACL or
//! permission list cannot be read or parsed.

use super::{regions, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_iam::exposure::{Access, Analyzer, Exposure, Level};
use warden_model::{Resource, Unknown, UnknownKind};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("s3_bucket_exposure", s3_bucket),
    ("kms_key_exposure", kms_key),
    ("iam_role_trust_exposure", iam_role),
    ("ec2_snapshot_exposure", ec2_snapshot),
];

fn analyzer(ctx: &Ctx) -> Analyzer {
    Analyzer::new(&ctx.snapshot.inventory, &[])
}

fn s3_bucket(ctx: &Ctx, out: &mut Out) {
    let an = analyzer(ctx);
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
    let an = analyzer(ctx);
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
    let an = analyzer(ctx);
    for a in ctx.accounts() {
        let Some(roles) = out.need(&a.iam.roles, || super::account_resource(a), "the IAM role list") else { continue };
        for r in roles {
            let res = tagged(resource(a, "global", "AwsIamRole", r.arn.clone()), &r.tags);
            report(out, res, &format!("role {}", r.name), an.role(a, r));
        }
    }
}

fn ec2_snapshot(ctx: &Ctx, out: &mut Out) {
    let an = analyzer(ctx);
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
