//! Monitoring services in one region: CloudWatch Logs metric filters, CloudWatch alarms,
//! SNS topics and subscriptions, AWS Config, Security Hub and IAM Access Analyzer.

use crate::ctx::{Ctx, policy_document, read_each};
use warden_model::Observed;
use warden_model::inventory::{
    AccessAnalyzer, Analyzer, CloudWatch, Config, ConfigRecorder, DeliveryChannel, Detector, GuardDuty, Hub, Logs,
    MetricAlarm, MetricFilter, MetricName, SecurityHub, Sns, Subscription, Topic,
};

/// Everything this module collects for a region.
pub struct Monitoring {
    pub logs: Logs,
    pub cloudwatch: CloudWatch,
    pub sns: Sns,
    pub config: Config,
    pub securityhub: SecurityHub,
    pub access_analyzer: AccessAnalyzer,
}

pub async fn collect(ctx: &Ctx, region: &str) -> Monitoring {
    let (logs, cloudwatch, sns, config, securityhub, access_analyzer) = tokio::join!(
        logs(ctx, region),
        alarms(ctx, region),
        sns(ctx, region),
        config(ctx, region),
        securityhub(ctx, region),
        analyzers(ctx, region),
    );
    Monitoring { logs, cloudwatch, sns, config, securityhub, access_analyzer }
}

async fn logs(ctx: &Ctx, region: &str) -> Logs {
    let c = ctx.logs(region);
    let filters = ctx
        .obs("logs:DescribeMetricFilters", c.describe_metric_filters().into_paginator().items().send().try_collect())
        .await
        .map(|all| {
            all.into_iter()
                .map(|f| MetricFilter {
                    name: f.filter_name.unwrap_or_default(),
                    log_group: f.log_group_name.unwrap_or_default(),
                    pattern: f.filter_pattern.unwrap_or_default(),
                    metrics: f
                        .metric_transformations
                        .unwrap_or_default()
                        .into_iter()
                        .map(|m| MetricName { namespace: m.metric_namespace, name: m.metric_name })
                        .collect(),
                })
                .collect::<Vec<_>>()
        });
    Logs { metric_filters: filters }
}

