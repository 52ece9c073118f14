//! The inventory: accounts → (global services, regions) → resources.
//!
//! Adding a service is local: a module with its types, a field on [`Account`] or
//! [`Region`] (an `Observed<…>` defaulting to "not collected"), and its collectors.

mod account;
mod backup;
mod cloudtrail;
mod credentials;
mod dynamodb;
mod ec2;
mod ecr;
mod iam;
mod kms;
mod lambda;
mod monitoring;
mod organization;
mod s3;
mod sqs;
mod storage;

pub use account::*;
pub use backup::*;
pub use cloudtrail::*;
pub use credentials::*;
pub use dynamodb::*;
pub use ec2::*;
pub use ecr::*;
pub use iam::*;
pub use kms::*;
pub use lambda::*;
pub use monitoring::*;
pub use organization::*;
pub use s3::*;
pub use sqs::*;
pub use storage::*;

use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An IAM-style policy document, kept as the JSON it was read as (already URL-decoded).
/// The IAM engine parses it; the model only carries it.
pub type PolicyDocument = serde_json::Value;

pub type Tags = BTreeMap<String, String>;

/// Everything collected: one or more accounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Inventory {
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// The organization the accounts belong to, read from its management account;
    /// `None` when the scanned account is not in an organization.
    #[serde(default)]
    pub organization: Observed<Option<Organization>>,
}

/// Per-region services of one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Region {
    pub name: String,
    #[serde(default)]
    pub ec2: Ec2,
    #[serde(default)]
    pub kms: Kms,
    #[serde(default)]
    pub cloudtrail: CloudTrail,
    #[serde(default)]
    pub logs: Logs,
    #[serde(default)]
    pub cloudwatch: CloudWatch,
    #[serde(default)]
    pub sns: Sns,
    #[serde(default)]
    pub config: Config,
    #[serde(default)]
    pub securityhub: SecurityHub,
    #[serde(default)]
    pub access_analyzer: AccessAnalyzer,
    #[serde(default)]
    pub rds: Rds,
    #[serde(default)]
    pub efs: Efs,
    #[serde(default)]
    pub elb: Elb,
    #[serde(default)]
    pub macie: Macie,
    #[serde(default)]
    pub guardduty: GuardDuty,
    #[serde(default)]
    pub secretsmanager: SecretsManager,
    #[serde(default)]
    pub acm: Acm,
    #[serde(default)]
    pub backup: Backup,
    #[serde(default)]
    pub lambda: Lambda,
    #[serde(default)]
    pub sqs: Sqs,
    #[serde(default)]
    pub ecr: Ecr,
    #[serde(default)]
    pub dynamodb: DynamoDb,
}

impl Inventory {
    /// Number of resources, roughly: principals, policies, buckets, network objects,
    /// instances, volumes, keys and trails. Used for progress and benchmarks.
    pub fn resource_count(&self) -> usize {
        fn n<T>(o: &crate::Observed<Vec<T>>) -> usize {
            o.known().map_or(0, Vec::len)
        }
        self.accounts
            .iter()
            .map(|a| {
                let iam = n(&a.iam.users) + n(&a.iam.groups) + n(&a.iam.roles) + n(&a.iam.policies);
                let s3 = n(&a.s3.buckets);
                let regional: usize = a
                    .regions
                    .iter()
                    .map(|r| {
                        let e = &r.ec2;
                        n(&e.vpcs)
                            + n(&e.subnets)
                            + n(&e.route_tables)
                            + n(&e.security_groups)
                            + n(&e.network_acls)
                            + n(&e.network_interfaces)
                            + n(&e.instances)
                            + n(&e.volumes)
                            + n(&e.snapshots)
                            + n(&r.kms.keys)
                            + n(&r.cloudtrail.trails)
                            + n(&r.rds.instances)
                            + n(&r.efs.file_systems)
                            + n(&r.elb.v2)
                            + n(&r.elb.classic)
                            + n(&r.rds.snapshots)
                            + n(&r.rds.cluster_snapshots)
                            + n(&r.lambda.functions)
                            + n(&r.sqs.queues)
                            + n(&r.ecr.repositories)
                            + n(&r.dynamodb.tables)
                    })
                    .sum();
                iam + s3 + regional
            })
            .sum()
    }
}
