//! Determinism, scale, round-trip and consistency of the example estate, and one test per
//! planted weakness (asserted on the model values, independently of any check).

use crate::{Params, collected_at, generate, ids};
use chrono::TimeDelta;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use warden_model::inventory::{Account, Bucket, Grant, Region, SecurityGroup, User};
use warden_model::{Snapshot, UnknownKind};

fn estate() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| generate(&Params::default()))
}

fn account(id: &str) -> &'static Account {
    estate().inventory.accounts.iter().find(|a| a.id == id).unwrap()
}

fn region<'a>(a: &'a Account, name: &str) -> &'a Region {
    a.region(name).unwrap()
}

fn user<'a>(a: &'a Account, name: &str) -> &'a User {
    a.iam.users.known().unwrap().iter().find(|u| u.name == name).unwrap_or_else(|| panic!("no user {name}"))
}

fn bucket<'a>(a: &'a Account, name: &str) -> &'a Bucket {
    a.s3.buckets.known().unwrap().iter().find(|b| b.name == name).unwrap_or_else(|| panic!("no bucket {name}"))
}

fn sgs(r: &Region) -> &[SecurityGroup] {
    r.ec2.security_groups.known().unwrap()
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn all_accounts() -> &'static [Account] {
    &estate().inventory.accounts
}

// ---- determinism, scale, format -------------------------------------------------------

#[test]
fn same_params_give_byte_identical_json() {
    let a = serde_json::to_vec(&generate(&Params::default())).unwrap();
    let b = serde_json::to_vec(&generate(&Params::default())).unwrap();
    assert_eq!(a, b);
    let p = Params { seed: 99, scale: Some(3_000) };
    assert_eq!(serde_json::to_vec(&generate(&p)).unwrap(), serde_json::to_vec(&generate(&p)).unwrap());
    let other = serde_json::to_vec(&generate(&Params { seed: 8, scale: None })).unwrap();
    assert_ne!(a, other, "the seed must matter");
}

#[test]
fn planted_weaknesses_do_not_depend_on_the_seed() {
    for seed in [1, 2, 3] {
        let s = generate(&Params { seed, scale: None });
        let staging = s.inventory.accounts.iter().find(|a| a.id == ids::STAGING).unwrap();
        assert!(staging.s3.account_public_access_block.known().unwrap().is_none());
        assert!(staging.iam.users.known().unwrap().iter().any(|u| u.name == "alex.kim"));
    }
}

#[test]
fn snapshot_header_is_fixed() {
    let s = estate();
    assert_eq!(s.source, "example");
    assert_eq!(s.collected_at.to_rfc3339(), "2026-11-01T00:00:00+00:00");
    assert_eq!(s.inventory.accounts.len(), 4);
}

#[test]
fn json_round_trips_through_snapshot_reader() {
    for p in [Params::default(), Params { seed: 3, scale: Some(2_000) }] {
        let s = generate(&p);
        let bytes = serde_json::to_vec_pretty(&s).unwrap();
        let back = Snapshot::from_bytes(Path::new("example.json"), &bytes).unwrap();
        assert_eq!(back, s);
    }
}

#[test]
fn default_estate_is_about_a_thousand_resources() {
    let n = estate().inventory.resource_count();
    assert!((900..=1_200).contains(&n), "{n}");
}

fn assert_scale(target: usize) {
    let s = generate(&Params { seed: 7, scale: Some(target) });
    let n = s.inventory.resource_count();
    let err = n.abs_diff(target) as f64 / target as f64;
    assert!(err <= 0.10, "asked for {target}, got {n}");
}

#[test]
fn scale_1000_within_ten_percent() {
    assert_scale(1_000);
}

#[test]
fn scale_10000_within_ten_percent() {
    assert_scale(10_000);
}

#[test]
fn scale_50000_within_ten_percent() {
    assert_scale(50_000);
}

#[test]
fn small_and_odd_scales_do_not_break() {
    for target in [0, 1, 300, 4_321] {
        let s = generate(&Params { seed: 5, scale: Some(target) });
        assert!(s.inventory.resource_count() > 0);
        assert!(s.inventory.accounts.len() >= 4);
    }
}

#[test]
fn scaled_estates_keep_unique_ids_and_names() {
    let s = generate(&Params { seed: 11, scale: Some(20_000) });
    let mut accounts = BTreeSet::new();
    let mut buckets = BTreeSet::new();
    for a in &s.inventory.accounts {
        assert_eq!(a.id.len(), 12, "{}", a.id);
        assert!(accounts.insert(a.id.clone()), "duplicate account {}", a.id);
        for b in a.s3.buckets.known().unwrap() {
            assert!(buckets.insert(b.name.clone()), "duplicate bucket {}", b.name);
        }
        let mut ids = BTreeSet::new();
        for r in &a.regions {
            for i in r.ec2.instances.known().unwrap() {
                assert!(ids.insert(i.id.clone()), "duplicate instance {}", i.id);
            }
        }
        let users: BTreeSet<_> = a.iam.users.known().unwrap().iter().map(|u| &u.name).collect();
        assert_eq!(users.len(), a.iam.users.known().unwrap().len());
    }
}

// ---- the company ----------------------------------------------------------------------

#[test]
fn company_shape_matches_the_brief() {
    let accts = all_accounts();
    let users: usize = accts.iter().map(|a| a.iam.users.known().unwrap().len()).sum();
    let roles: usize = accts.iter().map(|a| a.iam.roles.known().unwrap().len()).sum();
    let customer: usize =
        accts.iter().map(|a| a.iam.policies.known().unwrap().iter().filter(|p| !p.aws_managed).count()).sum();
    let buckets: usize = accts.iter().map(|a| a.s3.buckets.known().unwrap().len()).sum();
    let instances: usize = accts.iter().flat_map(|a| &a.regions).map(|r| r.ec2.instances.known().unwrap().len()).sum();
    assert!((130..=170).contains(&users), "{users} users");
    assert!((50..=80).contains(&roles), "{roles} roles");
    assert!((50..=75).contains(&customer), "{customer} customer policies");
    assert!((35..=45).contains(&buckets), "{buckets} buckets");
    assert!((70..=90).contains(&instances), "{instances} instances");
    assert_eq!(account(ids::PROD).regions_in_use, ["us-east-1", "eu-west-1", "ap-southeast-2"]);
    for a in accts {
        let roles = a.iam.roles.known().unwrap();
        assert!(roles.iter().any(|r| r.is_service_linked()), "{}", a.id);
        assert!(roles.iter().any(|r| r.trust_policy.to_string().contains("saml-provider")), "{}", a.id);
        for svc in ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com"] {
            let has = roles.iter().any(|r| r.trust_policy.to_string().contains(svc));
            assert!(has || a.id == ids::MANAGEMENT && svc != "ec2.amazonaws.com", "{} lacks {svc}", a.id);
        }
    }
    let prod_roles = account(ids::PROD).iam.roles.known().unwrap();
    assert!(prod_roles.iter().any(|r| r.trust_policy.to_string().contains(&format!("{}:role", ids::SECURITY))));
}

