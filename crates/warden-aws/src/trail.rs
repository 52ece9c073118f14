//! CloudTrail in one region: trails (shadow trails included), their status and selectors.

use crate::ctx::{Ctx, read_each, time};
use warden_model::inventory::{
    AdvancedEventSelector, CloudTrail, DataResource, EventSelector, EventSelectors, FieldSelector, Trail, TrailStatus,
};

pub async fn collect(ctx: &Ctx, region: &str) -> CloudTrail {
    let c = ctx.cloudtrail(region);
    let listed = ctx.obs("cloudtrail:DescribeTrails", c.describe_trails().include_shadow_trails(true).send()).await;
    let list = listed.map(|o| o.trail_list.unwrap_or_default());
    let trails = read_each(list, |t| {
        let c = c.clone();
        async move {
            let arn = t.trail_arn.clone().unwrap_or_default();
            let status = async {
                ctx.obs("cloudtrail:GetTrailStatus", c.get_trail_status().name(&arn).send()).await.map(|o| {
                    TrailStatus {
                        is_logging: o.is_logging.unwrap_or(false),
                        latest_delivery_time: time(o.latest_delivery_time.as_ref()),
                        latest_delivery_error: o.latest_delivery_error.clone(),
                    }
                })
            };
            let selectors = async {
                ctx.obs("cloudtrail:GetEventSelectors", c.get_event_selectors().trail_name(&arn).send()).await.map(
                    |o| EventSelectors {
                        basic: o
                            .event_selectors()
                            .iter()
                            .map(|e| EventSelector {
                                read_write_type: e.read_write_type().map_or("All", |r| r.as_str()).to_owned(),
                                include_management_events: e.include_management_events().unwrap_or(true),
                                data_resources: e
                                    .data_resources()
                                    .iter()
                                    .map(|d| DataResource {
                                        kind: d.r#type().unwrap_or_default().to_owned(),
                                        values: d.values().to_vec(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                        advanced: o
                            .advanced_event_selectors()
                            .iter()
                            .map(|a| AdvancedEventSelector {
                                name: a.name().unwrap_or_default().to_owned(),
                                field_selectors: a
                                    .field_selectors()
                                    .iter()
                                    .map(|f| FieldSelector {
                                        field: f.field().to_owned(),
                                        equals: f.equals().to_vec(),
                                        not_equals: f.not_equals().to_vec(),
                                        starts_with: f.starts_with().to_vec(),
                                        not_starts_with: f.not_starts_with().to_vec(),
                                        ends_with: f.ends_with().to_vec(),
                                        not_ends_with: f.not_ends_with().to_vec(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    },
                )
            };
            let (status, event_selectors) = tokio::join!(status, selectors);
            Trail {
                name: t.name.unwrap_or_default(),
                arn,
                home_region: t.home_region.unwrap_or_default(),
                multi_region: t.is_multi_region_trail.unwrap_or(false),
                organization_trail: t.is_organization_trail.unwrap_or(false),
                log_file_validation: t.log_file_validation_enabled.unwrap_or(false),
                kms_key_id: t.kms_key_id,
                s3_bucket: t.s3_bucket_name.unwrap_or_default(),
                s3_key_prefix: t.s3_key_prefix,
                cloudwatch_logs_group_arn: t.cloud_watch_logs_log_group_arn,
                include_global_service_events: t.include_global_service_events.unwrap_or(false),
                status,
                event_selectors,
            }
        }
    })
    .await;
    CloudTrail { trails }
}
