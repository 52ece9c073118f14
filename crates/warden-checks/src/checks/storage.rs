//! RDS DB instances (CIS 3.2.x), EFS file systems (CIS 3.3.1), Macie (CIS 3.1.3), and the
//! access logs of load balancers and CloudFront distributions (CIS 4.10).

use super::{account_resource, each_in_region, regions, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{Account, DbInstance, FileSystem, LoadBalancer, Region};
use warden_model::{Observed, Resource};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("rds_instance_storage_encrypted", rds_encrypted),
    ("rds_instance_auto_minor_version_upgrade", rds_minor_upgrades),
    ("rds_instance_not_publicly_accessible", rds_not_public),
    ("rds_instance_multi_az", rds_multi_az),
    ("efs_file_system_encrypted", efs_encrypted),
    ("elb_access_logging_enabled", elb_access_logs),
    ("cloudfront_access_logging_enabled", cloudfront_access_logs),
    ("macie_enabled", macie_enabled),
    ("guardduty_enabled", guardduty_enabled),
    ("secretsmanager_rotation_enabled", secret_rotation),
    ("acm_certificate_not_expiring", certificate_expiry),
];

/// The finding resource of a DB instance (storage, backup and network checks).
pub(super) fn db_resource(a: &Account, region: &str, d: &DbInstance) -> Resource {
    tagged(resource(a, region, "AwsRdsDbInstance", d.arn.clone()), &d.tags)
}

/// The finding resource of an EFS file system (storage, backup and exposure checks).
pub(super) fn efs_resource(a: &Account, region: &str, f: &FileSystem) -> Resource {
    tagged(resource(a, region, "AwsEfsFileSystem", f.arn.clone()), &f.tags)
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
            out.verdict(pass, db_resource(a, &r.name, d), msg, evidence);
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
            let res = efs_resource(a, &r.name, f);
            let msg = if f.encrypted {
                format!("EFS file system {} is encrypted at rest", f.id)
            } else {
                format!("EFS file system {} is not encrypted at rest (encryption can only be chosen at creation)", f.id)
            };
            out.verdict(f.encrypted, res, msg, json!({ "encrypted": f.encrypted, "kms_key_id": f.kms_key_id }));
        },
    );
}

fn lb_resource(a: &Account, r: &Region, lb: &LoadBalancer) -> Resource {
    let kind = if lb.kind == "classic" { "AwsElbLoadBalancer" } else { "AwsElbv2LoadBalancer" };
    resource(a, &r.name, kind, lb.arn.clone())
}

/// CIS 4.10 (load balancers): every load balancer delivers access logs to S3.
fn elb_access_logs(ctx: &Ctx, out: &mut Out) {
    for list in [(|r: &Region| &r.elb.v2) as fn(&Region) -> &Observed<Vec<LoadBalancer>>, |r| &r.elb.classic] {
        each_in_region(ctx, out, "load balancers", list, |out, a, r, lb| {
            let Some(&on) = out.need(&lb.access_logs, || lb_resource(a, r, lb), "load balancer attributes") else {
                return;
            };
            let msg = if on {
                format!("{} load balancer {} delivers access logs", lb.kind, lb.name)
            } else {
                format!("{} load balancer {} ({}) keeps no access logs", lb.kind, lb.name, lb.scheme)
            };
            out.verdict(on, lb_resource(a, r, lb), msg, json!({ "access_logs": on, "scheme": lb.scheme }));
        });
    }
}

/// CIS 4.10 (CloudFront): every distribution writes standard access logs.
fn cloudfront_access_logs(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(list) = out.need(&a.cloudfront.distributions, || account_resource(a), "CloudFront distributions")
        else {
            continue;
        };
        for d in list {
            let res = resource(a, "global", "AwsCloudFrontDistribution", d.arn.clone());
            let Some(&on) = out.need(&d.access_logs, || res.clone(), "the distribution's configuration") else {
                continue;
            };
            let msg = if on {
                format!("CloudFront distribution {} ({}) writes access logs", d.id, d.domain_name)
            } else {
                format!("CloudFront distribution {} ({}) writes no access logs", d.id, d.domain_name)
            };
            out.verdict(on, res, msg, json!({ "access_logs": on }));
        }
    }
}