#[test]
fn users_are_people_in_teams_with_realistic_names() {
    let users = account(ids::MANAGEMENT).iam.users.known().unwrap();
    let people: Vec<_> = users.iter().filter(|u| u.name.contains('.')).collect();
    assert!(people.len() > 80);
    let teams: BTreeSet<_> = people.iter().filter_map(|u| u.tags.get("team")).collect();
    assert_eq!(teams.len(), 5, "{teams:?}");
    assert!(people.iter().all(|u| u.groups.len() == 1));
    let kinds: BTreeSet<_> =
        users.iter().flat_map(|u| u.mfa_devices.known().unwrap()).map(|d| format!("{:?}", d.kind)).collect();
    assert!(kinds.contains("Virtual") && kinds.contains("Hardware"), "{kinds:?}");
}

// ---- internal consistency -------------------------------------------------------------

#[test]
fn credential_report_agrees_with_users() {
    for a in all_accounts() {
        let rows = a.credential_report.known().unwrap();
        let users = a.iam.users.known().unwrap();
        assert_eq!(rows.len(), users.len() + 1);
        assert!(rows[0].is_root());
        for u in users {
            let row = rows.iter().find(|r| r.user == u.name).unwrap();
            assert_eq!(row.arn, u.arn);
            assert_eq!(row.password_enabled, u.login_profile.known().unwrap().is_some(), "{}", u.name);
            assert_eq!(row.mfa_active, !u.mfa_devices.known().unwrap().is_empty(), "{}", u.name);
            let keys = u.access_keys.known().unwrap();
            for (i, (_, k)) in row.keys().iter().enumerate() {
                match keys.get(i) {
                    Some(key) => {
                        assert!(k.active);
                        assert_eq!(k.last_rotated, key.created);
                        assert_eq!(k.last_used_date, key.last_used.known().unwrap().as_ref().map(|l| l.date));
                    }
                    None => assert!(!k.active && k.last_rotated.is_none()),
                }
            }
        }
        let summary = a.summary.known().unwrap();
        assert_eq!(summary["Users"], users.len() as i64);
        assert_eq!(summary["AccountMFAEnabled"] == 1, rows[0].mfa_active);
        assert_eq!(summary["AccountAccessKeysPresent"] == 1, rows[0].access_key_1.active);
    }
}

#[test]
fn every_attachment_resolves_and_counts_add_up() {
    for a in all_accounts() {
        let iam = &a.iam;
        let mut seen: std::collections::BTreeMap<String, u32> = Default::default();
        let users = iam.users.known().unwrap();
        let groups = iam.groups.known().unwrap();
        let roles = iam.roles.known().unwrap();
        let lists = users
            .iter()
            .map(|u| &u.attached_policies)
            .chain(groups.iter().map(|g| &g.attached_policies))
            .chain(roles.iter().map(|r| &r.attached_policies));
        for list in lists {
            for p in list {
                assert!(iam.policy(&p.arn).is_some(), "{}: {} not in iam.policies", a.id, p.arn);
                *seen.entry(p.arn.clone()).or_default() += 1;
            }
        }
        for p in iam.policies.known().unwrap() {
            assert_eq!(p.attachment_count, seen.get(&p.arn).copied().unwrap_or(0), "{}", p.arn);
            assert_eq!(p.aws_managed, p.arn.starts_with("arn:aws:iam::aws:policy/"), "{}", p.arn);
            if p.aws_managed {
                assert!(p.attachment_count > 0, "unattached AWS policy {}", p.arn);
            }
            assert!(p.document["Statement"].is_array(), "{}", p.arn);
        }
        for u in users {
            for g in &u.groups {
                assert!(iam.group(g).is_some(), "{}: group {g}", u.name);
            }
        }
        for r in roles {
            if let Some(b) = &r.permissions_boundary {
                assert!(iam.policy(b).is_some());
            }
        }
    }
}

#[test]
fn network_references_resolve() {
    for a in all_accounts() {
        let profiles: BTreeSet<_> =
            a.iam.roles.known().unwrap().iter().flat_map(|r| r.instance_profiles.iter().cloned()).collect();
        for r in &a.regions {
            let e = &r.ec2;
            let vpcs: BTreeSet<_> = e.vpcs.known().unwrap().iter().map(|v| v.id.clone()).collect();
            let subnets: BTreeSet<_> = e.subnets.known().unwrap().iter().map(|s| s.id.clone()).collect();
            let sg_ids: BTreeSet<_> = sgs(r).iter().map(|s| s.id.clone()).collect();
            let enis: BTreeSet<_> = e.network_interfaces.known().unwrap().iter().map(|n| n.id.clone()).collect();
            let vols: BTreeSet<_> = e.volumes.known().unwrap().iter().map(|v| v.id.clone()).collect();
            for s in e.subnets.known().unwrap() {
                assert!(vpcs.contains(&s.vpc_id));
            }
            for sg in sgs(r) {
                assert!(vpcs.contains(&sg.vpc_id));
                for rule in &sg.rules {
                    if let Some(g) = &rule.referenced_group_id {
                        assert!(sg_ids.contains(g), "{} references {g}", sg.id);
                    }
                }
            }
            for i in e.instances.known().unwrap() {
                assert!(subnets.contains(i.subnet_id.as_ref().unwrap()));
                assert!(i.security_group_ids.iter().all(|g| sg_ids.contains(g)), "{}", i.id);
                assert!(i.network_interface_ids.iter().all(|n| enis.contains(n)));
                if let Some(p) = &i.iam_instance_profile {
                    assert!(profiles.contains(p), "{}: profile {p}", i.id);
                }
            }
            for s in e.snapshots.known().unwrap() {
                assert!(vols.contains(&s.volume_id));
            }
            for rt in e.route_tables.known().unwrap() {
                for a in &rt.associations {
                    if let Some(s) = &a.subnet_id {
                        assert!(subnets.contains(s));
                    }
                }
            }
            let ids: Vec<_> = vpcs.iter().chain(&subnets).chain(&sg_ids).chain(&enis).chain(&vols).collect();
            assert_eq!(ids.len(), ids.iter().collect::<BTreeSet<_>>().len(), "duplicate id in {}", r.name);
        }
    }
}

