//! Databases and file systems in one region: RDS DB instances and manual snapshots, EFS
//! file systems.

use super::{PolicyDocument, Tags};
use crate::Observed;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Amazon RDS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rds {
    #[serde(default)]
    pub instances: Observed<Vec<DbInstance>>,
    /// Manual DB snapshots (automated ones cannot be shared).
    #[serde(default)]
    pub snapshots: Observed<Vec<DbSnapshot>>,
    /// Manual DB cluster (Aurora, Multi-AZ cluster) snapshots.
    #[serde(default)]
    pub cluster_snapshots: Observed<Vec<DbSnapshot>>,
}

/// A manual DB snapshot or DB cluster snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbSnapshot {
    /// The snapshot identifier.
    pub id: String,
    pub arn: String,
    /// The DB instance or cluster it was taken from.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub engine: String,
    #[serde(default)]
    pub encrypted: bool,
    /// The `restore` attribute (`DescribeDBSnapshotAttributes`,
    /// `DescribeDBClusterSnapshotAttributes`): `all` (public) or account ids it is shared
    /// with.
    #[serde(default)]
    pub restore: Observed<Vec<String>>,
    #[serde(default)]
    pub tags: Tags,
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
    /// The DNS name of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The port the database listens on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// The VPC of its DB subnet group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The subnets of its DB subnet group: the instance runs in one of them.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Its VPC security groups.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
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
    /// The file system policy (`DescribeFileSystemPolicy`); `None` when it has none, which
    /// leaves access to whoever can reach a mount target.
    #[serde(default)]
    pub policy: Observed<Option<PolicyDocument>>,
}

/// Elastic Load Balancing: Application, Network and Gateway load balancers (ELBv2) and
/// Classic load balancers, read by separate APIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Elb {
    #[serde(default)]
    pub v2: Observed<Vec<LoadBalancer>>,
    #[serde(default)]
    pub classic: Observed<Vec<LoadBalancer>>,
    /// ELBv2 target groups with their registered targets.
    #[serde(default)]
    pub target_groups: Observed<Vec<TargetGroup>>,
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
    /// The DNS name clients connect to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dns_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The subnets holding a node of the load balancer (one per Availability Zone).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Empty for network load balancers created without security groups, and for
    /// gateway load balancers.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    #[serde(default = "ipv4")]
    pub ip_address_type: String,
    #[serde(default)]
    pub listeners: Observed<Vec<Listener>>,
    /// Classic load balancers: the instances registered with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_ids: Vec<String>,
}

fn ipv4() -> String {
    "ipv4".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Listener {
    /// ELBv2 only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arn: String,
    pub port: i32,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`; Classic: `HTTP`,
    /// `HTTPS`, `TCP`, `SSL`.
    pub protocol: String,
    /// The target groups its default action and (application load balancers) its rules
    /// forward to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_group_arns: Vec<String>,
    /// Classic load balancers: the port on the registered instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetGroup {
    pub arn: String,
    #[serde(default)]
    pub name: String,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`; empty for Lambda.
    #[serde(default)]
    pub protocol: String,
    /// The default port of targets registered without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `instance`, `ip`, `lambda` or `alb`.
    #[serde(default)]
    pub target_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub load_balancer_arns: Vec<String>,
    /// The `preserve_client_ip.enabled` attribute (network load balancers); `None` when
    /// not read, and AWS's default applies: on for instance targets and UDP, off for IP
    /// targets over TCP and TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_client_ip: Option<bool>,
    #[serde(default)]
    pub targets: Observed<Vec<Target>>,
}

/// A registered target, as `DescribeTargetHealth` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// An instance id, an IP address, a Lambda function ARN or a load balancer ARN.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// `healthy`, `unhealthy`, `initial`, `draining`, `unused` or `unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
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
