use super::policy::full_admin;
use super::{account_resource, preview, resource, tagged};
use crate::engine::{CheckFn, Ctx, Out};
use chrono::{DateTime, Utc};
use serde_json::json;
use warden_model::Resource;
use warden_model::inventory::{Account, CredentialReportRow, KeyStatus, User};

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    ("iam_root_mfa_enabled", root_mfa),
    ("iam_root_hardware_mfa", root_hardware_mfa),
    ("iam_root_no_access_keys", root_access_keys),
    ("iam_root_not_used_recently", root_recent_use),
    ("iam_user_console_mfa", user_console_mfa),
    ("iam_access_key_rotated_90_days", key_rotation),
    ("iam_credentials_unused_45_days", unused_credentials),
    ("iam_password_policy_min_length_14", password_length),
    ("iam_password_policy_prevents_reuse", password_reuse),
    ("iam_customer_policy_no_full_admin", managed_full_admin),
    ("iam_inline_policy_no_full_admin", inline_full_admin),
    ("iam_user_no_direct_policies", direct_policies),
    ("iam_support_role_exists", support_role),
    ("iam_server_certificate_not_expired", server_certificates),
    ("iam_user_single_active_key", single_active_key),
    ("iam_user_not_admin_equivalent", user_admin_equivalent),
    ("iam_role_used_in_90_days", unused_roles),
    ("iam_principal_privilege_escalation", privilege_escalation),
    ("iam_cloudshell_full_access_not_attached", cloudshell_full_access),
    ("iam_users_managed_centrally", users_managed_centrally),
];

const ROLE_UNUSED_DAYS: i64 = 90;

/// Actions that together mean "administrator" (shared with the escalation graph).
const ADMIN_PROBES: &[&str] = warden_iam::privesc::ADMIN_PROBES;

const ROTATION_DAYS: i64 = 90;
const UNUSED_DAYS: i64 = 45;
const ROOT_RECENT_DAYS: i64 = 30;

fn user_resource(a: &Account, u: &User) -> Resource {
    tagged(resource(a, "global", "AwsIamUser", u.arn.clone()), &u.tags)
}

fn row_resource(a: &Account, row: &CredentialReportRow) -> Resource {
    if row.is_root() { account_resource(a) } else { resource(a, "global", "AwsIamUser", row.arn.clone()) }
}

fn root_row(a: &Account) -> Option<Result<Option<&CredentialReportRow>, &warden_model::Unknown>> {
    Some(a.credential_report.get().map(|rows| rows.iter().find(|r| r.is_root())))
}

fn root_mfa(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        // The credential report is the primary source; the account summary's
        // AccountMFAEnabled answers the same question when the report is unreadable.
        let from_report = root_row(a).and_then(|r| r.ok().flatten()).map(|row| row.mfa_active);
        let from_summary = a.summary.known().and_then(|s| s.get("AccountMFAEnabled")).map(|v| *v == 1);
        match from_report.or(from_summary) {
            Some(ok) => {
                let msg = if ok {
                    format!("the root user of {} has MFA", a.id)
                } else {
                    format!(
                        "the root user of {} has no MFA device: a leaked password is enough to take the account",
                        a.id
                    )
                };
                let source = if from_report.is_some() { "credential report" } else { "account summary" };
                out.verdict(ok, account_resource(a), msg, json!({ "mfa_active": ok, "source": source }));
            }
            None => {
                let why = a.credential_report.get().err().or(a.summary.get().err());
                match why {
                    Some(why) => out.unknown(account_resource(a), "the credential report and account summary", why),
                    None => out.unknown(
                        account_resource(a),
                        "the root user's MFA state",
                        &warden_model::Unknown {
                            kind: warden_model::UnknownKind::MalformedResponse,
                            message: "no <root_account> row in the credential report".into(),
                        },
                    ),
                }
            }
        }
    }
}

