//! Internet reachability, computed by `warden-net` through gateway, route, network ACL
//! and security group, per network interface with a public address.

use super::{ec2_arn, regions, resource};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{Account, NetworkInterface};
use warden_model::{Resource, Status};
use warden_net::{Analysis, Exposure};

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

/// Analyses every interface with a public address, reporting unreadable inputs as ERROR.
pub(super) fn each_public_interface(
    ctx: &Ctx,
    out: &mut Out,
    mut f: impl FnMut(&mut Out, &Account, &str, &NetworkInterface, Analysis),
) {
    for (a, r) in regions(ctx.accounts()) {
        let region_res =
            || resource(a, &r.name, "AwsEc2Region", format!("arn:{}:ec2:{}:{}:region", a.partition, r.name, a.id));
        let Some(enis) = out.need(&r.ec2.network_interfaces, region_res, "network interfaces") else { continue };
        let public: Vec<&NetworkInterface> =
            enis.iter().filter(|e| e.public_ip.is_some() || !e.ipv6_addresses.is_empty()).collect();
        if public.is_empty() {
            continue;
        }
        let net = match warden_net::Region::from_ec2(&r.ec2) {
            Ok(net) => net,
            Err(warden_net::Missing(what, why)) => {
                out.unknown(region_res(), what, &why);
                continue;
            }
        };
        for eni in public {
            f(out, a, &r.name, eni, net.analyse(eni));
        }
    }
}

pub(super) fn describe(e: &Exposure) -> String {
    let proto = format!("{:?}", e.protocol).to_lowercase();
    if e.from_port == e.to_port {
        format!("{proto}/{}", e.from_port)
    } else {
        format!("{proto}/{}-{}", e.from_port, e.to_port)
    }
}

fn exposure(ctx: &Ctx, out: &mut Out) {
    each_public_interface(ctx, out, |out, a, region, eni, analysis| {
        if analysis.exposures.is_empty() {
            let msg = format!("{} has a public address but no port is reachable from the internet", eni.id);
            out.pass(eni_resource(a, region, eni), msg, json!({ "interface": eni.id, "blocked": analysis.blocked }));
        }
        for e in &analysis.exposures {
            let what = describe(e);
            let target = eni.attached_instance_id.as_deref().unwrap_or(&eni.id);
            let msg = format!("{target} is reachable from the internet on {what} at {}", e.address);
            out.emit(
                Status::Fail,
                eni_resource(a, region, eni),
                &format!("{}:{what}:{:?}", eni.id, e.family),
                msg,
                json!({ "exposure": e }),
            );
        }
    });
}

fn sensitive(ctx: &Ctx, out: &mut Out) {
    each_public_interface(ctx, out, |out, a, region, eni, analysis| {
        let hits: Vec<serde_json::Value> = analysis
            .exposures
            .iter()
            .flat_map(|e| {
                SENSITIVE
                    .iter()
                    .filter(|(p, _)| e.covers(*p))
                    .map(move |(p, name)| json!({ "port": p, "service": name, "exposure": e }))
            })
            .collect();
        let target = eni.attached_instance_id.as_deref().unwrap_or(&eni.id);
        let msg = if hits.is_empty() {
            format!("no administration or database port of {target} is reachable from the internet")
        } else {
            let names: Vec<String> =
                hits.iter().map(|h| format!("{} ({})", h["port"], h["service"].as_str().unwrap_or_default())).collect();
            format!("{target} is reachable from the internet on {}", names.join(", "))
        };
        out.emit(
            if hits.is_empty() { Status::Pass } else { Status::Fail },
            eni_resource(a, region, eni),
            &eni.id,
            msg,
            json!({ "interface": eni.id, "sensitive": hits }),
        );
    });
}