#[test]
fn bucket_logging_targets_exist_in_the_same_account_and_region() {
    for a in all_accounts() {
        let buckets = a.s3.buckets.known().unwrap();
        for b in buckets {
            if let Ok(Some(l)) = b.logging.get() {
                let target = buckets.iter().find(|t| t.name == l.target_bucket);
                assert!(target.is_some_and(|t| t.region == b.region), "{} logs to {}", b.name, l.target_bucket);
            }
        }
    }
}

#[test]
fn peering_is_recorded_on_both_sides() {
    let p = &region(account(ids::PROD), "us-east-1").ec2.peering_connections.known().unwrap()[0];
    let s = &region(account(ids::SECURITY), "us-east-1").ec2.peering_connections.known().unwrap()[0];
    assert_eq!(p, s);
    let prod_vpcs = region(account(ids::PROD), "us-east-1").ec2.vpcs.known().unwrap();
    assert!(prod_vpcs.iter().any(|v| v.id == p.accepter_vpc_id));
    let routes = region(account(ids::PROD), "us-east-1").ec2.route_tables.known().unwrap();
    assert!(routes.iter().flat_map(|r| &r.routes).any(|r| r.target == p.id && r.destination == p.requester_cidr));
}

// ---- planted weaknesses, one test per category ------------------------------------------

#[test]
fn planted_root_without_mfa_and_with_active_key() {
    let root = |id| &account(id).credential_report.known().unwrap()[0];
    assert!(!root(ids::STAGING).mfa_active);
    assert!(root(ids::MANAGEMENT).access_key_1.active);
    for id in [ids::PROD, ids::SECURITY] {
        assert!(root(id).mfa_active && !root(id).access_key_1.active && !root(id).access_key_2.active);
    }
}

#[test]
fn planted_console_users_without_mfa() {
    for (acct, name) in
        [(ids::MANAGEMENT, "priya.natarajan"), (ids::PROD, "lena.fischer"), (ids::STAGING, "sam.oconnor")]
    {
        let u = user(account(acct), name);
        assert!(u.login_profile.known().unwrap().is_some());
        assert!(u.mfa_devices.known().unwrap().is_empty());
    }
    // Everyone else with a console password has MFA.
    let without: usize = all_accounts()
        .iter()
        .flat_map(|a| a.iam.users.known().unwrap())
        .filter(|u| u.login_profile.known().unwrap().is_some() && u.mfa_devices.known().unwrap().is_empty())
        .count();
    assert_eq!(without, 4);
}

#[test]
fn planted_old_access_keys() {
    let now = collected_at();
    let old: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| a.iam.users.known().unwrap())
        .filter(|u| u.access_keys.known().unwrap().iter().any(|k| now - k.created.unwrap() > days(90)))
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(old, ["tom.becker", "svc-partner-sftp", "staging-ci"]);
}

#[test]
fn planted_unused_credentials() {
    let now = collected_at();
    let stale_password = |a, n| now - user(account(a), n).password_last_used.unwrap() >= days(45);
    assert!(stale_password(ids::PROD, "lena.fischer"));
    assert!(stale_password(ids::STAGING, "old.intern"));
    let k = &user(account(ids::MANAGEMENT), "svc-backup-legacy").access_keys.known().unwrap()[0];
    assert!(now - k.last_used.known().unwrap().as_ref().unwrap().date >= days(45));
    let never = &user(account(ids::PROD), "svc-partner-sftp").access_keys.known().unwrap()[1];
    assert_eq!(never.last_used.known().unwrap(), &None);
}

#[test]
fn planted_password_policies() {
    assert_eq!(account(ids::MANAGEMENT).password_policy.known().unwrap(), &None);
    let weak = account(ids::STAGING).password_policy.known().unwrap().as_ref().unwrap();
    assert!(weak.minimum_password_length < 14 && weak.password_reuse_prevention.is_none());
    for id in [ids::PROD, ids::SECURITY] {
        let p = account(id).password_policy.known().unwrap().as_ref().unwrap();
        assert!(p.minimum_password_length >= 14 && p.password_reuse_prevention >= Some(24));
    }
}

#[test]
fn planted_full_admin_customer_policies() {
    let full = serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
    let prod = account(ids::PROD);
    let legacy = prod.iam.policies.known().unwrap().iter().find(|p| p.name == "LegacyFullAccess").unwrap();
    assert_eq!(legacy.document["Statement"], full);
    assert!(!legacy.aws_managed && legacy.attachment_count == 1);
    assert_eq!(user(prod, "jenkins-legacy").attached_policies[0].arn, legacy.arn);
    let inline = &user(account(ids::STAGING), "alex.kim").inline_policies[0];
    assert_eq!(inline.document["Statement"], full);
}

#[test]
fn planted_users_with_direct_policies() {
    let direct: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| a.iam.users.known().unwrap())
        .filter(|u| !u.attached_policies.is_empty() || !u.inline_policies.is_empty())
        .map(|u| u.name.as_str())
        .collect();
    for n in ["jenkins-legacy", "ci-deploy", "alex.kim", "staging-ci", "svc-backup-legacy", "svc-partner-sftp"] {
        assert!(direct.contains(&n), "{n}");
    }
    // People get their permissions through groups.
    assert!(direct.iter().filter(|n| n.contains('.')).all(|n| *n == "alex.kim"));
}

#[test]
fn planted_missing_support_role() {
    let support = "arn:aws:iam::aws:policy/AWSSupportAccess";
    assert!(account(ids::STAGING).iam.policy(support).is_none());
    for id in [ids::MANAGEMENT, ids::PROD, ids::SECURITY] {
        let a = account(id);
        assert!(a.iam.policy(support).is_some_and(|p| p.attachment_count > 0));
        assert!(
            a.iam.roles.known().unwrap().iter().any(|r| r.attached_policies.iter().any(|p| p.arn == support)),
            "{id}"
        );
    }
}

#[test]
fn planted_expired_server_certificate() {
    let certs = account(ids::PROD).iam.server_certificates.known().unwrap();
    let expired: Vec<_> = certs.iter().filter(|c| c.expiration.unwrap() < collected_at()).collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].name, "api-northwind-2025");
    assert_eq!(certs.len(), 2);
}

