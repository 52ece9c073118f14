//! S3: buckets (with their regions, policies, ACLs, Block Public Access, encryption,
//! versioning, logging, object lock, lifecycle, tags) and account-level Block Public Access.

use crate::ctx::{Ctx, policy_document, tags, time};
use aws_sdk_s3::types::{ExpirationStatus, MfaDeleteStatus, ObjectLockEnabled};
use futures::future::join_all;
use warden_model::Observed;
use warden_model::inventory::{
    Acl, Bucket, BucketEncryption, BucketLogging, Grant, LifecycleRule, ObjectLock, PublicAccessBlock, S3, Versioning,
};

pub async fn collect(ctx: &Ctx) -> S3 {
    let account_pab = async {
        let s3c = ctx.s3control();
        ctx.obs_opt(
            "s3:GetAccountPublicAccessBlock",
            &["NoSuchPublicAccessBlockConfiguration"],
            s3c.get_public_access_block().account_id(&ctx.account_id).send(),
        )
        .await
        .map(|o| {
            o.and_then(|o| o.public_access_block_configuration).map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls.unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
                block_public_policy: c.block_public_policy.unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
            })
        })
    };
    let buckets = async {
        let s3 = ctx.s3(None);
        let listed =
            ctx.obs("s3:ListAllMyBuckets", s3.list_buckets().into_paginator().items().send().try_collect()).await;
        match listed {
            Observed::Known(list) => Observed::Known(join_all(list.into_iter().map(|b| bucket(ctx, &s3, b))).await),
            Observed::Unknown(u) => Observed::Unknown(u),
        }
    };
    let (buckets, account_public_access_block) = tokio::join!(buckets, account_pab);
    S3 { buckets, account_public_access_block }
}

/// A bucket's region from `GetBucketLocation`: empty means us-east-1, `EU` eu-west-1.
pub(crate) fn location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(r) => r.to_owned(),
    }
}

