//! Amazon SQS queues in one region and their queue policies.

use super::PolicyDocument;
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sqs {
    #[serde(default)]
    pub queues: Observed<Vec<Queue>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Queue {
    pub name: String,
    pub url: String,
    pub arn: String,
    /// The queue's `Policy` attribute; `None` when it has none.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}
