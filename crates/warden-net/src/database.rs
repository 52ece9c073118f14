//! RDS DB instances: a database is reachable from the internet only when it is
//! publicly accessible (RDS then gives its interface a public address), and a subnet of
//! its DB subnet group routes the world to an internet gateway, that subnet's network
//! ACL admits the database port (and lets replies out), and one of its security groups
//! admits the port from the world. Which subnet of the group the instance runs in is
//! not recorded, so the first subnet that admits it is reported: a failover or a
//! restart may move the instance to any of them.

use crate::{Analysis, Blocked, Direction, Exposure, Family, Hop, Protocol, Reached, Region, from_world, sg_covers};
use warden_model::inventory::{DbInstance, NetworkInterface};

/// Whether `eni` is the interface of `db`: RDS describes its interfaces as
/// `RDSNetworkInterface`, so match the VPC, a subnet of the subnet group and the
/// security groups.
pub fn belongs_to_database(eni: &NetworkInterface, db: &DbInstance) -> bool {
    let mut a = eni.security_group_ids.clone();
    let mut b = db.security_group_ids.clone();
    a.sort();
    b.sort();
    eni.description == "RDSNetworkInterface"
        && db.vpc_id.as_deref() == Some(eni.vpc_id.as_str())
        && db.subnet_ids.contains(&eni.subnet_id)
        && a == b
}

impl Region<'_> {
    /// Reachability of one DB instance's endpoint port from the IPv4 internet.
    pub fn database(&self, db: &DbInstance) -> Analysis {
        let mut out = Analysis::default();
        let block = |out: &mut Analysis, reason: String| {
            out.blocked.push(Blocked { id: db.id.clone(), family: None, reason });
        };
        let groups = self.groups(&db.security_group_ids);
        let port = db.port.and_then(|p| u16::try_from(p).ok());
        if !db.publicly_accessible {
            let open = groups.iter().find(|g| {
                g.rules.iter().any(|r| {
                    r.direction == Direction::Ingress
                        && Protocol::Tcp.matches(&r.protocol)
                        && (from_world(r, Family::Ipv4) || from_world(r, Family::Ipv6))
                        && port.is_none_or(|p| sg_covers(r, p))
                })
            });
            let mut why = "not publicly accessible: it has no public address, so no route from the internet reaches it"
                .to_owned();
            if let Some(g) = open {
                why.push_str(&format!(", although security group {} admits its port from the world", g.id));
            }
            block(&mut out, why);
            return out;
        }
        let Some(port) = port else {
            block(&mut out, "the endpoint port is unknown".into());
            return out;
        };
        let Some(vpc) = db.vpc_id.as_deref() else {
            block(&mut out, "no DB subnet group (not in a VPC)".into());
            return out;
        };
        let mut reasons = Vec::new();
        for subnet in &db.subnet_ids {
            match self.internet_path(vpc, subnet, Family::Ipv4, Protocol::Tcp, port, Some(&groups)) {
                Ok(mut path) => {
                    path.push(Hop {
                        kind: "db-instance",
                        id: db.id.clone(),
                        rule: format!(
                            "publicly accessible {} endpoint {}:{port} in subnet {subnet}",
                            db.engine,
                            db.endpoint.as_deref().unwrap_or("-")
                        ),
                    });
                    out.exposures.push(Exposure {
                        reached: Reached::Database { db_instance: db.id.clone(), subnet_id: subnet.clone() },
                        family: Family::Ipv4,
                        address: db.endpoint.clone().unwrap_or_default(),
                        protocol: Protocol::Tcp,
                        from_port: port,
                        to_port: port,
                        path,
                    });
                    return out;
                }
                Err(why) => reasons.push(format!("{subnet}: {why}")),
            }
        }
        if reasons.is_empty() {
            reasons.push("its DB subnet group has no subnets".into());
        }
        block(
            &mut out,
            format!(
                "publicly accessible, but no subnet of its DB subnet group lets tcp/{port} in: {}",
                reasons.join("; ")
            ),
        );
        out
    }
}
