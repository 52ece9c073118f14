//! `warden fix plan|apply|undo`: remediation of FAIL findings.
//!
//! - `plan` reads each fixable finding's current state live and prints the exact API
//!   calls that would fix it (nothing is written);
//! - `apply` performs them only with `--apply`: one fix at a time, re-reading the state
//!   first (already fixed → nothing sent), asking for each unless `--yes`, skipping
//!   disruptive fixes unless `--allow-disruptive`, and appending one hash-chained audit
//!   record per change with the state before and after and the request ids;
//! - `undo AUDIT_ID` takes that change's target back to its recorded "before" state.
//!
//! Exit codes: 0 done (or nothing to do), 1 some fix failed or was refused, 2 usage.

use crate::cli::SourceArgs;
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use warden_aws::act::{Change, Executor, Planned};
use warden_checks::{Config, Registry, Selection};
use warden_model::Finding;
use warden_respond::{Fix, Params, Skipped};

#[derive(Subcommand, Debug)]
pub enum FixCommand {
    /// Print, per fixable FAIL finding, its current state and the API calls that fix it.
    Plan(FixArgs),
    /// Perform the fixes (needs --apply): one at a time, re-reading state first, audited.
    Apply(ApplyArgs),
    /// Restore what one audited fix changed (needs --apply).
    Undo {
        /// The audit record id of the fix (`warden audit show`).
        id: String,
        /// Really change the account.
        #[arg(long)]
        apply: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
        audit_log: Option<PathBuf>,
        #[command(flatten)]
        live: crate::live::LiveArgs,
    },
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// Where the findings come from: a scan of this estate (live by default).
    #[command(flatten)]
    pub source: SourceArgs,
    /// Or: findings written by `warden scan --format json` (or jsonl).
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,
    /// Only findings of checks matching these globs (comma-separated), e.g. `s3_*`.
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Only findings on resources whose ARN contains this text.
    #[arg(long, value_name = "TEXT")]
    pub resource: Option<String>,
    /// Bucket that receives S3 server access logs.
    #[arg(long, value_name = "BUCKET")]
    pub log_bucket: Option<String>,
    /// S3 bucket ARN for VPC flow logs.
    #[arg(long, value_name = "ARN")]
    pub flow_log_bucket: Option<String>,
    /// KMS key (id or ARN) to encrypt CloudTrail logs with.
    #[arg(long, value_name = "KEY")]
    pub trail_kms_key: Option<String>,
    /// Role AWS Config records with.
    #[arg(long, value_name = "ARN")]
    pub config_role: Option<String>,
    /// Bucket AWS Config delivers to.
    #[arg(long, value_name = "BUCKET")]
    pub config_bucket: Option<String>,
    /// SNS topic (with a subscriber) the CIS 5.x alarms notify.
    #[arg(long, value_name = "ARN")]
    pub alarm_topic: Option<String>,
    /// Log group for the CIS 5.x metric filters when no trail delivers to one.
    #[arg(long, value_name = "NAME")]
    pub log_group: Option<String>,
    /// Narrow world-open SSH/RDP rules to this CIDR instead of removing them.
    #[arg(long, value_name = "CIDR")]
    pub replace_cidr: Option<String>,
    /// Security contact to register: NAME,EMAIL,PHONE,TITLE.
    #[arg(long, value_name = "CONTACT", value_delimiter = ',', num_args = 4)]
    pub security_contact: Vec<String>,
    /// Do not read the current state (no AWS access): list the fixes and their targets.
    #[arg(long)]
    pub offline: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub fix: FixArgs,
    /// Really change the account. Without it, apply prints the plan and exits.
    #[arg(long)]
    pub apply: bool,
    /// Do not ask before each fix (non-interactive use).
    #[arg(long)]
    pub yes: bool,
    /// Also perform fixes that can break traffic or access (closing ports, deactivating
    /// keys, blocking public access, requiring IMDSv2, …).
    #[arg(long)]
    pub allow_disruptive: bool,
    /// The audit log (JSON lines, hash-chained); default: `audit.jsonl` beside the
    /// history database.
    #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
}

