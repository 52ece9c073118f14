//! IAM and account-wide reads: authorization details, per-user credentials, the
//! credential report, password policy, summary, alias, identity providers, server
//! certificates and the account's contacts.

use crate::creds_report;
use crate::ctx::{Ctx, policy_document, tags, time};
use aws_sdk_iam::types::{AttachedPolicy as SdkAttached, PolicyDetail, StatusType};
use futures::future::join_all;
use std::collections::{BTreeMap, HashMap};
use warden_model::Observed;
use warden_model::inventory::{
    AccessKey, Account, AttachedPolicy, Contact, Contacts, Group, Iam, InlinePolicy, KeyStatus, LastUsed, LoginProfile,
    ManagedPolicy, MfaDevice, MfaKind, OidcProvider, PasswordPolicy, PolicyVersion, Role, SamlProvider,
    ServerCertificate, User, VirtualMfaDevice,
};

/// Fills the account-wide parts of `account`.
pub async fn collect(ctx: &Ctx, account: &mut Account) {
    let (iam, (report, policy, summary, alias), contacts) =
        tokio::join!(identities(ctx), account_settings(ctx), contacts(ctx));
    account.iam = iam;
    account.credential_report = report;
    account.password_policy = policy;
    account.summary = summary;
    account.alias = alias;
    account.contacts = contacts;
}

async fn account_settings(
    ctx: &Ctx,
) -> (
    Observed<Vec<warden_model::inventory::CredentialReportRow>>,
    Observed<Option<PasswordPolicy>>,
    Observed<BTreeMap<String, i64>>,
    Observed<Option<String>>,
) {
    let iam = ctx.iam();
    let policy = async {
        ctx.obs_opt("iam:GetAccountPasswordPolicy", &["NoSuchEntity"], iam.get_account_password_policy().send())
            .await
            .map(|o| o.and_then(|o| o.password_policy).map(password_policy))
    };
    let summary = async {
        ctx.obs("iam:GetAccountSummary", iam.get_account_summary().send()).await.map(|o| {
            o.summary_map
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), i64::from(v)))
                .collect::<BTreeMap<_, _>>()
        })
    };
    let alias = async {
        ctx.obs("iam:ListAccountAliases", iam.list_account_aliases().into_paginator().items().send().try_collect())
            .await
            .map(|a| a.into_iter().next())
    };
    tokio::join!(creds_report::collect(ctx, &iam), policy, summary, alias)
}

fn password_policy(p: aws_sdk_iam::types::PasswordPolicy) -> PasswordPolicy {
    let u = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok());
    PasswordPolicy {
        minimum_password_length: u(p.minimum_password_length).unwrap_or(6),
        require_symbols: p.require_symbols,
        require_numbers: p.require_numbers,
        require_uppercase: p.require_uppercase_characters,
        require_lowercase: p.require_lowercase_characters,
        allow_users_to_change_password: p.allow_users_to_change_password,
        expire_passwords: p.expire_passwords,
        max_password_age: u(p.max_password_age).filter(|d| *d > 0),
        password_reuse_prevention: u(p.password_reuse_prevention).filter(|n| *n > 0),
        hard_expiry: p.hard_expiry.unwrap_or(false),
    }
}

fn attached(list: &[SdkAttached]) -> Vec<AttachedPolicy> {
    list.iter()
        .map(|a| AttachedPolicy {
            name: a.policy_name().unwrap_or_default().to_owned(),
            arn: a.policy_arn().unwrap_or_default().to_owned(),
        })
        .collect()
}