fn root_access_keys(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let from_report = root_row(a)
            .and_then(|r| r.ok().flatten())
            .map(|row| row.keys().iter().filter(|(_, k)| k.active).map(|(n, _)| *n).collect::<Vec<_>>());
        let from_summary = a.summary.known().and_then(|s| s.get("AccountAccessKeysPresent")).copied();
        match (from_report, from_summary) {
            (Some(active), _) => {
                let ok = active.is_empty();
                let msg = if ok {
                    format!("the root user of {} has no active access key", a.id)
                } else {
                    format!("the root user of {} has {} active access key(s): delete them", a.id, active.len())
                };
                out.verdict(ok, account_resource(a), msg, json!({ "active_root_keys": active }));
            }
            (None, Some(n)) => {
                let ok = n == 0;
                let msg = if ok {
                    format!("the root user of {} has no access key", a.id)
                } else {
                    format!("the root user of {} has access keys: delete them", a.id)
                };
                out.verdict(ok, account_resource(a), msg, json!({ "AccountAccessKeysPresent": n }));
            }
            (None, None) => {
                if let Err(why) = a.credential_report.get() {
                    out.unknown(account_resource(a), "the credential report", why);
                } else if let Err(why) = a.summary.get() {
                    out.unknown(account_resource(a), "the account summary", why);
                }
            }
        }
    }
}

fn root_recent_use(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(rows) = out.need(&a.credential_report, || account_resource(a), "the credential report") else {
            continue;
        };
        let Some(root) = rows.iter().find(|r| r.is_root()) else { continue };
        let uses: Vec<(&str, DateTime<Utc>)> = [("password", root.password_last_used)]
            .into_iter()
            .chain(root.keys().iter().map(|(n, k)| (*n, k.last_used_date)))
            .filter_map(|(what, t)| t.map(|t| (what, t)))
            .filter(|(_, t)| ctx.days_since(*t) < ROOT_RECENT_DAYS)
            .collect();
        let ok = uses.is_empty();
        let msg = if ok {
            format!("the root user of {} was not used in the last {ROOT_RECENT_DAYS} days", a.id)
        } else {
            format!(
                "the root user of {} was used in the last {ROOT_RECENT_DAYS} days: use IAM roles for daily work",
                a.id
            )
        };
        let ev: Vec<_> = uses.iter().map(|(w, t)| json!({ "credential": w, "last_used": t })).collect();
        out.verdict(ok, account_resource(a), msg, json!({ "recent_uses": ev }));
    }
}

fn user_rows(a: &Account, out: &mut Out) -> Vec<CredentialReportRow> {
    out.need(&a.credential_report, || account_resource(a), "the credential report")
        .map(|rows| rows.iter().filter(|r| !r.is_root()).cloned().collect())
        .unwrap_or_default()
}

fn user_console_mfa(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        for row in user_rows(a, out).iter().filter(|r| r.password_enabled) {
            let msg = if row.mfa_active {
                format!("user {} signs in to the console with MFA", row.user)
            } else {
                format!("user {} has a console password and no MFA device", row.user)
            };
            out.verdict(
                row.mfa_active,
                row_resource(a, row),
                msg,
                json!({ "password_enabled": true, "mfa_active": row.mfa_active }),
            );
        }
    }
}

fn users<'a>(a: &'a Account, out: &mut Out) -> &'a [User] {
    out.need(&a.iam.users, || account_resource(a), "IAM users").map(Vec::as_slice).unwrap_or_default()
}

fn key_rotation(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        for u in users(a, out) {
            let Some(keys) = out.need(&u.access_keys, || user_resource(a, u), "access keys") else { continue };
            for k in keys.iter().filter(|k| k.status == KeyStatus::Active) {
                let Some(created) = k.created else {
                    out.unknown(
                        user_resource(a, u),
                        &format!("the creation date of access key {}", k.id),
                        &warden_model::Unknown {
                            kind: warden_model::UnknownKind::MalformedResponse,
                            message: String::new(),
                        },
                    );
                    continue;
                };
                let age = ctx.days_since(created);
                let ok = age <= ROTATION_DAYS;
                let msg = if ok {
                    format!("access key {} of {} is {age} days old", k.id, u.name)
                } else {
                    format!("access key {} of {} is {age} days old (over {ROTATION_DAYS}): rotate it", k.id, u.name)
                };
                let status = if ok { warden_model::Status::Pass } else { warden_model::Status::Fail };
                let ev = json!({ "access_key_id": k.id, "created": created, "age_days": age });
                out.emit(status, user_resource(a, u), &k.id, msg, ev);
            }
        }
    }
}

