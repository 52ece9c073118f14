use super::{account_resource, resource};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use std::collections::BTreeMap;
use warden_model::inventory::{Account, EventSelectors, Trail};
use warden_model::{Resource, Unknown};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("cloudtrail_multi_region_logging", multi_region),
    ("cloudtrail_log_file_validation", validation),
    ("cloudtrail_kms_encryption", kms),
    ("cloudtrail_s3_write_data_events", s3_write),
    ("cloudtrail_s3_read_data_events", s3_read),
    ("cloudtrail_bucket_access_logging", bucket_logging),
];

/// The distinct trails an account can see, by ARN (multi-region and organization trails
/// show up in every region; the home region's copy wins), and the regions whose trail
/// list could not be read.
pub(super) fn trails(a: &Account) -> (Vec<&Trail>, Vec<(&str, &Unknown)>) {
    let mut by_arn: BTreeMap<&str, &Trail> = BTreeMap::new();
    let mut unknown = Vec::new();
    for r in &a.regions {
        match r.cloudtrail.trails.get() {
            Ok(list) => {
                for t in list {
                    let replace = by_arn
                        .get(t.arn.as_str())
                        .is_none_or(|old| old.home_region != r.name && t.home_region == r.name);
                    if replace {
                        by_arn.insert(&t.arn, t);
                    }
                }
            }
            Err(u) => unknown.push((r.name.as_str(), u)),
        }
    }
    (by_arn.into_values().collect(), unknown)
}

fn trail_resource(a: &Account, t: &Trail) -> Resource {
    resource(a, &t.home_region, "AwsCloudTrailTrail", t.arn.clone())
}

/// An account-level verdict that some trail satisfies `good`. With no such trail and
/// some region unreadable, the answer is ERROR: the trail may be in that region.
fn account_has_trail(ctx: &Ctx, out: &mut Out, what: &str, good: fn(&Trail) -> bool) {
    for a in ctx.accounts() {
        let (list, unknown) = trails(a);
        let found: Vec<_> = list.iter().filter(|t| good(t)).map(|t| &t.arn).collect();
        if let Some((region, why)) = unknown.first().filter(|_| found.is_empty()) {
            out.unknown(account_resource(a), &format!("trails in {region}"), why);
            continue;
        }
        let ok = !found.is_empty();
        let msg = if ok { format!("account {} has {what}", a.id) } else { format!("account {} has no {what}", a.id) };
        let seen: Vec<_> = list.iter().map(|t| &t.arn).collect();
        out.verdict(ok, account_resource(a), msg, json!({ "matching_trails": found, "trails": seen }));
    }
}

fn logs_everything(t: &Trail) -> bool {
    t.multi_region
        && t.status.known().is_some_and(|s| s.is_logging)
        && t.event_selectors.known().is_some_and(EventSelectors::logs_all_management_events)
}

fn multi_region(ctx: &Ctx, out: &mut Out) {
    account_has_trail(ctx, out, "multi-region trail logging all management events", logs_everything);
}

/// Whether selectors record S3 object-level events for all buckets, of the wanted
/// kind: `read` true for read events, false for write events.
fn s3_data_events(sel: &EventSelectors, read: bool) -> bool {
    let wanted = if read { "ReadOnly" } else { "WriteOnly" };
    let basic = sel.basic.iter().any(|s| {
        (s.read_write_type == "All" || s.read_write_type == wanted)
            && s.data_resources.iter().any(|d| {
                d.kind == "AWS::S3::Object" && d.values.iter().any(|v| v.trim_end_matches(':') == "arn:aws:s3")
            })
    });
    let advanced = sel.advanced.iter().any(|s| {
        let field = |name: &str| s.field_selectors.iter().find(|f| f.field == name);
        let is_data = field("eventCategory").is_some_and(|f| f.equals.iter().any(|v| v == "Data"));
        let is_s3 = field("resources.type").is_some_and(|f| f.equals.iter().any(|v| v == "AWS::S3::Object"));
        let all_buckets = field("resources.ARN").is_none();
        let kind_ok = match field("readOnly") {
            None => true,
            Some(f) => f.equals.iter().any(|v| v == if read { "true" } else { "false" }),
        };
        is_data && is_s3 && all_buckets && kind_ok
    });
    basic || advanced
}

