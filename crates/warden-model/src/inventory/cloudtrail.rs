use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Trails as `DescribeTrails` returns them in one region (including multi-region and
/// organization trails whose home is elsewhere: compare `home_region`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudTrail {
    #[serde(default)]
    pub trails: Observed<Vec<Trail>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    #[serde(default)]
    pub multi_region: bool,
    #[serde(default)]
    pub organization_trail: bool,
    #[serde(default)]
    pub log_file_validation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub s3_bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_logs_group_arn: Option<String>,
    #[serde(default)]
    pub include_global_service_events: bool,
    #[serde(default)]
    pub status: Observed<TrailStatus>,
    #[serde(default)]
    pub event_selectors: Observed<EventSelectors>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrailStatus {
    pub is_logging: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventSelectors {
    #[serde(default)]
    pub basic: Vec<EventSelector>,
    #[serde(default)]
    pub advanced: Vec<AdvancedEventSelector>,
}

impl EventSelectors {
    /// Whether the selectors record management events of both read and write type.
    /// With neither kind configured, CloudTrail records all management events.
    pub fn logs_all_management_events(&self) -> bool {
        if self.basic.is_empty() && self.advanced.is_empty() {
            return true;
        }
        let basic = self.basic.iter().any(|s| s.include_management_events && s.read_write_type == "All");
        let advanced = self.advanced.iter().any(|s| {
            let mut is_mgmt = false;
            let mut read_only_restricted = false;
            for f in &s.field_selectors {
                if f.field == "eventCategory" && f.equals.iter().any(|v| v == "Management") {
                    is_mgmt = true;
                }
                if f.field == "readOnly" {
                    read_only_restricted = true;
                }
            }
            is_mgmt && !read_only_restricted
        });
        basic || advanced
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`.
    pub read_write_type: String,
    pub include_management_events: bool,
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataResource {
    /// e.g. `AWS::S3::Object`.
    #[serde(rename = "type")]
    pub kind: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AdvancedEventSelector {
    #[serde(default)]
    pub name: String,
    pub field_selectors: Vec<FieldSelector>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FieldSelector {
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}
