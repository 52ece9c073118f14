//! KMS: AWS managed keys, customer keys with key policies and aliases, per region.

use crate::rng::Rng;
use crate::{Ctx, Kind, Spec, collected_at};
use chrono::TimeDelta;
use serde_json::{Value, json};
use warden_model::inventory::{Kms, KmsAlias, KmsKey};
use warden_model::{Observed, UnknownKind};

/// A key id in UUID form, stable for (seed, account, region, label).
pub(crate) fn key_uuid(seed: u64, account: &str, region: &str, label: &str) -> String {
    let h = Rng::derive(seed, &format!("kms/{account}/{region}/{label}")).hex(32);
    // Shaped like a version-4 UUID, as KMS key ids are.
    format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..])
}

fn key_policy(account: &str, users: &[String]) -> Value {
    let mut statements = vec![
        json!({
            "Sid": "EnableRootAccountPermissions",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "kms:*",
            "Resource": "*"
        }),
        json!({
            "Sid": "KeyAdministrators",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:role/federated/sso-admin")},
            "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
            "Resource": "*"
        }),
    ];
    if !users.is_empty() {
        statements.push(json!({
            "Sid": "KeyUsers",
            "Effect": "Allow",
            "Principal": {"AWS": users},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*"
        }));
    }
    json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": statements})
}

fn cloudtrail_key_policy(account: &str) -> Value {
    let mut p = key_policy(account, &[]);
    if let Some(st) = p.get_mut("Statement").and_then(Value::as_array_mut) {
        st.push(json!({
            "Sid": "AllowCloudTrailToEncryptLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:*:trail/*"}}
        }));
        st.push(json!({
            "Sid": "AllowLogReadersToDecrypt",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", crate::ids::SECURITY)},
            "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
            "Resource": "*",
            "Condition": {"Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}}
        }));
    }
    p
}

struct KeySpec {
    label: String,
    alias: String,
    description: String,
    rotation: bool,
    pending_deletion: bool,
    signing: bool,
    cloudtrail: bool,
}

