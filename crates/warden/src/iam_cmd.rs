//! `warden iam`: exact IAM policy evaluation with reasons, and the queries built on it.
//!
//! - `simulate --input CASE.json|CASES.jsonl|-`: the case format of `warden_iam::simulate`
//!   (one JSON case, or one per line with one result line out per line, same order);
//! - `simulate --principal ARN --action A --resource R [--context k=v]` over a snapshot or
//!   an `aws iam get-account-authorization-details` file;
//! - `who-can ACTION RESOURCE`, `what-can PRINCIPAL` over the same inputs;
//! - `lint FILE|-`: Access-Analyzer-style validation.
//!
//! Exit codes: 0 ran (and, for single simulations, allowed; for lint, nothing at or above
//! `--fail-on`); 1 denied / findings at or above `--fail-on`; 2 usage or input error. A
//! closed stdout (broken pipe) is not an error.

use anyhow::{Context, bail};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use warden_iam::lint::{LintFinding, LintSeverity};
use warden_iam::{Authorizer, ContextValue, Decision, DecisionKind, Request};

/// Largest `--input` / policy file read, in bytes.
const MAX_INPUT_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, clap::Args)]
pub struct IamArgs {
    #[command(subcommand)]
    pub command: IamCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Where principals and policies come from.
#[derive(Debug, Clone, clap::Args)]
pub struct Source {
    /// A Warden snapshot (`warden collect`).
    #[arg(long, value_name = "FILE", conflicts_with = "authz_details")]
    pub snapshot: Option<PathBuf>,
    /// The JSON of `aws iam get-account-authorization-details`.
    #[arg(long = "authz-details", value_name = "FILE")]
    pub authz_details: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum IamCommand {
    /// Evaluate requests exactly as AWS does, with the deciding statements.
    Simulate {
        /// A case file (JSON), a batch (JSON Lines: one case a line), or `-` for stdin.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["principal", "action", "resource"])]
        input: Option<PathBuf>,
        /// The calling principal's ARN (`*` for anonymous).
        #[arg(long, requires_all = ["action", "resource"])]
        principal: Option<String>,
        /// The action, e.g. `s3:GetObject`.
        #[arg(long)]
        action: Option<String>,
        /// The resource ARN.
        #[arg(long)]
        resource: Option<String>,
        /// Account owning the resource, when the ARN does not say.
        #[arg(long, value_name = "ACCOUNT")]
        resource_account: Option<String>,
        /// Request context `key=value`; a JSON list value (`aws:TagKeys=["a","b"]`) is multivalued.
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Which principals may perform ACTION on RESOURCE, each with the granting statements.
    WhoCan {
        action: String,
        resource: String,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// What PRINCIPAL may do: allowed actions and resources, each with the granting statements.
    WhatCan {
        principal: String,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Validate a policy document (errors, security warnings, warnings, suggestions).
    Lint {
        /// The policy file, or `-` for stdin.
        file: PathBuf,
        /// Exit 1 when a finding is at or above this severity.
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
    Never,
}

impl FailOn {
    fn fails(self, s: LintSeverity) -> bool {
        let limit = match self {
            FailOn::Error => LintSeverity::Error,
            FailOn::SecurityWarning => LintSeverity::SecurityWarning,
            FailOn::Warning => LintSeverity::Warning,
            FailOn::Suggestion => LintSeverity::Suggestion,
            FailOn::Never => return false,
        };
        s <= limit
    }
}

/// Runs `warden iam …`; the exit code.
pub fn run(args: IamArgs) -> anyhow::Result<u8> {
    match args.command {
        IamCommand::Simulate { input: Some(path), format, .. } => simulate_file(&path, format),
        IamCommand::Simulate {
            principal: Some(p),
            action,
            resource,
            resource_account,
            context,
            source,
            format,
            ..
        } => {
            let (Some(action), Some(resource)) = (action, resource) else {
                bail!("`--action` and `--resource` are required with `--principal`")
            };
            let auth = authorizer(&source, Some(&p))?;
            let mut req = Request::new(&p, &action, &resource);
            req.resource_account = resource_account;
            req.context = parse_context(&context)?;
            let d = auth.evaluate(&req);
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&d)? + "\n",
                Format::Text => render_decision(&d),
            };
            emit(&text);
            Ok(if d.is_allowed() { 0 } else { 1 })
        }
        IamCommand::Simulate { .. } => bail!("give `--input FILE` or `--principal ARN --action A --resource R`"),
        IamCommand::WhoCan { action, resource, source, format } => {
            let auth = authorizer_for(&source, None, Some(&resource))?;
            let grants = auth.who_can(&action, &resource);
            emit(&render_grants(&grants, format, true)?);
            Ok(0)
        }
        IamCommand::WhatCan { principal, source, format } => {
            let auth = authorizer(&source, Some(&principal))?;
            if !auth.principals().any(|p| p == principal) && !principal.contains(":assumed-role/") {
                bail!("principal `{principal}` is not a user or role of account `{}`", auth.account_id());
            }
            let grants = auth.what_can(&principal);
            emit(&render_grants(&grants, format, false)?);
            Ok(0)
        }
        IamCommand::Lint { file, fail_on, format } => {
            let text = read_input(&file)?;
            let findings = warden_iam::lint::lint_text(&text);
            let out = match format {
                Format::Json => serde_json::to_string_pretty(&findings)? + "\n",
                Format::Text => render_lint(&file, &findings),
            };
            emit(&out);
            Ok(if findings.iter().any(|f| fail_on.fails(f.severity)) { 1 } else { 0 })
        }
    }
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    let mut s = String::new();
    if path == Path::new("-") {
        std::io::stdin().lock().take(MAX_INPUT_BYTES).read_to_string(&mut s).context("reading stdin")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
        f.take(MAX_INPUT_BYTES)
            .read_to_string(&mut s)
            .with_context(|| format!("reading `{}` (must be UTF-8 text)", path.display()))?;
    }
    Ok(s)
}

/// Writes to stdout; a closed pipe ends output quietly.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn simulate_file(path: &Path, format: Format) -> anyhow::Result<u8> {
    let text = read_input(path)?;
    // One JSON document is one case; a `.jsonl` file or anything else is JSON Lines.
    let jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    if let Some(v) = serde_json::from_str::<serde_json::Value>(&text).ok().filter(|_| !jsonl) {
        let case = warden_iam::simulate::Case::from_json(&v).with_context(|| format!("case `{}`", path.display()))?;
        let d = case.evaluate();
        let out = match format {
            Format::Json => serde_json::to_string_pretty(&d)? + "\n",
            Format::Text => render_decision(&d),
        };
        emit(&out);
        return Ok(if d.is_allowed() { 0 } else { 1 });
    }
    let mut out = std::io::stdout().lock();
    let mut errors = 0usize;
    for (i, line) in text.as_bytes().lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let (mut v, err) = warden_iam::simulate::run_line(&line);
        if err {
            errors += 1;
            if let Some(o) = v.as_object_mut() {
                o.insert("line".into(), (i + 1).into());
            }
        }
        if writeln!(out, "{v}").is_err() {
            return Ok(0);
        }
    }
    let _ = out.flush();
    if errors > 0 {
        eprintln!("warden iam simulate: {errors} invalid case line(s) in `{}` (see the `error` lines)", path.display());
        return Ok(2);
    }
    Ok(0)
}

fn parse_context(items: &[String]) -> anyhow::Result<warden_iam::Context> {
    let mut c = warden_iam::Context::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else { bail!("`--context {item}`: expected `key=value`") };
        let value = match serde_json::from_str::<serde_json::Value>(v) {
            Ok(j @ serde_json::Value::Array(_)) => {
                ContextValue::from_json(&j).unwrap_or(ContextValue::Single(v.into()))
            }
            _ => ContextValue::Single(v.to_owned()),
        };
        c.insert(k.trim(), value);
    }
    Ok(c)
}

/// The account that owns `resource`: the ARN's account field, or for S3 (whose ARNs
/// carry none) the account whose bucket list holds the bucket.
fn owner_of(accounts: &[warden_model::inventory::Account], resource: &str) -> Option<usize> {
    if let Some(acct) = warden_iam::arn::account_of(resource) {
        return accounts.iter().position(|a| a.id == acct);
    }
    let bucket = resource.strip_prefix("arn:aws:s3:::").map(|r| r.split('/').next().unwrap_or(r))?;
    accounts.iter().position(|a| a.s3.buckets.known().is_some_and(|bs| bs.iter().any(|b| b.name == bucket)))
}

/// The authorizer for the account holding `principal`, else the one owning `resource`,
/// else the first account. Only that account's principals and policies are evaluated.
fn authorizer(source: &Source, principal: Option<&str>) -> anyhow::Result<Authorizer> {
    authorizer_for(source, principal, None)
}

fn authorizer_for(source: &Source, principal: Option<&str>, resource: Option<&str>) -> anyhow::Result<Authorizer> {
    let account = if let Some(p) = &source.snapshot {
        let snap = warden_model::Snapshot::read(p).with_context(|| format!("reading snapshot `{}`", p.display()))?;
        let mut accounts = snap.inventory.accounts;
        if accounts.is_empty() {
            bail!("snapshot `{}` holds no account", p.display());
        }
        let by_principal =
            principal.and_then(warden_iam::arn::account_of).and_then(|w| accounts.iter().position(|a| a.id == w));
        let idx = by_principal.or_else(|| resource.and_then(|r| owner_of(&accounts, r))).unwrap_or(0);
        if accounts.len() > 1 {
            eprintln!(
                "note: evaluating the principals and policies of account {} only (cross-account access is not evaluated yet)",
                accounts.get(idx).map_or("", |a| a.id.as_str())
            );
        }
        accounts.swap_remove(idx)
    } else if let Some(p) = &source.authz_details {
        let text = read_input(p)?;
        warden_iam::authz_details::parse(&text).with_context(|| format!("reading `{}`", p.display()))?
    } else {
        bail!("give `--snapshot FILE` or `--authz-details FILE`");
    };
    let auth = Authorizer::for_account(&account);
    for e in auth.errors() {
        eprintln!("warning: policy `{}` skipped: {}", e.policy, e.error);
    }
    Ok(auth)
}

fn render_decision(d: &Decision) -> String {
    let mut s = format!(
        "{}: {}\n",
        match d.decision {
            DecisionKind::Allow => "Allow",
            DecisionKind::ExplicitDeny => "ExplicitDeny",
            DecisionKind::ImplicitDeny => "ImplicitDeny",
        },
        d.message
    );
    for r in &d.reasons {
        let sid = r.sid.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
        s.push_str(&format!("  {:?} {:?} `{}` statement {}{sid}\n", r.effect, r.layer, r.policy, r.statement));
    }
    s
}

fn render_grants(grants: &[warden_iam::Grant], format: Format, by_principal: bool) -> anyhow::Result<String> {
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(grants)? + "\n");
    }
    let mut s = String::new();
    for g in grants {
        let head = if by_principal { g.principal.clone() } else { format!("{} on {}", g.action, g.resource) };
        let via: Vec<String> = g
            .decision
            .reasons
            .iter()
            .map(|r| {
                format!(
                    "{}#{}{}",
                    r.policy,
                    r.statement,
                    r.sid.as_deref().map(|x| format!("({x})")).unwrap_or_default()
                )
            })
            .collect();
        s.push_str(&format!("{head}\n  via {}\n", via.join(", ")));
    }
    if grants.is_empty() {
        s.push_str("(none)\n");
    }
    Ok(s)
}