#[test]
fn planted_block_public_access_gaps() {
    let staging = account(ids::STAGING);
    assert_eq!(staging.s3.account_public_access_block.known().unwrap(), &None);
    for id in [ids::MANAGEMENT, ids::PROD, ids::SECURITY] {
        assert!(account(id).s3.account_public_access_block.known().unwrap().unwrap().all_enabled());
    }
    assert_eq!(bucket(staging, "northwind-staging-preview-site").public_access_block.known().unwrap(), &None);
    let partial = bucket(account(ids::PROD), "northwind-prod-partner-exchange").public_access_block.known().unwrap();
    assert!(!partial.unwrap().all_enabled());
}

#[test]
fn planted_public_bucket_policy_and_acl() {
    let staging = account(ids::STAGING);
    let policy = bucket(staging, "northwind-staging-preview-site").policy.known().unwrap().as_ref().unwrap();
    let st = &policy["Statement"][0];
    assert_eq!((st["Effect"].as_str(), st["Principal"].as_str()), (Some("Allow"), Some("*")));
    assert!(st.get("Condition").is_none());
    let acl = bucket(staging, "northwind-staging-downloads").acl.known().unwrap();
    assert!(acl.grants.iter().any(|g| g.grantee == Grant::ALL_USERS && g.permission == "READ"));
    // No other bucket is public.
    let public_acls = all_accounts()
        .iter()
        .flat_map(|a| a.s3.buckets.known().unwrap())
        .filter(|b| b.acl.known().unwrap().grants.iter().any(|g| g.grantee == Grant::ALL_USERS))
        .count();
    assert_eq!(public_acls, 1);
}

fn denies_plain_http(b: &Bucket) -> bool {
    b.policy.known().unwrap().as_ref().is_some_and(|p| {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false")
    })
}

#[test]
fn planted_bucket_hygiene_gaps() {
    let staging = account(ids::STAGING);
    let sb = staging.s3.buckets.known().unwrap();
    assert!(sb.iter().all(|b| !denies_plain_http(b)));
    assert!(!denies_plain_http(bucket(account(ids::MANAGEMENT), "northwind-mgmt-cur-reports")));
    for id in [ids::PROD, ids::SECURITY] {
        assert!(account(id).s3.buckets.known().unwrap().iter().all(denies_plain_http), "{id}");
    }
    let unencrypted: Vec<_> = sb.iter().filter(|b| b.encryption.known().unwrap().is_none()).map(|b| &b.name).collect();
    assert_eq!(unencrypted, ["northwind-staging-data-samples", "northwind-staging-tmp-exports"]);
    assert!(sb.iter().filter(|b| !b.versioning.known().unwrap().enabled()).count() >= 3);
    assert!(sb.iter().filter(|b| b.logging.known().unwrap().is_none()).count() >= 5);
}

#[test]
fn planted_mfa_delete_only_on_the_trail_bucket() {
    let with: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| a.s3.buckets.known().unwrap())
        .filter(|b| b.versioning.known().unwrap().mfa_delete)
        .map(|b| b.name.clone())
        .collect();
    assert_eq!(with, [crate::s3::org_trail_bucket()]);
}

fn open_to(sg: &SecurityGroup, port: i32, v6: bool) -> bool {
    sg.rules.iter().any(|r| {
        r.direction == warden_model::inventory::Direction::Ingress
            && r.covers_tcp_port(port)
            && if v6 { r.cidr_ipv6.as_deref() == Some("::/0") } else { r.cidr_ipv4.as_deref() == Some("0.0.0.0/0") }
    })
}

fn open_groups(port: i32, v6: bool) -> Vec<String> {
    all_accounts()
        .iter()
        .flat_map(|a| a.regions.iter().map(move |r| (a, r)))
        .flat_map(|(a, r)| {
            sgs(r).iter().filter(move |g| open_to(g, port, v6)).map(move |g| format!("{}/{}/{}", a.id, r.name, g.name))
        })
        .collect()
}

#[test]
fn planted_admin_ports_open_to_the_world() {
    let ssh = format!("{}/us-east-1/bastion-legacy", ids::STAGING);
    let rdp = format!("{}/eu-west-1/windows-jump", ids::PROD);
    let smb = format!("{}/eu-west-1/fileshare-test", ids::STAGING);
    assert_eq!(open_groups(22, false), std::slice::from_ref(&ssh));
    assert_eq!(open_groups(22, true), [ssh]);
    assert_eq!(open_groups(3389, false), std::slice::from_ref(&rdp));
    assert_eq!(open_groups(3389, true), [rdp]);
    assert_eq!(open_groups(445, false), [smb]);
    // The world reaches 443 on every load balancer, as it should.
    let managed_vpcs = all_accounts()
        .iter()
        .flat_map(|a| &a.regions)
        .flat_map(|r| r.ec2.vpcs.known().unwrap())
        .filter(|v| !v.is_default);
    assert_eq!(open_groups(443, false).len(), managed_vpcs.count());
}

#[test]
fn planted_nacl_allows_ssh_from_anywhere() {
    let staging = region(account(ids::STAGING), "us-east-1");
    let custom_ssh = staging.ec2.network_acls.known().unwrap().iter().any(|a| {
        !a.is_default
            && a.entries.iter().any(|e| {
                !e.egress
                    && e.is_allow()
                    && e.protocol == "6"
                    && e.covers_tcp_port(22)
                    && e.cidr_block.as_deref() == Some("0.0.0.0/0")
            })
    });
    assert!(custom_ssh);
    // Custom NACLs elsewhere never open 22 or 3389 to the world.
    for a in all_accounts().iter().filter(|a| a.id != ids::STAGING) {
        for r in &a.regions {
            for acl in r.ec2.network_acls.known().unwrap().iter().filter(|n| !n.is_default) {
                for e in acl.entries.iter().filter(|e| !e.egress && e.is_allow()) {
                    let world =
                        e.cidr_block.as_deref() == Some("0.0.0.0/0") || e.ipv6_cidr_block.as_deref() == Some("::/0");
                    assert!(!(world && (e.covers_tcp_port(22) || e.covers_tcp_port(3389))), "{}", acl.id);
                }
            }
        }
    }
}

#[test]
fn planted_default_security_groups_with_rules() {
    let with_rules: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| a.regions.iter().map(move |r| (a, r)))
        .flat_map(|(a, r)| {
            sgs(r).iter().filter(|g| g.is_default() && !g.rules.is_empty()).map(move |_| format!("{}/{}", a.id, r.name))
        })
        .collect();
    let expected = [
        format!("{}/eu-west-1", ids::MANAGEMENT),
        format!("{}/eu-west-1", ids::PROD),
        format!("{}/us-east-1", ids::STAGING),
        format!("{}/eu-west-1", ids::STAGING),
    ];
    assert_eq!(with_rules, expected);
}