/// CIS 3.1.3: Macie discovers and classifies S3 data in every region in use.
fn macie_enabled(ctx: &Ctx, out: &mut Out) {
    for (a, r) in regions(ctx.accounts()) {
        let res = || {
            resource(a, &r.name, "AwsMacieSession", format!("arn:{}:macie2:{}:{}:session", a.partition, r.name, a.id))
        };
        let Some(session) = out.need(&r.macie.session, res, "the Macie session") else { continue };
        let on = session.as_ref().is_some_and(|s| s.status == "ENABLED");
        let msg = match session {
            Some(s) if on => format!("Macie is enabled in {} of account {}", r.name, a.id),
            Some(s) => format!("Macie is {} in {} of account {}", s.status.to_lowercase(), r.name, a.id),
            None => format!("Macie is not enabled in {} of account {}", r.name, a.id),
        };
        out.verdict(on, res(), msg, json!({ "session": session }));
    }
}

/// GuardDuty watches every region in use: a detector with status ENABLED.
fn guardduty_enabled(ctx: &Ctx, out: &mut Out) {
    for (a, r) in regions(ctx.accounts()) {
        let res = || {
            resource(
                a,
                &r.name,
                "AwsGuardDutyDetector",
                format!("arn:{}:guardduty:{}:{}:detector", a.partition, r.name, a.id),
            )
        };
        let Some(detectors) = out.need(&r.guardduty.detectors, res, "GuardDuty detectors") else { continue };
        let mut enabled = Vec::new();
        let mut unreadable = None;
        for d in detectors {
            match d.status.get() {
                Ok(s) if s == "ENABLED" => enabled.push(d.id.as_str()),
                Ok(_) => {}
                Err(why) => unreadable = unreadable.or(Some(why)),
            }
        }
        if enabled.is_empty()
            && let Some(why) = unreadable
        {
            out.unknown(res(), "a GuardDuty detector's status", why);
            continue;
        }
        let msg = if enabled.is_empty() {
            format!("GuardDuty has no enabled detector in {} of account {}", r.name, a.id)
        } else {
            format!("GuardDuty is enabled in {} of account {}", r.name, a.id)
        };
        out.verdict(!enabled.is_empty(), res(), msg, json!({ "enabled_detectors": enabled }));
    }
}

/// Secrets Manager secrets rotate automatically.
fn secret_rotation(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "Secrets Manager secrets",
        |r| &r.secretsmanager.secrets,
        |out, a, r, s| {
            let res = resource(a, &r.name, "AwsSecretsManagerSecret", s.arn.clone());
            let msg = if s.rotation_enabled {
                format!(
                    "secret {} rotates every {} days",
                    s.name,
                    s.rotation_days.map_or("?".into(), |d| d.to_string())
                )
            } else {
                format!("secret {} is never rotated automatically", s.name)
            };
            let evidence = json!({ "rotation_enabled": s.rotation_enabled, "rotation_days": s.rotation_days, "last_rotated": s.last_rotated });
            out.verdict(s.rotation_enabled, res, msg, evidence);
        },
    );
}

/// Issued ACM certificates do not expire within 30 days (renewal has failed or is manual).
const CERT_WARNING_DAYS: i64 = 30;

fn certificate_expiry(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "ACM certificates",
        |r| &r.acm.certificates,
        |out, a, r, c| {
            if c.status != "ISSUED" && c.status != "EXPIRED" {
                return;
            }
            let res = resource(a, &r.name, "AwsCertificateManagerCertificate", c.arn.clone());
            let days_left = c.not_after.map(|t| (t - ctx.now).num_days());
            let ok = c.status == "ISSUED" && days_left.is_some_and(|d| d >= CERT_WARNING_DAYS);
            let expired = c.status == "EXPIRED" || days_left.is_some_and(|d| d < 0);
            let msg = match days_left {
                _ if expired => format!("certificate for {} has expired", c.domain_name),
                Some(d) if !ok => format!("certificate for {} expires in {d} days", c.domain_name),
                Some(d) => format!("certificate for {} is valid for {d} more days", c.domain_name),
                None => format!("certificate for {} has no expiry date", c.domain_name),
            };
            out.verdict(
                ok,
                res,
                msg,
                json!({ "not_after": c.not_after, "days_left": days_left, "in_use": c.in_use, "status": c.status }),
            );
        },
    );
}