fn unused_credentials(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        for row in user_rows(a, out) {
            // A credential is stale when enabled and not used for UNUSED_DAYS; one never
            // used counts from when it was created (or the key last rotated).
            let stale = |last_used: Option<DateTime<Utc>>, since: Option<DateTime<Utc>>| {
                last_used.or(since).is_some_and(|t| ctx.days_since(t) >= UNUSED_DAYS)
            };
            let mut creds = Vec::new();
            if row.password_enabled {
                creds.push((
                    "password",
                    stale(row.password_last_used, row.password_last_changed.or(row.user_creation_time)),
                    row.password_last_used,
                ));
            }
            // The report names keys by slot; the key whose creation time is the slot's
            // `last_rotated` is the one (its id is what a fix needs).
            let keys: Vec<warden_model::inventory::AccessKey> = a
                .iam
                .users
                .known()
                .and_then(|users| users.iter().find(|u| u.name == row.user))
                .and_then(|u| u.access_keys.known())
                .cloned()
                .unwrap_or_default();
            let mut key_ids = std::collections::BTreeMap::new();
            for (name, k) in row.keys() {
                if k.active {
                    creds.push((name, stale(k.last_used_date, k.last_rotated), k.last_used_date));
                    if let Some(key) = keys.iter().find(|key| key.created.is_some() && key.created == k.last_rotated) {
                        key_ids.insert(name, key.id.clone());
                    }
                }
            }
            if creds.is_empty() {
                continue;
            }
            let stale_list: Vec<_> = creds
                .iter()
                .filter(|c| c.1)
                .map(|c| match key_ids.get(c.0) {
                    Some(id) => json!({ "credential": c.0, "last_used": c.2, "access_key_id": id }),
                    None => json!({ "credential": c.0, "last_used": c.2 }),
                })
                .collect();
            let ok = stale_list.is_empty();
            let msg = if ok {
                format!("every enabled credential of {} was used in the last {UNUSED_DAYS} days", row.user)
            } else {
                let names: Vec<_> = creds.iter().filter(|c| c.1).map(|c| c.0).collect();
                format!(
                    "{} has credentials unused for {UNUSED_DAYS}+ days ({}): disable them",
                    row.user,
                    names.join(", ")
                )
            };
            out.verdict(ok, row_resource(a, &row), msg, json!({ "stale": stale_list }));
        }
    }
}

fn password_policy_check(
    ctx: &Ctx,
    out: &mut Out,
    judge: fn(&warden_model::inventory::PasswordPolicy) -> (bool, String),
) {
    for a in ctx.accounts() {
        let Some(policy) = out.need(&a.password_policy, || account_resource(a), "the password policy") else {
            continue;
        };
        match policy {
            None => out.fail(
                account_resource(a),
                format!("account {} has no password policy: IAM defaults apply", a.id),
                json!({ "password_policy": null }),
            ),
            Some(p) => {
                let (ok, what) = judge(p);
                out.verdict(
                    ok,
                    account_resource(a),
                    format!("account {}: {what}", a.id),
                    json!({ "password_policy": p }),
                );
            }
        }
    }
}

fn password_length(ctx: &Ctx, out: &mut Out) {
    password_policy_check(ctx, out, |p| {
        let n = p.minimum_password_length;
        (n >= 14, format!("minimum password length is {n} (14 or more required)"))
    });
}

