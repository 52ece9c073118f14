use super::{regions, resource};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::Resource;
use warden_model::inventory::{Account, KmsKey, Region};

pub(super) const CHECKS: &[(&str, CheckFn)] =
    &[("kms_cmk_rotation_enabled", rotation), ("kms_cmk_not_pending_deletion", pending_deletion)];

fn key_resource(a: &Account, r: &Region, k: &KmsKey) -> Resource {
    resource(a, &r.name, "AwsKmsKey", k.arn.clone())
}

/// Customer-managed keys of every region whose key list could be read.
fn each_customer_key(ctx: &Ctx, out: &mut Out, mut f: impl FnMut(&mut Out, &Account, &Region, &KmsKey)) {
    for (a, r) in regions(ctx.accounts()) {
        let region = || resource(a, &r.name, "AwsKmsRegion", format!("arn:{}:kms:{}:{}:*", a.partition, r.name, a.id));
        let Some(keys) = out.need(&r.kms.keys, region, "KMS keys") else { continue };
        for k in keys.iter().filter(|k| k.is_customer_managed()) {
            f(out, a, r, k);
        }
    }
}

fn rotation(ctx: &Ctx, out: &mut Out) {
    each_customer_key(ctx, out, |out, a, r, k| {
        if !k.supports_rotation() || k.state != "Enabled" {
            return;
        }
        let Some(on) = out.need(&k.rotation_enabled, || key_resource(a, r, k), "the key rotation status") else {
            return;
        };
        let msg = if *on {
            format!("KMS key {} rotates its key material", k.id)
        } else {
            format!("KMS key {} does not rotate its key material", k.id)
        };
        out.verdict(*on, key_resource(a, r, k), msg, json!({ "rotation_enabled": on, "spec": k.spec }));
    });
}

fn pending_deletion(ctx: &Ctx, out: &mut Out) {
    each_customer_key(ctx, out, |out, a, r, k| {
        let pending = k.state == "PendingDeletion";
        let msg = if pending {
            format!("KMS key {} is scheduled for deletion: data it encrypts becomes unreadable", k.id)
        } else {
            format!("KMS key {} is not scheduled for deletion", k.id)
        };
        out.verdict(
            !pending,
            key_resource(a, r, k),
            msg,
            json!({ "state": k.state, "deletion_date": k.deletion_date }),
        );
    });
}
