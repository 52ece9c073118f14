//! `warden respond`: run a playbook on a target, or let a policy decide from an
//! EventBridge event what to run (`--event`), as the Lambda does for each event it gets.
//!
//! The decisions are pure (`warden_respond::{event, policy}`); what carries them out is a
//! [`Runner`], so the plan printed here, the Lambda's and the live run share one path.
//! Until the live runners (playbooks, the fix executor) are wired in, [`DryRunner`]
//! stands in: it reports what would run, which is a complete dry run.
//!
//! An action changes the account only when its rule says `mode: apply` *and* the caller
//! passes `--apply`; then it is confirmed (or `--yes`) and recorded in the audit log.
//! Exit codes: 0 done or nothing matched, 1 an action or notification failed, 2 bad input.

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use warden_respond::event::{EventError, Trigger};
use warden_respond::policy::{Action, Decision, Notify, Outcome, Policy, Unmatched};

#[derive(Args, Debug)]
pub struct RespondArgs {
    /// The playbook to run: quarantine-instance, snapshot-volumes, capture-evidence,
    /// disable-access-key, revoke-role-sessions, contain-user, block-public-bucket.
    #[arg(value_name = "PLAYBOOK", required_unless_present = "event", conflicts_with = "event", requires = "target")]
    pub playbook: Option<String>,
    /// What the playbook acts on: an instance id, access key id, user or role name, bucket.
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
    /// Respond to this EventBridge event (JSON; `-` for stdin): a GuardDuty finding, a
    /// Security Hub finding, a CloudTrail API call or a Config compliance change.
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// The response policy (YAML) that decides what an event starts. Without one, the
    /// event is parsed and printed, and nothing is decided.
    #[arg(long, value_name = "FILE", env = "WARDEN_POLICY_FILE")]
    pub policy: Option<PathBuf>,
    /// Really change the account, for rules that say `mode: apply` (both must say so).
    #[arg(long)]
    pub apply: bool,
    /// Do not ask before applying (non-interactive use).
    #[arg(long)]
    pub yes: bool,
    /// The audit log (JSON lines, hash-chained); default: `audit.jsonl` beside the history
    /// database.
    #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Playbook runs: evidence bundle, CloudTrail source and the AWS session.
    #[command(flatten)]
    pub playbook_args: crate::respond_cmd::PlaybookArgs,
}

/// What carries out decisions. Each method gets `apply`: `false` asks for a plan (what
/// would be done, read-only), `true` for the change. The result is JSON for the report,
/// the audit record and the notification.
pub trait Runner {
    /// Runs a playbook on a target (see [`Action::Playbook`] for what targets are).
    /// `trigger` is the event behind it, when there is one (its account and region).
    fn playbook(&mut self, trigger: Option<&Trigger>, name: &str, target: &str, apply: bool) -> anyhow::Result<Value>;
    /// Applies the fixes of these checks to a resource (an ARN, or an id, or the account
    /// id for account-wide fixes).
    fn fix(
        &mut self,
        trigger: Option<&Trigger>,
        check_ids: &[String],
        resource: &str,
        apply: bool,
    ) -> anyhow::Result<Value>;
    /// Delivers a notification (the body is [`Decision::message`]).
    fn notify(&mut self, to: &Notify, message: &Value) -> anyhow::Result<Value>;
    /// Whether this runner can change an account at all.
    fn can_apply(&self) -> bool {
        true
    }
}

/// Says what would run and sends nothing: the plan on its own.
pub struct DryRunner;

impl Runner for DryRunner {
    fn playbook(&mut self, trigger: Option<&Trigger>, name: &str, target: &str, _apply: bool) -> anyhow::Result<Value> {
        Ok(json!({
            "dry_run": true,
            "would_run": {"playbook": name, "target": target, "account": trigger.map(|t| &t.account),
                          "region": trigger.map(|t| &t.region)},
        }))
    }

    fn fix(
        &mut self,
        trigger: Option<&Trigger>,
        check_ids: &[String],
        resource: &str,
        _apply: bool,
    ) -> anyhow::Result<Value> {
        Ok(json!({
            "dry_run": true,
            "would_run": {"fix": check_ids, "resource": resource, "account": trigger.map(|t| &t.account),
                          "region": trigger.map(|t| &t.region)},
        }))
    }

    fn notify(&mut self, to: &Notify, message: &Value) -> anyhow::Result<Value> {
        Ok(json!({"dry_run": true, "would_send": {"to": to, "subject": message.get("subject"), "message": message}}))
    }

    fn can_apply(&self) -> bool {
        false
    }
}

/// The live runner: playbooks, the fix executor and SNS, on the given AWS session.
pub fn runner(
    opts: warden_aws::Options,
    audit_log: Option<PathBuf>,
    evidence_root: Option<PathBuf>,
    cloudtrail: Option<PathBuf>,
) -> Box<dyn Runner + Send> {
    Box::new(crate::respond_live::LiveRunner { opts, audit_log, evidence_root, cloudtrail })
}

