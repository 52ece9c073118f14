//! Seeded generator of random but realistic simulation cases: real actions with resources
//! of the right type, wildcards, conditions of every operator family, policy variables,
//! and every policy layer.

use serde_json::{Map, Value, json};

/// xorshift64*: small, seedable, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

pub const ACCT: &str = "111122223333";
pub const OTHER: &str = "444455556666";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/session1";
const XUSER: &str = "arn:aws:iam::444455556666:user/eve";

/// (action, resource) pairs valid per the Service Authorization Reference.
const TARGETS: &[(&str, &str)] = &[
    ("s3:GetObject", "arn:aws:s3:::bucket-a/home/alice/file.txt"),
    ("s3:PutObject", "arn:aws:s3:::bucket-a/home/bob/data.csv"),
    ("s3:DeleteObject", "arn:aws:s3:::bucket-b/logs/2024/01/x.gz"),
    ("s3:ListBucket", "arn:aws:s3:::bucket-a"),
    ("ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc123"),
    ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc123"),
    ("iam:GetRole", "arn:aws:iam::111122223333:role/app"),
    ("iam:CreateUser", "arn:aws:iam::111122223333:user/new-user"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/admin"),
    ("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:queue-1"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/orders"),
    ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:worker"),
    ("sns:Publish", "arn:aws:sns:us-east-1:111122223333:alerts"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("sts:AssumeRole", "arn:aws:iam::111122223333:role/target"),
];

fn action_pattern(r: &mut Rng, action: &str) -> String {
    let (svc, name) = action.split_once(':').unwrap();
    let other = r.pick(TARGETS).0.to_owned();
    match r.below(10) {
        0 => "*".into(),
        1 => format!("{svc}:*"),
        2 => format!("{svc}:{}*", &name[..name.len().min(1 + r.below(4))]),
        3 => format!("{svc}:*{}", &name[name.len() - name.len().min(1 + r.below(4))..]),
        4 => {
            let mut n: Vec<char> = name.chars().collect();
            let i = r.below(n.len());
            n[i] = '?';
            format!("{svc}:{}", n.into_iter().collect::<String>())
        }
        5 => action.to_ascii_lowercase(),
        6 | 7 => other,
        _ => action.to_owned(),
    }
}

fn resource_pattern(r: &mut Rng, resource: &str) -> String {
    let other = r.pick(TARGETS).1.to_owned();
    match r.below(10) {
        0 | 1 => "*".into(),
        2 => {
            let cut = resource.len() - r.below(resource.len().min(12));
            format!("{}*", &resource[..cut])
        }
        3 => {
            let parts: Vec<&str> = resource.splitn(6, ':').collect();
            format!("arn:aws:{}:*:*:{}", parts[2], parts[5])
        }
        4 => "arn:aws:s3:::bucket-a/home/${aws:username}/*".into(),
        5 => "arn:aws:s3:::bucket-?/*".into(),
        6 => other,
        _ => resource.to_owned(),
    }
}

fn condition(r: &mut Rng) -> (String, String, Value) {
    let set_string = ["", "ForAnyValue:", "ForAllValues:"];
    let ifx = if r.chance(15) { "IfExists" } else { "" };
    match r.below(11) {
        0 => {
            let op = r.pick(&[
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "StringLike",
                "StringNotLike",
            ]);
            let v = r
                .pick(&[
                    json!("alice"),
                    json!("ALICE"),
                    json!(["bob", "alice"]),
                    json!("al*"),
                    json!("b?b"),
                    json!("${aws:PrincipalTag/team}"),
                    json!("${aws:PrincipalTag/team, 'alice'}"),
                ])
                .clone();
            (format!("{op}{ifx}"), "aws:username".into(), v)
        }
        1 => {
            let op = r.pick(&["StringEquals", "StringLike", "StringNotEquals"]);
            (
                format!("{op}{ifx}"),
                "aws:PrincipalTag/team".into(),
                r.pick(&[json!("blue"), json!("bl*"), json!(["red", "blue"])]).clone(),
            )
        }
        2 => {
            let op = r.pick(&[
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
                "NumericEquals",
                "NumericNotEquals",
            ]);
            (
                format!("{op}{ifx}"),
                "aws:MultiFactorAuthAge".into(),
                r.pick(&[json!("3600"), json!(300), json!("30"), json!(["10", "30"])]).clone(),
            )
        }
        3 => {
            let op = r.pick(&[
                "DateLessThan",
                "DateLessThanEquals",
                "DateGreaterThan",
                "DateGreaterThanEquals",
                "DateEquals",
                "DateNotEquals",
            ]);
            (
                format!("{op}{ifx}"),
                "aws:CurrentTime".into(),
                r.pick(&[json!("2024-01-01T00:00:00Z"), json!("2024-06-15T12:00:00Z"), json!("2030-01-01T00:00:00Z")])
                    .clone(),
            )
        }
        4 => (
            "Bool".to_owned() + ifx,
            "aws:SecureTransport".into(),
            r.pick(&[json!("true"), json!("false"), json!(true)]).clone(),
        ),
        5 => {
            let op = r.pick(&["IpAddress", "NotIpAddress"]);
            (
                format!("{op}{ifx}"),
                "aws:SourceIp".into(),
                r.pick(&[
                    json!("10.0.0.0/8"),
                    json!("203.0.113.0/24"),
                    json!(["192.168.1.1/32", "10.1.0.0/16"]),
                    json!("2001:db8::/32"),
                ])
                .clone(),
            )
        }
        6 => {
            let op = r.pick(&["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"]);
            (
                format!("{op}{ifx}"),
                "aws:PrincipalArn".into(),
                r.pick(&[
                    json!("arn:aws:iam::111122223333:user/*"),
                    json!("arn:aws:iam::*:role/app"),
                    json!(USER),
                    json!("arn:aws:iam::444455556666:*"),
                ])
                .clone(),
            )
        }
        7 => (
            "Null".into(),
            r.pick(&["aws:SourceIp", "aws:PrincipalTag/team", "aws:TokenIssueTime"]).to_string(),
            r.pick(&[json!("true"), json!("false")]).clone(),
        ),
        8 => {
            let set = r.pick(&set_string[1..]);
            let op = r.pick(&["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"]);
            (
                format!("{set}{op}{ifx}"),
                "aws:TagKeys".into(),
                r.pick(&[json!(["env", "team"]), json!("env"), json!("t*")]).clone(),
            )
        }
        9 => ("StringEquals".into(), "aws:PrincipalOrgID".into(), r.pick(&[json!("o-abc"), json!("o-zzz")]).clone()),
        _ => {
            let set = r.pick(&set_string);
            (
                format!("{set}StringEquals{ifx}"),
                "aws:CalledVia".into(),
                r.pick(&[json!("cloudformation.amazonaws.com"), json!(["athena.amazonaws.com"])]).clone(),
            )
        }
    }
}

fn statement(r: &mut Rng, action: &str, resource: &str, principal: Option<Value>, allow_pct: u64) -> Value {
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if r.chance(allow_pct) { "Allow" } else { "Deny" }));
    if let Some(p) = principal {
        s.insert("Principal".into(), p);
    }
    let n = 1 + r.below(2);
    let actions: Vec<String> = (0..n).map(|_| action_pattern(r, action)).collect();
    s.insert(
        if r.chance(10) { "NotAction" } else { "Action" }.into(),
        if n == 1 && r.chance(50) { json!(actions[0]) } else { json!(actions) },
    );
    let rs: Vec<String> = (0..1 + r.below(2)).map(|_| resource_pattern(r, resource)).collect();
    s.insert(if r.chance(8) { "NotResource" } else { "Resource" }.into(), json!(rs));
    if r.chance(45) {
        let mut c = Map::new();
        for _ in 0..1 + r.below(2) {
            let (op, key, v) = condition(r);
            c.entry(op).or_insert_with(|| json!({})).as_object_mut().unwrap().insert(key, v);
        }
        s.insert("Condition".into(), Value::Object(c));
    }
    Value::Object(s)
}

fn policy(r: &mut Rng, action: &str, resource: &str, principal: bool, caller: &str, allow_pct: u64) -> Value {
    let stmts: Vec<Value> = (0..1 + r.below(3))
        .map(|_| {
            let p = principal.then(|| {
                r.pick(&[
                    json!("*"),
                    json!({"AWS": "*"}),
                    json!({"AWS": caller}),
                    json!({"AWS": ACCT}),
                    json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
                    json!({"AWS": ROLE}),
                    json!({"AWS": [USER, XUSER]}),
                ])
                .clone()
            });
            statement(r, action, resource, p, allow_pct)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": stmts})
}

fn context(r: &mut Rng) -> Value {
    let mut c = Map::new();
    let mut maybe = |r: &mut Rng, k: &str, vs: &[Value]| {
        if r.chance(60) {
            c.insert(k.into(), r.pick(vs).clone());
        }
    };
    maybe(r, "aws:username", &[json!("alice"), json!("bob")]);
    maybe(r, "aws:PrincipalTag/team", &[json!("blue"), json!("alice"), json!("red")]);
    maybe(r, "aws:MultiFactorAuthAge", &[json!("30"), json!("300"), json!("7200")]);
    maybe(r, "aws:CurrentTime", &[json!("2024-01-01T00:00:00Z"), json!("2025-03-01T08:30:00Z")]);
    maybe(r, "aws:SecureTransport", &[json!("true"), json!("false")]);
    maybe(r, "aws:SourceIp", &[json!("10.1.2.3"), json!("203.0.113.9"), json!("2001:db8::5"), json!("8.8.8.8")]);
    maybe(r, "aws:PrincipalArn", &[json!(USER), json!(ROLE), json!(XUSER)]);
    maybe(r, "aws:TagKeys", &[json!(["env"]), json!(["env", "team"]), json!(["owner"]), json!([])]);
    maybe(r, "aws:PrincipalOrgID", &[json!("o-abc"), json!("o-zzz")]);
    maybe(
        r,
        "aws:CalledVia",
        &[json!(["cloudformation.amazonaws.com"]), json!(["athena.amazonaws.com", "glue.amazonaws.com"])],
    );
    maybe(r, "aws:TokenIssueTime", &[json!("2024-01-01T00:00:00Z")]);
    Value::Object(c)
}

/// One case.
pub fn case(r: &mut Rng) -> Value {
    let (action, resource) = *r.pick(TARGETS);
    let principal = *r.pick(&[USER, USER, USER, SESSION, SESSION, XUSER, XUSER, "*"]);
    let anonymous = principal == "*";
    let mut c = Map::new();
    c.insert(
        "request".into(),
        json!({"principal": principal, "action": action, "resource": resource, "resource_account": ACCT, "context": context(r)}),
    );
    if !anonymous {
        let n = r.below(3);
        c.insert(
            "identity_policies".into(),
            Value::Array((0..n).map(|_| policy(r, action, resource, false, principal, 80)).collect()),
        );
        if r.chance(20) {
            c.insert("permission_boundaries".into(), json!([policy(r, action, resource, false, principal, 85)]));
        }
        if r.chance(10) && principal == SESSION {
            c.insert("session_policy".into(), policy(r, action, resource, false, principal, 85));
        }
        if r.chance(30) {
            let levels: Vec<Value> = (0..1 + r.below(3))
                .map(|_| {
                    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
                    if r.chance(50) { json!([full]) } else { json!([policy(r, action, resource, false, principal, 70)]) }
                })
                .collect();
            c.insert("scps".into(), Value::Array(levels));
        }
    }
    if r.chance(50) {
        c.insert("resource_policy".into(), policy(r, action, resource, true, principal, 80));
    }
    if r.chance(12) {
        // RCPs: Deny only, `Principal: *`, an `Action` that is not `*` (Organizations rules).
        let mut p = policy(r, action, resource, true, principal, 0);
        for s in p["Statement"].as_array_mut().unwrap() {
            let s = s.as_object_mut().unwrap();
            s.insert("Principal".into(), json!("*"));
            s.remove("NotAction");
            let acts: Vec<String> =
                (0..1 + r.below(2)).map(|_| action_pattern(r, action)).filter(|a| a != "*").collect();
            s.insert("Action".into(), if acts.is_empty() { json!(action) } else { json!(acts) });
        }
        c.insert("rcps".into(), json!([[p]]));
    }
    Value::Object(c)
}
