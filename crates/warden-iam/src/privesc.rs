//! Privilege escalation: which principals can make themselves administrators, and how.
//!
//! The graph's nodes are the account's users and roles (groups count through their
//! members) plus "admin". An edge exists when the [`Authorizer`] allows the source
//! *every* action one technique needs on a concrete target — conditions, resource
//! constraints, explicit denies, permissions boundaries and SCPs all count, because the
//! engine decides each step, never a pattern match on action names. Each step keeps the
//! statements that allowed it.
//!
//! Techniques come in three families (see [`TECHNIQUES`] and `docs/iam-paths.md`):
//! - *become* another principal T: assume T, rewrite T's trust then assume it, mint T's
//!   access key or console password, pass T to new compute (the role must trust the
//!   service), or take over an existing EC2 instance whose profile holds T;
//! - *grant* T administrator rights by editing T's policies (a policy version, an
//!   attached or inline policy, a group's policy, group membership): an edge to admin
//!   when T is the source or a principal the source can become in one step, and when T
//!   would then be admin — its boundary and the SCPs still apply, asked of the engine
//!   with the new policy in place ([`WhatIf`]);
//! - *create* a new role with an admin policy and assume it.
//!
//! "Admin" means allowed every action of [`ADMIN_PROBES`] on `*`. Shortest paths are
//! found layer by layer back from the admins, so each principal is only tested against
//! targets that lead somewhere; a cheap screen (does any identity `Allow` statement match
//! the action at all, by the engine's action matcher) skips principals that cannot hold a
//! technique's permissions before any concrete target is evaluated.
//!
//! Requests are made as the principal would make them: over TLS, with MFA unless the
//! user is known to have no MFA device, at `now`, with role sessions issued `now` (so
//! `aws:TokenIssueTime` conditions on old sessions never hold). Names of new resources
//! (roles, functions, stacks) are the attacker's choice: the engine is asked about a
//! default name and about names fitting each resource pattern the principal is allowed.

use crate::authorizer::{Authorizer, PolicyProblem, PrincipalType, WhatIf, parse_document};
use crate::context::{Context, ContextValue};
use crate::eval::{PolicyRef, Reason, Request};
use crate::policy::{Effect, Policy, PrincipalKind, PrincipalSpec};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use warden_model::inventory::{Account, Inventory, OrgPolicyKind};

/// Actions that together mean "administrator": control of identities, of what runs, of
/// data and keys, and of the audit trail. A principal allowed all of them on every
/// resource is admin-equivalent, however its policies are written.
pub const ADMIN_PROBES: &[&str] = &[
    "iam:CreateUser",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PassRole",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "kms:ScheduleKeyDeletion",
    "cloudtrail:StopLogging",
];

/// Name given to resources the attacker creates when no allowed pattern suggests one.
const PROBE_NAME: &str = "warden-escalation-probe";
/// The AWS-managed policy an attacker attaches (`iam:PolicyARN` in the request).
const ADMIN_POLICY: &str = "iam::aws:policy/AdministratorAccess";

/// Where a step's resource comes from.
#[derive(Debug, Clone, Copy)]
enum Res {
    /// `*`: the action has no resource type.
    Star,
    /// The concrete target (role, user, group, policy, instance).
    Target,
    /// A resource the attacker creates and names (`{n}`), from this template.
    New(&'static str),
    /// A resource the attacker creates, of another type than the technique's main one.
    Fixed(&'static str),
    /// The SSM document run by `SendCommand`.
    Document,
}

/// Extra request context a step carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    None,
    /// `iam:PolicyARN` = AdministratorAccess.
    AdminPolicy,
}

#[derive(Debug, Clone, Copy)]
struct StepSpec {
    action: &'static str,
    res: Res,
    ctx: Ctx,
}

const fn s(action: &'static str, res: Res) -> StepSpec {
    StepSpec { action, res, ctx: Ctx::None }
}

const fn sc(action: &'static str, res: Res, ctx: Ctx) -> StepSpec {
    StepSpec { action, res, ctx }
}

/// How a technique's target is found and what reaching it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// A customer-managed policy attached to T; T gains admin.
    PolicyVersion,
    /// A non-default version of a policy attached to T; T gains that version.
    DefaultVersion,
    /// T (a user) itself; T gains admin.
    UserPolicy,
    /// A group T belongs to; T gains admin.
    GroupPolicy,
    /// T (a role) itself; T gains admin.
    RolePolicy,
    /// A group T (a user) joins; T gains the group's policies.
    JoinGroup,
    /// A new role; it is admin unless SCPs say otherwise.
    CreateRole,
    /// The source assumes role T.
    AssumeRole,
    /// The source rewrites T's trust policy, then assumes T.
    RewriteTrust,
    /// The source obtains user T's credentials.
    UserCredentials { login_profile: Option<bool> },
    /// The source passes role T to new compute of `service`; `instance_profile` when the
    /// role travels in an instance profile.
    PassRole { service: &'static str, instance_profile: bool },
    /// The source runs code on an existing EC2 instance whose profile holds role T.
    Instance { pass_role: bool },
}

/// One escalation technique: what it needs (every group; one step of each group).
#[derive(Debug)]
pub struct Technique {
    pub id: &'static str,
    pub summary: &'static str,
    family: Family,
    groups: &'static [&'static [StepSpec]],
}

impl Technique {
    /// The permissions it needs, e.g. `iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction`
    /// (alternatives joined by `|`).
    pub fn permissions(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if matches!(self.family, Family::PassRole { .. } | Family::Instance { pass_role: true }) {
            parts.push("iam:PassRole".into());
        }
        if matches!(self.family, Family::RewriteTrust) {
            parts.push("iam:UpdateAssumeRolePolicy".into());
        }
        for g in self.groups {
            let mut alts: Vec<&str> = g.iter().map(|s| s.action).collect();
            alts.dedup();
            parts.push(alts.join(" | "));
        }
        parts.join(" + ")
    }

    fn becomes(&self) -> bool {
        matches!(
            self.family,
            Family::AssumeRole
                | Family::RewriteTrust
                | Family::UserCredentials { .. }
                | Family::PassRole { .. }
                | Family::Instance { .. }
        )
    }
}

const T: Res = Res::Target;
const ROLE: &str = "arn:{p}:iam::{a}:role/{n}";
const FUNCTION: &str = "arn:{p}:lambda:{r}:{a}:function:{n}";

