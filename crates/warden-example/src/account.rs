//! One account: contacts, password policy, IAM, S3 and every region in use.

use crate::{Ctx, Kind, Spec, apps, backup, ec2, edge, frontends, iam, kms, monitoring, s3, storage, trail};
use warden_model::Observed;
use warden_model::inventory::{Account, Contact, Contacts, PasswordPolicy, Region};

fn contact(name: &str, email: &str, title: &str) -> Contact {
    Contact { name: name.into(), email: email.into(), phone: "+1-555-0142".into(), title: title.into() }
}

fn contacts(spec: &Spec) -> Contacts {
    Contacts {
        primary: Some(contact("Northwind Robotics, Inc.", "aws-root+{}@northwind.example", "Cloud Platform")),
        // Planted: the management account has no security contact.
        security: (spec.kind != Kind::Management)
            .then(|| contact("Northwind Security Operations", "security@northwind.example", "Head of Security")),
        billing: Some(contact("Accounts Payable", "ap@northwind.example", "Finance")),
        operations: Some(contact("Platform On-call", "oncall@northwind.example", "SRE")),
    }
    .with_account(&spec.id)
}

trait WithAccount {
    fn with_account(self, id: &str) -> Self;
}

impl WithAccount for Contacts {
    fn with_account(mut self, id: &str) -> Self {
        if let Some(p) = &mut self.primary {
            p.email = p.email.replace("{}", id);
        }
        self
    }
}

fn password_policy(kind: Kind) -> Option<PasswordPolicy> {
    match kind {
        // Planted: no password policy at all.
        Kind::Management => None,
        // Planted: 8 characters, reuse allowed.
        Kind::Staging => Some(PasswordPolicy {
            minimum_password_length: 8,
            require_symbols: false,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            allow_users_to_change_password: true,
            expire_passwords: false,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        }),
        _ => Some(PasswordPolicy {
            minimum_password_length: 14,
            require_symbols: true,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            allow_users_to_change_password: true,
            expire_passwords: false,
            max_password_age: None,
            password_reuse_prevention: Some(24),
            hard_expiry: false,
        }),
    }
}

pub(crate) fn build(ctx: &Ctx, spec: &Spec) -> Account {
    let iam = iam::build(ctx, spec);
    let profiles: Vec<String> = iam
        .iam
        .roles
        .known()
        .map(|roles| roles.iter().flat_map(|r| r.instance_profiles.iter().cloned()).collect())
        .unwrap_or_default();
    let index = ctx.specs.iter().position(|s| s.id == spec.id).unwrap_or(0);
    let regions = spec
        .regions
        .iter()
        .map(|r| {
            let m = monitoring::build(spec, r);
            let (mut rds, efs) = storage::build(spec, r);
            let mut ec2 = ec2::build(ctx, spec, r, &profiles, index);
            let mut elb = frontends::elb(spec, r);
            edge::wire(ctx.seed, spec, r, &mut ec2, &mut rds, &mut elb);
            let (secretsmanager, acm) = storage::credentials(spec, r);
            let apps = apps::build(spec, r);
            Region {
                name: (*r).to_owned(),
                ec2,
                kms: kms::build(ctx, spec, r),
                cloudtrail: trail::build(ctx, spec, r),
                logs: m.logs,
                cloudwatch: m.cloudwatch,
                sns: m.sns,
                config: m.config,
                securityhub: m.securityhub,
                access_analyzer: m.access_analyzer,
                rds,
                efs,
                elb,
                macie: frontends::macie(spec),
                guardduty: frontends::guardduty(spec, r),
                secretsmanager,
                acm,
                backup: backup::build(spec, r),
                lambda: apps.lambda,
                sqs: apps.sqs,
                ecr: apps.ecr,
                dynamodb: apps.dynamodb,
            }
        })
        .collect();
    Account {
        id: spec.id.clone(),
        partition: "aws".into(),
        name: Some(spec.name.clone()),
        alias: Observed::Known(Some(spec.name.clone())),
        regions_in_use: spec.regions.iter().map(|r| (*r).to_owned()).collect(),
        contacts: Observed::Known(contacts(spec)),
        password_policy: Observed::Known(password_policy(spec.kind)),
        credential_report: Observed::Known(iam.credential_report),
        summary: Observed::Known(iam.summary),
        iam: iam.iam,
        s3: s3::build(ctx, spec),
        cloudfront: frontends::cloudfront(spec),
        regions,
    }
}
