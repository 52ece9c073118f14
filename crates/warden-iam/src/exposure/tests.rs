use super::*;
use serde_json::{Value, json};

const OWN: &str = "111122223333";
const OTHER: &str = "444455556666";
const ORG: &str = "o-ours";

fn org() -> Value {
    json!({"id": ORG, "arn": "", "management_account_id": OWN, "feature_set": "ALL",
           "accounts": {"known": [{"id": OWN, "arn": "", "name": "a", "email": "", "state": "ACTIVE", "parent_id": "r-1"},
                                  {"id": "555555555555", "arn": "", "name": "b", "email": "", "state": "ACTIVE", "parent_id": "r-1"}]}})
}

fn inventory(account: Value, with_org: bool) -> Inventory {
    let org = if with_org { org() } else { Value::Null };
    serde_json::from_value(json!({"accounts": [account], "organization": {"known": org}})).unwrap()
}

fn stmt(principal: Value, action: &str, resource: Option<&str>, cond: Value) -> Value {
    let mut s = json!({"Effect": "Allow", "Principal": principal, "Action": action, "Condition": cond});
    if let Some(r) = resource {
        s["Resource"] = json!(r);
    }
    s
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn bucket_with(policy: Value, acl: Value, pab: Value) -> Exposure {
    bucket_in(policy, acl, pab, true, &[])
}

fn bucket_in(policy: Value, acl: Value, pab: Value, with_org: bool, trusted: &[String]) -> Exposure {
    let account = json!({"id": OWN, "s3": {
        "account_public_access_block": {"known": null},
        "buckets": {"known": [{"name": "b", "region": "us-east-1", "policy": {"known": policy},
                               "acl": {"known": acl}, "public_access_block": {"known": pab}}]}}});
    let inv = inventory(account, with_org);
    let an = Analyzer::new(&inv, trusted);
    let a = &inv.accounts[0];
    an.bucket(a, &a.s3.buckets.known().unwrap()[0])
}

fn bucket(policy: Value) -> Exposure {
    bucket_with(policy, json!({"owner_id": "me", "grants": []}), Value::Null)
}

fn get(principal: Value, cond: Value) -> Value {
    doc(vec![stmt(principal, "s3:GetObject", Some("arn:aws:s3:::b/*"), cond)])
}

#[test]
fn public_bucket_policy_and_conditions_that_do_not_restrict() {
    for cond in [
        json!({}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
    ] {
        let e = bucket(get(json!("*"), cond.clone()));
        assert_eq!(e.level, Level::Public, "{cond}: {e:?}");
        let a = &e.accesses[0];
        assert_eq!(
            (&a.audience, a.actions.as_slice(), a.conditions.is_empty()),
            (&Audience::Anyone, &["s3:GetObject".to_owned()][..], true)
        );
        assert_eq!(a.statements[0].statement, 0);
    }
    // NotPrincipal with Allow: everyone but the named principal.
    let np = doc(vec![
        json!({"Effect": "Allow", "NotPrincipal": {"AWS": format!("arn:aws:iam::{OWN}:root")}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}),
    ]);
    assert_eq!(bucket(np).level, Level::Public);
    // An object prefix is probed under the policy's own pattern.
    assert_eq!(
        bucket(doc(vec![stmt(json!("*"), "s3:GetObject", Some("arn:aws:s3:::b/public/*"), json!({}))])).level,
        Level::Public
    );
}

#[test]
fn restricting_conditions_are_reported() {
    let e = bucket(get(json!("*"), json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}})));
    assert_eq!(e.level, Level::Conditional, "{e:?}");
    let c = &e.accesses[0].conditions;
    assert_eq!(
        (c[0].key.as_str(), c[0].operator.as_str(), c[0].values.as_slice()),
        ("aws:SourceVpce", "StringEquals", &["vpce-1".to_owned()][..])
    );
    assert!(!e.is_risky());

    let e = bucket(get(json!("*"), json!({"StringEquals": {"aws:PrincipalOrgID": ORG}})));
    assert_eq!(e.level, Level::OrgOnly, "{e:?}");
    assert!(e.accesses.iter().all(|a| a.trusted));

    let e = bucket(get(json!("*"), json!({"StringEquals": {"aws:PrincipalOrgID": "o-theirs"}})));
    assert!(matches!(&e.level, Level::CrossAccount { untrusted, .. } if untrusted == &["o-theirs"]), "{e:?}");
    assert!(e.is_risky());

    let e = bucket(get(json!("*"), json!({"StringEquals": {"aws:SourceAccount": OTHER}})));
    assert!(matches!(&e.level, Level::CrossAccount { accounts, .. } if accounts == &[OTHER]), "{e:?}");
    assert_eq!(e.accesses[0].conditions[0].key, "aws:SourceAccount");

    // A principal ARN pattern open in its account field fences nothing.
    let e = bucket(get(json!("*"), json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy"}})));
    assert_eq!(e.level, Level::Public, "{e:?}");
    assert_eq!(e.accesses[0].conditions[0].key, "aws:PrincipalArn");

    let e = bucket(get(json!("*"), json!({"StringEquals": {"aws:SourceAccount": OWN}})));
    assert_eq!(e.level, Level::Private, "{e:?}");

    // A Deny fencing the allow to an endpoint restricts as well.
    let fenced = doc(vec![
        stmt(json!("*"), "s3:GetObject", Some("arn:aws:s3:::b/*"), json!({})),
        json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
               "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-2"}}}),
    ]);
    let e = bucket(fenced);
    assert_eq!(e.level, Level::Conditional, "{e:?}");
    assert_eq!(e.accesses[0].conditions[0].path, "Statement[1].Condition.StringNotEquals.aws:SourceVpce");
}