fn password_reuse(ctx: &Ctx, out: &mut Out) {
    password_policy_check(ctx, out, |p| match p.password_reuse_prevention {
        Some(n) if n >= 24 => (true, format!("the last {n} passwords cannot be reused")),
        Some(n) => (false, format!("only the last {n} passwords are remembered (24 required)")),
        None => (false, "password reuse is not prevented".to_owned()),
    });
}

fn managed_full_admin(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(policies) = out.need(&a.iam.policies, || account_resource(a), "IAM policies") else { continue };
        for p in policies.iter().filter(|p| !p.aws_managed) {
            let r = resource(a, "global", "AwsIamPolicy", p.arn.clone());
            match full_admin(&p.document) {
                Err(why) => out.unknown(r, &format!("the document of policy {}", p.name), &why),
                Ok(Some(proof)) if p.attachment_count > 0 => out.fail(
                    r,
                    format!(
                        "policy {} grants `*` on `*` and is attached to {} principal(s)",
                        p.name, p.attachment_count
                    ),
                    json!({ "attachment_count": p.attachment_count, "version": p.default_version_id, "proof": proof }),
                ),
                Ok(Some(proof)) => out.pass(
                    r,
                    format!("policy {} grants `*` on `*` but is not attached; delete it", p.name),
                    json!({ "attachment_count": 0, "proof": proof }),
                ),
                Ok(None) => out.pass(r, format!("policy {} does not grant `*` on `*`", p.name), json!({})),
            }
        }
    }
}

fn inline_full_admin(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let mut holders: Vec<(Resource, &str, &[warden_model::inventory::InlinePolicy])> = Vec::new();
        for u in users(a, out) {
            holders.push((user_resource(a, u), "user", &u.inline_policies));
        }
        if let Some(groups) = out.need(&a.iam.groups, || account_resource(a), "IAM groups") {
            for g in groups {
                holders.push((resource(a, "global", "AwsIamGroup", g.arn.clone()), "group", &g.inline_policies));
            }
        }
        if let Some(roles) = out.need(&a.iam.roles, || account_resource(a), "IAM roles") {
            for r in roles.iter().filter(|r| !r.is_service_linked()) {
                holders.push((
                    tagged(resource(a, "global", "AwsIamRole", r.arn.clone()), &r.tags),
                    "role",
                    &r.inline_policies,
                ));
            }
        }
        for (res, kind, inline) in holders.into_iter().filter(|h| !h.2.is_empty()) {
            let mut admin = Vec::new();
            let mut unreadable = None;
            for p in inline {
                match full_admin(&p.document) {
                    Ok(Some(proof)) => admin.push(json!({ "policy": p.name, "proof": proof })),
                    Ok(None) => {}
                    Err(why) => unreadable = Some((p.name.clone(), why)),
                }
            }
            if let (true, Some((name, why))) = (admin.is_empty(), unreadable) {
                out.unknown(res, &format!("inline policy {name}"), &why);
                continue;
            }
            let ok = admin.is_empty();
            let name = res.arn.rsplit('/').next().unwrap_or_default().to_owned();
            let msg = if ok {
                format!("no inline policy of {kind} {name} grants `*` on `*`")
            } else {
                format!("an inline policy of {kind} {name} grants `*` on `*`")
            };
            out.verdict(ok, res, msg, json!({ "admin_inline_policies": admin }));
        }
    }
}

fn direct_policies(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        for u in users(a, out) {
            let attached: Vec<_> = u.attached_policies.iter().map(|p| &p.arn).collect();
            let inline: Vec<_> = u.inline_policies.iter().map(|p| &p.name).collect();
            let ok = attached.is_empty() && inline.is_empty();
            let msg = if ok {
                format!("user {} gets permissions only through groups", u.name)
            } else {
                format!(
                    "user {} has {} policies attached directly: grant through groups",
                    u.name,
                    attached.len() + inline.len()
                )
            };
            out.verdict(ok, user_resource(a, u), msg, json!({ "attached": attached, "inline": inline }));
        }
    }
}

