//! Internet reachability, computed by `warden-net` through gateway, route, network ACL
//! and security group: per network interface with a public address, per load balancer
//! (its listeners, and the targets reached through them) and per RDS DB instance.

use super::storage::db_resource;
use super::{ec2_arn, region_resource, regions, resource};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{Account, DbInstance, LoadBalancer, NetworkInterface, Region};
use warden_model::{Resource, Status};
use warden_net::{Analysis, Exposure, Reached};

pub(super) const CHECKS: &[(&str, CheckFn)] =
    &[("net_internet_exposure", exposure), ("net_no_sensitive_port_reachable_from_internet", sensitive)];

/// Ports of administration, databases, caches, search and container control: never
/// meant for the open internet.
const SENSITIVE: &[(u16, &str)] = &[
    (21, "FTP"),
    (22, "SSH"),
    (23, "Telnet"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2375, "Docker API"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5601, "Kibana"),
    (5900, "VNC"),
    (6379, "Redis"),
    (9092, "Kafka"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

fn eni_resource(a: &Account, region: &str, eni: &NetworkInterface) -> Resource {
    match &eni.attached_instance_id {
        Some(i) => resource(a, region, "AwsEc2Instance", ec2_arn(a, region, "instance", i)),
        None => resource(a, region, "AwsEc2NetworkInterface", ec2_arn(a, region, "network-interface", &eni.id)),
    }
}

fn lb_resource(a: &Account, region: &str, lb: &LoadBalancer) -> Resource {
    let kind = if lb.kind == "classic" { "AwsElbLoadBalancer" } else { "AwsElbv2LoadBalancer" };
    resource(a, region, kind, lb.arn.clone())
}

/// The resource a load balancer's target is: an instance, an interface, a function.
fn target_resource(a: &Account, region: &str, e: &Exposure) -> Option<Resource> {
    let Reached::Target { target, interface_id, instance_id, .. } = &e.reached else { return None };
    Some(match (instance_id, interface_id) {
        (Some(i), _) => resource(a, region, "AwsEc2Instance", ec2_arn(a, region, "instance", i)),
        (None, Some(n)) => resource(a, region, "AwsEc2NetworkInterface", ec2_arn(a, region, "network-interface", n)),
        (None, None) => resource(a, region, "AwsLambdaFunction", target.clone()),
    })
}

/// What `warden-net` finds in one region.
pub(super) struct Reach<'r> {
    /// Interfaces with a public address of their own, except those of the load balancers
    /// and databases below, which are judged as such.
    pub(super) interfaces: Vec<(&'r NetworkInterface, Analysis)>,
    pub(super) load_balancers: Vec<(&'r LoadBalancer, Analysis)>,
    pub(super) databases: Vec<(&'r DbInstance, Analysis)>,
}

/// Analyses every region: interfaces with a public address, load balancers, databases.
/// Unreadable lists are ERROR findings on the region; lists a load balancer's analysis
/// could not read (its listeners, targets) are ERROR findings on the load balancer.
pub(super) fn each_region<'c>(
    ctx: &'c Ctx,
    out: &mut Out,
    mut f: impl FnMut(&mut Out, &'c Account, &'c Region, Reach<'c>),
) {
    for (a, r) in regions(ctx.accounts()) {
        let region_res = || region_resource(a, r);
        let enis = out.need(&r.ec2.network_interfaces, region_res, "network interfaces");
        let v2 = out.need(&r.elb.v2, region_res, "load balancers (ELBv2)");
        let classic = out.need(&r.elb.classic, region_res, "Classic load balancers");
        let dbs = out.need(&r.rds.instances, region_res, "RDS DB instances");
        let lbs: Vec<&LoadBalancer> = v2.into_iter().chain(classic).flatten().collect();
        let dbs: Vec<&DbInstance> = dbs.into_iter().flatten().collect();
        let public: Vec<&NetworkInterface> = enis
            .into_iter()
            .flatten()
            .filter(|e| e.public_ip.is_some() || !e.ipv6_addresses.is_empty())
            .filter(|e| !lbs.iter().any(|lb| warden_net::belongs_to_load_balancer(e, lb)))
            .filter(|e| !dbs.iter().any(|db| warden_net::belongs_to_database(e, db)))
            .collect();
        if public.is_empty() && lbs.is_empty() && dbs.is_empty() {
            continue;
        }
        let net = match warden_net::Region::from_ec2(&r.ec2) {
            Ok(net) => net,
            Err(warden_net::Missing(what, why)) => {
                out.unknown(region_res(), what, &why);
                continue;
            }
        };
        let backends = warden_net::Backends::of(&r.ec2, &r.elb);
        let reach = Reach {
            interfaces: public.into_iter().map(|e| (e, net.analyse(e))).collect(),
            load_balancers: lbs.into_iter().map(|lb| (lb, net.load_balancer(lb, &backends))).collect(),
            databases: dbs.into_iter().map(|db| (db, net.database(db))).collect(),
        };
        f(out, a, r, reach);
    }
}

/// `tcp/22`, `tcp/8000-8100`; for a target, the listener it is reached through too:
/// `tcp/8080 via web HTTPS 443`.
pub(super) fn describe(e: &Exposure) -> String {
    let proto = e.protocol.name();
    let ports = if e.from_port == e.to_port {
        format!("{proto}/{}", e.from_port)
    } else {
        format!("{proto}/{}-{}", e.from_port, e.to_port)
    };
    match &e.reached {
        Reached::Target { via, .. } => {
            format!("{ports} via {} {} {}", via.load_balancer_name, via.listener_protocol, via.listener_port)
        }
        _ => ports,
    }
}

fn family(e: &Exposure) -> &'static str {
    match e.family {
        warden_net::Family::Ipv4 => "IPv4",
        warden_net::Family::Ipv6 => "IPv6",
    }
}

/// The finding key of one exposure on its resource.
fn discriminator(e: &Exposure) -> String {
    let fam = format!("{:?}", e.family);
    match &e.reached {
        Reached::Interface { interface_id, .. } => format!("{interface_id}:{}:{fam}", describe(e)),
        Reached::Listener(via) => format!("{}:{}:{fam}", via.listener_port, e.protocol.name()),
        Reached::Target { via, target_group, target, .. } => format!(
            "{}:{}:{}:{target}:{}/{}",
            via.load_balancer,
            via.listener_port,
            target_group.as_deref().unwrap_or("-"),
            e.protocol.name(),
            e.from_port
        ),
        Reached::Database { .. } => format!("{}:{fam}", describe(e)),
    }
}

fn unreadable(out: &mut Out, res: &Resource, analysis: &Analysis) {
    for u in &analysis.unreadable {
        out.unknown(res.clone(), &u.what, &u.why);
    }
}

fn exposure(ctx: &Ctx, out: &mut Out) {
    each_region(ctx, out, |out, a, r, reach| {
        let region = r.name.as_str();
        for (eni, analysis) in reach.interfaces {
            if analysis.exposures.is_empty() {
                let msg = format!("{} has a public address but no port is reachable from the internet", eni.id);
                out.pass(
                    eni_resource(a, region, eni),
                    msg,
                    json!({ "interface": eni.id, "blocked": analysis.blocked }),
                );
            }
            for e in &analysis.exposures {
                let what = describe(e);
                let target = eni.attached_instance_id.as_deref().unwrap_or(&eni.id);
                let msg = format!("{target} is reachable from the internet on {what} at {}", e.address);
                out.emit(Status::Fail, eni_resource(a, region, eni), &discriminator(e), msg, json!({ "exposure": e }));
            }
        }
        for (lb, analysis) in reach.load_balancers {
            let res = lb_resource(a, region, lb);
            unreadable(out, &res, &analysis);
            let mut listeners = 0;
            for e in &analysis.exposures {
                let msg = match &e.reached {
                    Reached::Listener(via) => {
                        listeners += 1;
                        format!(
                            "{} load balancer {} is reachable from the internet on its {} {} listener over {} at {}",
                            lb.kind,
                            lb.name,
                            via.listener_protocol,
                            via.listener_port,
                            family(e),
                            e.address
                        )
                    }
                    Reached::Target { target, .. } => {
                        format!("{target} is reachable from the internet on {} at {}", describe(e), e.address)
                    }
                    _ => continue,
                };
                let on = target_resource(a, region, e).unwrap_or_else(|| res.clone());
                out.emit(Status::Fail, on, &discriminator(e), msg, json!({ "exposure": e }));
            }
            if listeners == 0 && analysis.unreadable.is_empty() {
                let msg = format!("{} load balancer {} is not reachable from the internet", lb.kind, lb.name);
                out.pass(
                    res,
                    msg,
                    json!({ "load_balancer": lb.arn, "scheme": lb.scheme, "blocked": analysis.blocked }),
                );
            }
        }
        for (db, analysis) in reach.databases {
            let res = db_resource(a, region, db);
            if analysis.exposures.is_empty() {
                let msg = format!("DB instance {} is not reachable from the internet", db.id);
                let evidence = json!({ "db_instance": db.id, "publicly_accessible": db.publicly_accessible, "blocked": analysis.blocked });
                out.pass(res.clone(), msg, evidence);
            }
            for e in &analysis.exposures {
                let msg = format!(
                    "DB instance {} ({}) is reachable from the internet on {} at {}",
                    db.id,
                    db.engine,
                    describe(e),
                    e.address
                );
                out.emit(Status::Fail, res.clone(), &discriminator(e), msg, json!({ "exposure": e }));
            }
        }
    });
}

/// The sensitive services among `exposures`: for a listener, its port; for a target, the
/// target port (an NLB forwarding 2222 to 22 exposes SSH).
fn sensitive_hits(exposures: &[Exposure]) -> Vec<serde_json::Value> {
    exposures
        .iter()
        .flat_map(|e| {
            SENSITIVE
                .iter()
                .filter(|(p, _)| e.covers(*p))
                .map(move |(p, name)| json!({ "port": p, "service": name, "exposure": e }))
        })
        .collect()
}

fn names(hits: &[serde_json::Value]) -> String {
    let names: Vec<String> =
        hits.iter().map(|h| format!("{} ({})", h["port"], h["service"].as_str().unwrap_or_default())).collect();
    names.join(", ")
}

fn sensitive(ctx: &Ctx, out: &mut Out) {
    each_region(ctx, out, |out, a, r, reach| {
        let region = r.name.as_str();
        for (eni, analysis) in reach.interfaces {
            let hits = sensitive_hits(&analysis.exposures);
            let target = eni.attached_instance_id.as_deref().unwrap_or(&eni.id);
            let msg = if hits.is_empty() {
                format!("no administration or database port of {target} is reachable from the internet")
            } else {
                format!("{target} is reachable from the internet on {}", names(&hits))
            };
            let status = if hits.is_empty() { Status::Pass } else { Status::Fail };
            let evidence = json!({ "interface": eni.id, "sensitive": hits });
            out.emit(status, eni_resource(a, region, eni), &eni.id, msg, evidence);
        }
        for (lb, analysis) in reach.load_balancers {
            let res = lb_resource(a, region, lb);
            unreadable(out, &res, &analysis);
            let hits = sensitive_hits(&analysis.exposures);
            let msg = if hits.is_empty() {
                format!("no administration or database port is reachable from the internet through {}", lb.name)
            } else {
                format!("load balancer {} lets the internet reach {}", lb.name, names(&hits))
            };
            if hits.is_empty() && !analysis.unreadable.is_empty() {
                continue;
            }
            out.verdict(hits.is_empty(), res, msg, json!({ "load_balancer": lb.arn, "sensitive": hits }));
        }
        for (db, analysis) in reach.databases {
            // Every port of a database is a database port.
            let hits: Vec<serde_json::Value> = analysis
                .exposures
                .iter()
                .map(|e| {
                    let service = SENSITIVE.iter().find(|(p, _)| e.covers(*p)).map_or(db.engine.as_str(), |(_, n)| n);
                    json!({ "port": e.from_port, "service": service, "exposure": e })
                })
                .collect();
            let msg = if hits.is_empty() {
                format!("DB instance {} is not reachable from the internet", db.id)
            } else {
                format!("DB instance {} is reachable from the internet on {}", db.id, names(&hits))
            };
            let evidence = json!({ "db_instance": db.id, "sensitive": hits, "blocked": analysis.blocked });
            out.verdict(hits.is_empty(), db_resource(a, region, db), msg, evidence);
        }
    });
}