#[test]
fn planted_instance_weaknesses() {
    let staging = region(account(ids::STAGING), "us-east-1");
    let bastion =
        staging.ec2.instances.known().unwrap().iter().find(|i| i.tags["Name"] == "legacy-bastion-01").unwrap();
    assert_eq!(bastion.state, "running");
    assert!(bastion.iam_instance_profile.is_none() && bastion.public_ip.is_some());
    assert_eq!(bastion.metadata_options.http_tokens, "optional");
    let apse2 = region(account(ids::PROD), "ap-southeast-2");
    let v1 =
        apse2.ec2.instances.known().unwrap().iter().filter(|i| i.metadata_options.http_tokens == "optional").count();
    assert_eq!(v1, 2);
    // Only the bastion runs without a profile.
    let no_profile = all_accounts()
        .iter()
        .flat_map(|a| &a.regions)
        .flat_map(|r| r.ec2.instances.known().unwrap())
        .filter(|i| i.state == "running" && i.iam_instance_profile.is_none())
        .count();
    assert_eq!(no_profile, 1);
    // Security and management are IMDSv2 only.
    for id in [ids::SECURITY, ids::MANAGEMENT] {
        for r in &account(id).regions {
            assert!(r.ec2.instances.known().unwrap().iter().all(|i| i.metadata_options.http_tokens == "required"));
        }
    }
}

#[test]
fn planted_ebs_encryption_gaps_and_public_snapshot() {
    let off: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| a.regions.iter().map(move |r| (a, r)))
        .filter(|(_, r)| !r.ec2.ebs_encryption_by_default.known().unwrap())
        .map(|(a, r)| format!("{}/{}", a.id, r.name))
        .collect();
    assert_eq!(
        off,
        [
            format!("{}/ap-southeast-2", ids::PROD),
            format!("{}/us-east-1", ids::STAGING),
            format!("{}/eu-west-1", ids::STAGING)
        ]
    );
    let unencrypted =
        |a: &Account| a.regions.iter().flat_map(|r| r.ec2.volumes.known().unwrap()).filter(|v| !v.encrypted).count();
    assert!(unencrypted(account(ids::STAGING)) > 5);
    assert!(unencrypted(account(ids::PROD)) >= 2);
    assert_eq!(unencrypted(account(ids::SECURITY)), 0);
    let public: Vec<_> = all_accounts()
        .iter()
        .flat_map(|a| &a.regions)
        .flat_map(|r| r.ec2.snapshots.known().unwrap())
        .filter(|s| s.create_volume_permissions.known().unwrap().iter().any(|p| p == "all"))
        .collect();
    assert_eq!(public.len(), 1);
}

#[test]
fn planted_vpcs_without_flow_logs() {
    let mut missing = Vec::new();
    for a in all_accounts() {
        for r in &a.regions {
            let logs = r.ec2.flow_logs.known().unwrap();
            for v in r.ec2.vpcs.known().unwrap() {
                if !logs.iter().any(|l| l.resource_id == v.id) {
                    missing.push((a.id.clone(), v.is_default));
                }
            }
        }
    }
    // Staging's four VPCs and management's default VPC.
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(missing.iter().all(|(id, default)| id == ids::STAGING || *default));
}

#[test]
fn planted_kms_weaknesses_and_unknowns() {
    let key = |acct, reg: &str| -> Vec<warden_model::inventory::KmsKey> {
        region(account(acct), reg).kms.keys.known().unwrap().clone()
    };
    let no_rotation = |acct, reg| {
        key(acct, reg)
            .iter()
            .filter(|k| k.is_customer_managed() && k.supports_rotation() && k.state == "Enabled")
            .filter(|k| k.rotation_enabled.known() == Some(&false))
            .count()
    };
    assert_eq!(no_rotation(ids::STAGING, "us-east-1"), 1);
    assert_eq!(no_rotation(ids::PROD, "ap-southeast-2"), 1);
    assert_eq!(no_rotation(ids::PROD, "us-east-1"), 0);
    let pending: Vec<_> = key(ids::PROD, "eu-west-1").into_iter().filter(|k| k.state == "PendingDeletion").collect();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].deletion_date.unwrap() > collected_at());
    let denied = region(account(ids::SECURITY), "eu-west-1").kms.keys.get().unwrap_err();
    assert_eq!(denied.kind, UnknownKind::AccessDenied);
    let throttled = bucket(account(ids::PROD), "northwind-prod-ml-models").logging.get().unwrap_err();
    assert_eq!(throttled.kind, UnknownKind::Throttled);
}

#[test]
fn planted_cloudtrail_weaknesses() {
    let trails = |acct, reg| region(account(acct), reg).cloudtrail.trails.known().unwrap();
    // The organization trail is sound and visible in every member region.
    for a in all_accounts().iter().filter(|a| a.id != ids::STAGING) {
        for r in &a.regions {
            let org = trails(&a.id, &r.name).iter().find(|t| t.organization_trail).unwrap();
            assert!(org.multi_region && org.log_file_validation && org.kms_key_id.is_some());
            assert!(org.status.known().unwrap().is_logging);
            assert!(org.event_selectors.known().unwrap().logs_all_management_events());
        }
    }
    // Staging: no multi-region trail is logging in any of its regions.
    for reg in ["us-east-1", "eu-west-1"] {
        let logging_multi =
            trails(ids::STAGING, reg).iter().any(|t| t.multi_region && t.status.known().unwrap().is_logging);
        assert!(!logging_multi, "{reg}");
    }
    let debug = trails(ids::STAGING, "us-east-1").iter().find(|t| t.name == "staging-debug").unwrap();
    assert!(!debug.log_file_validation && debug.kms_key_id.is_none());
    let staging_bucket = bucket(account(ids::STAGING), &debug.s3_bucket);
    assert_eq!(staging_bucket.logging.known().unwrap(), &None);
    let org_bucket = bucket(account(ids::SECURITY), &crate::s3::org_trail_bucket());
    assert!(org_bucket.logging.known().unwrap().is_some());
}

