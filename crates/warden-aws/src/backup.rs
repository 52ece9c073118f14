//! AWS Backup in one region: plans with their rules and resource selections, vaults, and
//! the resource-type opt-in settings that decide what selections by tag or `*` cover.

use crate::ctx::{Ctx, read_each};
use aws_sdk_backup::types::ConditionParameter;
use futures::future::join_all;
use warden_model::Observed;
use warden_model::inventory::{Backup, BackupPlan, BackupRule, BackupSelection, BackupVault, TagCondition, TagOp};

pub async fn collect(ctx: &Ctx, region: &str) -> Backup {
    let c = ctx.backup(region);
    let listed_plans = async {
        ctx.obs("backup:ListBackupPlans", c.list_backup_plans().into_paginator().items().send().try_collect()).await
    };
    let vaults = async {
        ctx.obs("backup:ListBackupVaults", c.list_backup_vaults().into_paginator().items().send().try_collect())
            .await
            .map(|all| {
                all.into_iter()
                    .map(|v| BackupVault {
                        name: v.backup_vault_name.unwrap_or_default(),
                        arn: v.backup_vault_arn.unwrap_or_default(),
                        encryption_key_arn: v.encryption_key_arn,
                        locked: v.locked.unwrap_or(false),
                        min_retention_days: v.min_retention_days,
                        recovery_points: v.number_of_recovery_points,
                    })
                    .collect::<Vec<_>>()
            })
    };
    let opt_in = async {
        ctx.obs("backup:DescribeRegionSettings", c.describe_region_settings().send())
            .await
            .map(|o| o.resource_type_opt_in_preference.unwrap_or_default().into_iter().collect())
    };
    let (listed_plans, vaults, opt_in) = tokio::join!(listed_plans, vaults, opt_in);
    let listed = listed_plans.map(|all| all.into_iter().filter(|p| p.deletion_date.is_none()).collect::<Vec<_>>());
    let plans = read_each(listed, |p| {
        let c = c.clone();
        async move {
            let id = p.backup_plan_id.unwrap_or_default();
            let (rules, selections) = tokio::join!(rules(ctx, &c, &id), selections(ctx, &c, &id));
            BackupPlan {
                arn: p.backup_plan_arn.unwrap_or_default(),
                name: p.backup_plan_name.unwrap_or_default(),
                rules,
                selections,
                id,
            }
        }
    })
    .await;
    Backup { plans, vaults, opt_in }
}

async fn rules(ctx: &Ctx, c: &aws_sdk_backup::Client, id: &str) -> Observed<Vec<BackupRule>> {
    ctx.obs("backup:GetBackupPlan", c.get_backup_plan().backup_plan_id(id).send()).await.map(|o| {
        o.backup_plan
            .map(|p| p.rules)
            .unwrap_or_default()
            .into_iter()
            .map(|r| BackupRule {
                name: r.rule_name,
                vault: r.target_backup_vault_name,
                schedule: r.schedule_expression.filter(|s| !s.is_empty()),
                delete_after_days: r.lifecycle.and_then(|l| l.delete_after_days),
                continuous: r.enable_continuous_backup.unwrap_or(false),
            })
            .collect()
    })
}

/// Every selection of a plan, read one by one; unknown as a whole when any read fails
/// (coverage cannot be decided on part of them).
async fn selections(ctx: &Ctx, c: &aws_sdk_backup::Client, plan: &str) -> Observed<Vec<BackupSelection>> {
    let listed = ctx
        .obs(
            "backup:ListBackupSelections",
            c.list_backup_selections().backup_plan_id(plan).into_paginator().items().send().try_collect(),
        )
        .await;
    let listed = match listed {
        Observed::Known(l) => l,
        Observed::Unknown(u) => return Observed::Unknown(u),
    };
    let read = listed.into_iter().map(|s| async move {
        let id = s.selection_id.unwrap_or_default();
        let op = "backup:GetBackupSelection";
        match ctx.obs(op, c.get_backup_selection().backup_plan_id(plan).selection_id(&id).send()).await {
            Observed::Known(o) => match o.backup_selection {
                Some(sel) => Observed::Known(selection(id, sel)),
                // An empty selection would mean "everything": never guess one.
                None => Observed::Unknown(ctx.malformed(op, "the answer carried no selection")),
            },
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    });
    let mut out = Vec::new();
    for s in join_all(read).await {
        match s {
            Observed::Known(s) => out.push(s),
            Observed::Unknown(u) => return Observed::Unknown(u),
        }
    }
    Observed::Known(out)
}

fn selection(id: String, sel: aws_sdk_backup::types::BackupSelection) -> BackupSelection {
    let mut conditions = Vec::new();
    if let Some(cs) = sel.conditions {
        let groups = [
            (TagOp::StringEquals, cs.string_equals),
            (TagOp::StringNotEquals, cs.string_not_equals),
            (TagOp::StringLike, cs.string_like),
            (TagOp::StringNotLike, cs.string_not_like),
        ];
        for (op, list) in groups {
            conditions.extend(list.unwrap_or_default().into_iter().map(|p| parameter(op, p)));
        }
    }
    BackupSelection {
        id,
        name: sel.selection_name,
        iam_role_arn: sel.iam_role_arn,
        resources: sel.resources.unwrap_or_default(),
        not_resources: sel.not_resources.unwrap_or_default(),
        // `ListOfTags` supports only `STRINGEQUALS`.
        list_of_tags: sel
            .list_of_tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| TagCondition {
                op: TagOp::StringEquals,
                key: resource_tag(&t.condition_key),
                value: t.condition_value,
            })
            .collect(),
        conditions,
    }
}

fn parameter(op: TagOp, p: ConditionParameter) -> TagCondition {
    TagCondition {
        op,
        key: resource_tag(p.condition_key.as_deref().unwrap_or_default()),
        value: p.condition_value.unwrap_or_default(),
    }
}

/// The tag key of a condition key: `aws:ResourceTag/backup` → `backup` (older selections
/// name the tag key alone).
fn resource_tag(key: &str) -> String {
    key.strip_prefix("aws:ResourceTag/").unwrap_or(key).to_owned()
}
