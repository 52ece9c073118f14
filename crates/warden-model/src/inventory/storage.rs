//! Databases and file systems in one region: RDS DB instances and EFS file systems.

use super::Tags;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Amazon RDS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rds {
    #[serde(default)]
    pub instances: Observed<Vec<DbInstance>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbInstance {
    /// The DB instance identifier.
    pub id: String,
    pub arn: String,
    /// `postgres`, `mysql`, `aurora-postgresql`, ….
    #[serde(default)]
    pub engine: String,
    #[serde(default)]
    pub storage_encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub publicly_accessible: bool,
    #[serde(default)]
    pub auto_minor_version_upgrade: bool,
    #[serde(default)]
    pub multi_az: bool,
    /// Set for instances of an Aurora cluster, whose storage and availability the cluster
    /// decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// Amazon EFS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Efs {
    #[serde(default)]
    pub file_systems: Observed<Vec<FileSystem>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileSystem {
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// Elastic Load Balancing: Application, Network and Gateway load balancers (ELBv2) and
/// Classic load balancers, read by separate APIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Elb {
    #[serde(default)]
    pub v2: Observed<Vec<LoadBalancer>>,
    #[serde(default)]
    pub classic: Observed<Vec<LoadBalancer>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadBalancer {
    pub name: String,
    /// The ARN for ELBv2; Warden's `arn:…:elasticloadbalancing:…:loadbalancer/NAME` for
    /// Classic load balancers, which have none.
    pub arn: String,
    /// `application`, `network`, `gateway` or `classic`.
    pub kind: String,
    /// `internet-facing` or `internal`.
    #[serde(default)]
    pub scheme: String,
    /// Whether access logs are delivered to S3.
    #[serde(default)]
    pub access_logs: Observed<bool>,
}

/// CloudFront (global; collected with the account's home region).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CloudFront {
    #[serde(default)]
    pub distributions: Observed<Vec<Distribution>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Distribution {
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub domain_name: String,
    /// Standard (legacy S3) access logging.
    #[serde(default)]
    pub access_logs: Observed<bool>,
}

/// Amazon Macie.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Macie {
    /// `None` when Macie is not enabled in the region.
    #[serde(default)]
    pub session: Observed<Option<MacieSession>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MacieSession {
    /// `ENABLED` or `PAUSED`.
    pub status: String,
}
