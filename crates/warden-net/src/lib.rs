//! Which ports of which network interfaces the internet can reach, and the path that
//! proves it: internet gateway → the subnet's route to it → the network ACL (inbound
//! rule, and the outbound rule that lets replies back to ephemeral ports) → a security
//! group rule → the public address.
//!
//! "Reachable from the internet" means from arbitrary addresses: from `0.0.0.0/0` for
//! IPv4 and `::/0` for IPv6. Rules for narrower ranges (a corporate CIDR, another
//! security group, a prefix list) do not expose an interface to the world, and a
//! narrower deny in an ACL only carves out part of the world, so for each port the ACL
//! entry that decides is the first one, in rule order, that covers the whole world.
//! Security groups are stateful (replies always pass); network ACLs are not, so a reply
//! to a client's ephemeral port must also be allowed out.
//!
//! Load balancers and databases have no public interface of their own to start from:
//! an internet-facing load balancer is reached on its listeners through the subnets its
//! nodes live in (`balancer`), and its targets through it, by the load balancer's own
//! addresses or security groups; a publicly accessible RDS instance is reached through
//! a subnet of its DB subnet group (`database`).
//!
//! Not modelled yet (documented in `docs/net.md`): routes to a gateway for only part of
//! the internet, Global Accelerator, and prefix lists' contents.

mod balancer;
mod cidr;
mod database;

pub use balancer::{Backends, belongs_to_load_balancer};
pub use cidr::Cidr;
pub use database::belongs_to_database;

use serde::Serialize;
use warden_model::Unknown;
use warden_model::inventory::{
    Direction, Ec2, NaclEntry, NetworkAcl, NetworkInterface, RouteTable, SecurityGroup, SgRule,
};

pub const IPV4_WORLD: &str = "0.0.0.0/0";
pub const IPV6_WORLD: &str = "::/0";

/// Client ports a reply goes back to: Linux (32768–60999), IANA dynamic (49152–65535)
/// and older systems (1024–5000). A reply path exists when the ACL lets any of them out.
const EPHEMERAL_PROBES: [u16; 3] = [1024, 32768, 49152];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }

    fn matches(self, rule_protocol: &str) -> bool {
        match rule_protocol {
            "-1" | "all" => true,
            "tcp" | "6" => self == Protocol::Tcp,
            "udp" | "17" => self == Protocol::Udp,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    fn world(self) -> &'static str {
        match self {
            Family::Ipv4 => IPV4_WORLD,
            Family::Ipv6 => IPV6_WORLD,
        }
    }
}

/// One contiguous range of ports reachable from the internet on one interface, load
/// balancer listener, load balancer target or database, with the rule at every hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    #[serde(flatten)]
    pub reached: Reached,
    /// How the internet connects: IPv4 or IPv6.
    pub family: Family,
    /// The public address (or DNS name) the internet connects to.
    pub address: String,
    /// The protocol and ports on the resource reached (for a target: the target port).
    pub protocol: Protocol,
    pub from_port: u16,
    pub to_port: u16,
    pub path: Vec<Hop>,
}

impl Exposure {
    pub fn covers(&self, port: u16) -> bool {
        self.from_port <= port && port <= self.to_port
    }

    /// The EC2 instance reached, directly or through a load balancer.
    pub fn instance_id(&self) -> Option<&str> {
        match &self.reached {
            Reached::Interface { instance_id, .. } | Reached::Target { instance_id, .. } => instance_id.as_deref(),
            Reached::Listener(_) | Reached::Database { .. } => None,
        }
    }
}

/// What an exposure reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reached {
    /// A network interface with a public address of its own.
    Interface {
        interface_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        instance_id: Option<String>,
    },
    /// A listener of an internet-facing load balancer.
    Listener(Via),
    /// A target the load balancer forwards to, reached through the listener.
    Target {
        #[serde(flatten)]
        via: Via,
        /// `None` for a Classic load balancer's registered instances.
        #[serde(skip_serializing_if = "Option::is_none")]
        target_group: Option<String>,
        /// The registered target: an instance id, an IP address or a function ARN.
        target: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        interface_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        instance_id: Option<String>,
    },
    /// An RDS DB instance, reached through `subnet_id` of its DB subnet group.
    Database { db_instance: String, subnet_id: String },
}