#[test]
fn planted_missing_s3_data_events() {
    let has_data_events = |a: &Account| {
        a.regions.iter().flat_map(|r| r.cloudtrail.trails.known().unwrap()).any(|t| {
            let s = t.event_selectors.known().unwrap();
            s.basic.iter().any(|b| b.data_resources.iter().any(|d| d.kind == "AWS::S3::Object"))
                || s.advanced.iter().any(|a| {
                    a.field_selectors
                        .iter()
                        .any(|f| f.field == "resources.type" && f.equals.iter().any(|v| v == "AWS::S3::Object"))
                })
        })
    };
    assert!(has_data_events(account(ids::PROD)));
    assert!(has_data_events(account(ids::SECURITY)));
    assert!(!has_data_events(account(ids::MANAGEMENT)));
    assert!(!has_data_events(account(ids::STAGING)));
}

#[test]
fn planted_missing_security_contact() {
    assert!(account(ids::MANAGEMENT).contacts.known().unwrap().security.is_none());
    for id in [ids::PROD, ids::STAGING, ids::SECURITY] {
        assert!(account(id).contacts.known().unwrap().security.is_some());
    }
}

// ---- the documentation matches the data -------------------------------------------------

/// Every resource identifier the README quotes in backticks exists in the default estate,
/// so the table cannot drift from the generator.
#[test]
fn readme_identifiers_exist_in_the_default_estate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json = serde_json::to_string(estate()).unwrap();
    let is_uuid = |s: &str| {
        let parts: Vec<_> = s.split('-').map(str::len).collect();
        parts == [8, 4, 4, 4, 12] && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
    };
    let prefixes = ["sg-", "i-", "acl-", "vpc-", "snap-", "northwind-", "alias/", "arn:aws:iam::"];
    let mut checked = 0;
    for token in readme.split('`').skip(1).step_by(2) {
        let id_like = prefixes.iter().any(|p| token.starts_with(p)) || is_uuid(token);
        if !id_like || token.contains(['*', '<', ' ']) {
            continue;
        }
        assert!(json.contains(&format!("\"{token}\"")), "README quotes `{token}`, which the estate does not contain");
        checked += 1;
    }
    for name in PLANTED_USERS {
        assert!(readme.contains(&format!("`{name}`")), "README does not mention `{name}`");
        assert!(json.contains(&format!("\"name\":\"{name}\"")), "no user `{name}`");
    }
    assert!(checked >= 40, "only {checked} identifiers checked");
}

const PLANTED_USERS: &[&str] = &[
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
];

#[test]
fn trails_point_at_real_buckets_and_keys_that_admit_them() {
    let buckets: Vec<&Bucket> = all_accounts().iter().flat_map(|a| a.s3.buckets.known().unwrap()).collect();
    let keys: BTreeSet<String> = all_accounts()
        .iter()
        .flat_map(|a| &a.regions)
        .filter_map(|r| r.kms.keys.known())
        .flatten()
        .map(|k| k.arn.clone())
        .collect();
    for a in all_accounts() {
        for r in &a.regions {
            for t in r.cloudtrail.trails.known().unwrap() {
                let b = buckets.iter().find(|b| b.name == t.s3_bucket).unwrap_or_else(|| panic!("{}", t.s3_bucket));
                let policy = b.policy.known().unwrap().as_ref().unwrap().to_string();
                assert!(policy.contains(&t.arn), "{} does not admit {}", b.name, t.arn);
                if let Some(k) = &t.kms_key_id {
                    assert!(keys.contains(k), "{}: key {k}", t.arn);
                }
            }
            for v in r.ec2.volumes.known().unwrap() {
                if let Some(k) = &v.kms_key_id {
                    assert!(keys.contains(k) || r.kms.keys.known().is_none(), "{}: key {k}", v.id);
                }
            }
        }
    }
}

// ---- the README's expected-results table, evaluated on the model --------------------------