#[test]
fn cross_account_and_trust() {
    let named = get(json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}), json!({}));
    let e = bucket(named.clone());
    assert_eq!(
        e.level,
        Level::CrossAccount { accounts: vec![OTHER.into()], organizations: vec![], untrusted: vec![OTHER.into()] }
    );
    let e = bucket_in(named, json!({"owner_id": "me", "grants": []}), Value::Null, true, &[OTHER.to_owned()]);
    assert!(matches!(&e.level, Level::CrossAccount { untrusted, .. } if untrusted.is_empty()), "{e:?}");
    assert!(!e.is_risky());
    // A member of the organization is trusted.
    let e = bucket(get(json!({"AWS": "555555555555"}), json!({})));
    assert!(!e.is_risky(), "{e:?}");
    // No policy: private.
    assert_eq!(bucket(Value::Null).level, Level::Private);
}

#[test]
fn block_public_access_and_acls() {
    let rpb = json!({"restrict_public_buckets": true});
    let e = bucket_with(get(json!("*"), json!({})), json!({"owner_id": "me", "grants": []}), rpb);
    assert_eq!(e.level, Level::Private, "{e:?}");
    assert!(!e.notes.is_empty());
    let acl = json!({"owner_id": "me", "grants": [{"grantee": AclGrant::ALL_USERS, "permission": "READ"}]});
    let e = bucket_with(Value::Null, acl.clone(), Value::Null);
    assert_eq!(e.level, Level::Public);
    assert_eq!(e.accesses[0].actions, ["s3:ListBucket"]);
    let e = bucket_with(Value::Null, acl, json!({"ignore_public_acls": true}));
    assert_eq!(e.level, Level::Private, "{e:?}");
    let acl = json!({"owner_id": "me", "grants": [{"grantee": "other-canonical", "permission": "WRITE"}]});
    assert!(bucket_with(Value::Null, acl, Value::Null).is_risky());
}

fn key(policy: Value) -> Exposure {
    let arn = format!("arn:aws:kms:us-east-1:{OWN}:key/k");
    let account = json!({"id": OWN, "regions": [{"name": "us-east-1", "kms": {"keys": {"known": [
        {"id": "k", "arn": arn, "manager": "CUSTOMER", "state": "Enabled", "policy": {"known": policy}}]}}}]});
    let inv = inventory(account, false);
    let an = Analyzer::new(&inv, &[]);
    let a = &inv.accounts[0];
    an.key(a, "us-east-1", &a.regions[0].kms.keys.known().unwrap()[0])
}

