use super::{PolicyDocument, Tags};
use crate::Observed;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// EC2 and VPC in one region. Each list is one paginated describe call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ec2 {
    #[serde(default)]
    pub vpcs: Observed<Vec<Vpc>>,
    #[serde(default)]
    pub subnets: Observed<Vec<Subnet>>,
    #[serde(default)]
    pub route_tables: Observed<Vec<RouteTable>>,
    #[serde(default)]
    pub internet_gateways: Observed<Vec<InternetGateway>>,
    #[serde(default)]
    pub nat_gateways: Observed<Vec<NatGateway>>,
    #[serde(default)]
    pub security_groups: Observed<Vec<SecurityGroup>>,
    #[serde(default)]
    pub network_acls: Observed<Vec<NetworkAcl>>,
    #[serde(default)]
    pub network_interfaces: Observed<Vec<NetworkInterface>>,
    #[serde(default)]
    pub instances: Observed<Vec<Instance>>,
    #[serde(default)]
    pub volumes: Observed<Vec<Volume>>,
    /// Snapshots owned by the account.
    #[serde(default)]
    pub snapshots: Observed<Vec<Snapshot>>,
    #[serde(default)]
    pub ebs_encryption_by_default: Observed<bool>,
    #[serde(default)]
    pub flow_logs: Observed<Vec<FlowLog>>,
    #[serde(default)]
    pub vpc_endpoints: Observed<Vec<VpcEndpoint>>,
    #[serde(default)]
    pub peering_connections: Observed<Vec<PeeringConnection>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vpc {
    pub id: String,
    #[serde(default)]
    pub cidr_block: String,
    #[serde(default)]
    pub ipv6_cidr_blocks: Vec<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub cidr_block: String,
    #[serde(default)]
    pub ipv6_cidr_blocks: Vec<String>,
    #[serde(default)]
    pub availability_zone: String,
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Route {
    /// IPv4 or IPv6 CIDR, or a prefix-list id.
    pub destination: String,
    /// The target id: `igw-…`, `nat-…`, `pcx-…`, `tgw-…`, `eni-…`, `local`, ….
    pub target: String,
    #[serde(default = "active")]
    pub state: String,
}

fn active() -> String {
    "active".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteTableAssociation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub main: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InternetGateway {
    pub id: String,
    #[serde(default)]
    pub attached_vpc_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default = "available")]
    pub state: String,
}

fn available() -> String {
    "available".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub rules: Vec<SgRule>,
    #[serde(default)]
    pub tags: Tags,
}

impl SecurityGroup {
    pub fn is_default(&self) -> bool {
        self.name == "default"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

/// One security group rule with one source or destination, as `DescribeSecurityGroupRules`
/// returns them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SgRule {
    #[serde(default)]
    pub rule_id: String,
    pub direction: Direction,
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
    #[serde(default)]
    pub description: String,
}

impl SgRule {
    /// Whether the rule admits TCP (or any protocol) traffic to `port`.
    pub fn covers_tcp_port(&self, port: i32) -> bool {
        covers_port(&self.protocol, self.from_port, self.to_port, port)
    }
}

/// Shared port logic for SG rules and NACL entries: protocol `-1` or `all` covers every
/// port; `tcp`/`6` covers the port when it lies in the (inclusive) range, a missing range
/// meaning all ports.
pub fn covers_port(protocol: &str, from: Option<i32>, to: Option<i32>, port: i32) -> bool {
    match protocol {
        "-1" | "all" => true,
        "tcp" | "6" => match (from, to) {
            (Some(f), Some(t)) => (f == -1 && t == -1) || (f <= port && port <= t),
            _ => true,
        },
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub entries: Vec<NaclEntry>,
    /// Subnets the ACL is associated with.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NaclEntry {
    pub rule_number: i32,
    /// `-1`, `6` (tcp), `17` (udp), `1` (icmp), ….
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    pub egress: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_from: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_to: Option<i32>,
}

impl NaclEntry {
    pub fn is_allow(&self) -> bool {
        self.rule_action.eq_ignore_ascii_case("allow")
    }

    pub fn covers_tcp_port(&self, port: i32) -> bool {
        covers_port(&self.protocol, self.port_from, self.port_to, port)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkInterface {
    pub id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub private_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default)]
    pub ipv6_addresses: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_instance_id: Option<String>,
    #[serde(default)]
    pub interface_type: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Instance {
    pub id: String,
    #[serde(default)]
    pub instance_type: String,
    #[serde(default)]
    pub image_id: String,
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    #[serde(default)]
    pub metadata_options: MetadataOptions,
    /// Instance profile ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_instance_profile: Option<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional`.
    pub http_tokens: String,
    /// `enabled` or `disabled`.
    pub http_endpoint: String,
    #[serde(default = "hop_limit")]
    pub http_put_response_hop_limit: u32,
}

fn hop_limit() -> u32 {
    1
}

impl Default for MetadataOptions {
    fn default() -> Self {
        MetadataOptions {
            http_tokens: "optional".into(),
            http_endpoint: "enabled".into(),
            http_put_response_hop_limit: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Volume {
    pub id: String,
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub size_gib: u32,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub attached_instance_ids: Vec<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    pub id: String,
    #[serde(default)]
    pub volume_id: String,
    pub encrypted: bool,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// `createVolumePermission` entries: `all` (public) or account ids.
    #[serde(default)]
    pub create_volume_permissions: Observed<Vec<String>>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FlowLog {
    pub id: String,
    /// The VPC, subnet or ENI the flow log covers.
    pub resource_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: String,
    #[serde(default)]
    pub log_destination_type: String,
    #[serde(default)]
    pub log_destination: String,
    /// `ACTIVE` when delivering.
    #[serde(default = "active_upper")]
    pub status: String,
}

fn active_upper() -> String {
    "ACTIVE".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Gateway`, `Interface`, `GatewayLoadBalancer`.
    #[serde(default)]
    pub endpoint_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDocument>,
    #[serde(default)]
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeeringConnection {
    pub id: String,
    pub requester_vpc_id: String,
    pub requester_account_id: String,
    #[serde(default)]
    pub requester_cidr: String,
    pub accepter_vpc_id: String,
    pub accepter_account_id: String,
    #[serde(default)]
    pub accepter_cidr: String,
    #[serde(default)]
    pub status: String,
}
