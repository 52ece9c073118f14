//! One function per subcommand, each returning the process exit code.

use crate::cli::{
    BenchArgs, Cli, CollectArgs, Command, ComplianceArgs, ExampleArgs, GenerateKind, ListAction, ScanArgs, SchemaKind,
    SourceArgs,
};
use crate::output;
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::CommandFactory;
use std::io::{IsTerminal, Write};
use std::time::Instant;
use warden_checks::{Config, Mutelist, Registry, Selection};
use warden_model::Snapshot;
use warden_report::ScanInfo;

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&args, cli.color),
        Command::Collect(args) => collect(&args),
        Command::Compliance(args) => compliance(&args, cli.color),
        Command::Example(args) => example(&args),
        Command::Checks { action: ListAction::List { json } } => list_checks(json),
        Command::Frameworks { action: ListAction::List { json } } => list_frameworks(json),
        Command::Schema { kind } => schema(kind),
        Command::Iam(args) => crate::iam_cmd::run(args),
        Command::Detect(cmd) => detect(&cmd, cli.color),
        Command::Net { action: crate::cli::NetAction::Exposure { source, output } } => {
            net_exposure(&source, &output, cli.color)
        }
        Command::Bench(args) => bench(&args),
        Command::Store(cmd) => crate::store_cmd::run(cmd, cli.color),
        Command::Fix { action } => crate::fix_cmd::run(action),
        Command::Respond(args) => crate::respond_event::run(&args),
        #[cfg(feature = "lambda")]
        Command::Lambda => crate::lambda::run(),
        Command::Audit { action } => crate::securityhub::audit(&action),
        Command::Evidence { action: crate::cli::EvidenceAction::Verify { dir, head, json } } => {
            crate::respond_cmd::verify(&dir, head.as_deref(), json)
        }
        Command::Generate { what } => generate(what),
    }
}

/// Loads the estate a command works on, names its source, and lists reads that failed
/// (live collection only).
pub fn load_source(src: &SourceArgs) -> anyhow::Result<(Snapshot, String, Vec<String>)> {
    match (&src.snapshot, src.example) {
        (Some(path), _) => Ok((Snapshot::read(path)?, path.display().to_string(), Vec::new())),
        (None, true) => {
            Ok((warden_example::generate(&warden_example::Params::default()), "example estate".into(), Vec::new()))
        }
        (None, false) => {
            let outcome = crate::live::collect(&src.live)?;
            Ok((outcome.snapshot, "aws".into(), outcome.failures))
        }
    }
}

/// What every command over an estate reports about it: the source, when it was
/// collected, its accounts, and the reads that failed.
fn estate_info(snapshot: &Snapshot, source: String, failed_reads: Vec<String>) -> ScanInfo {
    let mut info = ScanInfo::new(source, Utc::now());
    info.collected_at = Some(snapshot.collected_at);
    info.accounts = snapshot.inventory.accounts.iter().map(|a| a.id.clone()).collect();
    info.notes = failed_reads;
    info
}

fn scan(args: &ScanArgs, color: crate::cli::ColorChoice) -> anyhow::Result<u8> {
    let (snapshot, source, failed_reads) = load_source(&args.source)?;
    let now = match args.as_of.as_deref() {
        None => snapshot.collected_at,
        Some("now") => Utc::now(),
        Some(t) => {
            DateTime::parse_from_rfc3339(t).with_context(|| format!("`--as-of {t}` is not an RFC 3339 time"))?.to_utc()
        }
    };
    let registry = Registry::builtin()?;
    let sel =
        Selection { checks: args.checks.clone(), severities: args.severity.clone(), framework: args.framework.clone() };
    let progress = progress_bar(registry.select(&sel)?.len() as u64, "checks");
    let config = Config { trusted_accounts: args.trusted_accounts.clone() };
    let mut findings = registry.run_with(&snapshot, &sel, &config, now, &mut |meta| {
        progress.set_message(meta.id.clone());
        progress.inc(1);
    })?;
    progress.finish_and_clear();
    let mut info = estate_info(&snapshot, source, failed_reads);
    info.framework = args.framework.clone();
    if let Some(path) = &args.mutelist {
        let outcome = Mutelist::read(path)?.apply(&mut findings, now);
        info.notes.extend(outcome.expired);
    }
    info.compliance = compliance_views(&registry, args.framework.as_deref(), &findings)?;
    crate::store_cmd::record_scan(&args.store, &mut info, &mut findings)?;
    let code = output::emit(&info, &findings, &args.output, color)?;
    if args.to_securityhub {
        let checks = registry.select(&sel)?.iter().map(|m| m.id.clone()).collect();
        crate::securityhub::export(args, &snapshot, checks, &info, &findings)?;
    }
    Ok(code)
}

