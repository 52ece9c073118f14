#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::{Value, json};
use warden_model::inventory::Ec2;

/// A VPC with one public subnet (route to igw-1) and one private one (route to a NAT).
fn ec2(sg_rules: Value, acl_entries: Value, eni: Value) -> (Ec2, NetworkInterface) {
    let ec2: Ec2 = serde_json::from_value(json!({
        "internet_gateways": {"known": [{"id": "igw-1", "attached_vpc_ids": ["vpc-1"]}, {"id": "igw-9", "attached_vpc_ids": ["vpc-9"]}]},
        "route_tables": {"known": [
            {"id": "rtb-main", "vpc_id": "vpc-1", "associations": [{"main": true}], "routes": [
                {"destination": "10.0.0.0/16", "target": "local"},
                {"destination": "0.0.0.0/0", "target": "nat-1"}]},
            {"id": "rtb-pub", "vpc_id": "vpc-1", "associations": [{"subnet_id": "subnet-pub"}], "routes": [
                {"destination": "10.0.0.0/16", "target": "local"},
                {"destination": "0.0.0.0/0", "target": "igw-1"},
                {"destination": "::/0", "target": "igw-1"}]},
            {"id": "rtb-wrong", "vpc_id": "vpc-1", "associations": [{"subnet_id": "subnet-wrong"}], "routes": [
                {"destination": "0.0.0.0/0", "target": "igw-9"}]}
        ]},
        "network_acls": {"known": [{"id": "acl-1", "vpc_id": "vpc-1", "is_default": true, "entries": acl_entries}]},
        "security_groups": {"known": [
            {"id": "sg-web", "name": "web", "vpc_id": "vpc-1", "rules": sg_rules},
            {"id": "sg-app", "name": "app", "vpc_id": "vpc-1", "rules": [
                {"direction": "ingress", "protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_id": "sg-web"}]}
        ]}
    }))
    .unwrap();
    (ec2, serde_json::from_value(eni).unwrap())
}

fn open_acl() -> Value {
    json!([
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": false, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "protocol": "-1", "rule_action": "allow", "egress": false, "ipv6_cidr_block": "::/0"},
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": true, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "protocol": "-1", "rule_action": "allow", "egress": true, "ipv6_cidr_block": "::/0"},
        {"rule_number": 32767, "protocol": "-1", "rule_action": "deny", "egress": false, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 32767, "protocol": "-1", "rule_action": "deny", "egress": true, "cidr_block": "0.0.0.0/0"}
    ])
}

fn public_eni(subnet: &str, sgs: &[&str]) -> Value {
    json!({"id": "eni-1", "subnet_id": subnet, "vpc_id": "vpc-1", "public_ip": "198.51.100.7",
           "security_group_ids": sgs, "attached_instance_id": "i-1"})
}

fn ssh_and_https() -> Value {
    json!([
        {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0", "rule_id": "sgr-ssh"},
        {"direction": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"},
        {"direction": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_ipv4": "10.0.0.0/8"}
    ])
}

fn run(sg: Value, acl: Value, eni: Value) -> Analysis {
    let (ec2, eni) = ec2(sg, acl, eni);
    Region::from_ec2(&ec2).unwrap().analyse(&eni)
}

fn ports(a: &Analysis) -> Vec<(Protocol, u16, u16)> {
    a.exposures.iter().map(|e| (e.protocol, e.from_port, e.to_port)).collect()
}

#[test]
fn public_instance_exposes_exactly_its_world_rules_with_the_path() {
    let a = run(ssh_and_https(), open_acl(), public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 22, 22), (Protocol::Tcp, 443, 443)]);
    let kinds: Vec<&str> = a.exposures[0].path.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        ["internet-gateway", "route-table", "network-acl", "network-acl", "security-group", "network-interface"]
    );
    assert!(a.exposures[0].path[4].rule.contains("sgr-ssh"));
    assert!(a.exposures[0].path[1].rule.contains("0.0.0.0/0 → igw-1 in rtb-pub"));
    assert_eq!(a.exposures[0].instance_id(), Some("i-1"));
}