fn inline(list: &[PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .map(|p| InlinePolicy {
            name: p.policy_name().unwrap_or_default().to_owned(),
            document: policy_document(p.policy_document().unwrap_or("{}")),
        })
        .collect()
}

/// Users, groups, roles and managed policies from `GetAccountAuthorizationDetails`,
/// then per-user MFA devices, access keys and login profiles, plus providers and certs.
async fn identities(ctx: &Ctx) -> Iam {
    let iam = ctx.iam();
    let details = ctx.obs(
        "iam:GetAccountAuthorizationDetails",
        iam.get_account_authorization_details().into_paginator().send().try_collect(),
    );
    let listed_users = ctx.obs("iam:ListUsers", iam.list_users().into_paginator().items().send().try_collect());
    let saml = async {
        ctx.obs("iam:ListSAMLProviders", iam.list_saml_providers().send()).await.map(|o| {
            o.saml_provider_list()
                .iter()
                .map(|p| SamlProvider {
                    arn: p.arn().unwrap_or_default().to_owned(),
                    valid_until: time(p.valid_until()),
                })
                .collect::<Vec<_>>()
        })
    };
    let certs = async {
        ctx.obs(
            "iam:ListServerCertificates",
            iam.list_server_certificates().into_paginator().items().send().try_collect(),
        )
        .await
        .map(|list| {
            list.into_iter()
                .map(|c| ServerCertificate {
                    name: c.server_certificate_name().to_owned(),
                    arn: c.arn().to_owned(),
                    expiration: time(c.expiration()),
                    uploaded: time(c.upload_date()),
                })
                .collect::<Vec<_>>()
        })
    };
    let virtual_mfa = async {
        ctx.obs(
            "iam:ListVirtualMFADevices",
            iam.list_virtual_mfa_devices().into_paginator().items().send().try_collect(),
        )
        .await
        .map(|list| {
            list.into_iter()
                .map(|d| VirtualMfaDevice {
                    serial_number: d.serial_number().to_owned(),
                    user_arn: d.user().map(|u| u.arn().to_owned()),
                })
                .collect::<Vec<_>>()
        })
    };
    let (details, listed_users, saml_providers, server_certificates, oidc_providers, virtual_mfa_devices) =
        tokio::join!(details, listed_users, saml, certs, oidc(ctx, &iam), virtual_mfa);

    let mut out = Iam { saml_providers, server_certificates, oidc_providers, virtual_mfa_devices, ..Iam::default() };
    let pages = match details {
        Observed::Known(p) => p,
        Observed::Unknown(u) => {
            out.users = Observed::Unknown(u.clone());
            out.groups = Observed::Unknown(u.clone());
            out.roles = Observed::Unknown(u.clone());
            out.policies = Observed::Unknown(u);
            return out;
        }
    };
    let last_used: HashMap<String, _> = listed_users
        .known()
        .map(|l| l.iter().filter_map(|u| time(u.password_last_used()).map(|t| (u.user_name().to_owned(), t))).collect())
        .unwrap_or_default();

    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut roles = Vec::new();
    let mut policies = Vec::new();
    for page in pages {
        for u in page.user_detail_list() {
            let name = u.user_name().unwrap_or_default().to_owned();
            users.push(User {
                password_last_used: last_used.get(&name).copied(),
                arn: u.arn().unwrap_or_default().to_owned(),
                id: u.user_id().unwrap_or_default().to_owned(),
                path: u.path().unwrap_or("/").to_owned(),
                created: time(u.create_date()),
                groups: u.group_list().to_vec(),
                attached_policies: attached(u.attached_managed_policies()),
                inline_policies: inline(u.user_policy_list()),
                permissions_boundary: u
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                tags: tags(u.tags().iter().map(|t| (t.key(), t.value()))),
                mfa_devices: Observed::default(),
                access_keys: Observed::default(),
                login_profile: Observed::default(),
                name,
            });
        }
        for g in page.group_detail_list() {
            groups.push(Group {
                name: g.group_name().unwrap_or_default().to_owned(),
                arn: g.arn().unwrap_or_default().to_owned(),
                path: g.path().unwrap_or("/").to_owned(),
                attached_policies: attached(g.attached_managed_policies()),
                inline_policies: inline(g.group_policy_list()),
            });
        }
        for r in page.role_detail_list() {
            roles.push(Role {
                name: r.role_name().unwrap_or_default().to_owned(),
                arn: r.arn().unwrap_or_default().to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
                created: time(r.create_date()),
                trust_policy: policy_document(r.assume_role_policy_document().unwrap_or("{}")),
                attached_policies: attached(r.attached_managed_policies()),
                inline_policies: inline(r.role_policy_list()),
                permissions_boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                last_used: r.role_last_used().and_then(|l| {
                    Some(LastUsed {
                        date: time(l.last_used_date())?,
                        service: None,
                        region: l.region().map(str::to_owned),
                    })
                }),
                instance_profiles: r.instance_profile_list().iter().map(|p| p.arn().to_owned()).collect(),
                max_session_duration: None,
                tags: tags(r.tags().iter().map(|t| (t.key(), t.value()))),
            });
        }
        for p in page.policies() {
            let default_version = p.default_version_id().unwrap_or_default().to_owned();
            let document = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version || v.version_id() == Some(default_version.as_str()))
                .and_then(|v| v.document())
                .map(policy_document)
                .unwrap_or(serde_json::Value::Null);
            let other_versions = p
                .policy_version_list()
                .iter()
                .filter(|v| !v.is_default_version && v.version_id() != Some(default_version.as_str()))
                .filter_map(|v| {
                    Some(PolicyVersion {
                        version_id: v.version_id()?.to_owned(),
                        document: policy_document(v.document()?),
                    })
                })
                .collect();
            let arn = p.arn().unwrap_or_default().to_owned();
            // The name is the ARN's last segment; some answers (moto's) leave `PolicyName` out.
            let name = match p.policy_name() {
                Some(n) if !n.is_empty() => n.to_owned(),
                _ => arn.rsplit('/').next().unwrap_or_default().to_owned(),
            };
            policies.push(ManagedPolicy {
                name,
                aws_managed: arn.contains(":iam::aws:policy/"),
                arn,
                path: p.path().unwrap_or("/").to_owned(),
                default_version_id: default_version,
                document,
                other_versions,
                attachment_count: p.attachment_count().and_then(|c| u32::try_from(c).ok()).unwrap_or(0),
                created: time(p.create_date()),
                updated: time(p.update_date()),
            });
        }
    }
    join_all(users.iter_mut().map(|u| user_credentials(ctx, &iam, u))).await;
    out.users = Observed::Known(users);
    out.groups = Observed::Known(groups);
    out.roles = Observed::Known(roles);
    out.policies = Observed::Known(policies);
    out
}

