//! An SDK interceptor that records every operation the collector calls, named as the
//! IAM action that authorizes it. The scanner-policy test compares this record with
//! `docs/scanner-policy.json`.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// One call: the SDK's service and operation names and the IAM action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RecordedCall {
    pub action: String,
    pub service: String,
    pub operation: String,
}

/// Shared, cloneable set of the calls made so far.
#[derive(Debug, Clone, Default)]
pub struct CallRecorder {
    calls: Arc<Mutex<BTreeSet<RecordedCall>>>,
}

impl CallRecorder {
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls.lock().map(|c| c.iter().cloned().collect()).unwrap_or_default()
    }

    fn add(&self, service: &str, operation: &str) {
        let call = RecordedCall {
            action: iam_action(service, operation),
            service: service.to_owned(),
            operation: operation.to_owned(),
        };
        if let Ok(mut c) = self.calls.lock() {
            c.insert(call);
        }
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "WardenCallRecorder"
    }

    // Not `read_before_execution`: client interceptors run that hook before the
    // operation's configuration (which carries its `Metadata`) is applied.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            self.add(m.service(), m.name());
        }
        Ok(())
    }
}

/// The IAM action for an SDK operation. Most are `prefix:Operation`; S3 names several
/// of its actions differently from the API operations.
pub fn iam_action(service: &str, operation: &str) -> String {
    let prefix = match service {
        "S3" | "S3 Control" | "S3Control" => "s3",
        // SDK service ids whose IAM prefix differs from the id.
        "CloudWatch Logs" => return format!("logs:{operation}"),
        "Config Service" => return format!("config:{operation}"),
        "AccessAnalyzer" => return format!("access-analyzer:{operation}"),
        "EFS" => return format!("elasticfilesystem:{operation}"),
        "Elastic Load Balancing" | "Elastic Load Balancing v2" => return format!("elasticloadbalancing:{operation}"),
        other => return format!("{}:{operation}", other.to_ascii_lowercase().replace(' ', "")),
    };
    let action = match (service, operation) {
        ("S3", "ListBuckets") => "ListAllMyBuckets",
        ("S3", "GetPublicAccessBlock") => "GetBucketPublicAccessBlock",
        ("S3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("S3", "GetObjectLockConfiguration") => "GetBucketObjectLockConfiguration",
        ("S3", "GetBucketLifecycleConfiguration") => "GetLifecycleConfiguration",
        (_, "GetPublicAccessBlock") => "GetAccountPublicAccessBlock",
        (_, op) => op,
    };
    format!("{prefix}:{action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_sdk_operations_to_iam_actions() {
        assert_eq!(iam_action("IAM", "GetAccountAuthorizationDetails"), "iam:GetAccountAuthorizationDetails");
        assert_eq!(iam_action("S3", "ListBuckets"), "s3:ListAllMyBuckets");
        assert_eq!(iam_action("S3", "GetBucketPolicy"), "s3:GetBucketPolicy");
        assert_eq!(iam_action("S3 Control", "GetPublicAccessBlock"), "s3:GetAccountPublicAccessBlock");
        assert_eq!(iam_action("EC2", "DescribeVpcs"), "ec2:DescribeVpcs");
        // SDK service ids whose lowercase is the IAM prefix.
        assert_eq!(iam_action("Lambda", "GetLayerVersionPolicy"), "lambda:GetLayerVersionPolicy");
        assert_eq!(iam_action("SQS", "GetQueueAttributes"), "sqs:GetQueueAttributes");
        assert_eq!(iam_action("ECR", "GetRepositoryPolicy"), "ecr:GetRepositoryPolicy");
        assert_eq!(iam_action("DynamoDB", "GetResourcePolicy"), "dynamodb:GetResourcePolicy");
        assert_eq!(iam_action("EFS", "DescribeFileSystemPolicy"), "elasticfilesystem:DescribeFileSystemPolicy");
        assert_eq!(iam_action("Secrets Manager", "GetResourcePolicy"), "secretsmanager:GetResourcePolicy");
    }
}
