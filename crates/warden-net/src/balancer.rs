//! Load balancers: which listeners the internet reaches, and which targets it reaches
//! through them.
//!
//! A listener of an internet-facing load balancer is reachable when one of the subnets
//! holding a node of the load balancer routes the world to an internet gateway, that
//! subnet's network ACL admits the listener port from the world (and lets replies out),
//! and one of the load balancer's security groups admits it too. A network load balancer
//! created without security groups has no such hop: the listener itself is the filter.
//! The listener's IPv6 side exists only when the load balancer is dual-stack.
//!
//! A target is reached *through* the listener when, from the node's subnet, the network
//! ACLs between the two subnets pass the traffic (out of the node's subnet, into the
//! target's, and the replies back; none when both are in the same subnet) and a security
//! group of the target's interface admits the target port from the load balancer: a rule
//! referencing one of the load balancer's groups, or a CIDR containing the node's subnet.
//! When a network load balancer preserves client addresses, the target sees the client,
//! so only the load balancer's group or a world-open rule admits it.

use crate::{
    Analysis, Blocked, Cidr, Direction, Exposure, Family, Hop, IPV4_WORLD, Protocol, Reached, Region, Unreadable, Via,
    deciding_for, describe_entry, describe_sg_rule, reply_for, sg_covers,
};
use warden_model::Observed;
use warden_model::inventory::{
    Ec2, Elb, Listener, LoadBalancer, NetworkInterface, SecurityGroup, SgRule, Subnet, TargetGroup,
};

/// What the hop from a load balancer to its targets needs besides the network lists.
pub struct Backends<'a> {
    subnets: &'a Observed<Vec<Subnet>>,
    interfaces: &'a Observed<Vec<NetworkInterface>>,
    target_groups: &'a Observed<Vec<TargetGroup>>,
}

impl<'a> Backends<'a> {
    pub fn of(ec2: &'a Ec2, elb: &'a Elb) -> Backends<'a> {
        Backends { subnets: &ec2.subnets, interfaces: &ec2.network_interfaces, target_groups: &elb.target_groups }
    }
}

/// Whether `eni` is a node of `lb`: Elastic Load Balancing describes its interfaces as
/// `ELB app/NAME/ID` (`net/…`, `gwy/…`), or `ELB NAME` for a Classic load balancer.
pub fn belongs_to_load_balancer(eni: &NetworkInterface, lb: &LoadBalancer) -> bool {
    let Some(rest) = eni.description.strip_prefix("ELB ") else { return false };
    lb.arn.split_once(":loadbalancer/").is_some_and(|(_, suffix)| suffix == rest)
}

/// The transport protocols a listener or target group protocol carries.
fn protocols(name: &str) -> &'static [Protocol] {
    match name.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "SSL" => &[Protocol::Tcp],
        "UDP" => &[Protocol::Udp],
        "TCP_UDP" => &[Protocol::Tcp, Protocol::Udp],
        _ => &[],
    }
}

/// One registered backend of one listener.
struct Backend<'t> {
    group: Option<&'t TargetGroup>,
    id: &'t str,
    port: Option<i32>,
    target_type: &'t str,
    health: Option<&'t str>,
}

/// A node subnet the internet reaches the listener through, with the path into it.
struct Entry<'s> {
    subnet: &'s str,
    path: Vec<Hop>,
}