pub fn run(cmd: FixCommand) -> anyhow::Result<u8> {
    match cmd {
        FixCommand::Plan(args) => plan(&args),
        FixCommand::Apply(args) => apply(&args),
        FixCommand::Undo { id, apply, yes, audit_log, live } => undo(&id, apply, yes, audit_log.as_deref(), &live),
    }
}

fn params(a: &FixArgs) -> anyhow::Result<Params> {
    let security_contact = match a.security_contact.as_slice() {
        [] => None,
        [n, e, p, t] => Some([n.clone(), e.clone(), p.clone(), t.clone()]),
        _ => anyhow::bail!("--security-contact takes NAME,EMAIL,PHONE,TITLE"),
    };
    let flow_log_destination =
        a.flow_log_bucket.as_ref().map(|b| if b.starts_with("arn:") { b.clone() } else { format!("arn:aws:s3:::{b}") });
    Ok(Params {
        log_bucket: a.log_bucket.clone(),
        flow_log_destination,
        trail_kms_key: a.trail_kms_key.clone(),
        config_role: a.config_role.clone(),
        config_bucket: a.config_bucket.clone(),
        alarm_topic: a.alarm_topic.clone(),
        log_group: a.log_group.clone(),
        replace_cidr: a.replace_cidr.clone(),
        security_contact,
    })
}

/// The findings to fix: read from `--findings`, or a scan of the source.
fn findings(a: &FixArgs) -> anyhow::Result<Vec<Finding>> {
    let all = match &a.findings {
        Some(path) => read_findings(path)?,
        None => {
            let (snapshot, _, _) = crate::commands::load_source(&a.source)?;
            let registry = Registry::builtin()?;
            let sel = Selection::default();
            registry.run_with(&snapshot, &sel, &Config::default(), snapshot.collected_at, &mut |_| {})?
        }
    };
    Ok(all
        .into_iter()
        .filter(|f| a.checks.is_empty() || a.checks.iter().any(|g| warden_model::glob::matches(g, &f.check_id)))
        .filter(|f| a.resource.as_ref().is_none_or(|r| f.resource.arn.contains(r.as_str())))
        .collect())
}

/// Findings from `scan --format json` (an object with `findings`, or an array) or
/// `--format jsonl` (one per line).
fn read_findings(path: &Path) -> anyhow::Result<Vec<Finding>> {
    const MAX: u64 = 512 * 1024 * 1024;
    let len = std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?.len();
    anyhow::ensure!(len <= MAX, "`{}` is {len} bytes, over the {MAX}-byte limit for a findings file", path.display());
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let parsed: Result<Value, _> = serde_json::from_str(&text);
    let list = match parsed {
        Ok(Value::Object(mut m)) => {
            m.remove("findings").with_context(|| format!("`{}` has no `findings`", path.display()))?
        }
        Ok(v @ Value::Array(_)) => v,
        Ok(_) => anyhow::bail!("`{}` is neither a findings object nor an array", path.display()),
        Err(_) => {
            let mut v = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let f: Finding = serde_json::from_str(line)
                    .with_context(|| format!("`{}` line {}: not a finding", path.display(), n + 1))?;
                v.push(f);
            }
            return Ok(v);
        }
    };
    serde_path_to_error::deserialize(list)
        .map_err(|e| anyhow::anyhow!("`{}`: findings{}: {}", path.display(), e.path(), e.inner()))
}

fn header(fix: &Fix) -> String {
    let mut flags = Vec::new();
    if fix.disruptive() {
        flags.push("DISRUPTIVE");
    }
    if !fix.target.reversible() {
        flags.push("IRREVERSIBLE");
    }
    let flags = if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) };
    format!(
        "{} {} ({}){flags}\n  finding {} on {}",
        fix.check_id,
        fix.target.describe(),
        fix.region,
        fix.finding_id,
        fix.resource
    )
}