fn support_role(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(roles) = out.need(&a.iam.roles, || account_resource(a), "IAM roles") else { continue };
        let support = format!("arn:{}:iam::aws:policy/AWSSupportAccess", a.partition);
        let holders: Vec<_> =
            roles.iter().filter(|r| r.attached_policies.iter().any(|p| p.arn == support)).map(|r| &r.arn).collect();
        let ok = !holders.is_empty();
        let msg = if ok {
            format!("account {} has a role for AWS Support incidents", a.id)
        } else {
            format!("no role in account {} has AWSSupportAccess attached", a.id)
        };
        out.verdict(ok, account_resource(a), msg, json!({ "support_roles": holders }));
    }
}

fn server_certificates(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(certs) = out.need(&a.iam.server_certificates, || account_resource(a), "IAM server certificates")
        else {
            continue;
        };
        for c in certs {
            let r = resource(a, "global", "AwsIamServerCertificate", c.arn.clone());
            let expired = c.expiration.is_some_and(|t| t < ctx.now);
            let msg = if expired {
                format!("server certificate {} expired; delete it", c.name)
            } else {
                format!("server certificate {} is valid", c.name)
            };
            out.verdict(!expired, r, msg, json!({ "expiration": c.expiration }));
        }
    }
}

fn single_active_key(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        for u in users(a, out) {
            let Some(keys) = out.need(&u.access_keys, || user_resource(a, u), "access keys") else { continue };
            let active: Vec<_> = keys.iter().filter(|k| k.status == KeyStatus::Active).map(|k| &k.id).collect();
            if active.is_empty() {
                continue;
            }
            let ok = active.len() == 1;
            let msg = if ok {
                format!("user {} has one active access key", u.name)
            } else {
                format!("user {} has {} active access keys", u.name, active.len())
            };
            out.verdict(ok, user_resource(a, u), msg, json!({ "active_keys": active }));
        }
    }
}

fn user_admin_equivalent(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let list = users(a, out);
        if list.is_empty() {
            continue;
        }
        let auth = warden_iam::Authorizer::for_account(a);
        for u in list {
            // Ask as the user would when signed in with MFA over TLS: conditions the user
            // can satisfy do not make an admin grant safe.
            let decide = |action: &str| {
                let mut req = warden_iam::Request::new(&u.arn, action, "*");
                req.context = warden_iam::Context::new()
                    .with("aws:MultiFactorAuthPresent", "true")
                    .with("aws:SecureTransport", "true");
                auth.evaluate(&req)
            };
            let decisions: Vec<(&str, warden_iam::Decision)> = ADMIN_PROBES.iter().map(|p| (*p, decide(p))).collect();
            let denied: Vec<&str> = decisions.iter().filter(|(_, d)| !d.is_allowed()).map(|(p, _)| *p).collect();
            let ok = !denied.is_empty();
            let msg = if ok {
                format!("user {} is not an administrator ({} of the admin actions denied)", u.name, denied.len())
            } else {
                format!("user {} is admin-equivalent: allowed every administrative probe action on `*`", u.name)
            };
            let proof = decisions.first().map(|(p, d)| json!({ "action": p, "decision": d }));
            out.verdict(
                ok,
                user_resource(a, u),
                msg,
                json!({ "probes": ADMIN_PROBES, "denied": denied, "proof": proof }),
            );
        }
    }
}

