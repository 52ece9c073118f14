//! Monitoring in each region: the organization trail's log group in the management
//! account carries the CIS metric filters, alarms and the security alerts topic; Config,
//! Security Hub and Access Analyzer run almost everywhere.
//!
//! Planted: the IAM policy change filter misses `DeleteGroupPolicy` (CIS 5.4), there is no
//! Organizations change filter (5.15), console authentication failures alarm a topic whose
//! only subscription was never confirmed (5.6); staging records nothing with Config in
//! eu-west-1 and has no Security Hub; prod has no Access Analyzer in ap-southeast-2;
//! staging's build-events topic lets anyone subscribe.

use crate::{Kind, Spec, ids};
use serde_json::{Value, json};
use warden_model::Observed;
use warden_model::inventory::{
    AccessAnalyzer, Analyzer, CloudWatch, Config, ConfigRecorder, DeliveryChannel, Hub, Logs, MetricAlarm,
    MetricFilter, MetricName, SecurityHub, Sns, Subscription, Topic,
};

/// The monitoring services of one region.
pub(crate) struct Monitoring {
    pub(crate) logs: Logs,
    pub(crate) cloudwatch: CloudWatch,
    pub(crate) sns: Sns,
    pub(crate) config: Config,
    pub(crate) securityhub: SecurityHub,
    pub(crate) access_analyzer: AccessAnalyzer,
}

