//! Evaluations per second: one typical request, and the 3,000 seeded cases of the
//! differential test (the same file `tests/differential/run-iam-simulate.cjs` times
//! iam-simulate on; see docs/benchmarks-iam.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench harness code

#[path = "../tests/differential/gen.rs"]
#[allow(dead_code)]
mod generator;

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use serde_json::json;
use std::time::Duration;
use warden_iam::simulate::Case;

fn typical() -> Case {
    let v = json!({
        "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject",
                    "resource": "arn:aws:s3:::data-bucket/reports/2024/q1.csv", "resource_account": "111122223333",
                    "context": {"aws:SourceIp": "10.1.2.3", "aws:SecureTransport": "true", "aws:username": "alice",
                                "aws:PrincipalTag/team": "analytics", "aws:CurrentTime": "2024-05-01T12:00:00Z"}},
        "identity_policies": [
            {"Version": "2012-10-17", "Statement": [
                {"Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/reports/*"],
                 "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}, "Bool": {"aws:SecureTransport": "true"}}},
                {"Sid": "Home", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home-bucket/${aws:username}/*"},
                {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]},
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Get*", "logs:FilterLogEvents"], "Resource": "*"},
                {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:aws:dynamodb:*:111122223333:table/${aws:PrincipalTag/team}-*"}]},
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "NotAction": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], "Resource": "arn:aws:iam::*:*"}]}],
        "resource_policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "Org", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-bucket/*"}]},
        "scps": [
            [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
            [{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["organizations:LeaveOrganization", "cloudtrail:StopLogging"], "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}, "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrgAdmin"}}}]}]]
    });
    let mut c = v.clone();
    c["request"]["context"]["aws:RequestedRegion"] = json!("us-east-1");
    Case::from_json(&c).unwrap()
}

fn generated() -> Vec<String> {
    let mut rng = generator::Rng::new(0x5741_5244_454e);
    (0..3000).map(|_| generator::case(&mut rng).to_string()).collect()
}

fn bench(c: &mut Criterion) {
    let t = typical();
    assert!(t.evaluate().is_allowed());
    let mut g = c.benchmark_group("evaluate");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    g.throughput(Throughput::Elements(1));
    g.bench_function("typical", |b| b.iter(|| black_box(black_box(&t).evaluate())));

    let lines = generated();
    let cases: Vec<Case> = lines.iter().map(|l| Case::from_str(l).unwrap()).collect();
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("generated_3000", |b| {
        b.iter(|| {
            for c in &cases {
                black_box(c.evaluate());
            }
        })
    });
    g.bench_function("generated_3000_parse_and_evaluate", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(Case::from_str(black_box(l)).unwrap().evaluate());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