fn unused_roles(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(roles) = out.need(&a.iam.roles, || account_resource(a), "IAM roles") else { continue };
        for r in roles.iter().filter(|r| !r.is_service_linked()) {
            let res = tagged(resource(a, "global", "AwsIamRole", r.arn.clone()), &r.tags);
            // Never used: judged from creation, so a role made last week is not stale.
            let (since, what) = match (&r.last_used, r.created) {
                (Some(u), _) => (Some(u.date), "last used"),
                (None, Some(c)) => (Some(c), "never used; created"),
                (None, None) => (None, "never used"),
            };
            let Some(since) = since else {
                out.unknown(
                    res,
                    &format!("when role {} was created or last used", r.name),
                    &warden_model::Unknown {
                        kind: warden_model::UnknownKind::MalformedResponse,
                        message: String::new(),
                    },
                );
                continue;
            };
            let days = ctx.days_since(since);
            let ok = days < ROLE_UNUSED_DAYS;
            let msg = if ok {
                format!("role {} was {what} {days} days ago", r.name)
            } else {
                format!("role {} was {what} {days} days ago: remove it if nothing needs it", r.name)
            };
            out.verdict(ok, res, msg, json!({ "last_used": r.last_used, "created": r.created, "days": days }));
        }
    }
}

/// One FAIL per user or role that can make itself administrator, with every hop of its
/// shortest paths (technique, target, allowing statements); PASS for those that cannot.
/// Principals already admin-equivalent get no finding here (`iam_user_not_admin_equivalent`
/// and the full-admin policy checks report them).
fn privilege_escalation(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let (Some(_), Some(_)) = (
            out.need(&a.iam.users, || account_resource(a), "IAM users"),
            out.need(&a.iam.roles, || account_resource(a), "IAM roles"),
        ) else {
            continue;
        };
        let analysis = ctx.escalation(a);
        for p in analysis.principals.iter().filter(|p| !p.admin) {
            let (kind, noun) = match p.kind {
                warden_iam::authorizer::PrincipalType::User => ("AwsIamUser", "user"),
                warden_iam::authorizer::PrincipalType::Role => ("AwsIamRole", "role"),
            };
            let r = resource(a, "global", kind, p.principal.clone());
            let name = p.principal.rsplit('/').next().unwrap_or_default();
            let Some(shortest) = p.paths.first() else {
                out.pass(r, format!("{noun} {name} has no path to administrator"), json!({ "paths": [] }));
                continue;
            };
            let route: Vec<String> = shortest
                .iter()
                .map(|h| format!("{} on {}", h.technique, h.target.rsplit(['/', ':']).next().unwrap_or_default()))
                .collect();
            let msg = format!(
                "{noun} {name} can become administrator in {} step(s): {}",
                shortest.len(),
                route.join(", then ")
            );
            out.fail(r, msg, json!({ "shortest_hops": shortest.len(), "paths": p.paths }));
        }
    }
}

/// Users, groups and roles of `a` that have `policy_arn` attached, or the first list that
/// could not be read.
fn holders_of<'a>(a: &'a Account, policy_arn: &str) -> Result<Vec<&'a str>, (&'static str, &'a warden_model::Unknown)> {
    let users = a.iam.users.get().map_err(|u| ("IAM users", u))?;
    let groups = a.iam.groups.get().map_err(|u| ("IAM groups", u))?;
    let roles = a.iam.roles.get().map_err(|u| ("IAM roles", u))?;
    let has = |list: &[warden_model::inventory::AttachedPolicy]| list.iter().any(|p| p.arn == policy_arn);
    let mut out: Vec<&str> = users.iter().filter(|u| has(&u.attached_policies)).map(|u| u.arn.as_str()).collect();
    out.extend(groups.iter().filter(|g| has(&g.attached_policies)).map(|g| g.arn.as_str()));
    out.extend(roles.iter().filter(|r| has(&r.attached_policies)).map(|r| r.arn.as_str()));
    Ok(out)
}

/// CIS 2.20: AWSCloudShellFullAccess lets its holders upload and download files through
/// CloudShell, a path around data-exfiltration controls; it should be attached nowhere.
fn cloudshell_full_access(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let policy = format!("arn:{}:iam::aws:policy/AWSCloudShellFullAccess", a.partition);
        let holders = match holders_of(a, &policy) {
            Ok(h) => h,
            Err((what, why)) => {
                out.unknown(account_resource(a), what, why);
                continue;
            }
        };
        let msg = if holders.is_empty() {
            format!("AWSCloudShellFullAccess is attached to no principal in account {}", a.id)
        } else {
            format!("AWSCloudShellFullAccess is attached to {} in account {}", preview(&holders), a.id)
        };
        out.verdict(holders.is_empty(), account_resource(a), msg, json!({ "attached_to": holders }));
    }
}