fn print_planned(fix: &Fix, p: &Planned) {
    println!("{}", header(fix));
    if let Some(e) = &p.error {
        println!("  cannot plan: {e}");
        return;
    }
    println!("  current: {}", compact(p.current.as_ref()));
    if p.already_fixed() {
        println!("  already fixed: nothing to send");
        return;
    }
    println!("  desired: {}", compact(p.desired.as_ref()));
    for c in &p.calls {
        println!("  call {c}");
    }
}

fn compact(v: Option<&Value>) -> String {
    let s = v.map(Value::to_string).unwrap_or_else(|| "unknown".into());
    if s.len() > 400 { format!("{}… ({} bytes)", &s[..s.floor_char_boundary(400)], s.len()) } else { s }
}

fn print_skipped(skipped: &[Skipped]) {
    for s in skipped {
        println!("skipped {} on {}: {}", s.check_id, s.resource, s.reason);
    }
}

fn plan(a: &FixArgs) -> anyhow::Result<u8> {
    let (fixes, mut skipped) = warden_respond::plan(&findings(a)?, &params(a)?);
    if a.offline {
        if a.json {
            println!("{}", serde_json::to_string_pretty(&json!({"fixes": fixes, "skipped": skipped}))?);
        } else {
            for f in &fixes {
                println!("{}", header(f));
            }
            print_skipped(&skipped);
            println!("{} fixes planned (state not read: --offline), {} findings skipped", fixes.len(), skipped.len());
        }
        return Ok(0);
    }
    let opts = crate::live::options(&a.source.live)?;
    let ex = Executor::connect(&opts)?;
    let fixes = own_account(fixes, &mut skipped, &ex.actor.account);
    let planned: Vec<(Fix, Planned)> = fixes
        .into_iter()
        .map(|f| {
            let p = ex.plan(&f);
            (f, p)
        })
        .collect();
    if a.json {
        let items: Vec<Value> = planned.iter().map(|(f, p)| json!({"fix": f, "plan": p})).collect();
        println!("{}", serde_json::to_string_pretty(&json!({"actor": ex.actor, "fixes": items, "skipped": skipped}))?);
    } else {
        println!("as {} in {} (region for global calls: {})", ex.actor.arn, ex.actor.account, ex.actor.region);
        for (f, p) in &planned {
            print_planned(f, p);
        }
        print_skipped(&skipped);
        let todo = planned.iter().filter(|(_, p)| !p.already_fixed() && p.error.is_none()).count();
        println!("{todo} fixes to apply, {} already fixed, {} skipped", planned.len() - todo, skipped.len());
    }
    Ok(0)
}

/// Fixes for other accounts than the caller's are left out: the executor acts with one
/// set of credentials, and a call meant for one account must never land in another.
pub fn own_account(fixes: Vec<Fix>, skipped: &mut Vec<Skipped>, account: &str) -> Vec<Fix> {
    let (mine, others): (Vec<Fix>, Vec<Fix>) = fixes.into_iter().partition(|f| f.account_id == account);
    skipped.extend(others.into_iter().map(|f| Skipped {
        reason: format!("belongs to account {}, not the caller's {account}: run with its credentials", f.account_id),
        finding_id: f.finding_id,
        check_id: f.check_id,
        resource: f.resource,
    }));
    mine
}

pub fn record(kind: &str, fix: &Fix, actor: &warden_aws::act::Actor, change: &Change) -> Value {
    json!({
        "action": kind,
        "actor": actor.arn,
        "account": fix.account_id,
        "region": fix.region,
        "finding_id": fix.finding_id,
        "check_id": fix.check_id,
        "target": fix.target.describe(),
        "fix": fix,
        "before": change.before,
        "after": change.after,
        "calls": change.performed,
        "request_ids": change.performed.iter().filter_map(|p| p.request_id.clone()).collect::<Vec<_>>(),
        "reversible": fix.target.reversible(),
        "error": change.error,
    })
}

