//! IAM: people in teams, groups, roles of every kind, customer and AWS managed policies,
//! server certificates, and the credential report and account summary derived from them.

use crate::managed::{self as aws, Managed};
use crate::rng::Rng;
use crate::{Ctx, Kind, Spec, ago, ids, names};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use warden_model::Observed;
use warden_model::inventory::{
    AccessKey, AttachedPolicy, CredentialReportKey, CredentialReportRow, Group, Iam, InlinePolicy, KeyStatus, LastUsed,
    LoginProfile, ManagedPolicy, MfaDevice, MfaKind, OidcProvider, Role, SamlProvider, ServerCertificate, Tags, User,
    VirtualMfaDevice,
};

/// What the IAM part of an account produces.
pub(crate) struct IamOut {
    pub(crate) iam: Iam,
    pub(crate) credential_report: Vec<CredentialReportRow>,
    pub(crate) summary: BTreeMap<String, i64>,
}

/// Root user facts that the credential report and account summary show.
struct Root {
    mfa: bool,
    hardware_mfa: bool,
    active_key: bool,
}

struct B<'a> {
    ctx: &'a Ctx,
    spec: &'a Spec,
    rng: Rng,
    customer: Vec<ManagedPolicy>,
    users: Vec<User>,
    groups: Vec<Group>,
    roles: Vec<Role>,
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

