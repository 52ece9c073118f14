//! Data stores in one region: RDS DB instances, EFS file systems, Secrets Manager secrets
//! and ACM certificates.

use crate::ctx::{Ctx, tags, time};
use warden_model::inventory::{Acm, Certificate, DbInstance, Efs, FileSystem, Rds, Secret, SecretsManager};

pub async fn rds(ctx: &Ctx, region: &str) -> Rds {
    let c = ctx.rds(region);
    let listed = ctx
        .obs("rds:DescribeDBInstances", c.describe_db_instances().into_paginator().items().send().try_collect())
        .await;
    Rds {
        instances: listed.map(|all| {
            all.into_iter()
                .map(|d| DbInstance {
                    id: d.db_instance_identifier.unwrap_or_default(),
                    arn: d.db_instance_arn.unwrap_or_default(),
                    engine: d.engine.unwrap_or_default(),
                    storage_encrypted: d.storage_encrypted.unwrap_or(false),
                    kms_key_id: d.kms_key_id,
                    publicly_accessible: d.publicly_accessible.unwrap_or(false),
                    auto_minor_version_upgrade: d.auto_minor_version_upgrade.unwrap_or(false),
                    multi_az: d.multi_az.unwrap_or(false),
                    cluster_id: d.db_cluster_identifier,
                    tags: tags(
                        d.tag_list
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))),
                    ),
                })
                .collect::<Vec<_>>()
        }),
    }
}

pub async fn efs(ctx: &Ctx, region: &str) -> Efs {
    let c = ctx.efs(region);
    let listed = ctx
        .obs(
            "elasticfilesystem:DescribeFileSystems",
            c.describe_file_systems().into_paginator().items().send().try_collect(),
        )
        .await;
    Efs {
        file_systems: listed.map(|all| {
            all.into_iter()
                .map(|f| FileSystem {
                    arn: f.file_system_arn.unwrap_or_default(),
                    id: f.file_system_id,
                    encrypted: f.encrypted.unwrap_or(false),
                    kms_key_id: f.kms_key_id,
                    tags: tags(f.tags.into_iter().map(|t| (t.key, t.value))),
                })
                .collect::<Vec<_>>()
        }),
    }
}

pub async fn secrets(ctx: &Ctx, region: &str) -> SecretsManager {
    let c = ctx.secretsmanager(region);
    let listed = ctx.obs("secretsmanager:ListSecrets", c.list_secrets().into_paginator().send().try_collect()).await;
    SecretsManager {
        secrets: listed.map(|pages| {
            pages
                .into_iter()
                .flat_map(|p| p.secret_list.unwrap_or_default())
                .map(|s| Secret {
                    name: s.name.unwrap_or_default(),
                    arn: s.arn.unwrap_or_default(),
                    rotation_enabled: s.rotation_enabled.unwrap_or(false),
                    rotation_days: s.rotation_rules.and_then(|r| r.automatically_after_days),
                    last_rotated: time(s.last_rotated_date.as_ref()),
                })
                .collect::<Vec<_>>()
        }),
    }
}

pub async fn certificates(ctx: &Ctx, region: &str) -> Acm {
    let c = ctx.acm(region);
    let listed =
        ctx.obs("acm:ListCertificates", c.list_certificates().into_paginator().items().send().try_collect()).await;
    Acm {
        certificates: listed.map(|all| {
            all.into_iter()
                .map(|s| Certificate {
                    arn: s.certificate_arn.unwrap_or_default(),
                    domain_name: s.domain_name.unwrap_or_default(),
                    status: s.status.map(|x| x.as_str().to_owned()).unwrap_or_default(),
                    not_after: time(s.not_after.as_ref()),
                    in_use: s.in_use.unwrap_or(false),
                })
                .collect::<Vec<_>>()
        }),
    }
}
