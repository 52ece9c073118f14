//! RDS instances and snapshots, EFS file systems, secrets and certificates. Production is
//! in order except one replica and a cluster snapshot shared with the logistics partner;
//! staging keeps an unencrypted, public database with a public snapshot, an unencrypted
//! scratch file system any AWS principal may mount, and a secret the partner can read.

use crate::apps::policy;
use crate::{Kind, Spec, ids};
use serde_json::json;
use warden_model::Observed;
use warden_model::inventory::{
    Acm, Certificate, DbInstance, DbSnapshot, Efs, FileSystem, Rds, Secret, SecretsManager, Tags,
};

fn db(spec: &Spec, region: &str, id: &str, engine: &str, flags: [bool; 4], team: &str) -> DbInstance {
    let [encrypted, public, minor_upgrades, multi_az] = flags;
    DbInstance {
        id: id.into(),
        arn: format!("arn:aws:rds:{region}:{}:db:{id}", spec.id),
        engine: engine.into(),
        storage_encrypted: encrypted,
        kms_key_id: encrypted.then(|| format!("arn:aws:kms:{region}:{}:alias/aws/rds", spec.id)),
        publicly_accessible: public,
        auto_minor_version_upgrade: minor_upgrades,
        multi_az,
        cluster_id: None,
        endpoint: Some(format!("{id}.c8n2kq4wzt1m.{region}.rds.amazonaws.com")),
        port: Some(if engine == "mysql" { 3306 } else { 5432 }),
        // Placed in the network by `edge::wire`, once the region's VPCs exist.
        vpc_id: None,
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        tags: Tags::from([("team".to_owned(), team.to_owned())]),
    }
}

fn fs(spec: &Spec, region: &str, id: &str, encrypted: bool, name: &str) -> FileSystem {
    let arn = format!("arn:aws:elasticfilesystem:{region}:{}:file-system/{id}", spec.id);
    let policy = if encrypted {
        // TLS only, mounts by the account's own principals.
        policy(json!([
            {"Sid": "tls-only", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": arn,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "own-account", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{}:root", spec.id)},
             "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": arn}]))
    } else {
        // Planted: any AWS principal may mount and write.
        policy(json!([{"Sid": "scratch", "Effect": "Allow", "Principal": {"AWS": "*"},
                       "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": arn}]))
    };
    FileSystem {
        id: id.into(),
        encrypted,
        kms_key_id: encrypted.then(|| format!("arn:aws:kms:{region}:{}:alias/aws/elasticfilesystem", spec.id)),
        tags: Tags::from([("Name".to_owned(), name.to_owned())]),
        arn,
        policy,
    }
}

fn snapshot(spec: &Spec, region: &str, cluster: bool, id: &str, source: &str, restore: &[&str]) -> DbSnapshot {
    let kind = if cluster { "cluster-snapshot" } else { "snapshot" };
    DbSnapshot {
        id: id.into(),
        arn: format!("arn:aws:rds:{region}:{}:{kind}:{id}", spec.id),
        source: source.into(),
        engine: if cluster { "aurora-postgresql" } else { "postgres" }.into(),
        encrypted: cluster,
        restore: Observed::Known(restore.iter().map(|s| (*s).to_owned()).collect()),
        tags: Tags::new(),
    }
}

/// Manual DB snapshots and cluster snapshots. Planted: staging's pre-upgrade snapshot is
/// public; prod's fleet export is shared with the logistics partner's account.
fn snapshots(spec: &Spec, region: &str) -> (Vec<DbSnapshot>, Vec<DbSnapshot>) {
    match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => (
            vec![snapshot(spec, region, false, "orders-db-pre-migration", "orders-db", &[])],
            vec![
                snapshot(spec, region, true, "fleet-aurora-export", "fleet-aurora", &[ids::PARTNER]),
                snapshot(spec, region, true, "fleet-aurora-dr-copy", "fleet-aurora", &[ids::SECURITY]),
            ],
        ),
        (Kind::Staging, "us-east-1") => {
            (vec![snapshot(spec, region, false, "staging-db-before-upgrade", "staging-db", &["all"])], Vec::new())
        }
        _ => (Vec::new(), Vec::new()),
    }
}