/// Where audit records go: the hash-chained file, or (in the Lambda, whose disk does not
/// last) the function's log as JSON lines.
pub enum AuditSink {
    File(PathBuf),
    Log,
}

impl AuditSink {
    fn record(&self, record: Value) -> anyhow::Result<String> {
        match self {
            AuditSink::File(path) => crate::audit::append(path, record),
            AuditSink::Log => {
                let id = format!("audit-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"));
                println!("{}", json!({"audit": {"id": id, "time": chrono::Utc::now().to_rfc3339(), "record": record}}));
                Ok(id)
            }
        }
    }
}

/// One trigger of an event, with every rule's verdict on it.
#[derive(Debug, Serialize)]
pub struct Planned {
    pub trigger: Trigger,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Parses an event and asks the policy about each of its triggers.
pub fn plan(event: &[u8], policy: Option<&Policy>) -> Result<Vec<Planned>, EventError> {
    let triggers = warden_respond::event::parse(event)?;
    Ok(triggers
        .into_iter()
        .map(|trigger| {
            let outcome = policy.map(|p| warden_respond::policy::evaluate(&trigger, p)).unwrap_or_default();
            Planned { trigger, outcome }
        })
        .collect())
}

/// What came of one decision.
#[derive(Debug, Serialize)]
pub struct Done {
    pub decision: Decision,
    /// Whether the account was (meant to be) changed.
    pub applied: bool,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub audit_id: Option<String>,
    pub notified: Vec<Delivery>,
}

#[derive(Debug, Serialize)]
pub struct Delivery {
    pub to: Notify,
    pub result: Option<Value>,
    pub error: Option<String>,
}

impl Done {
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.notified.iter().any(|n| n.error.is_some())
    }
}

/// Carries out a trigger's decisions, in order: each runs (or is planned), is audited
/// when applied, and is announced to its rule's `notify` targets — in dry runs too,
/// which is how a dry-run deployment reports what it would have done.
pub fn execute(planned: &Planned, runner: &mut dyn Runner, caller_apply: bool, audit: &AuditSink) -> Vec<Done> {
    let t = &planned.trigger;
    planned
        .outcome
        .decisions
        .iter()
        .map(|d| {
            let applied = d.applies(caller_apply) && runner.can_apply();
            let outcome = match &d.action {
                Action::Playbook { name, target } => runner.playbook(Some(t), name, target, applied),
                Action::Fix { checks, resource } => runner.fix(Some(t), checks, resource, applied),
            };
            let (result, error) = match outcome {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(format!("{e:#}"))),
            };
            let audit_id = if applied {
                let record = json!({
                    "action": "respond",
                    "account": t.account,
                    "region": t.region,
                    "event_id": t.event_id,
                    "source": t.source,
                    "kind": t.kind,
                    "finding_id": t.finding_id,
                    "rule": d.rule,
                    "decision": d.action,
                    "resource": d.resource,
                    "result": result,
                    "error": error,
                });
                match audit.record(record) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        tracing::error!("audit record for {} not written: {e:#}", d.action);
                        None
                    }
                }
            } else {
                None
            };
            let message = d.message(t, applied, result.as_ref(), error.as_deref());
            let notified = d
                .notify
                .iter()
                .map(|to| match runner.notify(to, &message) {
                    Ok(v) => Delivery { to: to.clone(), result: Some(v), error: None },
                    Err(e) => Delivery { to: to.clone(), result: None, error: Some(format!("{e:#}")) },
                })
                .collect();
            Done { decision: d.clone(), applied, result, error, audit_id, notified }
        })
        .collect()
}

pub fn run(args: &RespondArgs) -> anyhow::Result<u8> {
    match (&args.event, &args.playbook, &args.target) {
        (Some(event), _, _) => respond_to_event(args, event),
        (None, Some(playbook), Some(target)) => run_playbook(args, playbook, target),
        _ => anyhow::bail!("give PLAYBOOK TARGET, or --event FILE"),
    }
}

fn read_input(path: &Path, what: &str, limit: usize) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let name = path.display();
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {what} `{name}`"))?)
    };
    // One byte past the limit is enough to know it is too large.
    reader.take(limit as u64 + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {what} `{name}`"))?;
    Ok(bytes)
}

pub fn read_policy(path: &Path) -> anyhow::Result<Policy> {
    let bytes = read_input(path, "policy", warden_respond::policy::MAX_POLICY_BYTES)?;
    let text = String::from_utf8(bytes).with_context(|| format!("policy `{}` is not UTF-8", path.display()))?;
    Policy::from_yaml(&text).with_context(|| format!("policy `{}`", path.display()))
}