#[test]
fn nacl_deny_before_allow_closes_the_port() {
    let mut acl = open_acl();
    acl.as_array_mut().unwrap().push(json!(
        {"rule_number": 50, "protocol": "6", "rule_action": "deny", "egress": false, "cidr_block": "0.0.0.0/0", "port_from": 22, "port_to": 22}));
    let a = run(ssh_and_https(), acl.clone(), public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 443, 443)]);
    // The same deny numbered after the allow changes nothing: the first match decides.
    acl.as_array_mut().unwrap().last_mut().unwrap()["rule_number"] = json!(200);
    let a = run(ssh_and_https(), acl, public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 22, 22), (Protocol::Tcp, 443, 443)]);
}

#[test]
fn replies_need_ephemeral_ports_out() {
    let acl = json!([
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": false, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "protocol": "6", "rule_action": "allow", "egress": true, "cidr_block": "0.0.0.0/0", "port_from": 443, "port_to": 443}
    ]);
    let a = run(ssh_and_https(), acl, public_eni("subnet-pub", &["sg-web"]));
    assert!(a.exposures.is_empty());
    assert!(a.blocked[0].reason.contains("acl-1"));
    let acl = json!([
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": false, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "protocol": "6", "rule_action": "allow", "egress": true, "cidr_block": "0.0.0.0/0", "port_from": 32768, "port_to": 60999}
    ]);
    let a = run(ssh_and_https(), acl, public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a).len(), 2);
    assert!(a.exposures[0].path[3].rule.contains("32768-60999"));
}

#[test]
fn security_group_references_do_not_expose() {
    let a = run(ssh_and_https(), open_acl(), public_eni("subnet-pub", &["sg-app"]));
    assert!(a.exposures.is_empty());
}

#[test]
fn private_subnet_behind_nat_is_not_reachable() {
    let a = run(ssh_and_https(), open_acl(), public_eni("subnet-private", &["sg-web"]));
    assert!(a.exposures.is_empty());
    assert!(a.blocked[0].reason.contains("rtb-main"), "{:?}", a.blocked);
}

#[test]
fn gateway_of_another_vpc_does_not_count() {
    let a = run(ssh_and_https(), open_acl(), public_eni("subnet-wrong", &["sg-web"]));
    assert!(a.exposures.is_empty());
}

#[test]
fn ipv6_only_exposure() {
    let sg = json!([{"direction": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_ipv6": "::/0"},
                    {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0"}]);
    let eni = json!({"id": "eni-6", "subnet_id": "subnet-pub", "vpc_id": "vpc-1", "ipv6_addresses": ["2001:db8::7"], "security_group_ids": ["sg-web"]});
    let a = run(sg, open_acl(), eni);
    assert_eq!(a.exposures.len(), 1);
    assert_eq!(
        (a.exposures[0].family, a.exposures[0].from_port, a.exposures[0].address.as_str()),
        (Family::Ipv6, 80, "2001:db8::7")
    );
}

#[test]
fn ranges_merge_and_split_at_acl_boundaries() {
    let sg = json!([{"direction": "ingress", "protocol": "tcp", "from_port": 8000, "to_port": 8100, "cidr_ipv4": "0.0.0.0/0"},
                    {"direction": "ingress", "protocol": "udp", "from_port": 53, "to_port": 53, "cidr_ipv4": "0.0.0.0/0"}]);
    let a = run(sg.clone(), open_acl(), public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 8000, 8100), (Protocol::Udp, 53, 53)]);
    let mut acl = open_acl();
    acl.as_array_mut().unwrap().push(json!(
        {"rule_number": 10, "protocol": "6", "rule_action": "deny", "egress": false, "cidr_block": "0.0.0.0/0", "port_from": 8050, "port_to": 8059}));
    let a = run(sg, acl, public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 8000, 8049), (Protocol::Tcp, 8060, 8100), (Protocol::Udp, 53, 53)]);
}

#[test]
fn all_traffic_rule_is_every_port_of_both_protocols() {
    let sg = json!([{"direction": "ingress", "protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}]);
    let a = run(sg, open_acl(), public_eni("subnet-pub", &["sg-web"]));
    assert_eq!(ports(&a), vec![(Protocol::Tcp, 0, 65535), (Protocol::Udp, 0, 65535)]);
}

#[test]
fn unreadable_lists_are_reported() {
    let ec2: Ec2 = serde_json::from_value(json!({"route_tables": {"unknown": {"kind": "access_denied"}}})).unwrap();
    let err = Region::from_ec2(&ec2).err().unwrap();
    assert_eq!(err.0, "internet gateways");
}
