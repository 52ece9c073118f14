//! `warden respond PLAYBOOK TARGET`: incident playbooks, run by hand or by the event
//! responder ([`run_playbook`]).
//!
//! A run reads the target live, plans the exact requests (`warden_respond::playbook`),
//! prints them, and — only with `--apply`, confirmed or `--yes` — sends them one by one,
//! reads the target again and, for the quarantine, finishes what the first pass could
//! not see (the egress rules a new group turned out to have). Every run that applies or
//! keeps evidence writes a forensic bundle — the state as read before any change, the
//! related CloudTrail events, the plan, the outcome, hash-chained in `manifest.jsonl` —
//! and one audit record with the state before and after, the request ids and the
//! bundle's manifest head.
//!
//! Exit codes: 0 done (or dry run), 1 a call failed or the change was declined, 2 error.

use crate::respond_event::RespondArgs;
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use warden_aws::act::playbook::{Depth, PlanRun, Read};
use warden_aws::act::{Actor, Executor};
use warden_respond::evidence::{Bundle, default_dir};
use warden_respond::playbook::{Plan, Playbook, Subject, TargetRef, event_concerns, plan, snapshot_ids};

/// At most this many related CloudTrail events are kept in a bundle.
const MAX_EVENTS: usize = 100_000;
/// How far back `LookupEvents` reaches (CloudTrail keeps 90 days of management events).
const LOOKUP_DAYS: i64 = 90;

/// The flags of a playbook run besides `--apply`, `--yes` and `--audit-log`.
#[derive(Args, Debug, Clone, Default)]
pub struct PlaybookArgs {
    /// Write the forensic evidence bundle here (default with --apply or capture-evidence:
    /// `evidence/<playbook>-<target>-<UTC time>`). A dry run writes one only when asked.
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
    /// CloudTrail logs (a file or a directory, plain or gzip) to search for the target's
    /// events. Without it, access keys are looked up with CloudTrail LookupEvents (90 days).
    #[arg(long, value_name = "PATH")]
    pub cloudtrail: Option<PathBuf>,
    #[command(flatten)]
    pub live: crate::live::LiveArgs,
}

/// One playbook run: what the CLI passes, and what the event responder builds for each
/// decision.
pub struct PlaybookRun<'a> {
    pub name: &'a str,
    pub target: &'a str,
    /// Really change the account.
    pub apply: bool,
    /// Do not ask before changing (non-interactive).
    pub yes: bool,
    pub opts: &'a warden_aws::Options,
    /// The audit log; `None`: the default location.
    pub audit_log: Option<&'a Path>,
    pub evidence_dir: Option<&'a Path>,
    pub cloudtrail: Option<&'a Path>,
    /// Print the plan and what happened (the CLI); `false` for callers that report the
    /// returned JSON themselves.
    pub print: bool,
}

