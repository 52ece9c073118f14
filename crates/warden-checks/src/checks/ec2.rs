use super::{each_in_region, ec2_arn, region_resource, regions, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use warden_model::inventory::{Account, Direction, Region, SecurityGroup, SgRule};
use warden_model::{Resource, Status};
use warden_net::{Family, Protocol};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("ec2_sg_no_admin_ports_from_ipv4_world", sg_admin_v4),
    ("ec2_sg_no_admin_ports_from_ipv6_world", sg_admin_v6),
    ("ec2_sg_no_cifs_from_world", sg_cifs),
    ("ec2_nacl_no_admin_ports_from_world", nacl_admin),
    ("ec2_default_sg_restricts_all", default_sg),
    ("ec2_instance_imdsv2_required", imdsv2),
    ("ec2_instance_has_iam_role", instance_profile),
    ("ec2_ebs_default_encryption", ebs_default),
    ("ec2_ebs_volume_encrypted", volume_encrypted),
    ("ec2_ebs_snapshot_not_public", snapshot_public),
    ("ec2_vpc_flow_logs_enabled", flow_logs),
    ("ec2_peering_routes_least_access", peering_routes),
    ("ec2_vpc_endpoints_in_use", vpc_endpoints),
];

const ADMIN_PORTS: [i32; 2] = [22, 3389];
const IPV4_WORLD: &str = "0.0.0.0/0";
const IPV6_WORLD: &str = "::/0";

fn sg_resource(a: &Account, r: &Region, sg: &SecurityGroup) -> Resource {
    tagged(resource(a, &r.name, "AwsEc2SecurityGroup", ec2_arn(a, &r.name, "security-group", &sg.id)), &sg.tags)
}

/// FAIL for each security group with an ingress rule from one of `worlds` covering any
/// of `ports`.
fn sg_world_ports(ctx: &Ctx, out: &mut Out, worlds: &[&str], ports: &[i32]) {
    each_in_region(
        ctx,
        out,
        "security groups",
        |r| &r.ec2.security_groups,
        |out, a, r, sg| {
            let from_world = |rule: &SgRule| {
                [&rule.cidr_ipv4, &rule.cidr_ipv6].into_iter().flatten().any(|c| worlds.contains(&c.as_str()))
            };
            let mut hit_ports = std::collections::BTreeSet::new();
            let open: Vec<_> = sg
                .rules
                .iter()
                .filter(|rule| rule.direction == Direction::Ingress && from_world(rule))
                .filter_map(|rule| {
                    let hit: Vec<i32> = ports.iter().copied().filter(|p| rule.covers_tcp_port(*p)).collect();
                    hit_ports.extend(hit.iter().copied());
                    (!hit.is_empty()).then(|| json!({ "rule": rule, "ports": hit }))
                })
                .collect();
            let ok = open.is_empty();
            let join = |ps: &mut dyn Iterator<Item = &i32>| ps.map(i32::to_string).collect::<Vec<_>>().join(", ");
            let world = worlds.join(" or ");
            let msg = if ok {
                format!(
                    "security group {} ({}) admits no traffic from {world} to port {}",
                    sg.id,
                    sg.name,
                    join(&mut ports.iter())
                )
            } else {
                format!("security group {} ({}) admits {world} to port {}", sg.id, sg.name, join(&mut hit_ports.iter()))
            };
            out.verdict(ok, sg_resource(a, r, sg), msg, json!({ "open_rules": open }));
        },
    );
}

fn sg_admin_v4(ctx: &Ctx, out: &mut Out) {
    sg_world_ports(ctx, out, &[IPV4_WORLD], &ADMIN_PORTS);
}

fn sg_admin_v6(ctx: &Ctx, out: &mut Out) {
    sg_world_ports(ctx, out, &[IPV6_WORLD], &ADMIN_PORTS);
}

fn sg_cifs(ctx: &Ctx, out: &mut Out) {
    sg_world_ports(ctx, out, &[IPV4_WORLD, IPV6_WORLD], &[445]);
}

fn nacl_admin(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "network ACLs",
        |r| &r.ec2.network_acls,
        |out, a, r, acl| {
            let mut open = Vec::new();
            for port in ADMIN_PORTS.iter().filter_map(|p| u16::try_from(*p).ok()) {
                for family in [Family::Ipv4, Family::Ipv6] {
                    let deciding = warden_net::deciding_entry(acl, false, family, Protocol::Tcp, port);
                    if let Some(e) = deciding.filter(|e| e.is_allow()) {
                        let source = if family == Family::Ipv4 { IPV4_WORLD } else { IPV6_WORLD };
                        open.push(json!({ "port": port, "source": source, "entry": e }));
                    }
                }
            }
            let ok = open.is_empty();
            let r_arn = ec2_arn(a, &r.name, "network-acl", &acl.id);
            let msg = if ok {
                format!("network ACL {} does not admit the internet to ports 22 or 3389", acl.id)
            } else {
                format!("network ACL {} admits the internet to an admin port (22/3389)", acl.id)
            };
            out.verdict(
                ok,
                resource(a, &r.name, "AwsEc2NetworkAcl", r_arn),
                msg,
                json!({ "open": open, "subnets": acl.subnet_ids }),
            );
        },
    );
}

