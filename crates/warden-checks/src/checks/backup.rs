//! Stateful resources covered by an AWS Backup plan: RDS DB instances, EFS file systems
//! and EBS volumes (FSBP RDS.26, EFS.2, EC2.28), one finding per resource.
//!
//! A resource is covered when a selection of a plan in its region selects it, read as
//! AWS Backup does: one of `Resources` (ARN patterns, `*` any run; `*` alone is every
//! resource) or of `ListOfTags` (OR), every one of `Conditions` (AND; a negated condition
//! holds for an untagged resource, as in IAM), none of `NotResources`; both `Resources`
//! and `ListOfTags` empty selects everything. A selection that does not name the resource
//! type (by tag, `*`, or a whole service such as `arn:aws:ec2:*`) covers only types the
//! region opts in to; Aurora needs the opt-in always. Aurora instances are judged by
//! their cluster's ARN (AWS Backup protects the cluster), EBS volumes also through an
//! attached instance a plan selects (instance backups include its volumes).
//!
//! Coverage that depends on data that could not be read is ERROR, never PASS or FAIL.
//! DynamoDB tables are not judged: the inventory does not carry their tags.

use super::storage::{db_resource, efs_resource};
use super::{each_in_region, ec2_arn, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::glob::matches_star;
use warden_model::inventory::{BackupSelection, Region, TagCondition, TagOp, Tags};
use warden_model::{Resource, Unknown};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("rds_instance_protected_by_backup_plan", rds_covered),
    ("efs_file_system_protected_by_backup_plan", efs_covered),
    ("ec2_ebs_volume_protected_by_backup_plan", ebs_covered),
];

/// What AWS Backup would have to select.
struct Target<'a> {
    arn: String,
    tags: &'a Tags,
    /// The opt-in setting's resource type (`RDS`, `Aurora`, `EFS`, `EBS`, `EC2`).
    kind: &'static str,
}

impl Target<'_> {
    /// Aurora clusters need the opt-in even when a selection names their type.
    fn always_needs_opt_in(&self) -> bool {
        self.kind == "Aurora"
    }
}

/// How a selection picks a target.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Via {
    /// A `Resources` pattern naming the resource type (or the resource itself).
    Type(String),
    /// `*`, a whole-service pattern, a tag, or an empty selection: opt-in applies.
    Broad(String),
}

/// Whether `sel` selects `t`, and how.
fn selects(sel: &BackupSelection, t: &Target) -> Option<Via> {
    if sel.not_resources.iter().any(|p| matches_star(p, &t.arn)) {
        return None;
    }
    if !sel.conditions.iter().all(|c| holds(c, t.tags)) {
        return None;
    }
    if sel.resources.is_empty() && sel.list_of_tags.is_empty() {
        return Some(Via::Broad("every resource (no resources or tags named)".into()));
    }
    let mut broad = None;
    for p in sel.resources.iter().filter(|p| matches_star(p, &t.arn)) {
        if names_type(p) {
            return Some(Via::Type(p.clone()));
        }
        broad = broad.or_else(|| Some(Via::Broad(p.clone())));
    }
    broad.or_else(|| {
        sel.list_of_tags.iter().find(|c| holds(c, t.tags)).map(|c| Via::Broad(format!("tag {}={}", c.key, c.value)))
    })
}

/// A pattern whose resource part names a type: `arn:aws:ec2:*:*:volume/*`, an exact ARN;
/// not `*`, `arn:aws:ec2:*` or `arn:aws:ec2:*:*:*`.
fn names_type(pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    parts.get(5).is_some_and(|res| !res.is_empty() && !res.starts_with('*'))
}

/// A tag condition on `tags`; negated conditions hold when the tag is absent.
fn holds(c: &TagCondition, tags: &Tags) -> bool {
    let key = c.key.strip_prefix("aws:ResourceTag/").unwrap_or(&c.key);
    let v = tags.get(key);
    match c.op {
        TagOp::StringEquals => v.is_some_and(|v| *v == c.value),
        TagOp::StringNotEquals => v.is_none_or(|v| *v != c.value),
        TagOp::StringLike => v.is_some_and(|v| matches_star(&c.value, v)),
        TagOp::StringNotLike => v.is_none_or(|v| !matches_star(&c.value, v)),
    }
}

/// The verdict on one resource.
enum Coverage {
    Covered(serde_json::Value),
    Uncovered(Vec<serde_json::Value>),
    Unknown(String, Unknown),
}

