//! Application services with resource policies: Lambda functions and layers, SQS queues,
//! ECR repositories and DynamoDB tables. Most policies are the ones a careful team writes
//! (service principals fenced by `aws:SourceAccount` / `aws:SourceArn`, sharing with the
//! organization or with the security account).
//!
//! Planted: staging's preview webhook has a function URL with `AuthType: NONE` and its
//! preview-site repository lets anyone pull; prod shares version 3 of its telemetry SDK
//! layer with every account, lets the logistics partner (an account outside the estate)
//! send to an order queue, and opens a telemetry table to the organization the staging
//! account came from.

use crate::{Kind, Spec, ids};
use serde_json::{Value, json};
use warden_model::Observed;
use warden_model::inventory::{
    DynamoDb, Ecr, Function, Lambda, LayerVersion, Queue, Repository, Sqs, Table, TableEncryption,
};

/// The application services of one region.
pub(crate) struct Apps {
    pub(crate) lambda: Lambda,
    pub(crate) sqs: Sqs,
    pub(crate) ecr: Ecr,
    pub(crate) dynamodb: DynamoDb,
}

/// A policy document of `statements`.
pub(crate) fn policy(statements: Value) -> Observed<Option<Value>> {
    Observed::Known(Some(json!({"Version": "2012-10-17", "Statement": statements})))
}