impl B<'_> {
    fn acct(&self) -> &str {
        &self.spec.id
    }

    fn policy_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:policy/{name}", self.acct())
    }

    fn add_policy(&mut self, name: &str, document: Value) -> AttachedPolicy {
        let created = ago(self.rng.range(200, 1400), &mut self.rng);
        let updated = created + TimeDelta::days(self.rng.range(0, 150));
        let version = format!("v{}", self.rng.range(1, 6));
        let arn = self.policy_arn(name);
        self.customer.push(ManagedPolicy {
            name: name.to_owned(),
            arn: arn.clone(),
            path: "/".into(),
            aws_managed: false,
            default_version_id: version,
            document,
            other_versions: Vec::new(),
            attachment_count: 0,
            created: Some(created),
            updated: Some(updated.min(crate::collected_at())),
        });
        AttachedPolicy { name: name.to_owned(), arn }
    }

    fn aws(&self, name: &str) -> AttachedPolicy {
        AttachedPolicy { name: name.to_owned(), arn: aws::arn(name) }
    }

    fn group(&mut self, name: &str, attached: Vec<AttachedPolicy>, inline: Vec<InlinePolicy>) {
        self.groups.push(Group {
            name: name.to_owned(),
            arn: format!("arn:aws:iam::{}:group/{name}", self.acct()),
            path: "/".into(),
            attached_policies: attached,
            inline_policies: inline,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn role(
        &mut self,
        name: &str,
        path: &str,
        trust: Value,
        attached: Vec<AttachedPolicy>,
        inline: Vec<InlinePolicy>,
        instance_profile: bool,
        boundary: Option<String>,
    ) {
        let created = ago(self.rng.range(60, 1500), &mut self.rng);
        let used_days = self.rng.range(0, 20);
        let region = (*self.rng.pick(&self.spec.regions)).to_owned();
        // Break-glass style roles are kept ready but have never been assumed.
        let never_used = matches!(name, "incident-response" | "OrganizationAccountAccessRole");
        let last_used = (!never_used).then(|| LastUsed {
            date: ago(used_days, &mut self.rng),
            service: None,
            region: Some(region),
        });
        let instance_profiles = if instance_profile {
            vec![format!("arn:aws:iam::{}:instance-profile/{name}", self.acct())]
        } else {
            Vec::new()
        };
        self.roles.push(Role {
            name: name.to_owned(),
            arn: format!("arn:aws:iam::{}:role{path}{name}", self.acct()),
            path: path.to_owned(),
            created: Some(created),
            trust_policy: trust,
            attached_policies: attached,
            inline_policies: inline,
            permissions_boundary: boundary,
            last_used,
            instance_profiles,
            max_session_duration: Some(3600),
            tags: tags(&[("owner", "platform"), ("managed-by", "terraform")]),
        });
    }

    /// A well-kept human user: console password used recently, virtual MFA (hardware for
    /// ops), at most one access key, young and in use.
    fn human(&mut self, name: &str, team: &str) -> User {
        let r = &mut self.rng;
        let created = ago(r.range(120, 1600), r);
        let hardware = team == "ops" && r.chance(0.5);
        let mfa_enabled = ago(r.range(30, 900), r).max(created + TimeDelta::days(1));
        let serial = if hardware {
            format!("GAHT{}", r.range(10_000_000, 99_999_999))
        } else {
            format!("arn:aws:iam::{}:mfa/{name}", self.spec.id)
        };
        let mfa = MfaDevice {
            serial_number: serial,
            kind: if hardware { MfaKind::Hardware } else { MfaKind::Virtual },
            enabled: Some(mfa_enabled),
        };
        let wants_key = matches!(team, "engineering" | "data" | "ops") && r.chance(0.45);
        let keys = if wants_key { vec![fresh_key(r, &self.spec.regions)] } else { Vec::new() };
        let password_used = ago(r.range(0, 20), r);
        User {
            name: name.to_owned(),
            arn: format!("arn:aws:iam::{}:user/{name}", self.spec.id),
            id: format!("AIDA{}", r.upper(17)),
            path: "/".into(),
            created: Some(created),
            password_last_used: Some(password_used),
            groups: vec![team.to_owned()],
            attached_policies: Vec::new(),
            inline_policies: Vec::new(),
            permissions_boundary: None,
            tags: tags(&[("team", team), ("cost-center", cost_center(team))]),
            mfa_devices: Observed::Known(vec![mfa]),
            access_keys: Observed::Known(keys),
            login_profile: Observed::Known(Some(LoginProfile {
                created: Some(created + TimeDelta::hours(2)),
                password_reset_required: false,
            })),
        }
    }

    /// A machine user: no console password, no MFA, one young key in daily use.
    fn machine(&mut self, name: &str, attached: Vec<AttachedPolicy>) -> User {
        let r = &mut self.rng;
        let created = ago(r.range(300, 1500), r);
        let key = fresh_key(r, &self.spec.regions);
        User {
            name: name.to_owned(),
            arn: format!("arn:aws:iam::{}:user/system/{name}", self.spec.id),
            id: format!("AIDA{}", r.upper(17)),
            path: "/system/".into(),
            created: Some(created),
            password_last_used: None,
            groups: Vec::new(),
            attached_policies: attached,
            inline_policies: Vec::new(),
            permissions_boundary: None,
            tags: tags(&[("team", "platform"), ("kind", "machine")]),
            mfa_devices: Observed::Known(Vec::new()),
            access_keys: Observed::Known(vec![key]),
            login_profile: Observed::Known(None),
        }
    }
}

fn cost_center(team: &str) -> &'static str {
    match team {
        "engineering" => "cc-1100",
        "data" => "cc-1200",
        "finance" => "cc-2100",
        "support" => "cc-3100",
        _ => "cc-1300",
    }
}

fn fresh_key(r: &mut Rng, regions: &[&'static str]) -> AccessKey {
    let created = ago(r.range(3, 80), r);
    let used = ago(r.range(0, 2), r).max(created);
    AccessKey {
        id: format!("AKIA{}", r.upper(16)),
        status: KeyStatus::Active,
        created: Some(created),
        last_used: Observed::Known(Some(LastUsed {
            date: used,
            service: Some((*r.pick(&["s3", "ecr", "ecs", "sts", "cloudwatch", "ssm"])).to_owned()),
            region: Some((*r.pick(regions)).to_owned()),
        })),
    }
}

fn inline(name: &str, document: Value) -> InlinePolicy {
    InlinePolicy { name: name.to_owned(), document }
}

/// Deny everything but managing one's own MFA until the session is MFA-authenticated.
fn require_mfa() -> Value {
    doc(json!([{
        "Sid": "DenyAllExceptMfaSetupWithoutMfa",
        "Effect": "Deny",
        "NotAction": [
            "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
            "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "iam:ChangePassword", "sts:GetSessionToken"
        ],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    }]))
}

fn self_manage_credentials() -> Value {
    doc(json!([{
        "Sid": "ManageOwnCredentials",
        "Effect": "Allow",
        "Action": [
            "iam:ChangePassword", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
            "iam:UpdateAccessKey", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
            "iam:ResyncMFADevice", "iam:DeactivateMFADevice"
        ],
        "Resource": ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/${aws:username}"]
    }]))
}

fn trust_service(service: &str, account: &str) -> Value {
    doc(json!([{
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}
    }]))
}

fn trust_ec2() -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]))
}

