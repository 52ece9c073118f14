//! The escalation graph of one generated account with 10,000 principals (6,000 users in
//! teams' groups, 4,000 roles: Lambda, Glue, EC2 and team roles, a few of them admin by
//! mistake) and 1,500 instances. Figures in docs/benchmarks.md and docs/iam-paths.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench harness code

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use warden_iam::privesc::{Options, analyze};
use warden_model::inventory::Account;

const ACCT: &str = "111122223333";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn policy(name: &str, document: Value) -> Value {
    json!({"name": name, "arn": format!("arn:aws:iam::{ACCT}:policy/{name}"), "default_version_id": "v1", "document": document})
}

fn attached(name: &str) -> Value {
    json!({"name": name, "arn": format!("arn:aws:iam::{ACCT}:policy/{name}")})
}

fn trust(service: &str) -> Value {
    doc(json!([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]))
}

/// A deterministic account with `users` users and `roles` roles.
pub fn estate(users: usize, roles: usize) -> Account {
    let mut rng = Rng(0x5741_5244_454e);
    let admin = json!({"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess"});
    let mut policies = vec![
        json!({"name": "AdministratorAccess", "arn": "arn:aws:iam::aws:policy/AdministratorAccess", "aws_managed": true,
               "default_version_id": "v1", "document": doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))}),
        policy(
            "ReadOnly",
            doc(
                json!([{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*"], "Resource": "*"}]),
            ),
        ),
        policy(
            "SelfManageCredentials",
            doc(json!([
            {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:UpdateLoginProfile", "iam:*MFADevice"],
             "Resource": format!("arn:aws:iam::{ACCT}:user/${{aws:username}}")},
            {"Effect": "Deny", "NotAction": ["iam:*MFADevice", "iam:GetUser", "sts:GetSessionToken"], "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}])),
        ),
        policy(
            "Developer",
            doc(json!([
            {"Effect": "Allow", "Action": ["lambda:*", "dynamodb:*", "sqs:*", "logs:*", "ec2:Describe*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{ACCT}:role/app-*"),
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}])),
        ),
        policy(
            "Operations",
            doc(json!([
            {"Effect": "Allow", "Action": ["ssm:SendCommand", "ssm:StartSession"], "Resource": format!("arn:aws:ec2:*:{ACCT}:instance/*"),
             "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}},
            {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"], "Resource": "*"}])),
        ),
        policy(
            "DataEngineering",
            doc(json!([
            {"Effect": "Allow", "Action": ["glue:*", "s3:*", "athena:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{ACCT}:role/glue-*")}])),
        ),
        policy(
            "Deploy",
            doc(json!([
            {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{ACCT}:role/cfn-deploy")}])),
        ),
        policy(
            "AssumeTeamRoles",
            doc(
                json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCT}:role/team-*")}]),
            ),
        ),
    ];
    let kinds = [
        "ReadOnly",
        "SelfManageCredentials",
        "Developer",
        "Operations",
        "DataEngineering",
        "Deploy",
        "AssumeTeamRoles",
    ];
    let mut groups = vec![
        json!({"name": "admins", "arn": format!("arn:aws:iam::{ACCT}:group/admins"), "attached_policies": [admin]}),
    ];
    for g in 0..40 {
        let mut att = vec![attached("ReadOnly"), attached("SelfManageCredentials")];
        for _ in 0..rng.below(3) {
            let k = kinds[rng.below(kinds.len() as u64) as usize];
            att.push(attached(k));
        }
        groups.push(json!({"name": format!("team-{g}"), "arn": format!("arn:aws:iam::{ACCT}:group/team-{g}"), "attached_policies": att,
            "inline_policies": [{"name": "bucket", "document": doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": format!("arn:aws:s3:::team-{g}/*")}]))}]}));
    }
    let mut role_list = Vec::new();
    let mut instances = Vec::new();
    for r in 0..roles {
        let (name, trust_doc, profile) = match r % 8 {
            0 => (
                format!("team-{r}"),
                doc(
                    json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "sts:AssumeRole",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]),
                ),
                false,
            ),
            1 | 2 => (format!("ec2-{r}"), trust("ec2.amazonaws.com"), true),
            3 => (format!("glue-{r}"), trust("glue.amazonaws.com"), false),
            _ => (format!("app-{r}"), trust("lambda.amazonaws.com"), false),
        };
        let arn = format!("arn:aws:iam::{ACCT}:role/{name}");
        let is_admin = rng.below(200) == 0;
        let attached = if is_admin { vec![admin.clone()] } else { Vec::new() };
        let profiles: Vec<String> =
            if profile { vec![format!("arn:aws:iam::{ACCT}:instance-profile/{name}")] } else { Vec::new() };
        if profile && instances.len() < 1500 {
            let env = if rng.below(3) == 0 { "dev" } else { "prod" };
            instances.push(json!({"id": format!("i-{r:08x}"), "state": "running", "iam_instance_profile": profiles[0],
                "metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"}, "tags": {"env": env}}));
        }
        role_list.push(json!({"name": name, "arn": arn, "trust_policy": trust_doc, "attached_policies": attached, "instance_profiles": profiles,
            "inline_policies": [{"name": "app", "document": doc(json!([
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::data-{r}/*")},
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], "Resource": format!("arn:aws:dynamodb:*:{ACCT}:table/t-{r}")}]))}]}));
    }
    role_list.push(json!({"name": "cfn-deploy", "arn": format!("arn:aws:iam::{ACCT}:role/cfn-deploy"), "trust_policy": trust("cloudformation.amazonaws.com"), "attached_policies": [admin]}));
    let mut user_list = Vec::new();
    for u in 0..users {
        let name = format!("user-{u}");
        let mut member = vec![format!("team-{}", rng.below(40))];
        if rng.below(3) == 0 {
            member.push(format!("team-{}", rng.below(40)));
        }
        if u < 10 {
            member.push("admins".into());
        }
        let mut inline = Vec::new();
        if rng.below(20) == 0 {
            let a = rng.below(roles as u64 / 8) * 8;
            inline.push(json!({"name": "assume", "document": doc(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCT}:role/team-{a}")}]))}));
        }
        if rng.below(200) == 0 {
            inline.push(json!({"name": "risky", "document": doc(json!([{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": format!("arn:aws:iam::{ACCT}:user/{name}")}]))}));
        }
        user_list.push(json!({"name": name, "arn": format!("arn:aws:iam::{ACCT}:user/user-{u}"), "groups": member, "inline_policies": inline,
            "mfa_devices": {"known": [{"serial_number": format!("arn:aws:iam::{ACCT}:mfa/user-{u}"), "kind": "virtual"}]}}));
    }
    policies.shrink_to_fit();
    serde_json::from_value(json!({"id": ACCT, "regions_in_use": ["us-east-1"],
        "iam": {"users": {"known": user_list}, "groups": {"known": groups}, "roles": {"known": role_list}, "policies": {"known": policies}},
        "regions": [{"name": "us-east-1", "ec2": {"instances": {"known": instances}}}]}))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let account = estate(6000, 4000);
    let opts = Options::new("2026-11-01T00:00:00Z".parse().unwrap());
    let t = Instant::now();
    let a = analyze(&account, &opts);
    let escalating = a.principals.iter().filter(|p| p.escalates()).count();
    let admins = a.principals.iter().filter(|p| p.admin).count();
    eprintln!(
        "privesc: {} principals, {admins} admin, {escalating} can escalate; first run {:.2} s",
        a.principals.len(),
        t.elapsed().as_secs_f64()
    );
    let mut g = c.benchmark_group("privesc");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));
    g.bench_function("analyze_10000_principals", |b| b.iter(|| black_box(analyze(black_box(&account), &opts))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
