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
