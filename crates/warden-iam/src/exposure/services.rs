//! The other resource types with a resource policy or a sharing list: Lambda functions
//! and layer versions, SQS queues, SNS topics, Secrets Manager secrets, ECR repositories,
//! EFS file systems and DynamoDB tables (a policy, probed on a few representative
//! actions), and RDS snapshots (a `restore` list, like an EBS snapshot's
//! `createVolumePermission`).
//!
//! Each type differs only in its actions, the ARN probed and how "no policy" reads: for
//! all of them, no policy means nothing outside the account is granted.

use super::{Access, Analyzer, Audience, Exposure, ResourceKind, Source};
use warden_model::Observed;
use warden_model::inventory::{
    Account, DbSnapshot, FileSystem, Function, LayerVersion, PolicyDocument, Queue, Repository, Secret, Table, Topic,
};

/// Actions probed on Lambda functions.
pub const LAMBDA_FUNCTION_ACTIONS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:AddPermission",
];
/// The action a layer version policy grants.
pub const LAMBDA_LAYER_ACTIONS: &[&str] = &["lambda:GetLayerVersion"];
/// Actions probed on SQS queues.
pub const SQS_ACTIONS: &[&str] =
    &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes"];
/// Actions probed on SNS topics.
pub const SNS_ACTIONS: &[&str] = &["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes"];
/// Actions probed on Secrets Manager secrets.
pub const SECRET_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteSecret",
];
/// Actions probed on ECR repositories.
pub const ECR_ACTIONS: &[&str] = &[
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:PutImage",
    "ecr:BatchDeleteImage",
    "ecr:SetRepositoryPolicy",
];
/// Actions probed on EFS file systems.
pub const EFS_ACTIONS: &[&str] =
    &["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"];
/// Actions probed on DynamoDB tables.
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutResourcePolicy",
];
/// The action a DB snapshot's `restore` attribute grants.
pub const RDS_SNAPSHOT_ACTION: &str = "rds:RestoreDBInstanceFromDBSnapshot";
/// The action a DB cluster snapshot's `restore` attribute grants.
pub const RDS_CLUSTER_SNAPSHOT_ACTION: &str = "rds:RestoreDBClusterFromSnapshot";

impl Analyzer {
    /// A Lambda function: its resource policy (`GetPolicy`).
    pub fn function(&self, account: &Account, region: &str, f: &Function) -> Exposure {
        let e = Exposure::new(&f.arn, ResourceKind::LambdaFunction, &account.id, region);
        self.optional_policy(e, &f.policy, "function policy", LAMBDA_FUNCTION_ACTIONS)
    }

    /// A Lambda layer version: its policy (`GetLayerVersionPolicy`).
    pub fn layer_version(&self, account: &Account, region: &str, l: &LayerVersion) -> Exposure {
        let e = Exposure::new(&l.arn, ResourceKind::LambdaLayerVersion, &account.id, region);
        self.optional_policy(e, &l.policy, "layer version policy", LAMBDA_LAYER_ACTIONS)
    }

    /// An SQS queue: its queue policy.
    pub fn queue(&self, account: &Account, region: &str, q: &Queue) -> Exposure {
        let e = Exposure::new(&q.arn, ResourceKind::SqsQueue, &account.id, region);
        self.optional_policy(e, &q.policy, "queue policy", SQS_ACTIONS)
    }

    /// An SNS topic: its access policy.
    pub fn topic(&self, account: &Account, region: &str, t: &Topic) -> Exposure {
        let e = Exposure::new(&t.arn, ResourceKind::SnsTopic, &account.id, region);
        self.optional_policy(e, &t.policy, "topic policy", SNS_ACTIONS)
    }

    /// A Secrets Manager secret: its resource policy.
    pub fn secret(&self, account: &Account, region: &str, s: &Secret) -> Exposure {
        let e = Exposure::new(&s.arn, ResourceKind::SecretsManagerSecret, &account.id, region);
        self.optional_policy(e, &s.policy, "secret's resource policy", SECRET_ACTIONS)
    }