fn s3_write(ctx: &Ctx, out: &mut Out) {
    account_has_trail(ctx, out, "multi-region trail logging S3 object-level write events", |t| {
        t.multi_region && t.event_selectors.known().is_some_and(|s| s3_data_events(s, false))
    });
}

fn s3_read(ctx: &Ctx, out: &mut Out) {
    account_has_trail(ctx, out, "multi-region trail logging S3 object-level read events", |t| {
        t.multi_region && t.event_selectors.known().is_some_and(|s| s3_data_events(s, true))
    });
}

fn per_trail(ctx: &Ctx, out: &mut Out, f: fn(&Ctx, &mut Out, &Account, &Trail)) {
    for a in ctx.accounts() {
        let (list, unknown) = trails(a);
        for (region, why) in unknown {
            out.unknown(account_resource(a), &format!("trails in {region}"), why);
        }
        // Trails owned by another account (organization trails seen from a member) are
        // assessed in their owner's account.
        for t in list.into_iter().filter(|t| t.arn.split(':').nth(4) == Some(a.id.as_str())) {
            f(ctx, out, a, t);
        }
    }
}

fn validation(ctx: &Ctx, out: &mut Out) {
    per_trail(ctx, out, |_, out, a, t| {
        let ok = t.log_file_validation;
        let msg = if ok {
            format!("trail {} writes digest files for log file validation", t.name)
        } else {
            format!("trail {} has log file validation off: tampering with its logs goes unnoticed", t.name)
        };
        out.verdict(ok, trail_resource(a, t), msg, json!({ "log_file_validation": ok }));
    });
}

fn kms(ctx: &Ctx, out: &mut Out) {
    per_trail(ctx, out, |_, out, a, t| {
        let ok = t.kms_key_id.is_some();
        let msg = if ok {
            format!("trail {} encrypts its logs with a KMS key", t.name)
        } else {
            format!("trail {} does not encrypt its logs with a KMS key", t.name)
        };
        out.verdict(ok, trail_resource(a, t), msg, json!({ "kms_key_id": t.kms_key_id }));
    });
}

fn bucket_logging(ctx: &Ctx, out: &mut Out) {
    per_trail(ctx, out, |ctx, out, a, t| {
        // The trail bucket usually lives in a log-archive account: look in every account.
        let mut unreadable = None;
        let mut found = None;
        for owner in ctx.accounts() {
            match owner.s3.buckets.get() {
                Ok(list) => {
                    if let Some(b) = list.iter().find(|b| b.name == t.s3_bucket) {
                        found = Some(b);
                        break;
                    }
                }
                Err(u) => unreadable = Some(u.clone()),
            }
        }
        let Some(b) = found else {
            let why = unreadable.unwrap_or(Unknown {
                kind: warden_model::UnknownKind::NotCollected,
                message: format!("bucket `{}` is not in the scanned accounts", t.s3_bucket),
            });
            out.unknown(trail_resource(a, t), &format!("trail bucket {}", t.s3_bucket), &why);
            return;
        };
        let Some(logging) = out.need(&b.logging, || trail_resource(a, t), "the trail bucket's access logging") else {
            return;
        };
        let ok = logging.is_some();
        let msg = if ok {
            format!("the bucket of trail {} ({}) has server access logging", t.name, b.name)
        } else {
            format!("the bucket of trail {} ({}) has no server access logging", t.name, b.name)
        };
        out.verdict(ok, trail_resource(a, t), msg, json!({ "bucket": b.name, "logging": logging }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_model::inventory::{DataResource, EventSelector};

    #[test]
    fn basic_selectors_for_all_buckets() {
        let sel = |rw: &str, values: &[&str]| EventSelectors {
            basic: vec![EventSelector {
                read_write_type: rw.into(),
                include_management_events: true,
                data_resources: vec![DataResource {
                    kind: "AWS::S3::Object".into(),
                    values: values.iter().map(|v| (*v).into()).collect(),
                }],
            }],
            advanced: vec![],
        };
        assert!(s3_data_events(&sel("All", &["arn:aws:s3"]), true));
        assert!(s3_data_events(&sel("WriteOnly", &["arn:aws:s3:::"]), false));
        assert!(!s3_data_events(&sel("WriteOnly", &["arn:aws:s3"]), true));
        assert!(!s3_data_events(&sel("All", &["arn:aws:s3:::one-bucket/"]), true));
    }
}