/// Every technique Warden models, in the order paths of equal length are listed.
pub const TECHNIQUES: &[Technique] = &[
    Technique {
        id: "iam-create-policy-version",
        summary: "write a new default version of a customer-managed policy attached to the principal",
        family: Family::PolicyVersion,
        groups: &[&[s("iam:CreatePolicyVersion", T)]],
    },
    Technique {
        id: "iam-set-default-policy-version",
        summary: "make an older, broader version of an attached policy the default",
        family: Family::DefaultVersion,
        groups: &[&[s("iam:SetDefaultPolicyVersion", T)]],
    },
    Technique {
        id: "iam-attach-user-policy",
        summary: "attach AdministratorAccess to the user",
        family: Family::UserPolicy,
        groups: &[&[sc("iam:AttachUserPolicy", T, Ctx::AdminPolicy)]],
    },
    Technique {
        id: "iam-put-user-policy",
        summary: "write an admin inline policy on the user",
        family: Family::UserPolicy,
        groups: &[&[s("iam:PutUserPolicy", T)]],
    },
    Technique {
        id: "iam-attach-group-policy",
        summary: "attach AdministratorAccess to a group the user belongs to",
        family: Family::GroupPolicy,
        groups: &[&[sc("iam:AttachGroupPolicy", T, Ctx::AdminPolicy)]],
    },
    Technique {
        id: "iam-put-group-policy",
        summary: "write an admin inline policy on a group the user belongs to",
        family: Family::GroupPolicy,
        groups: &[&[s("iam:PutGroupPolicy", T)]],
    },
    Technique {
        id: "iam-attach-role-policy",
        summary: "attach AdministratorAccess to the role (itself, or one it can assume)",
        family: Family::RolePolicy,
        groups: &[&[sc("iam:AttachRolePolicy", T, Ctx::AdminPolicy)]],
    },
    Technique {
        id: "iam-put-role-policy",
        summary: "write an admin inline policy on the role (itself, or one it can assume)",
        family: Family::RolePolicy,
        groups: &[&[s("iam:PutRolePolicy", T)]],
    },
    Technique {
        id: "iam-add-user-to-group",
        summary: "join a group whose policies make the user admin",
        family: Family::JoinGroup,
        groups: &[&[s("iam:AddUserToGroup", T)]],
    },
    Technique {
        id: "iam-create-role",
        summary: "create a role trusting the principal, give it an admin policy, assume it",
        family: Family::CreateRole,
        groups: &[
            &[s("iam:CreateRole", Res::New(ROLE))],
            &[sc("iam:AttachRolePolicy", Res::New(ROLE), Ctx::AdminPolicy), s("iam:PutRolePolicy", Res::New(ROLE))],
            &[s("sts:AssumeRole", Res::New(ROLE))],
        ],
    },
    Technique {
        id: "sts-assume-role",
        summary: "assume a role whose trust policy admits the principal",
        family: Family::AssumeRole,
        groups: &[&[s("sts:AssumeRole", T)]],
    },
    Technique {
        id: "iam-update-assume-role-policy",
        summary: "rewrite a role's trust policy to admit the principal, then assume it",
        family: Family::RewriteTrust,
        groups: &[&[s("sts:AssumeRole", T)]],
    },
    Technique {
        id: "iam-create-access-key",
        summary: "create an access key for another user",
        family: Family::UserCredentials { login_profile: None },
        groups: &[&[s("iam:CreateAccessKey", T)]],
    },
    Technique {
        id: "iam-create-login-profile",
        summary: "give another user (without one) a console password",
        family: Family::UserCredentials { login_profile: Some(false) },
        groups: &[&[s("iam:CreateLoginProfile", T)]],
    },
    Technique {
        id: "iam-update-login-profile",
        summary: "reset another user's console password",
        family: Family::UserCredentials { login_profile: Some(true) },
        groups: &[&[s("iam:UpdateLoginProfile", T)]],
    },
    Technique {
        id: "ec2-run-instances",
        summary: "launch an EC2 instance with the role's instance profile",
        family: Family::PassRole { service: "ec2.amazonaws.com", instance_profile: true },
        groups: &[&[s("ec2:RunInstances", Res::New("arn:{p}:ec2:{r}:{a}:instance/{n}"))]],
    },
    Technique {
        id: "ec2-request-spot-instances",
        summary: "request a spot instance with the role's instance profile",
        family: Family::PassRole { service: "ec2.amazonaws.com", instance_profile: true },
        groups: &[&[s("ec2:RequestSpotInstances", Res::New("arn:{p}:ec2:{r}:{a}:spot-instances-request/{n}"))]],
    },
    Technique {
        id: "lambda-create-function-invoke",
        summary: "create a Lambda function with the role and invoke it",
        family: Family::PassRole { service: "lambda.amazonaws.com", instance_profile: false },
        groups: &[&[s("lambda:CreateFunction", Res::New(FUNCTION))], &[s("lambda:InvokeFunction", Res::New(FUNCTION))]],
    },
    Technique {
        id: "lambda-create-function-event-source",
        summary: "create a Lambda function with the role and trigger it from an event source",
        family: Family::PassRole { service: "lambda.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("lambda:CreateFunction", Res::New(FUNCTION))],
            &[s("lambda:CreateEventSourceMapping", Res::Star)],
        ],
    },
    Technique {
        id: "lambda-create-function-add-permission",
        summary: "create a Lambda function with the role and let the principal's account invoke it",
        family: Family::PassRole { service: "lambda.amazonaws.com", instance_profile: false },
        groups: &[&[s("lambda:CreateFunction", Res::New(FUNCTION))], &[s("lambda:AddPermission", Res::New(FUNCTION))]],
    },
    Technique {
        id: "glue-create-dev-endpoint",
        summary: "create a Glue development endpoint with the role and log in to it",
        family: Family::PassRole { service: "glue.amazonaws.com", instance_profile: false },
        groups: &[&[s("glue:CreateDevEndpoint", Res::Star)]],
    },
    Technique {
        id: "glue-create-job",
        summary: "create a Glue job with the role and run it (StartJobRun or a trigger)",
        family: Family::PassRole { service: "glue.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("glue:CreateJob", Res::New("arn:{p}:glue:{r}:{a}:job/{n}"))],
            &[
                s("glue:StartJobRun", Res::New("arn:{p}:glue:{r}:{a}:job/{n}")),
                s("glue:CreateTrigger", Res::Fixed("arn:{p}:glue:{r}:{a}:trigger/{n}")),
            ],
        ],
    },
    Technique {
        id: "cloudformation-create-stack",
        summary: "create a CloudFormation stack that runs as the role",
        family: Family::PassRole { service: "cloudformation.amazonaws.com", instance_profile: false },
        groups: &[&[s("cloudformation:CreateStack", Res::New("arn:{p}:cloudformation:{r}:{a}:stack/{n}/{n}"))]],
    },
    Technique {
        id: "cloudformation-create-stack-set",
        summary: "create a stack set administered by the role and deploy an instance of it",
        family: Family::PassRole { service: "cloudformation.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("cloudformation:CreateStackSet", Res::Star)],
            &[s("cloudformation:CreateStackInstances", Res::New("arn:{p}:cloudformation:{r}:{a}:stackset/{n}:{n}"))],
        ],
    },
    Technique {
        id: "datapipeline-create-pipeline",
        summary: "create a Data Pipeline whose activities run as the role",
        family: Family::PassRole { service: "datapipeline.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("datapipeline:CreatePipeline", Res::Star)],
            &[s("datapipeline:PutPipelineDefinition", Res::New("arn:{p}:datapipeline:{r}:{a}:pipeline/{n}"))],
        ],
    },
    Technique {
        id: "codebuild-create-project",
        summary: "create a CodeBuild project with the role and start a build",
        family: Family::PassRole { service: "codebuild.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("codebuild:CreateProject", Res::New("arn:{p}:codebuild:{r}:{a}:project/{n}"))],
            &[
                s("codebuild:StartBuild", Res::New("arn:{p}:codebuild:{r}:{a}:project/{n}")),
                s("codebuild:StartBuildBatch", Res::New("arn:{p}:codebuild:{r}:{a}:project/{n}")),
            ],
        ],
    },
    Technique {
        id: "sagemaker-create-notebook-instance",
        summary: "create a SageMaker notebook instance with the role",
        family: Family::PassRole { service: "sagemaker.amazonaws.com", instance_profile: false },
        groups: &[&[s(
            "sagemaker:CreateNotebookInstance",
            Res::New("arn:{p}:sagemaker:{r}:{a}:notebook-instance/{n}"),
        )]],
    },
    Technique {
        id: "sagemaker-create-training-job",
        summary: "create a SageMaker training job that runs as the role",
        family: Family::PassRole { service: "sagemaker.amazonaws.com", instance_profile: false },
        groups: &[&[s("sagemaker:CreateTrainingJob", Res::New("arn:{p}:sagemaker:{r}:{a}:training-job/{n}"))]],
    },
    Technique {
        id: "sagemaker-create-processing-job",
        summary: "create a SageMaker processing job that runs as the role",
        family: Family::PassRole { service: "sagemaker.amazonaws.com", instance_profile: false },
        groups: &[&[s("sagemaker:CreateProcessingJob", Res::New("arn:{p}:sagemaker:{r}:{a}:processing-job/{n}"))]],
    },
    Technique {
        id: "ecs-run-task",
        summary: "register an ECS task definition with the role and run it (RunTask, StartTask or a service)",
        family: Family::PassRole { service: "ecs-tasks.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("ecs:RegisterTaskDefinition", Res::New("arn:{p}:ecs:{r}:{a}:task-definition/{n}:1"))],
            &[
                s("ecs:RunTask", Res::New("arn:{p}:ecs:{r}:{a}:task-definition/{n}:1")),
                s("ecs:StartTask", Res::New("arn:{p}:ecs:{r}:{a}:task-definition/{n}:1")),
                s("ecs:CreateService", Res::Fixed("arn:{p}:ecs:{r}:{a}:service/default/{n}")),
            ],
        ],
    },
    Technique {
        id: "autoscaling-create-group",
        summary: "create an Auto Scaling group whose launch configuration or template carries the role",
        family: Family::PassRole { service: "ec2.amazonaws.com", instance_profile: true },
        groups: &[
            &[s(
                "autoscaling:CreateAutoScalingGroup",
                Res::New("arn:{p}:autoscaling:{r}:{a}:autoScalingGroup:{n}:autoScalingGroupName/{n}"),
            )],
            &[
                s(
                    "autoscaling:CreateLaunchConfiguration",
                    Res::Fixed("arn:{p}:autoscaling:{r}:{a}:launchConfiguration:{n}:launchConfigurationName/{n}"),
                ),
                s("ec2:CreateLaunchTemplate", Res::Fixed("arn:{p}:ec2:{r}:{a}:launch-template/{n}")),
            ],
        ],
    },
    Technique {
        id: "apprunner-create-service",
        summary: "create an App Runner service whose instances run as the role",
        family: Family::PassRole { service: "tasks.apprunner.amazonaws.com", instance_profile: false },
        groups: &[&[s("apprunner:CreateService", Res::New("arn:{p}:apprunner:{r}:{a}:service/{n}/{n}"))]],
    },
    Technique {
        id: "bedrock-agentcore-code-interpreter",
        summary: "create a Bedrock AgentCore code interpreter with the role and run code in it",
        family: Family::PassRole { service: "bedrock-agentcore.amazonaws.com", instance_profile: false },
        groups: &[
            &[s("bedrock-agentcore:CreateCodeInterpreter", Res::Star)],
            &[
                s(
                    "bedrock-agentcore:InvokeCodeInterpreter",
                    Res::New("arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter-custom/{n}"),
                ),
                s(
                    "bedrock-agentcore:StartCodeInterpreterSession",
                    Res::New("arn:{p}:bedrock-agentcore:{r}:{a}:code-interpreter-custom/{n}"),
                ),
            ],
        ],
    },
    Technique {
        id: "ec2-associate-instance-profile",
        summary: "put the role's instance profile on an existing instance the principal can run commands on",
        family: Family::Instance { pass_role: true },
        groups: &[
            &[s("ec2:AssociateIamInstanceProfile", T), s("ec2:ReplaceIamInstanceProfileAssociation", T)],
            &[s("ssm:SendCommand", T), s("ssm:StartSession", T), s("ec2-instance-connect:SendSSHPublicKey", T)],
        ],
    },
    Technique {
        id: "ec2-modify-user-data",
        summary: "replace the user data of an instance with the role, then stop and start it",
        family: Family::Instance { pass_role: false },
        groups: &[&[s("ec2:ModifyInstanceAttribute", T)], &[s("ec2:StopInstances", T)], &[s("ec2:StartInstances", T)]],
    },
    Technique {
        id: "ssm-send-command",
        summary: "run a command through SSM on an instance with the role",
        family: Family::Instance { pass_role: false },
        groups: &[&[s("ssm:SendCommand", T)], &[s("ssm:SendCommand", Res::Document)]],
    },
    Technique {
        id: "ssm-start-session",
        summary: "open an SSM session on an instance with the role",
        family: Family::Instance { pass_role: false },
        groups: &[&[s("ssm:StartSession", T)]],
    },
    Technique {
        id: "ec2-instance-connect",
        summary: "push an SSH key with EC2 Instance Connect to an instance with the role",
        family: Family::Instance { pass_role: false },
        groups: &[&[s("ec2-instance-connect:SendSSHPublicKey", T)]],
    },
];

