//! Amazon ECR private repositories in one region and their repository policies.

use super::PolicyDocument;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ecr {
    #[serde(default)]
    pub repositories: Observed<Vec<Repository>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Repository {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub uri: String,
    /// `IMMUTABLE` tags cannot be overwritten.
    #[serde(default)]
    pub tag_immutable: bool,
    #[serde(default)]
    pub scan_on_push: bool,
    /// `GetRepositoryPolicy`; `None` when the repository has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}
