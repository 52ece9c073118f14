//! The same policies through every policy-guarded type: public, cross-account, org-only
//! and private verdicts, and conditions that do and do not restrict the caller.

use super::super::{Analyzer, Audience, Exposure, Level, Source};
use serde_json::{Value, json};
use warden_model::Inventory;

const OWN: &str = "111122223333";
const OTHER: &str = "444455556666";
const MEMBER: &str = "555555555555";
const ORG: &str = "o-ours";
const REGION: &str = "us-east-1";

/// A policy-guarded type: its name in the tests, the action asked for, the resource ARN
/// and how the policy goes into the inventory.
struct Kind {
    name: &'static str,
    action: &'static str,
    arn: String,
    /// ECR repository policies have no `Resource`.
    resource_in_policy: bool,
}

fn kinds() -> Vec<Kind> {
    let k = |name, action, arn: String| Kind { name, action, arn, resource_in_policy: name != "ecr" };
    vec![
        k("lambda", "lambda:InvokeFunction", format!("arn:aws:lambda:{REGION}:{OWN}:function:f")),
        k("layer", "lambda:GetLayerVersion", format!("arn:aws:lambda:{REGION}:{OWN}:layer:l:3")),
        k("sqs", "sqs:SendMessage", format!("arn:aws:sqs:{REGION}:{OWN}:q")),
        k("sns", "sns:Publish", format!("arn:aws:sns:{REGION}:{OWN}:t")),
        k("secret", "secretsmanager:GetSecretValue", format!("arn:aws:secretsmanager:{REGION}:{OWN}:secret:s-Ab12Cd")),
        k("ecr", "ecr:BatchGetImage", format!("arn:aws:ecr:{REGION}:{OWN}:repository/r")),
        k("efs", "elasticfilesystem:ClientMount", format!("arn:aws:elasticfilesystem:{REGION}:{OWN}:file-system/fs-1")),
        k("dynamodb", "dynamodb:GetItem", format!("arn:aws:dynamodb:{REGION}:{OWN}:table/t")),
    ]
}

fn org() -> Value {
    json!({"id": ORG, "arn": "", "management_account_id": OWN, "feature_set": "ALL",
           "accounts": {"known": [{"id": OWN, "arn": "", "name": "a", "email": "", "state": "ACTIVE", "parent_id": "r-1"},
                                  {"id": MEMBER, "arn": "", "name": "b", "email": "", "state": "ACTIVE", "parent_id": "r-1"}]}})
}

/// The region of account `OWN` holding one resource of `kind` whose policy is `policy`
/// (an `Observed` as JSON).
fn region_with(kind: &Kind, policy: Value) -> Value {
    let arn = &kind.arn;
    match kind.name {
        "lambda" => json!({"lambda": {"functions": {"known": [{"name": "f", "arn": arn, "policy": policy}]}}}),
        "layer" => {
            json!({"lambda": {"layer_versions": {"known": [{"name": "l", "arn": arn, "version": 3, "policy": policy}]}}})
        }
        "sqs" => {
            json!({"sqs": {"queues": {"known": [{"name": "q", "url": "https://q", "arn": arn, "policy": policy}]}}})
        }
        "sns" => json!({"sns": {"topics": {"known": [{"arn": arn, "policy": policy}]}}}),
        "secret" => json!({"secretsmanager": {"secrets": {"known": [{"name": "s", "arn": arn, "policy": policy}]}}}),
        "ecr" => json!({"ecr": {"repositories": {"known": [{"name": "r", "arn": arn, "policy": policy}]}}}),
        "efs" => json!({"efs": {"file_systems": {"known": [{"id": "fs-1", "arn": arn, "policy": policy}]}}}),
        "dynamodb" => json!({"dynamodb": {"tables": {"known": [{"name": "t", "arn": arn, "policy": policy}]}}}),
        other => panic!("no such kind {other}"),
    }
}

fn analyse(kind: &Kind, policy: Value, trusted: &[&str]) -> Exposure {
    let mut region = region_with(kind, policy);
    region["name"] = json!(REGION);
    let inv: Inventory = serde_json::from_value(json!({
        "accounts": [{"id": OWN, "regions": [region]}], "organization": {"known": org()}}))
    .unwrap();
    let trusted: Vec<String> = trusted.iter().map(|s| (*s).to_owned()).collect();
    let an = Analyzer::new(&inv, &trusted);
    let mut all = an.all(&inv);
    assert_eq!(all.len(), 1, "{}: {all:?}", kind.name);
    all.remove(0)
}

fn allow(kind: &Kind, principal: Value, cond: Value) -> Value {
    let mut st = json!({"Effect": "Allow", "Principal": principal, "Action": kind.action, "Condition": cond});
    if kind.resource_in_policy {
        st["Resource"] = json!(kind.arn);
    }
    json!({"known": {"Version": "2012-10-17", "Statement": [st]}})
}