/// What to evaluate under.
#[derive(Debug, Clone)]
pub struct Options {
    /// The instant requests are made at (`aws:CurrentTime`, session issue time).
    pub now: DateTime<Utc>,
    /// SCP levels of the account, root first (every level must allow).
    pub scps: Vec<Vec<(String, Policy)>>,
    /// Most paths reported per principal (all of the shortest length).
    pub max_paths: usize,
}

impl Options {
    pub fn new(now: DateTime<Utc>) -> Options {
        Options { now, scps: Vec::new(), max_paths: 5 }
    }
}

/// One action the engine allowed, with the statements that allowed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub action: String,
    pub resource: String,
    pub reasons: Vec<Reason>,
}

/// One edge of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The principal acting.
    pub from: String,
    /// A [`Technique`] id.
    pub technique: &'static str,
    /// What it acts on: a role, user, group, policy, instance, or the role it creates.
    pub target: String,
    /// The principal gained, or `admin` when the hop itself gives administrator rights.
    pub to: String,
    /// Every action the technique needed, each with its allowing statements.
    pub steps: Vec<Step>,
}

/// The value of [`Hop::to`] for a hop that gives administrator rights.
pub const ADMIN: &str = "admin";

/// What the analysis found for one principal.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalPaths {
    pub principal: String,
    pub kind: PrincipalType,
    /// Already admin-equivalent.
    pub admin: bool,
    /// Shortest paths to admin (each a list of hops), up to [`Options::max_paths`], all
    /// of the same, minimal length; empty when none.
    pub paths: Vec<Vec<Hop>>,
}

