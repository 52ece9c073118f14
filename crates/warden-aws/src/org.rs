//! Organizations: the active member accounts, and credentials for each through a role.

use crate::ctx::Ctx;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_types::SdkConfig;

/// An account to collect: id and display name.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: Option<String>,
}

/// The organization's active accounts, read from the management (or delegated admin)
/// account.
pub async fn active_accounts(ctx: &Ctx) -> Result<Vec<Member>, String> {
    let c = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&ctx.sdk).interceptor(ctx.recorder.clone()).build(),
    );
    let listed =
        ctx.call("organizations:ListAccounts", &[], c.list_accounts().into_paginator().send().try_collect()).await;
    let accounts = match listed {
        Ok(Some(pages)) => pages.into_iter().flat_map(|p| p.accounts.unwrap_or_default()).collect::<Vec<_>>(),
        Ok(None) => Vec::new(),
        Err(u) => return Err(u.to_string()),
    };
    Ok(accounts
        .into_iter()
        .filter(|a| {
            // `State` replaces `Status`; older answers carry only the latter.
            match (&a.state, &a.status) {
                (Some(s), _) => *s == AccountState::Active,
                (None, Some(s)) => *s == AccountStatus::Active,
                (None, None) => true,
            }
        })
        .filter_map(|a| Some(Member { id: a.id?, name: a.name }))
        .collect())
}

/// SDK configuration whose credentials come from assuming `role` in `account`
/// (cached and refreshed by the SDK's provider).
pub async fn assumed(base: &SdkConfig, partition: &str, account: &str, role: &str) -> SdkConfig {
    let arn = format!("arn:{partition}:iam::{account}:role/{role}");
    let provider =
        aws_config::sts::AssumeRoleProvider::builder(arn).session_name("warden-scan").configure(base).build().await;
    base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
}