/// A small, independent evaluation of each requirement in the README's "expected result"
/// table; the test compares it cell by cell with the table.
fn evaluate(requirement: &str, a: &Account) -> &'static str {
    use warden_model::inventory::Direction;
    let now = collected_at();
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let users = a.iam.users.known().unwrap();
    let buckets = a.s3.buckets.known().unwrap();
    let root = &a.credential_report.known().unwrap()[0];
    let policy = a.password_policy.known().unwrap().as_ref();
    let trails: Vec<_> = a.regions.iter().flat_map(|r| r.cloudtrail.trails.known().unwrap()).collect();
    let instances: Vec<_> = a.regions.iter().flat_map(|r| r.ec2.instances.known().unwrap()).collect();
    let groups: Vec<_> = a.regions.iter().flat_map(sgs).collect();
    let world = |v4: Option<&str>, v6: Option<&str>| v4 == Some("0.0.0.0/0") || v6 == Some("::/0");
    let sg_open = |port| {
        groups.iter().any(|g| {
            g.rules.iter().any(|r| {
                r.direction == Direction::Ingress
                    && r.covers_tcp_port(port)
                    && world(r.cidr_ipv4.as_deref(), r.cidr_ipv6.as_deref())
            })
        })
    };
    let estate_bucket = |name: &str| {
        all_accounts().iter().flat_map(|x| x.s3.buckets.known().unwrap()).find(|b| b.name == name).unwrap()
    };
    match requirement {
        "security contact" => verdict(a.contacts.known().unwrap().security.is_some()),
        "no root access key" => verdict(!root.access_key_1.active && !root.access_key_2.active),
        "root MFA" => verdict(root.mfa_active),
        "password length ≥ 14" => verdict(policy.is_some_and(|p| p.minimum_password_length >= 14)),
        "password reuse prevented" => verdict(policy.is_some_and(|p| p.password_reuse_prevention.is_some())),
        "MFA for console users" => verdict(
            users
                .iter()
                .all(|u| u.login_profile.known().unwrap().is_none() || !u.mfa_devices.known().unwrap().is_empty()),
        ),
        "credentials unused ≥ 45 days" => verdict(users.iter().all(|u| {
            let password_ok = u.login_profile.known().unwrap().is_none()
                || now - u.password_last_used.or(u.created).unwrap() < days(45);
            let keys_ok = u.access_keys.known().unwrap().iter().all(|k| {
                let last = k.last_used.known().unwrap().as_ref().map(|l| l.date).or(k.created).unwrap();
                now - last < days(45)
            });
            password_ok && keys_ok
        })),
        "keys rotated ≤ 90 days" => verdict(
            users.iter().flat_map(|u| u.access_keys.known().unwrap()).all(|k| now - k.created.unwrap() <= days(90)),
        ),
        "permissions only through groups" => {
            verdict(users.iter().all(|u| u.attached_policies.is_empty() && u.inline_policies.is_empty()))
        }
        "no customer policy with `*:*` attached" => verdict(!a.iam.policies.known().unwrap().iter().any(|p| {
            !p.aws_managed
                && p.attachment_count > 0
                && p.document["Statement"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["Effect"] == "Allow" && s["Action"] == "*" && s["Resource"] == "*")
        })),
        "AWSSupportAccess attached" => {
            verdict(a.iam.policy("arn:aws:iam::aws:policy/AWSSupportAccess").is_some_and(|p| p.attachment_count > 0))
        }
        "instances have instance roles" => {
            verdict(instances.iter().filter(|i| i.state == "running").all(|i| i.iam_instance_profile.is_some()))
        }
        "no expired server certificates" => {
            verdict(a.iam.server_certificates.known().unwrap().iter().all(|c| c.expiration.is_none_or(|e| e > now)))
        }
        "bucket policies deny HTTP" => verdict(buckets.iter().all(denies_plain_http)),
        "MFA delete" => verdict(buckets.iter().all(|b| b.versioning.known().unwrap().mfa_delete)),
        "Block Public Access, account" => {
            verdict(a.s3.account_public_access_block.known().unwrap().is_some_and(|p| p.all_enabled()))
        }
        "Block Public Access, bucket setting itself" => {
            verdict(buckets.iter().all(|b| b.public_access_block.known().unwrap().is_some_and(|p| p.all_enabled())))
        }
        "multi-region trail logging in every region" => verdict(a.regions.iter().all(|r| {
            r.cloudtrail.trails.known().unwrap().iter().any(|t| {
                t.multi_region
                    && t.status.known().unwrap().is_logging
                    && t.event_selectors.known().unwrap().logs_all_management_events()
            })
        })),
        "log file validation" => verdict(trails.iter().all(|t| t.log_file_validation)),
        "access logging on the trail bucket" => {
            verdict(trails.iter().all(|t| estate_bucket(&t.s3_bucket).logging.known().unwrap().is_some()))
        }
        "trails encrypted with a CMK" => verdict(trails.iter().all(|t| t.kms_key_id.is_some())),
        "CMK rotation" => {
            let mut error = false;
            let mut fail = false;
            for r in &a.regions {
                match r.kms.keys.get() {
                    Err(_) => error = true,
                    Ok(keys) => {
                        for k in keys
                            .iter()
                            .filter(|k| k.is_customer_managed() && k.supports_rotation() && k.state == "Enabled")
                        {
                            match k.rotation_enabled.get() {
                                Ok(on) => fail |= !on,
                                Err(_) => error = true,
                            }
                        }
                    }
                }
            }
            if fail {
                "FAIL"
            } else if error {
                "ERROR"
            } else {
                "PASS"
            }
        }
        "flow logs in every VPC" => verdict(a.regions.iter().all(|r| {
            let logs = r.ec2.flow_logs.known().unwrap();
            r.ec2.vpcs.known().unwrap().iter().all(|v| logs.iter().any(|l| l.resource_id == v.id))
        })),
        "S3 object-level logging" => verdict(trails.iter().any(|t| {
            let s = t.event_selectors.known().unwrap();
            s.basic.iter().any(|b| b.data_resources.iter().any(|d| d.kind == "AWS::S3::Object"))
                || s.advanced
                    .iter()
                    .flat_map(|x| &x.field_selectors)
                    .any(|f| f.equals.iter().any(|v| v == "AWS::S3::Object"))
        })),
        "EBS encryption by default" => {
            verdict(a.regions.iter().all(|r| *r.ec2.ebs_encryption_by_default.known().unwrap()))
        }
        "CIFS not open to the world" => verdict(!sg_open(445)),
        "no NACL admits admin ports from the world" => verdict(!a.regions.iter().any(|r| {
            r.ec2.network_acls.known().unwrap().iter().any(|n| {
                n.entries.iter().any(|e| {
                    !e.egress
                        && e.is_allow()
                        && world(e.cidr_block.as_deref(), e.ipv6_cidr_block.as_deref())
                        && (e.covers_tcp_port(22) || e.covers_tcp_port(3389))
                })
            })
        })),
        "no SG admits admin ports from the world" => verdict(!sg_open(22) && !sg_open(3389)),
        "default SG restricts all traffic" => {
            verdict(groups.iter().filter(|g| g.is_default()).all(|g| g.rules.is_empty()))
        }
        "IMDSv2 only" => verdict(instances.iter().all(|i| i.metadata_options.http_tokens == "required")),
        other => panic!("README requirement `{other}` has no evaluator"),
    }
}

#[test]
fn readme_expected_results_match_the_estate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let section = readme.split("## Expected result per CIS requirement and account").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    let order = [ids::MANAGEMENT, ids::PROD, ids::STAGING, ids::SECURITY];
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| ") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 6, "{line}");
        for (i, id) in order.iter().enumerate() {
            let expected = cells[2 + i].split_whitespace().next().unwrap();
            let got = evaluate(cells[1], account(id));
            assert_eq!(got, expected, "CIS {} `{}` in {id}", cells[0], cells[1]);
        }
        rows += 1;
    }
    assert!(rows >= 30, "only {rows} rows");
}

#[test]
fn organization_tree_covers_members_but_not_staging() {
    use warden_model::inventory::{ChainGap, OrgPolicyKind};
    let org = estate().inventory.organization.known().unwrap().as_ref().unwrap();
    assert_eq!(org.management_account_id, ids::MANAGEMENT);
    let scp = |id: &str| org.policy_chain(id, OrgPolicyKind::ServiceControlPolicy);
    // Management at the root: root level and account level.
    assert_eq!(scp(ids::MANAGEMENT).unwrap().unwrap().len(), 2);
    // Prod: root, Workloads, Prod, account; the tooling guard sits on Workloads.
    let prod = scp(ids::PROD).unwrap().unwrap();
    assert_eq!(prod.len(), 4);
    assert_eq!(prod[1].len(), 2, "FullAWSAccess and ProtectSecurityTooling on Workloads");
    assert_eq!(scp(ids::STAGING), Err(ChainGap::NotAMember));
    let rcp = org.policy_chain(ids::SECURITY, OrgPolicyKind::ResourceControlPolicy).unwrap().unwrap();
    assert!(rcp.iter().all(|level| level.len() == 1));
}