/// The load balancer listener a path enters by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Via {
    pub load_balancer: String,
    pub load_balancer_name: String,
    /// `HTTPS`, `TCP`, … as the listener is configured.
    pub listener_protocol: String,
    pub listener_port: u16,
}

/// One step of the path, naming the resource and the rule that lets traffic through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub kind: &'static str,
    pub id: String,
    pub rule: String,
}

/// Why an interface, listener, target or database is *not* reachable (for evidence of
/// PASS).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocked {
    /// The interface, load balancer, target or DB instance.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    pub reason: String,
}

/// A list the analysis of one resource needed and could not read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreadable {
    pub what: String,
    pub why: Unknown,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub exposures: Vec<Exposure>,
    pub blocked: Vec<Blocked>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
}

/// The network objects of one region, with the lookups the analysis needs.
pub struct Region<'a> {
    route_tables: &'a [RouteTable],
    igws: Vec<(&'a str, Vec<&'a str>)>,
    nacls: &'a [NetworkAcl],
    sgs: &'a [SecurityGroup],
}

/// What the analysis needs that a region's inventory lacks (an unreadable list), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing(pub &'static str, pub warden_model::Unknown);

impl<'a> Region<'a> {
    /// Borrows the lists from a region's EC2 inventory; every list must be readable.
    pub fn from_ec2(ec2: &'a Ec2) -> Result<Region<'a>, Missing> {
        fn need<'b, T>(o: &'b warden_model::Observed<Vec<T>>, what: &'static str) -> Result<&'b [T], Missing> {
            o.get().map(Vec::as_slice).map_err(|u| Missing(what, u.clone()))
        }
        let igws = need(&ec2.internet_gateways, "internet gateways")?
            .iter()
            .map(|g| (g.id.as_str(), g.attached_vpc_ids.iter().map(String::as_str).collect()))
            .collect();
        Ok(Region {
            route_tables: need(&ec2.route_tables, "route tables")?,
            igws,
            nacls: need(&ec2.network_acls, "network ACLs")?,
            sgs: need(&ec2.security_groups, "security groups")?,
        })
    }

    fn route_table(&self, vpc: &str, subnet: &str) -> Option<&'a RouteTable> {
        let explicit =
            self.route_tables.iter().find(|t| t.associations.iter().any(|a| a.subnet_id.as_deref() == Some(subnet)));
        explicit.or_else(|| self.route_tables.iter().find(|t| t.vpc_id == vpc && t.associations.iter().any(|a| a.main)))
    }

