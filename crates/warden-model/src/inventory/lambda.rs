//! AWS Lambda in one region: functions and layer versions, each with the resource policy
//! that decides who outside the account may invoke or read it.

use super::PolicyDocument;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lambda {
    #[serde(default)]
    pub functions: Observed<Vec<Function>>,
    /// Every version of every layer (older versions keep their own policies).
    #[serde(default)]
    pub layer_versions: Observed<Vec<LayerVersion>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Function {
    pub name: String,
    pub arn: String,
    /// `python3.12`, `nodejs20.x`, …; empty for container images.
    #[serde(default)]
    pub runtime: String,
    /// The execution role.
    #[serde(default)]
    pub role: String,
    /// The function's resource policy (`GetPolicy`); `None` when it has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LayerVersion {
    /// The layer's name.
    pub name: String,
    /// The layer version ARN (`arn:aws:lambda:<region>:<account>:layer:<name>:<version>`).
    pub arn: String,
    pub version: i64,
    /// `GetLayerVersionPolicy`; `None` when the version has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}