impl Region<'_> {
    /// Reachability of one load balancer's listeners, and of its targets through them.
    pub fn load_balancer(&self, lb: &LoadBalancer, backends: &Backends<'_>) -> Analysis {
        let mut out = Analysis::default();
        let block = |out: &mut Analysis, family: Option<Family>, reason: String| {
            out.blocked.push(Blocked { id: lb.arn.clone(), family, reason });
        };
        if lb.scheme != "internet-facing" {
            let scheme = if lb.scheme.is_empty() { "not internet-facing" } else { lb.scheme.as_str() };
            block(&mut out, None, format!("{scheme}: its nodes have private addresses only"));
            return out;
        }
        let listeners = match lb.listeners.get() {
            Ok(l) => l,
            Err(why) => {
                note(&mut out, Unreadable { what: format!("the listeners of {}", lb.name), why: why.clone() });
                return out;
            }
        };
        let Some(vpc) = lb.vpc_id.as_deref() else {
            block(&mut out, None, "not in a VPC".into());
            return out;
        };
        if listeners.is_empty() {
            block(&mut out, None, "no listeners".into());
        }
        let groups = self.groups(&lb.security_group_ids);
        let groups = (lb.kind != "network" || !lb.security_group_ids.is_empty()).then_some(groups.as_slice());
        let families: &[Family] = match lb.ip_address_type.as_str() {
            "dualstack" => &[Family::Ipv4, Family::Ipv6],
            "dualstack-without-public-ipv4" => &[Family::Ipv6],
            _ => &[Family::Ipv4],
        };
        // Targets already reached (over IPv4 first): group, target, port, protocol, listener.
        type Key = (Option<String>, String, Option<i32>, Protocol, u16);
        let mut reached: Vec<Key> = Vec::new();
        for listener in listeners {
            let Ok(port) = u16::try_from(listener.port) else { continue };
            let via = Via {
                load_balancer: lb.arn.clone(),
                load_balancer_name: lb.name.clone(),
                listener_protocol: listener.protocol.clone(),
                listener_port: port,
            };
            let listener_id =
                if listener.arn.is_empty() { format!("{}:{port}", lb.name) } else { listener.arn.clone() };
            for &family in families {
                for &protocol in protocols(&listener.protocol) {
                    let mut entries = Vec::new();
                    let mut reasons = Vec::new();
                    for subnet in &lb.subnet_ids {
                        match self.internet_path(vpc, subnet, family, protocol, port, groups) {
                            Ok(path) => entries.push(Entry { subnet, path }),
                            Err(why) => reasons.push(format!("{subnet}: {why}")),
                        }
                    }
                    let Some(first) = entries.first() else {
                        let why = if reasons.is_empty() { "no subnets".to_owned() } else { reasons.join("; ") };
                        block(&mut out, Some(family), format!("listener {} {port}: {why}", listener.protocol));
                        continue;
                    };
                    let lb_hop = |subnet: &str| Hop {
                        kind: "load-balancer",
                        id: lb.arn.clone(),
                        rule: format!(
                            "internet-facing {} load balancer {} ({}), node in {subnet}{}",
                            lb.kind,
                            lb.name,
                            lb.ip_address_type,
                            if groups.is_none() { ", no security groups" } else { "" }
                        ),
                    };
                    let listener_hop = Hop {
                        kind: "listener",
                        id: listener_id.clone(),
                        rule: format!("{} {port}", listener.protocol),
                    };
                    let mut path = first.path.clone();
                    path.push(lb_hop(first.subnet));
                    path.push(listener_hop.clone());
                    out.exposures.push(Exposure {
                        reached: Reached::Listener(via.clone()),
                        family,
                        address: lb.dns_name.clone(),
                        protocol,
                        from_port: port,
                        to_port: port,
                        path,
                    });
                    let found = match self.backends(lb, listener, backends) {
                        Ok(b) => b,
                        Err(u) => {
                            note(&mut out, u);
                            continue;
                        }
                    };
                    for b in found {
                        let target_protocol = if lb.kind == "network" { protocol } else { Protocol::Tcp };
                        let key = (b.group.map(|g| g.arn.clone()), b.id.to_owned(), b.port, target_protocol, port);
                        if reached.contains(&key) {
                            continue;
                        }
                        let r = match self.reach_backend(lb, &b, target_protocol, &entries, backends, port) {
                            Ok(r) => r,
                            Err(Failure::Unreadable(u)) => {
                                note(&mut out, u);
                                continue;
                            }
                            Err(Failure::Blocked(why)) => {
                                out.blocked.push(Blocked {
                                    id: b.id.to_owned(),
                                    family: Some(family),
                                    reason: format!("through listener {} {port}: {why}", listener.protocol),
                                });
                                continue;
                            }
                        };
                        let entry = entries.iter().find(|e| Some(e.subnet) == r.node).unwrap_or(first);
                        let mut path = entry.path.clone();
                        path.push(lb_hop(entry.subnet));
                        path.push(listener_hop.clone());
                        path.push(Hop {
                            kind: if b.group.is_some() { "target-group" } else { "backend" },
                            id: b.group.map_or_else(|| lb.arn.clone(), |g| g.arn.clone()),
                            rule: format!(
                                "forwards to {} port {}{}",
                                b.id,
                                b.port.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                                b.health.map(|h| format!(" ({h})")).unwrap_or_default()
                            ),
                        });
                        path.extend(r.hops);
                        let instance_id = r
                            .eni
                            .and_then(|e| e.attached_instance_id.clone())
                            .or_else(|| (b.target_type == "instance").then(|| b.id.to_owned()));
                        out.exposures.push(Exposure {
                            reached: Reached::Target {
                                via: via.clone(),
                                target_group: b.group.map(|g| g.arn.clone()),
                                target: b.id.to_owned(),
                                interface_id: r.eni.map(|e| e.id.clone()),
                                instance_id,
                            },
                            family,
                            address: lb.dns_name.clone(),
                            protocol: target_protocol,
                            from_port: r.port,
                            to_port: r.port,
                            path,
                        });
                        reached.push(key);
                    }
                }
            }
        }
        out
    }

    /// The registered backends of one listener: a Classic load balancer's instances on
    /// the listener's instance port, or the targets of the groups an ELBv2 listener
    /// forwards to.
    fn backends<'t>(
        &self,
        lb: &'t LoadBalancer,
        listener: &'t Listener,
        backends: &Backends<'t>,
    ) -> Result<Vec<Backend<'t>>, Unreadable> {
        if lb.kind == "classic" {
            return Ok(lb
                .instance_ids
                .iter()
                .map(|id| Backend {
                    group: None,
                    id,
                    port: listener.instance_port,
                    target_type: "instance",
                    health: None,
                })
                .collect());
        }
        if listener.target_group_arns.is_empty() {
            return Ok(Vec::new());
        }
        let groups = backends
            .target_groups
            .get()
            .map_err(|why| Unreadable { what: "target groups".into(), why: why.clone() })?;
        let mut out = Vec::new();
        for arn in &listener.target_group_arns {
            let Some(g) = groups.iter().find(|g| &g.arn == arn) else { continue };
            let targets = g
                .targets
                .get()
                .map_err(|why| Unreadable { what: format!("the targets of {}", g.name), why: why.clone() })?;
            out.extend(targets.iter().map(|t| Backend {
                group: Some(g),
                id: &t.id,
                port: t.port.or(g.port),
                target_type: &g.target_type,
                health: t.health.as_deref(),
            }));
        }
        Ok(out)
    }

    /// The hops from a node of `lb` (in one of `entries`) to backend `b`.
    fn reach_backend<'e, 's>(
        &self,
        lb: &LoadBalancer,
        b: &Backend<'_>,
        protocol: Protocol,
        entries: &[Entry<'s>],
        backends: &Backends<'e>,
        listener_port: u16,
    ) -> Result<BackendReach<'e, 's>, Failure> {
        let port = b.port.and_then(|p| u16::try_from(p).ok());
        match b.target_type {
            "lambda" => {
                let hop =
                    Hop { kind: "lambda-function", id: b.id.to_owned(), rule: "invoked by the load balancer".into() };
                let node = entries.first().map(|e| e.subnet);
                return Ok(BackendReach { eni: None, node, hops: vec![hop], port: port.unwrap_or(listener_port) });
            }
            "alb" => return Err(Failure::Blocked(format!("target {} is a load balancer: not followed", b.id))),
            _ => {}
        }
        let port = port.ok_or_else(|| Failure::Blocked(format!("target {} has no port", b.id)))?;
        let unreadable = |what: &str, why: &warden_model::Unknown| {
            Failure::Unreadable(Unreadable { what: what.to_owned(), why: why.clone() })
        };
        let enis = backends.interfaces.get().map_err(|why| unreadable("network interfaces", why))?;
        let subnets = backends.subnets.get().map_err(|why| unreadable("subnets", why))?;
        let candidates: Vec<&'e NetworkInterface> = enis
            .iter()
            .filter(|e| match b.target_type {
                "ip" => e.private_ip == b.id,
                _ => e.attached_instance_id.as_deref() == Some(b.id),
            })
            .collect();
        if candidates.is_empty() {
            return Err(Failure::Blocked(format!("no network interface of target {} in the inventory", b.id)));
        }
        let preserved = lb.kind == "network"
            && b.group.is_some_and(|g| {
                g.preserve_client_ip.unwrap_or(
                    g.target_type == "instance"
                        || matches!(g.protocol.to_ascii_uppercase().as_str(), "UDP" | "TCP_UDP"),
                )
            });
        let mut reasons = Vec::new();
        for eni in candidates {
            for entry in entries {
                let Some(node) = subnets.iter().find(|s| s.id == entry.subnet) else {
                    reasons.push(format!("subnet {} of the load balancer is not in the inventory", entry.subnet));
                    continue;
                };
                match self.node_to_target(lb, node, eni, protocol, port, preserved) {
                    Ok(hops) => return Ok(BackendReach { eni: Some(eni), node: Some(entry.subnet), hops, port }),
                    Err(why) => reasons.push(why),
                }
            }
        }
        reasons.dedup();
        Err(Failure::Blocked(reasons.join("; ")))
    }

    /// Network ACLs between the node's subnet and the target's, then the target's
    /// security groups.
    fn node_to_target(
        &self,
        lb: &LoadBalancer,
        node: &Subnet,
        eni: &NetworkInterface,
        protocol: Protocol,
        port: u16,
        preserved: bool,
    ) -> Result<Vec<Hop>, String> {
        let what = format!("{}/{port}", protocol.name());
        let node_cidr =
            Cidr::parse(&node.cidr_block).ok_or_else(|| format!("subnet {} has no readable CIDR block", node.id))?;
        let target_ip = Cidr::parse(&eni.private_ip)
            .ok_or_else(|| format!("interface {} has no readable private address", eni.id))?;
        // With client addresses preserved the target sees, and answers, the internet.
        let (source, source_name) = match Cidr::parse(IPV4_WORLD) {
            Some(world) if preserved => (world, IPV4_WORLD.to_owned()),
            _ => (node_cidr, format!("{} ({})", node.cidr_block, node.id)),
        };
        let mut hops = Vec::new();
        if eni.subnet_id != node.id {
            let vpc = lb.vpc_id.as_deref().unwrap_or(&node.vpc_id);
            let node_acl = self.nacl(vpc, &node.id).ok_or_else(|| format!("subnet {} has no network ACL", node.id))?;
            let target_acl = self
                .nacl(&eni.vpc_id, &eni.subnet_id)
                .ok_or_else(|| format!("subnet {} has no network ACL", eni.subnet_id))?;
            let steps = [
                (node_acl, true, target_ip, Some(port), format!("outbound {what} to {}", eni.private_ip)),
                (target_acl, false, source, Some(port), format!("inbound {what} from {source_name}")),
                (target_acl, true, source, None, format!("outbound replies to {source_name}")),
                (node_acl, false, target_ip, None, format!("inbound replies from {}", eni.private_ip)),
            ];
            for (acl, egress, peer, port, desc) in steps {
                let entry = match port {
                    Some(p) => deciding_for(acl, egress, peer, protocol, p),
                    None => reply_for(acl, egress, peer, protocol),
                };
                match entry {
                    Some(e) if e.is_allow() => hops.push(Hop {
                        kind: "network-acl",
                        id: acl.id.clone(),
                        rule: format!("{desc}: {}", describe_entry(e)),
                    }),
                    Some(e) => return Err(format!("network ACL {} rule {} denies {desc}", acl.id, e.rule_number)),
                    None => return Err(format!("network ACL {} has no rule allowing {desc}", acl.id)),
                }
            }
        }
        let groups = self.groups(&eni.security_group_ids);
        let admits = |r: &SgRule| {
            r.direction == Direction::Ingress
                && protocol.matches(&r.protocol)
                && sg_covers(r, port)
                && (r.referenced_group_id.as_ref().is_some_and(|g| lb.security_group_ids.contains(g))
                    || r.cidr_ipv4.as_deref().and_then(Cidr::parse).is_some_and(|c| c.contains(source)))
        };
        let found = groups.iter().find_map(|g: &&SecurityGroup| g.rules.iter().find(|r| admits(r)).map(|r| (g, r)));
        let Some((g, r)) = found else {
            let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
            let lb_groups = if lb.security_group_ids.is_empty() {
                String::new()
            } else {
                format!(" or from {}", lb.security_group_ids.join(", "))
            };
            return Err(format!(
                "no security group of {} [{}] admits {what} from {source_name}{lb_groups}",
                eni.id,
                ids.join(", ")
            ));
        };
        hops.push(Hop { kind: "security-group", id: g.id.clone(), rule: describe_sg_rule(r) });
        hops.push(Hop {
            kind: "network-interface",
            id: eni.id.clone(),
            rule: format!("private address {}", eni.private_ip),
        });
        Ok(hops)
    }
}

/// How a backend is reached: its interface (none for a Lambda function), the node
/// subnet the traffic leaves from, the hops after the target group, the target port.
struct BackendReach<'e, 's> {
    eni: Option<&'e NetworkInterface>,
    node: Option<&'s str>,
    hops: Vec<Hop>,
    port: u16,
}

enum Failure {
    Blocked(String),
    Unreadable(Unreadable),
}

/// Records an unreadable list once.
fn note(out: &mut Analysis, u: Unreadable) {
    if !out.unreadable.contains(&u) {
        out.unreadable.push(u);
    }
}