#[test]
fn planted_backup_gaps() {
    // Staging has no backup plan anywhere.
    for r in &account(ids::STAGING).regions {
        assert!(r.backup.plans.known().unwrap().is_empty(), "staging {}", r.name);
    }
    // Prod us-east-1 names EFS by service only, and EFS is opted out there.
    let b = &region(account(ids::PROD), "us-east-1").backup;
    assert_eq!(b.opt_in.known().unwrap().get("EFS"), Some(&false));
    let selections = b.plans.known().unwrap()[0].selections.known().unwrap();
    assert!(selections.iter().all(|s| !s.resources.iter().any(|p| p.ends_with(":file-system/*"))));
    assert!(selections.iter().any(|s| s.resources.iter().any(|p| p == "arn:aws:elasticfilesystem:*")));
    // Everywhere else in the organization: one plan selecting every stateful type by ARN.
    for a in all_accounts().iter().filter(|a| a.id != ids::STAGING) {
        for r in a.regions.iter().filter(|r| !(a.id == ids::PROD && r.name == "us-east-1")) {
            let plans = r.backup.plans.known().unwrap();
            assert_eq!(plans.len(), 1, "{} {}", a.id, r.name);
            let resources = &plans[0].selections.known().unwrap()[0].resources;
            assert!(resources.iter().any(|p| p.ends_with(":file-system/*")), "{} {}", a.id, r.name);
            assert!(
                resources.iter().any(|p| p.ends_with(":volume/*")) && resources.iter().any(|p| p.ends_with(":db:*"))
            );
        }
    }
}

#[test]
fn planted_key_in_use_beside_a_roleless_instance() {
    let staging = account(ids::STAGING);
    let bastion =
        region(staging, "us-east-1").ec2.instances.known().unwrap().iter().find(|i| i.id == "i-7184595dad326bca5");
    assert!(bastion.is_some_and(|i| i.iam_instance_profile.is_none()));
    let keys = user(staging, "staging-ci").access_keys.known().unwrap();
    let used = keys[0].last_used.known().unwrap().as_ref().unwrap();
    assert_eq!(used.region.as_deref(), Some("us-east-1"));
    assert!(collected_at() - used.date < days(90));
}

#[test]
fn planted_admin_role_assumable_without_mfa() {
    for id in [ids::PROD, ids::SECURITY] {
        let roles = account(id).iam.roles.known().unwrap();
        let r = roles.iter().find(|r| r.name == "OrganizationAccountAccessRole").unwrap();
        let trust = r.trust_policy.to_string();
        assert!(trust.contains(&format!("arn:aws:iam::{}:root", ids::MANAGEMENT)) && !trust.contains("MultiFactor"));
        assert!(r.attached_policies.iter().any(|p| p.arn == "arn:aws:iam::aws:policy/AdministratorAccess"));
    }
}

/// The first statement of a known, present policy.
fn first_statement(policy: &warden_model::Observed<Option<serde_json::Value>>) -> &serde_json::Value {
    &policy.known().unwrap().as_ref().unwrap()["Statement"][0]
}

#[test]
fn planted_resource_policy_exposures() {
    let staging = account(ids::STAGING);
    let prod = account(ids::PROD);
    let staging_us = region(staging, "us-east-1");
    let prod_us = region(prod, "us-east-1");

    // Staging: a function URL anyone can call, a repository anyone can pull from, a
    // topic anyone can subscribe to, a public DB snapshot, a secret the partner reads.
    let webhook = &staging_us.lambda.functions.known().unwrap()[0];
    let st = first_statement(&webhook.policy);
    assert_eq!(
        (webhook.name.as_str(), &st["Principal"], &st["Action"]),
        ("preview-webhook", &"*".into(), &"lambda:InvokeFunctionUrl".into())
    );
    assert_eq!(st["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"], "NONE");
    let repo = &staging_us.ecr.repositories.known().unwrap()[0];
    assert_eq!((repo.name.as_str(), &first_statement(&repo.policy)["Principal"]), ("preview-site", &"*".into()));
    let builds =
        staging_us.sns.topics.known().unwrap().iter().find(|t| t.arn.ends_with(":staging-build-events")).unwrap();
    let open = &builds.policy.known().unwrap().as_ref().unwrap()["Statement"][1];
    assert_eq!((&open["Principal"]["AWS"], open.get("Condition")), (&"*".into(), None));
    let snap = &staging_us.rds.snapshots.known().unwrap()[0];
    assert_eq!(
        (snap.id.as_str(), snap.restore.known().unwrap().as_slice()),
        ("staging-db-before-upgrade", &["all".to_owned()][..])
    );
    let token = staging_us
        .secretsmanager
        .secrets
        .known()
        .unwrap()
        .iter()
        .find(|s| s.name == "staging/partner-integration-token")
        .unwrap();
    assert!(first_statement(&token.policy)["Principal"]["AWS"].as_str().unwrap().contains(ids::PARTNER));
    let scratch = &region(staging, "eu-west-1").efs.file_systems.known().unwrap()[0];
    assert_eq!(first_statement(&scratch.policy)["Principal"]["AWS"], "*");

    // Prod: layer version 3 public (4 is organization-only), the partner's queue and
    // cluster snapshot, a table open to the acquired company's organization.
    let layers = prod_us.lambda.layer_versions.known().unwrap();
    let principal_cond = |v: i64| {
        let l = layers.iter().find(|l| l.version == v).unwrap();
        let st = first_statement(&l.policy);
        (st["Principal"].clone(), st.get("Condition").cloned())
    };
    assert_eq!(principal_cond(3), ("*".into(), None));
    assert_eq!(principal_cond(4).1.unwrap()["StringEquals"]["aws:PrincipalOrgID"], ids::ORG);
    let inbound = prod_us.sqs.queues.known().unwrap().iter().find(|q| q.name == "partner-orders-inbound").unwrap();
    assert!(first_statement(&inbound.policy)["Principal"]["AWS"].as_str().unwrap().contains(ids::PARTNER));
    let export = prod_us.rds.cluster_snapshots.known().unwrap().iter().find(|s| s.id == "fleet-aurora-export").unwrap();
    assert_eq!(export.restore.known().unwrap(), &[ids::PARTNER.to_owned()]);
    let telemetry = &region(prod, "eu-west-1").dynamodb.tables.known().unwrap()[0];
    assert_eq!(
        first_statement(&telemetry.policy)["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
        ids::ACQUIRED_ORG
    );

    // Neither outside id belongs to the estate.
    assert!(all_accounts().iter().all(|a| a.id != ids::PARTNER));
    assert_ne!(ids::ACQUIRED_ORG, ids::ORG);
}