fn untrusted(e: &Exposure) -> Vec<String> {
    match &e.level {
        Level::CrossAccount { untrusted, .. } => untrusted.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn public_policies_and_conditions_that_do_not_restrict() {
    for kind in kinds() {
        for cond in [
            json!({}),
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
            json!({"StringLike": {"aws:PrincipalOrgID": "*"}}),
            // An ARN whose account field is a wildcard fences no one.
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}),
        ] {
            let e = analyse(&kind, allow(&kind, json!("*"), cond.clone()), &[]);
            assert_eq!(e.level, Level::Public, "{} {cond}: {e:?}", kind.name);
            assert!(e.is_risky());
            assert_eq!(e.accesses[0].actions, [kind.action], "{}", kind.name);
            assert_eq!(e.accesses[0].source, Source::Policy);
            assert_eq!(e.accesses[0].statements[0].statement, 0);
        }
        let e = analyse(&kind, allow(&kind, json!({"AWS": "*"}), json!({})), &[]);
        assert_eq!(e.level, Level::Public, "{}: {e:?}", kind.name);
    }
}

#[test]
fn restricting_conditions() {
    for kind in kinds() {
        let name = kind.name;
        let star = |cond: Value| analyse(&kind, allow(&kind, json!("*"), cond), &[]);

        let e = star(json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}}));
        assert_eq!(e.level, Level::Conditional, "{name}: {e:?}");
        assert_eq!(e.accesses[0].conditions[0].key, "aws:SourceVpce");
        assert!(!e.is_risky());

        let e = star(json!({"StringEquals": {"aws:PrincipalOrgID": ORG}}));
        assert_eq!(e.level, Level::OrgOnly, "{name}: {e:?}");
        assert!(!e.is_risky());

        let e = star(json!({"StringEquals": {"aws:PrincipalOrgID": "o-theirs"}}));
        assert_eq!(untrusted(&e), ["o-theirs"], "{name}: {e:?}");

        let e = star(json!({"StringEquals": {"aws:SourceAccount": OTHER}}));
        assert_eq!(untrusted(&e), [OTHER], "{name}: {e:?}");
        assert_eq!(e.accesses[0].audience, Audience::Accounts(vec![OTHER.into()]));
        let e = star(json!({"StringEquals": {"aws:SourceAccount": OWN}}));
        assert_eq!(e.level, Level::Private, "{name}: {e:?}");

        let e = star(json!({"ArnLike": {"aws:SourceArn": format!("arn:aws:sns:{REGION}:{OTHER}:t")}}));
        assert_eq!(untrusted(&e), [OTHER], "{name}: {e:?}");
        let e = star(json!({"ArnEquals": {"aws:SourceArn": format!("arn:aws:sns:{REGION}:{OWN}:t")}}));
        assert_eq!(e.level, Level::Private, "{name}: {e:?}");

        // A Deny fencing the allow to an endpoint restricts as well.
        let mut fenced = allow(&kind, json!("*"), json!({}));
        let mut deny = json!({"Effect": "Deny", "Principal": "*", "Action": "*",
                              "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-2"}}});
        if kind.resource_in_policy {
            deny["Resource"] = json!("*");
        }
        fenced["known"]["Statement"].as_array_mut().unwrap().push(deny);
        let e = analyse(&kind, fenced, &[]);
        assert_eq!(e.level, Level::Conditional, "{name}: {e:?}");
        assert_eq!(e.accesses[0].conditions[0].path, "Statement[1].Condition.StringNotEquals.aws:SourceVpce");
    }
}

#[test]
fn cross_account_org_and_private() {
    for kind in kinds() {
        let name = kind.name;
        let named = allow(&kind, json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}), json!({}));
        let e = analyse(&kind, named.clone(), &[]);
        assert_eq!(
            e.level,
            Level::CrossAccount { accounts: vec![OTHER.into()], organizations: vec![], untrusted: vec![OTHER.into()] },
            "{name}"
        );
        // Trusted accounts are shares, not findings.
        let e = analyse(&kind, named, &[OTHER]);
        assert!(untrusted(&e).is_empty() && !e.is_risky(), "{name}: {e:?}");
        assert!(e.accesses.iter().all(|a| a.trusted));
        // A member of the organization is trusted.
        let e = analyse(&kind, allow(&kind, json!({"AWS": MEMBER}), json!({})), &[]);
        assert!(
            matches!(&e.level, Level::CrossAccount { accounts, untrusted, .. } if accounts == &[MEMBER] && untrusted.is_empty()),
            "{name}: {e:?}"
        );
        // The owner itself, a service, no policy: private.
        let own = allow(&kind, json!({"AWS": format!("arn:aws:iam::{OWN}:root")}), json!({}));
        assert_eq!(analyse(&kind, own, &[]).level, Level::Private, "{name}");
        let service = allow(&kind, json!({"Service": "events.amazonaws.com"}), json!({}));
        assert_eq!(analyse(&kind, service, &[]).level, Level::Private, "{name}");
        assert_eq!(analyse(&kind, json!({"known": null}), &[]).level, Level::Private, "{name}");
        // Unreadable or unparseable: unknown.
        let e = analyse(&kind, json!({"unknown": {"kind": "access_denied", "message": "denied"}}), &[]);
        assert!(matches!(&e.level, Level::Unknown { reason } if reason.contains("cannot be read")), "{name}: {e:?}");
        let e = analyse(&kind, json!({"known": "not a policy"}), &[]);
        assert!(matches!(&e.level, Level::Unknown { reason } if reason.contains("does not parse")), "{name}: {e:?}");
    }
}