/// Framework views of the findings: the framework asked for, or every framework.
pub fn compliance_views(
    registry: &Registry,
    framework: Option<&str>,
    findings: &[warden_model::Finding],
) -> anyhow::Result<Vec<warden_model::compliance::ComplianceReport>> {
    let frameworks: Vec<&warden_checks::Framework> = match framework {
        Some(id) => vec![registry.framework(id)?],
        None => registry.frameworks().iter().collect(),
    };
    Ok(frameworks.into_iter().map(|fw| warden_checks::compliance::evaluate(fw, findings)).collect())
}

fn compliance(args: &ComplianceArgs, color: crate::cli::ColorChoice) -> anyhow::Result<u8> {
    use warden_report::Format;
    let (snapshot, source, failed_reads) = load_source(&args.source)?;
    let registry = Registry::builtin()?;
    let sel = Selection { framework: Some(args.framework.clone()), ..Default::default() };
    let now = snapshot.collected_at;
    let config = Config { trusted_accounts: args.trusted_accounts.clone() };
    let mut findings = registry.run_with(&snapshot, &sel, &config, now, &mut |_| {})?;
    let mut info = estate_info(&snapshot, source, failed_reads);
    info.framework = Some(args.framework.clone());
    if let Some(path) = &args.mutelist {
        info.notes.extend(Mutelist::read(path)?.apply(&mut findings, now).expired);
    }
    info.compliance = compliance_views(&registry, Some(&args.framework), &findings)?;
    let report = info.compliance.first().cloned().context("no framework view")?;
    let failed = report.requirements.iter().any(|r| r.status == warden_model::Status::Fail);
    let code = u8::from(failed && args.fail_on.0.is_some());
    match args.format {
        Format::Html | Format::Markdown => {
            let out = crate::cli::OutputArgs {
                format: args.format,
                output: args.output.clone(),
                fail_on: args.fail_on,
                status: Vec::new(),
                show_pass: false,
            };
            crate::output::emit(&info, &findings, &out, color)?;
            return Ok(code);
        }
        _ => {}
    }
    let mut sink: Box<dyn Write> = match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(p) => Box::new(std::fs::File::create(p).with_context(|| format!("cannot write `{}`", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(&mut sink);
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "scan": info_without_views(&info), "framework": report.framework,
                "name": report.name, "version": report.version, "score": report.score, "requirements": report.requirements }),
            )?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["id", "title", "status", "reason", "checks", "finding_ids"])?;
            for r in &report.requirements {
                w.write_record([
                    &r.id,
                    &r.title,
                    r.status.as_str(),
                    &r.reason,
                    &r.checks.join(";"),
                    &r.finding_ids.join(";"),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            writeln!(out, "{} {} — {} · score {}%", report.name, report.version, info.source, report.score)?;
            for r in &report.requirements {
                writeln!(out, "{:<7} {:<6} {} — {}", r.id, r.status.as_str(), r.title, r.reason)?;
            }
            let count = |s: warden_model::Status| report.requirements.iter().filter(|r| r.status == s).count();
            use warden_model::Status as S;
            writeln!(
                out,
                "{} requirements: {} PASS, {} FAIL, {} ERROR, {} MANUAL",
                report.requirements.len(),
                count(S::Pass),
                count(S::Fail),
                count(S::Error),
                count(S::Manual)
            )?;
        }
        other => anyhow::bail!("`warden compliance` writes table, json, csv, html or markdown, not {other:?}"),
    }
    out.flush()?;
    Ok(code)
}

