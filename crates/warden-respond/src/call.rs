//! One AWS API request, as data: what a plan prints and what the executor performs,
//! verbatim. Parameters use the API's own member names (`BucketName`, `IpPermissions`),
//! so a plan reads like the API reference and can be replayed with the CLI.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The SDK client: `s3`, `s3control`, `ec2`, `iam`, `kms`, `cloudtrail`, `config`,
    /// `guardduty`, `securityhub`, `accessanalyzer`, `logs`, `cloudwatch`, `rds`,
    /// `macie2`, `account`, `autoscaling`, `elbv2`.
    pub service: String,
    /// The API operation, e.g. `PutBucketPolicy`.
    pub operation: String,
    /// The region the request goes to; `global` for IAM and the account API.
    pub region: String,
    /// The request, an object keyed by the API's member names.
    pub params: Value,
}

impl Call {
    pub fn new(service: &str, operation: &str, region: &str, params: Value) -> Call {
        Call { service: service.into(), operation: operation.into(), region: region.into(), params }
    }

    /// A string parameter, for executors.
    pub fn str(&self, name: &str) -> Result<&str, String> {
        self.params
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{}:{} needs the string parameter `{name}`", self.service, self.operation))
    }

    /// An optional parameter.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.params.get(name).filter(|v| !v.is_null())
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({}) {}", self.service, self.operation, self.region, self.params)
    }
}