async fn bucket(ctx: &Ctx, s3_home: &aws_sdk_s3::Client, b: aws_sdk_s3::types::Bucket) -> Bucket {
    let name = b.name().unwrap_or_default().to_owned();
    let created = time(b.creation_date());
    let region = match b.bucket_region() {
        Some(r) if !r.is_empty() => Observed::Known(r.to_owned()),
        _ => ctx
            .obs("s3:GetBucketLocation", s3_home.get_bucket_location().bucket(&name).send())
            .await
            .map(|o| location(o.location_constraint().map(|c| c.as_str()))),
    };
    let mut out = Bucket {
        name: name.clone(),
        region: String::new(),
        created,
        policy: Observed::default(),
        acl: Observed::default(),
        public_access_block: Observed::default(),
        encryption: Observed::default(),
        versioning: Observed::default(),
        logging: Observed::default(),
        object_lock: Observed::default(),
        lifecycle_rules: Observed::default(),
        tags: Observed::default(),
    };
    let region = match region {
        Observed::Known(r) => r,
        Observed::Unknown(u) => {
            // Without the region, every other read would go to the wrong endpoint.
            out.region = "unknown".to_owned();
            out.policy = Observed::Unknown(u.clone());
            out.acl = Observed::Unknown(u.clone());
            out.public_access_block = Observed::Unknown(u.clone());
            out.encryption = Observed::Unknown(u.clone());
            out.versioning = Observed::Unknown(u.clone());
            out.logging = Observed::Unknown(u.clone());
            out.object_lock = Observed::Unknown(u.clone());
            out.lifecycle_rules = Observed::Unknown(u.clone());
            out.tags = Observed::Unknown(u);
            return out;
        }
    };
    let s3 = ctx.s3(Some(&region));
    out.region = region;
    let n = name.as_str();
    let policy = async {
        ctx.obs_opt("s3:GetBucketPolicy", &["NoSuchBucketPolicy"], s3.get_bucket_policy().bucket(n).send())
            .await
            .map(|o| o.and_then(|o| o.policy).map(|p| policy_document(&p)))
    };
    let acl = async {
        ctx.obs("s3:GetBucketAcl", s3.get_bucket_acl().bucket(n).send()).await.map(|o| Acl {
            owner_id: o.owner().and_then(|o| o.id()).unwrap_or_default().to_owned(),
            grants: o
                .grants()
                .iter()
                .map(|g| {
                    let who = g.grantee();
                    let grantee =
                        who.and_then(|w| w.uri().or(w.id()).or(w.email_address())).unwrap_or_default().to_owned();
                    Grant { grantee, permission: g.permission().map(|p| p.as_str().to_owned()).unwrap_or_default() }
                })
                .collect(),
        })
    };
    let pab = async {
        ctx.obs_opt(
            "s3:GetBucketPublicAccessBlock",
            &["NoSuchPublicAccessBlockConfiguration"],
            s3.get_public_access_block().bucket(n).send(),
        )
        .await
        .map(|o| {
            o.and_then(|o| o.public_access_block_configuration).map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls.unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
                block_public_policy: c.block_public_policy.unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
            })
        })
    };
    let encryption = async {
        ctx.obs_opt(
            "s3:GetEncryptionConfiguration",
            &["ServerSideEncryptionConfigurationNotFoundError"],
            s3.get_bucket_encryption().bucket(n).send(),
        )
        .await
        .map(|o| {
            let rule = o.and_then(|o| o.server_side_encryption_configuration)?.rules.into_iter().next()?;
            let default = rule.apply_server_side_encryption_by_default?;
            Some(BucketEncryption {
                algorithm: default.sse_algorithm.as_str().to_owned(),
                kms_key_id: default.kms_master_key_id,
                bucket_key_enabled: rule.bucket_key_enabled.unwrap_or(false),
            })
        })
    };
    let versioning = async {
        ctx.obs("s3:GetBucketVersioning", s3.get_bucket_versioning().bucket(n).send()).await.map(|o| Versioning {
            status: o.status().map(|s| s.as_str().to_owned()),
            mfa_delete: o.mfa_delete() == Some(&MfaDeleteStatus::Enabled),
        })
    };
    let logging = async {
        ctx.obs("s3:GetBucketLogging", s3.get_bucket_logging().bucket(n).send()).await.map(|o| {
            o.logging_enabled.map(|l| BucketLogging { target_bucket: l.target_bucket, target_prefix: l.target_prefix })
        })
    };
    let object_lock = async {
        ctx.obs_opt(
            "s3:GetBucketObjectLockConfiguration",
            &["ObjectLockConfigurationNotFoundError"],
            s3.get_object_lock_configuration().bucket(n).send(),
        )
        .await
        .map(|o| {
            let c = o.and_then(|o| o.object_lock_configuration)?;
            let retention = c.rule.and_then(|r| r.default_retention);
            Some(ObjectLock {
                enabled: c.object_lock_enabled == Some(ObjectLockEnabled::Enabled),
                mode: retention.as_ref().and_then(|r| r.mode.as_ref()).map(|m| m.as_str().to_owned()),
                days: retention.and_then(|r| {
                    r.days.or(r.years.map(|y| y.saturating_mul(365))).and_then(|d| u32::try_from(d).ok())
                }),
            })
        })
    };
    let lifecycle = async {
        ctx.obs_opt(
            "s3:GetLifecycleConfiguration",
            &["NoSuchLifecycleConfiguration"],
            s3.get_bucket_lifecycle_configuration().bucket(n).send(),
        )
        .await
        .map(|o| {
            o.map(|o| {
                o.rules()
                    .iter()
                    .map(|r| LifecycleRule {
                        id: r.id().unwrap_or_default().to_owned(),
                        enabled: r.status() == &ExpirationStatus::Enabled,
                        expiration_days: r.expiration().and_then(|e| e.days()).and_then(|d| u32::try_from(d).ok()),
                        transition_days: r
                            .transitions()
                            .iter()
                            .filter_map(|t| t.days())
                            .min()
                            .and_then(|d| u32::try_from(d).ok()),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        })
    };
    let tagging = async {
        ctx.obs_opt(
            "s3:GetBucketTagging",
            &["NoSuchTagSet", "NoSuchTagSetError"],
            s3.get_bucket_tagging().bucket(n).send(),
        )
        .await
        .map(|o| o.map(|o| tags(o.tag_set().iter().map(|t| (t.key(), t.value())))).unwrap_or_default())
    };
    let (policy, acl, pab, encryption, versioning, logging, object_lock, lifecycle, tagging) =
        tokio::join!(policy, acl, pab, encryption, versioning, logging, object_lock, lifecycle, tagging);
    out.policy = policy;
    out.acl = acl;
    out.public_access_block = pab;
    out.encryption = encryption;
    out.versioning = versioning;
    out.logging = logging;
    out.object_lock = object_lock;
    out.lifecycle_rules = lifecycle;
    out.tags = tagging;
    out
}

#[cfg(test)]
mod tests {
    use super::location;

    #[test]
    fn bucket_location_constraints() {
        assert_eq!(location(None), "us-east-1");
        assert_eq!(location(Some("")), "us-east-1");
        assert_eq!(location(Some("EU")), "eu-west-1");
        assert_eq!(location(Some("ap-south-1")), "ap-south-1");
    }
}
