//! Load balancers and databases: table-driven cases, each a change to one small estate,
//! with what must and must not be reachable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use serde_json::{Value, json};
use warden_model::inventory::{DbInstance, Elb, LoadBalancer};

const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/app/73e2d6bc24d8a067";

fn open_acl(id: &str, subnets: &[&str]) -> Value {
    json!({"id": id, "vpc_id": "vpc-1", "is_default": subnets.is_empty(), "subnet_ids": subnets, "entries": [
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": false, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "protocol": "-1", "rule_action": "allow", "egress": false, "ipv6_cidr_block": "::/0"},
        {"rule_number": 100, "protocol": "-1", "rule_action": "allow", "egress": true, "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "protocol": "-1", "rule_action": "allow", "egress": true, "ipv6_cidr_block": "::/0"}]})
}

fn ingress(from: i32, to: i32, source: &str) -> Value {
    let key = if source.starts_with("sg-") {
        "referenced_group_id"
    } else if source.contains(':') {
        "cidr_ipv6"
    } else {
        "cidr_ipv4"
    };
    json!({"direction": "ingress", "protocol": "tcp", "from_port": from, "to_port": to, key: source})
}

/// VPC `vpc-1`: two public subnets (route to `igw-1`, v4 and v6) holding the load
/// balancer, an application subnet and a database subnet behind a NAT. An ALB `web`
/// listens on HTTPS 443 and forwards to target group `app` (port 8080): `i-app` admits
/// 8080 from the ALB's group, `i-cidr` from the VPC's range, `i-world` from anywhere,
/// `i-other` only from an unrelated group.
fn base() -> Value {
    let eni = |id: &str, ip: &str, sg: &str, instance: &str| {
        json!({"id": id, "subnet_id": "subnet-app", "vpc_id": "vpc-1", "private_ip": ip,
               "security_group_ids": [sg], "attached_instance_id": instance})
    };
    json!({
        "ec2": {
            "internet_gateways": {"known": [{"id": "igw-1", "attached_vpc_ids": ["vpc-1"]}]},
            "subnets": {"known": [
                {"id": "subnet-pub-a", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
                {"id": "subnet-pub-b", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24"},
                {"id": "subnet-app", "vpc_id": "vpc-1", "cidr_block": "10.0.10.0/24"},
                {"id": "subnet-db", "vpc_id": "vpc-1", "cidr_block": "10.0.20.0/24"}]},
            "route_tables": {"known": [
                {"id": "rtb-main", "vpc_id": "vpc-1", "associations": [{"main": true}], "routes": [
                    {"destination": "10.0.0.0/16", "target": "local"},
                    {"destination": "0.0.0.0/0", "target": "nat-1"}]},
                {"id": "rtb-pub", "vpc_id": "vpc-1",
                 "associations": [{"subnet_id": "subnet-pub-a"}, {"subnet_id": "subnet-pub-b"}], "routes": [
                    {"destination": "10.0.0.0/16", "target": "local"},
                    {"destination": "0.0.0.0/0", "target": "igw-1"},
                    {"destination": "::/0", "target": "igw-1"}]}]},
            "network_acls": {"known": [
                open_acl("acl-default", &[]),
                open_acl("acl-pub", &["subnet-pub-a", "subnet-pub-b"]),
                open_acl("acl-app", &["subnet-app"])]},
            "security_groups": {"known": [
                {"id": "sg-alb", "name": "alb", "vpc_id": "vpc-1", "rules": [ingress(443, 443, "0.0.0.0/0")]},
                {"id": "sg-app", "name": "app", "vpc_id": "vpc-1", "rules": [ingress(8080, 8080, "sg-alb")]},
                {"id": "sg-cidr", "name": "cidr", "vpc_id": "vpc-1", "rules": [ingress(8080, 8080, "10.0.0.0/16")]},
                {"id": "sg-world", "name": "world", "vpc_id": "vpc-1", "rules": [ingress(8000, 9000, "0.0.0.0/0")]},
                {"id": "sg-other", "name": "other", "vpc_id": "vpc-1", "rules": [ingress(8080, 8080, "sg-zzz")]},
                {"id": "sg-db", "name": "db", "vpc_id": "vpc-1", "rules": [ingress(5432, 5432, "0.0.0.0/0")]}]},
            "network_interfaces": {"known": [
                eni("eni-app", "10.0.10.5", "sg-app", "i-app"),
                eni("eni-cidr", "10.0.10.6", "sg-cidr", "i-cidr"),
                eni("eni-world", "10.0.10.8", "sg-world", "i-world"),
                eni("eni-other", "10.0.10.7", "sg-other", "i-other")]}
        },
        "elb": {
            "v2": {"known": [{
                "name": "web", "arn": LB, "kind": "application", "scheme": "internet-facing",
                "dns_name": "web-1.us-east-1.elb.amazonaws.com", "vpc_id": "vpc-1",
                "subnet_ids": ["subnet-pub-a", "subnet-pub-b"], "security_group_ids": ["sg-alb"],
                "ip_address_type": "ipv4",
                "listeners": {"known": [{"arn": format!("{LB}/listener/1"), "port": 443, "protocol": "HTTPS", "target_group_arns": [TG]}]}
            }]},
            "classic": {"known": []},
            "target_groups": {"known": [{
                "arn": TG, "name": "app", "protocol": "HTTP", "port": 8080, "target_type": "instance", "vpc_id": "vpc-1",
                "load_balancer_arns": [LB],
                "targets": {"known": [{"id": "i-app", "health": "healthy"}, {"id": "i-cidr"}, {"id": "i-world"}, {"id": "i-other"}]}
            }]}
        }
    })
}

fn lb(v: &mut Value) -> &mut Value {
    &mut v["elb"]["v2"]["known"][0]
}

fn group<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    let groups = v["ec2"]["security_groups"]["known"].as_array_mut().unwrap();
    groups.iter_mut().find(|g| g["id"] == id).unwrap()
}

fn acl<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    let acls = v["ec2"]["network_acls"]["known"].as_array_mut().unwrap();
    acls.iter_mut().find(|a| a["id"] == id).unwrap()
}

fn deny_first(v: &mut Value, acl_id: &str, number: i32, port: i32, cidr: &str) {
    acl(v, acl_id)["entries"].as_array_mut().unwrap().push(json!(
        {"rule_number": number, "protocol": "6", "rule_action": "deny", "egress": false, "cidr_block": cidr,
         "port_from": port, "port_to": port}));
}

/// Every load balancer of the estate, analysed.
fn analyse(v: &Value) -> Analysis {
    let ec2: Ec2 = serde_json::from_value(v["ec2"].clone()).unwrap();
    let elb: Elb = serde_json::from_value(v["elb"].clone()).unwrap();
    let region = Region::from_ec2(&ec2).unwrap();
    let backends = Backends::of(&ec2, &elb);
    let mut all = Analysis::default();
    for list in [&elb.v2, &elb.classic] {
        for lb in list.get().unwrap() {
            let a = region.load_balancer(lb, &backends);
            all.exposures.extend(a.exposures);
            all.blocked.extend(a.blocked);
            all.unreadable.extend(a.unreadable);
        }
    }
    all
}

struct Want {
    listeners: &'static [(Family, u16)],
    /// Targets reached through a listener, as registered.
    targets: &'static [&'static str],
    /// A substring of some reason something was not reachable.
    blocked: Option<&'static str>,
    unreadable: bool,
}

const ALB_OPEN: Want = Want {
    listeners: &[(Family::Ipv4, 443)],
    targets: &["i-app", "i-cidr", "i-world"],
    blocked: Some("no security group of eni-other [sg-other] admits tcp/8080 from 10.0.1.0/24"),
    unreadable: false,
};

#[test]
fn load_balancer_cases() {
    type Patch = fn(&mut Value);
    let cases: Vec<(&str, Patch, Want)> = vec![
        ("internet-facing ALB with an open group: the listener, and targets admitting the ALB", |_| {}, ALB_OPEN),
        (
            "an internal ALB is not reachable, whatever its group admits",
            |v| lb(v)["scheme"] = json!("internal"),
            Want { listeners: &[], targets: &[], blocked: Some("internal"), unreadable: false },
        ),
        (
            "internet-facing, but its subnets route the world to a NAT",
            |v| lb(v)["subnet_ids"] = json!(["subnet-app"]),
            Want { listeners: &[], targets: &[], blocked: Some("rtb-main has no 0.0.0.0/0 route"), unreadable: false },
        ),
        (
            "the group is open but the subnets' network ACL denies 443 before allowing everything",
            |v| deny_first(v, "acl-pub", 50, 443, "0.0.0.0/0"),
            Want {
                listeners: &[],
                targets: &[],
                blocked: Some("acl-pub inbound rule 50 denies tcp/443"),
                unreadable: false,
            },
        ),
        (
            "the same deny numbered after the allow changes nothing",
            |v| deny_first(v, "acl-pub", 200, 443, "0.0.0.0/0"),
            ALB_OPEN,
        ),
        (
            "a deny for part of the internet only carves out part of it",
            |v| deny_first(v, "acl-pub", 50, 443, "198.51.100.0/24"),
            ALB_OPEN,
        ),
        (
            "the targets' network ACL denies the ALB's subnets: reachable listener, no target",
            |v| deny_first(v, "acl-app", 50, 8080, "10.0.0.0/16"),
            Want {
                listeners: &[(Family::Ipv4, 443)],
                targets: &[],
                blocked: Some("acl-app rule 50 denies inbound tcp/8080 from 10.0.1.0/24"),
                unreadable: false,
            },
        ),
        (
            "a Classic load balancer forwards to its registered instances on the instance port",
            |v| {
                let mut classic = lb(v).clone();
                classic["kind"] = json!("classic");
                classic["arn"] = json!("arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/legacy");
                classic["listeners"] = json!({"known": [{"port": 443, "protocol": "HTTPS", "instance_port": 8080}]});
                classic["instance_ids"] = json!(["i-app", "i-other"]);
                v["elb"]["classic"] = json!({"known": [classic]});
                v["elb"]["v2"] = json!({"known": []});
            },
            Want {
                listeners: &[(Family::Ipv4, 443)],
                targets: &["i-app"],
                blocked: Some("eni-other"),
                unreadable: false,
            },
        ),
        (
            "an NLB without security groups: the listener is open subject to the ACL; targets see the client",
            |v| {
                let l = lb(v);
                l["kind"] = json!("network");
                l["security_group_ids"] = json!([]);
                l["listeners"]["known"][0]["protocol"] = json!("TCP");
                v["elb"]["target_groups"]["known"][0]["protocol"] = json!("TCP");
            },
            Want {
                listeners: &[(Family::Ipv4, 443)],
                targets: &["i-world"],
                blocked: Some("from 0.0.0.0/0"),
                unreadable: false,
            },
        ),
        (
            "the same NLB behind a network ACL deny is not reachable",
            |v| {
                let l = lb(v);
                l["kind"] = json!("network");
                l["security_group_ids"] = json!([]);
                l["listeners"]["known"][0]["protocol"] = json!("TCP");
                deny_first(v, "acl-pub", 50, 443, "0.0.0.0/0");
            },
            Want { listeners: &[], targets: &[], blocked: Some("inbound rule 50 denies"), unreadable: false },
        ),
        (
            "an NLB with IP targets and client addresses not preserved: targets admitting its subnets",
            |v| {
                let l = lb(v);
                l["kind"] = json!("network");
                l["security_group_ids"] = json!([]);
                l["listeners"]["known"][0]["protocol"] = json!("TCP");
                let tg = &mut v["elb"]["target_groups"]["known"][0];
                tg["protocol"] = json!("TCP");
                tg["target_type"] = json!("ip");
                tg["targets"] = json!({"known": [{"id": "10.0.10.5"}, {"id": "10.0.10.6"}, {"id": "10.0.10.8"}, {"id": "10.9.9.9"}]});
            },
            Want {
                listeners: &[(Family::Ipv4, 443)],
                targets: &["10.0.10.6", "10.0.10.8"],
                blocked: Some("no network interface of target 10.9.9.9"),
                unreadable: false,
            },
        ),
        (
            "dual-stack ALB whose group admits 443 only from ::/0: reachable over IPv6 only",
            |v| {
                lb(v)["ip_address_type"] = json!("dualstack");
                group(v, "sg-alb")["rules"] = json!([ingress(443, 443, "::/0")]);
            },
            Want {
                listeners: &[(Family::Ipv6, 443)],
                targets: &["i-app", "i-cidr", "i-world"],
                blocked: Some("admits tcp/443 from 0.0.0.0/0"),
                unreadable: false,
            },
        ),
        (
            "the same group on an IPv4-only ALB: not reachable",
            |v| group(v, "sg-alb")["rules"] = json!([ingress(443, 443, "::/0")]),
            Want {
                listeners: &[],
                targets: &[],
                blocked: Some("no security group of [sg-alb] admits tcp/443"),
                unreadable: false,
            },
        ),
        (
            "unreadable listeners are reported, not guessed",
            |v| lb(v)["listeners"] = json!({"unknown": {"kind": "access_denied"}}),
            Want { listeners: &[], targets: &[], blocked: None, unreadable: true },
        ),
        (
            "unreadable targets: the listener is still reported",
            |v| v["elb"]["target_groups"]["known"][0]["targets"] = json!({"unknown": {"kind": "throttled"}}),
            Want { listeners: &[(Family::Ipv4, 443)], targets: &[], blocked: None, unreadable: true },
        ),
    ];
    let mut failures = Vec::new();
    for (name, patch, want) in cases {
        let mut v = base();
        patch(&mut v);
        let a = analyse(&v);
        let listeners: Vec<(Family, u16)> = a
            .exposures
            .iter()
            .filter(|e| matches!(e.reached, Reached::Listener(_)))
            .map(|e| (e.family, e.from_port))
            .collect();
        let mut targets: Vec<&str> = a
            .exposures
            .iter()
            .filter_map(|e| match &e.reached {
                Reached::Target { target, .. } => Some(target.as_str()),
                _ => None,
            })
            .collect();
        targets.sort_unstable();
        let blocked_ok = want.blocked.is_none_or(|s| a.blocked.iter().any(|b| b.reason.contains(s)));
        if listeners != want.listeners
            || targets != want.targets
            || !blocked_ok
            || a.unreadable.is_empty() == want.unreadable
        {
            failures.push(format!(
                "{name}:\n  listeners {listeners:?}, want {:?}\n  targets {targets:?}, want {:?}\n  blocked {:#?}, want {:?}\n  unreadable {:?}",
                want.listeners, want.targets, a.blocked, want.blocked, a.unreadable
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_target_path_goes_through_the_listener_and_the_reference_to_the_albs_group() {
    let a = analyse(&base());
    let e =
        a.exposures.iter().find(|e| matches!(&e.reached, Reached::Target { target, .. } if target == "i-app")).unwrap();
    let kinds: Vec<&str> = e.path.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            "internet-gateway",
            "route-table",
            "network-acl",
            "network-acl",
            "security-group",
            "load-balancer",
            "listener",
            "target-group",
            "network-acl",
            "network-acl",
            "network-acl",
            "network-acl",
            "security-group",
            "network-interface"
        ]
    );
    assert_eq!(e.path[4].id, "sg-alb");
    assert_eq!(e.path[7].id, TG);
    assert!(e.path[7].rule.contains("i-app port 8080 (healthy)"), "{}", e.path[7].rule);
    assert_eq!((e.path[12].id.as_str(), e.path[12].rule.contains("sg-alb")), ("sg-app", true));
    assert_eq!(
        (e.instance_id(), e.from_port, e.address.as_str()),
        (Some("i-app"), 8080, "web-1.us-east-1.elb.amazonaws.com")
    );
    let json = serde_json::to_value(e).unwrap();
    assert_eq!((json["kind"].as_str(), json["listener_port"].as_u64()), (Some("target"), Some(443)));
}

#[test]
fn same_subnet_targets_need_no_network_acl_hop() {
    let mut v = base();
    for eni in v["ec2"]["network_interfaces"]["known"].as_array_mut().unwrap() {
        eni["subnet_id"] = json!("subnet-pub-a");
    }
    deny_first(&mut v, "acl-app", 1, 8080, "0.0.0.0/0");
    let a = analyse(&v);
    let e = a.exposures.iter().find(|e| e.instance_id() == Some("i-app")).unwrap();
    assert_eq!(e.path.iter().filter(|h| h.kind == "network-acl").count(), 2, "{:?}", e.path);
}

#[test]
fn interfaces_of_load_balancers_and_databases_are_recognised() {
    let v = base();
    let elb: Elb = serde_json::from_value(v["elb"].clone()).unwrap();
    let alb: &LoadBalancer = &elb.v2.get().unwrap()[0];
    let eni = |desc: &str, subnet: &str, sgs: &[&str]| -> NetworkInterface {
        serde_json::from_value(json!({"id": "eni-x", "subnet_id": subnet, "vpc_id": "vpc-1", "description": desc, "security_group_ids": sgs}))
            .unwrap()
    };
    assert!(belongs_to_load_balancer(&eni("ELB app/web/50dc6c495c0c9188", "subnet-pub-a", &[]), alb));
    assert!(!belongs_to_load_balancer(&eni("ELB app/web/0000", "subnet-pub-a", &[]), alb));
    assert!(!belongs_to_load_balancer(&eni("Primary network interface", "subnet-pub-a", &[]), alb));
    let db = database(true, &["subnet-pub-a"]);
    assert!(belongs_to_database(&eni("RDSNetworkInterface", "subnet-pub-a", &["sg-db"]), &db));
    assert!(!belongs_to_database(&eni("RDSNetworkInterface", "subnet-app", &["sg-db"]), &db));
}

fn database(public: bool, subnets: &[&str]) -> DbInstance {
    serde_json::from_value(json!({
        "id": "orders", "arn": "arn:aws:rds:us-east-1:111122223333:db:orders", "engine": "postgres",
        "publicly_accessible": public, "endpoint": "orders.abc.us-east-1.rds.amazonaws.com", "port": 5432,
        "vpc_id": "vpc-1", "subnet_ids": subnets, "security_group_ids": ["sg-db"]
    }))
    .unwrap()
}

#[test]
fn database_cases() {
    // (name, publicly accessible, subnet group, reachable through, reason when not)
    type Case<'a> = (&'a str, bool, &'a [&'a str], Option<&'a str>, &'a str);
    let cases: [Case; 5] = [
        ("public, in a public subnet, group open to the world", true, &["subnet-pub-a"], Some("subnet-pub-a"), ""),
        (
            "reached through whichever subnet of the group admits it",
            true,
            &["subnet-db", "subnet-pub-b"],
            Some("subnet-pub-b"),
            "",
        ),
        (
            "not publicly accessible: no finding even with the group open, and the reason says so",
            false,
            &["subnet-pub-a"],
            None,
            "not publicly accessible: it has no public address, so no route from the internet reaches it, although security group sg-db admits",
        ),
        (
            "public but in a private subnet routed to a NAT",
            true,
            &["subnet-db"],
            None,
            "rtb-main has no 0.0.0.0/0 route",
        ),
        ("public with an empty subnet group", true, &[], None, "has no subnets"),
    ];
    let v = base();
    let ec2: Ec2 = serde_json::from_value(v["ec2"].clone()).unwrap();
    let region = Region::from_ec2(&ec2).unwrap();
    for (name, public, subnets, through, reason) in cases {
        let a = region.database(&database(public, subnets));
        let got: Vec<&str> = a
            .exposures
            .iter()
            .filter_map(|e| match &e.reached {
                Reached::Database { subnet_id, .. } => Some(subnet_id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(got, through.into_iter().collect::<Vec<_>>(), "{name}");
        if through.is_none() {
            assert!(a.blocked.iter().any(|b| b.reason.contains(reason)), "{name}: {:?}", a.blocked);
        }
    }
    let a = region.database(&database(true, &["subnet-pub-a"]));
    let kinds: Vec<&str> = a.exposures[0].path.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        ["internet-gateway", "route-table", "network-acl", "network-acl", "security-group", "db-instance"]
    );
    assert_eq!(
        (a.exposures[0].from_port, a.exposures[0].address.as_str()),
        (5432, "orders.abc.us-east-1.rds.amazonaws.com")
    );
    // A network ACL deny closes it.
    let mut v = base();
    deny_first(&mut v, "acl-pub", 10, 5432, "0.0.0.0/0");
    let ec2: Ec2 = serde_json::from_value(v["ec2"].clone()).unwrap();
    let a = Region::from_ec2(&ec2).unwrap().database(&database(true, &["subnet-pub-a"]));
    assert!(a.exposures.is_empty() && a.blocked[0].reason.contains("rule 10 denies tcp/5432"), "{:?}", a.blocked);
}