fn respond_to_event(args: &RespondArgs, event: &Path) -> anyhow::Result<u8> {
    let policy = args.policy.as_deref().map(read_policy).transpose()?;
    let bytes = read_input(event, "event", warden_respond::event::MAX_EVENT_BYTES)?;
    let planned = plan(&bytes, policy.as_ref()).with_context(|| format!("event `{}`", event.display()))?;
    // Without --apply nothing touches AWS: the plan is the decisions themselves. With it,
    // the live runner also plans the dry-run rules from live reads and sends notifications.
    let mut runner: Box<dyn Runner + Send> = if !args.apply {
        Box::new(DryRunner)
    } else {
        runner(
            crate::live::options(&args.playbook_args.live)?,
            args.audit_log.clone(),
            args.playbook_args.evidence_dir.clone(),
            args.playbook_args.cloudtrail.clone(),
        )
    };
    let applies = planned.iter().flat_map(|p| &p.outcome.decisions).filter(|d| d.applies(args.apply)).count();
    if !args.json {
        print_plan(&planned, args.policy.as_deref(), args.apply);
    }
    if applies > 0 {
        anyhow::ensure!(
            runner.can_apply(),
            "--apply: this build has no live responder yet, so nothing can be changed; run without --apply for the plan"
        );
        if !args.yes && !crate::audit::confirm(&format!("apply {applies} action(s) to the account?"))? {
            println!("declined: nothing was run");
            return Ok(0);
        }
    }
    let audit =
        if applies > 0 { AuditSink::File(crate::audit::resolve(args.audit_log.as_deref())?) } else { AuditSink::Log };
    let done: Vec<Vec<Done>> = planned.iter().map(|p| execute(p, runner.as_mut(), args.apply, &audit)).collect();
    let failed = done.iter().flatten().filter(|d| d.failed()).count();
    if args.json {
        let items: Vec<Value> = planned
            .iter()
            .zip(&done)
            .map(|(p, d)| {
                json!({"trigger": p.trigger, "decisions": p.outcome.decisions,
                "unmatched": p.outcome.unmatched, "results": d})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"event": event, "triggers": items}))?);
    } else {
        print_results(&done);
    }
    Ok(u8::from(failed > 0))
}

fn run_playbook(args: &RespondArgs, name: &str, target: &str) -> anyhow::Result<u8> {
    crate::respond_cmd::run(args, name, target)
}

fn mode_note(d: &Decision, caller_apply: bool) -> &'static str {
    use warden_respond::policy::Mode;
    match (d.mode, caller_apply) {
        (Mode::Apply, true) => "apply",
        (Mode::Apply, false) => "dry run: the rule says apply; pass --apply to act",
        (Mode::DryRun, true) => "dry run: the rule says dry-run",
        (Mode::DryRun, false) => "dry run",
    }
}

fn print_trigger(t: &Trigger) {
    let severity = t.severity.map(|s| format!(" · {s}")).unwrap_or_default();
    let status = t.status.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    println!("{} {}{severity}{status} · account {} · {}", t.source, t.kind, t.account, t.region);
    if let Some(title) = &t.title {
        println!("  {title}");
    }
    println!("  event {}{}", t.event_id, t.finding_id.as_deref().map(|f| format!(", finding {f}")).unwrap_or_default());
    for r in &t.resources {
        let arn = r.arn.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
        let actor = if r.relation == warden_respond::event::Relation::Actor { " [actor]" } else { "" };
        println!("  resource {} {}{arn}{actor}", r.kind, r.id);
    }
}

fn print_unmatched(unmatched: &[Unmatched]) {
    for u in unmatched {
        println!("  rule {} `{}`: {}", u.rule_index, u.rule, u.reason);
    }
}

fn print_plan(planned: &[Planned], policy: Option<&Path>, caller_apply: bool) {
    for p in planned {
        print_trigger(&p.trigger);
        let Some(path) = policy else {
            println!("no policy: pass --policy FILE (or set WARDEN_POLICY_FILE) to decide a response");
            continue;
        };
        if p.outcome.decisions.is_empty() {
            println!("no rule matched in `{}`:", path.display());
            print_unmatched(&p.outcome.unmatched);
            continue;
        }
        println!("decisions of `{}`:", path.display());
        for d in &p.outcome.decisions {
            println!("  rule {} `{}`: {} ({})", d.rule_index, d.rule, d.action, mode_note(d, caller_apply));
            println!("    because {}", d.reasons.join("; "));
            for n in &d.notify {
                println!("    notify {n}");
            }
        }
    }
}