    fn nacl(&self, vpc: &str, subnet: &str) -> Option<&'a NetworkAcl> {
        let explicit = self.nacls.iter().find(|n| n.subnet_ids.iter().any(|s| s == subnet));
        explicit.or_else(|| self.nacls.iter().find(|n| n.vpc_id == vpc && n.is_default))
    }

    /// The route sending the whole world to an internet gateway attached to `vpc`.
    fn internet_route(&self, table: &RouteTable, vpc: &str, family: Family) -> Option<(String, String)> {
        table.routes.iter().filter(|r| r.state == "active" && r.destination == family.world()).find_map(|r| {
            let attached = self.igws.iter().any(|(id, vpcs)| *id == r.target && vpcs.contains(&vpc));
            attached.then(|| (r.target.clone(), format!("{} → {} in {}", r.destination, r.target, table.id)))
        })
    }

    /// The hops that let the whole world of `family` into `subnet` on one port: gateway,
    /// route, network ACL both ways, and a world-open rule of one of `groups`. `groups`
    /// is `None` for a resource without security groups (a network load balancer
    /// created without them). `Err` says which hop stops the traffic.
    fn internet_path(
        &self,
        vpc: &str,
        subnet: &str,
        family: Family,
        protocol: Protocol,
        port: u16,
        groups: Option<&[&SecurityGroup]>,
    ) -> Result<Vec<Hop>, String> {
        let world = family.world();
        let what = format!("{}/{port}", protocol.name());
        let table = self.route_table(vpc, subnet).ok_or_else(|| format!("subnet {subnet} has no route table"))?;
        let (igw, route) = self
            .internet_route(table, vpc, family)
            .ok_or_else(|| format!("route table {} has no {world} route to an attached internet gateway", table.id))?;
        let acl = self.nacl(vpc, subnet).ok_or_else(|| format!("subnet {subnet} has no network ACL"))?;
        let acl_in = match deciding_entry(acl, false, family, protocol, port) {
            Some(e) if e.is_allow() => e,
            Some(e) => {
                return Err(format!(
                    "network ACL {} inbound rule {} denies {what} from {world}",
                    acl.id, e.rule_number
                ));
            }
            None => return Err(format!("network ACL {} has no inbound rule admitting {what} from {world}", acl.id)),
        };
        let reply = reply_rule(acl, family, protocol)
            .ok_or_else(|| format!("network ACL {} lets no reply out to {world} on ephemeral ports", acl.id))?;
        let mut path = vec![
            Hop { kind: "internet-gateway", id: igw, rule: format!("attached to {vpc}") },
            Hop { kind: "route-table", id: table.id.clone(), rule: route },
            Hop { kind: "network-acl", id: acl.id.clone(), rule: format!("inbound {}", describe_entry(acl_in)) },
            Hop { kind: "network-acl", id: acl.id.clone(), rule: format!("outbound {}", describe_entry(reply)) },
        ];
        if let Some(groups) = groups {
            let found = groups.iter().find_map(|g| {
                g.rules
                    .iter()
                    .find(|r| {
                        r.direction == Direction::Ingress
                            && protocol.matches(&r.protocol)
                            && from_world(r, family)
                            && sg_covers(r, port)
                    })
                    .map(|r| (g, r))
            });
            let Some((g, r)) = found else {
                let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
                return Err(format!("no security group of [{}] admits {what} from {world}", ids.join(", ")));
            };
            path.push(Hop { kind: "security-group", id: g.id.clone(), rule: describe_sg_rule(r) });
        }
        Ok(path)
    }

    /// Security groups by id, in the order given; ids not in the inventory are skipped.
    fn groups(&self, ids: &[String]) -> Vec<&'a SecurityGroup> {
        ids.iter().filter_map(|id| self.sgs.iter().find(|g| &g.id == id)).collect()
    }

    /// Reachability of one interface.
    pub fn analyse(&self, eni: &NetworkInterface) -> Analysis {
        let mut out = Analysis::default();
        let mut targets: Vec<(Family, String)> = Vec::new();
        if let Some(ip) = &eni.public_ip {
            targets.push((Family::Ipv4, ip.clone()));
        }
        if let Some(ip) = eni.ipv6_addresses.first() {
            targets.push((Family::Ipv6, ip.clone()));
        }
        let block = |out: &mut Analysis, family, reason: String| {
            out.blocked.push(Blocked { id: eni.id.clone(), family: Some(family), reason });
        };
        for (family, address) in targets {
            let Some(table) = self.route_table(&eni.vpc_id, &eni.subnet_id) else {
                block(&mut out, family, format!("subnet {} has no route table", eni.subnet_id));
                continue;
            };
            let Some((igw, route)) = self.internet_route(table, &eni.vpc_id, family) else {
                block(
                    &mut out,
                    family,
                    format!("route table {} has no {} route to an attached internet gateway", table.id, family.world()),
                );
                continue;
            };
            let Some(acl) = self.nacl(&eni.vpc_id, &eni.subnet_id) else {
                block(&mut out, family, format!("subnet {} has no network ACL", eni.subnet_id));
                continue;
            };
            let groups: Vec<&SecurityGroup> =
                self.sgs.iter().filter(|g| eni.security_group_ids.contains(&g.id)).collect();
            let before = out.exposures.len();
            for protocol in [Protocol::Tcp, Protocol::Udp] {
                let sg_rules: Vec<&SgRule> = groups
                    .iter()
                    .flat_map(|g| g.rules.iter())
                    .filter(|r| {
                        r.direction == Direction::Ingress && protocol.matches(&r.protocol) && from_world(r, family)
                    })
                    .collect();
                if sg_rules.is_empty() {
                    continue;
                }
                let Some(reply) = reply_rule(acl, family, protocol) else { continue };
                for (lo, hi) in intervals(&sg_rules, acl) {
                    let Some(sg_rule) = sg_rules.iter().find(|r| sg_covers(r, lo)) else { continue };
                    let Some(acl_in) = deciding_entry(acl, false, family, protocol, lo).filter(|e| e.is_allow()) else {
                        continue;
                    };
                    let sg = groups.iter().find(|g| g.rules.iter().any(|r| std::ptr::eq(r, *sg_rule)));
                    let path = vec![
                        Hop { kind: "internet-gateway", id: igw.clone(), rule: format!("attached to {}", eni.vpc_id) },
                        Hop { kind: "route-table", id: table.id.clone(), rule: route.clone() },
                        Hop {
                            kind: "network-acl",
                            id: acl.id.clone(),
                            rule: format!("inbound {}", describe_entry(acl_in)),
                        },
                        Hop {
                            kind: "network-acl",
                            id: acl.id.clone(),
                            rule: format!("outbound {}", describe_entry(reply)),
                        },
                        Hop {
                            kind: "security-group",
                            id: sg.map(|g| g.id.clone()).unwrap_or_default(),
                            rule: describe_sg_rule(sg_rule),
                        },
                        Hop {
                            kind: "network-interface",
                            id: eni.id.clone(),
                            rule: format!("public address {address}"),
                        },
                    ];
                    push_merged(
                        &mut out.exposures,
                        Exposure {
                            reached: Reached::Interface {
                                interface_id: eni.id.clone(),
                                instance_id: eni.attached_instance_id.clone(),
                            },
                            family,
                            address: address.clone(),
                            protocol,
                            from_port: lo,
                            to_port: hi,
                            path,
                        },
                    );
                }
            }
            if out.exposures.len() == before {
                block(
                    &mut out,
                    family,
                    format!(
                        "no port passes both network ACL {} and the security groups from {}",
                        acl.id,
                        family.world()
                    ),
                );
            }
        }
        out
    }
}