/// CIS 2.19: people sign in through an identity provider (IAM Identity Center or a SAML /
/// OIDC federation), not as IAM users with console passwords.
fn users_managed_centrally(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let Some(saml) = out.need(&a.iam.saml_providers, || account_resource(a), "SAML providers") else { continue };
        let Some(roles) = out.need(&a.iam.roles, || account_resource(a), "IAM roles") else { continue };
        let Some(users) = out.need(&a.iam.users, || account_resource(a), "IAM users") else { continue };
        // IAM Identity Center creates its permission-set roles under this path and prefix.
        let sso: Vec<&str> = roles
            .iter()
            .filter(|r| r.name.starts_with("AWSReservedSSO_") || r.path.starts_with("/aws-reserved/sso.amazonaws.com/"))
            .map(|r| r.name.as_str())
            .collect();
        let mut console = Vec::new();
        let mut unreadable = None;
        for u in users {
            match u.login_profile.get() {
                Ok(Some(_)) => console.push(u.name.as_str()),
                Ok(None) => {}
                Err(why) => unreadable = unreadable.or(Some(why)),
            }
        }
        if console.is_empty()
            && let Some(why) = unreadable
        {
            out.unknown(account_resource(a), "IAM users' console passwords", why);
            continue;
        }
        let federated = !saml.is_empty() || !sso.is_empty();
        let ok = federated && console.is_empty();
        let msg = match (federated, console.is_empty()) {
            (true, true) => format!("people sign in to account {} through an identity provider only", a.id),
            (true, false) => {
                format!(
                    "account {} is federated, yet IAM users still have console passwords: {}",
                    a.id,
                    preview(&console)
                )
            }
            (false, _) => format!("account {} has no identity provider (IAM Identity Center or SAML)", a.id),
        };
        let saml: Vec<&str> = saml.iter().map(|p| p.arn.as_str()).collect();
        let evidence = json!({ "saml_providers": saml, "identity_center_roles": sso, "console_users": console });
        out.verdict(ok, account_resource(a), msg, evidence);
    }
}

/// CIS 2.6: the root user's MFA is a hardware device: MFA is active and no virtual
/// (software) MFA device is assigned to the root user.
fn root_hardware_mfa(ctx: &Ctx, out: &mut Out) {
    for a in ctx.accounts() {
        let active = match root_row(a) {
            Some(Ok(Some(row))) => row.mfa_active,
            Some(Ok(None)) | None => {
                let why = warden_model::Unknown {
                    kind: warden_model::UnknownKind::MalformedResponse,
                    message: "no <root_account> row in the credential report".into(),
                };
                out.unknown(account_resource(a), "the root user's MFA state", &why);
                continue;
            }
            Some(Err(why)) => {
                out.unknown(account_resource(a), "the credential report", why);
                continue;
            }
        };
        let Some(devices) = out.need(&a.iam.virtual_mfa_devices, || account_resource(a), "virtual MFA devices") else {
            continue;
        };
        let root_arn = a.arn();
        let virtual_root: Vec<&str> = devices
            .iter()
            .filter(|d| d.user_arn.as_deref() == Some(root_arn.as_str()))
            .map(|d| d.serial_number.as_str())
            .collect();
        let ok = active && virtual_root.is_empty();
        let msg = match (active, virtual_root.is_empty()) {
            (false, _) => format!("the root user of {} has no MFA at all", a.id),
            (true, false) => {
                format!("the root user of {} uses a virtual MFA device ({})", a.id, virtual_root.join(", "))
            }
            (true, true) => format!("the root user of {} uses a hardware MFA device", a.id),
        };
        out.verdict(ok, account_resource(a), msg, json!({ "mfa_active": active, "virtual_devices": virtual_root }));
    }
}