impl PrincipalPaths {
    /// Not admin, and can become admin.
    pub fn escalates(&self) -> bool {
        !self.admin && !self.paths.is_empty()
    }
}

/// The escalation graph of one account, per principal.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub account_id: String,
    /// Every user and role, service-linked roles aside, in inventory order.
    pub principals: Vec<PrincipalPaths>,
    /// Policies the engine could not use.
    pub errors: Vec<PolicyProblem>,
}

/// A node: one user or role.
struct Node {
    arn: String,
    kind: PrincipalType,
    ctx: Context,
    /// Indexes into `Graph::groups`.
    groups: Vec<usize>,
    /// Customer-managed policies attached directly or through groups (indexes into
    /// `Graph::managed`).
    managed: Vec<usize>,
    login_profile: Option<bool>,
    service_linked: bool,
    /// Bit i: some identity `Allow` statement matches `Graph::actions[i]`.
    screen: u128,
    /// Bit i: `TECHNIQUES[i]` passes the screen.
    techniques: u64,
    /// A role whose instance profile could carry it.
    has_profile: bool,
    /// Some identity `Allow` statement matches `sts:AssumeRole`.
    assume: bool,
    /// Principals the node might become in one hop (a superset, from the `Resource`
    /// patterns of its become-actions and the trust policies naming it); `None`: any.
    reach: Option<Vec<usize>>,
    /// Names the principal may give new resources: instantiated `Resource` patterns.
    patterns: Vec<String>,
}

struct Group {
    arn: String,
    policies: Vec<(String, Policy)>,
    /// Customer-managed policies attached (indexes into `Graph::managed`).
    managed: Vec<usize>,
}

struct Managed {
    arn: String,
    holders: Vec<usize>,
    other_versions: Vec<(String, Policy)>,
}

struct Instance {
    arn: String,
    region: String,
    /// The role its instance profile holds.
    role: Option<usize>,
}

/// A found edge, internal: `to` is a node or admin.
#[derive(Clone)]
struct Edge {
    technique: &'static Technique,
    target: String,
    to: Option<usize>,
    steps: Vec<Step>,
}

struct Graph<'a> {
    auth: Authorizer,
    account: &'a Account,
    region: String,
    nodes: Vec<Node>,
    groups: Vec<Group>,
    managed: Vec<Managed>,
    instances: Vec<Instance>,
    /// Role node → services its trust policy admits (confirmed by the engine).
    role_services: HashMap<usize, Vec<&'static str>>,
    /// Role node → whether its trust admits callers by ARN (`exact`) or everyone.
    trust_exact: HashMap<String, Vec<usize>>,
    trust_open: Vec<usize>,
    actions: Vec<&'static str>,
    allow_all: Policy,
}

