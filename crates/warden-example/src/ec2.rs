//! EC2 and VPC in one region of one account: VPCs with public and private subnets,
//! internet and NAT gateways, route tables, security groups, NACLs, interfaces,
//! instances, volumes, snapshots, flow logs, endpoints and a peering connection.
//!
//! Resource ids are derived from a stable label (`prod/us-east-1/main/vpc`), not from the
//! position in a random stream, so the ids the README quotes survive unrelated changes.

use crate::rng::Rng;
use crate::{Ctx, Kind, Spec, ago, ids};
use serde_json::json;
use std::collections::BTreeMap;
use warden_model::Observed;
use warden_model::inventory::{
    Direction, Ec2, FlowLog, Instance, InternetGateway, MetadataOptions, NaclEntry, NatGateway, NetworkAcl,
    NetworkInterface, PeeringConnection, Route, RouteTable, RouteTableAssociation, SecurityGroup, SgRule, Snapshot,
    Subnet, Tags, Volume, Vpc, VpcEndpoint,
};

/// A stable resource id: `prefix-` and 17 hex digits from (seed, account, region, label).
pub(crate) fn rid(seed: u64, account: &str, region: &str, prefix: &str, label: &str) -> String {
    format!("{prefix}-{}", Rng::derive(seed, &format!("{account}/{region}/{label}")).hex(17))
}

/// The peering connection between prod's and security's us-east-1 VPCs (same id on
/// both sides).
fn peering_id(seed: u64) -> String {
    rid(seed, "org", "us-east-1", "pcx", "prod-security")
}

/// VPC second octets: fixed for the peered pair so their routes agree.
const PROD_MAIN_OCTET: u32 = 20;
const SECURITY_TOOLING_OCTET: u32 = 24;

fn name_tags(name: &str, env: &str) -> Tags {
    [("Name", name), ("environment", env)].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

struct VpcInfo {
    id: String,
    name: String,
    public: Vec<SubnetInfo>,
    private: Vec<SubnetInfo>,
    sg: BTreeMap<&'static str, String>,
}

#[derive(Clone)]
struct SubnetInfo {
    id: String,
    /// First three octets of the addresses handed out (`10.20.1`).
    prefix: String,
}

struct B<'a> {
    ctx: &'a Ctx,
    spec: &'a Spec,
    region: &'a str,
    rng: Rng,
    env: &'static str,
    out: Ec2Lists,
}

#[derive(Default)]
struct Ec2Lists {
    vpcs: Vec<Vpc>,
    subnets: Vec<Subnet>,
    route_tables: Vec<RouteTable>,
    igws: Vec<InternetGateway>,
    nats: Vec<NatGateway>,
    sgs: Vec<SecurityGroup>,
    nacls: Vec<NetworkAcl>,
    enis: Vec<NetworkInterface>,
    instances: Vec<Instance>,
    volumes: Vec<Volume>,
    snapshots: Vec<Snapshot>,
    flow_logs: Vec<FlowLog>,
    endpoints: Vec<VpcEndpoint>,
    peerings: Vec<PeeringConnection>,
}

fn ingress(
    protocol: &str,
    from: i32,
    to: i32,
    v4: Option<&str>,
    v6: Option<&str>,
    sg: Option<&str>,
    desc: &str,
) -> SgRule {
    SgRule {
        rule_id: String::new(),
        direction: Direction::Ingress,
        protocol: protocol.to_owned(),
        from_port: Some(from),
        to_port: Some(to),
        cidr_ipv4: v4.map(str::to_owned),
        cidr_ipv6: v6.map(str::to_owned),
        referenced_group_id: sg.map(str::to_owned),
        prefix_list_id: None,
        description: desc.to_owned(),
    }
}

fn egress_all() -> SgRule {
    SgRule {
        rule_id: String::new(),
        direction: Direction::Egress,
        protocol: "-1".into(),
        from_port: Some(-1),
        to_port: Some(-1),
        cidr_ipv4: Some("0.0.0.0/0".into()),
        cidr_ipv6: None,
        referenced_group_id: None,
        prefix_list_id: None,
        description: String::new(),
    }
}

fn nacl(number: i32, protocol: &str, action: &str, egress: bool, cidr: &str, ports: Option<(i32, i32)>) -> NaclEntry {
    let v6 = cidr.contains(':');
    NaclEntry {
        rule_number: number,
        protocol: protocol.to_owned(),
        rule_action: action.to_owned(),
        egress,
        cidr_block: (!v6).then(|| cidr.to_owned()),
        ipv6_cidr_block: v6.then(|| cidr.to_owned()),
        port_from: ports.map(|p| p.0),
        port_to: ports.map(|p| p.1),
    }
}

