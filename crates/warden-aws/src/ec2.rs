//! EC2 and VPC in one region: every list is one paginated describe call.

use crate::ctx::{Ctx, policy_document, time};
use aws_sdk_ec2::types::{IpPermission, Tag};
use futures::future::join_all;
use warden_model::Observed;
use warden_model::inventory::{
    Direction, Ec2, FlowLog, Instance, InternetGateway, MetadataOptions, NaclEntry, NatGateway, NetworkAcl,
    NetworkInterface, PeeringConnection, Route, RouteTable, RouteTableAssociation, SecurityGroup, SgRule, Snapshot,
    Subnet, Tags, Volume, Vpc, VpcEndpoint,
};

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn tag_map(t: &[Tag]) -> Tags {
    t.iter().map(|t| (s(t.key()), s(t.value()))).collect()
}

fn u32_of(v: Option<i32>) -> u32 {
    v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

macro_rules! list {
    ($ctx:expr, $op:literal, $builder:expr) => {
        $ctx.obs($op, $builder.into_paginator().items().send().try_collect())
    };
}

pub async fn collect(ctx: &Ctx, region: &str) -> Ec2 {
    let c = ctx.ec2(region);
    let vpcs = async {
        list!(ctx, "ec2:DescribeVpcs", c.describe_vpcs()).await.map(|l| {
            l.into_iter()
                .map(|v| Vpc {
                    id: s(v.vpc_id()),
                    cidr_block: s(v.cidr_block()),
                    ipv6_cidr_blocks: v
                        .ipv6_cidr_block_association_set()
                        .iter()
                        .filter_map(|a| a.ipv6_cidr_block().map(str::to_owned))
                        .collect(),
                    is_default: v.is_default().unwrap_or(false),
                    tags: tag_map(v.tags()),
                })
                .collect::<Vec<_>>()
        })
    };
    let subnets = async {
        list!(ctx, "ec2:DescribeSubnets", c.describe_subnets()).await.map(|l| {
            l.into_iter()
                .map(|n| Subnet {
                    id: s(n.subnet_id()),
                    vpc_id: s(n.vpc_id()),
                    cidr_block: s(n.cidr_block()),
                    ipv6_cidr_blocks: n
                        .ipv6_cidr_block_association_set()
                        .iter()
                        .filter_map(|a| a.ipv6_cidr_block().map(str::to_owned))
                        .collect(),
                    availability_zone: s(n.availability_zone()),
                    map_public_ip_on_launch: n.map_public_ip_on_launch().unwrap_or(false),
                    tags: tag_map(n.tags()),
                })
                .collect::<Vec<_>>()
        })
    };
    let route_tables = async {
        list!(ctx, "ec2:DescribeRouteTables", c.describe_route_tables()).await.map(|l| {
            l.into_iter()
                .map(|t| RouteTable {
                    id: s(t.route_table_id()),
                    vpc_id: s(t.vpc_id()),
                    routes: t
                        .routes()
                        .iter()
                        .map(|r| Route {
                            destination: s(r
                                .destination_cidr_block()
                                .or(r.destination_ipv6_cidr_block())
                                .or(r.destination_prefix_list_id())),
                            target: s(r
                                .gateway_id()
                                .or(r.nat_gateway_id())
                                .or(r.vpc_peering_connection_id())
                                .or(r.transit_gateway_id())
                                .or(r.network_interface_id())
                                .or(r.instance_id())
                                .or(r.egress_only_internet_gateway_id())
                                .or(r.local_gateway_id())
                                .or(r.carrier_gateway_id())
                                .or(r.core_network_arn())),
                            state: r.state().map_or_else(|| "active".to_owned(), |s| s.as_str().to_owned()),
                        })
                        .collect(),
                    associations: t
                        .associations()
                        .iter()
                        .map(|a| RouteTableAssociation {
                            subnet_id: a.subnet_id().map(str::to_owned),
                            main: a.main().unwrap_or(false),
                        })
                        .collect(),
                })
                .collect::<Vec<_>>()
        })
    };
    let igws = async {
        list!(ctx, "ec2:DescribeInternetGateways", c.describe_internet_gateways()).await.map(|l| {
            l.into_iter()
                .map(|g| InternetGateway {
                    id: s(g.internet_gateway_id()),
                    attached_vpc_ids: g.attachments().iter().filter_map(|a| a.vpc_id().map(str::to_owned)).collect(),
                })
                .collect::<Vec<_>>()
        })
    };
    let nats = async {
        list!(ctx, "ec2:DescribeNatGateways", c.describe_nat_gateways()).await.map(|l| {
            l.into_iter()
                .map(|n| NatGateway {
                    id: s(n.nat_gateway_id()),
                    vpc_id: s(n.vpc_id()),
                    subnet_id: s(n.subnet_id()),
                    public_ip: n.nat_gateway_addresses().iter().find_map(|a| a.public_ip().map(str::to_owned)),
                    state: n.state().map_or_else(|| "available".to_owned(), |s| s.as_str().to_owned()),
                })
                .collect::<Vec<_>>()
        })
    };
    let sgs = async {
        list!(ctx, "ec2:DescribeSecurityGroups", c.describe_security_groups()).await.map(|l| {
            l.into_iter()
                .map(|g| {
                    let mut rules = Vec::new();
                    for p in g.ip_permissions() {
                        flatten(p, Direction::Ingress, &mut rules);
                    }
                    for p in g.ip_permissions_egress() {
                        flatten(p, Direction::Egress, &mut rules);
                    }
                    SecurityGroup {
                        id: s(g.group_id()),
                        name: s(g.group_name()),
                        vpc_id: s(g.vpc_id()),
                        description: s(g.description()),
                        rules,
                        tags: tag_map(g.tags()),
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let nacls = async {
        list!(ctx, "ec2:DescribeNetworkAcls", c.describe_network_acls()).await.map(|l| {
            l.into_iter()
                .map(|a| NetworkAcl {
                    id: s(a.network_acl_id()),
                    vpc_id: s(a.vpc_id()),
                    is_default: a.is_default().unwrap_or(false),
                    entries: a
                        .entries()
                        .iter()
                        .map(|e| NaclEntry {
                            rule_number: e.rule_number().unwrap_or(0),
                            protocol: s(e.protocol()),
                            rule_action: e.rule_action().map(|r| r.as_str().to_owned()).unwrap_or_default(),
                            egress: e.egress().unwrap_or(false),
                            cidr_block: e.cidr_block().map(str::to_owned),
                            ipv6_cidr_block: e.ipv6_cidr_block().map(str::to_owned),
                            port_from: e.port_range().and_then(|p| p.from()),
                            port_to: e.port_range().and_then(|p| p.to()),
                        })
                        .collect(),
                    subnet_ids: a.associations().iter().filter_map(|x| x.subnet_id().map(str::to_owned)).collect(),
                })
                .collect::<Vec<_>>()
        })
    };
    let enis = async {
        list!(ctx, "ec2:DescribeNetworkInterfaces", c.describe_network_interfaces()).await.map(|l| {
            l.into_iter()
                .map(|n| NetworkInterface {
                    id: s(n.network_interface_id()),
                    subnet_id: s(n.subnet_id()),
                    vpc_id: s(n.vpc_id()),
                    private_ip: s(n.private_ip_address()),
                    public_ip: n.association().and_then(|a| a.public_ip()).map(str::to_owned),
                    ipv6_addresses: n
                        .ipv6_addresses()
                        .iter()
                        .filter_map(|a| a.ipv6_address().map(str::to_owned))
                        .collect(),
                    security_group_ids: n.groups().iter().filter_map(|g| g.group_id().map(str::to_owned)).collect(),
                    attached_instance_id: n.attachment().and_then(|a| a.instance_id()).map(str::to_owned),
                    interface_type: n.interface_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                    description: s(n.description()),
                })
                .collect::<Vec<_>>()
        })
    };
    let instances = async {
        list!(ctx, "ec2:DescribeInstances", c.describe_instances()).await.map(|reservations| {
            reservations
                .iter()
                .flat_map(|r| r.instances())
                .map(|i| {
                    let m = i.metadata_options();
                    Instance {
                        id: s(i.instance_id()),
                        instance_type: i.instance_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                        image_id: s(i.image_id()),
                        state: i.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()).unwrap_or_default(),
                        vpc_id: i.vpc_id().map(str::to_owned),
                        subnet_id: i.subnet_id().map(str::to_owned),
                        private_ip: i.private_ip_address().map(str::to_owned),
                        public_ip: i.public_ip_address().map(str::to_owned),
                        metadata_options: MetadataOptions {
                            http_tokens: m
                                .and_then(|m| m.http_tokens())
                                .map_or_else(|| "optional".to_owned(), |t| t.as_str().to_owned()),
                            http_endpoint: m
                                .and_then(|m| m.http_endpoint())
                                .map_or_else(|| "enabled".to_owned(), |t| t.as_str().to_owned()),
                            http_put_response_hop_limit: m
                                .and_then(|m| m.http_put_response_hop_limit())
                                .and_then(|h| u32::try_from(h).ok())
                                .unwrap_or(1),
                        },
                        iam_instance_profile: i.iam_instance_profile().and_then(|p| p.arn()).map(str::to_owned),
                        security_group_ids: i
                            .security_groups()
                            .iter()
                            .filter_map(|g| g.group_id().map(str::to_owned))
                            .collect(),
                        network_interface_ids: i
                            .network_interfaces()
                            .iter()
                            .filter_map(|n| n.network_interface_id().map(str::to_owned))
                            .collect(),
                        launch_time: time(i.launch_time()),
                        tags: tag_map(i.tags()),
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let volumes = async {
        list!(ctx, "ec2:DescribeVolumes", c.describe_volumes()).await.map(|l| {
            l.into_iter()
                .map(|v| Volume {
                    id: s(v.volume_id()),
                    encrypted: v.encrypted().unwrap_or(false),
                    kms_key_id: v.kms_key_id().map(str::to_owned),
                    size_gib: u32_of(v.size()),
                    state: v.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    attached_instance_ids: v
                        .attachments()
                        .iter()
                        .filter_map(|a| a.instance_id().map(str::to_owned))
                        .collect(),
                    tags: tag_map(v.tags()),
                })
                .collect::<Vec<_>>()
        })
    };
    let snapshots = async {
        let listed = list!(ctx, "ec2:DescribeSnapshots", c.describe_snapshots().owner_ids("self")).await;
        let listed = match listed {
            Observed::Known(l) => l,
            Observed::Unknown(u) => return Observed::Unknown(u),
        };
        // `OwnerIds=self` already restricts the listing; moto ignores it and returns every
        // public AMI snapshot, so keep only the account's own (a no-op against AWS).
        let own = listed.into_iter().filter(|sn| sn.owner_id().is_none_or(|o| o == ctx.account_id));
        Observed::Known(
            join_all(own.map(|sn| {
                let c = c.clone();
                async move {
                    let id = s(sn.snapshot_id());
                    let perms = ctx
                        .obs(
                            "ec2:DescribeSnapshotAttribute",
                            c.describe_snapshot_attribute()
                                .snapshot_id(&id)
                                .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                                .send(),
                        )
                        .await
                        .map(|o| {
                            o.create_volume_permissions()
                                .iter()
                                .filter_map(|p| {
                                    p.group().map(|g| g.as_str().to_owned()).or_else(|| p.user_id().map(str::to_owned))
                                })
                                .collect::<Vec<_>>()
                        });
                    Snapshot {
                        id,
                        volume_id: s(sn.volume_id()),
                        encrypted: sn.encrypted().unwrap_or(false),
                        owner_id: s(sn.owner_id()),
                        start_time: time(sn.start_time()),
                        create_volume_permissions: perms,
                        tags: tag_map(sn.tags()),
                    }
                }
            }))
            .await,
        )
    };
    let ebs_default = async {
        ctx.obs("ec2:GetEbsEncryptionByDefault", c.get_ebs_encryption_by_default().send())
            .await
            .map(|o| o.ebs_encryption_by_default().unwrap_or(false))
    };
    let flow_logs = async {
        list!(ctx, "ec2:DescribeFlowLogs", c.describe_flow_logs()).await.map(|l| {
            l.into_iter()
                .map(|f| FlowLog {
                    id: s(f.flow_log_id()),
                    resource_id: s(f.resource_id()),
                    traffic_type: f.traffic_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                    log_destination_type: f.log_destination_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                    log_destination: s(f.log_destination().or(f.log_group_name())),
                    status: f.flow_log_status().unwrap_or("ACTIVE").to_owned(),
                })
                .collect::<Vec<_>>()
        })
    };
    let endpoints = async {
        list!(ctx, "ec2:DescribeVpcEndpoints", c.describe_vpc_endpoints()).await.map(|l| {
            l.into_iter()
                .map(|e| VpcEndpoint {
                    id: s(e.vpc_endpoint_id()),
                    vpc_id: s(e.vpc_id()),
                    service_name: s(e.service_name()),
                    endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                    policy: e.policy_document().map(policy_document),
                    state: e.state().map(|t| t.as_str().to_owned()).unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        })
    };
    let peerings = async {
        list!(ctx, "ec2:DescribeVpcPeeringConnections", c.describe_vpc_peering_connections()).await.map(|l| {
            l.into_iter()
                .map(|p| {
                    let req = p.requester_vpc_info();
                    let acc = p.accepter_vpc_info();
                    PeeringConnection {
                        id: s(p.vpc_peering_connection_id()),
                        requester_vpc_id: s(req.and_then(|v| v.vpc_id())),
                        requester_account_id: s(req.and_then(|v| v.owner_id())),
                        requester_cidr: s(req.and_then(|v| v.cidr_block())),
                        accepter_vpc_id: s(acc.and_then(|v| v.vpc_id())),
                        accepter_account_id: s(acc.and_then(|v| v.owner_id())),
                        accepter_cidr: s(acc.and_then(|v| v.cidr_block())),
                        status: p.status().and_then(|s| s.code()).map(|c| c.as_str().to_owned()).unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let ((vpcs, subnets, route_tables, internet_gateways, nat_gateways, security_groups, network_acls), rest) =
        tokio::join!(async { tokio::join!(vpcs, subnets, route_tables, igws, nats, sgs, nacls) }, async {
            tokio::join!(enis, instances, volumes, snapshots, ebs_default, flow_logs, endpoints, peerings)
        },);
    let (
        network_interfaces,
        instances,
        volumes,
        snapshots,
        ebs_encryption_by_default,
        flow_logs,
        vpc_endpoints,
        peering_connections,
    ) = rest;
    Ec2 {
        vpcs,
        subnets,
        route_tables,
        internet_gateways,
        nat_gateways,
        security_groups,
        network_acls,
        network_interfaces,
        instances,
        volumes,
        snapshots,
        ebs_encryption_by_default,
        flow_logs,
        vpc_endpoints,
        peering_connections,
    }
}

/// One `IpPermission` holds several sources; the model keeps one rule per source, as
/// `DescribeSecurityGroupRules` does.
fn flatten(p: &IpPermission, direction: Direction, out: &mut Vec<SgRule>) {
    let base = SgRule {
        rule_id: String::new(),
        direction,
        protocol: s(p.ip_protocol()),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidr_ipv4: None,
        cidr_ipv6: None,
        referenced_group_id: None,
        prefix_list_id: None,
        description: String::new(),
    };
    for r in p.ip_ranges() {
        out.push(SgRule { cidr_ipv4: r.cidr_ip().map(str::to_owned), description: s(r.description()), ..base.clone() });
    }
    for r in p.ipv6_ranges() {
        out.push(SgRule {
            cidr_ipv6: r.cidr_ipv6().map(str::to_owned),
            description: s(r.description()),
            ..base.clone()
        });
    }
    for g in p.user_id_group_pairs() {
        out.push(SgRule {
            referenced_group_id: g.group_id().map(str::to_owned),
            description: s(g.description()),
            ..base.clone()
        });
    }
    for l in p.prefix_list_ids() {
        out.push(SgRule {
            prefix_list_id: l.prefix_list_id().map(str::to_owned),
            description: s(l.description()),
            ..base.clone()
        });
    }
}

/// Regions enabled for the account (`DescribeRegions` without `AllRegions`).
pub async fn enabled_regions(ctx: &Ctx, home: &str) -> Observed<Vec<String>> {
    let c = ctx.ec2(home);
    ctx.obs("ec2:DescribeRegions", c.describe_regions().send()).await.map(|o| {
        let mut r: Vec<String> = o.regions().iter().filter_map(|r| r.region_name().map(str::to_owned)).collect();
        r.sort();
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{IpRange, Ipv6Range};

    #[test]
    fn permissions_flatten_to_one_rule_per_source() {
        let p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build();
        let mut out = Vec::new();
        flatten(&p, Direction::Ingress, &mut out);
        assert_eq!(out.len(), 3);
        assert!(out[0].covers_tcp_port(22) && out[0].cidr_ipv4.as_deref() == Some("0.0.0.0/0"));
        assert_eq!(out[2].cidr_ipv6.as_deref(), Some("::/0"));
    }
}
