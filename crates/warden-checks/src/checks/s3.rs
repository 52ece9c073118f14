use super::policy::{condition_values, principal_is_everyone, public_grants, statements};
use super::{account_resource, resource};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{Account, Bucket, Grant, PublicAccessBlock};
use warden_model::{Observed, Resource};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("s3_account_block_public_access", account_pab),
    ("s3_bucket_block_public_access", bucket_pab),
    ("s3_bucket_policy_not_public", policy_public),
    ("s3_bucket_acl_not_public", acl_public),
    ("s3_bucket_denies_insecure_transport", secure_transport),
    ("s3_bucket_default_encryption", encryption),
    ("s3_bucket_versioning_enabled", versioning),
    ("s3_bucket_mfa_delete", mfa_delete),
    ("s3_bucket_access_logging", access_logging),
];

fn bucket_resource(a: &Account, b: &Bucket) -> Resource {
    let mut r = resource(a, &b.region, "AwsS3Bucket", b.arn(&a.partition));
    if let Some(tags) = b.tags.known() {
        r.tags = tags.clone();
    }
    r
}

/// Runs `f` on every bucket of every account whose bucket list could be read.
fn each_bucket(ctx: &Ctx, out: &mut Out, mut f: impl FnMut(&mut Out, &Account, &Bucket)) {
    for a in ctx.accounts() {
        let Some(buckets) = out.need(&a.s3.buckets, || account_resource(a), "the S3 bucket list") else { continue };
        for b in buckets {
            f(out, a, b);
        }
    }
}

fn account_pab(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(pab) =
            out.need(&a.s3.account_public_access_block, || account_resource(a), "account Block Public Access")
        else {
            continue;
        };
        let ok = pab.is_some_and(|p| p.all_enabled());
        let msg = if ok {
            format!("S3 Block Public Access is fully on for account {}", a.id)
        } else {
            format!("S3 Block Public Access is not fully on for account {}", a.id)
        };
        out.verdict(ok, account_resource(a), msg, json!({ "account_public_access_block": pab }));
    }
}

/// The Block Public Access in force for a bucket: each setting on if on at bucket or
/// account level. `Err` carries what could not be read.
fn effective_pab(a: &Account, b: &Bucket) -> Result<PublicAccessBlock, (&'static str, warden_model::Unknown)> {
    let acct = a.s3.account_public_access_block.get().map_err(|u| ("account Block Public Access", u.clone()))?;
    let bucket = b.public_access_block.get().map_err(|u| ("bucket Block Public Access", u.clone()))?;
    let (x, y) = (acct.unwrap_or_default(), bucket.unwrap_or_default());
    Ok(PublicAccessBlock {
        block_public_acls: x.block_public_acls || y.block_public_acls,
        ignore_public_acls: x.ignore_public_acls || y.ignore_public_acls,
        block_public_policy: x.block_public_policy || y.block_public_policy,
        restrict_public_buckets: x.restrict_public_buckets || y.restrict_public_buckets,
    })
}

fn bucket_pab(ctx: &Ctx, out: &mut Out) {
    each_bucket(ctx, out, |out, a, b| match effective_pab(a, b) {
        Ok(p) => {
            let ok = p.all_enabled();
            let msg = if ok {
                format!("bucket {} is covered by Block Public Access", b.name)
            } else {
                format!("bucket {} is not fully covered by Block Public Access (bucket or account)", b.name)
            };
            let ev = json!({ "effective": p, "bucket_setting": b.public_access_block, "account_setting": a.s3.account_public_access_block });
            out.verdict(ok, bucket_resource(a, b), msg, ev);
        }
        Err((what, why)) => out.unknown(bucket_resource(a, b), what, &why),
    });
}

fn policy_public(ctx: &Ctx, out: &mut Out) {
    each_bucket(ctx, out, |out, a, b| {
        let Some(policy) = out.need(&b.policy, || bucket_resource(a, b), "the bucket policy") else { return };
        let Some(doc) = policy else {
            out.pass(bucket_resource(a, b), format!("bucket {} has no bucket policy", b.name), json!({}));
            return;
        };
        let open = match public_grants(doc) {
            Ok(open) => open,
            Err(why) => return out.unknown(bucket_resource(a, b), "the bucket policy", &why),
        };
        // RestrictPublicBuckets makes AWS ignore a public policy for callers outside the account.
        let restricted = effective_pab(a, b).is_ok_and(|p| p.restrict_public_buckets);
        let ok = open.is_empty() || restricted;
        let msg = match (open.is_empty(), restricted) {
            (true, _) => format!("the policy of bucket {} does not allow everyone", b.name),
            (false, true) => {
                format!("the policy of bucket {} allows everyone, but RestrictPublicBuckets blocks it", b.name)
            }
            (false, false) => {
                format!(
                    "the policy of bucket {} allows everyone (`Principal: *`) with no condition restricting who",
                    b.name
                )
            }
        };
        out.verdict(
            ok,
            bucket_resource(a, b),
            msg,
            json!({ "public_statements": open, "restrict_public_buckets": restricted }),
        );
    });
}