#[test]
fn service_specific_policies() {
    let by = |n: &str| kinds().into_iter().find(|k| k.name == n).unwrap();
    // SNS's default policy: every action for any principal of the owning account.
    let sns = by("sns");
    let default = json!({"known": {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:Subscribe", "SNS:Publish"],
        "Resource": sns.arn, "Condition": {"StringEquals": {"AWS:SourceOwner": OWN}}}]}});
    assert_eq!(analyse(&sns, default, &[]).level, Level::Private);

    // A function URL with AuthType NONE: the auth-type condition restricts no one.
    let lambda = by("lambda");
    let url = json!({"known": {"Version": "2012-10-17", "Statement": [{
        "Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
        "Resource": lambda.arn, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}]}});
    let e = analyse(&lambda, url, &[]);
    assert_eq!(e.level, Level::Public, "{e:?}");
    assert_eq!(e.accesses[0].actions, ["lambda:InvokeFunctionUrl"]);
    // AddPermission for S3 notifications: the service, fenced by source account and ARN.
    let s3 = json!({"known": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": lambda.arn, "Condition": {"StringEquals": {"AWS:SourceAccount": OWN},
                                             "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}}]}});
    assert_eq!(analyse(&lambda, s3, &[]).level, Level::Private);
    // lambda:* covers every probed action.
    let e = analyse(&lambda, allow(&lambda, json!("*"), json!({})).clone(), &[]);
    assert_eq!(e.accesses[0].actions, ["lambda:InvokeFunction"]);
    let mut all = allow(&lambda, json!("*"), json!({}));
    all["known"]["Statement"][0]["Action"] = json!("lambda:*");
    assert_eq!(analyse(&lambda, all, &[]).accesses[0].actions.len(), super::LAMBDA_FUNCTION_ACTIONS.len());

    // EFS: a note that NFS still needs a network path.
    let efs = by("efs");
    let e = analyse(
        &efs,
        allow(&efs, json!({"AWS": "*"}), json!({"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}})),
        &[],
    );
    assert_eq!(e.level, Level::Public, "{e:?}");
    assert!(e.notes.iter().any(|n| n.contains("mount target")));
    assert!(analyse(&efs, json!({"known": null}), &[]).notes.is_empty());
}

fn db_snapshot(cluster: bool, restore: Value, trusted: &[&str]) -> Exposure {
    let (field, arn) = if cluster {
        ("cluster_snapshots", format!("arn:aws:rds:{REGION}:{OWN}:cluster-snapshot:c"))
    } else {
        ("snapshots", format!("arn:aws:rds:{REGION}:{OWN}:snapshot:s"))
    };
    let region = json!({"name": REGION, "rds": {field: {"known": [{"id": "s", "arn": arn, "restore": restore}]}}});
    let inv: Inventory = serde_json::from_value(json!({
        "accounts": [{"id": OWN, "regions": [region]}], "organization": {"known": org()}}))
    .unwrap();
    let trusted: Vec<String> = trusted.iter().map(|s| (*s).to_owned()).collect();
    let mut all = Analyzer::new(&inv, &trusted).all(&inv);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

#[test]
fn rds_snapshots_restore_attribute() {
    for cluster in [false, true] {
        let e = db_snapshot(cluster, json!({"known": ["all"]}), &[]);
        assert_eq!(e.level, Level::Public, "{e:?}");
        assert_eq!(e.accesses[0].source, Source::RestoreAttribute);
        let action = if cluster { super::RDS_CLUSTER_SNAPSHOT_ACTION } else { super::RDS_SNAPSHOT_ACTION };
        assert_eq!(e.accesses[0].actions, [action]);
        assert_eq!(e.accesses[0].entry.as_deref(), Some("all"));
        assert_eq!(untrusted(&db_snapshot(cluster, json!({"known": [OTHER]}), &[])), [OTHER]);
        assert!(!db_snapshot(cluster, json!({"known": [OTHER]}), &[OTHER]).is_risky());
        assert!(!db_snapshot(cluster, json!({"known": [MEMBER]}), &[]).is_risky());
        assert_eq!(db_snapshot(cluster, json!({"known": [OWN]}), &[]).level, Level::Private);
        assert_eq!(db_snapshot(cluster, json!({"known": []}), &[]).level, Level::Private);
        let e = db_snapshot(cluster, json!({"unknown": {"kind": "access_denied"}}), &[]);
        assert!(matches!(e.level, Level::Unknown { .. }), "{e:?}");
    }
}