/// SNS's default topic policy (any principal of the owning account) plus `extra`
/// statements.
fn topic_policy(topic: &str, account: &str, extra: Vec<Value>) -> Observed<Option<Value>> {
    let mut statements = vec![json!({"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                   "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": topic, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}})];
    statements.extend(extra);
    Observed::Known(Some(json!({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": statements})))
}

const ORG_LOG_GROUP: &str = "aws-cloudtrail-logs-northwind-org";
const NAMESPACE: &str = "CISBenchmark";

fn any_of(names: &[&str]) -> String {
    names.iter().map(|n| format!("($.eventName = {n})")).collect::<Vec<_>>().join(" || ")
}

/// (metric name, filter pattern, alarm goes to the unconfirmed topic) per CIS control.
fn filters() -> Vec<(&'static str, String, bool)> {
    let iam_policy = any_of(&[
        // Planted: DeleteGroupPolicy is missing.
        "DeleteRolePolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "PutUserPolicy",
        "CreatePolicy",
        "DeletePolicy",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
    ]);
    vec![
        ("UnauthorizedAPICalls", r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#.into(), false),
        (
            "ConsoleSigninWithoutMFA",
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#.into(),
            false,
        ),
        (
            "RootAccountUsage",
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#.into(),
            false,
        ),
        ("IAMPolicyChanges", format!("{{ {iam_policy} }}"), false),
        ("CloudTrailChanges", format!("{{ {} }}", any_of(&["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"])), false),
        ("ConsoleAuthenticationFailures", r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#.into(), true),
        (
            "DisableOrDeleteCMK",
            format!("{{ ($.eventSource = kms.amazonaws.com) && ({}) }}", any_of(&["DisableKey", "ScheduleKeyDeletion"])),
            false,
        ),
        (
            "S3BucketPolicyChanges",
            format!(
                "{{ ($.eventSource = s3.amazonaws.com) && ({}) }}",
                any_of(&[
                    "PutBucketAcl",
                    "PutBucketPolicy",
                    "PutBucketCors",
                    "PutBucketLifecycle",
                    "PutBucketReplication",
                    "DeleteBucketPolicy",
                    "DeleteBucketCors",
                    "DeleteBucketLifecycle",
                    "DeleteBucketReplication",
                ])
            ),
            false,
        ),
        (
            "AWSConfigChanges",
            format!(
                "{{ ($.eventSource = config.amazonaws.com) && ({}) }}",
                any_of(&["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"])
            ),
            false,
        ),
        (
            "SecurityGroupChanges",
            format!(
                "{{ {} }}",
                any_of(&[
                    "AuthorizeSecurityGroupIngress",
                    "AuthorizeSecurityGroupEgress",
                    "RevokeSecurityGroupIngress",
                    "RevokeSecurityGroupEgress",
                    "CreateSecurityGroup",
                    "DeleteSecurityGroup",
                ])
            ),
            false,
        ),
        (
            "NACLChanges",
            format!(
                "{{ {} }}",
                any_of(&[
                    "CreateNetworkAcl",
                    "CreateNetworkAclEntry",
                    "DeleteNetworkAcl",
                    "DeleteNetworkAclEntry",
                    "ReplaceNetworkAclEntry",
                    "ReplaceNetworkAclAssociation",
                ])
            ),
            false,
        ),
        (
            "NetworkGatewayChanges",
            format!(
                "{{ {} }}",
                any_of(&[
                    "CreateCustomerGateway",
                    "DeleteCustomerGateway",
                    "AttachInternetGateway",
                    "CreateInternetGateway",
                    "DeleteInternetGateway",
                    "DetachInternetGateway",
                ])
            ),
            false,
        ),
        (
            "RouteTableChanges",
            format!(
                "{{ ($.eventSource = ec2.amazonaws.com) && ({}) }}",
                any_of(&[
                    "CreateRoute",
                    "CreateRouteTable",
                    "ReplaceRoute",
                    "ReplaceRouteTableAssociation",
                    "DeleteRouteTable",
                    "DeleteRoute",
                    "DisassociateRouteTable",
                ])
            ),
            false,
        ),
        (
            "VPCChanges",
            format!(
                "{{ {} }}",
                any_of(&[
                    "CreateVpc",
                    "DeleteVpc",
                    "ModifyVpcAttribute",
                    "AcceptVpcPeeringConnection",
                    "CreateVpcPeeringConnection",
                    "DeleteVpcPeeringConnection",
                    "RejectVpcPeeringConnection",
                    "AttachClassicLinkVpc",
                    "DetachClassicLinkVpc",
                    "DisableVpcClassicLink",
                    "EnableVpcClassicLink",
                ])
            ),
            false,
        ),
        // Planted: no filter for Organizations changes (CIS 5.15).
    ]
}

pub(crate) fn build(spec: &Spec, region: &str) -> Monitoring {
    let acct = &spec.id;
    let arn = |service: &str, rest: &str| format!("arn:aws:{service}:{region}:{acct}:{rest}");
    let watch_here = spec.kind == Kind::Management && region == "us-east-1";
    let (mut metric_filters, mut alarms, mut topics) = (Vec::new(), Vec::new(), Vec::new());
    if watch_here {
        let alerts = arn("sns", "northwind-security-alerts");
        let pending = arn("sns", "northwind-auth-failures");
        for (metric, pattern, to_pending) in filters() {
            metric_filters.push(MetricFilter {
                name: format!("cis-{metric}"),
                log_group: ORG_LOG_GROUP.into(),
                pattern,
                metrics: vec![MetricName { namespace: NAMESPACE.into(), name: metric.into() }],
            });
            alarms.push(MetricAlarm {
                name: format!("cis-{metric}"),
                arn: arn("cloudwatch", &format!("alarm:cis-{metric}")),
                metric: Some(MetricName { namespace: NAMESPACE.into(), name: metric.into() }),
                actions_enabled: true,
                alarm_actions: vec![if to_pending { pending.clone() } else { alerts.clone() }],
            });
        }
        let alarms_publish = json!({"Sid": "cloudwatch-alarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish", "Resource": alerts, "Condition": {"StringEquals": {"aws:SourceAccount": acct}}});
        topics.push(Topic {
            subscriptions: Observed::Known(vec![Subscription {
                arn: format!("{alerts}:6f1c2d3e-4a5b-4c6d-8e7f-901234567890"),
                protocol: "email".into(),
                endpoint: "secops@northwind.example".into(),
            }]),
            policy: topic_policy(&alerts, acct, vec![alarms_publish]),
            arn: alerts,
        });
        topics.push(Topic {
            subscriptions: Observed::Known(vec![Subscription {
                arn: "PendingConfirmation".into(),
                protocol: "email".into(),
                endpoint: "it-helpdesk@northwind.example".into(),
            }]),
            policy: topic_policy(&pending, acct, Vec::new()),
            arn: pending,
        });
    }
    if spec.kind == Kind::Staging && region == "us-east-1" {
        // Planted: anyone can subscribe to the build events.
        let builds = arn("sns", "staging-build-events");
        let open = json!({"Sid": "anyone-subscribe", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["SNS:Subscribe", "SNS:Receive"], "Resource": builds});
        topics.push(Topic {
            subscriptions: Observed::Known(Vec::new()),
            policy: topic_policy(&builds, acct, vec![open]),
            arn: builds,
        });
    }
    let records = !(spec.kind == Kind::Staging && region == "eu-west-1");
    let recorders = if records {
        vec![ConfigRecorder {
            name: "default".into(),
            role_arn: format!("arn:aws:iam::{acct}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
            all_supported: true,
            include_global_resource_types: region == "us-east-1",
            recording: Observed::Known(true),
        }]
    } else {
        Vec::new()
    };
    let channels = if records {
        vec![DeliveryChannel {
            name: "default".into(),
            s3_bucket: format!("northwind-config-{}", ids::SECURITY),
            sns_topic_arn: None,
        }]
    } else {
        Vec::new()
    };
    let hub = spec.in_org().then(|| Hub {
        arn: arn("securityhub", "hub/default"),
        subscribed_at: Some(crate::collected_at() - chrono::TimeDelta::days(400)),
        auto_enable_controls: true,
    });
    let analyzer = !(spec.kind == Kind::Prod && region == "ap-southeast-2");
    let analyzers = if analyzer {
        vec![Analyzer {
            arn: arn("access-analyzer", "analyzer/account-external-access"),
            name: "account-external-access".into(),
            kind: "ACCOUNT".into(),
            status: "ACTIVE".into(),
        }]
    } else {
        Vec::new()
    };
    Monitoring {
        logs: Logs { metric_filters: Observed::Known(metric_filters) },
        cloudwatch: CloudWatch { alarms: Observed::Known(alarms) },
        sns: Sns { topics: Observed::Known(topics) },
        config: Config { recorders: Observed::Known(recorders), delivery_channels: Observed::Known(channels) },
        securityhub: SecurityHub { hub: Observed::Known(hub) },
        access_analyzer: AccessAnalyzer { analyzers: Observed::Known(analyzers) },
    }
}
