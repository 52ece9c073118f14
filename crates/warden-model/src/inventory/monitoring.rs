//! Monitoring services of one region: CloudWatch Logs metric filters, CloudWatch alarms,
//! SNS topics with their subscriptions, AWS Config, Security Hub and IAM Access Analyzer.

use super::PolicyDocument;
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CloudWatch Logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Logs {
    /// Every metric filter of every log group in the region.
    #[serde(default)]
    pub metric_filters: Observed<Vec<MetricFilter>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricFilter {
    pub name: String,
    pub log_group: String,
    /// The filter pattern as written, e.g. `{ ($.errorCode = "*UnauthorizedOperation") }`.
    pub pattern: String,
    /// The metrics the filter publishes.
    #[serde(default)]
    pub metrics: Vec<MetricName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MetricName {
    pub namespace: String,
    pub name: String,
}

/// CloudWatch alarms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudWatch {
    #[serde(default)]
    pub alarms: Observed<Vec<MetricAlarm>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricAlarm {
    pub name: String,
    pub arn: String,
    /// The metric watched; `None` for alarms on metric math.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricName>,
    #[serde(default = "yes")]
    pub actions_enabled: bool,
    /// ARNs notified when the alarm fires (SNS topics, Auto Scaling, EC2 actions).
    #[serde(default)]
    pub alarm_actions: Vec<String>,
}

fn yes() -> bool {
    true
}

/// SNS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sns {
    #[serde(default)]
    pub topics: Observed<Vec<Topic>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Topic {
    pub arn: String,
    #[serde(default)]
    pub subscriptions: Observed<Vec<Subscription>>,
    /// The topic's access policy (`GetTopicAttributes`, `Policy`).
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Subscription {
    /// `PendingConfirmation` until the endpoint confirms.
    pub arn: String,
    /// `email`, `sms`, `https`, `lambda`, `sqs`, ….
    pub protocol: String,
    #[serde(default)]
    pub endpoint: String,
}

impl Subscription {
    pub fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// AWS Config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Config {
    #[serde(default)]
    pub recorders: Observed<Vec<ConfigRecorder>>,
    #[serde(default)]
    pub delivery_channels: Observed<Vec<DeliveryChannel>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigRecorder {
    pub name: String,
    #[serde(default)]
    pub role_arn: String,
    /// Records every supported resource type.
    #[serde(default)]
    pub all_supported: bool,
    #[serde(default)]
    pub include_global_resource_types: bool,
    /// Whether the recorder is running (`DescribeConfigurationRecorderStatus`).
    #[serde(default)]
    pub recording: Observed<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryChannel {
    pub name: String,
    #[serde(default)]
    pub s3_bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
}

/// Security Hub.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityHub {
    /// `None` when Security Hub is not enabled in the region.
    #[serde(default)]
    pub hub: Observed<Option<Hub>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hub {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub auto_enable_controls: bool,
}

/// IAM Access Analyzer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccessAnalyzer {
    #[serde(default)]
    pub analyzers: Observed<Vec<Analyzer>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Analyzer {
    pub arn: String,
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_UNUSED_ACCESS`, ….
    pub kind: String,
    /// `ACTIVE`, `CREATING`, `DISABLED`, `FAILED`.
    pub status: String,
}

impl Analyzer {
    /// An active analyzer of external access (not unused access).
    pub fn watches_external_access(&self) -> bool {
        self.status == "ACTIVE" && matches!(self.kind.as_str(), "ACCOUNT" | "ORGANIZATION")
    }
}

/// Amazon GuardDuty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GuardDuty {
    #[serde(default)]
    pub detectors: Observed<Vec<Detector>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Detector {
    pub id: String,
    /// `ENABLED` or `DISABLED`; unknown when `GetDetector` failed.
    pub status: Observed<String>,
}