/// Every plan of `r` against the targets that stand for one resource (the resource, and
/// for a volume its instances): covered by the first selection that selects one.
fn coverage(r: &Region, targets: &[Target]) -> Coverage {
    let plans = match r.backup.plans.get() {
        Ok(p) => p,
        Err(why) => return Coverage::Unknown("AWS Backup plans".into(), why.clone()),
    };
    let mut unknown: Option<(String, Unknown)> = None;
    let mut near = Vec::new();
    for plan in plans {
        let selections = match plan.selections.get() {
            Ok(s) => s,
            Err(why) => {
                unknown =
                    unknown.or_else(|| Some((format!("the selections of backup plan {}", plan.name), why.clone())));
                continue;
            }
        };
        for sel in selections {
            for t in targets {
                let Some(via) = selects(sel, t) else { continue };
                let (how, opt_in_needed) = match &via {
                    Via::Type(p) => (p.clone(), t.always_needs_opt_in()),
                    Via::Broad(p) => (p.clone(), true),
                };
                let evidence = json!({
                    "plan": plan.name, "plan_arn": plan.arn, "selection": sel.name, "selected": t.arn, "by": how,
                });
                if !opt_in_needed {
                    return Coverage::Covered(evidence);
                }
                match r.backup.opt_in.get() {
                    Ok(map) if map.get(t.kind).copied().unwrap_or(false) => return Coverage::Covered(evidence),
                    Ok(_) => near.push(json!({
                        "plan": plan.name, "selection": sel.name, "selected": t.arn, "by": how,
                        "not_covered_because": format!("resource type {} is not opted in to AWS Backup", t.kind),
                    })),
                    Err(why) => {
                        unknown = unknown.or_else(|| Some(("AWS Backup's resource-type opt-in".into(), why.clone())));
                    }
                }
            }
        }
    }
    match unknown {
        Some((what, why)) => Coverage::Unknown(what, why),
        None => Coverage::Uncovered(near),
    }
}

fn judge(out: &mut Out, res: Resource, what: &str, verdict: Coverage, r: &Region) {
    match verdict {
        Coverage::Covered(ev) => {
            let plan = ev["plan"].as_str().unwrap_or_default().to_owned();
            out.pass(res, format!("{what} is protected by backup plan {plan}"), ev);
        }
        Coverage::Uncovered(near) => {
            let plans = r.backup.plans.known().map_or(0, Vec::len);
            let msg = if plans == 0 {
                format!("{what} is in no backup plan: region {} has no AWS Backup plan", r.name)
            } else if near.is_empty() {
                format!("{what} is selected by none of the {plans} backup plan(s) in {}", r.name)
            } else {
                format!("{what} is selected only by tag or `*` in {}, and its resource type is not opted in", r.name)
            };
            out.fail(res, msg, json!({ "plans_in_region": plans, "near_misses": near }));
        }
        Coverage::Unknown(what_data, why) => out.unknown(res, &what_data, &why),
    }
}

fn rds_covered(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "RDS DB instances",
        |r| &r.rds.instances,
        |out, a, r, d| {
            let res = db_resource(a, &r.name, d);
            let (target, what) = match &d.cluster_id {
                Some(c) => (
                    Target {
                        arn: format!("arn:{}:rds:{}:{}:cluster:{c}", a.partition, r.name, a.id),
                        tags: &d.tags,
                        kind: "Aurora",
                    },
                    format!("DB instance {} (cluster {c})", d.id),
                ),
                None => (Target { arn: d.arn.clone(), tags: &d.tags, kind: "RDS" }, format!("DB instance {}", d.id)),
            };
            judge(out, res, &what, coverage(r, &[target]), r);
        },
    );
}

fn efs_covered(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "EFS file systems",
        |r| &r.efs.file_systems,
        |out, a, r, f| {
            let res = efs_resource(a, &r.name, f);
            let target = Target { arn: f.arn.clone(), tags: &f.tags, kind: "EFS" };
            judge(out, res, &format!("EFS file system {}", f.id), coverage(r, &[target]), r);
        },
    );
}

fn ebs_covered(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "EBS volumes",
        |r| &r.ec2.volumes,
        |out, a, r, v| {
            if matches!(v.state.as_str(), "deleting" | "deleted") {
                return;
            }
            let arn = ec2_arn(a, &r.name, "volume", &v.id);
            let res = tagged(resource(a, &r.name, "AwsEc2Volume", arn.clone()), &v.tags);
            let mut targets = vec![Target { arn, tags: &v.tags, kind: "EBS" }];
            // The attached instances' tags decide their tag selections.
            let mut instances_unknown = None;
            if !v.attached_instance_ids.is_empty() {
                match r.ec2.instances.get() {
                    Ok(list) => {
                        for i in list.iter().filter(|i| v.attached_instance_ids.contains(&i.id)) {
                            let arn = ec2_arn(a, &r.name, "instance", &i.id);
                            targets.push(Target { arn, tags: &i.tags, kind: "EC2" });
                        }
                    }
                    Err(why) => instances_unknown = Some(why),
                }
            }
            match (coverage(r, &targets), instances_unknown) {
                (Coverage::Uncovered(_), Some(why)) => {
                    out.unknown(res, "the EC2 instances the volume is attached to", why);
                }
                (c, _) => judge(out, res, &format!("EBS volume {}", v.id), c, r),
            }
        },
    );
}