fn trust_saml(account: &str) -> Value {
    doc(json!([{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{account}:saml-provider/NorthwindOkta")},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    }]))
}

fn trust_account_role(account: &str, role: &str, require_mfa: bool) -> Value {
    let mut st = json!({
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:role/{role}")},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids::ORG}}
    });
    if require_mfa {
        st["Condition"]["Bool"] = json!({"aws:MultiFactorAuthPresent": "true"});
    }
    doc(json!([st]))
}

fn trust_account_root(account: &str) -> Value {
    doc(json!([{
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "sts:AssumeRole"
    }]))
}

fn app_policy(svc: &str, label: &str, account: &str, region: &str) -> Value {
    doc(json!([
        {
            "Sid": "AppBucket",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!("arn:aws:s3:::northwind-{label}-app-uploads/{svc}/*")
        },
        {
            "Sid": "Queue",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SendMessage", "sqs:GetQueueAttributes"],
            "Resource": format!("arn:aws:sqs:{region}:{account}:{svc}-*")
        },
        {
            "Sid": "Table",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            "Resource": format!("arn:aws:dynamodb:{region}:{account}:table/{svc}")
        },
        {
            "Sid": "Secrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": format!("arn:aws:secretsmanager:{region}:{account}:secret:{svc}/*")
        },
        {
            "Sid": "DecryptWithAppKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": [format!("s3.{region}.amazonaws.com"), format!("sqs.{region}.amazonaws.com")]}}
        }
    ]))
}

fn full_admin() -> Value {
    doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
}

/// Team policies shared by every account that has the team.
fn team_policies(b: &mut B<'_>) -> BTreeMap<&'static str, Vec<AttachedPolicy>> {
    let label = b.spec.label();
    let acct = b.acct().to_owned();
    let mut m = BTreeMap::new();
    let eng = b.add_policy(
        "NorthwindEngineeringAccess",
        doc(json!([
            {
                "Sid": "Observe",
                "Effect": "Allow",
                "Action": ["logs:FilterLogEvents", "logs:GetLogEvents", "cloudwatch:GetMetricData", "ecs:Describe*", "ecs:List*", "xray:Get*"],
                "Resource": "*"
            },
            {
                "Sid": "SessionsToTaggedHosts",
                "Effect": "Allow",
                "Action": "ssm:StartSession",
                "Resource": format!("arn:aws:ec2:*:{acct}:instance/*"),
                "Condition": {"StringEquals": {"ssm:resourceTag/team": "engineering"}}
            }
        ])),
    );
    m.insert("engineering", vec![eng, b.aws(aws::READ_ONLY)]);
    let data = b.add_policy(
        "NorthwindDataLakeAccess",
        doc(json!([
            {
                "Sid": "Lake",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": [
                    format!("arn:aws:s3:::northwind-{label}-data-lake-*"),
                    format!("arn:aws:s3:::northwind-{label}-data-lake-*/*")
                ]
            },
            {
                "Sid": "Query",
                "Effect": "Allow",
                "Action": ["athena:StartQueryExecution", "athena:GetQueryResults", "athena:GetQueryExecution", "glue:GetTable", "glue:GetTables", "glue:GetDatabase*", "glue:GetPartitions"],
                "Resource": "*"
            }
        ])),
    );
    m.insert("data", vec![data, b.aws(aws::S3_READ_ONLY)]);
    let cost = b.add_policy(
        "NorthwindCostExplorerAccess",
        doc(json!([{"Effect": "Allow", "Action": ["ce:Get*", "ce:Describe*", "budgets:View*", "cur:DescribeReportDefinitions"], "Resource": "*"}])),
    );
    m.insert("finance", vec![cost, b.aws(aws::BILLING_READ_ONLY)]);
    let support_attached = if b.spec.kind == Kind::Staging {
        // Staging's support staff get EC2 read-only only: nobody there has AWSSupportAccess.
        vec![b.aws(aws::EC2_READ_ONLY), b.aws(aws::CHANGE_PASSWORD)]
    } else {
        vec![b.aws(aws::SUPPORT), b.aws(aws::EC2_READ_ONLY)]
    };
    m.insert("support", support_attached);
    let ops = b.add_policy(
        "NorthwindOpsIamGuardrail",
        doc(json!([
            {"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:GenerateCredentialReport"], "Resource": "*"},
            {
                "Sid": "NoIdentityChanges",
                "Effect": "Deny",
                "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateLoginProfile", "iam:UpdateAssumeRolePolicy"],
                "Resource": "*"
            }
        ])),
    );
    m.insert("ops", vec![b.aws(aws::POWER_USER), ops]);
    m
}