fn from_world(r: &SgRule, family: Family) -> bool {
    match family {
        Family::Ipv4 => r.cidr_ipv4.as_deref() == Some(IPV4_WORLD),
        Family::Ipv6 => r.cidr_ipv6.as_deref() == Some(IPV6_WORLD),
    }
}

fn port_range(protocol: &str, from: Option<i32>, to: Option<i32>) -> (u16, u16) {
    if matches!(protocol, "-1" | "all") {
        return (0, 65535);
    }
    match (from, to) {
        (Some(f), Some(t)) if f >= 0 && t >= 0 => (clamp(f), clamp(t)),
        _ => (0, 65535),
    }
}

fn clamp(p: i32) -> u16 {
    u16::try_from(p.clamp(0, 65535)).unwrap_or(u16::MAX)
}

fn sg_covers(r: &SgRule, port: u16) -> bool {
    let (f, t) = port_range(&r.protocol, r.from_port, r.to_port);
    f <= port && port <= t
}

fn entry_covers(e: &NaclEntry, protocol: Protocol, port: u16) -> bool {
    if !protocol.matches(&e.protocol) {
        return false;
    }
    let (f, t) = port_range(&e.protocol, e.port_from, e.port_to);
    f <= port && port <= t
}

/// The entry that decides traffic from (or, outbound, to) the whole world on `port`:
/// entries apply in rule-number order and the first match wins, so it is the first one
/// whose CIDR is the whole world; narrower entries before it only carve out part of it.
pub fn deciding_entry(
    acl: &NetworkAcl,
    egress: bool,
    family: Family,
    protocol: Protocol,
    port: u16,
) -> Option<&NaclEntry> {
    let mut entries: Vec<&NaclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    entries.into_iter().find(|e| {
        let cidr = match family {
            Family::Ipv4 => e.cidr_block.as_deref(),
            Family::Ipv6 => e.ipv6_cidr_block.as_deref(),
        };
        cidr == Some(family.world()) && entry_covers(e, protocol, port)
    })
}