fn apply(a: &ApplyArgs) -> anyhow::Result<u8> {
    if !a.apply {
        eprintln!("dry run: pass --apply to change the account");
        return plan(&a.fix);
    }
    let audit_path = crate::audit::resolve(a.audit_log.as_deref())?;
    let (fixes, mut skipped) = warden_respond::plan(&findings(&a.fix)?, &params(&a.fix)?);
    let opts = crate::live::options(&a.fix.source.live)?;
    let ex = Executor::connect(&opts)?;
    let fixes = own_account(fixes, &mut skipped, &ex.actor.account);
    eprintln!("applying as {} in {}; audit log {}", ex.actor.arn, ex.actor.account, audit_path.display());
    print_skipped(&skipped);
    let (mut done, mut already, mut failed, mut held) = (0, 0, 0, 0);
    for fix in &fixes {
        if fix.disruptive() && !a.allow_disruptive {
            println!("{}\n  held back: disruptive (pass --allow-disruptive)", header(fix));
            held += 1;
            continue;
        }
        // Read again right before the change: what the plan saw may be stale.
        let p = ex.plan(fix);
        print_planned(fix, &p);
        if p.error.is_some() {
            failed += 1;
            continue;
        }
        if p.already_fixed() {
            already += 1;
            continue;
        }
        if !a.yes && !crate::audit::confirm("apply this fix?")? {
            println!("  declined");
            held += 1;
            continue;
        }
        // Send what was read, shown and confirmed just now.
        let change = ex.apply_planned(fix, p);
        let id = crate::audit::append(&audit_path, record("fix", fix, &ex.actor, &change))?;
        match &change.error {
            None => {
                println!("  done ({} calls; audit record {id})", change.performed.len());
                done += 1;
            }
            Some(e) => {
                println!("  FAILED after {} calls: {e} (audit record {id})", change.performed.len());
                failed += 1;
            }
        }
    }
    println!("{done} fixed, {already} already fixed, {held} held back, {failed} failed, {} skipped", skipped.len());
    Ok(if failed > 0 { 1 } else { 0 })
}

/// The audit record with this id.
fn find_record(path: &Path, id: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read audit log `{}`", path.display()))?;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("audit log `{}` is not JSON lines", path.display()))?;
        if v.get("id").and_then(Value::as_str) == Some(id) {
            return Ok(v);
        }
    }
    anyhow::bail!("no record `{id}` in `{}`", path.display())
}

fn undo(
    id: &str,
    apply: bool,
    yes: bool,
    audit_log: Option<&Path>,
    live: &crate::live::LiveArgs,
) -> anyhow::Result<u8> {
    let audit_path = crate::audit::resolve(audit_log)?;
    if let Err(line) = crate::audit::verify(&audit_path)? {
        anyhow::bail!("audit log `{}` is broken at line {line}: not trusting it for an undo", audit_path.display());
    }
    let rec = find_record(&audit_path, id)?;
    anyhow::ensure!(rec.get("action").and_then(Value::as_str) == Some("fix"), "record {id} is not a fix");
    let fix: Fix = serde_json::from_value(rec.get("fix").cloned().unwrap_or_default()).context("record has no fix")?;
    // A record with calls read its "before" first; `null` there is a state (no setting).
    let changed = rec.get("calls").and_then(Value::as_array).is_some_and(|c| !c.is_empty());
    anyhow::ensure!(changed, "record {id} changed nothing: there is nothing to undo");
    let before = rec.get("before").cloned().unwrap_or_default();
    anyhow::ensure!(fix.target.reversible(), "{} cannot be undone", fix.target.describe());
    let opts = crate::live::options(live)?;
    let ex = Executor::connect(&opts)?;
    println!("undo {id}: {}\n  restore: {}", header(&fix), compact(Some(&before)));
    if !apply {
        eprintln!("dry run: pass --apply to change the account");
        return Ok(0);
    }
    if !yes && !crate::audit::confirm("restore the state before this fix?")? {
        return Ok(1);
    }
    let change = ex.restore(&fix, &before);
    let mut r = record("undo", &fix, &ex.actor, &change);
    r["undoes"] = json!(id);
    let rid = crate::audit::append(&audit_path, r)?;
    match change.error {
        None => {
            println!("  restored ({} calls; audit record {rid})", change.performed.len());
            Ok(0)
        }
        Some(e) => {
            println!("  FAILED: {e} (audit record {rid})");
            Ok(1)
        }
    }
}