fn acl_public(ctx: &Ctx, out: &mut Out) {
    each_bucket(ctx, out, |out, a, b| {
        let Some(acl) = out.need(&b.acl, || bucket_resource(a, b), "the bucket ACL") else { return };
        let public: Vec<_> = acl
            .grants
            .iter()
            .filter(|g| g.grantee == Grant::ALL_USERS || g.grantee == Grant::AUTHENTICATED_USERS)
            .collect();
        let ignored = effective_pab(a, b).is_ok_and(|p| p.ignore_public_acls);
        let ok = public.is_empty() || ignored;
        let msg = match (public.is_empty(), ignored) {
            (true, _) => format!("the ACL of bucket {} grants nothing to the public", b.name),
            (false, true) => {
                format!("the ACL of bucket {} grants public access, but IgnorePublicAcls overrides it", b.name)
            }
            (false, false) => format!("the ACL of bucket {} grants access to all users", b.name),
        };
        out.verdict(ok, bucket_resource(a, b), msg, json!({ "public_grants": public, "ignore_public_acls": ignored }));
    });
}

fn secure_transport(ctx: &Ctx, out: &mut Out) {
    each_bucket(ctx, out, |out, a, b| {
        let Some(policy) = out.need(&b.policy, || bucket_resource(a, b), "the bucket policy") else { return };
        let deny = policy.as_ref().and_then(|doc| {
            statements(doc).into_iter().find(|s| {
                s.effect_is("Deny")
                    && principal_is_everyone(s)
                    && s.strings("Action").iter().any(|x| *x == "s3:*" || *x == "*")
                    && condition_values(s, "Bool", "aws:SecureTransport").contains(&"false")
            })
        });
        let ok = deny.is_some();
        let msg = if ok {
            format!("bucket {} denies requests that do not use TLS", b.name)
        } else {
            format!("bucket {} does not deny plain-HTTP requests (no Deny on aws:SecureTransport = false)", b.name)
        };
        out.verdict(ok, bucket_resource(a, b), msg, json!({ "proof": deny.map(|s| s.evidence()) }));
    });
}

/// A PASS/FAIL per bucket on one observed attribute.
fn per_bucket<T: serde::Serialize>(
    ctx: &Ctx,
    out: &mut Out,
    what: &str,
    field: fn(&Bucket) -> &Observed<T>,
    judge: fn(&T) -> bool,
    pass: &str,
    fail: &str,
) {
    each_bucket(ctx, out, |out, a, b| {
        let Some(v) = out.need(field(b), || bucket_resource(a, b), what) else { return };
        let ok = judge(v);
        let msg = format!("bucket {} {}", b.name, if ok { pass } else { fail });
        out.verdict(ok, bucket_resource(a, b), msg, json!({ what: v }));
    });
}

fn encryption(ctx: &Ctx, out: &mut Out) {
    per_bucket(
        ctx,
        out,
        "default encryption",
        |b| &b.encryption,
        Option::is_some,
        "encrypts new objects by default",
        "has no default encryption",
    );
}

fn versioning(ctx: &Ctx, out: &mut Out) {
    per_bucket(
        ctx,
        out,
        "versioning",
        |b| &b.versioning,
        |v| v.enabled(),
        "keeps object versions",
        "does not have versioning enabled",
    );
}

fn mfa_delete(ctx: &Ctx, out: &mut Out) {
    per_bucket(
        ctx,
        out,
        "versioning",
        |b| &b.versioning,
        |v| v.enabled() && v.mfa_delete,
        "requires MFA to delete versions",
        "does not require MFA to delete versions (MFA Delete off)",
    );
}

fn access_logging(ctx: &Ctx, out: &mut Out) {
    per_bucket(
        ctx,
        out,
        "server access logging",
        |b| &b.logging,
        Option::is_some,
        "writes server access logs",
        "does not write server access logs",
    );
}