/// Scan metadata without the framework views (the compliance JSON carries its own).
fn info_without_views(info: &ScanInfo) -> ScanInfo {
    ScanInfo { compliance: Vec::new(), ..info.clone() }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(&format!("{{bar:30}} {{pos}}/{{len}} {what} {{msg}}"))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn net_exposure(
    source: &SourceArgs,
    out: &crate::cli::OutputArgs,
    color: crate::cli::ColorChoice,
) -> anyhow::Result<u8> {
    let (snapshot, source, failed_reads) = load_source(source)?;
    let registry = Registry::builtin()?;
    let sel = Selection { checks: vec!["net_*".into()], ..Default::default() };
    let findings = registry.run(&snapshot, &sel, snapshot.collected_at)?;
    let info = estate_info(&snapshot, source, failed_reads);
    output::emit(&info, &findings, out, color)
}

fn detect(cmd: &crate::cli::DetectCmd, color: crate::cli::ColorChoice) -> anyhow::Result<u8> {
    use crate::detect_cmd::DetectOutcome;
    match crate::detect_cmd::run(&cmd.detect)? {
        DetectOutcome::Printed => Ok(0),
        DetectOutcome::Findings(findings) => {
            let sources: Vec<String> =
                cmd.detect.paths.iter().chain(&cmd.detect.flow_logs).map(|p| p.display().to_string()).collect();
            let mut info = ScanInfo::new(sources.join(", "), Utc::now());
            let mut accounts: Vec<String> = findings.iter().map(|f| f.resource.account_id.clone()).collect();
            accounts.sort();
            accounts.dedup();
            accounts.retain(|a| !a.is_empty());
            info.accounts = accounts;
            output::emit(&info, &findings, &cmd.output, color)
        }
    }
}

fn collect(args: &CollectArgs) -> anyhow::Result<u8> {
    let (snapshot, _, failed_reads) = load_source(&args.source)?;
    snapshot.write(&args.output)?;
    for line in failed_reads {
        eprintln!("note: {line}");
    }
    Ok(0)
}

fn example(args: &ExampleArgs) -> anyhow::Result<u8> {
    let snapshot = warden_example::generate(&warden_example::Params { seed: args.seed, scale: args.scale });
    snapshot.write(&args.output)?;
    if args.output.as_os_str() != "-" {
        eprintln!(
            "wrote {} ({} accounts, {} resources)",
            args.output.display(),
            snapshot.inventory.accounts.len(),
            snapshot.inventory.resource_count()
        );
    }
    Ok(0)
}

fn list_checks(json: bool) -> anyhow::Result<u8> {
    let registry = Registry::builtin()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let list: Vec<_> = registry
            .checks()
            .map(|m| {
                let mut v = serde_json::to_value(m).unwrap_or_default();
                v["compliance"] = serde_json::to_value(registry.compliance_of(&m.id)).unwrap_or_default();
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        for m in registry.checks() {
            writeln!(out, "{:<42} {:<9} {:<11} {}", m.id, m.severity, m.service, m.title)?;
        }
        writeln!(out, "{} checks", registry.checks().count())?;
    }
    out.flush()?;
    Ok(0)
}

fn list_frameworks(json: bool) -> anyhow::Result<u8> {
    let registry = Registry::builtin()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let list: Vec<serde_json::Value> = registry
            .frameworks()
            .iter()
            .map(|fw| {
                let mut v = serde_json::to_value(fw).unwrap_or_default();
                if let Some(c) = fw.coverage() {
                    v["coverage"] = serde_json::json!({
                        "implemented": c.implemented,
                        "in_scope": c.in_scope,
                        "percent": c.percent(),
                    });
                }
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        for fw in registry.frameworks() {
            let total = fw.requirements.len();
            let automated = fw.requirements.iter().filter(|r| !r.checks.is_empty()).count();
            let coverage = fw.coverage().map_or(String::new(), |c| {
                format!(
                    ", coverage {}/{} controls for inventoried services ({:.1}%)",
                    c.implemented,
                    c.in_scope,
                    c.percent()
                )
            });
            writeln!(
                out,
                "{:<14} {} {} — {total} requirements, {automated} automated, {} manual{coverage}",
                fw.id,
                fw.name,
                fw.version,
                total - automated
            )?;
        }
    }
    out.flush()?;
    Ok(0)
}

fn schema(kind: SchemaKind) -> anyhow::Result<u8> {
    let schema = match kind {
        SchemaKind::Snapshot => Snapshot::json_schema(),
        SchemaKind::Finding => serde_json::to_value(schemars::schema_for!(warden_model::Finding))?,
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &schema)?;
    writeln!(out)?;
    Ok(0)
}

fn generate(what: GenerateKind) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    match what {
        GenerateKind::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "warden", &mut out),
        GenerateKind::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "warden", &mut out),
        GenerateKind::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "warden", &mut out),
        GenerateKind::Man => clap_mangen::Man::new(cmd).render(&mut out)?,
    }
    Ok(0)
}

/// Peak resident memory of this process so far, in MiB (Linux; `None` elsewhere).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench(args: &BenchArgs) -> anyhow::Result<u8> {
    let runs = args.runs.max(1);
    let best = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            f()?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let t = Instant::now();
    let snapshot = warden_example::generate(&warden_example::Params { seed: 7, scale: Some(args.scale) });
    let generate = t.elapsed().as_secs_f64();
    let bytes = serde_json::to_vec(&snapshot)?;
    let path = std::path::Path::new("bench.json");
    let parse = best(&mut || Snapshot::from_bytes(path, &bytes).map(|_| ()).map_err(Into::into))?;
    let registry = Registry::builtin()?;
    let now = snapshot.collected_at;
    let mut findings = Vec::new();
    let checks = best(&mut || {
        findings = registry.run(&snapshot, &Selection::default(), now)?;
        Ok(())
    })?;
    let info = ScanInfo::new("bench", now);
    let render = best(&mut || {
        let mut sink = std::io::sink();
        warden_report::render(warden_report::Format::Json, &info, &findings, &Default::default(), &mut sink)?;
        Ok(())
    })?;
    let report = serde_json::json!({
        "resources": snapshot.inventory.resource_count(),
        "accounts": snapshot.inventory.accounts.len(),
        "snapshot_bytes": bytes.len(),
        "findings": findings.len(),
        "seconds": { "generate": generate, "parse_snapshot": parse, "run_checks": checks, "render_json": render,
                     "scan_total": parse + checks + render },
        "checks_vs_parse_ratio": checks / parse,
        "peak_rss_mib": peak_rss_mib(),
        "runs": runs,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(0)
}