pub(crate) fn build(ctx: &Ctx, spec: &Spec, region: &str) -> Kms {
    if (spec.kind, region) == (Kind::Security, "eu-west-1") {
        // Planted: the scanner role is denied KMS in this region by an SCP exception.
        let denied = "User: arn:aws:sts::714059687234:assumed-role/warden-scanner/i-0b7e4c1d2a3f45678 is not authorized to perform: kms:ListKeys with an explicit deny in a service control policy";
        return Kms {
            keys: Observed::unknown(UnknownKind::AccessDenied, denied),
            aliases: Observed::unknown(UnknownKind::AccessDenied, denied),
        };
    }
    let acct = &spec.id;
    let label = spec.label();
    let mut keys = Vec::new();
    let mut aliases = Vec::new();

    for svc in ["ebs", "s3", "rds", "lambda"] {
        let id = key_uuid(ctx.seed, acct, region, &format!("aws/{svc}"));
        let arn = format!("arn:aws:kms:{region}:{acct}:key/{id}");
        aliases.push(KmsAlias {
            name: format!("alias/aws/{svc}"),
            arn: format!("arn:aws:kms:{region}:{acct}:alias/aws/{svc}"),
            target_key_id: Some(id.clone()),
        });
        keys.push(KmsKey {
            id,
            arn,
            manager: "AWS".into(),
            state: "Enabled".into(),
            spec: "SYMMETRIC_DEFAULT".into(),
            usage: "ENCRYPT_DECRYPT".into(),
            origin: "AWS_KMS".into(),
            description: format!("Default key that protects my {} data when no other key is defined", svc.to_uppercase()),
            multi_region: false,
            deletion_date: None,
            rotation_enabled: Observed::Known(true),
            policy: Observed::Known(json!({"Version": "2012-10-17", "Id": format!("auto-{svc}-2"), "Statement": [{
                "Sid": "Allow access through the service for all principals in the account that are authorized to use it",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:CallerAccount": acct, "kms:ViaService": format!("{svc}.{region}.amazonaws.com")}}
            }]})),
        });
    }

    let ks = |l: &str, desc: &str| KeySpec {
        label: l.to_owned(),
        alias: format!("alias/{label}-{l}"),
        description: desc.to_owned(),
        rotation: true,
        pending_deletion: false,
        signing: false,
        cloudtrail: false,
    };
    let mut specs = vec![ks("s3", "S3 default encryption"), ks("app", "application secrets and queues")];
    if matches!(spec.kind, Kind::Prod | Kind::Security) {
        specs.push(ks("ebs", "EBS volumes"));
    }
    match (spec.kind, region) {
        (Kind::Management, "us-east-1") => specs.push(KeySpec {
            alias: "alias/cloudtrail-org".into(),
            cloudtrail: true,
            ..ks("cloudtrail", "organization trail log encryption")
        }),
        (Kind::Prod, "us-east-1") => {
            specs.push(KeySpec { signing: true, ..ks("signing", "firmware image signing") });
            specs.push(KeySpec { cloudtrail: true, ..ks("cloudtrail", "data-event trail log encryption") });
        }
        (Kind::Prod, "eu-west-1") => {
            specs.push(KeySpec { pending_deletion: true, ..ks("old-reports", "2024 reporting pipeline (retired)") })
        }
        (Kind::Prod, "ap-southeast-2") => {
            if let Some(k) = specs.iter_mut().find(|k| k.label == "app") {
                k.rotation = false;
            }
        }
        (Kind::Security, "us-east-1") => {
            specs.push(KeySpec { cloudtrail: true, ..ks("cloudtrail", "security data-event trail log encryption") })
        }
        (Kind::Staging, "us-east-1") => {
            if let Some(k) = specs.iter_mut().find(|k| k.label == "app") {
                k.rotation = false;
            }
        }
        _ => {}
    }
    let extra = ctx.plan.n(1, 0);
    let extra_labels: Vec<String> = (0..extra.saturating_sub(1)).map(|i| format!("svc-{i:03}")).collect();

    let role_users = vec![format!("arn:aws:iam::{acct}:role/service/ecsTaskExecutionRole")];
    let mut add = |k: &KeySpec| {
        let id = key_uuid(ctx.seed, acct, region, &k.label);
        let arn = format!("arn:aws:kms:{region}:{acct}:key/{id}");
        aliases.push(KmsAlias {
            name: k.alias.clone(),
            arn: format!("arn:aws:kms:{region}:{acct}:{}", k.alias),
            target_key_id: Some(id.clone()),
        });
        keys.push(KmsKey {
            id,
            arn,
            manager: "CUSTOMER".into(),
            state: if k.pending_deletion { "PendingDeletion" } else { "Enabled" }.into(),
            spec: if k.signing { "RSA_2048" } else { "SYMMETRIC_DEFAULT" }.into(),
            usage: if k.signing { "SIGN_VERIFY" } else { "ENCRYPT_DECRYPT" }.into(),
            origin: "AWS_KMS".into(),
            description: k.description.clone(),
            multi_region: false,
            deletion_date: k.pending_deletion.then(|| collected_at() + TimeDelta::days(12)),
            rotation_enabled: if k.signing {
                Observed::unknown(UnknownKind::NotCollected, "rotation status is not available for asymmetric keys")
            } else {
                Observed::Known(k.rotation && !k.pending_deletion)
            },
            policy: Observed::Known(if k.cloudtrail {
                cloudtrail_key_policy(acct)
            } else {
                key_policy(acct, &role_users)
            }),
        });
    };
    for k in &specs {
        add(k);
    }
    for l in &extra_labels {
        add(&ks(l, "service data key"));
    }
    Kms { keys: Observed::Known(keys), aliases: Observed::Known(aliases) }
}
