//! AWS Backup: a daily plan in every region of the organization's accounts that selects
//! databases, file systems and volumes by resource type. Planted: staging, outside the
//! organization, has no backup plan anywhere; prod's us-east-1 plan names its file systems
//! by service only, which covers opted-in types, and EFS is opted out there, so the
//! shared-artifacts file system is not backed up.

use crate::{Kind, Spec};
use warden_model::Observed;
use warden_model::inventory::{Backup, BackupPlan, BackupRule, BackupSelection, BackupVault};

/// A plan id of the form AWS uses (a UUID), stable for one account and region.
fn plan_id(account: &str, region: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in account.bytes().chain(region.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let hex = format!("{h:016x}{:016x}", h.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

pub(crate) fn build(spec: &Spec, region: &str) -> Backup {
    let acct = &spec.id;
    let label = spec.label();
    let opt_in = |efs: bool| {
        ["Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "Storage Gateway"]
            .into_iter()
            .map(|t| (t.to_owned(), t != "EFS" || efs))
            .collect()
    };
    let vault = format!("northwind-{label}-vault");
    let vaults = vec![BackupVault {
        name: vault.clone(),
        arn: format!("arn:aws:backup:{region}:{acct}:backup-vault:{vault}"),
        encryption_key_arn: Some(format!("arn:aws:kms:{region}:{acct}:alias/aws/backup")),
        locked: spec.kind == Kind::Prod,
        min_retention_days: (spec.kind == Kind::Prod).then_some(7),
        recovery_points: 0,
    }];
    if spec.kind == Kind::Staging {
        // Planted: no backup plan at all.
        return Backup {
            plans: Observed::Known(Vec::new()),
            vaults: Observed::Known(Vec::new()),
            opt_in: Observed::Known(opt_in(true)),
        };
    }
    // Planted: prod us-east-1 names EFS by service (`arn:aws:elasticfilesystem:*`), which
    // covers only opted-in types, and EFS is opted out there.
    let efs_by_service = spec.kind == Kind::Prod && region == "us-east-1";
    let efs =
        if efs_by_service { "arn:aws:elasticfilesystem:*" } else { "arn:aws:elasticfilesystem:*:*:file-system/*" };
    let selections = vec![BackupSelection {
        id: format!("{}-stateful", &plan_id(acct, region)[..8]),
        name: "stateful-by-type".into(),
        iam_role_arn: format!("arn:aws:iam::{acct}:role/service-role/AWSBackupDefaultServiceRole"),
        resources: vec!["arn:aws:rds:*:*:db:*".into(), "arn:aws:ec2:*:*:volume/*".into(), efs.into()],
        not_resources: Vec::new(),
        list_of_tags: Vec::new(),
        conditions: Vec::new(),
    }];
    let id = plan_id(acct, region);
    let plan = BackupPlan {
        arn: format!("arn:aws:backup:{region}:{acct}:backup-plan:{id}"),
        id,
        name: format!("northwind-{label}-daily"),
        rules: Observed::Known(vec![BackupRule {
            name: "daily-35d".into(),
            vault,
            schedule: Some("cron(0 3 ? * * *)".into()),
            delete_after_days: Some(35),
            continuous: false,
        }]),
        selections: Observed::Known(selections),
    };
    Backup {
        plans: Observed::Known(vec![plan]),
        vaults: Observed::Known(vaults),
        opt_in: Observed::Known(opt_in(!efs_by_service)),
    }
}