async fn oidc(ctx: &Ctx, iam: &aws_sdk_iam::Client) -> Observed<Vec<OidcProvider>> {
    let list = match ctx.obs("iam:ListOpenIDConnectProviders", iam.list_open_id_connect_providers().send()).await {
        Observed::Known(l) => l,
        Observed::Unknown(u) => return Observed::Unknown(u),
    };
    let arns: Vec<String> =
        list.open_id_connect_provider_list().iter().filter_map(|p| p.arn().map(str::to_owned)).collect();
    let got = join_all(arns.iter().map(|arn| async move {
        let o = ctx
            .obs(
                "iam:GetOpenIDConnectProvider",
                iam.get_open_id_connect_provider().open_id_connect_provider_arn(arn).send(),
            )
            .await;
        (arn.clone(), o)
    }))
    .await;
    let mut out = Vec::new();
    for (arn, o) in got {
        match o {
            Observed::Known(p) => out.push(OidcProvider {
                arn,
                url: p.url().unwrap_or_default().to_owned(),
                client_ids: p.client_id_list().to_vec(),
            }),
            Observed::Unknown(u) => return Observed::Unknown(u),
        }
    }
    Observed::Known(out)
}

fn mfa_kind(serial: &str) -> MfaKind {
    if serial.contains(":u2f/") {
        MfaKind::U2f
    } else if serial.starts_with("arn:") {
        MfaKind::Virtual
    } else {
        MfaKind::Hardware
    }
}