    /// An ECR repository: its repository policy.
    pub fn repository(&self, account: &Account, region: &str, r: &Repository) -> Exposure {
        let e = Exposure::new(&r.arn, ResourceKind::EcrRepository, &account.id, region);
        self.optional_policy(e, &r.policy, "repository policy", ECR_ACTIONS)
    }

    /// An EFS file system: its file system policy. Any access found still needs a network
    /// path to a mount target; a note says so.
    pub fn file_system(&self, account: &Account, region: &str, f: &FileSystem) -> Exposure {
        let e = Exposure::new(&f.arn, ResourceKind::EfsFileSystem, &account.id, region);
        let mut e = self.optional_policy(e, &f.policy, "file system policy", EFS_ACTIONS);
        if !e.accesses.is_empty() {
            e.notes.push("NFS clients also need a network path to one of the file system's mount targets".into());
        }
        e
    }

    /// A DynamoDB table: its resource policy (streams and indexes are not probed).
    pub fn table(&self, account: &Account, region: &str, t: &Table) -> Exposure {
        let e = Exposure::new(&t.arn, ResourceKind::DynamodbTable, &account.id, region);
        self.optional_policy(e, &t.policy, "table's resource policy", DYNAMODB_ACTIONS)
    }

    /// A manual DB snapshot: its `restore` attribute.
    pub fn db_snapshot(&self, account: &Account, region: &str, s: &DbSnapshot) -> Exposure {
        let e = Exposure::new(&s.arn, ResourceKind::RdsDbSnapshot, &account.id, region);
        self.shares(e, &s.restore, "the snapshot's restore attribute", Source::RestoreAttribute, RDS_SNAPSHOT_ACTION)
    }

    /// A manual DB cluster snapshot: its `restore` attribute.
    pub fn db_cluster_snapshot(&self, account: &Account, region: &str, s: &DbSnapshot) -> Exposure {
        let e = Exposure::new(&s.arn, ResourceKind::RdsClusterSnapshot, &account.id, region);
        let what = "the cluster snapshot's restore attribute";
        self.shares(e, &s.restore, what, Source::RestoreAttribute, RDS_CLUSTER_SNAPSHOT_ACTION)
    }

    /// A resource whose policy may be absent: no policy grants nothing outside the account.
    fn optional_policy(
        &self,
        e: Exposure,
        policy: &Observed<Option<PolicyDocument>>,
        what: &str,
        actions: &[&str],
    ) -> Exposure {
        match policy.get() {
            Ok(Some(doc)) => match crate::authorizer::parse_document(doc) {
                Ok(p) => self.policy_exposure(e, &p, actions),
                Err(err) => e.unknown(format!("the {what} does not parse: {err}")),
            },
            Ok(None) => self.finish(e),
            Err(why) => e.unknown(format!("the {what} cannot be read: {why}")),
        }
    }

    /// A sharing list (EBS `createVolumePermission`, RDS `restore`): `all` is public, an
    /// account id other than the owner's a share with that account.
    pub(super) fn shares(
        &self,
        mut e: Exposure,
        entries: &Observed<Vec<String>>,
        what: &str,
        source: Source,
        action: &str,
    ) -> Exposure {
        let entries = match entries.get() {
            Ok(p) => p,
            Err(why) => return e.unknown(format!("{what} cannot be read: {why}")),
        };
        for p in entries {
            let audience = if p.eq_ignore_ascii_case("all") {
                Audience::Anyone
            } else if *p == e.account_id {
                continue;
            } else {
                Audience::Accounts(vec![p.clone()])
            };
            e.accesses.push(Access {
                audience,
                source,
                actions: vec![action.to_owned()],
                conditions: Vec::new(),
                statements: Vec::new(),
                entry: Some(p.clone()),
                trusted: false,
            });
        }
        self.finish(e)
    }
}

#[cfg(test)]
mod tests;