pub(crate) fn build(spec: &Spec, region: &str) -> (Rds, Efs) {
    let (instances, file_systems) = match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => (
            vec![
                db(spec, region, "orders-db", "postgres", [true, false, true, true], "commerce"),
                // Planted (CIS 3.2.2, 3.2.4): a replica without minor upgrades, single-AZ.
                db(spec, region, "analytics-replica", "mysql", [true, false, false, false], "data"),
            ],
            vec![fs(spec, region, "fs-0a1b2c3d4e5f60718", true, "shared-artifacts")],
        ),
        // Planted (CIS 3.2.1, 3.2.3): unencrypted and reachable from the internet.
        (Kind::Staging, "us-east-1") => {
            (vec![db(spec, region, "staging-db", "postgres", [false, true, true, false], "qa")], Vec::new())
        }
        // Planted (CIS 3.3.1): an unencrypted scratch file system.
        (Kind::Staging, "eu-west-1") => {
            (Vec::new(), vec![fs(spec, region, "fs-09f8e7d6c5b4a3921", false, "qa-scratch")])
        }
        _ => (Vec::new(), Vec::new()),
    };
    let (snapshots, cluster_snapshots) = snapshots(spec, region);
    let rds = Rds {
        instances: Observed::Known(instances),
        snapshots: Observed::Known(snapshots),
        cluster_snapshots: Observed::Known(cluster_snapshots),
    };
    (rds, Efs { file_systems: Observed::Known(file_systems) })
}

/// Secrets and certificates. Planted: a partner key in prod is never rotated (secret
/// rotation), staging's integration token is readable by the partner's account, and
/// staging's preview certificate expires 19 days after the collection.
pub(crate) fn credentials(spec: &Spec, region: &str) -> (SecretsManager, Acm) {
    let acct = &spec.id;
    let secret = |name: &str, days: Option<i64>, reader: Option<&str>| Secret {
        name: name.into(),
        arn: format!("arn:aws:secretsmanager:{region}:{acct}:secret:{name}-Ab12Cd"),
        rotation_enabled: days.is_some(),
        rotation_days: days,
        last_rotated: days.map(|d| crate::collected_at() - chrono::TimeDelta::days(d / 2)),
        policy: match reader {
            None => Observed::Known(None),
            Some(role) => policy(json!([{"Sid": "read", "Effect": "Allow", "Principal": {"AWS": role},
                                         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}])),
        },
    };
    let cert = |domain: &str, id: &str, days_left: i64| Certificate {
        arn: format!("arn:aws:acm:{region}:{acct}:certificate/{id}"),
        domain_name: domain.into(),
        status: "ISSUED".into(),
        not_after: Some(crate::collected_at() + chrono::TimeDelta::days(days_left)),
        in_use: true,
    };
    let (secrets, certificates) = match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => (
            vec![
                secret("prod/orders-db", Some(30), None),
                // The security account's break-glass tooling reads it.
                secret(
                    "prod/partner-sftp-key",
                    None,
                    Some(&format!("arn:aws:iam::{}:role/break-glass", ids::SECURITY)),
                ),
            ],
            vec![cert("api.northwind.example", "7c2f0a55-1b3d-4e6f-8a9b-0c1d2e3f4a5b", 140)],
        ),
        (Kind::Staging, "us-east-1") => (
            // Planted: the partner's integration role can read the token.
            vec![secret(
                "staging/partner-integration-token",
                Some(30),
                Some(&format!("arn:aws:iam::{}:role/northwind-integration", ids::PARTNER)),
            )],
            vec![cert("preview.northwind.example", "2b8e4d61-9f0a-4c3b-8d7e-6a5f4e3d2c1b", 19)],
        ),
        _ => (Vec::new(), Vec::new()),
    };
    (SecretsManager { secrets: Observed::Known(secrets) }, Acm { certificates: Observed::Known(certificates) })
}
