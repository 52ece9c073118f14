//! RDS instances and EFS file systems. Production is in order except one replica;
//! staging keeps an unencrypted, public database and an unencrypted scratch file system.

use crate::{Kind, Spec};
use warden_model::Observed;
use warden_model::inventory::{Acm, Certificate, DbInstance, Efs, FileSystem, Rds, Secret, SecretsManager, Tags};

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
        tags: Tags::from([("team".to_owned(), team.to_owned())]),
    }
}

fn fs(spec: &Spec, region: &str, id: &str, encrypted: bool, name: &str) -> FileSystem {
    FileSystem {
        id: id.into(),
        arn: format!("arn:aws:elasticfilesystem:{region}:{}:file-system/{id}", spec.id),
        encrypted,
        kms_key_id: encrypted.then(|| format!("arn:aws:kms:{region}:{}:alias/aws/elasticfilesystem", spec.id)),
        tags: Tags::from([("Name".to_owned(), name.to_owned())]),
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
    (Rds { instances: Observed::Known(instances) }, Efs { file_systems: Observed::Known(file_systems) })
}

/// Secrets and certificates. Planted: a partner key in prod is never rotated (secret
/// rotation), and staging's preview certificate expires 19 days after the collection.
pub(crate) fn credentials(spec: &Spec, region: &str) -> (SecretsManager, Acm) {
    let acct = &spec.id;
    let secret = |name: &str, days: Option<i64>| Secret {
        name: name.into(),
        arn: format!("arn:aws:secretsmanager:{region}:{acct}:secret:{name}-Ab12Cd"),
        rotation_enabled: days.is_some(),
        rotation_days: days,
        last_rotated: days.map(|d| crate::collected_at() - chrono::TimeDelta::days(d / 2)),
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
            vec![secret("prod/orders-db", Some(30)), secret("prod/partner-sftp-key", None)],
            vec![cert("api.northwind.example", "7c2f0a55-1b3d-4e6f-8a9b-0c1d2e3f4a5b", 140)],
        ),
        (Kind::Staging, "us-east-1") => {
            (Vec::new(), vec![cert("preview.northwind.example", "2b8e4d61-9f0a-4c3b-8d7e-6a5f4e3d2c1b", 19)])
        }
        _ => (Vec::new(), Vec::new()),
    };
    (SecretsManager { secrets: Observed::Known(secrets) }, Acm { certificates: Observed::Known(certificates) })
}