#[test]
fn kms_key_policies() {
    let own = doc(vec![stmt(json!({"AWS": format!("arn:aws:iam::{OWN}:root")}), "kms:*", Some("*"), json!({}))]);
    assert_eq!(key(own).level, Level::Private);
    let caller =
        doc(vec![stmt(json!("*"), "kms:Decrypt", Some("*"), json!({"StringEquals": {"kms:CallerAccount": OWN}}))]);
    assert_eq!(key(caller).level, Level::Private);
    let e = key(doc(vec![stmt(json!({"AWS": OTHER}), "kms:Decrypt", Some("*"), json!({}))]));
    assert!(e.is_risky(), "{e:?}");
    assert_eq!(e.accesses[0].actions, ["kms:Decrypt"]);
    let e = key(doc(vec![stmt(json!("*"), "kms:*", Some("*"), json!({}))]));
    assert_eq!(e.level, Level::Public);
    assert_eq!(e.accesses[0].actions.len(), KMS_ACTIONS.len());
    let e = key(json!("not a policy"));
    assert!(matches!(e.level, Level::Unknown { .. }), "{e:?}");
}

fn role(trust: Value) -> Exposure {
    let account = json!({"id": OWN, "iam": {"roles": {"known": [{"name": "r", "arn": format!("arn:aws:iam::{OWN}:role/r"), "trust_policy": trust}]}}});
    let inv = inventory(account, false);
    let an = Analyzer::new(&inv, &[]);
    let a = &inv.accounts[0];
    an.role(a, &a.iam.roles.known().unwrap()[0])
}

#[test]
fn role_trust_policies() {
    assert_eq!(role(doc(vec![stmt(json!({"AWS": "*"}), "sts:AssumeRole", None, json!({}))])).level, Level::Public);
    let e = role(doc(vec![stmt(json!({"AWS": OTHER}), "sts:AssumeRole", None, json!({}))]));
    assert!(matches!(&e.level, Level::CrossAccount { untrusted, .. } if untrusted == &[OTHER]), "{e:?}");
    assert_eq!(e.accesses[0].actions, ["sts:AssumeRole"]);
    let e = role(doc(vec![stmt(json!({"Service": "ec2.amazonaws.com"}), "sts:AssumeRole", None, json!({}))]));
    assert_eq!(e.level, Level::Private);
    let gh = format!("arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com");
    let aud = json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}});
    let e = role(doc(vec![stmt(json!({"Federated": gh}), "sts:AssumeRoleWithWebIdentity", None, aud)]));
    assert_eq!(e.level, Level::Public, "{e:?}");
    let sub = json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}});
    let e = role(doc(vec![stmt(json!({"Federated": gh}), "sts:AssumeRoleWithWebIdentity", None, sub)]));
    assert_eq!(e.level, Level::Conditional, "{e:?}");
    assert_eq!(e.accesses[0].conditions[0].key, "token.actions.githubusercontent.com:sub");
    let e = role(doc(vec![stmt(
        json!("*"),
        "sts:AssumeRole",
        None,
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-x"}}),
    )]));
    assert!(e.is_risky(), "{e:?}");
}

#[test]
fn snapshots() {
    let snap = |perms: Value| {
        let account = json!({"id": OWN, "regions": [{"name": "us-east-1", "ec2": {"snapshots": {"known": [
            {"id": "snap-1", "encrypted": false, "create_volume_permissions": perms}]}}}]});
        let inv = inventory(account, false);
        let a = &inv.accounts[0];
        Analyzer::new(&inv, &[]).snapshot(a, "us-east-1", &a.regions[0].ec2.snapshots.known().unwrap()[0])
    };
    assert_eq!(snap(json!({"known": ["all"]})).level, Level::Public);
    assert!(snap(json!({"known": [OTHER]})).is_risky());
    assert_eq!(snap(json!({"known": [OWN]})).level, Level::Private);
    assert!(matches!(snap(json!({"unknown": {"kind": "access_denied"}})).level, Level::Unknown { .. }));
}
