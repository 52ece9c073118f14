//! Where the load balancers and databases sit in the network, and what the load
//! balancers forward to: filled in once the region's VPCs exist, from the names the
//! platform team gave subnets, groups and fleets.
//!
//! By design: prod's ALB `prod-web` (us-east-1) forwards HTTPS to the `web` fleet, whose
//! `app` group admits 8080 only from the ALB's group; staging's Classic
//! `staging-legacy-elb` does the same for the `api` fleet; `prod-internal-api`
//! (eu-west-1) is internal. Databases sit in private subnets behind the `db` group.
//! Planted: staging's publicly accessible `staging-db` runs in the default VPC's public
//! subnets behind a group open to the world on 5432, so the internet reaches it.

use crate::ec2::rid;
use crate::{Kind, Spec};
use warden_model::Observed;
use warden_model::inventory::{
    Direction, Ec2, Elb, Instance, Listener, LoadBalancer, NetworkInterface, Rds, SecurityGroup, SgRule, Tags, Target,
    TargetGroup,
};

/// The network objects of one region, looked up by the names the generator gives them.
struct Net<'a> {
    ec2: &'a Ec2,
    vpc: Option<String>,
}

impl Net<'_> {
    /// The VPC tagged `Name` = `name` (the default VPC for `None`).
    fn new<'a>(ec2: &'a Ec2, name: Option<&str>) -> Net<'a> {
        let vpcs = ec2.vpcs.known().map(Vec::as_slice).unwrap_or_default();
        let vpc = vpcs
            .iter()
            .find(|v| match name {
                Some(n) => v.tags.get("Name").is_some_and(|t| t == n),
                None => v.is_default,
            })
            .map(|v| v.id.clone());
        Net { ec2, vpc }
    }

    /// Subnets of the VPC whose `Name` contains `-{tier}-` (`public`, `private`); every
    /// subnet for the default VPC, which has no names.
    fn subnets(&self, tier: &str) -> Vec<String> {
        let all = self.ec2.subnets.known().map(Vec::as_slice).unwrap_or_default();
        all.iter()
            .filter(|s| Some(&s.vpc_id) == self.vpc.as_ref())
            .filter(|s| s.tags.get("Name").is_none_or(|n| n.contains(&format!("-{tier}-"))))
            .map(|s| s.id.clone())
            .collect()
    }

    fn group(&self, name: &str) -> Vec<String> {
        let all = self.ec2.security_groups.known().map(Vec::as_slice).unwrap_or_default();
        all.iter().filter(|g| Some(&g.vpc_id) == self.vpc.as_ref() && g.name == name).map(|g| g.id.clone()).collect()
    }

    /// Running instances of the VPC tagged `service` = `service`.
    fn fleet(&self, service: &str) -> Vec<&Instance> {
        let all = self.ec2.instances.known().map(Vec::as_slice).unwrap_or_default();
        all.iter()
            .filter(|i| i.vpc_id == self.vpc && i.state == "running")
            .filter(|i| i.tags.get("service").is_some_and(|s| s == service))
            .collect()
    }
}

/// `arn:…:loadbalancer/app/NAME/ID` → `arn:…:listener/app/NAME/ID/SUFFIX`.
fn listener_arn(lb: &str, suffix: &str) -> String {
    format!("{}/{suffix}", lb.replacen(":loadbalancer/", ":listener/", 1))
}

fn listener(arn: String, port: i32, protocol: &str, groups: &[&str], instance_port: Option<i32>) -> Listener {
    Listener {
        arn,
        port,
        protocol: protocol.into(),
        target_group_arns: groups.iter().map(|g| (*g).to_owned()).collect(),
        instance_port,
    }
}

fn target_group(arn: &str, name: &str, lb: &LoadBalancer, vpc: Option<String>, fleet: &[String]) -> TargetGroup {
    TargetGroup {
        arn: arn.into(),
        name: name.into(),
        protocol: "HTTP".into(),
        port: Some(8080),
        target_type: "instance".into(),
        vpc_id: vpc,
        load_balancer_arns: vec![lb.arn.clone()],
        preserve_client_ip: None,
        targets: Observed::Known(
            fleet
                .iter()
                .map(|id| Target {
                    id: id.clone(),
                    port: None,
                    availability_zone: None,
                    health: Some("healthy".into()),
                })
                .collect(),
        ),
    }
}

