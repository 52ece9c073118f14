//! KMS in one region: keys with metadata, rotation status and key policy; aliases.

use crate::ctx::{Ctx, policy_document, time};
use aws_sdk_kms::types::{KeyManagerType, KeyState};
use futures::future::join_all;
use warden_model::inventory::{Kms, KmsAlias, KmsKey};
use warden_model::{Observed, UnknownKind};

pub async fn collect(ctx: &Ctx, region: &str) -> Kms {
    let c = ctx.kms(region);
    let keys = async {
        let listed = ctx.obs("kms:ListKeys", c.list_keys().into_paginator().items().send().try_collect()).await;
        match listed {
            Observed::Known(l) => Observed::Known(
                join_all(l.into_iter().filter_map(|k| k.key_id).map(|id| key(ctx, &c, id)))
                    .await
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>(),
            ),
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    };
    let aliases = async {
        ctx.obs("kms:ListAliases", c.list_aliases().into_paginator().items().send().try_collect()).await.map(|l| {
            l.into_iter()
                .map(|a| KmsAlias {
                    name: a.alias_name.unwrap_or_default(),
                    arn: a.alias_arn.unwrap_or_default(),
                    target_key_id: a.target_key_id,
                })
                .collect::<Vec<_>>()
        })
    };
    let (keys, aliases) = tokio::join!(keys, aliases);
    Kms { keys, aliases }
}

/// One key. When `DescribeKey` fails the key stays in the list with manager and state
/// `UNKNOWN`, and its rotation and policy carry the failure.
async fn key(ctx: &Ctx, c: &aws_sdk_kms::Client, id: String) -> Option<KmsKey> {
    let meta = match ctx.obs("kms:DescribeKey", c.describe_key().key_id(&id).send()).await {
        Observed::Known(o) => match o.key_metadata {
            Some(m) => m,
            None => {
                return Some(undescribed(id, ctx.malformed("kms:DescribeKey", "the answer carried no key metadata")));
            }
        },
        Observed::Unknown(u) => return Some(undescribed(id, u)),
    };
    let mut k = KmsKey {
        id: meta.key_id.clone(),
        arn: meta.arn.clone().unwrap_or_default(),
        manager: meta.key_manager.as_ref().map_or("CUSTOMER", |m| m.as_str()).to_owned(),
        state: meta.key_state.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        spec: meta.key_spec.as_ref().map_or("SYMMETRIC_DEFAULT", |s| s.as_str()).to_owned(),
        usage: meta.key_usage.as_ref().map_or("ENCRYPT_DECRYPT", |s| s.as_str()).to_owned(),
        origin: meta.origin.as_ref().map_or("AWS_KMS", |s| s.as_str()).to_owned(),
        description: meta.description.clone().unwrap_or_default(),
        multi_region: meta.multi_region.unwrap_or(false),
        deletion_date: time(meta.deletion_date.as_ref()),
        rotation_enabled: Observed::default(),
        policy: Observed::default(),
    };
    let usable = matches!(meta.key_state, Some(KeyState::Enabled) | Some(KeyState::Disabled));
    let rotation = async {
        if meta.key_manager != Some(KeyManagerType::Customer) || !k.supports_rotation() {
            Observed::unknown(UnknownKind::NotCollected, "rotation applies to customer-managed symmetric KMS keys only")
        } else if !usable {
            Observed::unknown(UnknownKind::NotCollected, format!("rotation is not readable in key state {}", k.state))
        } else {
            ctx.obs("kms:GetKeyRotationStatus", c.get_key_rotation_status().key_id(&id).send())
                .await
                .map(|o| o.key_rotation_enabled)
        }
    };
    let policy = async {
        match ctx.obs("kms:GetKeyPolicy", c.get_key_policy().key_id(&id).policy_name("default").send()).await {
            Observed::Known(o) => match o.policy() {
                Some(p) => Observed::Known(policy_document(p)),
                None => Observed::Unknown(ctx.malformed("kms:GetKeyPolicy", "the answer carried no policy")),
            },
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    };
    let (rotation, policy) = tokio::join!(rotation, policy);
    k.rotation_enabled = rotation;
    k.policy = policy;
    Some(k)
}

fn undescribed(id: String, why: warden_model::Unknown) -> KmsKey {
    KmsKey {
        arn: String::new(),
        manager: "UNKNOWN".into(),
        state: "UNKNOWN".into(),
        spec: "SYMMETRIC_DEFAULT".into(),
        usage: "ENCRYPT_DECRYPT".into(),
        origin: "AWS_KMS".into(),
        description: String::new(),
        multi_region: false,
        deletion_date: None,
        rotation_enabled: Observed::Unknown(why.clone()),
        policy: Observed::Unknown(why),
        id,
    }
}