pub(crate) fn build(spec: &Spec, region: &str) -> Apps {
    let acct = spec.id.as_str();
    let arn = |service: &str, rest: &str| format!("arn:aws:{service}:{region}:{acct}:{rest}");
    let function = |name: &str, runtime: &str, policy: Observed<Option<Value>>| Function {
        name: name.into(),
        arn: arn("lambda", &format!("function:{name}")),
        runtime: runtime.into(),
        role: format!("arn:aws:iam::{acct}:role/lambda-{name}"),
        policy,
    };
    let layer = |name: &str, version: i64, policy: Observed<Option<Value>>| LayerVersion {
        name: name.into(),
        arn: arn("lambda", &format!("layer:{name}:{version}")),
        version,
        policy,
    };
    let queue = |name: &str, policy: Observed<Option<Value>>| Queue {
        name: name.into(),
        url: format!("https://sqs.{region}.amazonaws.com/{acct}/{name}"),
        arn: arn("sqs", name),
        policy,
    };
    let repo = |name: &str, policy: Observed<Option<Value>>| Repository {
        name: name.into(),
        arn: arn("ecr", &format!("repository/{name}")),
        uri: format!("{acct}.dkr.ecr.{region}.amazonaws.com/{name}"),
        tag_immutable: true,
        scan_on_push: true,
        policy,
    };
    let table = |name: &str, kms: bool, pitr: bool, policy: Observed<Option<Value>>| Table {
        name: name.into(),
        arn: arn("dynamodb", &format!("table/{name}")),
        encryption: Observed::Known(TableEncryption {
            key: if kms { "KMS" } else { "AWS_OWNED" }.into(),
            kms_key_arn: kms.then(|| arn("kms", "key/6f0d8c1e-2b3a-4d5e-9f80-1a2b3c4d5e6f")),
        }),
        deletion_protection: Observed::Known(kms),
        point_in_time_recovery: Observed::Known(pitr),
        policy,
    };
    let invoke_from = |service: &str, source_arn: String| {
        policy(
            json!([{"Sid": format!("{service}-invoke"), "Effect": "Allow", "Principal": {"Service": format!("{service}.amazonaws.com")},
                       "Action": "lambda:InvokeFunction", "Resource": arn("lambda", "function:*"),
                       "Condition": {"StringEquals": {"AWS:SourceAccount": acct}, "ArnLike": {"AWS:SourceArn": source_arn}}}]),
        )
    };
    let org_pull = || {
        policy(json!([{"Sid": "org-pull", "Effect": "Allow", "Principal": "*",
                       "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                       "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids::ORG}}}]))
    };
    let (functions, layers, queues, repos, tables) = match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => {
            let layer_arn = |v: i64| arn("lambda", &format!("layer:northwind-telemetry-sdk:{v}"));
            (
                vec![
                    function(
                        "orders-api",
                        "python3.12",
                        invoke_from("apigateway", arn("execute-api", "a1b2c3d4e5/*/*/orders")),
                    ),
                    function(
                        "thumbnailer",
                        "nodejs20.x",
                        invoke_from("s3", "arn:aws:s3:::northwind-prod-uploads".into()),
                    ),
                    function("nightly-report", "python3.12", Observed::Known(None)),
                ],
                vec![
                    // Planted: an older version shared with every AWS account.
                    layer(
                        "northwind-telemetry-sdk",
                        3,
                        policy(json!([{"Sid": "everyone", "Effect": "Allow", "Principal": "*",
                        "Action": "lambda:GetLayerVersion", "Resource": layer_arn(3)}])),
                    ),
                    layer(
                        "northwind-telemetry-sdk",
                        4,
                        policy(json!([{"Sid": "org", "Effect": "Allow", "Principal": "*",
                        "Action": "lambda:GetLayerVersion", "Resource": layer_arn(4),
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids::ORG}}}])),
                    ),
                ],
                vec![
                    queue(
                        "order-events",
                        policy(
                            json!([{"Sid": "from-topic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage", "Resource": arn("sqs", "order-events"),
                        "Condition": {"ArnEquals": {"aws:SourceArn": arn("sns", "order-events")}}}]),
                        ),
                    ),
                    // Planted: the logistics partner's account, outside the estate.
                    queue(
                        "partner-orders-inbound",
                        policy(json!([{"Sid": "partner-send", "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{}:root", ids::PARTNER)},
                        "Action": "sqs:SendMessage", "Resource": arn("sqs", "partner-orders-inbound")}])),
                    ),
                ],
                vec![repo("robot-firmware", org_pull()), repo("fleet-agent", Observed::Known(None))],
                vec![
                    // Read by the security account's audit tooling.
                    table(
                        "orders",
                        true,
                        true,
                        policy(json!([{"Sid": "audit-read", "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{}:role/audit-reader", ids::SECURITY)},
                        "Action": ["dynamodb:DescribeTable", "dynamodb:Query"], "Resource": arn("dynamodb", "table/orders")}])),
                    ),
                    table("robot-telemetry-cache", false, false, Observed::Known(None)),
                ],
            )
        }
        (Kind::Prod, "eu-west-1") => (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            // Planted: still readable by the organization the staging account came from.
            vec![table(
                "robot-telemetry",
                true,
                true,
                policy(json!([{"Sid": "acquisition-migration", "Effect": "Allow", "Principal": "*",
                "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], "Resource": arn("dynamodb", "table/robot-telemetry"),
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids::ACQUIRED_ORG}}}])),
            )],
        ),
        (Kind::Staging, "us-east-1") => (
            // Planted: a function URL anyone can call.
            vec![function(
                "preview-webhook",
                "nodejs20.x",
                policy(json!([{"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow",
                "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Resource": arn("lambda", "function:preview-webhook"),
                "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}])),
            )],
            Vec::new(),
            vec![queue("staging-jobs", Observed::Known(None))],
            // Planted: anyone can pull the preview site's images.
            vec![repo(
                "preview-site",
                policy(json!([{"Sid": "public-pull", "Effect": "Allow", "Principal": "*",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]}])),
            )],
            Vec::new(),
        ),
        (Kind::Security, "us-east-1") => (
            vec![function(
                "guardduty-forwarder",
                "python3.12",
                invoke_from("events", arn("events", "rule/guardduty-findings")),
            )],
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
        _ => (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    Apps {
        lambda: Lambda { functions: Observed::Known(functions), layer_versions: Observed::Known(layers) },
        sqs: Sqs { queues: Observed::Known(queues) },
        ecr: Ecr { repositories: Observed::Known(repos) },
        dynamodb: DynamoDb { tables: Observed::Known(tables) },
    }
}