impl B<'_> {
    fn id(&self, prefix: &str, label: &str) -> String {
        rid(self.ctx.seed, &self.spec.id, self.region, prefix, label)
    }

    /// The ARN of the account's AWS managed `aws/ebs` key in this region.
    fn aws_ebs_key(&self) -> String {
        let id = crate::kms::key_uuid(self.ctx.seed, &self.spec.id, self.region, "aws/ebs");
        format!("arn:aws:kms:{}:{}:key/{id}", self.region, self.spec.id)
    }

    fn label(&self) -> String {
        self.spec.label()
    }

    fn sg(&mut self, vpc: &str, vpc_name: &str, name: &str, desc: &str, rules: Vec<SgRule>) -> String {
        let id = self.id("sg", &format!("{vpc_name}/sg/{name}"));
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.rule_id = self.id("sgr", &format!("{vpc_name}/sg/{name}/{i}"));
                r
            })
            .collect();
        let env = self.env;
        self.out.sgs.push(SecurityGroup {
            id: id.clone(),
            name: name.to_owned(),
            vpc_id: vpc.to_owned(),
            description: desc.to_owned(),
            rules,
            tags: if name == "default" { Tags::new() } else { name_tags(name, env) },
        });
        id
    }

    fn eni(
        &mut self,
        label: &str,
        subnet: &SubnetInfo,
        vpc: &str,
        sgs: Vec<String>,
        kind: &str,
        desc: &str,
    ) -> (String, String) {
        let id = self.id("eni", label);
        let ip = format!("{}.{}", subnet.prefix, self.rng.range(4, 250));
        self.out.enis.push(NetworkInterface {
            id: id.clone(),
            subnet_id: subnet.id.clone(),
            vpc_id: vpc.to_owned(),
            private_ip: ip.clone(),
            public_ip: None,
            ipv6_addresses: Vec::new(),
            security_group_ids: sgs,
            attached_instance_id: None,
            interface_type: kind.to_owned(),
            description: desc.to_owned(),
        });
        (id, ip)
    }

    fn public_ip(&mut self) -> String {
        // Documentation ranges stand in for public addresses (203.0.113.0/24 is the office).
        let block = *self.rng.pick(&["198.51.100", "192.0.2"]);
        format!("{block}.{}", self.rng.range(1, 254))
    }

    /// The default VPC, as AWS creates it: public subnets in every zone, the main route
    /// table to the internet gateway, and the default SG and NACL with their default rules.
    fn default_vpc(&mut self) -> VpcInfo {
        let name = "default";
        let vpc = self.id("vpc", "default/vpc");
        self.out.vpcs.push(Vpc {
            id: vpc.clone(),
            cidr_block: "172.31.0.0/16".into(),
            ipv6_cidr_blocks: Vec::new(),
            is_default: true,
            tags: Tags::new(),
        });
        let igw = self.id("igw", "default/igw");
        self.out.igws.push(InternetGateway { id: igw.clone(), attached_vpc_ids: vec![vpc.clone()] });
        let mut public = Vec::new();
        for (i, z) in ["a", "b", "c"].iter().enumerate() {
            let id = self.id("subnet", &format!("default/subnet/{z}"));
            let third = i * 16;
            self.out.subnets.push(Subnet {
                id: id.clone(),
                vpc_id: vpc.clone(),
                cidr_block: format!("172.31.{third}.0/20"),
                ipv6_cidr_blocks: Vec::new(),
                availability_zone: format!("{}{z}", self.region),
                map_public_ip_on_launch: true,
                tags: Tags::new(),
            });
            public.push(SubnetInfo { id, prefix: format!("172.31.{}", third + 1) });
        }
        self.out.route_tables.push(RouteTable {
            id: self.id("rtb", "default/rtb/main"),
            vpc_id: vpc.clone(),
            routes: vec![
                Route { destination: "172.31.0.0/16".into(), target: "local".into(), state: "active".into() },
                Route { destination: "0.0.0.0/0".into(), target: igw, state: "active".into() },
            ],
            associations: vec![RouteTableAssociation { subnet_id: None, main: true }],
        });
        let default_sg = self.id("sg", &format!("{name}/sg/default"));
        let sg = self.sg(
            &vpc,
            name,
            "default",
            "default VPC security group",
            vec![ingress("-1", -1, -1, None, None, Some(&default_sg), ""), egress_all()],
        );
        self.out.nacls.push(NetworkAcl {
            id: self.id("acl", "default/acl/default"),
            vpc_id: vpc.clone(),
            is_default: true,
            entries: vec![
                nacl(100, "-1", "allow", false, "0.0.0.0/0", None),
                nacl(32767, "-1", "deny", false, "0.0.0.0/0", None),
                nacl(100, "-1", "allow", true, "0.0.0.0/0", None),
                nacl(32767, "-1", "deny", true, "0.0.0.0/0", None),
            ],
            subnet_ids: public.iter().map(|s| s.id.clone()).collect(),
        });
        let mut sgs = BTreeMap::new();
        sgs.insert("default", sg);
        VpcInfo { id: vpc, name: name.into(), public, private: Vec::new(), sg: sgs }
    }

    /// A VPC the platform team built: public and private subnets per zone, NAT per zone
    /// in prod, tight NACLs and security groups, a restricted default SG.
    fn managed_vpc(&mut self, name: &str, octet: u32, zones: usize, default_sg_open: bool) -> VpcInfo {
        let cidr = format!("10.{octet}.0.0/16");
        let vpc = self.id("vpc", &format!("{name}/vpc"));
        let full = format!("{}-{name}", self.label());
        let v6 = format!("2600:1f18:{:x}:{:x}00::/56", 0x4000 + octet, self.rng.range(1, 15));
        self.out.vpcs.push(Vpc {
            id: vpc.clone(),
            cidr_block: cidr.clone(),
            ipv6_cidr_blocks: vec![v6],
            is_default: false,
            tags: name_tags(&full, self.env),
        });
        let igw = self.id("igw", &format!("{name}/igw"));
        self.out.igws.push(InternetGateway { id: igw.clone(), attached_vpc_ids: vec![vpc.clone()] });
        let mut public = Vec::new();
        let mut private = Vec::new();
        for z in ["a", "b", "c"].iter().take(zones) {
            let zi = u32::from(z.as_bytes()[0] - b'a');
            let az = format!("{}{z}", self.region);
            for (kind, third, mask) in [("public", zi, 24), ("private", 16 + zi * 4, 22)] {
                let id = self.id("subnet", &format!("{name}/subnet/{kind}-{z}"));
                self.out.subnets.push(Subnet {
                    id: id.clone(),
                    vpc_id: vpc.clone(),
                    cidr_block: format!("10.{octet}.{third}.0/{mask}"),
                    ipv6_cidr_blocks: Vec::new(),
                    availability_zone: az.clone(),
                    map_public_ip_on_launch: false,
                    tags: name_tags(&format!("{full}-{kind}-{z}"), self.env),
                });
                let info = SubnetInfo { id, prefix: format!("10.{octet}.{third}") };
                if kind == "public" { public.push(info) } else { private.push(info) }
            }
        }

        // Security groups.
        let mut sg = BTreeMap::new();
        sg.insert(
            "default",
            self.sg(
                &vpc,
                name,
                "default",
                "default VPC security group",
                if default_sg_open {
                    let me = self.id("sg", &format!("{name}/sg/default"));
                    vec![ingress("-1", -1, -1, None, None, Some(&me), ""), egress_all()]
                } else {
                    Vec::new()
                },
            ),
        );
        let alb = self.sg(
            &vpc,
            name,
            "alb-public",
            "HTTPS from the internet to the load balancer",
            vec![
                ingress("tcp", 443, 443, Some("0.0.0.0/0"), None, None, "HTTPS"),
                ingress("tcp", 443, 443, None, Some("::/0"), None, "HTTPS v6"),
                egress_all(),
            ],
        );
        let app = self.sg(
            &vpc,
            name,
            "app",
            "application tier",
            vec![ingress("tcp", 8080, 8080, None, None, Some(&alb), "from the load balancer"), egress_all()],
        );
        let db = self.sg(
            &vpc,
            name,
            "db",
            "database tier",
            vec![ingress("tcp", 5432, 5432, None, None, Some(&app), "postgres from app")],
        );
        let bastion = self.sg(
            &vpc,
            name,
            "ssh-from-office",
            "SSH from the office only",
            vec![
                ingress("tcp", 22, 22, Some(ids::CORP_CIDR), None, None, "office"),
                ingress("tcp", 22, 22, None, Some(ids::CORP_CIDR_V6), None, "office v6"),
                egress_all(),
            ],
        );
        let endpoints = self.sg(
            &vpc,
            name,
            "vpc-endpoints",
            "HTTPS to interface endpoints",
            vec![ingress("tcp", 443, 443, Some(&cidr), None, None, "from the VPC")],
        );
        sg.insert("alb", alb);
        sg.insert("app", app);
        sg.insert("db", db);
        sg.insert("bastion", bastion);
        sg.insert("endpoints", endpoints);

        // NACLs: the default one keeps only VPC-internal traffic; subnets get their own.
        let acl = |b: &Self, l: &str| b.id("acl", &format!("{name}/acl/{l}"));
        let default_acl = acl(self, "default");
        let public_acl = acl(self, "public");
        let private_acl = acl(self, "private");
        self.out.nacls.push(NetworkAcl {
            id: default_acl,
            vpc_id: vpc.clone(),
            is_default: true,
            entries: vec![
                nacl(100, "-1", "allow", false, &cidr, None),
                nacl(32767, "-1", "deny", false, "0.0.0.0/0", None),
                nacl(100, "-1", "allow", true, &cidr, None),
                nacl(32767, "-1", "deny", true, "0.0.0.0/0", None),
            ],
            subnet_ids: Vec::new(),
        });
        self.out.nacls.push(NetworkAcl {
            id: public_acl,
            vpc_id: vpc.clone(),
            is_default: false,
            entries: vec![
                nacl(100, "6", "allow", false, "0.0.0.0/0", Some((443, 443))),
                nacl(110, "6", "allow", false, "0.0.0.0/0", Some((80, 80))),
                nacl(120, "6", "allow", false, "0.0.0.0/0", Some((32768, 65535))),
                nacl(130, "-1", "allow", false, &cidr, None),
                nacl(140, "6", "allow", false, "::/0", Some((443, 443))),
                nacl(32767, "-1", "deny", false, "0.0.0.0/0", None),
                nacl(100, "-1", "allow", true, "0.0.0.0/0", None),
                nacl(32767, "-1", "deny", true, "0.0.0.0/0", None),
            ],
            subnet_ids: public.iter().map(|s| s.id.clone()).collect(),
        });
        self.out.nacls.push(NetworkAcl {
            id: private_acl,
            vpc_id: vpc.clone(),
            is_default: false,
            entries: vec![
                nacl(100, "-1", "allow", false, "10.0.0.0/8", None),
                nacl(110, "6", "allow", false, "0.0.0.0/0", Some((32768, 65535))),
                nacl(32767, "-1", "deny", false, "0.0.0.0/0", None),
                nacl(100, "-1", "allow", true, "0.0.0.0/0", None),
                nacl(32767, "-1", "deny", true, "0.0.0.0/0", None),
            ],
            subnet_ids: private.iter().map(|s| s.id.clone()).collect(),
        });

        // Routes: public to the IGW, private through a NAT (one per zone in prod).
        let nat_per_zone = matches!(self.spec.kind, Kind::Prod | Kind::Workload(_));
        let mut nats = Vec::new();
        for (i, s) in public.clone().iter().enumerate() {
            if i > 0 && !nat_per_zone {
                break;
            }
            let nat = self.id("nat", &format!("{name}/nat/{i}"));
            let ip = self.public_ip();
            let (eni, _) = self.eni(
                &format!("{name}/nat/{i}/eni"),
                s,
                &vpc,
                Vec::new(),
                "nat_gateway",
                &format!("Interface for NAT Gateway {nat}"),
            );
            if let Some(e) = self.out.enis.iter_mut().find(|e| e.id == eni) {
                e.public_ip = Some(ip.clone());
            }
            self.out.nats.push(NatGateway {
                id: nat.clone(),
                vpc_id: vpc.clone(),
                subnet_id: s.id.clone(),
                public_ip: Some(ip),
                state: "available".into(),
            });
            nats.push(nat);
        }
        let local = Route { destination: cidr.clone(), target: "local".into(), state: "active".into() };
        self.out.route_tables.push(RouteTable {
            id: self.id("rtb", &format!("{name}/rtb/main")),
            vpc_id: vpc.clone(),
            routes: vec![local.clone()],
            associations: vec![RouteTableAssociation { subnet_id: None, main: true }],
        });
        self.out.route_tables.push(RouteTable {
            id: self.id("rtb", &format!("{name}/rtb/public")),
            vpc_id: vpc.clone(),
            routes: vec![
                local.clone(),
                Route { destination: "0.0.0.0/0".into(), target: igw.clone(), state: "active".into() },
                Route { destination: "::/0".into(), target: igw, state: "active".into() },
            ],
            associations: public
                .iter()
                .map(|s| RouteTableAssociation { subnet_id: Some(s.id.clone()), main: false })
                .collect(),
        });
        let has_endpoints = matches!(self.spec.kind, Kind::Prod | Kind::Security);
        let s3_prefix_list = format!("pl-{}", Rng::derive(self.ctx.seed, &format!("pl/s3/{}", self.region)).hex(8));
        let peer = self.peer_cidr(name);
        for (i, s) in private.iter().enumerate() {
            let nat = nats.get(i).or(nats.first()).cloned().unwrap_or_default();
            let mut routes =
                vec![local.clone(), Route { destination: "0.0.0.0/0".into(), target: nat, state: "active".into() }];
            if has_endpoints {
                routes.push(Route {
                    destination: s3_prefix_list.clone(),
                    target: self.id("vpce", &format!("{name}/vpce/s3")),
                    state: "active".into(),
                });
            }
            if let Some(p) = &peer {
                routes.push(Route {
                    destination: p.clone(),
                    target: peering_id(self.ctx.seed),
                    state: "active".into(),
                });
            }
            self.out.route_tables.push(RouteTable {
                id: self.id("rtb", &format!("{name}/rtb/private-{i}")),
                vpc_id: vpc.clone(),
                routes,
                associations: vec![RouteTableAssociation { subnet_id: Some(s.id.clone()), main: false }],
            });
        }

        // Endpoints keep AWS API traffic inside the VPC.
        if has_endpoints {
            self.out.endpoints.push(VpcEndpoint {
                id: self.id("vpce", &format!("{name}/vpce/s3")),
                vpc_id: vpc.clone(),
                service_name: format!("com.amazonaws.{}.s3", self.region),
                endpoint_type: "Gateway".into(),
                policy: Some(json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids::ORG}}
                }]})),
                state: "available".into(),
            });
            let sg_ep = sg.get("endpoints").cloned().unwrap_or_default();
            for svc in ["ssm", "ssmmessages", "ec2messages", "kms", "logs"] {
                let id = self.id("vpce", &format!("{name}/vpce/{svc}"));
                for (i, s) in private.clone().iter().enumerate() {
                    self.eni(
                        &format!("{name}/vpce/{svc}/{i}"),
                        s,
                        &vpc,
                        vec![sg_ep.clone()],
                        "vpc_endpoint",
                        &format!("VPC Endpoint Interface {id}"),
                    );
                }
                self.out.endpoints.push(VpcEndpoint {
                    id,
                    vpc_id: vpc.clone(),
                    service_name: format!("com.amazonaws.{}.{svc}", self.region),
                    endpoint_type: "Interface".into(),
                    policy: None,
                    state: "available".into(),
                });
            }
        }

        // Load balancer interfaces in each public subnet.
        let alb_sg = sg.get("alb").cloned().unwrap_or_default();
        for (i, s) in public.clone().iter().enumerate() {
            let lb = format!(
                "app/{full}-alb/{}",
                Rng::derive(self.ctx.seed, &format!("{}/{full}/alb", self.spec.id)).hex(16)
            );
            self.eni(&format!("{name}/alb/{i}"), s, &vpc, vec![alb_sg.clone()], "interface", &format!("ELB {lb}"));
        }

        // Flow logs everywhere but staging.
        if self.spec.kind != Kind::Staging {
            self.out.flow_logs.push(FlowLog {
                id: self.id("fl", &format!("{name}/flow-log")),
                resource_id: vpc.clone(),
                traffic_type: "ALL".into(),
                log_destination_type: "s3".into(),
                log_destination: format!("arn:aws:s3:::{}/{}/", crate::s3::flow_log_bucket(), self.spec.id),
                status: "ACTIVE".into(),
            });
        }

        VpcInfo { id: vpc, name: name.to_owned(), public, private, sg }
    }

    /// The CIDR of the VPC peered with this one, if any.
    fn peer_cidr(&self, vpc_name: &str) -> Option<String> {
        match (self.spec.kind, self.region, vpc_name) {
            (Kind::Prod, "us-east-1", "main") => Some(format!("10.{SECURITY_TOOLING_OCTET}.0.0/16")),
            (Kind::Security, "us-east-1", "tooling") => Some(format!("10.{PROD_MAIN_OCTET}.0.0/16")),
            _ => None,
        }
    }
}

