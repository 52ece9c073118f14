//! CloudTrail as each region's `DescribeTrails` shows it: the organization trail (also
//! in member accounts), data-event trails, and staging's own weaker trails.

use crate::{Ctx, Kind, Spec, ago, ids, kms, rng::Rng, s3};
use warden_model::Observed;
use warden_model::inventory::{
    AdvancedEventSelector, CloudTrail, DataResource, EventSelector, EventSelectors, FieldSelector, Trail, TrailStatus,
};

fn status(logging: bool, rng: &mut Rng) -> Observed<TrailStatus> {
    Observed::Known(TrailStatus {
        is_logging: logging,
        latest_delivery_time: Some(if logging { ago(0, rng) } else { ago(63, rng) }),
        latest_delivery_error: None,
    })
}

fn management_only() -> EventSelectors {
    EventSelectors {
        basic: vec![EventSelector {
            read_write_type: "All".into(),
            include_management_events: true,
            data_resources: Vec::new(),
        }],
        advanced: Vec::new(),
    }
}

fn org_trail(seed: u64, rng: &mut Rng) -> Trail {
    let key = kms::key_uuid(seed, ids::MANAGEMENT, "us-east-1", "cloudtrail");
    Trail {
        name: "northwind-org-trail".into(),
        arn: format!("arn:aws:cloudtrail:us-east-1:{}:trail/northwind-org-trail", ids::MANAGEMENT),
        home_region: "us-east-1".into(),
        multi_region: true,
        organization_trail: true,
        log_file_validation: true,
        kms_key_id: Some(format!("arn:aws:kms:us-east-1:{}:key/{key}", ids::MANAGEMENT)),
        s3_bucket: s3::org_trail_bucket(),
        s3_key_prefix: None,
        cloudwatch_logs_group_arn: Some(format!(
            "arn:aws:logs:us-east-1:{}:log-group:aws-cloudtrail-logs-northwind-org:*",
            ids::MANAGEMENT
        )),
        include_global_service_events: true,
        status: status(true, rng),
        event_selectors: Observed::Known(management_only()),
    }
}

/// A multi-region trail recording S3 object-level events (read and write) for every bucket.
fn data_event_trail(seed: u64, spec: &Spec, rng: &mut Rng, advanced: bool) -> Trail {
    let name = format!("{}-s3-data-events", spec.label());
    let key = kms::key_uuid(seed, &spec.id, "us-east-1", "cloudtrail");
    let selectors = if advanced {
        EventSelectors {
            basic: Vec::new(),
            advanced: vec![AdvancedEventSelector {
                name: "S3 object-level events, all buckets".into(),
                field_selectors: vec![
                    FieldSelector { field: "eventCategory".into(), equals: vec!["Data".into()], ..selector() },
                    FieldSelector {
                        field: "resources.type".into(),
                        equals: vec!["AWS::S3::Object".into()],
                        ..selector()
                    },
                ],
            }],
        }
    } else {
        EventSelectors {
            basic: vec![EventSelector {
                read_write_type: "All".into(),
                include_management_events: false,
                data_resources: vec![DataResource {
                    kind: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }],
            }],
            advanced: Vec::new(),
        }
    };
    Trail {
        name: name.clone(),
        arn: format!("arn:aws:cloudtrail:us-east-1:{}:trail/{name}", spec.id),
        home_region: "us-east-1".into(),
        multi_region: true,
        organization_trail: false,
        log_file_validation: true,
        kms_key_id: Some(format!("arn:aws:kms:us-east-1:{}:key/{key}", spec.id)),
        s3_bucket: s3::org_trail_bucket(),
        s3_key_prefix: Some(format!("data-events/{}", spec.id)),
        cloudwatch_logs_group_arn: None,
        include_global_service_events: false,
        status: status(true, rng),
        event_selectors: Observed::Known(selectors),
    }
}

fn selector() -> FieldSelector {
    FieldSelector {
        field: String::new(),
        equals: Vec::new(),
        not_equals: Vec::new(),
        starts_with: Vec::new(),
        not_starts_with: Vec::new(),
        ends_with: Vec::new(),
        not_ends_with: Vec::new(),
    }
}

pub(crate) fn build(ctx: &Ctx, spec: &Spec, region: &str) -> CloudTrail {
    let mut rng = Rng::derive(ctx.seed, &format!("cloudtrail/{}/{region}", spec.id));
    let mut trails = Vec::new();
    if spec.in_org() {
        trails.push(org_trail(ctx.seed, &mut rng));
    }
    match spec.kind {
        Kind::Prod => trails.push(data_event_trail(ctx.seed, spec, &mut rng, true)),
        Kind::Security => trails.push(data_event_trail(ctx.seed, spec, &mut rng, false)),
        Kind::Staging => {
            // Planted: the account's multi-region trail was stopped two months ago...
            trails.push(Trail {
                name: "staging-trail".into(),
                arn: format!("arn:aws:cloudtrail:us-east-1:{}:trail/staging-trail", spec.id),
                home_region: "us-east-1".into(),
                multi_region: true,
                organization_trail: false,
                log_file_validation: true,
                kms_key_id: None,
                s3_bucket: s3::staging_trail_bucket(),
                s3_key_prefix: None,
                cloudwatch_logs_group_arn: None,
                include_global_service_events: true,
                status: status(false, &mut rng),
                event_selectors: Observed::Known(management_only()),
            });
            // ...and a single-region debug trail without validation or KMS is all that runs.
            if region == "us-east-1" {
                trails.push(Trail {
                    name: "staging-debug".into(),
                    arn: format!("arn:aws:cloudtrail:us-east-1:{}:trail/staging-debug", spec.id),
                    home_region: "us-east-1".into(),
                    multi_region: false,
                    organization_trail: false,
                    log_file_validation: false,
                    kms_key_id: None,
                    s3_bucket: s3::staging_trail_bucket(),
                    s3_key_prefix: Some("debug".into()),
                    cloudwatch_logs_group_arn: None,
                    include_global_service_events: false,
                    status: status(true, &mut rng),
                    event_selectors: Observed::Known(management_only()),
                });
            }
        }
        Kind::Management | Kind::Workload(_) => {}
    }
    CloudTrail { trails: Observed::Known(trails) }
}
