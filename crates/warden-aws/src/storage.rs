//! Databases and file systems in one region: RDS DB instances and EFS file systems.

use crate::ctx::{Ctx, tags};
use warden_model::inventory::{DbInstance, Efs, FileSystem, Rds};

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
