//! Application services in one region, each with the resource policy the exposure
//! analysis evaluates: Lambda functions and layer versions, SQS queues, ECR repositories
//! and DynamoDB tables (with encryption, deletion protection and point-in-time recovery).
//!
//! "There is no policy" answers (`ResourceNotFoundException` from Lambda,
//! `RepositoryPolicyNotFoundException`, `PolicyNotFoundException`) are a known `None`.

use crate::ctx::{Ctx, policy_document, read_each};
use aws_sdk_dynamodb::types::{PointInTimeRecoveryStatus, SseType};
use aws_sdk_sqs::types::QueueAttributeName;
use warden_model::Observed;
use warden_model::inventory::{
    DynamoDb, Ecr, Function, Lambda, LayerVersion, PolicyDocument, Queue, Repository, Sqs, Table, TableEncryption,
};

/// A policy read whose answer may carry no document: the document, parsed.
pub(crate) fn policy_of(read: Observed<Option<Option<String>>>) -> Observed<Option<PolicyDocument>> {
    read.map(|o| o.flatten().map(|p| policy_document(&p)))
}

pub async fn lambda(ctx: &Ctx, region: &str) -> Lambda {
    let c = ctx.lambda(region);
    let functions = async {
        let listed =
            ctx.obs("lambda:ListFunctions", c.list_functions().into_paginator().items().send().try_collect()).await;
        read_each(listed, |f| {
            let c = c.clone();
            async move {
                let arn = f.function_arn.unwrap_or_default();
                let read = ctx
                    .obs_opt(
                        "lambda:GetPolicy",
                        &["ResourceNotFoundException"],
                        c.get_policy().function_name(&arn).send(),
                    )
                    .await;
                Function {
                    name: f.function_name.unwrap_or_default(),
                    runtime: f.runtime.map(|r| r.as_str().to_owned()).unwrap_or_default(),
                    role: f.role.unwrap_or_default(),
                    policy: policy_of(read.map(|o| o.map(|o| o.policy))),
                    arn,
                }
            }
        })
        .await
    };
    let layer_versions = async {
        let layers = ctx.obs("lambda:ListLayers", c.list_layers().into_paginator().items().send().try_collect()).await;
        let names = layers.map(|l| l.into_iter().filter_map(|l| l.layer_name).collect::<Vec<_>>());
        let per_layer = read_each(names, |name: String| {
            let c = c.clone();
            async move {
                let listed = ctx
                    .obs(
                        "lambda:ListLayerVersions",
                        c.list_layer_versions().layer_name(&name).into_paginator().items().send().try_collect(),
                    )
                    .await;
                let name = &name;
                read_each(listed, |v| {
                    let c = c.clone();
                    async move {
                        let read = ctx
                            .obs_opt(
                                "lambda:GetLayerVersionPolicy",
                                &["ResourceNotFoundException"],
                                c.get_layer_version_policy().layer_name(name).version_number(v.version).send(),
                            )
                            .await;
                        LayerVersion {
                            name: name.clone(),
                            arn: v.layer_version_arn.unwrap_or_default(),
                            version: v.version,
                            policy: policy_of(read.map(|o| o.map(|o| o.policy))),
                        }
                    }
                })
                .await
            }
        })
        .await;
        // One layer whose versions cannot be listed makes the whole list unknown: a
        // partial list would read as "the others do not exist".
        match per_layer {
            Observed::Known(lists) => {
                let mut all = Vec::new();
                for l in lists {
                    match l {
                        Observed::Known(v) => all.extend(v),
                        Observed::Unknown(u) => return Observed::Unknown(u),
                    }
                }
                Observed::Known(all)
            }
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    };
    let (functions, layer_versions) = tokio::join!(functions, layer_versions);
    Lambda { functions, layer_versions }
}

pub async fn sqs(ctx: &Ctx, region: &str) -> Sqs {
    let c = ctx.sqs(region);
    let listed = ctx.obs("sqs:ListQueues", c.list_queues().into_paginator().items().send().try_collect()).await;
    let queues = read_each(listed, |url: String| {
        let c = c.clone();
        async move {
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            let read = ctx
                .obs(
                    "sqs:GetQueueAttributes",
                    c.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::Policy).send(),
                )
                .await;
            Queue {
                arn: format!("arn:{}:sqs:{region}:{}:{name}", ctx.partition, ctx.account_id),
                policy: read.map(|o| {
                    o.attributes.and_then(|mut a| a.remove(&QueueAttributeName::Policy)).map(|p| policy_document(&p))
                }),
                name,
                url,
            }
        }
    })
    .await;
    Sqs { queues }
}

