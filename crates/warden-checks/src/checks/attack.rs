//! Attack paths: chains that join findings of separate analyses into one way in.
//!
//! `attack_path_internet_to_admin` joins `warden-net`'s reachability of each network
//! interface (and of each target behind an internet-facing load balancer) with the
//! privilege-escalation graph of `warden_iam::privesc`: an instance the internet can
//! reach, whose instance profile holds a role that is (or can make itself)
//! administrator, is one exploited service away from the whole account.
//!
//! `attack_path_public_data_store` joins the exposure analysis (`warden_iam::exposure`)
//! with the owner's own data classification tags: a public bucket marked sensitive.
//!
//! See `docs/attack-paths.md`.

use super::net::{describe, each_region};
use super::{ec2_arn, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use serde_json::json;
use std::collections::BTreeMap;
use warden_iam::exposure::Level;
use warden_iam::privesc::{self, PrincipalPaths};
use warden_model::inventory::{Role, Tags};
use warden_model::{Unknown, UnknownKind};
use warden_net::Exposure;

pub(super) const CHECKS: &[(&str, CheckFn)] =
    &[("attack_path_internet_to_admin", internet_to_admin), ("attack_path_public_data_store", public_data_store)];

/// Instance id → its reachable ranges, per (account id, region).
type Reachable = BTreeMap<(String, String), BTreeMap<String, Vec<Exposure>>>;

/// What the privilege-escalation graph says about one role.
enum RoleReach<'a> {
    Admin,
    Escalates(&'a PrincipalPaths),
    No,
}

fn internet_to_admin(ctx: &Ctx, out: &mut Out) {
    // Reachability first: the privesc graph is only built for accounts that need it.
    let mut reachable: Reachable = BTreeMap::new();
    each_region(ctx, out, |_, a, r, reach| {
        let direct = reach.interfaces.into_iter().flat_map(|(_, analysis)| analysis.exposures);
        let through_lbs = reach.load_balancers.into_iter().flat_map(|(_, analysis)| analysis.exposures);
        for e in direct.chain(through_lbs) {
            let Some(instance) = e.instance_id().map(str::to_owned) else { continue };
            reachable.entry((a.id.clone(), r.name.clone())).or_default().entry(instance).or_default().push(e);
        }
    });
    for a in ctx.accounts() {
        // Built at most once per account, on the first reachable instance with a role.
        let mut graph: Option<std::rc::Rc<privesc::Analysis>> = None;
        for r in &a.regions {
            let Some(by_instance) = reachable.get(&(a.id.clone(), r.name.clone())) else { continue };
            let region_res =
                || resource(a, &r.name, "AwsEc2Region", format!("arn:{}:ec2:{}:{}:region", a.partition, r.name, a.id));
            let Some(instances) = out.need(&r.ec2.instances, region_res, "EC2 instances") else { continue };
            for (id, exposures) in by_instance {
                let inst = instances.iter().find(|i| &i.id == id);
                let res = tagged(
                    resource(a, &r.name, "AwsEc2Instance", ec2_arn(a, &r.name, "instance", id)),
                    inst.map(|i| &i.tags).unwrap_or(&Tags::new()),
                );
                let Some(inst) = inst else {
                    let why = Unknown {
                        kind: UnknownKind::MalformedResponse,
                        message: format!("an interface is attached to `{id}`, which the instance list lacks"),
                    };
                    out.unknown(res, &format!("instance {id}"), &why);
                    continue;
                };
                if matches!(inst.state.as_str(), "terminated" | "shutting-down") {
                    continue;
                }
                let ports: Vec<String> = exposures.iter().map(describe).collect();
                let ports = ports.join(", ");
                let base = json!({
                    "instance": id,
                    "state": inst.state,
                    "reachable": exposures,
                    "instance_profile": inst.iam_instance_profile,
                });
                let Some(profile) = &inst.iam_instance_profile else {
                    let msg =
                        format!("instance {id} is reachable from the internet on {ports} but has no instance profile");
                    out.pass(res, msg, base);
                    continue;
                };
                let Some(roles) = out.need(&a.iam.roles, || res.clone(), "IAM roles") else { continue };
                let Some(role) = roles.iter().find(|ro| ro.instance_profiles.contains(profile)) else {
                    let msg = format!(
                        "instance {id} is reachable from the internet on {ports} but its instance profile holds no role"
                    );
                    out.pass(res, msg, base);
                    continue;
                };
                if graph.is_none() {
                    let Some(_) = out.need(&a.iam.users, || res.clone(), "IAM users") else { continue };
                    graph = Some(ctx.escalation(a));
                }
                let Some(g) = &graph else { continue };
                judge(out, res, inst.id.as_str(), &ports, base, profile, role, g);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn judge(
    out: &mut Out,
    res: warden_model::Resource,
    id: &str,
    ports: &str,
    mut evidence: serde_json::Value,
    profile: &str,
    role: &Role,
    g: &privesc::Analysis,
) {
    let reach = match g.principals.iter().find(|p| p.principal == role.arn) {
        Some(p) if p.admin => RoleReach::Admin,
        Some(p) if p.escalates() => RoleReach::Escalates(p),
        _ => RoleReach::No,
    };
    let name = &role.name;
    let chain = format!("internet → {ports} → instance {id} → profile {} → role {name}", last(profile));
    if let Some(map) = evidence.as_object_mut() {
        map.insert("role".into(), json!(role.arn));
        map.insert("chain".into(), json!(chain));
    }
    let set = |evidence: &mut serde_json::Value, key: &str, value: serde_json::Value| {
        if let Some(map) = evidence.as_object_mut() {
            map.insert(key.into(), value);
        }
    };
    match reach {
        RoleReach::Admin => {
            set(&mut evidence, "role_admin", json!(true));
            set(&mut evidence, "escalation", json!("role is admin"));
            let msg =
                format!("instance {id} is reachable from the internet on {ports} and its role {name} is administrator");
            out.fail(res, msg, evidence);
        }
        RoleReach::Escalates(p) => {
            let shortest = p.paths.first().map(Vec::as_slice).unwrap_or_default();
            let route: Vec<String> =
                shortest.iter().map(|h| format!("{} on {}", h.technique, last(&h.target))).collect();
            set(&mut evidence, "role_admin", json!(false));
            set(&mut evidence, "escalation", json!(p.paths));
            let msg = format!(
                "instance {id} is reachable from the internet on {ports} and its role {name} can become administrator in {} step(s): {}",
                shortest.len(),
                route.join(", then ")
            );
            out.fail(res, msg, evidence);
        }
        RoleReach::No => {
            // No path found, but a policy the engine could not read may hide one.
            let problems: Vec<&warden_iam::authorizer::PolicyProblem> = g
                .errors
                .iter()
                .filter(|e| {
                    e.policy.starts_with(&format!("{}#", role.arn))
                        || role.attached_policies.iter().any(|ap| ap.arn == e.policy)
                })
                .collect();
            if let Some(first) = problems.first() {
                let why = Unknown {
                    kind: UnknownKind::MalformedResponse,
                    message: format!("policy `{}`: {}", first.policy, first.error),
                };
                return out.unknown(res, &format!("the policies of role {name}"), &why);
            }
            set(&mut evidence, "role_admin", json!(false));
            set(&mut evidence, "escalation", json!([]));
            let msg = format!(
                "instance {id} is reachable from the internet on {ports} but its role {name} cannot become administrator"
            );
            out.pass(res, msg, evidence);
        }
    }
}

/// The last segment of an ARN (`role/x` → `x`).
fn last(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// Tag keys (compared case-insensitively) that carry a data classification.
const CLASSIFICATION_KEYS: &[&str] = &["data-classification", "dataclassification", "classification", "sensitivity"];

/// Values (case-insensitive) of those tags that mark data as sensitive.
const SENSITIVE_VALUES: &[&str] = &["confidential", "restricted", "sensitive", "pii", "secret"];

/// The classification tag marking `tags` sensitive, if any.
fn sensitive_tag(tags: &Tags) -> Option<(&str, &str)> {
    tags.iter()
        .find(|(k, v)| {
            CLASSIFICATION_KEYS.iter().any(|c| k.eq_ignore_ascii_case(c))
                && SENSITIVE_VALUES.iter().any(|s| v.trim().eq_ignore_ascii_case(s))
        })
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// FAIL for public buckets tagged sensitive; PASS for sensitive buckets that are not
/// public. Buckets without a sensitive classification get no finding.
fn public_data_store(ctx: &Ctx, out: &mut Out) {
    let an = warden_iam::exposure::Analyzer::new(&ctx.snapshot.inventory, &[]);
    for a in ctx.accounts() {
        let Some(buckets) = out.need(&a.s3.buckets, || super::account_resource(a), "the S3 bucket list") else {
            continue;
        };
        for b in buckets {
            let res = resource(a, &b.region, "AwsS3Bucket", b.arn(&a.partition));
            let e = an.bucket(a, b);
            let public = matches!(e.level, Level::Public);
            // Tags only matter for a public bucket: unreadable tags elsewhere are no error.
            let tags = match b.tags.get() {
                Ok(tags) => tags,
                Err(why) if public => {
                    out.unknown(res, &format!("the tags of public bucket {}", b.name), why);
                    continue;
                }
                Err(_) => continue,
            };
            let res = tagged(res, tags);
            let Some((key, value)) = sensitive_tag(tags) else { continue };
            let classification = json!({ "tag": key, "value": value });
            match &e.level {
                Level::Unknown { reason } => {
                    let why = Unknown { kind: UnknownKind::Error, message: reason.clone() };
                    out.unknown(res, &format!("who can reach bucket {}", b.name), &why);
                }
                Level::Public => {
                    let mut actions: Vec<&str> = e
                        .accesses
                        .iter()
                        .filter(|x| x.is_public())
                        .flat_map(|x| x.actions.iter().map(String::as_str))
                        .collect();
                    actions.sort_unstable();
                    actions.dedup();
                    let msg = format!(
                        "bucket {} is tagged {key}={value} and is public: anyone can {}",
                        b.name,
                        actions.join(", ")
                    );
                    out.fail(res, msg, json!({ "classification": classification, "exposure": e }));
                }
                _ => {
                    let msg = format!("bucket {} is tagged {key}={value} and is not public", b.name);
                    out.pass(res, msg, json!({ "classification": classification, "exposure": e }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Registry, Selection};
    use serde_json::json;
    use warden_model::{Inventory, Snapshot, Status};

    /// The first must-fire case of `tests/cases/attack.yaml`, read back for its evidence.
    fn findings(case: usize) -> Vec<warden_model::Finding> {
        let text = include_str!("../../tests/cases/attack.yaml");
        let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).unwrap();
        yaml.apply_merge().unwrap();
        let cases = serde_json::to_value(&yaml).unwrap();
        let accounts = serde_json::from_value(cases[case]["accounts"].clone()).unwrap();
        let now = "2026-11-01T00:00:00Z".parse().unwrap();
        let snap = Snapshot::new("t", now, Inventory { accounts, organization: Default::default() });
        let sel = Selection { checks: vec!["attack_path_internet_to_admin".into()], ..Default::default() };
        Registry::builtin().unwrap().run(&snap, &sel, now).unwrap()
    }

    #[test]
    fn admin_role_evidence_holds_the_whole_chain() {
        let f = findings(0);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].severity, warden_model::Severity::Critical);
        let ev = &f[0].evidence;
        let hops: Vec<&str> =
            ev["reachable"][0]["path"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
        assert_eq!(
            hops,
            ["internet-gateway", "route-table", "network-acl", "network-acl", "security-group", "network-interface"]
        );
        assert_eq!(ev["reachable"][0]["from_port"], json!(22));
        assert_eq!(ev["instance"], json!("i-1"));
        assert_eq!(ev["instance_profile"], json!("arn:aws:iam::111122223333:instance-profile/web"));
        assert_eq!(ev["role"], json!("arn:aws:iam::111122223333:role/web-admin"));
        assert_eq!(ev["escalation"], json!("role is admin"));
        assert_eq!(ev["chain"], json!("internet → tcp/22 → instance i-1 → profile web → role web-admin"));
    }

    #[test]
    fn an_instance_behind_a_load_balancer_carries_the_listener_and_target_group_in_its_path() {
        let f = findings(10);
        assert_eq!((f.len(), f[0].status), (1, Status::Fail));
        let reached = &f[0].evidence["reachable"][0];
        assert_eq!((reached["kind"].as_str(), reached["listener_port"].as_u64()), (Some("target"), Some(443)));
        let hops: Vec<&str> = reached["path"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
        assert!(hops.contains(&"listener") && hops.contains(&"target-group"), "{hops:?}");
        assert_eq!(hops.last(), Some(&"network-interface"));
        assert_eq!(
            f[0].evidence["chain"],
            json!("internet → tcp/8080 via web HTTPS 443 → instance i-1 → profile web → role web-admin")
        );
    }

    #[test]
    fn escalating_role_evidence_names_technique_target_and_statement() {
        let f = findings(1);
        assert_eq!(f.len(), 1);
        let hop = &f[0].evidence["escalation"][0][0];
        assert_eq!(hop["technique"], json!("iam-put-role-policy"));
        assert_eq!(hop["target"], json!("arn:aws:iam::111122223333:role/app"));
        assert_eq!(hop["to"], json!("admin"));
        let reasons = hop["steps"][0]["reasons"].as_array().unwrap();
        assert!(!reasons.is_empty(), "{hop}");
    }
}
