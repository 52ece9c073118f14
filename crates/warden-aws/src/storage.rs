//! Data stores in one region: RDS DB instances and manual snapshots (with their `restore`
//! attribute), EFS file systems (with their policies), Secrets Manager secrets (with their
//! resource policies) and ACM certificates.

use crate::apps::policy_of;
use crate::ctx::{Ctx, read_each, tags, time};
use warden_model::Observed;
use warden_model::inventory::{Acm, Certificate, DbInstance, DbSnapshot, Efs, FileSystem, Rds, Secret, SecretsManager};

pub async fn rds(ctx: &Ctx, region: &str) -> Rds {
    let c = ctx.rds(region);
    let (listed, snapshots, cluster_snapshots) = tokio::join!(
        ctx.obs("rds:DescribeDBInstances", c.describe_db_instances().into_paginator().items().send().try_collect()),
        db_snapshots(ctx, &c),
        db_cluster_snapshots(ctx, &c),
    );
    Rds {
        snapshots,
        cluster_snapshots,
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
                    port: d.endpoint.as_ref().and_then(|e| e.port).or(d.db_instance_port.filter(|p| *p > 0)),
                    endpoint: d.endpoint.and_then(|e| e.address),
                    vpc_id: d.db_subnet_group.as_ref().and_then(|g| g.vpc_id.clone()),
                    subnet_ids: d
                        .db_subnet_group
                        .and_then(|g| g.subnets)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| s.subnet_identifier)
                        .collect(),
                    security_group_ids: d
                        .vpc_security_groups
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|g| g.status.as_deref().is_none_or(|s| s == "active" || s == "adding"))
                        .filter_map(|g| g.vpc_security_group_id)
                        .collect(),
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

/// The `restore` attribute's values: `all` or account ids.
fn restore_values<'a>(attributes: impl IntoIterator<Item = (Option<&'a str>, Option<&'a [String]>)>) -> Vec<String> {
    attributes
        .into_iter()
        .filter(|(name, _)| *name == Some("restore"))
        .flat_map(|(_, values)| values.unwrap_or_default().iter().cloned())
        .collect()
}

/// Manual DB snapshots (automated ones cannot be shared), each with its `restore`
/// attribute.
async fn db_snapshots(ctx: &Ctx, c: &aws_sdk_rds::Client) -> Observed<Vec<DbSnapshot>> {
    let listed = ctx
        .obs(
            "rds:DescribeDBSnapshots",
            c.describe_db_snapshots().snapshot_type("manual").into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |s| async move {
        let id = s.db_snapshot_identifier.unwrap_or_default();
        let read = ctx
            .obs(
                "rds:DescribeDBSnapshotAttributes",
                c.describe_db_snapshot_attributes().db_snapshot_identifier(&id).send(),
            )
            .await;
        DbSnapshot {
            arn: s.db_snapshot_arn.unwrap_or_default(),
            source: s.db_instance_identifier.unwrap_or_default(),
            engine: s.engine.unwrap_or_default(),
            encrypted: s.encrypted.unwrap_or(false),
            restore: read.map(|o| {
                let attrs = o.db_snapshot_attributes_result.and_then(|r| r.db_snapshot_attributes).unwrap_or_default();
                restore_values(attrs.iter().map(|a| (a.attribute_name.as_deref(), a.attribute_values.as_deref())))
            }),
            tags: tags(
                s.tag_list.unwrap_or_default().into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))),
            ),
            id,
        }
    })
    .await
}

/// Manual DB cluster snapshots, each with its `restore` attribute.
async fn db_cluster_snapshots(ctx: &Ctx, c: &aws_sdk_rds::Client) -> Observed<Vec<DbSnapshot>> {
    let listed = ctx
        .obs(
            "rds:DescribeDBClusterSnapshots",
            c.describe_db_cluster_snapshots().snapshot_type("manual").into_paginator().items().send().try_collect(),
        )
        .await;
    read_each(listed, |s| async move {
        let id = s.db_cluster_snapshot_identifier.unwrap_or_default();
        let read = ctx
            .obs(
                "rds:DescribeDBClusterSnapshotAttributes",
                c.describe_db_cluster_snapshot_attributes().db_cluster_snapshot_identifier(&id).send(),
            )
            .await;
        DbSnapshot {
            arn: s.db_cluster_snapshot_arn.unwrap_or_default(),
            source: s.db_cluster_identifier.unwrap_or_default(),
            engine: s.engine.unwrap_or_default(),
            encrypted: s.storage_encrypted.unwrap_or(false),
            restore: read.map(|o| {
                let attrs = o
                    .db_cluster_snapshot_attributes_result
                    .and_then(|r| r.db_cluster_snapshot_attributes)
                    .unwrap_or_default();
                restore_values(attrs.iter().map(|a| (a.attribute_name.as_deref(), a.attribute_values.as_deref())))
            }),
            tags: tags(
                s.tag_list.unwrap_or_default().into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))),
            ),
            id,
        }
    })
    .await
}

pub async fn efs(ctx: &Ctx, region: &str) -> Efs {
    let c = ctx.efs(region);
    let listed = ctx
        .obs(
            "elasticfilesystem:DescribeFileSystems",
            c.describe_file_systems().into_paginator().items().send().try_collect(),
        )
        .await;
    let file_systems = read_each(listed, |f| {
        let c = c.clone();
        async move {
            let read = ctx
                .obs_opt(
                    "elasticfilesystem:DescribeFileSystemPolicy",
                    &["PolicyNotFound"],
                    c.describe_file_system_policy().file_system_id(&f.file_system_id).send(),
                )
                .await;
            FileSystem {
                arn: f.file_system_arn.unwrap_or_default(),
                id: f.file_system_id,
                encrypted: f.encrypted.unwrap_or(false),
                kms_key_id: f.kms_key_id,
                tags: tags(f.tags.into_iter().map(|t| (t.key, t.value))),
                policy: policy_of(read.map(|o| o.map(|o| o.policy))),
            }
        }
    })
    .await;
    Efs { file_systems }
}

pub async fn secrets(ctx: &Ctx, region: &str) -> SecretsManager {
    let c = ctx.secretsmanager(region);
    let listed = ctx.obs("secretsmanager:ListSecrets", c.list_secrets().into_paginator().send().try_collect()).await;
    let listed = listed.map(|pages| pages.into_iter().flat_map(|p| p.secret_list.unwrap_or_default()).collect());
    let secrets = read_each(listed, |s: aws_sdk_secretsmanager::types::SecretListEntry| {
        let c = c.clone();
        async move {
            let arn = s.arn.unwrap_or_default();
            // A secret without a policy answers with no `ResourcePolicy`.
            let read =
                ctx.obs("secretsmanager:GetResourcePolicy", c.get_resource_policy().secret_id(&arn).send()).await;
            Secret {
                name: s.name.unwrap_or_default(),
                rotation_enabled: s.rotation_enabled.unwrap_or(false),
                rotation_days: s.rotation_rules.and_then(|r| r.automatically_after_days),
                last_rotated: time(s.last_rotated_date.as_ref()),
                policy: policy_of(read.map(|o| Some(o.resource_policy))),
                arn,
            }
        }
    })
    .await;
    SecretsManager { secrets }
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