fn print_results(done: &[Vec<Done>]) {
    let all: Vec<&Done> = done.iter().flatten().collect();
    if all.is_empty() {
        return;
    }
    println!("results:");
    for d in &all {
        let verb = if d.applied { "ran" } else { "would run" };
        match &d.error {
            Some(e) => println!("  FAILED {}: {e}", d.decision.action),
            None => println!("  {verb} {}", d.decision.action),
        }
        if let Some(id) = &d.audit_id {
            println!("    audit record {id}");
        }
        for n in &d.notified {
            match &n.error {
                Some(e) => println!("    notify {} FAILED: {e}", n.to),
                None if n.result.as_ref().is_some_and(|r| r.get("dry_run").is_some()) => {
                    println!("    would notify {}", n.to)
                }
                None => println!("    notified {}", n.to),
            }
        }
    }
    let applied = all.iter().filter(|d| d.applied).count();
    let failed = all.iter().filter(|d| d.failed()).count();
    println!("{} decisions: {applied} applied, {} dry run, {failed} failed", all.len(), all.len() - applied);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// Records what it is asked and can apply.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<String>,
        fail_playbooks: bool,
    }

    impl Runner for Recorder {
        fn playbook(&mut self, _: Option<&Trigger>, name: &str, target: &str, apply: bool) -> anyhow::Result<Value> {
            self.calls.push(format!("playbook {name} {target} apply={apply}"));
            anyhow::ensure!(!self.fail_playbooks, "AccessDenied");
            Ok(json!({"ok": true}))
        }
        fn fix(
            &mut self,
            _: Option<&Trigger>,
            checks: &[String],
            resource: &str,
            apply: bool,
        ) -> anyhow::Result<Value> {
            self.calls.push(format!("fix {} {resource} apply={apply}", checks.join(",")));
            Ok(json!({"ok": true}))
        }
        fn notify(&mut self, to: &Notify, message: &Value) -> anyhow::Result<Value> {
            self.calls.push(format!("notify {to} applied={}", message["applied"]));
            Ok(json!({"message_id": "m-1"}))
        }
    }

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn planned(event: &str) -> Vec<Planned> {
        let policy = read_policy(&repo().join("examples/response-policy.yaml")).unwrap();
        let bytes = std::fs::read(repo().join("crates/warden-respond/tests/events").join(event)).unwrap();
        plan(&bytes, Some(&policy)).unwrap()
    }

    #[test]
    fn apply_needs_the_rule_and_the_caller_and_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        let p = planned("cloudtrail-api.json");
        // contain-user is dry-run in the policy; restarting the trail says apply.
        let mut r = Recorder::default();
        let done = execute(&p[0], &mut r, true, &AuditSink::File(log.clone()));
        assert_eq!(
            r.calls,
            [
                "playbook contain-user Mateo apply=false",
                "notify sns arn:aws:sns:us-east-1:111122223333:warden-response applied=false",
                "fix cloudtrail_multi_region_logging arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events apply=true",
            ]
        );
        assert_eq!(done.iter().map(|d| d.applied).collect::<Vec<_>>(), [false, true]);
        assert!(done[0].audit_id.is_none() && done[1].audit_id.is_some());
        assert_eq!(crate::audit::verify(&log).unwrap(), Ok(1), "one record: the applied fix");
        let record: Value = serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
        assert_eq!(record["rule"], "restart-stopped-trails");
        assert_eq!(record["event_id"], "36eb8523-97d0-4518-b33d-ee3579ff19f0");

        // Without the caller's --apply nothing applies and nothing is audited.
        let mut r = Recorder::default();
        let done = execute(&p[0], &mut r, false, &AuditSink::File(log.clone()));
        assert!(done.iter().all(|d| !d.applied && d.audit_id.is_none()));
        assert_eq!(crate::audit::verify(&log).unwrap(), Ok(1));
    }

    #[test]
    fn failures_are_reported_audited_and_do_not_stop_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        let p = planned("guardduty-ec2.json");
        let mut r = Recorder { fail_playbooks: true, ..Default::default() };
        let done = execute(&p[0], &mut r, true, &AuditSink::File(log.clone()));
        assert_eq!(done.len(), 2, "quarantine and snapshot");
        assert!(done.iter().all(|d| d.failed() && d.error.as_deref() == Some("AccessDenied")));
        assert_eq!(crate::audit::verify(&log).unwrap(), Ok(2), "failed attempts are recorded too");
        assert!(r.calls.iter().any(|c| c.contains("notify") && c.ends_with("applied=true")));
    }

    #[test]
    fn the_dry_runner_never_applies() {
        let p = planned("guardduty-ec2.json");
        let done = execute(&p[0], &mut DryRunner, true, &AuditSink::Log);
        assert!(done.iter().all(|d| !d.applied && d.audit_id.is_none() && !d.failed()));
        assert_eq!(done[0].result.as_ref().unwrap()["would_run"]["playbook"], "quarantine-instance");
        assert_eq!(done[0].notified[0].result.as_ref().unwrap()["dry_run"], true);
    }
}