fn action_index(actions: &[&'static str], a: &str) -> Option<usize> {
    actions.iter().position(|x| x.eq_ignore_ascii_case(a))
}

/// A resource pattern with its wildcards filled in: a name the principal may use.
fn instantiate(raw: &str) -> Option<String> {
    if raw.contains("${") || !raw.starts_with("arn:") {
        return None;
    }
    Some(raw.replace(['*', '?'], "x"))
}

fn allow_all() -> Policy {
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    Policy::parse(&doc).unwrap_or(Policy { version: None, id: None, statements: Vec::new(), single_statement: false })
}

impl<'a> Graph<'a> {
    fn build(account: &'a Account, opts: &Options) -> Graph<'a> {
        let auth = Authorizer::for_account(account).with_scps(opts.scps.clone());
        let region = account
            .regions_in_use
            .first()
            .cloned()
            .or_else(|| account.regions.first().map(|r| r.name.clone()))
            .unwrap_or_else(|| "us-east-1".into());
        let mut actions: Vec<&'static str> = Vec::new();
        for t in TECHNIQUES {
            for g in t.groups {
                for st in *g {
                    if action_index(&actions, st.action).is_none() {
                        actions.push(st.action);
                    }
                }
            }
        }
        for a in ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"] {
            if action_index(&actions, a).is_none() {
                actions.push(a);
            }
        }
        let mut g = Graph {
            auth,
            account,
            region,
            nodes: Vec::new(),
            groups: Vec::new(),
            managed: Vec::new(),
            instances: Vec::new(),
            role_services: HashMap::new(),
            trust_exact: HashMap::new(),
            trust_open: Vec::new(),
            actions,
            allow_all: allow_all(),
        };
        g.index(opts);
        g
    }

    fn index(&mut self, opts: &Options) {
        let a = self.account;
        let now = opts.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let epoch = opts.now.timestamp().to_string();
        let base = Context::new()
            .with("aws:SecureTransport", "true")
            .with("aws:CurrentTime", &now)
            .with("aws:EpochTime", &epoch);
        let mut managed_idx: HashMap<&str, usize> = HashMap::new();
        for p in a.iam.policies.known().into_iter().flatten() {
            let customer = !p.aws_managed && !p.arn.contains(":iam::aws:policy/");
            if !customer {
                continue;
            }
            let other_versions = p
                .other_versions
                .iter()
                .filter_map(|v| {
                    parse_document(&v.document).ok().map(|d| (format!("{}?version={}", p.arn, v.version_id), d))
                })
                .collect();
            managed_idx.insert(p.arn.as_str(), self.managed.len());
            self.managed.push(Managed { arn: p.arn.clone(), holders: Vec::new(), other_versions });
        }
        let mut group_idx: HashMap<&str, usize> = HashMap::new();
        for gr in a.iam.groups.known().into_iter().flatten() {
            let mut policies = Vec::new();
            for att in &gr.attached_policies {
                if let Some(p) = self.auth.policy(&att.arn) {
                    policies.push((att.arn.clone(), p.clone()));
                }
            }
            for inl in &gr.inline_policies {
                if let Ok(p) = parse_document(&inl.document) {
                    policies.push((format!("{}#{}", gr.arn, inl.name), p));
                }
            }
            let managed =
                gr.attached_policies.iter().filter_map(|p| managed_idx.get(p.arn.as_str()).copied()).collect();
            group_idx.insert(gr.name.as_str(), self.groups.len());
            self.groups.push(Group { arn: gr.arn.clone(), policies, managed });
        }
        for u in a.iam.users.known().into_iter().flatten() {
            let mfa = !u.mfa_devices.known().is_some_and(Vec::is_empty);
            let ctx = base.clone().with("aws:MultiFactorAuthPresent", if mfa { "true" } else { "false" });
            let groups: Vec<usize> = u.groups.iter().filter_map(|n| group_idx.get(n.as_str()).copied()).collect();
            let mut managed: Vec<usize> =
                u.attached_policies.iter().filter_map(|p| managed_idx.get(p.arn.as_str()).copied()).collect();
            for gi in &groups {
                managed.extend(self.groups.get(*gi).into_iter().flat_map(|g| g.managed.iter().copied()));
            }
            self.nodes.push(Node {
                arn: u.arn.clone(),
                kind: PrincipalType::User,
                ctx,
                groups,
                managed,
                login_profile: u.login_profile.known().map(Option::is_some),
                service_linked: false,
                screen: 0,
                techniques: 0,
                has_profile: false,
                assume: false,
                reach: None,
                patterns: Vec::new(),
            });
        }
        let mut profile_role: HashMap<&str, usize> = HashMap::new();
        for r in a.iam.roles.known().into_iter().flatten() {
            let i = self.nodes.len();
            for p in &r.instance_profiles {
                profile_role.insert(p.as_str(), i);
            }
            let ctx = base.clone().with("aws:MultiFactorAuthPresent", "true").with("aws:TokenIssueTime", &now);
            let managed = r.attached_policies.iter().filter_map(|p| managed_idx.get(p.arn.as_str()).copied()).collect();
            self.nodes.push(Node {
                arn: r.arn.clone(),
                kind: PrincipalType::Role,
                ctx,
                groups: Vec::new(),
                managed,
                login_profile: None,
                service_linked: r.is_service_linked(),
                screen: 0,
                techniques: 0,
                has_profile: !r.instance_profiles.is_empty(),
                assume: false,
                reach: None,
                patterns: Vec::new(),
            });
            if let Ok(trust) = parse_document(&r.trust_policy) {
                self.index_trust(i, &r.arn, &trust);
            }
        }
        for (mi, m) in self.managed.iter_mut().enumerate() {
            m.holders =
                self.nodes.iter().enumerate().filter(|(_, n)| n.managed.contains(&mi)).map(|(i, _)| i).collect();
        }
        for region in &a.regions {
            for inst in region.ec2.instances.known().into_iter().flatten() {
                if matches!(inst.state.as_str(), "terminated" | "shutting-down") {
                    continue;
                }
                let role = inst.iam_instance_profile.as_deref().and_then(|p| profile_role.get(p).copied());
                self.instances.push(Instance {
                    arn: format!("arn:{}:ec2:{}:{}:instance/{}", a.partition, region.name, a.id, inst.id),
                    region: region.name.clone(),
                    role,
                });
            }
        }
        // Screens: per policy, which technique actions some Allow statement matches.
        let mut cache: HashMap<String, (u128, Vec<String>)> = HashMap::new();
        for n in &mut self.nodes {
            let mut bits = 0u128;
            let mut patterns = Vec::new();
            for pr in self.auth.identity_policies(&n.arn) {
                let entry = cache.entry(pr.id.to_owned()).or_insert_with(|| screen(pr.policy, &self.actions));
                bits |= entry.0;
                patterns.extend(entry.1.iter().cloned());
            }
            patterns.sort();
            patterns.dedup();
            n.screen = bits;
            n.patterns = patterns;
        }
        for i in 0..self.nodes.len() {
            let mut techniques = 0u64;
            for (b, t) in TECHNIQUES.iter().enumerate() {
                if self.screen_technique(i, t) {
                    techniques |= 1u64 << b;
                }
            }
            let assume = self.has(i, "sts:AssumeRole");
            if let Some(n) = self.nodes.get_mut(i) {
                n.techniques = techniques;
                n.assume = assume;
            }
        }
        self.index_reach();
    }

    /// Fills `Node::reach`: for each become-action, the targets its allowed `Resource`
    /// patterns can match (wildcards matched against every target, once per pattern).
    fn index_reach(&mut self) {
        // Target ARN → the principals acting on it gains.
        let mut targets: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            targets.entry(n.arn.clone()).or_default().push(i);
        }
        for inst in &self.instances {
            if let Some(r) = inst.role {
                targets.entry(inst.arn.clone()).or_default().push(r);
            }
        }
        let mut lower: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, v) in targets {
            lower.entry(k.to_ascii_lowercase()).or_default().extend(v);
        }
        let actions: Vec<String> = [
            "sts:AssumeRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:UpdateLoginProfile",
            "iam:PassRole",
            "ec2:ModifyInstanceAttribute",
            "ssm:SendCommand",
            "ssm:StartSession",
            "ec2-instance-connect:SendSSHPublicKey",
        ]
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
        let mut by_pattern: HashMap<String, Vec<usize>> = HashMap::new();
        let mut reaches = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let username = (n.kind == PrincipalType::User).then(|| n.arn.rsplit('/').next().unwrap_or_default());
            let mut reach: Option<Vec<usize>> = Some(self.trust_open.clone());
            if let (Some(r), Some(v)) = (reach.as_mut(), self.trust_exact.get(&n.arn)) {
                r.extend(v);
            }
            'policies: for pr in self.auth.identity_policies(&n.arn) {
                for st in pr.policy.statements.iter().filter(|s| s.effect == Effect::Allow) {
                    if !actions.iter().any(|a| st.action.matches_lc(a)) {
                        continue;
                    }
                    let Some(block) = st.resource.as_ref().filter(|b| !b.negated) else {
                        reach = None;
                        break 'policies;
                    };
                    for p in &block.patterns {
                        let raw = match username {
                            Some(u) => p.raw.replace("${aws:username}", u),
                            None => p.raw.clone(),
                        };
                        let raw = crate::wildcard::variables_as_star(&raw).to_ascii_lowercase();
                        if raw.chars().all(|c| c == '*') {
                            reach = None;
                            break 'policies;
                        }
                        let hits: Vec<usize> = if raw.contains(['*', '?']) {
                            by_pattern
                                .entry(raw.clone())
                                .or_insert_with(|| {
                                    lower
                                        .iter()
                                        .filter(|(arn, _)| crate::wildcard::matches_str(&raw, arn))
                                        .flat_map(|(_, v)| v.iter().copied())
                                        .collect()
                                })
                                .clone()
                        } else {
                            lower.get(&raw).cloned().unwrap_or_default()
                        };
                        if let Some(r) = reach.as_mut() {
                            r.extend(hits);
                        }
                    }
                }
            }
            if let Some(r) = reach.as_mut() {
                r.sort_unstable();
                r.dedup();
            }
            reaches.push(reach);
        }
        for (n, r) in self.nodes.iter_mut().zip(reaches) {
            n.reach = r;
        }
    }

    fn index_trust(&mut self, role: usize, role_arn: &str, trust: &Policy) {
        let mut services: Vec<&'static str> = Vec::new();
        for st in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let Some(b) = &st.principal else { continue };
            if b.negated || b.spec.is_everyone() {
                self.trust_open.push(role);
                continue;
            }
            let PrincipalSpec::Map(m) = &b.spec else { continue };
            for (kind, values) in m {
                match kind {
                    PrincipalKind::Aws => {
                        for v in values {
                            self.trust_exact.entry(v.clone()).or_default().push(role);
                        }
                    }
                    PrincipalKind::Service => {
                        for t in TECHNIQUES {
                            if let Family::PassRole { service, .. } = t.family
                                && values.iter().any(|v| v.eq_ignore_ascii_case(service))
                                && !services.contains(&service)
                            {
                                services.push(service);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // The engine confirms: conditions on the trust (aws:SourceAccount …) must hold for
        // compute the principal creates in this account.
        let acct = self.account.id.clone();
        services.retain(|svc| {
            let mut req = Request::new(svc, "sts:AssumeRole", role_arn);
            req.context = Context::new().with("aws:SourceAccount", &acct).with("aws:SourceOwner", &acct);
            self.auth.evaluate(&req).is_allowed()
        });
        if !services.is_empty() {
            self.role_services.insert(role, services);
        }
    }

    fn has(&self, n: usize, action: &str) -> bool {
        let bit = action_index(&self.actions, action);
        self.nodes.get(n).is_some_and(|x| bit.is_some_and(|b| x.screen & (1u128 << b) != 0))
    }

    /// Whether `t` passed the screen for `n` (precomputed).
    fn screened(&self, n: usize, t: &Technique) -> bool {
        let bit = TECHNIQUES.iter().position(|x| std::ptr::eq(x, t));
        self.nodes.get(n).is_some_and(|x| bit.is_some_and(|b| x.techniques & (1u64 << b) != 0))
    }

    /// Every group has an action the principal's policies mention.
    fn screen_technique(&self, n: usize, t: &Technique) -> bool {
        let extra = match t.family {
            Family::PassRole { .. } | Family::Instance { pass_role: true } => self.has(n, "iam:PassRole"),
            Family::RewriteTrust => self.has(n, "iam:UpdateAssumeRolePolicy"),
            _ => true,
        };
        // sts:AssumeRole may be granted by the trust policy alone: screened per target.
        extra && t.groups.iter().all(|g| g.iter().any(|st| st.action == "sts:AssumeRole" || self.has(n, st.action)))
    }

    fn fill(&self, template: &str, name: &str, region: &str) -> String {
        template
            .replace("{p}", &self.account.partition)
            .replace("{a}", &self.account.id)
            .replace("{r}", region)
            .replace("{n}", name)
    }

    /// Candidate ARNs for a resource the principal creates from `template`: the default
    /// name, and every allowed pattern of the same service and type.
    fn witnesses(&self, n: usize, template: &str, region: &str) -> Vec<String> {
        let default = self.fill(template, PROBE_NAME, region);
        let mut out = vec![default.clone()];
        // `arn:<partition>:<service>:` and the resource type (`function:`, `role/`, …).
        let prefix: String = default.splitn(4, ':').take(3).collect::<Vec<_>>().join(":") + ":";
        let marker = template.splitn(6, ':').nth(5).and_then(|r| r.split('{').next()).unwrap_or_default();
        if let Some(node) = self.nodes.get(n) {
            for p in &node.patterns {
                if p.starts_with(&prefix) && p.contains(marker) && !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        out
    }

    fn decide(
        &self,
        n: usize,
        action: &str,
        resource: &str,
        extra: &[(&str, &str)],
        what_if: &WhatIf<'_>,
    ) -> Option<Step> {
        let node = self.nodes.get(n)?;
        let mut req = Request::new(&node.arn, action, resource);
        let mut ctx = node.ctx.clone();
        for (k, v) in extra {
            ctx.insert(k, ContextValue::Single((*v).to_owned()));
        }
        req.context = ctx;
        let d = self.auth.evaluate_what_if(&req, what_if);
        d.is_allowed().then(|| Step { action: action.to_owned(), resource: resource.to_owned(), reasons: d.reasons })
    }

    /// Runs a technique's groups for source `n`: one allowed step per group, or `None`.
    fn run(
        &self,
        n: usize,
        t: &Technique,
        target: &str,
        new: &str,
        region: &str,
        what_if: &WhatIf<'_>,
    ) -> Option<Vec<Step>> {
        let admin_policy = format!("arn:{}:{ADMIN_POLICY}", self.account.partition);
        let mut steps = Vec::new();
        for g in t.groups {
            let found = g.iter().find_map(|st| {
                let resource = match st.res {
                    Res::Star => "*".to_owned(),
                    Res::Target => target.to_owned(),
                    Res::New(_) => new.to_owned(),
                    Res::Fixed(tpl) => self.fill(tpl, PROBE_NAME, region),
                    Res::Document => {
                        format!("arn:{}:ssm:{region}::document/AWS-RunShellScript", self.account.partition)
                    }
                };
                let extra: Vec<(&str, &str)> = match st.ctx {
                    Ctx::None => Vec::new(),
                    Ctx::AdminPolicy => vec![("iam:PolicyARN", admin_policy.as_str())],
                };
                let wi = if st.action == "sts:AssumeRole" { *what_if } else { WhatIf::default() };
                self.decide(n, st.action, &resource, &extra, &wi)
            })?;
            steps.push(found);
        }
        Some(steps)
    }

    fn pass_role(&self, n: usize, role: usize, service: &str) -> Option<Step> {
        let arn = &self.nodes.get(role)?.arn;
        self.decide(n, "iam:PassRole", arn, &[("iam:PassedToService", service)], &WhatIf::default())
    }

    fn probes(&self, n: usize, what_if: &WhatIf<'_>) -> bool {
        ADMIN_PROBES.iter().all(|p| self.decide(n, p, "*", &[], what_if).is_some())
    }

    /// Would `n` be admin with `extra` identity policies?
    fn admin_with(&self, n: usize, extra: &[(String, Policy)]) -> bool {
        let refs: Vec<PolicyRef<'_>> = extra.iter().map(|(id, p)| PolicyRef { id: id.as_str(), policy: p }).collect();
        self.probes(n, &WhatIf { extra_identity: &refs, resource_policy: None })
    }

    fn ceiling(&self, n: usize) -> bool {
        let refs = [PolicyRef { id: "(policy the principal writes)", policy: &self.allow_all }];
        self.probes(n, &WhatIf { extra_identity: &refs, resource_policy: None })
    }

    /// Edges from `n` that become principal `t` (for every become-technique).
    fn become_edges(&self, n: usize, t: usize, first_only: bool) -> Vec<Edge> {
        let mut out = Vec::new();
        let (Some(src), Some(dst)) = (self.nodes.get(n), self.nodes.get(t)) else { return out };
        if n == t {
            return out;
        }
        for tech in TECHNIQUES.iter().filter(|x| x.becomes()) {
            if !out.is_empty() && first_only {
                break;
            }
            match tech.family {
                Family::AssumeRole if dst.kind == PrincipalType::Role => {
                    let admitted = src.assume
                        || self.trust_open.contains(&t)
                        || self.trust_exact.get(&src.arn).is_some_and(|v| v.contains(&t));
                    if admitted && let Some(steps) = self.run(n, tech, &dst.arn, "", &self.region, &WhatIf::default()) {
                        out.push(Edge { technique: tech, target: dst.arn.clone(), to: Some(t), steps });
                    }
                }
                Family::RewriteTrust if dst.kind == PrincipalType::Role && self.screened(n, tech) => {
                    let Some(update) = self.decide(n, "iam:UpdateAssumeRolePolicy", &dst.arn, &[], &WhatIf::default())
                    else {
                        continue;
                    };
                    let Some(trust) = rewritten_trust(&src.arn) else { continue };
                    let wi = WhatIf {
                        extra_identity: &[],
                        resource_policy: Some(PolicyRef { id: "(rewritten trust policy)", policy: &trust }),
                    };
                    if let Some(mut steps) = self.run(n, tech, &dst.arn, "", &self.region, &wi) {
                        steps.insert(0, update);
                        out.push(Edge { technique: tech, target: dst.arn.clone(), to: Some(t), steps });
                    }
                }
                Family::UserCredentials { login_profile }
                    if dst.kind == PrincipalType::User && self.screened(n, tech) =>
                {
                    if login_profile.is_some_and(|want| dst.login_profile.is_some_and(|has| has != want)) {
                        continue;
                    }
                    if let Some(steps) = self.run(n, tech, &dst.arn, "", &self.region, &WhatIf::default()) {
                        out.push(Edge { technique: tech, target: dst.arn.clone(), to: Some(t), steps });
                    }
                }
                Family::PassRole { service, instance_profile } if dst.kind == PrincipalType::Role => {
                    if !self.role_services.get(&t).is_some_and(|v| v.contains(&service)) || !self.screened(n, tech) {
                        continue;
                    }
                    let Some(pass) = self.pass_role(n, t, service) else { continue };
                    let primary = tech.groups.iter().flat_map(|g| g.iter()).find_map(|st| match st.res {
                        Res::New(tpl) => Some(tpl),
                        _ => None,
                    });
                    let candidates = match primary {
                        Some(tpl) => self.witnesses(n, tpl, &self.region),
                        None => vec![String::new()],
                    };
                    let Some(mut steps) = candidates
                        .iter()
                        .find_map(|c| self.run(n, tech, &dst.arn, c, &self.region, &WhatIf::default()))
                    else {
                        continue;
                    };
                    steps.insert(0, pass);
                    if instance_profile && self.role_has_no_profile(t) {
                        let profile = self.fill("arn:{p}:iam::{a}:instance-profile/{n}", PROBE_NAME, &self.region);
                        let made = ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]
                            .iter()
                            .map(|a| self.decide(n, a, &profile, &[], &WhatIf::default()))
                            .collect::<Option<Vec<_>>>();
                        match made {
                            Some(m) => steps.extend(m),
                            None => continue,
                        }
                    }
                    out.push(Edge { technique: tech, target: dst.arn.clone(), to: Some(t), steps });
                }
                Family::Instance { pass_role } if dst.kind == PrincipalType::Role && self.screened(n, tech) => {
                    if pass_role {
                        // Any instance the principal can run code on, given the role's profile.
                        if self.role_has_no_profile(t) {
                            continue;
                        }
                        let Some(pass) = self.pass_role(n, t, "ec2.amazonaws.com") else { continue };
                        for inst in &self.instances {
                            if let Some(mut steps) = self.run(n, tech, &inst.arn, "", &inst.region, &WhatIf::default())
                            {
                                steps.insert(0, pass.clone());
                                out.push(Edge { technique: tech, target: inst.arn.clone(), to: Some(t), steps });
                                break;
                            }
                        }
                    } else {
                        for inst in self.instances.iter().filter(|i| i.role == Some(t)) {
                            if let Some(steps) = self.run(n, tech, &inst.arn, "", &inst.region, &WhatIf::default()) {
                                out.push(Edge { technique: tech, target: inst.arn.clone(), to: Some(t), steps });
                                break;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn role_has_no_profile(&self, t: usize) -> bool {
        !self.nodes.get(t).is_some_and(|n| n.has_profile)
    }

    /// The principals `n` might become in one hop, among `among` (all of them when the
    /// node's reach is unbounded).
    fn candidates(&self, n: usize, among: impl Iterator<Item = usize>, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        match self.nodes.get(n).and_then(|x| x.reach.as_ref()) {
            Some(r) => r.iter().copied().filter(|t| keep(*t)).collect(),
            None => among.filter(|t| keep(*t)).collect(),
        }
    }

    /// Grant-technique edges that give principal `t` admin, performed by `n`.
    fn grant_edges(&self, n: usize, t: usize, first_only: bool) -> Vec<Edge> {
        let mut out = Vec::new();
        let Some(dst) = self.nodes.get(t) else { return out };
        let mut ceiling: Option<bool> = None;
        let mut ceiling_ok = |g: &Graph| *ceiling.get_or_insert_with(|| g.ceiling(t));
        for tech in TECHNIQUES {
            if !out.is_empty() && first_only {
                break;
            }
            if !self.screened(n, tech) {
                continue;
            }
            let mut push = |target: &str, steps: Vec<Step>| {
                out.push(Edge { technique: tech, target: target.to_owned(), to: None, steps });
            };
            let none = WhatIf::default();
            match tech.family {
                Family::PolicyVersion => {
                    for mi in &dst.managed {
                        let Some(m) = self.managed.get(*mi) else { continue };
                        if let Some(steps) = self.run(n, tech, &m.arn, "", &self.region, &none)
                            && ceiling_ok(self)
                        {
                            push(&m.arn, steps);
                            break;
                        }
                    }
                }
                Family::DefaultVersion => {
                    for mi in &dst.managed {
                        let Some(m) = self.managed.get(*mi) else { continue };
                        if m.other_versions.is_empty() {
                            continue;
                        }
                        let Some(steps) = self.run(n, tech, &m.arn, "", &self.region, &none) else { continue };
                        if let Some((id, _)) =
                            m.other_versions.iter().find(|v| self.admin_with(t, std::slice::from_ref(*v)))
                        {
                            push(id, steps);
                            break;
                        }
                    }
                }
                Family::UserPolicy if dst.kind == PrincipalType::User => {
                    if let Some(steps) = self.run(n, tech, &dst.arn, "", &self.region, &none)
                        && ceiling_ok(self)
                    {
                        push(&dst.arn, steps);
                    }
                }
                Family::RolePolicy if dst.kind == PrincipalType::Role => {
                    if let Some(steps) = self.run(n, tech, &dst.arn, "", &self.region, &none)
                        && ceiling_ok(self)
                    {
                        push(&dst.arn, steps);
                    }
                }
                Family::GroupPolicy => {
                    for gi in &dst.groups {
                        let Some(g) = self.groups.get(*gi) else { continue };
                        if let Some(steps) = self.run(n, tech, &g.arn, "", &self.region, &none)
                            && ceiling_ok(self)
                        {
                            push(&g.arn, steps);
                            break;
                        }
                    }
                }
                Family::JoinGroup if dst.kind == PrincipalType::User => {
                    for (gi, g) in self.groups.iter().enumerate() {
                        if dst.groups.contains(&gi) || g.policies.is_empty() {
                            continue;
                        }
                        if let Some(steps) = self.run(n, tech, &g.arn, "", &self.region, &none)
                            && self.admin_with(t, &g.policies)
                        {
                            push(&g.arn, steps);
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Edges from `n` straight to admin: grants on itself, grants on a principal it can
    /// become in one step, a new role.
    fn admin_edges(&self, n: usize, first_only: bool) -> Vec<Edge> {
        let mut out = self.grant_edges(n, n, first_only);
        if first_only && !out.is_empty() {
            return out;
        }
        let grants = TECHNIQUES.iter().any(|t| {
            matches!(
                t.family,
                Family::PolicyVersion
                    | Family::DefaultVersion
                    | Family::UserPolicy
                    | Family::GroupPolicy
                    | Family::RolePolicy
                    | Family::JoinGroup
            ) && self.screened(n, t)
        });
        if grants {
            for t in self.candidates(n, 0..self.nodes.len(), |t| t != n) {
                let granted = self.grant_edges(n, t, true);
                let Some(g) = granted.into_iter().next() else { continue };
                let Some(b) = self.become_edges(n, t, true).into_iter().next() else { continue };
                let mut steps = g.steps;
                steps.extend(b.steps);
                out.push(Edge { technique: g.technique, target: g.target, to: None, steps });
                if first_only {
                    return out;
                }
            }
        }
        if let Some(tech) = TECHNIQUES.iter().find(|t| t.family == Family::CreateRole)
            && self.screened(n, tech)
        {
            let probe_role = self.fill(ROLE, PROBE_NAME, &self.region);
            for c in self.witnesses(n, ROLE, &self.region) {
                let Some(steps) = self.run(n, tech, "", &c, &self.region, &WhatIf::default()) else { continue };
                // The new role has no boundary; only the SCPs can stop it being admin.
                let refs = [PolicyRef { id: "(policy attached to the new role)", policy: &self.allow_all }];
                let wi = WhatIf { extra_identity: &refs, resource_policy: None };
                let admin = ADMIN_PROBES.iter().all(|p| {
                    let req = Request::new(&probe_role, p, "*");
                    self.auth.evaluate_what_if(&req, &wi).is_allowed()
                });
                if admin {
                    out.push(Edge { technique: tech, target: c, to: None, steps });
                }
                break;
            }
        }
        out
    }
}

/// A trust policy admitting exactly `principal`: what `UpdateAssumeRolePolicy` writes.
fn rewritten_trust(principal: &str) -> Option<Policy> {
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]});
    Policy::parse(&doc).ok()
}

/// Which of `actions` some `Allow` statement of `p` matches, and the resource patterns
/// of its `Allow` statements (instantiated).
fn screen(p: &Policy, actions: &[&'static str]) -> (u128, Vec<String>) {
    let mut bits = 0u128;
    let mut patterns = Vec::new();
    for st in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
        for (i, a) in actions.iter().enumerate() {
            if st.action.matches_lc(&a.to_ascii_lowercase()) {
                bits |= 1u128 << i;
            }
        }
        if let Some(r) = &st.resource
            && !r.negated
        {
            patterns.extend(r.patterns.iter().filter_map(|p| instantiate(&p.raw)));
        }
    }
    (bits, patterns)
}

/// Builds the escalation graph of `account` and the shortest paths of every principal.
pub fn analyze(account: &Account, opts: &Options) -> Analysis {
    let g = Graph::build(account, opts);
    let count = g.nodes.len();
    let admin: Vec<bool> = (0..count).map(|n| g.probes(n, &WhatIf::default())).collect();
    // dist[n]: hops to admin; first[n]: the first hop of one shortest path.
    let mut dist: Vec<Option<usize>> = admin.iter().map(|a| a.then_some(0)).collect();
    let mut first: Vec<Option<Edge>> = vec![None; count];
    let mut layer: Vec<usize> = (0..count).filter(|n| admin.get(*n).copied().unwrap_or(false)).collect();
    let mut k = 0;
    loop {
        let mut next = Vec::new();
        for n in 0..count {
            if dist.get(n).copied().flatten().is_some() {
                continue;
            }
            let mut edge = None;
            if k == 0 {
                edge = g.admin_edges(n, true).into_iter().next();
            }
            if edge.is_none() {
                let on_layer = |t: usize| dist.get(t).copied().flatten() == Some(k);
                edge = g
                    .candidates(n, layer.iter().copied(), on_layer)
                    .into_iter()
                    .find_map(|t| g.become_edges(n, t, true).into_iter().next());
            }
            if let Some(e) = edge {
                next.push((n, e));
            }
        }
        if next.is_empty() {
            break;
        }
        k += 1;
        layer = next.iter().map(|(n, _)| *n).collect();
        for (n, e) in next {
            if let Some(d) = dist.get_mut(n) {
                *d = Some(k);
            }
            if let Some(f) = first.get_mut(n) {
                *f = Some(e);
            }
        }
    }

    let hop = |from: usize, e: &Edge| Hop {
        from: g.nodes.get(from).map(|x| x.arn.clone()).unwrap_or_default(),
        technique: e.technique.id,
        target: e.target.clone(),
        to: e.to.and_then(|t| g.nodes.get(t)).map_or_else(|| ADMIN.to_owned(), |x| x.arn.clone()),
        steps: e.steps.clone(),
    };
    // The rest of a shortest path from `t` (empty when `t` is admin).
    let tail = |mut t: usize| {
        let mut hops = Vec::new();
        let mut seen = HashSet::new();
        while let Some(Some(e)) = first.get(t) {
            if !seen.insert(t) {
                break;
            }
            hops.push(hop(t, e));
            match e.to {
                Some(next) => t = next,
                None => break,
            }
        }
        hops
    };

    let mut principals = Vec::new();
    for (n, node) in g.nodes.iter().enumerate() {
        if node.service_linked {
            continue;
        }
        let is_admin = admin.get(n).copied().unwrap_or(false);
        let mut paths: Vec<Vec<Hop>> = Vec::new();
        if let (false, Some(d)) = (is_admin, dist.get(n).copied().flatten()) {
            // Every shortest first hop: straight to admin when d is 1, else to a node one
            // hop nearer.
            let mut edges: Vec<Edge> = Vec::new();
            if d == 1 {
                edges.extend(g.admin_edges(n, false));
            }
            for t in g.candidates(n, 0..count, |t| dist.get(t).copied().flatten() == Some(d - 1)) {
                edges.extend(g.become_edges(n, t, false));
            }
            let order = |e: &Edge| TECHNIQUES.iter().position(|t| t.id == e.technique.id).unwrap_or(usize::MAX);
            edges.sort_by(|a, b| (order(a), &a.target).cmp(&(order(b), &b.target)));
            edges.dedup_by(|a, b| a.technique.id == b.technique.id && a.target == b.target);
            for e in edges {
                if paths.len() >= opts.max_paths {
                    break;
                }
                let mut path = vec![hop(n, &e)];
                if let Some(t) = e.to {
                    let rest = tail(t);
                    if rest.iter().any(|h| h.from == node.arn) {
                        continue;
                    }
                    path.extend(rest);
                }
                paths.push(path);
            }
        }
        principals.push(PrincipalPaths { principal: node.arn.clone(), kind: node.kind, admin: is_admin, paths });
    }
    Analysis { account_id: account.id.clone(), principals, errors: g.auth.errors().to_vec() }
}

/// The SCP levels that apply to `account_id` in `inventory`'s organization (root first),
/// parsed; empty when the organization or its policies are unknown, and for the
/// management account, which SCPs do not affect.
pub fn scps_for(inventory: &Inventory, account_id: &str) -> Vec<Vec<(String, Policy)>> {
    let Some(org) = inventory.organization.known().and_then(Option::as_ref) else { return Vec::new() };
    if org.management_account_id == account_id {
        return Vec::new();
    }
    let Ok(Some(levels)) = org.policy_chain(account_id, OrgPolicyKind::ServiceControlPolicy) else {
        return Vec::new();
    };
    levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            level
                .iter()
                .enumerate()
                .filter_map(|(j, p)| {
                    let doc = p.document.known()?;
                    parse_document(doc).ok().map(|d| (format!("{} (scp level {i} #{j})", p.arn), d))
                })
                .collect()
        })
        .collect()
}

/// The escalation technique with `id`.
pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUES.iter().find(|t| t.id == id)
}