/// The CLI's side: `warden respond PLAYBOOK TARGET …`.
pub fn run(args: &RespondArgs, name: &str, target: &str) -> anyhow::Result<u8> {
    let opts = crate::live::options(&args.playbook_args.live)?;
    let out = run_playbook(&PlaybookRun {
        name,
        target,
        apply: args.apply,
        yes: args.yes,
        opts: &opts,
        audit_log: args.audit_log.as_deref(),
        evidence_dir: args.playbook_args.evidence_dir.as_deref(),
        cloudtrail: args.playbook_args.cloudtrail.as_deref(),
        print: !args.json,
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    let failed = !out["error"].is_null() || out["declined"] == true;
    Ok(u8::from(failed))
}

/// Reads, plans and (with `apply`) performs one playbook, writing the evidence bundle and
/// the audit record. Returns the report: the plan, what was sent, the bundle, the audit
/// id. Errors are for runs that could not start (unknown playbook, target not found, no
/// credentials); a call that fails part-way is reported in `error` with what was sent.
pub fn run_playbook(r: &PlaybookRun) -> anyhow::Result<Value> {
    let playbook = Playbook::parse(r.name).map_err(anyhow::Error::msg)?;
    let target = playbook.target(r.target).map_err(anyhow::Error::msg)?;
    let ex = Executor::connect(r.opts)?;
    let region = r.opts.regions.first().map(String::as_str);
    let depth = if playbook == Playbook::SnapshotVolumes { Depth::Instance } else { Depth::Related };
    let lenient = playbook == Playbook::CaptureEvidence;
    let now = Utc::now();
    let read = ex
        .read_target(&target, region, depth, lenient)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("playbook {playbook} on `{}`", r.target))?;
    if let Subject::User(u) = &read.subject {
        anyhow::ensure!(
            u.arn.as_deref() != Some(ex.actor.arn.as_str()),
            "Warden runs as user {}: containing it would cut this run off half-way; run as another principal",
            u.name
        );
    }
    let planned = plan(playbook, &read.subject, now).map_err(anyhow::Error::msg)?;
    let events = related_events(&ex, &read.subject, r.cloudtrail, r.opts, now);
    if r.print {
        print_plan(&ex.actor, &planned, &read, &events, r.apply);
    }

    let keep = r.apply || playbook == Playbook::CaptureEvidence || r.evidence_dir.is_some();
    let mut bundle = if keep {
        let dir = r.evidence_dir.map(Path::to_owned).unwrap_or_else(|| default_dir(playbook.name(), r.target, now));
        Some(start_bundle(&dir, &ex.actor, &read, &events, &planned)?)
    } else {
        None
    };

    let mut report = json!({
        "playbook": playbook,
        "target": r.target,
        "actor": ex.actor,
        "region": region.unwrap_or(&ex.actor.region),
        "applied": false,
        "plan": planned,
        "before": read.subject,
        "gaps": read.gaps,
        "events": events.summary(),
        "error": null,
    });
    let changes = r.apply && playbook.changes() && !planned.steps.is_empty();
    if changes
        && !r.yes
        && !crate::audit::confirm(&format!("run playbook {playbook} on {}: {} calls?", r.target, planned.steps.len()))?
    {
        report["declined"] = json!(true);
        if r.print {
            println!("declined: nothing was sent");
        }
        return finish(r, report, bundle.as_mut(), None);
    }
    if !changes {
        if r.print {
            match (r.apply, playbook.changes()) {
                (false, true) if !planned.steps.is_empty() => {
                    println!("dry run: {} calls planned; pass --apply to change the account", planned.steps.len())
                }
                (_, true) => println!("nothing to change: {} is already contained", r.target),
                (_, false) => println!("read-only: nothing was changed"),
            }
        }
        return finish(r, report, bundle.as_mut(), None);
    }

    let mut run = ex.perform_plan(&planned);
    let mut remaining = None;
    if run.error.is_none() && playbook.idempotent() {
        // Read again: a new isolation group can come with rules the plan could not know
        // about; one more pass removes them. Anything left after that is reported.
        let mut again = replan(&ex, &target, region, depth, playbook, now);
        if let Ok(p) = &again
            && !p.steps.is_empty()
            && playbook == Playbook::QuarantineInstance
        {
            let second = ex.perform_plan(p);
            run.performed.extend(second.performed);
            run.bound.extend(second.bound);
            run.error = second.error;
            again = replan(&ex, &target, region, depth, playbook, now);
        }
        remaining = Some(again);
    }
    let after = ex.read_target(&target, region, depth, true);
    report["applied"] = json!(true);
    report["performed"] = json!(run.performed);
    report["request_ids"] = json!(request_ids(&run));
    report["bound"] = json!(run.bound);
    report["after"] = match &after {
        Ok(a) => json!(a.subject),
        Err(e) => json!({"unreadable": e}),
    };
    let snaps = snapshot_ids(&run.bound);
    if !snaps.is_empty() {
        report["snapshots"] = json!(snaps);
    }
    match &remaining {
        Some(Ok(p)) if !p.steps.is_empty() => {
            report["remaining"] = json!(p.steps);
            if run.error.is_none() {
                run.error = Some(format!(
                    "{} calls still planned after applying: the target is not fully contained",
                    p.steps.len()
                ));
            }
        }
        Some(Err(e)) => report["remaining"] = json!({"unknown": e}),
        _ => {}
    }
    report["error"] = json!(run.error);
    if r.print {
        print_run(&run, &snaps);
    }
    finish(r, report, bundle.as_mut(), Some(&run))
}

fn replan(
    ex: &Executor,
    target: &TargetRef,
    region: Option<&str>,
    depth: Depth,
    playbook: Playbook,
    now: DateTime<Utc>,
) -> Result<Plan, String> {
    let read = ex.read_target(target, region, depth, false)?;
    plan(playbook, &read.subject, now)
}

fn request_ids(run: &PlanRun) -> Vec<String> {
    run.performed.iter().filter_map(|p| p.request_id.clone()).collect()
}

/// Writes the outcome into the bundle and the audit record, and completes the report.
fn finish(
    r: &PlaybookRun,
    mut report: Value,
    bundle: Option<&mut Bundle>,
    run: Option<&PlanRun>,
) -> anyhow::Result<Value> {
    let now = Utc::now();
    if let Some(b) = bundle {
        let outcome = json!({
            "applied": report["applied"], "declined": report.get("declined"), "performed": report.get("performed"),
            "request_ids": report.get("request_ids"), "bound": report.get("bound"), "after": report.get("after"),
            "remaining": report.get("remaining"), "error": report["error"],
        });
        if let Some(snaps) = report.get("snapshots") {
            b.add_json("snapshots.json", snaps, now)?;
        }
        b.add_json("outcome.json", &outcome, now)?;
        report["evidence"] = json!({"dir": b.dir(), "files": b.entries().len(), "manifest_head": b.head()});
        if r.print {
            println!(
                "evidence: {} ({} files, manifest head {})",
                b.dir().display(),
                b.entries().len(),
                b.head().unwrap_or("-")
            );
        }
    }
    // A change, or evidence kept: both belong in the audit log (the bundle's head with it,
    // so the last manifest line is anchored outside the bundle).
    if run.is_some() || report.get("evidence").is_some() || report.get("declined").is_some() {
        let path = crate::audit::resolve(r.audit_log)?;
        let record = json!({
            "action": "respond",
            "playbook": report["playbook"],
            "target": report["target"],
            "actor": report["actor"]["arn"],
            "account": report["actor"]["account"],
            "region": report["region"],
            "plan_time": report["plan"]["time"],
            "applied": report["applied"],
            "declined": report.get("declined"),
            "before": report["before"],
            "after": report.get("after"),
            "calls": report.get("performed").cloned().unwrap_or(json!([])),
            "request_ids": report.get("request_ids").cloned().unwrap_or(json!([])),
            "bound": report.get("bound"),
            "irreversible": run.is_some_and(|run| run.performed.iter().any(|p| p.call.operation == "DeleteLoginProfile")),
            "evidence": report.get("evidence"),
            "error": report["error"],
        });
        let id = crate::audit::append(&path, record)?;
        if r.print {
            println!("audit record {id} in {}", path.display());
        }
        report["audit_id"] = json!(id);
    }
    Ok(report)
}

fn start_bundle(dir: &Path, actor: &Actor, read: &Read, events: &Events, planned: &Plan) -> anyhow::Result<Bundle> {
    let now = Utc::now();
    // Absolute, so the audit record names the bundle wherever it is read from.
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let dir = std::fs::canonicalize(dir).with_context(|| format!("cannot resolve `{}`", dir.display()))?;
    let mut b = Bundle::create(&dir)?;
    b.add_json(
        "run.json",
        &json!({
            "tool": "warden", "version": env!("CARGO_PKG_VERSION"), "started": now, "actor": actor,
            "playbook": planned.playbook, "target": planned.target,
        }),
        now,
    )?;
    b.add_json("target.json", &json!(read.subject), now)?;
    for (name, doc) in &read.evidence {
        b.add_json(name, doc, now)?;
    }
    if !read.gaps.is_empty() {
        b.add_json("gaps.json", &json!(read.gaps), now)?;
    }
    b.add_json("cloudtrail-source.json", &events.summary(), now)?;
    if !events.list.is_empty() {
        b.add_jsonl("cloudtrail-events.jsonl", &events.list, now)?;
    }
    b.add_json("plan.json", &json!(planned), now)?;
    Ok(b)
}

/// CloudTrail events about the target, and where they came from.
struct Events {
    list: Vec<Value>,
    source: String,
    /// Why the list may be incomplete or empty.
    limits: Vec<String>,
}

impl Events {
    fn summary(&self) -> Value {
        json!({"source": self.source, "count": self.list.len(), "limits": self.limits})
    }
}

fn related_events(
    ex: &Executor,
    subject: &Subject,
    cloudtrail: Option<&Path>,
    opts: &warden_aws::Options,
    now: DateTime<Utc>,
) -> Events {
    if let Some(path) = cloudtrail {
        return from_files(subject, path);
    }
    let Subject::AccessKey { key, .. } = subject else {
        return Events {
            list: Vec::new(),
            source: "none".into(),
            limits: vec!["no log source: pass --cloudtrail PATH to list the target's events".into()],
        };
    };
    let regions = if opts.regions.is_empty() { vec![ex.actor.region.clone()] } else { opts.regions.clone() };
    let since = now - chrono::Duration::days(LOOKUP_DAYS);
    let source = format!(
        "cloudtrail:LookupEvents AccessKeyId={} in {} since {}",
        key.id,
        regions.join(","),
        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    match ex.lookup_key_events(&key.id, &regions, since) {
        Ok(list) => {
            let mut limits =
                vec!["LookupEvents returns management events only, for the regions queried (--region)".to_owned()];
            if list.len() >= warden_aws::act::playbook::MAX_LOOKUP_EVENTS {
                limits.push(format!("cut at {} events", list.len()));
            }
            Events { list, source, limits }
        }
        Err(e) => Events {
            list: Vec::new(),
            source,
            limits: vec![format!("LookupEvents failed: {e}; pass --cloudtrail PATH")],
        },
    }
}

fn from_files(subject: &Subject, path: &Path) -> Events {
    use warden_detect::reader::{ReadLimits, expand_paths, for_each_event, is_cloudtrail_name, read_bytes};
    let limits = ReadLimits::default();
    let mut errors = Vec::new();
    let files = expand_paths(&[path.to_owned()], &limits, is_cloudtrail_name, &mut errors);
    let mut list = Vec::new();
    let mut seen = 0u64;
    let mut cut = false;
    for f in &files {
        let (buf, err) = read_bytes(f, &limits);
        errors.extend(err);
        for_each_event(&buf, f, &limits, &mut errors, &mut |ev, _| {
            seen += 1;
            if list.len() >= MAX_EVENTS {
                cut = true;
                return;
            }
            let v = ev.to_json();
            if event_concerns(subject, &v) {
                list.push(v);
            }
        });
    }
    let mut notes: Vec<String> = errors.iter().take(20).map(ToString::to_string).collect();
    if errors.len() > 20 {
        notes.push(format!("… and {} more read problems", errors.len() - 20));
    }
    if cut {
        notes.push(format!("cut at {MAX_EVENTS} related events"));
    }
    Events {
        list,
        source: format!("files under `{}`: {} files, {seen} events read", path.display(), files.len()),
        limits: notes,
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 400 { format!("{}… ({} bytes)", &s[..s.floor_char_boundary(400)], s.len()) } else { s }
}

fn print_plan(actor: &Actor, p: &Plan, read: &Read, events: &Events, apply: bool) {
    let mode = if apply { "apply" } else { "dry run" };
    println!("playbook {} on {} ({mode}): {}", p.playbook, p.target, p.playbook.summary());
    println!("as {} in account {}", actor.arn, actor.account);
    for (n, s) in p.steps.iter().enumerate() {
        let flag = if s.irreversible { " [IRREVERSIBLE]" } else { "" };
        println!("  {}. {}{flag}", n + 1, s.why);
        println!("     call {}", s.call);
        if !s.replaces.is_null() {
            println!("     replaces {}", compact(&s.replaces));
        }
        if let Some(b) = &s.binds {
            println!("     binds ${{{}}} to its {}", b.name, b.from);
        }
    }
    for n in &p.notes {
        println!("  note: {n}");
    }
    for g in &read.gaps {
        println!("  not read: {g}");
    }
    println!("  events: {} from {}", events.list.len(), events.source);
    for l in &events.limits {
        println!("    {l}");
    }
}

fn print_run(run: &PlanRun, snaps: &std::collections::BTreeMap<String, String>) {
    for p in &run.performed {
        println!("  sent {}:{} (request {})", p.call.service, p.call.operation, p.request_id.as_deref().unwrap_or("-"));
    }
    for (vol, snap) in snaps {
        println!("  snapshot {snap} of {vol}");
    }
    match &run.error {
        None => println!("done: {} calls", run.performed.len()),
        Some(e) => println!("FAILED after {} calls: {e}", run.performed.len()),
    }
}

/// `warden evidence verify DIR`: 0 intact, 1 with the first problem.
pub fn verify(dir: &Path, head: Option<&str>, json_out: bool) -> anyhow::Result<u8> {
    anyhow::ensure!(dir.is_dir(), "`{}` is not a directory", dir.display());
    let result = warden_respond::evidence::verify(dir, head);
    if json_out {
        let v = match &result {
            Ok(ok) => json!({"dir": dir, "intact": true, "entries": ok.entries, "manifest_head": ok.head}),
            Err(p) => json!({"dir": dir, "intact": false, "problem": p.kind(), "detail": p.to_string()}),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        match &result {
            Ok(ok) => println!("intact: {} files, manifest head {}", ok.entries, ok.head.as_deref().unwrap_or("-")),
            Err(p) => println!("NOT intact: {p}"),
        }
    }
    Ok(u8::from(result.is_err()))
}