/// The outbound entry that lets replies reach a client's ephemeral port, if any does.
fn reply_rule(acl: &NetworkAcl, family: Family, protocol: Protocol) -> Option<&NaclEntry> {
    EPHEMERAL_PROBES.iter().filter_map(|p| deciding_entry(acl, true, family, protocol, *p)).find(|e| e.is_allow())
}

/// The entry that decides traffic from (or, `egress`, to) every address of `peer` on
/// `port`: the first, in rule order, whose CIDR contains all of `peer`. As for the whole
/// world, a narrower entry before it only carves out part of the peer's addresses.
fn deciding_for(acl: &NetworkAcl, egress: bool, peer: Cidr, protocol: Protocol, port: u16) -> Option<&NaclEntry> {
    let mut entries: Vec<&NaclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    entries.into_iter().find(|e| {
        let cidr = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref()).and_then(Cidr::parse);
        cidr.is_some_and(|c| c.contains(peer)) && entry_covers(e, protocol, port)
    })
}

/// The entry letting replies go to (`egress`) or come from `peer`'s ephemeral ports.
fn reply_for(acl: &NetworkAcl, egress: bool, peer: Cidr, protocol: Protocol) -> Option<&NaclEntry> {
    EPHEMERAL_PROBES.iter().filter_map(|p| deciding_for(acl, egress, peer, protocol, *p)).find(|e| e.is_allow())
}

/// Port intervals on which every rule involved gives one answer: split at every rule
/// boundary, so testing an interval's first port decides the whole interval.
fn intervals(sg_rules: &[&SgRule], acl: &NetworkAcl) -> Vec<(u16, u16)> {
    let mut cuts: Vec<u32> = vec![0, 65536];
    let mut add = |(f, t): (u16, u16)| {
        cuts.push(u32::from(f));
        cuts.push(u32::from(t) + 1);
    };
    for r in sg_rules {
        add(port_range(&r.protocol, r.from_port, r.to_port));
    }
    for e in &acl.entries {
        add(port_range(&e.protocol, e.port_from, e.port_to));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter_map(|w| match w {
            [a, b] => Some((u16::try_from(*a).ok()?, u16::try_from(b - 1).ok()?)),
            _ => None,
        })
        .collect()
}

/// Appends, merging with the previous exposure when it continues the same range
/// through the same rules.
fn push_merged(list: &mut Vec<Exposure>, e: Exposure) {
    if let Some(last) = list.last_mut() {
        let same = last.reached == e.reached
            && last.family == e.family
            && last.protocol == e.protocol
            && last.path == e.path
            && u32::from(last.to_port) + 1 == u32::from(e.from_port);
        if same {
            last.to_port = e.to_port;
            return;
        }
    }
    list.push(e);
}

fn describe_entry(e: &NaclEntry) -> String {
    let (f, t) = port_range(&e.protocol, e.port_from, e.port_to);
    let cidr = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref()).unwrap_or("?");
    format!("rule {} {} {cidr} protocol {} ports {f}-{t}", e.rule_number, e.rule_action, e.protocol)
}

fn describe_sg_rule(r: &SgRule) -> String {
    let (f, t) = port_range(&r.protocol, r.from_port, r.to_port);
    let src = [&r.cidr_ipv4, &r.cidr_ipv6, &r.referenced_group_id, &r.prefix_list_id]
        .into_iter()
        .find_map(|s| s.as_deref())
        .unwrap_or("?");
    let id = if r.rule_id.is_empty() { String::new() } else { format!("{} ", r.rule_id) };
    format!("{id}ingress {src} protocol {} ports {f}-{t}", r.protocol)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_edge;