/// Ordinary customer policies: one per application service, plus a few shared ones.
fn service_policies(b: &mut B<'_>, count: usize) -> Vec<(String, AttachedPolicy)> {
    let label = b.spec.label();
    let acct = b.acct().to_owned();
    let mut out = Vec::new();
    for i in 0..count {
        let svc = names::service(i);
        let region = b.spec.regions[i % b.spec.regions.len()];
        let name = format!("{svc}-app-access");
        let p = b.add_policy(&name, app_policy(&svc, &label, &acct, region));
        out.push((svc, p));
    }
    out
}

pub(crate) fn build(ctx: &Ctx, spec: &Spec) -> IamOut {
    let mut b = B {
        ctx,
        spec,
        rng: Rng::derive(ctx.seed, &format!("iam/{}", spec.id)),
        customer: Vec::new(),
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
    };
    let plan = ctx.plan;
    let acct = spec.id.clone();

    // Shared customer policies.
    let self_manage = b.add_policy("SelfManageCredentials", self_manage_credentials());
    let boundary = b.add_policy(
        "NorthwindDeveloperBoundary",
        doc(json!([
            {"Sid": "Workloads", "Effect": "Allow", "Action": ["s3:*", "sqs:*", "dynamodb:*", "logs:*", "cloudwatch:*", "ecs:*", "lambda:*", "ec2:Describe*", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
            {"Sid": "NoIamWrites", "Effect": "Deny", "Action": ["iam:Create*", "iam:Put*", "iam:Attach*", "iam:Update*", "iam:Delete*"], "Resource": "*"}
        ])),
    );

    // Groups per team, with a shared inline MFA guard.
    let team_pols = team_policies(&mut b);
    let (humans, machines) = match spec.kind {
        Kind::Management => (plan.n(90, 4), 1),
        Kind::Prod => (plan.n(22, 3), 3),
        Kind::Staging => (plan.n(16, 3), 1),
        Kind::Security => (plan.n(6, 2), 1),
        Kind::Workload(_) => (plan.n(6, 1), 1),
    };
    for (team, attached) in &team_pols {
        let mut attached = attached.clone();
        attached.push(self_manage.clone());
        b.group(team, attached, vec![inline("require-mfa", require_mfa())]);
    }

    // People: unique firstname.lastname, teams by weight.
    let mut taken: BTreeSet<String> = PLANTED_NAMES.iter().map(|s| (*s).to_owned()).collect();
    let mut people = Vec::new();
    while people.len() < humans {
        let name = format!("{}.{}", b.rng.pick(names::FIRST), b.rng.pick(names::LAST));
        let name = if taken.contains(&name) { format!("{name}{}", b.rng.range(2, 99)) } else { name };
        if taken.insert(name.clone()) {
            let team = names::team(&mut b.rng);
            people.push((name, team));
        }
    }
    for (name, team) in &people {
        let u = b.human(name, team);
        b.users.push(u);
    }

    // Application services: a policy each, and a role per compute kind.
    let services = match spec.kind {
        Kind::Management => plan.n(3, 1),
        Kind::Prod => plan.n(10, 2),
        Kind::Staging => plan.n(6, 2),
        Kind::Security => plan.n(4, 1),
        Kind::Workload(_) => plan.n(5, 1),
    };
    let svc_pols = service_policies(&mut b, services);
    for (i, (svc, pol)) in svc_pols.iter().enumerate() {
        let ssm = b.aws(aws::SSM_CORE);
        match i % 3 {
            0 => b.role(&format!("{svc}-ec2"), "/service/", trust_ec2(), vec![pol.clone(), ssm], vec![], true, None),
            1 => b.role(
                &format!("{svc}-lambda"),
                "/service/",
                trust_service("lambda.amazonaws.com", &acct),
                vec![pol.clone(), b.aws(aws::LAMBDA_BASIC)],
                vec![],
                false,
                None,
            ),
            _ => b.role(
                &format!("{svc}-ecs-task"),
                "/service/",
                trust_service("ecs-tasks.amazonaws.com", &acct),
                vec![pol.clone()],
                vec![],
                false,
                Some(boundary.arn.clone()),
            ),
        }
    }
    // Every account runs at least one EC2 fleet, so there is always an instance profile.
    if !svc_pols.iter().enumerate().any(|(i, _)| i % 3 == 0) || svc_pols.is_empty() {
        let ssm = b.aws(aws::SSM_CORE);
        b.role("fleet-ec2", "/service/", trust_ec2(), vec![ssm], vec![], true, None);
    }
    b.role(
        "ecsTaskExecutionRole",
        "/service/",
        trust_service("ecs-tasks.amazonaws.com", &acct),
        vec![b.aws(aws::ECS_TASK_EXEC)],
        vec![],
        false,
        None,
    );

    // Federated access through the corporate IdP.
    let admin = b.aws(aws::ADMIN);
    b.role("sso-admin", "/federated/", trust_saml(&acct), vec![admin], vec![], false, None);
    let power = b.aws(aws::POWER_USER);
    b.role("sso-developer", "/federated/", trust_saml(&acct), vec![power], vec![], false, Some(boundary.arn.clone()));
    let ro = b.aws(aws::READ_ONLY);
    b.role("sso-readonly", "/federated/", trust_saml(&acct), vec![ro], vec![], false, None);
    if spec.kind != Kind::Staging {
        let support = b.aws(aws::SUPPORT);
        b.role("support-access", "/federated/", trust_saml(&acct), vec![support], vec![], false, None);
    }

    // Cross-account access from management and from the security account.
    if spec.kind != Kind::Management && spec.in_org() {
        let admin = b.aws(aws::ADMIN);
        b.role(
            "OrganizationAccountAccessRole",
            "/",
            trust_account_root(ids::MANAGEMENT),
            vec![admin],
            vec![],
            false,
            None,
        );
    }
    if spec.kind != Kind::Security {
        let audit = b.aws(aws::SECURITY_AUDIT);
        b.role(
            "security-audit",
            "/security/",
            trust_account_role(ids::SECURITY, "warden-scanner", false),
            vec![audit],
            vec![],
            false,
            None,
        );
        let ro = b.aws(aws::READ_ONLY);
        b.role(
            "incident-response",
            "/security/",
            trust_account_role(ids::SECURITY, "incident-responder", true),
            vec![ro],
            vec![inline(
                "contain",
                doc(json!([{
                    "Sid": "Contain",
                    "Effect": "Allow",
                    "Action": ["ec2:ModifyInstanceAttribute", "ec2:CreateSnapshot", "ec2:CreateTags", "iam:UpdateAccessKey", "iam:DeleteLoginProfile"],
                    "Resource": "*"
                }])),
            )],
            false,
            None,
        );
    } else {
        let audit = b.aws(aws::SECURITY_AUDIT);
        b.role("warden-scanner", "/security/", trust_ec2(), vec![audit], vec![], true, None);
        b.role(
            "incident-responder",
            "/security/",
            trust_saml(&acct),
            vec![b.aws(aws::READ_ONLY)],
            vec![inline(
                "assume-member-roles",
                doc(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/security/incident-response"}])),
            )],
            false,
            None,
        );
    }

    // Service-linked roles (their AWS-owned policies are not carried).
    let mut slrs = vec![
        ("support.amazonaws.com", "AWSServiceRoleForSupport"),
        ("trustedadvisor.amazonaws.com", "AWSServiceRoleForTrustedAdvisor"),
    ];
    match spec.kind {
        Kind::Management => slrs.push(("organizations.amazonaws.com", "AWSServiceRoleForOrganizations")),
        Kind::Security => slrs.push(("guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty")),
        _ => {
            slrs.push(("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"));
            slrs.push(("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"));
            slrs.push(("ecs.amazonaws.com", "AWSServiceRoleForECS"));
        }
    }
    for (svc, name) in slrs {
        let trust = doc(json!([{"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}]));
        b.role(name, &format!("/aws-service-role/{svc}/"), trust, vec![], vec![], false, None);
    }

    // Machine users with least-privilege policies attached directly (that is how most
    // CI integrations are set up, and CIS 2.13 flags it; the planted list names them).
    let deploy = b.add_policy(
        "DeployPipeline",
        doc(json!([
            {"Sid": "PushImages", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"], "Resource": "*"},
            {"Sid": "Deploy", "Effect": "Allow", "Action": ["ecs:UpdateService", "ecs:RegisterTaskDefinition", "ecs:DescribeServices"], "Resource": "*"},
            {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{acct}:role/service/*"), "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
        ])),
    );
    if machines >= 1 {
        let u = b.machine("ci-deploy", vec![deploy]);
        b.users.push(u);
    }

    // Prod deploys from CI through OIDC federation, scoped to one repository and branch.
    if spec.kind == Kind::Prod {
        let provider = format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com");
        let trust = doc(json!([{
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:northwind-robotics/fleet-platform:ref:refs/heads/main"
                }
            }
        }]));
        let deploy = b
            .customer
            .iter()
            .find(|p| p.name == "DeployPipeline")
            .map(|p| AttachedPolicy { name: p.name.clone(), arn: p.arn.clone() });
        b.role("github-deploy", "/ci/", trust, deploy.into_iter().collect(), vec![], false, None);
    }

    plant(&mut b);
    finish(b)
}

/// Users the planted weaknesses name, kept out of the random people.
const PLANTED_NAMES: &[&str] = &[
    "priya.natarajan",
    "tom.becker",
    "svc-backup-legacy",
    "jenkins-legacy",
    "lena.fischer",
    "svc-partner-sftp",
    "alex.kim",
    "sam.oconnor",
    "contractor-qa",
    "staging-ci",
    "old.intern",
    "break-glass",
];

/// The planted IAM weaknesses; the table in `examples/README.md` lists each.
fn plant(b: &mut B<'_>) {
    let regions = b.spec.regions.clone();
    match b.spec.kind {
        Kind::Management => {
            // Console password, no MFA.
            let mut u = b.human("priya.natarajan", "finance");
            u.mfa_devices = Observed::Known(Vec::new());
            b.users.push(u);
            // An access key 400 days old, still in use.
            let mut u = b.human("tom.becker", "ops");
            let mut k = fresh_key(&mut b.rng, &regions);
            k.created = Some(ago(400, &mut b.rng));
            u.access_keys = Observed::Known(vec![k]);
            b.users.push(u);
            // A machine user whose key has not been used for 200 days.
            let mut u = b.machine("svc-backup-legacy", vec![b.aws(aws::S3_READ_ONLY)]);
            if let Observed::Known(keys) = &mut u.access_keys {
                for k in keys.iter_mut() {
                    k.created = Some(ago(70, &mut b.rng));
                    k.last_used = Observed::Known(Some(LastUsed {
                        date: ago(200, &mut b.rng),
                        service: Some("s3".into()),
                        region: Some("us-east-1".into()),
                    }));
                }
            }
            // Created 70 days ago: rotation passes, but unused ≥ 45 days fails.
            b.users.push(u);
        }
        Kind::Prod => {
            // A customer policy granting everything, attached directly to a user.
            let full = b.add_policy("LegacyFullAccess", full_admin());
            let u = b.machine("jenkins-legacy", vec![full]);
            b.users.push(u);
            // Console password, no MFA, password not used for 120 days.
            let mut u = b.human("lena.fischer", "data");
            u.mfa_devices = Observed::Known(Vec::new());
            u.password_last_used = Some(ago(120, &mut b.rng));
            b.users.push(u);
            // Two keys; the second one is 210 days old and was never used.
            let bucket_pol = b.add_policy(
                "PartnerExchangeUpload",
                doc(json!([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::northwind-prod-partner-exchange", "arn:aws:s3:::northwind-prod-partner-exchange/*"]}])),
            );
            let mut u = b.machine("svc-partner-sftp", vec![bucket_pol]);
            if let Observed::Known(keys) = &mut u.access_keys {
                keys.push(AccessKey {
                    id: format!("AKIA{}", b.rng.upper(16)),
                    status: KeyStatus::Active,
                    created: Some(ago(210, &mut b.rng)),
                    last_used: Observed::Known(None),
                });
            }
            b.users.push(u);
            // Break-glass: hardware MFA, no keys, used once a year. Correct, for contrast.
            let mut u = b.human("break-glass", "ops");
            u.groups = vec!["ops".into()];
            u.mfa_devices = Observed::Known(vec![MfaDevice {
                serial_number: "GAHT40022187".into(),
                kind: MfaKind::Hardware,
                enabled: Some(ago(300, &mut b.rng)),
            }]);
            u.access_keys = Observed::Known(Vec::new());
            u.password_last_used = Some(ago(20, &mut b.rng));
            b.users.push(u);
        }
        Kind::Staging => {
            // An inline policy granting everything.
            let mut u = b.human("alex.kim", "engineering");
            u.inline_policies.push(inline("admin-everything", full_admin()));
            b.users.push(u);
            for (name, team) in [("sam.oconnor", "support"), ("contractor-qa", "engineering")] {
                let mut u = b.human(name, team);
                u.mfa_devices = Observed::Known(Vec::new());
                b.users.push(u);
            }
            // A CI key 210 days old, in daily use in us-east-1, where the role-less legacy
            // bastion runs (the key is probably stored on it).
            let mut u = b.machine("staging-ci", vec![b.aws(aws::POWER_USER)]);
            if let Observed::Known(keys) = &mut u.access_keys {
                for k in keys.iter_mut() {
                    k.created = Some(ago(210, &mut b.rng));
                    if let Observed::Known(Some(used)) = &mut k.last_used {
                        used.region = Some("us-east-1".into());
                    }
                }
            }
            b.users.push(u);
            // Left a year ago; the password still works.
            let mut u = b.human("old.intern", "data");
            u.password_last_used = Some(ago(300, &mut b.rng));
            u.created = Some(ago(420, &mut b.rng));
            b.users.push(u);
        }
        Kind::Security | Kind::Workload(_) => {}
    }
    // A little realistic drift in scaled workload accounts; the core accounts stay exact.
    if let Kind::Workload(_) = b.spec.kind {
        let n = b.users.len();
        for i in 0..n {
            if b.rng.chance(0.04)
                && let Some(u) = b.users.get_mut(i)
                && u.login_profile.known().is_some_and(Option::is_some)
            {
                u.mfa_devices = Observed::Known(Vec::new());
            }
        }
    }
}

fn finish(mut b: B<'_>) -> IamOut {
    let acct = b.acct().to_owned();
    let managed: &[Managed] = &b.ctx.managed;

    // Attachment counts, then AWS managed policies only where attached.
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut bump = |list: &[AttachedPolicy]| {
        for p in list {
            *counts.entry(p.arn.clone()).or_default() += 1;
        }
    };
    b.users.iter().for_each(|u| bump(&u.attached_policies));
    b.groups.iter().for_each(|g| bump(&g.attached_policies));
    b.roles.iter().for_each(|r| bump(&r.attached_policies));
    for p in &mut b.customer {
        p.attachment_count = counts.get(&p.arn).copied().unwrap_or(0);
    }
    let mut policies = b.customer;
    for m in managed {
        if let Some(&n) = counts.get(&m.arn) {
            policies.push(ManagedPolicy {
                name: m.name.clone(),
                arn: m.arn.clone(),
                path: m.path(),
                aws_managed: true,
                default_version_id: m.version.clone(),
                document: m.document.clone(),
                other_versions: Vec::new(),
                attachment_count: n,
                created: None,
                updated: None,
            });
        }
    }

    let root = match b.spec.kind {
        Kind::Management => Root { mfa: true, hardware_mfa: true, active_key: true },
        Kind::Staging => Root { mfa: false, hardware_mfa: false, active_key: false },
        // Planted (CIS 2.6): the security account's root MFA is an authenticator app.
        Kind::Security => Root { mfa: true, hardware_mfa: false, active_key: false },
        _ => Root { mfa: true, hardware_mfa: true, active_key: false },
    };
    let report = credential_report(&mut b.rng, &acct, &root, &b.users);

    let server_certificates = if b.spec.kind == Kind::Prod {
        vec![
            ServerCertificate {
                name: "api-northwind-2025".into(),
                arn: format!("arn:aws:iam::{acct}:server-certificate/api-northwind-2025"),
                expiration: Some(date(2026, 3, 14)),
                uploaded: Some(date(2025, 3, 10)),
            },
            ServerCertificate {
                name: "api-northwind-2026".into(),
                arn: format!("arn:aws:iam::{acct}:server-certificate/api-northwind-2026"),
                expiration: Some(date(2027, 3, 12)),
                uploaded: Some(date(2026, 3, 2)),
            },
        ]
    } else {
        Vec::new()
    };
    let oidc = if b.spec.kind == Kind::Prod {
        vec![OidcProvider {
            arn: format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"),
            url: "https://token.actions.githubusercontent.com".into(),
            client_ids: vec!["sts.amazonaws.com".into()],
        }]
    } else {
        Vec::new()
    };
    let saml = vec![SamlProvider {
        arn: format!("arn:aws:iam::{acct}:saml-provider/NorthwindOkta"),
        valid_until: Some(date(2036, 1, 15)),
    }];

    let mfa_devices: usize = b.users.iter().map(|u| u.mfa_devices.known().map_or(0, Vec::len)).sum();
    let instance_profiles = b.roles.iter().map(|r| r.instance_profiles.len()).sum::<usize>();
    let mut summary = BTreeMap::new();
    let mut put = |k: &str, v: usize| {
        summary.insert(k.to_owned(), i64::try_from(v).unwrap_or(i64::MAX));
    };
    put("AccountMFAEnabled", usize::from(root.mfa));
    put("AccountAccessKeysPresent", usize::from(root.active_key));
    put("AccountSigningCertificatesPresent", 0);
    put("Users", b.users.len());
    put("UsersQuota", 5000);
    put("Groups", b.groups.len());
    put("GroupsQuota", 300);
    put("Roles", b.roles.len());
    put("RolesQuota", 1000);
    put("Policies", policies.iter().filter(|p| !p.aws_managed).count());
    put("PoliciesQuota", 1500);
    put("AttachedPoliciesPerUserQuota", 10);
    put("MFADevices", mfa_devices + usize::from(root.mfa && !root.hardware_mfa));
    put("MFADevicesInUse", mfa_devices + usize::from(root.mfa));
    put("ServerCertificates", server_certificates.len());
    put("ServerCertificatesQuota", 20);
    put("InstanceProfiles", instance_profiles);
    put("Providers", saml.len() + oidc.len());

    let mut virtual_mfa_devices: Vec<VirtualMfaDevice> = b
        .users
        .iter()
        .flat_map(|u| {
            let devices = u.mfa_devices.known().map(Vec::as_slice).unwrap_or_default();
            devices
                .iter()
                .filter(|d| d.kind == MfaKind::Virtual)
                .map(|d| VirtualMfaDevice { serial_number: d.serial_number.clone(), user_arn: Some(u.arn.clone()) })
        })
        .collect();
    if root.mfa && !root.hardware_mfa {
        virtual_mfa_devices.push(VirtualMfaDevice {
            serial_number: format!("arn:aws:iam::{acct}:mfa/root-account-mfa-device"),
            user_arn: Some(format!("arn:aws:iam::{acct}:root")),
        });
    }

    IamOut {
        iam: Iam {
            users: Observed::Known(b.users),
            groups: Observed::Known(b.groups),
            roles: Observed::Known(b.roles),
            policies: Observed::Known(policies),
            saml_providers: Observed::Known(saml),
            oidc_providers: Observed::Known(oidc),
            server_certificates: Observed::Known(server_certificates),
            virtual_mfa_devices: Observed::Known(virtual_mfa_devices),
        },
        credential_report: report,
        summary,
    }
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map_or_else(crate::collected_at, |n| n.and_utc())
}

/// The credential report, consistent with the users' passwords, MFA and keys.
fn credential_report(rng: &mut Rng, acct: &str, root: &Root, users: &[User]) -> Vec<CredentialReportRow> {
    let created = date(2019, 4, 2);
    let mut rows = vec![CredentialReportRow {
        user: CredentialReportRow::ROOT.into(),
        arn: format!("arn:aws:iam::{acct}:root"),
        user_creation_time: Some(created),
        password_enabled: true,
        password_last_used: Some(ago(rng.range(150, 400), rng)),
        password_last_changed: Some(date(2019, 4, 2)),
        mfa_active: root.mfa,
        access_key_1: if root.active_key {
            CredentialReportKey {
                active: true,
                last_rotated: Some(date(2019, 4, 3)),
                last_used_date: Some(ago(12, rng)),
                last_used_region: Some("us-east-1".into()),
                last_used_service: Some("s3".into()),
            }
        } else {
            CredentialReportKey::default()
        },
        access_key_2: CredentialReportKey::default(),
        cert_1_active: false,
        cert_2_active: false,
    }];
    for u in users {
        let login = u.login_profile.known().and_then(Option::as_ref);
        let keys = u.access_keys.known().map(Vec::as_slice).unwrap_or_default();
        let key = |i: usize| {
            keys.get(i).map_or_else(CredentialReportKey::default, |k| {
                let used = k.last_used.known().and_then(Option::as_ref);
                CredentialReportKey {
                    active: k.status == KeyStatus::Active,
                    last_rotated: k.created,
                    last_used_date: used.map(|l| l.date),
                    last_used_region: used.and_then(|l| l.region.clone()),
                    last_used_service: used.and_then(|l| l.service.clone()),
                }
            })
        };
        rows.push(CredentialReportRow {
            user: u.name.clone(),
            arn: u.arn.clone(),
            user_creation_time: u.created,
            password_enabled: login.is_some(),
            password_last_used: if login.is_some() { u.password_last_used } else { None },
            password_last_changed: login.and_then(|l| l.created),
            mfa_active: u.mfa_devices.known().is_some_and(|d| !d.is_empty()),
            access_key_1: key(0),
            access_key_2: key(1),
            cert_1_active: false,
            cert_2_active: false,
        });
    }
    rows
}