/// Places the region's load balancers and databases.
pub(crate) fn wire(seed: u64, spec: &Spec, region: &str, ec2: &mut Ec2, rds: &mut Rds, elb: &mut Elb) {
    let main = Net::new(ec2, Some(&format!("{}-main", spec.label())));
    let vpc = main.vpc.clone();
    let (public, private) = (main.subnets("public"), main.subnets("private"));
    let group = |name: &str| main.group(name);
    let fleet = |service: &str| main.fleet(service).iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    let mut groups = Vec::new();
    if let Observed::Known(lbs) = &mut elb.v2 {
        for lb in lbs.iter_mut() {
            let (subnets, sg, service) = match lb.name.as_str() {
                "prod-web" => (&public, "alb-public", "web"),
                "prod-internal-api" => (&private, "app", "api-eu"),
                _ => continue,
            };
            lb.dns_name = if lb.scheme == "internal" {
                format!("internal-{}-1093467125.{region}.elb.amazonaws.com", lb.name)
            } else {
                format!("{}-1402387155.{region}.elb.amazonaws.com", lb.name)
            };
            lb.vpc_id.clone_from(&vpc);
            lb.subnet_ids.clone_from(subnets);
            lb.security_group_ids = group(sg);
            let name = format!("{}-app", lb.name);
            let tg = format!("arn:aws:elasticloadbalancing:{region}:{}:targetgroup/{name}/3a9c5e7b1d2f4068", spec.id);
            let mut listeners = vec![listener(listener_arn(&lb.arn, "7d1e3b5a9c2f4e60"), 443, "HTTPS", &[&tg], None)];
            if lb.scheme == "internet-facing" {
                // HTTP only redirects to HTTPS.
                listeners.push(listener(listener_arn(&lb.arn, "1b6f0d2c8e4a9357"), 80, "HTTP", &[], None));
            }
            lb.listeners = Observed::Known(listeners);
            groups.push(target_group(&tg, &name, lb, vpc.clone(), &fleet(service)));
        }
    }
    if let Observed::Known(lbs) = &mut elb.classic {
        for lb in lbs.iter_mut().filter(|lb| lb.name == "staging-legacy-elb") {
            lb.dns_name = format!("{}-1187430295.{region}.elb.amazonaws.com", lb.name);
            lb.vpc_id.clone_from(&vpc);
            lb.subnet_ids.clone_from(&public);
            lb.security_group_ids = group("alb-public");
            lb.listeners = Observed::Known(vec![listener(String::new(), 443, "HTTPS", &[], Some(8080))]);
            lb.instance_ids = fleet("api");
        }
    }
    if let Observed::Known(all) = &mut elb.target_groups {
        all.extend(groups);
    }
    let db_group = group("db");
    if let Observed::Known(dbs) = &mut rds.instances {
        for db in dbs.iter_mut() {
            db.vpc_id.clone_from(&vpc);
            db.subnet_ids.clone_from(&private);
            db.security_group_ids.clone_from(&db_group);
        }
    }
    // Node interfaces carry the load balancer's name, as ELB describes them.
    let node = match &elb.v2 {
        Observed::Known(lbs) => lbs.iter().find(|l| l.scheme == "internet-facing"),
        Observed::Unknown(_) => None,
    };
    if let (Some(vpc), Some((_, suffix)), Observed::Known(enis)) =
        (&vpc, node.and_then(|l| l.arn.split_once(":loadbalancer/")), &mut ec2.network_interfaces)
    {
        for e in enis.iter_mut().filter(|e| &e.vpc_id == vpc && e.description.starts_with("ELB app/")) {
            e.description = format!("ELB {suffix}");
        }
    }
    if (spec.kind, region) == (Kind::Staging, "us-east-1") {
        public_staging_db(seed, spec, region, ec2, rds);
    }
}