/// What a fleet of instances looks like.
struct Fleet<'a> {
    name: &'a str,
    count: usize,
    imds_v1: bool,
    profile: Option<String>,
    sg: &'a str,
    public: bool,
    unencrypted: bool,
    stopped_share: f64,
}

impl B<'_> {
    fn fleet(&mut self, vpc: &VpcInfo, f: &Fleet<'_>, ebs_default: bool, cmk: Option<&str>) {
        let subnets = if f.public || vpc.private.is_empty() { vpc.public.clone() } else { vpc.private.clone() };
        let sg = vpc.sg.get(f.sg).cloned().unwrap_or_default();
        let ami = format!("ami-{}", Rng::derive(self.ctx.seed, &format!("ami/{}/{}", self.region, f.name)).hex(17));
        for i in 0..f.count {
            let Some(subnet) = subnets.get(i % subnets.len().max(1)).cloned() else { return };
            let label = format!("{}/{}/{i}", vpc.name, f.name);
            let id = self.id("i", &label);
            let running = !self.rng.chance(f.stopped_share);
            let (eni, ip) = self.eni(
                &format!("{label}/eni"),
                &subnet,
                &vpc.id,
                vec![sg.clone()],
                "interface",
                "Primary network interface",
            );
            let public_ip = (f.public && running).then(|| self.public_ip());
            if let Some(e) = self.out.enis.iter_mut().find(|e| e.id == eni) {
                e.attached_instance_id = Some(id.clone());
                e.public_ip.clone_from(&public_ip);
            }
            let instance_type =
                (*self.rng.pick(&["t3.medium", "m6i.large", "m6i.xlarge", "c6i.large", "r6i.large", "t3.small"]))
                    .to_owned();
            let launched = ago(self.rng.range(1, 500), &mut self.rng);
            let encrypted = !f.unencrypted && (ebs_default || cmk.is_some());
            let mut vols = vec![(format!("{label}/root"), self.rng.range(8, 50) as u32)];
            if self.rng.chance(0.3) {
                vols.push((format!("{label}/data"), self.rng.range(100, 1000) as u32));
            }
            for (vl, size) in vols {
                let vid = self.id("vol", &vl);
                self.out.volumes.push(Volume {
                    id: vid.clone(),
                    encrypted,
                    kms_key_id: encrypted.then(|| cmk.map_or_else(|| self.aws_ebs_key(), str::to_owned)),
                    size_gib: size,
                    state: "in-use".into(),
                    attached_instance_ids: vec![id.clone()],
                    tags: name_tags(&format!("{}-{}", f.name, vl.rsplit('/').next().unwrap_or("root")), self.env),
                });
                // Nightly backups of data volumes and some roots.
                if vl.ends_with("/data") || self.rng.chance(0.15) {
                    let sid = self.id("snap", &format!("{vl}/snap"));
                    let start = ago(self.rng.range(0, 6), &mut self.rng);
                    self.out.snapshots.push(Snapshot {
                        id: sid,
                        volume_id: vid,
                        encrypted,
                        owner_id: self.spec.id.clone(),
                        start_time: Some(start),
                        create_volume_permissions: Observed::Known(Vec::new()),
                        tags: name_tags(&format!("{}-backup", f.name), self.env),
                    });
                }
            }
            let mut tags = name_tags(&format!("{}-{:02}", f.name, i + 1), self.env);
            tags.insert("team".into(), "engineering".into());
            tags.insert("service".into(), f.name.to_owned());
            self.out.instances.push(Instance {
                id,
                instance_type,
                image_id: ami.clone(),
                state: if running { "running" } else { "stopped" }.into(),
                vpc_id: Some(vpc.id.clone()),
                subnet_id: Some(subnet.id.clone()),
                private_ip: Some(ip),
                public_ip,
                metadata_options: MetadataOptions {
                    http_tokens: if f.imds_v1 { "optional" } else { "required" }.into(),
                    http_endpoint: "enabled".into(),
                    http_put_response_hop_limit: if f.imds_v1 { 1 } else { 2 },
                },
                iam_instance_profile: f.profile.clone(),
                security_group_ids: vec![sg.clone()],
                network_interface_ids: vec![eni],
                launch_time: Some(launched),
                tags,
            });
        }
    }
}

