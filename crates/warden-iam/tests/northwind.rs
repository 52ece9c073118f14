//! The engine over the committed example estate (`examples/northwind.json`): every
//! document parses, and the planted IAM weaknesses are found with their evidence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

use warden_iam::analysis::{full_admin, public_grants};
use warden_iam::authorizer::parse_document;
use warden_iam::{Authorizer, Request};
use warden_model::Snapshot;

fn snapshot() -> Snapshot {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/northwind.json");
    Snapshot::read(&path).unwrap()
}

#[test]
fn every_document_parses_and_admin_policies_are_found() {
    let snap = snapshot();
    let mut admin = Vec::new();
    for a in &snap.inventory.accounts {
        let auth = Authorizer::for_account(a);
        let bad: Vec<_> = auth.errors().iter().filter(|e| !e.error.contains("not in the inventory")).collect();
        assert!(bad.is_empty(), "{}: {bad:?}", a.id);
        for p in a.iam.policies.known().into_iter().flatten() {
            if let Some(s) = full_admin(&parse_document(&p.document).unwrap()) {
                admin.push((p.name.clone(), s.index));
            }
        }
        for u in a.iam.users.known().into_iter().flatten() {
            for ip in &u.inline_policies {
                if full_admin(&parse_document(&ip.document).unwrap()).is_some() {
                    admin.push((format!("{}#{}", u.name, ip.name), 0));
                }
            }
        }
    }
    let names: Vec<&str> = admin.iter().map(|a| a.0.as_str()).collect();
    assert!(names.contains(&"LegacyFullAccess"), "{names:?}");
    assert!(names.contains(&"alex.kim#admin-everything"), "{names:?}");
}

#[test]
fn public_bucket_and_who_can() {
    let snap = snapshot();
    let staging = snap.inventory.accounts.iter().find(|a| a.id == "603948576123").unwrap();
    let bucket =
        staging.s3.buckets.known().unwrap().iter().find(|b| b.name == "northwind-staging-preview-site").unwrap();
    let policy = parse_document(bucket.policy.known().unwrap().as_ref().unwrap()).unwrap();
    let grants = public_grants(&policy);
    assert!(grants.iter().any(|g| g.actions.iter().any(|a| a == "s3:GetObject")), "{grants:?}");

    let auth = Authorizer::for_account(staging);
    let who = auth.who_can("s3:GetObject", "arn:aws:s3:::northwind-staging-preview-site/index.html");
    assert!(who.iter().any(|g| g.principal == "*"), "anonymous callers can read the preview site");
    // A private bucket is not readable anonymously.
    let private = staging.s3.buckets.known().unwrap().iter().find(|b| b.name != bucket.name).unwrap();
    let who = auth.who_can("s3:GetObject", &format!("arn:aws:s3:::{}/x", private.name));
    assert!(!who.iter().any(|g| g.principal == "*"));
}

#[test]
fn admin_user_is_allowed_with_reason() {
    let snap = snapshot();
    let prod = snap.inventory.accounts.iter().find(|a| a.id == "592837465012").unwrap();
    let auth = Authorizer::for_account(prod);
    let jenkins = auth.principals().find(|p| p.ends_with("/jenkins-legacy")).unwrap().to_owned();
    let d = auth.evaluate(&Request::new(&jenkins, "iam:CreateUser", "arn:aws:iam::592837465012:user/x"));
    assert!(d.is_allowed(), "{d:?}");
    assert!(d.reasons.iter().any(|r| r.policy.contains("LegacyFullAccess")), "{:?}", d.reasons);
}

#[test]
fn estate_evaluates_principals_of_other_accounts() {
    let snap = snapshot();
    let estate = warden_iam::Estate::new(&snap.inventory);
    let bad: Vec<_> = estate.errors().filter(|e| !e.error.contains("not in the inventory")).collect();
    assert!(bad.is_empty(), "{bad:?}");
    // Prod's OrganizationAccountAccessRole trusts the management account: its admin role
    // may assume it (no SCP applies to the management account), prod's own principals may not.
    let role = "arn:aws:iam::592837465012:role/OrganizationAccountAccessRole";
    let who: Vec<String> = estate.who_can("sts:AssumeRole", role).into_iter().map(|g| g.principal).collect();
    assert!(who.contains(&"arn:aws:iam::481516234201:role/federated/sso-admin".to_owned()), "{who:?}");
    assert!(who.iter().all(|p| p.contains(":481516234201:")), "{who:?}");
    // A bucket policy naming no other account: only the owner's principals.
    let who = estate.who_can("s3:GetObject", "arn:aws:s3:::northwind-prod-data-lake-raw/x");
    assert!(!who.is_empty() && who.iter().all(|g| g.principal.contains(":592837465012:")));
    // Member accounts' principals pass their SCP chain, which shows in the reasons.
    assert!(who.iter().all(|g| g.decision.reasons.iter().any(|r| r.layer == warden_iam::Layer::Scp)));
}
