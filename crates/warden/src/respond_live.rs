//! The live [`Runner`]: what `warden respond --event --apply` and the Lambda use to carry
//! out a decision — the playbooks (`respond_cmd::run_playbook`), the fix executor
//! (`warden_aws::act`) and SNS notifications. Decisions of dry-run rules are reported as
//! the [`DryRunner`] reports them, without reading AWS; notifications are always sent.

use crate::respond_event::{DryRunner, Runner};
use anyhow::Context;
use serde_json::{Value, json};
use std::path::PathBuf;
use warden_aws::act::Executor;
use warden_checks::{Config, Registry, Selection};
use warden_respond::event::Trigger;
use warden_respond::policy::Notify;

pub struct LiveRunner {
    pub opts: warden_aws::Options,
    /// The audit log for the changes (`None`: the default location).
    pub audit_log: Option<PathBuf>,
    /// Where evidence bundles go (`None`: the playbook's default).
    pub evidence_root: Option<PathBuf>,
    pub cloudtrail: Option<PathBuf>,
}

impl LiveRunner {
    /// The options for an event: its region first, so regional calls go where the
    /// event happened.
    fn opts_for(&self, trigger: Option<&Trigger>) -> warden_aws::Options {
        let mut opts = self.opts.clone();
        if let Some(r) = trigger.map(|t| t.region.clone()).filter(|r| !r.is_empty()) {
            opts.regions = vec![r];
        }
        opts
    }
}

impl Runner for LiveRunner {
    fn playbook(&mut self, trigger: Option<&Trigger>, name: &str, target: &str, apply: bool) -> anyhow::Result<Value> {
        if !apply {
            return DryRunner.playbook(trigger, name, target, false);
        }
        let opts = self.opts_for(trigger);
        let evidence = self.evidence_root.as_ref().map(|root| {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
            let safe: String =
                target.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            root.join(format!("{name}-{safe}-{stamp}"))
        });
        crate::respond_cmd::run_playbook(&crate::respond_cmd::PlaybookRun {
            name,
            target,
            apply,
            // The responder asked once for the whole event (or was told `--yes`).
            yes: true,
            opts: &opts,
            audit_log: self.audit_log.as_deref(),
            evidence_dir: evidence.as_deref(),
            cloudtrail: self.cloudtrail.as_deref(),
            print: false,
        })
    }

    /// Scans the event's account and region with the named checks, keeps the FAIL
    /// findings on the resource, and plans (or applies) their fixes. A fix the policy
    /// names is applied even when disruptive: the rule is the explicit consent.
    fn fix(
        &mut self,
        trigger: Option<&Trigger>,
        check_ids: &[String],
        resource: &str,
        apply: bool,
    ) -> anyhow::Result<Value> {
        if !apply {
            return DryRunner.fix(trigger, check_ids, resource, false);
        }
        let opts = self.opts_for(trigger);
        let collection = warden_aws::collect_blocking(&opts)?;
        let snapshot = collection.snapshot;
        let registry = Registry::builtin()?;
        let sel = Selection { checks: check_ids.to_vec(), ..Selection::default() };
        let findings = registry.run_with(&snapshot, &sel, &Config::default(), snapshot.collected_at, &mut |_| {})?;
        let on_resource: Vec<_> = findings
            .into_iter()
            .filter(|f| {
                resource.is_empty()
                    || f.resource.arn == resource
                    || f.resource.arn.ends_with(&format!("/{resource}"))
                    || f.resource.account_id == resource
            })
            .collect();
        let (fixes, mut skipped) = warden_respond::plan(&on_resource, &warden_respond::Params::default());
        let ex = Executor::connect(&opts)?;
        let fixes = crate::fix_cmd::own_account(fixes, &mut skipped, &ex.actor.account);
        let audit = crate::audit::resolve(self.audit_log.as_deref())?;
        let mut results = Vec::new();
        let mut failed = 0;
        for fix in &fixes {
            let change = ex.apply(fix);
            if change.performed.is_empty() && change.error.is_none() {
                results.push(json!({"fix": fix, "already_fixed": true}));
                continue;
            }
            let id = crate::audit::append(&audit, crate::fix_cmd::record("fix", fix, &ex.actor, &change))?;
            failed += usize::from(change.error.is_some());
            results.push(json!({"fix": fix, "change": change, "audit_id": id}));
        }
        let out = json!({"applied": true, "fixes": results, "skipped": skipped, "findings_failing": on_resource.len()});
        anyhow::ensure!(failed == 0, "{failed} fix(es) failed: {out}");
        Ok(out)
    }

    fn notify(&mut self, to: &Notify, message: &Value) -> anyhow::Result<Value> {
        match to {
            Notify::Sns(topic) => {
                let ex = Executor::connect(&self.opts)?;
                let subject = message.get("subject").and_then(Value::as_str).unwrap_or("Warden response");
                let body = serde_json::to_string_pretty(message)?;
                let id = ex.publish(topic, subject, &body).map_err(anyhow::Error::msg).context("sns:Publish")?;
                Ok(json!({"sns": topic, "message_id": id}))
            }
            Notify::Webhook(url) => post_webhook(url, message),
        }
    }
}

/// POSTs the message as JSON: one attempt, 10 s, any 2xx is delivered.
fn post_webhook(url: &str, message: &Value) -> anyhow::Result<Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let body = serde_json::to_vec(message)?;
    let resp = agent
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("warden/", env!("CARGO_PKG_VERSION")))
        .send(&body[..])
        .with_context(|| format!("webhook {url}"))?;
    let status = resp.status().as_u16();
    anyhow::ensure!((200..300).contains(&status), "webhook {url} answered HTTP {status}");
    Ok(json!({"webhook": url, "status": status}))
}