async fn alarms(ctx: &Ctx, region: &str) -> CloudWatch {
    let c = ctx.cloudwatch(region);
    let pages = ctx.obs("cloudwatch:DescribeAlarms", c.describe_alarms().into_paginator().send().try_collect()).await;
    CloudWatch {
        alarms: pages.map(|pages| {
            pages
                .into_iter()
                .flat_map(|p| p.metric_alarms.unwrap_or_default())
                .map(|a| MetricAlarm {
                    name: a.alarm_name.unwrap_or_default(),
                    arn: a.alarm_arn.unwrap_or_default(),
                    metric: match (a.namespace, a.metric_name) {
                        (Some(namespace), Some(name)) => Some(MetricName { namespace, name }),
                        _ => None,
                    },
                    actions_enabled: a.actions_enabled.unwrap_or(true),
                    alarm_actions: a.alarm_actions.unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        }),
    }
}

async fn sns(ctx: &Ctx, region: &str) -> Sns {
    let c = ctx.sns(region);
    let listed = ctx.obs("sns:ListTopics", c.list_topics().into_paginator().items().send().try_collect()).await;
    let arns = listed.map(|t| t.into_iter().filter_map(|t| t.topic_arn).collect());
    let topics = read_each(arns, |arn: String| {
        let c = c.clone();
        async move {
            let (subscriptions, attributes) = tokio::join!(
                ctx.obs(
                    "sns:ListSubscriptionsByTopic",
                    c.list_subscriptions_by_topic().topic_arn(&arn).into_paginator().items().send().try_collect(),
                ),
                ctx.obs("sns:GetTopicAttributes", c.get_topic_attributes().topic_arn(&arn).send()),
            );
            let subscriptions = subscriptions.map(|subs| {
                subs.into_iter()
                    .map(|s| Subscription {
                        arn: s.subscription_arn.unwrap_or_default(),
                        protocol: s.protocol.unwrap_or_default(),
                        endpoint: s.endpoint.unwrap_or_default(),
                    })
                    .collect::<Vec<_>>()
            });
            let policy =
                attributes.map(|o| o.attributes.and_then(|mut a| a.remove("Policy")).map(|p| policy_document(&p)));
            Topic { arn, subscriptions, policy }
        }
    })
    .await;
    Sns { topics }
}

async fn config(ctx: &Ctx, region: &str) -> Config {
    let c = ctx.config(region);
    let recorders = async {
        let (described, status) = tokio::join!(
            ctx.obs("config:DescribeConfigurationRecorders", c.describe_configuration_recorders().send()),
            ctx.obs("config:DescribeConfigurationRecorderStatus", c.describe_configuration_recorder_status().send()),
        );
        let status = status.map(|s| s.configuration_recorders_status.unwrap_or_default());
        described.map(|d| {
            d.configuration_recorders
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    let name = r.name.unwrap_or_default();
                    let group = r.recording_group;
                    let recording = match &status {
                        Observed::Known(all) => {
                            Observed::Known(all.iter().any(|s| s.name.as_deref() == Some(name.as_str()) && s.recording))
                        }
                        Observed::Unknown(u) => Observed::Unknown(u.clone()),
                    };
                    ConfigRecorder {
                        role_arn: r.role_arn.unwrap_or_default(),
                        all_supported: group.as_ref().is_some_and(|g| g.all_supported),
                        include_global_resource_types: group.as_ref().is_some_and(|g| g.include_global_resource_types),
                        recording,
                        name,
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let channels = async {
        ctx.obs("config:DescribeDeliveryChannels", c.describe_delivery_channels().send()).await.map(|d| {
            d.delivery_channels
                .unwrap_or_default()
                .into_iter()
                .map(|ch| DeliveryChannel {
                    name: ch.name.unwrap_or_default(),
                    s3_bucket: ch.s3_bucket_name.unwrap_or_default(),
                    sns_topic_arn: ch.sns_topic_arn,
                })
                .collect::<Vec<_>>()
        })
    };
    let (recorders, delivery_channels) = tokio::join!(recorders, channels);
    Config { recorders, delivery_channels }
}

/// Error codes meaning "Security Hub is not enabled here".
const HUB_ABSENT: &[&str] = &["InvalidAccessException", "ResourceNotFoundException"];

async fn securityhub(ctx: &Ctx, region: &str) -> SecurityHub {
    let c = ctx.securityhub(region);
    let hub = ctx.obs_opt("securityhub:DescribeHub", HUB_ABSENT, c.describe_hub().send()).await.map(|o| {
        o.map(|h| Hub {
            arn: h.hub_arn.unwrap_or_default(),
            subscribed_at: h
                .subscribed_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.to_utc()),
            auto_enable_controls: h.auto_enable_controls.unwrap_or(false),
        })
    });
    SecurityHub { hub }
}

async fn analyzers(ctx: &Ctx, region: &str) -> AccessAnalyzer {
    let c = ctx.access_analyzer(region);
    let listed = ctx
        .obs("access-analyzer:ListAnalyzers", c.list_analyzers().into_paginator().items().send().try_collect())
        .await;
    AccessAnalyzer {
        analyzers: listed.map(|all| {
            all.into_iter()
                .map(|a| Analyzer {
                    arn: a.arn,
                    name: a.name,
                    kind: a.r#type.as_str().to_owned(),
                    status: a.status.as_str().to_owned(),
                })
                .collect::<Vec<_>>()
        }),
    }
}

pub async fn guardduty(ctx: &Ctx, region: &str) -> GuardDuty {
    let c = ctx.guardduty(region);
    let listed = ctx.obs("guardduty:ListDetectors", c.list_detectors().into_paginator().send().try_collect()).await;
    let ids = listed.map(|pages| pages.into_iter().flat_map(|p| p.detector_ids.unwrap_or_default()).collect());
    let detectors = read_each(ids, |id: String| {
        let c = c.clone();
        async move {
            let status = ctx
                .obs("guardduty:GetDetector", c.get_detector().detector_id(&id).send())
                .await
                .map(|o| o.status.map(|s| s.as_str().to_owned()).unwrap_or_default());
            Detector { id, status }
        }
    })
    .await;
    GuardDuty { detectors }
}