/// Planted: `staging-db`, publicly accessible, moved to the default VPC's public subnets
/// behind a group QA opened to the world on 5432, with RDS's interface for it.
fn public_staging_db(seed: u64, spec: &Spec, region: &str, ec2: &mut Ec2, rds: &mut Rds) {
    let default = Net::new(ec2, None);
    let (Some(vpc), subnets) = (default.vpc.clone(), default.subnets("public")) else { return };
    let id = |prefix: &str, label: &str| rid(seed, &spec.id, region, prefix, label);
    let sg = id("sg", "default/sg/staging-db-public");
    let rule = |i: usize, direction, v4: &str, port: Option<i32>| SgRule {
        rule_id: id("sgr", &format!("default/sg/staging-db-public/{i}")),
        direction,
        protocol: if port.is_some() { "tcp" } else { "-1" }.into(),
        from_port: port.or(Some(-1)),
        to_port: port.or(Some(-1)),
        cidr_ipv4: Some(v4.into()),
        cidr_ipv6: None,
        referenced_group_id: None,
        prefix_list_id: None,
        description: if port.is_some() { "QA from home, temporary" } else { "" }.into(),
    };
    let group = SecurityGroup {
        id: sg.clone(),
        name: "staging-db-public".into(),
        vpc_id: vpc.clone(),
        description: "postgres for the QA laptops".into(),
        rules: vec![
            rule(0, Direction::Ingress, "0.0.0.0/0", Some(5432)),
            rule(1, Direction::Egress, "0.0.0.0/0", None),
        ],
        tags: Tags::from([("Name".to_owned(), "staging-db-public".to_owned())]),
    };
    let Observed::Known(dbs) = &mut rds.instances else { return };
    let Some(db) = dbs.iter_mut().find(|d| d.id == "staging-db") else { return };
    db.vpc_id = Some(vpc.clone());
    db.subnet_ids.clone_from(&subnets);
    db.security_group_ids = vec![sg.clone()];
    if let Observed::Known(groups) = &mut ec2.security_groups {
        groups.push(group);
    }
    if let (Observed::Known(enis), Some(subnet)) = (&mut ec2.network_interfaces, subnets.first()) {
        enis.push(NetworkInterface {
            id: id("eni", "default/rds/staging-db"),
            subnet_id: subnet.clone(),
            vpc_id: vpc,
            private_ip: "172.31.1.37".into(),
            public_ip: Some("192.0.2.237".into()),
            ipv6_addresses: Vec::new(),
            security_group_ids: vec![sg],
            attached_instance_id: None,
            interface_type: "interface".into(),
            description: "RDSNetworkInterface".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use crate::{Params, generate, ids};
    use warden_model::inventory::Region;

    fn region(account: &str, name: &str) -> Region {
        let snap = generate(&Params::default());
        let a = snap.inventory.accounts.into_iter().find(|a| a.id == account).unwrap();
        a.regions.into_iter().find(|r| r.name == name).unwrap()
    }

    #[test]
    fn load_balancers_sit_in_their_vpc_and_forward_to_running_fleets() {
        let r = region(ids::PROD, "us-east-1");
        let lb = &r.elb.v2.known().unwrap()[0];
        let subnets = r.ec2.subnets.known().unwrap();
        assert_eq!(lb.subnet_ids.len(), 3);
        for s in &lb.subnet_ids {
            let subnet = subnets.iter().find(|x| &x.id == s).unwrap();
            assert!(subnet.tags["Name"].contains("-public-"), "{s}");
        }
        let groups = r.elb.target_groups.known().unwrap();
        let listeners = lb.listeners.known().unwrap();
        assert_eq!(listeners[0].target_group_arns, [groups[0].arn.clone()]);
        let instances = r.ec2.instances.known().unwrap();
        let targets = groups[0].targets.known().unwrap();
        assert!(!targets.is_empty());
        for t in targets {
            let i = instances.iter().find(|i| i.id == t.id).unwrap();
            assert_eq!((i.state.as_str(), i.tags["service"].as_str()), ("running", "web"));
        }
        let nodes = r.ec2.network_interfaces.known().unwrap().iter().filter(|e| e.description.starts_with("ELB "));
        assert!(nodes.map(|e| e.description.as_str()).all(|d| d == "ELB app/prod-web/5f3c1a7e9b2d4c60"));
        let classic = region(ids::STAGING, "us-east-1").elb.classic.known().unwrap()[0].clone();
        assert!(!classic.instance_ids.is_empty() && classic.listeners.known().unwrap()[0].instance_port == Some(8080));
    }

    #[test]
    fn staging_db_is_public_in_the_default_vpc_and_prod_databases_are_private() {
        let r = region(ids::STAGING, "us-east-1");
        let db = &r.rds.instances.known().unwrap()[0];
        let vpc = r.ec2.vpcs.known().unwrap().iter().find(|v| Some(&v.id) == db.vpc_id.as_ref()).unwrap();
        assert!(vpc.is_default && db.publicly_accessible && db.port == Some(5432));
        let sg = r.ec2.security_groups.known().unwrap().iter().find(|g| g.id == db.security_group_ids[0]).unwrap();
        assert_eq!(sg.rules[0].cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
        let r = region(ids::PROD, "us-east-1");
        for db in r.rds.instances.known().unwrap() {
            assert!(!db.publicly_accessible && !db.subnet_ids.is_empty() && db.security_group_ids.len() == 1);
        }
    }
}