fn default_sg(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "security groups",
        |r| &r.ec2.security_groups,
        |out, a, r, sg| {
            if !sg.is_default() {
                return;
            }
            let ok = sg.rules.is_empty();
            let msg = if ok {
                format!("default security group {} of {} has no rules", sg.id, sg.vpc_id)
            } else {
                format!(
                    "default security group {} of {} has {} rule(s): remove them all",
                    sg.id,
                    sg.vpc_id,
                    sg.rules.len()
                )
            };
            out.verdict(ok, sg_resource(a, r, sg), msg, json!({ "rules": sg.rules }));
        },
    );
}

fn live_instance(state: &str) -> bool {
    !matches!(state, "terminated" | "shutting-down")
}

fn instance_resource(a: &Account, r: &Region, i: &warden_model::inventory::Instance) -> Resource {
    tagged(resource(a, &r.name, "AwsEc2Instance", ec2_arn(a, &r.name, "instance", &i.id)), &i.tags)
}

/// Runs `f` on every instance that is not terminated or terminating.
fn each_live_instance(
    ctx: &Ctx,
    out: &mut Out,
    mut f: impl FnMut(&mut Out, Resource, &warden_model::inventory::Instance),
) {
    each_in_region(
        ctx,
        out,
        "instances",
        |r| &r.ec2.instances,
        |out, a, r, i| {
            if live_instance(&i.state) {
                f(out, instance_resource(a, r, i), i);
            }
        },
    );
}

fn imdsv2(ctx: &Ctx, out: &mut Out) {
    each_live_instance(ctx, out, |out, res, i| {
        let m = &i.metadata_options;
        let ok = m.http_tokens == "required" || m.http_endpoint == "disabled";
        let msg = if ok {
            format!("instance {} requires IMDSv2 session tokens", i.id)
        } else {
            format!("instance {} accepts IMDSv1 requests (http_tokens = {})", i.id, m.http_tokens)
        };
        out.verdict(ok, res, msg, json!({ "metadata_options": m }));
    });
}

fn instance_profile(ctx: &Ctx, out: &mut Out) {
    each_live_instance(ctx, out, |out, res, i| {
        let ok = i.iam_instance_profile.is_some();
        let msg = if ok {
            format!("instance {} uses an IAM role", i.id)
        } else {
            format!("instance {} has no IAM role: applications on it need stored keys instead", i.id)
        };
        out.verdict(ok, res, msg, json!({ "iam_instance_profile": i.iam_instance_profile }));
    });
}

fn ebs_default(ctx: &Ctx, out: &mut Out) {
    for (a, r) in regions(ctx.accounts()) {
        let Some(on) =
            out.need(&r.ec2.ebs_encryption_by_default, || region_resource(a, r), "EBS encryption by default")
        else {
            continue;
        };
        let msg = if *on {
            format!("new EBS volumes in {} of {} are encrypted by default", r.name, a.id)
        } else {
            format!("EBS encryption by default is off in {} of {}", r.name, a.id)
        };
        out.verdict(*on, region_resource(a, r), msg, json!({ "ebs_encryption_by_default": on }));
    }
}

fn volume_encrypted(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "EBS volumes",
        |r| &r.ec2.volumes,
        |out, a, r, v| {
            let res = tagged(resource(a, &r.name, "AwsEc2Volume", ec2_arn(a, &r.name, "volume", &v.id)), &v.tags);
            let msg = if v.encrypted {
                format!("volume {} is encrypted", v.id)
            } else {
                format!("volume {} is not encrypted", v.id)
            };
            out.verdict(
                v.encrypted,
                res,
                msg,
                json!({ "encrypted": v.encrypted, "kms_key_id": v.kms_key_id, "attached_to": v.attached_instance_ids }),
            );
        },
    );
}

fn snapshot_public(ctx: &Ctx, out: &mut Out) {
    each_in_region(
        ctx,
        out,
        "EBS snapshots",
        |r| &r.ec2.snapshots,
        |out, a, r, s| {
            let res = tagged(
                resource(
                    a,
                    &r.name,
                    "AwsEc2Snapshot",
                    format!("arn:{}:ec2:{}::snapshot/{}", a.partition, r.name, s.id),
                ),
                &s.tags,
            );
            let Some(perms) = out.need(&s.create_volume_permissions, || res.clone(), "snapshot sharing permissions")
            else {
                return;
            };
            let public = perms.iter().any(|p| p == "all");
            let msg = if public {
                format!("snapshot {} can be copied by any AWS account", s.id)
            } else {
                format!("snapshot {} is not public", s.id)
            };
            out.verdict(!public, res, msg, json!({ "create_volume_permissions": perms, "encrypted": s.encrypted }));
        },
    );
}

