//! Scan history and suppressions kept in SQLite (`warden-store`): what `scan` records,
//! and the `history`, `diff`, `mute`, `unmute`, `mutes` and `report` commands.
//!
//! Every scan is recorded unless `--no-history` is given; the database is `--db`,
//! `WARDEN_DB`, or `history.db` in the user data directory. Store mutes are applied to
//! every scan, next to the mutelist file, and an expired one is reported as a note.

use crate::cli::{ColorChoice, FailOn, OutputArgs};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use warden_model::{Finding, Status};
use warden_report::{Format, ScanInfo};
use warden_store::{NewScan, Store};

/// History flags of `scan`.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// The history database (default: `warden/history.db` in the user data directory).
    #[arg(long, env = "WARDEN_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Mark findings that were not in the last scan of the same scope as new.
    #[arg(long, conflicts_with = "no_history")]
    pub since_last: bool,
    /// Neither record this scan nor apply the store's mutes.
    #[arg(long)]
    pub no_history: bool,
}

/// Where the history lives, for the commands that only read or edit it.
#[derive(Args, Debug, Clone, Default)]
pub struct DbArg {
    /// The history database (default: `warden/history.db` in the user data directory).
    #[arg(long, env = "WARDEN_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// The history commands.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// List the recorded scans.
    History {
        #[command(flatten)]
        db: DbArg,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show new, resolved and changed findings between two recorded scans (default: the
    /// last two scans of the latest scan's scope; with one id, that scan against the latest).
    /// Exits 1 when a new or changed FAIL finding reaches `--fail-on`.
    Diff {
        /// The earlier scan id (see `warden history`).
        a: Option<i64>,
        /// The later scan id.
        b: Option<i64>,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Mute a finding by id in the history database, with a reason and an optional expiry.
    Mute {
        /// The finding id (the `id` field of any output).
        finding_id: String,
        /// Why it is accepted (shown in reports as the finding's `muted_by`).
        #[arg(long)]
        reason: String,
        /// Stop muting after this day (`YYYY-MM-DD`, UTC) or instant (RFC 3339).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Remove a finding's mute from the history database.
    Unmute {
        finding_id: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the mutes kept in the history database, with their expiry.
    Mutes {
        #[command(flatten)]
        db: DbArg,
    },
    /// Render a recorded scan again (default: the latest), as an HTML report by default.
    Report {
        /// The scan id (see `warden history`).
        scan: Option<i64>,
        /// Output format.
        #[arg(long, short = 'f', default_value = "html", value_parser = parse_format)]
        format: Format,
        /// Write to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only this framework's compliance view (default: every framework).
        #[arg(long, value_name = "ID")]
        framework: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn db_path(db: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    match db {
        Some(p) => Ok(p.clone()),
        None => warden_store::default_path()
            .context("no user data directory (HOME is unset): pass `--db FILE` or set `WARDEN_DB`"),
    }
}

fn open(db: Option<&PathBuf>) -> anyhow::Result<Store> {
    Ok(Store::open(&db_path(db)?)?)
}

/// `snapshot`, `example` or `aws`: with the accounts, what makes two scans comparable.
fn source_kind(source: &str) -> &'static str {
    match source {
        "aws" => "aws",
        "example estate" => "example",
        _ => "snapshot",
    }
}

/// Records a scan, applies the store's mutes and, with `--since-last`, fills each
/// finding's history and marks the new ones.
pub fn record_scan(args: &StoreArgs, info: &mut ScanInfo, findings: &mut [Finding]) -> anyhow::Result<()> {
    if args.no_history {
        return Ok(());
    }
    let mut store = open(args.db.as_ref())?;
    let now = Utc::now();
    let muted_before = findings.iter().filter(|f| f.status == Status::Muted).count();
    info.notes.extend(warden_store::apply_mutes(&store.mutes()?, findings, now));
    if findings.iter().filter(|f| f.status == Status::Muted).count() != muted_before && !info.compliance.is_empty() {
        // The framework views were judged before the store's mutes: judge them again.
        let registry = warden_checks::Registry::builtin()?;
        info.compliance = crate::commands::compliance_views(&registry, info.framework.as_deref(), findings)?;
    }
    let scope = warden_store::scope_of(source_kind(&info.source), &info.accounts);
    let previous = store.previous_of_scope(&scope, None)?;
    let rec = store.record(
        &NewScan {
            started_at: info.generated_at,
            source: &info.source,
            scope: &scope,
            tool_version: &info.tool_version,
        },
        findings,
    )?;
    tracing::info!(scan = rec.id, db = %store.path().display(), "scan recorded");
    if args.since_last {
        store.fill_history(findings, previous)?;
        if previous.is_none() {
            info.notes.push("no earlier scan of this scope in the history: every finding counts as new".into());
        }
    }
    Ok(())
}

pub fn run(cmd: StoreCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match cmd {
        StoreCommand::History { db, json } => history(&open(db.db.as_ref())?, json),
        StoreCommand::Diff { a, b, db, output } => diff(&open(db.db.as_ref())?, a, b, &output, color),
        StoreCommand::Mute { finding_id, reason, until, db } => {
            let store = open(db.db.as_ref())?;
            let until = until.as_deref().map(parse_until).transpose()?;
            let now = Utc::now();
            if until.is_some_and(|u| u <= now) {
                anyhow::bail!("`--until` is in the past: the mute would never apply");
            }
            store.mute(&finding_id, &reason, until, now)?;
            let known = store.seen(&[finding_id.trim()])?;
            let mut out = std::io::stdout().lock();
            match until {
                Some(u) => writeln!(out, "muted `{}` until {}", finding_id.trim(), u.format("%Y-%m-%d %H:%M UTC"))?,
                None => writeln!(out, "muted `{}`", finding_id.trim())?,
            }
            if known.is_empty() {
                eprintln!("note: `{}` is in no recorded scan yet; check the id", finding_id.trim());
            }
            Ok(0)
        }
        StoreCommand::Unmute { finding_id, db } => {
            if open(db.db.as_ref())?.unmute(&finding_id)? {
                println!("unmuted `{}`", finding_id.trim());
                Ok(0)
            } else {
                anyhow::bail!("no store mute for `{}`", finding_id.trim())
            }
        }
        StoreCommand::Mutes { db } => {
            let store = open(db.db.as_ref())?;
            let now = Utc::now();
            let mut out = std::io::stdout().lock();
            for m in store.mutes()? {
                let until = match m.until {
                    None => "no expiry".to_owned(),
                    Some(u) if u <= now => format!("EXPIRED {}", u.format("%Y-%m-%d")),
                    Some(u) => format!("until {}", u.format("%Y-%m-%d")),
                };
                writeln!(out, "{}  {until}  {}", m.finding_id, m.reason)?;
            }
            Ok(0)
        }
        StoreCommand::Report { scan, format, output, framework, db } => {
            report(&open(db.db.as_ref())?, scan, format, output, framework.as_deref(), color)
        }
    }
}

fn parse_until(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        // The whole day is included.
        return d
            .and_hms_opt(23, 59, 59)
            .map(|t| t.and_utc())
            .with_context(|| format!("`--until {s}` is out of range"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|_| anyhow::anyhow!("`--until {s}`: expected a day (`2026-12-31`) or an RFC 3339 time"))
}

fn history(store: &Store, json: bool) -> anyhow::Result<u8> {
    let scans = store.scans()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &scans)?;
        writeln!(out)?;
        return Ok(0);
    }
    if scans.is_empty() {
        writeln!(out, "no scan recorded in `{}`", store.path().display())?;
        return Ok(0);
    }
    writeln!(
        out,
        "{:>5}  {:<20}  {:>7} {:>6} {:>6} {:>6}  {:<30}  source",
        "scan", "time", "total", "FAIL", "PASS", "MUTED", "scope"
    )?;
    for s in &scans {
        let n = |st: Status| s.by_status.get(&st).copied().unwrap_or(0);
        writeln!(
            out,
            "{:>5}  {:<20}  {:>7} {:>6} {:>6} {:>6}  {:<30}  {}",
            s.id,
            s.started_at.format("%Y-%m-%d %H:%M:%S"),
            s.total,
            n(Status::Fail),
            n(Status::Pass),
            n(Status::Muted),
            warden_report_truncate(&s.scope, 30),
            s.source
        )?;
    }
    Ok(0)
}

fn warden_report_truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn accounts_of(scope: &str) -> Vec<String> {
    scope
        .split_once(':')
        .map(|(_, ids)| ids.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn diff(store: &Store, a: Option<i64>, b: Option<i64>, args: &OutputArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let latest = store.latest()?.context("the history is empty: run `warden scan` first")?;
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (store.scan(a)?, store.scan(b)?),
        (Some(a), None) => (store.scan(a)?, latest),
        (None, _) => {
            let prev = store.previous_of_scope(&latest.scope, Some(latest.id))?.with_context(|| {
                format!("only one scan of scope `{}` is recorded: nothing to compare yet", latest.scope)
            })?;
            (store.scan(prev)?, latest)
        }
    };
    let d = store.diff(a.id, b.id)?;
    let tag = |mut f: Finding, change: &str| {
        f.evidence.insert("change".into(), json!(change));
        f
    };
    let mut shown = Vec::with_capacity(d.new.len() + d.resolved.len() + d.changed.len());
    shown.extend(d.new.iter().cloned().map(|f| tag(f, "new")));
    for f in &d.resolved {
        let mut f = tag(f.clone(), "resolved");
        if f.status != Status::Pass {
            f.status = Status::Pass;
            f.message = format!("no longer reported: {}", f.message);
        }
        shown.push(f);
    }
    for (old, new) in &d.changed {
        let mut f = tag(new.clone(), "changed");
        f.evidence.insert(
            "before".into(),
            json!({"status": old.status, "severity": old.severity, "message": old.message, "muted_by": old.muted_by}),
        );
        shown.push(f);
    }
    let mut info = ScanInfo::new(format!("diff of scan #{} and scan #{}", a.id, b.id), Utc::now());
    info.collected_at = Some(b.started_at);
    info.accounts = accounts_of(&b.scope);
    info.notes.push(format!(
        "{} new, {} resolved, {} changed between scan #{} ({}, {}) and scan #{} ({}, {})",
        d.new.len(),
        d.resolved.len(),
        d.changed.len(),
        a.id,
        a.started_at.format("%Y-%m-%d %H:%M"),
        a.source,
        b.id,
        b.started_at.format("%Y-%m-%d %H:%M"),
        b.source
    ));
    if a.scope != b.scope {
        info.notes.push(format!("the scans have different scopes (`{}`, `{}`)", a.scope, b.scope));
    }
    let mut args = args.clone();
    args.show_pass = true;
    crate::output::emit(&info, &shown, &args, color)
}

fn report(
    store: &Store,
    scan: Option<i64>,
    format: Format,
    output: Option<PathBuf>,
    framework: Option<&str>,
    color: ColorChoice,
) -> anyhow::Result<u8> {
    let rec = match scan {
        Some(id) => store.scan(id)?,
        None => store.latest()?.context("the history is empty: run `warden scan` first")?,
    };
    let mut findings = store.findings(rec.id)?;
    let previous = store.previous_of_scope(&rec.scope, Some(rec.id))?;
    store.fill_history(&mut findings, previous)?;
    let registry = warden_checks::Registry::builtin()?;
    let mut info = ScanInfo::new(rec.source.clone(), rec.started_at);
    info.tool_version = rec.tool_version.clone();
    info.accounts = accounts_of(&rec.scope);
    info.framework = framework.map(str::to_owned);
    info.compliance = crate::commands::compliance_views(&registry, framework, &findings)?;
    info.notes.push(format!("scan #{} of the history in `{}`", rec.id, store.path().display()));
    let now = Utc::now();
    for m in store.mutes()?.iter().filter(|m| !m.is_active(now)) {
        info.notes.push(format!("store mute of `{}` has expired ({})", m.finding_id, m.reason));
    }
    let args = OutputArgs { format, output, fail_on: FailOn(None), status: Vec::new(), show_pass: false };
    crate::output::emit(&info, &findings, &args, color)
}