/// A well-run fleet: IMDSv2, encrypted, private, a few instances stopped.
fn fleet<'a>(name: &'a str, count: usize, sg: &'a str) -> Fleet<'a> {
    Fleet { name, count, imds_v1: false, profile: None, sg, public: false, unencrypted: false, stopped_share: 0.08 }
}

/// Builds one region. `profiles` are the account's instance profile ARNs.
pub(crate) fn build(ctx: &Ctx, spec: &Spec, region: &str, profiles: &[String], account_index: usize) -> Ec2 {
    let mut b = B {
        ctx,
        spec,
        region,
        rng: Rng::derive(ctx.seed, &format!("ec2/{}/{region}", spec.id)),
        env: crate::s3::env_name(spec),
        out: Ec2Lists::default(),
    };
    let plan = ctx.plan;
    let region_index = spec.regions.iter().position(|r| *r == region).unwrap_or(0);
    let octet = |v: usize| ((account_index * 7 + region_index * 2 + v) % 200) as u32 + 30;
    let profile = |i: usize| profiles.get(i % profiles.len().max(1)).cloned();

    let ebs_default = !matches!((spec.kind, region), (Kind::Staging, _) | (Kind::Prod, "ap-southeast-2"));
    let cmk = matches!(spec.kind, Kind::Prod | Kind::Security).then(|| {
        format!("arn:aws:kms:{region}:{}:key/{}", spec.id, crate::kms::key_uuid(ctx.seed, &spec.id, region, "ebs"))
    });
    let cmk = cmk.filter(|_| ebs_default);

    match (spec.kind, region) {
        (Kind::Management, "us-east-1") => {
            let vpc = b.managed_vpc("shared-services", octet(0), 2, false);
            let f = Fleet { profile: profile(0), ..fleet("org-automation", plan.n(2, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
        }
        (Kind::Management, _) => {
            b.default_vpc();
        }
        (Kind::Prod, "us-east-1") => {
            let vpc = b.managed_vpc("main", PROD_MAIN_OCTET, 3, false);
            let services = plan.n(5, 2);
            let per = plan.n(30, 3) / services.max(1);
            for s in 0..services {
                let name = crate::names::service(s);
                let f = Fleet { profile: profile(s), ..fleet(&name, per.max(1), "app") };
                b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
            }
            peering(&mut b, &vpc);
        }
        (Kind::Prod, "eu-west-1") => {
            let vpc = b.managed_vpc("main", octet(0), 3, false);
            let f = Fleet { profile: profile(1), ..fleet("api-eu", plan.n(10, 2), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
            let analytics = b.managed_vpc("analytics", octet(1), 2, true);
            let f = Fleet { profile: profile(2), ..fleet("reports-eu", plan.n(3, 1), "app") };
            b.fleet(&analytics, &f, ebs_default, cmk.as_deref());
            // Planted: RDP open to the world on a Windows jump host.
            let jump = b.sg(
                &vpc.id,
                &vpc.name,
                "windows-jump",
                "temporary RDP for the vendor",
                vec![
                    ingress("tcp", 3389, 3389, Some("0.0.0.0/0"), None, None, "vendor RDP"),
                    ingress("tcp", 3389, 3389, None, Some("::/0"), None, "vendor RDP v6"),
                    egress_all(),
                ],
            );
            let mut v = vpc;
            v.sg.insert("windows-jump", jump);
            let f = Fleet { profile: profile(0), public: true, ..fleet("windows-jump", 1, "windows-jump") };
            b.fleet(&v, &f, ebs_default, cmk.as_deref());
        }
        (Kind::Prod, _) => {
            let vpc = b.managed_vpc("main", octet(0), 2, false);
            let f = Fleet { profile: profile(2), ..fleet("telemetry", plan.n(4, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
            // Planted: two legacy hosts on IMDSv1 with unencrypted volumes.
            let f = Fleet {
                profile: profile(2),
                imds_v1: true,
                unencrypted: true,
                stopped_share: 0.0,
                ..fleet("telemetry-legacy", 2, "app")
            };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
        }
        (Kind::Staging, "us-east-1") => {
            let vpc = b.managed_vpc("main", octet(0), 2, false);
            let dv = b.default_vpc();
            let f = Fleet { profile: profile(0), imds_v1: true, ..fleet("api", plan.n(6, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, None);
            let f = Fleet { profile: profile(1), ..fleet("worker", plan.n(5, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, None);
            // Planted: SSH from anywhere, and a NACL rule that lets it through.
            let open = b.sg(
                &dv.id,
                &dv.name,
                "bastion-legacy",
                "old bastion, do not use",
                vec![
                    ingress("tcp", 22, 22, Some("0.0.0.0/0"), None, None, "ssh"),
                    ingress("tcp", 22, 22, None, Some("::/0"), None, "ssh v6"),
                    egress_all(),
                ],
            );
            let mut dv = dv;
            dv.sg.insert("bastion-legacy", open);
            // Planted: running, public, no instance profile, IMDSv1.
            let f = Fleet {
                imds_v1: true,
                public: true,
                stopped_share: 0.0,
                ..fleet("legacy-bastion", 1, "bastion-legacy")
            };
            b.fleet(&dv, &f, ebs_default, None);
            if let Some(acl) = b
                .out
                .nacls
                .iter_mut()
                .find(|a| a.vpc_id == vpc.id && !a.is_default && a.entries.iter().any(|e| e.port_from == Some(443)))
            {
                acl.entries.insert(0, nacl(90, "6", "allow", false, "0.0.0.0/0", Some((22, 22))));
            }
            // Planted: a public snapshot.
            if let Some(s) = b.out.snapshots.first_mut() {
                s.create_volume_permissions = Observed::Known(vec!["all".into()]);
            } else if let Some(v) = b.out.volumes.first() {
                let (vid, enc) = (v.id.clone(), v.encrypted);
                let id = b.id("snap", "public-demo");
                b.out.snapshots.push(Snapshot {
                    id,
                    volume_id: vid,
                    encrypted: enc,
                    owner_id: spec.id.clone(),
                    start_time: Some(ago(40, &mut b.rng)),
                    create_volume_permissions: Observed::Known(vec!["all".into()]),
                    tags: name_tags("demo-dataset", b.env),
                });
            }
        }
        (Kind::Staging, _) => {
            let vpc = b.managed_vpc("main", octet(0), 2, false);
            b.default_vpc();
            let f = Fleet { profile: profile(0), imds_v1: true, ..fleet("api", plan.n(5, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, None);
            // Planted: SMB open to the world.
            let smb = b.sg(
                &vpc.id,
                &vpc.name,
                "fileshare-test",
                "SMB test share",
                vec![ingress("tcp", 445, 445, Some("0.0.0.0/0"), None, None, "smb"), egress_all()],
            );
            let mut v = vpc;
            v.sg.insert("fileshare-test", smb);
            let f = Fleet { profile: profile(1), ..fleet("fileshare", 1, "fileshare-test") };
            b.fleet(&v, &f, ebs_default, None);
        }
        (Kind::Security, "us-east-1") => {
            let vpc = b.managed_vpc("tooling", SECURITY_TOOLING_OCTET, 2, false);
            let f = Fleet { profile: profile(0), ..fleet("warden-scanner", plan.n(3, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
            let f = Fleet { profile: profile(1), ..fleet("siem-forwarder", plan.n(3, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
            peering(&mut b, &vpc);
        }
        (Kind::Security, _) => {
            let vpc = b.managed_vpc("tooling", octet(0), 2, false);
            let f = Fleet { profile: profile(0), ..fleet("siem-forwarder", plan.n(2, 1), "app") };
            b.fleet(&vpc, &f, ebs_default, cmk.as_deref());
        }
        (Kind::Workload(_), _) => {
            let vpc = b.managed_vpc("main", octet(0), 2, false);
            let services = plan.n(2, 1);
            let per = (plan.n(8, 1) / services).max(1);
            for s in 0..services {
                let name = crate::names::service(s + region_index);
                let imds_v1 = b.rng.chance(0.05);
                let f = Fleet { profile: profile(s), imds_v1, ..fleet(&name, per, "app") };
                b.fleet(&vpc, &f, ebs_default, None);
            }
        }
    }
    // Planted in staging: unencrypted volumes come from EBS default encryption being off.
    let o = b.out;
    Ec2 {
        vpcs: Observed::Known(o.vpcs),
        subnets: Observed::Known(o.subnets),
        route_tables: Observed::Known(o.route_tables),
        internet_gateways: Observed::Known(o.igws),
        nat_gateways: Observed::Known(o.nats),
        security_groups: Observed::Known(o.sgs),
        network_acls: Observed::Known(o.nacls),
        network_interfaces: Observed::Known(o.enis),
        instances: Observed::Known(o.instances),
        volumes: Observed::Known(o.volumes),
        snapshots: Observed::Known(o.snapshots),
        ebs_encryption_by_default: Observed::Known(ebs_default),
        flow_logs: Observed::Known(o.flow_logs),
        vpc_endpoints: Observed::Known(o.endpoints),
        peering_connections: Observed::Known(o.peerings),
    }
}

/// The prod ↔ security peering, recorded identically on both sides.
fn peering(b: &mut B<'_>, _vpc: &VpcInfo) {
    let seed = b.ctx.seed;
    let prod_vpc = rid(seed, ids::PROD, "us-east-1", "vpc", "main/vpc");
    let sec_vpc = rid(seed, ids::SECURITY, "us-east-1", "vpc", "tooling/vpc");
    b.out.peerings.push(PeeringConnection {
        id: peering_id(seed),
        requester_vpc_id: sec_vpc,
        requester_account_id: ids::SECURITY.into(),
        requester_cidr: format!("10.{SECURITY_TOOLING_OCTET}.0.0/16"),
        accepter_vpc_id: prod_vpc,
        accepter_account_id: ids::PROD.into(),
        accepter_cidr: format!("10.{PROD_MAIN_OCTET}.0.0/16"),
        status: "active".into(),
    });
}