pub async fn ecr(ctx: &Ctx, region: &str) -> Ecr {
    let c = ctx.ecr(region);
    let listed = ctx
        .obs("ecr:DescribeRepositories", c.describe_repositories().into_paginator().items().send().try_collect())
        .await;
    let repositories = read_each(listed, |r| {
        let c = c.clone();
        async move {
            let name = r.repository_name.unwrap_or_default();
            let read = ctx
                .obs_opt(
                    "ecr:GetRepositoryPolicy",
                    &["RepositoryPolicyNotFoundException"],
                    c.get_repository_policy().repository_name(&name).send(),
                )
                .await;
            Repository {
                arn: r.repository_arn.unwrap_or_default(),
                uri: r.repository_uri.unwrap_or_default(),
                tag_immutable: r.image_tag_mutability.is_some_and(|m| m.as_str().starts_with("IMMUTABLE")),
                scan_on_push: r.image_scanning_configuration.is_some_and(|s| s.scan_on_push),
                policy: policy_of(read.map(|o| o.map(|o| o.policy_text))),
                name,
            }
        }
    })
    .await;
    Ecr { repositories }
}

pub async fn dynamodb(ctx: &Ctx, region: &str) -> DynamoDb {
    let c = ctx.dynamodb(region);
    let listed = ctx.obs("dynamodb:ListTables", c.list_tables().into_paginator().items().send().try_collect()).await;
    let tables = read_each(listed, |name: String| {
        let c = c.clone();
        async move {
            let arn = format!("arn:{}:dynamodb:{region}:{}:table/{name}", ctx.partition, ctx.account_id);
            let (described, backups, policy) = tokio::join!(
                ctx.obs("dynamodb:DescribeTable", c.describe_table().table_name(&name).send()),
                ctx.obs("dynamodb:DescribeContinuousBackups", c.describe_continuous_backups().table_name(&name).send()),
                ctx.obs_opt(
                    "dynamodb:GetResourcePolicy",
                    &["PolicyNotFoundException"],
                    c.get_resource_policy().resource_arn(&arn).send(),
                ),
            );
            let table = described
                .map(|d| d.table.unwrap_or_else(|| aws_sdk_dynamodb::types::TableDescription::builder().build()));
            let encryption = table.as_ref().map(|t| match &t.sse_description {
                Some(sse) if sse.sse_type == Some(SseType::Kms) => {
                    TableEncryption { key: "KMS".into(), kms_key_arn: sse.kms_master_key_arn.clone() }
                }
                _ => TableEncryption { key: "AWS_OWNED".into(), kms_key_arn: None },
            });
            Table {
                encryption,
                deletion_protection: table.map(|t| t.deletion_protection_enabled.unwrap_or(false)),
                point_in_time_recovery: backups.map(|b| {
                    b.continuous_backups_description
                        .and_then(|d| d.point_in_time_recovery_description)
                        .and_then(|p| p.point_in_time_recovery_status)
                        == Some(PointInTimeRecoveryStatus::Enabled)
                }),
                policy: policy_of(policy.map(|o| o.map(|o| o.policy))),
                name,
                arn,
            }
        }
    })
    .await;
    DynamoDb { tables }
}