fn flow_logs(ctx: &Ctx, out: &mut Out) {
    for (a, r) in regions(ctx.accounts()) {
        let Some(vpcs) = out.need(&r.ec2.vpcs, || region_resource(a, r), "VPCs") else { continue };
        let Some(logs) = out.need(&r.ec2.flow_logs, || region_resource(a, r), "flow logs") else { continue };
        for vpc in vpcs {
            let active: Vec<_> = logs.iter().filter(|l| l.resource_id == vpc.id && l.status == "ACTIVE").collect();
            let ok = !active.is_empty();
            let res = tagged(resource(a, &r.name, "AwsEc2Vpc", ec2_arn(a, &r.name, "vpc", &vpc.id)), &vpc.tags);
            let msg = if ok {
                format!("VPC {} has flow logs", vpc.id)
            } else {
                format!("VPC {} has no active flow log", vpc.id)
            };
            out.verdict(ok, res, msg, json!({ "flow_logs": active }));
        }
    }
}

/// CIS 6.6: a route through a VPC peering connection names the peer subnets that need it,
/// not the whole peer VPC (nor a default route).
fn peering_routes(ctx: &Ctx, out: &mut Out) {
    use warden_iam::condition::Cidr;
    for (a, r) in regions(ctx.accounts()) {
        let Some(tables) = out.need(&r.ec2.route_tables, || region_resource(a, r), "route tables") else { continue };
        let Some(peerings) = out.need(&r.ec2.peering_connections, || region_resource(a, r), "VPC peering connections")
        else {
            continue;
        };
        for t in tables {
            for route in t.routes.iter().filter(|x| x.target.starts_with("pcx-")) {
                let peering = peerings.iter().find(|p| p.id == route.target);
                // The side of the connection that is not this table's VPC.
                let peer_cidr =
                    peering.map(|p| if p.requester_vpc_id == t.vpc_id { &p.accepter_cidr } else { &p.requester_cidr });
                let dest = Cidr::parse(&route.destination);
                let whole_peer = match (dest, peer_cidr.and_then(|c| Cidr::parse(c))) {
                    (Some(d), Some(peer)) => d.covers(&peer),
                    _ => false,
                };
                let default_route = dest.is_some_and(|d| d.is_universal());
                let res = resource(a, &r.name, "AwsEc2RouteTable", ec2_arn(a, &r.name, "route-table", &t.id));
                let msg = if default_route {
                    format!(
                        "route table {} sends every destination ({}) through peering {}",
                        t.id, route.destination, route.target
                    )
                } else if whole_peer {
                    format!(
                        "route table {} routes the whole peer VPC ({}) through {}; name only the subnets that need it",
                        t.id, route.destination, route.target
                    )
                } else {
                    format!("route table {} routes {} through {}", t.id, route.destination, route.target)
                };
                let evidence = json!({
                    "route": route, "vpc_id": t.vpc_id, "peer_cidr": peer_cidr,
                    "peering_known": peering.is_some(),
                });
                let status = if default_route || whole_peer { Status::Fail } else { Status::Pass };
                out.emit(status, res, &route.destination, msg, evidence);
            }
        }
    }
}

/// CIS 6.8: VPCs reach AWS services through VPC endpoints rather than the internet.
/// A VPC passes with at least one available endpoint; default VPCs are judged too.
fn vpc_endpoints(ctx: &Ctx, out: &mut Out) {
    for (a, r) in regions(ctx.accounts()) {
        let Some(vpcs) = out.need(&r.ec2.vpcs, || region_resource(a, r), "VPCs") else { continue };
        let Some(endpoints) = out.need(&r.ec2.vpc_endpoints, || region_resource(a, r), "VPC endpoints") else {
            continue;
        };
        for vpc in vpcs {
            let mine: Vec<&str> = endpoints
                .iter()
                .filter(|e| {
                    e.vpc_id == vpc.id && !matches!(e.state.as_str(), "deleted" | "deleting" | "failed" | "rejected")
                })
                .map(|e| e.service_name.as_str())
                .collect();
            let res = tagged(resource(a, &r.name, "AwsEc2Vpc", ec2_arn(a, &r.name, "vpc", &vpc.id)), &vpc.tags);
            let msg = if mine.is_empty() {
                format!("VPC {} has no VPC endpoint: traffic to AWS services leaves through the internet", vpc.id)
            } else {
                format!("VPC {} reaches {} through VPC endpoints", vpc.id, mine.join(", "))
            };
            out.verdict(!mine.is_empty(), res, msg, json!({ "endpoints": mine, "default_vpc": vpc.is_default }));
        }
    }
}
