//! RDS DB instances (CIS 3.2.x) and EFS file systems (CIS 3.3.1).

use super::{each_in_region, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::Resource;
use warden_model::inventory::{Account, DbInstance, Region};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("rds_instance_storage_encrypted", rds_encrypted),
    ("rds_instance_auto_minor_version_upgrade", rds_minor_upgrades),
    ("rds_instance_not_publicly_accessible", rds_not_public),
    ("rds_instance_multi_az", rds_multi_az),
    ("efs_file_system_encrypted", efs_encrypted),
];

fn db_resource(a: &Account, r: &Region, d: &DbInstance) -> Resource {
    tagged(resource(a, &r.name, "AwsRdsDbInstance", d.arn.clone()), &d.tags)
}

/// One verdict per DB instance: `ok` decides, `yes`/`no` finish the message.
fn per_instance(ctx: &Ctx, out: &mut Out, ok: fn(&DbInstance) -> bool, yes: &str, no: &str) {
    each_in_region(
        ctx,
        out,
        "RDS DB instances",
        |r| &r.rds.instances,
        |out, a, r, d| {
            let pass = ok(d);
            let msg = format!("DB instance {} ({}) {}", d.id, d.engine, if pass { yes } else { no });
            let evidence = json!({
                "storage_encrypted": d.storage_encrypted, "kms_key_id": d.kms_key_id,
                "publicly_accessible": d.publicly_accessible, "auto_minor_version_upgrade": d.auto_minor_version_upgrade,
                "multi_az": d.multi_az, "cluster_id": d.cluster_id,
            });
            out.verdict(pass, db_resource(a, r, d), msg, evidence);
        },
    );
}

fn rds_encrypted(ctx: &Ctx, out: &mut Out) {
    per_instance(ctx, out, |d| d.storage_encrypted, "encrypts its storage", "stores its data unencrypted");
}

fn rds_minor_upgrades(ctx: &Ctx, out: &mut Out) {
    per_instance(
        ctx,
        out,
        |d| d.auto_minor_version_upgrade,
        "takes minor engine upgrades automatically",
        "does not take minor engine upgrades (security patches) automatically",
    );
}

fn rds_not_public(ctx: &Ctx, out: &mut Out) {
    per_instance(
        ctx,
        out,
        |d| !d.publicly_accessible,
        "is not publicly accessible",
        "is publicly accessible: it has a public DNS address reachable wherever its security groups allow",
    );
}

/// Aurora instances get their availability from the cluster (replicas in other zones),
/// so the instance's own Multi-AZ flag does not apply to them.
fn rds_multi_az(ctx: &Ctx, out: &mut Out) {
    per_instance(
        ctx,
        out,
        |d| d.multi_az || d.cluster_id.is_some(),
        "is Multi-AZ (or part of a cluster)",
        "runs in a single Availability Zone",
    );
}

fn efs_encrypted(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "EFS file systems",
        |r| &r.efs.file_systems,
        |out, a, r, f| {
            let res = tagged(resource(a, &r.name, "AwsEfsFileSystem", f.arn.clone()), &f.tags);
            let msg = if f.encrypted {
                format!("EFS file system {} is encrypted at rest", f.id)
            } else {
                format!("EFS file system {} is not encrypted at rest (encryption can only be chosen at creation)", f.id)
            };
            out.verdict(f.encrypted, res, msg, json!({ "encrypted": f.encrypted, "kms_key_id": f.kms_key_id }));
        },
    );
}