fn render_lint(file: &Path, findings: &[LintFinding]) -> String {
    let mut s = String::new();
    for f in findings {
        let sev = match f.severity {
            LintSeverity::Error => "ERROR",
            LintSeverity::SecurityWarning => "SECURITY_WARNING",
            LintSeverity::Warning => "WARNING",
            LintSeverity::Suggestion => "SUGGESTION",
        };
        s.push_str(&format!("{}: {sev} [{}] {}: {}\n", file.display(), f.code, f.path, f.message));
    }
    if findings.is_empty() {
        s.push_str(&format!("{}: no findings\n", file.display()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        c: IamCommand,
    }

    fn run_args(args: &[&str]) -> anyhow::Result<u8> {
        let t = T::try_parse_from(std::iter::once("iam").chain(args.iter().copied()))?;
        run(IamArgs { command: t.c })
    }

    fn tmp(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("warden-iam-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const CASE: &str = r#"{"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}]}"#;

    #[test]
    fn simulate_single_and_batch() {
        let p = tmp("case.json", CASE);
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 0);
        let denied = CASE.replace("s3:Get*", "s3:Put*");
        let p = tmp("denied.json", &denied);
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 1);
        let p = tmp("batch.jsonl", &format!("{}\n{}\n", CASE.replace('\n', ""), denied));
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 0);
        let p = tmp("bad.jsonl", &format!("{CASE}\n{{\"request\": 1}}\n"));
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 2);
    }

    #[test]
    fn queries_over_authz_details() {
        let details = r#"{"UserDetailList": [{"UserName": "alice", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["ops"], "AttachedManagedPolicies": [], "UserPolicyList": []}],
          "GroupDetailList": [{"GroupName": "ops", "Arn": "arn:aws:iam::111122223333:group/ops", "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}], "AttachedManagedPolicies": []}],
          "RoleDetailList": [], "Policies": []}"#;
        let p = tmp("authz.json", details);
        let f = p.to_str().unwrap();
        assert_eq!(
            run_args(&[
                "simulate",
                "--authz-details",
                f,
                "--principal",
                "arn:aws:iam::111122223333:user/alice",
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::b/k"
            ])
            .unwrap(),
            0
        );
        assert_eq!(
            run_args(&[
                "simulate",
                "--authz-details",
                f,
                "--principal",
                "arn:aws:iam::111122223333:user/alice",
                "--action",
                "s3:PutObject",
                "--resource",
                "arn:aws:s3:::b/k"
            ])
            .unwrap(),
            1
        );
        assert_eq!(
            run_args(&["who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--authz-details", f, "--format", "json"])
                .unwrap(),
            0
        );
        assert_eq!(run_args(&["what-can", "arn:aws:iam::111122223333:user/alice", "--authz-details", f]).unwrap(), 0);
        let auth = authorizer(&Source { snapshot: None, authz_details: Some(p.clone()) }, None).unwrap();
        assert_eq!(auth.who_can("s3:GetObject", "arn:aws:s3:::b/k").len(), 1);
        let w = auth.what_can("arn:aws:iam::111122223333:user/alice");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].action, "s3:GetObject");
    }

    #[test]
    fn lint_exit_codes() {
        let bad = tmp(
            "bad.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", bad.to_str().unwrap()]).unwrap(), 1);
        let ok = tmp(
            "ok.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", ok.to_str().unwrap()]).unwrap(), 0);
        let warn = tmp(
            "warn.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", warn.to_str().unwrap()]).unwrap(), 0);
        assert_eq!(run_args(&["lint", warn.to_str().unwrap(), "--fail-on", "security-warning"]).unwrap(), 1);
        assert!(run_args(&["lint", "/nonexistent/x.json"]).is_err());
    }
}