async fn user_credentials(ctx: &Ctx, iam: &aws_sdk_iam::Client, user: &mut User) {
    let name = user.name.clone();
    let mfa = async {
        ctx.obs(
            "iam:ListMFADevices",
            iam.list_mfa_devices().user_name(&name).into_paginator().items().send().try_collect(),
        )
        .await
        .map(|list| {
            list.into_iter()
                .map(|d| MfaDevice {
                    kind: mfa_kind(d.serial_number()),
                    serial_number: d.serial_number().to_owned(),
                    enabled: time(Some(d.enable_date())),
                })
                .collect::<Vec<_>>()
        })
    };
    let keys = async {
        let list = ctx
            .obs(
                "iam:ListAccessKeys",
                iam.list_access_keys().user_name(&name).into_paginator().items().send().try_collect(),
            )
            .await;
        let list = match list {
            Observed::Known(l) => l,
            Observed::Unknown(u) => return Observed::Unknown(u),
        };
        let keys = join_all(list.into_iter().map(|k| async move {
            let id = k.access_key_id().unwrap_or_default().to_owned();
            let last_used = ctx
                .obs("iam:GetAccessKeyLastUsed", iam.get_access_key_last_used().access_key_id(&id).send())
                .await
                .map(|o| {
                    o.access_key_last_used().and_then(|l| {
                        let date = time(l.last_used_date())?;
                        let named = |s: &str| (!s.is_empty() && s != "N/A").then(|| s.to_owned());
                        Some(LastUsed { date, service: named(l.service_name()), region: named(l.region()) })
                    })
                });
            AccessKey {
                status: if k.status() == Some(&StatusType::Active) { KeyStatus::Active } else { KeyStatus::Inactive },
                created: time(k.create_date()),
                last_used,
                id,
            }
        }))
        .await;
        Observed::Known(keys)
    };
    let login = async {
        ctx.obs_opt("iam:GetLoginProfile", &["NoSuchEntity"], iam.get_login_profile().user_name(&name).send())
            .await
            .map(|o| {
                o.and_then(|o| o.login_profile).map(|p| LoginProfile {
                    created: time(Some(p.create_date())),
                    password_reset_required: p.password_reset_required,
                })
            })
    };
    let (mfa, keys, login) = tokio::join!(mfa, keys, login);
    user.mfa_devices = mfa;
    user.access_keys = keys;
    user.login_profile = login;
}

/// Primary contact and the security, billing and operations alternate contacts.
async fn contacts(ctx: &Ctx) -> Observed<Contacts> {
    use aws_sdk_account::types::AlternateContactType as T;
    let acct = ctx.account();
    let alternate = |kind: T| {
        let acct = acct.clone();
        async move {
            ctx.obs_opt(
                "account:GetAlternateContact",
                &["ResourceNotFoundException"],
                acct.get_alternate_contact().alternate_contact_type(kind).send(),
            )
            .await
            .map(|o| {
                o.and_then(|o| o.alternate_contact).map(|c| Contact {
                    name: c.name.unwrap_or_default(),
                    email: c.email_address.unwrap_or_default(),
                    phone: c.phone_number.unwrap_or_default(),
                    title: c.title.unwrap_or_default(),
                })
            })
        }
    };
    let primary = async {
        ctx.obs_opt(
            "account:GetContactInformation",
            &["ResourceNotFoundException"],
            acct.get_contact_information().send(),
        )
        .await
        .map(|o| {
            o.and_then(|o| o.contact_information).map(|c| Contact {
                name: c.full_name,
                email: String::new(),
                phone: c.phone_number,
                title: c.company_name.unwrap_or_default(),
            })
        })
    };
    let (security, billing, operations, primary) =
        tokio::join!(alternate(T::Security), alternate(T::Billing), alternate(T::Operations), primary);
    // The checks read the security contact; the others are informational. The security
    // contact's read decides whether the whole is known.
    let security = match security {
        Observed::Known(s) => s,
        Observed::Unknown(u) => return Observed::Unknown(u),
    };
    Observed::Known(Contacts {
        primary: primary.known().cloned().flatten(),
        security,
        billing: billing.known().cloned().flatten(),
        operations: operations.known().cloned().flatten(),
    })
}
