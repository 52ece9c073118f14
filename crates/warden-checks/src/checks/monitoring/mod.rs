//! Monitoring (CIS 5.1–5.16, 4.3, 2.18): metric filters with alarms that reach a person,
//! Security Hub, AWS Config and IAM Access Analyzer in every region in use.
//!
//! A CIS 5.x control holds for an account when one chain is complete:
//!
//! ```text
//! trail (multi-region, logging, all management events) ──► CloudWatch Logs group
//!   ──► metric filter matching the control's events ──► alarm on its metric (actions on)
//!   ──► SNS topic ──► a confirmed subscription
//! ```
//!
//! The trail may be the account's own or, for a member account, an organization trail of
//! the management account; the log group, filters, alarms and topics are looked up in the
//! account and region their ARNs name. Filters are judged by running them on synthetic
//! events ([`events`]), never by comparing text. The finding names the furthest link
//! reached and what breaks there; data unread along the way makes it ERROR unless some
//! chain is complete regardless.

mod events;

use super::{account_resource, cloudtrail, resource};
use crate::engine::{CheckFn, Ctx, Out};
use crate::filter_pattern::{FilterPattern, PatternErrorKind};
use events::{Control, Verdict};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use warden_model::inventory::{Account, MetricAlarm, MetricFilter, MetricName, Organization, Region, Trail};
use warden_model::{Resource, Status, Unknown, UnknownKind};

/// A CIS 5.x check: its id names its control in `monitoring/cis-events.yaml`.
macro_rules! chain {
    ($id:literal) => {
        ($id, |ctx: &Ctx, out: &mut Out| alarmed(ctx, out, $id))
    };
}

pub(super) const CHECKS: &[(&str, CheckFn)] = &[
    chain!("cloudwatch_metric_filter_unauthorized_api_calls"),
    chain!("cloudwatch_metric_filter_console_login_no_mfa"),
    chain!("cloudwatch_metric_filter_root_usage"),
    chain!("cloudwatch_metric_filter_iam_policy_changes"),
    chain!("cloudwatch_metric_filter_cloudtrail_changes"),
    chain!("cloudwatch_metric_filter_console_auth_failures"),
    chain!("cloudwatch_metric_filter_cmk_disable_or_deletion"),
    chain!("cloudwatch_metric_filter_s3_bucket_policy_changes"),
    chain!("cloudwatch_metric_filter_config_changes"),
    chain!("cloudwatch_metric_filter_security_group_changes"),
    chain!("cloudwatch_metric_filter_nacl_changes"),
    chain!("cloudwatch_metric_filter_network_gateway_changes"),
    chain!("cloudwatch_metric_filter_route_table_changes"),
    chain!("cloudwatch_metric_filter_vpc_changes"),
    chain!("cloudwatch_metric_filter_organizations_changes"),
    ("securityhub_enabled", securityhub_enabled),
    ("config_recorder_all_regions", config_enabled),
    ("accessanalyzer_enabled", access_analyzer_enabled),
];

/// Whether a CloudWatch Logs filter pattern satisfies the CIS 5.x control a
/// `cloudwatch_metric_filter_*` check proves — the same judgement the check makes, for
/// callers that write filters (remediation) and must not write one the check rejects.
pub fn filter_satisfies(check_id: &str, pattern: &str) -> Result<bool, String> {
    let control = events::control(check_id)?;
    let parsed = FilterPattern::parse(pattern).map_err(|e| e.to_string())?;
    Ok(control.judge(&parsed).satisfied())
}

/// How far along the chain an account got; later is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    NoTrail,
    NoFilter,
    NoAlarm,
    NoTopic,
    NoSubscriber,
    Alarmed,
}

/// A metric filter judged against the control.
struct Candidate {
    name: String,
    log_group: String,
    pattern: String,
    verdict: Result<Verdict, String>,
}

/// One account's walk along the chain for one control.
struct Walk<'a> {
    /// The account judged.
    subject: &'a str,
    accounts: &'a [Account],
    control: &'a Control,
    furthest: Option<(Stage, String)>,
    gaps: Vec<(String, Unknown)>,
    /// Why trails do not feed the chain, one line per trail.
    rejected_trails: Vec<String>,
    trails: Vec<Value>,
    log_groups: Vec<String>,
    candidates: Vec<Candidate>,
    /// The complete chain, when one is found.
    path: Option<Value>,
}

/// A CloudWatch Logs group named by ARN: `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`.
struct LogGroupRef<'s> {
    account: &'s str,
    region: &'s str,
    name: &'s str,
}

impl<'s> LogGroupRef<'s> {
    fn parse(arn: &'s str) -> Option<LogGroupRef<'s>> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", _, "logs", region, account, "log-group", name, rest @ ..]
                if !name.is_empty() && rest.iter().all(|r| *r == "*") =>
            {
                Some(LogGroupRef { account, region, name })
            }
            _ => None,
        }
    }
}

fn alarmed(ctx: &Ctx, out: &mut Out, check_id: &str) {
    let control = match events::control(check_id) {
        Ok(c) => c,
        Err(message) => {
            let why = Unknown { kind: UnknownKind::Error, message };
            for a in ctx.accounts() {
                out.unknown(account_resource(a), "Warden's CIS event definitions", &why);
            }
            return;
        }
    };
    let org = ctx.snapshot.inventory.organization.known().and_then(Option::as_ref);
    for a in ctx.accounts() {
        let mut walk = Walk {
            subject: &a.id,
            accounts: ctx.accounts(),
            control,
            furthest: None,
            gaps: Vec::new(),
            rejected_trails: Vec::new(),
            trails: Vec::new(),
            log_groups: Vec::new(),
            candidates: Vec::new(),
            path: None,
        };
        walk.run(a, org);
        walk.report(out, a);
    }
}

impl<'a> Walk<'a> {
    fn reached(&mut self, stage: Stage, message: String) {
        if self.furthest.as_ref().is_none_or(|(s, _)| stage > *s) {
            self.furthest = Some((stage, message));
        }
    }

    fn gap(&mut self, what: String, why: Unknown) {
        self.gaps.push((what, why));
    }

    fn account(&self, id: &str) -> Option<&'a Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// A region of a scanned account, or a gap saying why it is not there.
    fn region(&mut self, account: &str, region: &str, what: &str) -> Option<&'a Region> {
        let Some(a) = self.account(account) else {
            let message = format!("account {account} is not in the scanned accounts");
            self.gap(what.to_owned(), Unknown { kind: UnknownKind::NotCollected, message });
            return None;
        };
        let r = a.region(region);
        if r.is_none() {
            let message = format!("region {region} of account {account} was not scanned");
            self.gap(what.to_owned(), Unknown { kind: UnknownKind::NotCollected, message });
        }
        r
    }

    /// The trails that can carry `a`'s management events: its own, and for a member
    /// account the organization trails of the management account. By ARN; the copy read
    /// in the trail's own account wins (a member may not read an org trail's status).
    fn covering_trails(&mut self, a: &'a Account, org: Option<&'a Organization>) -> Vec<&'a Trail> {
        let mut by_arn: BTreeMap<&str, (&Trail, bool)> = BTreeMap::new();
        let mut add = |t: &'a Trail, listed_in: &str| {
            let owner = t.arn.split(':').nth(4) == Some(listed_in);
            if by_arn.get(t.arn.as_str()).is_none_or(|(_, was_owner)| owner && !was_owner) {
                by_arn.insert(&t.arn, (t, owner));
            }
        };
        let (own, unknown) = cloudtrail::trails(a);
        for t in own {
            add(t, &a.id);
        }
        let mut gaps: Vec<(String, Unknown)> = unknown
            .into_iter()
            .map(|(r, why)| (format!("the trails of account {} in {r}", a.id), why.clone()))
            .collect();
        // Organization trails cover the members only (when the member list is unreadable,
        // membership is assumed: the account sits in the snapshot of the organization).
        let member = |o: &Organization| o.accounts.known().is_none_or(|l| l.iter().any(|m| m.id == a.id));
        let management = org
            .filter(|o| o.management_account_id != a.id && member(o))
            .and_then(|o| self.account(&o.management_account_id));
        if let Some(m) = management {
            let (theirs, unknown) = cloudtrail::trails(m);
            for t in theirs.into_iter().filter(|t| t.organization_trail) {
                add(t, &m.id);
            }
            gaps.extend(
                unknown
                    .into_iter()
                    .map(|(r, why)| (format!("the trails of management account {} in {r}", m.id), why.clone())),
            );
        }
        for (what, why) in gaps {
            self.gap(what, why);
        }
        by_arn.into_values().map(|(t, _)| t).collect()
    }

    fn run(&mut self, a: &'a Account, org: Option<&'a Organization>) {
        let mut feeding = Vec::new();
        for t in self.covering_trails(a, org) {
            let mut faults = Vec::new();
            if !t.multi_region {
                faults.push("is single-region");
            }
            if t.cloudwatch_logs_group_arn.is_none() {
                faults.push("delivers no events to CloudWatch Logs");
            }
            if t.status.known().is_some_and(|s| !s.is_logging) {
                faults.push("is not logging");
            }
            if t.event_selectors.known().is_some_and(|s| !s.logs_all_management_events()) {
                faults.push("does not record all read and write management events");
            }
            if !faults.is_empty() {
                self.rejected_trails.push(format!("trail {} {}", t.name, faults.join(" and ")));
                continue;
            }
            if let Err(why) = t.status.get() {
                self.gap(format!("the status of trail {}", t.name), why.clone());
                continue;
            }
            if let Err(why) = t.event_selectors.get() {
                self.gap(format!("the event selectors of trail {}", t.name), why.clone());
                continue;
            }
            feeding.push(t);
        }
        if feeding.is_empty() {
            let mut msg = format!(
                "account {} has no multi-region, logging trail that records all management events and delivers them to CloudWatch Logs",
                a.id
            );
            if !self.rejected_trails.is_empty() {
                msg = format!("{msg}: {}", self.rejected_trails.join("; "));
            }
            self.reached(Stage::NoTrail, msg);
            return;
        }
        let mut any_match = false;
        for t in feeding {
            let arn = t.cloudwatch_logs_group_arn.as_deref().unwrap_or_default();
            self.trails.push(json!({ "trail": t.arn, "log_group": arn }));
            let Some(group) = LogGroupRef::parse(arn) else {
                let why = Unknown {
                    kind: UnknownKind::MalformedResponse,
                    message: format!("`{arn}` is not a log group ARN"),
                };
                self.gap(format!("the log group of trail {}", t.name), why);
                continue;
            };
            if !self.log_groups.iter().any(|g| g == group.name) {
                self.log_groups.push(group.name.to_owned());
            }
            let what = format!("the metric filters of log group {}", group.name);
            let Some(region) = self.region(group.account, group.region, &what) else { continue };
            let filters = match region.logs.metric_filters.get() {
                Ok(f) => f,
                Err(why) => {
                    self.gap(what, why.clone());
                    continue;
                }
            };
            let mut on_group: Vec<&MetricFilter> = filters.iter().filter(|f| f.log_group == group.name).collect();
            on_group.sort_by(|x, y| x.name.cmp(&y.name));
            for f in on_group {
                if self.candidates.iter().any(|c| c.name == f.name && c.log_group == f.log_group) {
                    continue;
                }
                let verdict = match FilterPattern::parse(&f.pattern) {
                    Ok(p) => Ok(self.control.judge(&p)),
                    Err(e) => {
                        if e.kind == PatternErrorKind::NotJson {
                            let message =
                                "its pattern is a text pattern; Warden evaluates JSON patterns only".to_owned();
                            self.gap(
                                format!("metric filter `{}`", f.name),
                                Unknown { kind: UnknownKind::Error, message },
                            );
                        }
                        Err(e.to_string())
                    }
                };
                let ok = verdict.as_ref().is_ok_and(Verdict::satisfied);
                self.candidates.push(Candidate {
                    name: f.name.clone(),
                    log_group: f.log_group.clone(),
                    pattern: f.pattern.clone(),
                    verdict,
                });
                if ok {
                    any_match = true;
                    self.alarms(region, group.account, group.region, f);
                }
            }
        }
        if !any_match && !self.log_groups.is_empty() {
            let msg = self.filter_message();
            self.reached(Stage::NoFilter, msg);
        }
    }

    /// Why no filter satisfies the control, from the closest candidate.
    fn filter_message(&self) -> String {
        let c = self.control;
        let groups = self.log_groups.join(", ");
        let head = format!("no metric filter on log group {groups} matches {} (CIS {})", c.title, c.id);
        let best = self.candidates.iter().min_by_key(|k| match &k.verdict {
            Ok(v) => (0, v.problems()),
            Err(_) => (1, 0),
        });
        match best {
            None => format!("{head}: the log group has no metric filters"),
            Some(Candidate { name, verdict: Err(e), .. }) => {
                format!("{head}: filter `{name}` has an invalid pattern: {e}")
            }
            Some(Candidate { name, verdict: Ok(v), .. }) => {
                let mut parts = Vec::new();
                if !v.missed.is_empty() {
                    parts.push(format!("does not match {}", list(&v.missed)));
                }
                if !v.excluded.is_empty() {
                    parts.push(format!("also matches events the control excludes: {}", list(&v.excluded)));
                }
                format!("{head}: the closest, `{name}`, {}", parts.join(" and "))
            }
        }
    }

    fn alarms(&mut self, region: &'a Region, account: &str, region_name: &str, f: &MetricFilter) {
        let title = &self.control.title;
        if f.metrics.is_empty() {
            let msg = format!("metric filter `{}` matches {title} but publishes no metric to alarm on", f.name);
            self.reached(Stage::NoAlarm, msg);
            return;
        }
        let alarms = match region.cloudwatch.alarms.get() {
            Ok(a) => a,
            Err(why) => {
                self.gap(format!("the CloudWatch alarms of account {account} in {region_name}"), why.clone());
                return;
            }
        };
        for m in &f.metrics {
            let watching: Vec<&MetricAlarm> = alarms.iter().filter(|al| al.metric.as_ref() == Some(m)).collect();
            let enabled: Vec<&MetricAlarm> = watching.iter().copied().filter(|al| al.actions_enabled).collect();
            if enabled.is_empty() {
                let disabled = if watching.is_empty() {
                    String::new()
                } else {
                    let names: Vec<&str> = watching.iter().map(|al| al.name.as_str()).collect();
                    format!(" (alarm {} has actions disabled)", names.join(", "))
                };
                let msg = format!(
                    "metric filter `{}` matches {title}, but no alarm with actions enabled watches its metric {}{disabled}",
                    f.name,
                    metric_name(m)
                );
                self.reached(Stage::NoAlarm, msg);
                continue;
            }
            for al in enabled {
                let topics: Vec<&str> = al
                    .alarm_actions
                    .iter()
                    .map(String::as_str)
                    .filter(|x| x.split(':').nth(2) == Some("sns"))
                    .collect();
                if topics.is_empty() {
                    let msg = format!(
                        "alarm `{}` on metric {} (metric filter `{}`) notifies no SNS topic",
                        al.name,
                        metric_name(m),
                        f.name
                    );
                    self.reached(Stage::NoTopic, msg);
                    continue;
                }
                for topic in topics {
                    self.topic(f, m, al, topic);
                }
            }
        }
    }

    fn topic(&mut self, f: &MetricFilter, m: &MetricName, al: &MetricAlarm, arn: &str) {
        let parts: Vec<&str> = arn.split(':').collect();
        let (Some(region), Some(account)) = (parts.get(3), parts.get(4)) else { return };
        let what = format!("SNS topic {arn}");
        let Some(r) = self.region(account, region, &what) else { return };
        let topics = match r.sns.topics.get() {
            Ok(t) => t,
            Err(why) => {
                self.gap(format!("the SNS topics of account {account} in {region}"), why.clone());
                return;
            }
        };
        let Some(topic) = topics.iter().find(|t| t.arn == arn) else {
            let msg = format!("alarm `{}` notifies SNS topic {arn}, which does not exist", al.name);
            self.reached(Stage::NoSubscriber, msg);
            return;
        };
        let subs = match topic.subscriptions.get() {
            Ok(s) => s,
            Err(why) => {
                self.gap(format!("the subscriptions of SNS topic {arn}"), why.clone());
                return;
            }
        };
        let confirmed: Vec<&str> = subs.iter().filter(|s| s.is_confirmed()).map(|s| s.protocol.as_str()).collect();
        if confirmed.is_empty() {
            let pending = subs.len();
            let detail = if pending > 0 { format!(" ({pending} pending confirmation)") } else { String::new() };
            let msg = format!("SNS topic {arn} of alarm `{}` has no confirmed subscription{detail}", al.name);
            self.reached(Stage::NoSubscriber, msg);
            return;
        }
        let msg = format!(
            "account {} alarms on {}: metric filter `{}` on log group {} feeds alarm `{}`, which notifies SNS topic {arn} ({} confirmed subscription{})",
            self.subject,
            self.control.title,
            f.name,
            f.log_group,
            al.name,
            confirmed.len(),
            if confirmed.len() == 1 { "" } else { "s" }
        );
        if self.path.is_none() {
            self.path = Some(json!({
                "metric_filter": f.name, "log_group": f.log_group, "pattern": f.pattern,
                "metric": {"namespace": m.namespace, "name": m.name},
                "alarm": al.arn, "topic": arn, "confirmed_protocols": confirmed,
            }));
        }
        self.reached(Stage::Alarmed, msg);
    }

    fn report(self, out: &mut Out, a: &Account) {
        let c = self.control;
        let filters: Vec<Value> = self
            .candidates
            .iter()
            .map(|k| match &k.verdict {
                Ok(v) => json!({
                    "name": k.name, "log_group": k.log_group, "pattern": k.pattern,
                    "satisfies": v.satisfied(), "missed": v.missed, "matches_excluded": v.excluded,
                }),
                Err(e) => json!({ "name": k.name, "log_group": k.log_group, "pattern": k.pattern, "error": e }),
            })
            .collect();
        let mut evidence = json!({
            "cis": c.id,
            "monitors": c.title,
            "trails": self.trails,
            "rejected_trails": self.rejected_trails,
            "filters": filters,
            "required_events": c.required_labels(),
            "excluded_events": c.excluded_labels(),
        });
        let (stage, message) =
            self.furthest.unwrap_or((Stage::NoTrail, format!("account {} has no trail to monitor", a.id)));
        if stage == Stage::Alarmed {
            if let (Some(path), Some(map)) = (self.path, evidence.as_object_mut()) {
                map.insert("path".into(), path);
            }
            out.pass(account_resource(a), message, evidence);
        } else if let Some((what, why)) = self.gaps.first() {
            if let Some(map) = evidence.as_object_mut() {
                map.insert("unreadable".into(), json!(what));
                map.insert("reason".into(), json!(why));
                map.insert("otherwise".into(), json!(message));
            }
            out.emit(Status::Error, account_resource(a), "", format!("could not read {what}: {why}"), evidence);
        } else {
            out.fail(account_resource(a), message, evidence);
        }
    }
}

fn metric_name(m: &MetricName) -> String {
    format!("{}/{}", m.namespace, m.name)
}

/// At most six items, then a count.
fn list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    let head = items.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    match items.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}

/// Each region the account uses: the scanned ones, and any in use but not scanned.
fn regions_in_use(a: &Account) -> Vec<(&str, Option<&Region>)> {
    let mut all: Vec<(&str, Option<&Region>)> = a.regions.iter().map(|r| (r.name.as_str(), Some(r))).collect();
    for name in &a.regions_in_use {
        if !all.iter().any(|(n, _)| n == name) {
            all.push((name.as_str(), None));
        }
    }
    all
}

/// Runs `judge` on every region in use, with ERROR where a region was not scanned.
fn per_region(
    ctx: &Ctx,
    out: &mut Out,
    what: &str,
    res: fn(&Account, &str) -> Resource,
    judge: fn(&mut Out, &Account, &Region, Resource),
) {
    for a in ctx.accounts() {
        for (name, region) in regions_in_use(a) {
            match region {
                Some(r) => judge(out, a, r, res(a, name)),
                None => {
                    let why = Unknown {
                        kind: UnknownKind::NotCollected,
                        message: format!("region {name} is in use but was not scanned"),
                    };
                    out.unknown(res(a, name), what, &why);
                }
            }
        }
    }
}

fn hub_resource(a: &Account, region: &str) -> Resource {
    resource(a, region, "AwsSecurityHubHub", format!("arn:{}:securityhub:{region}:{}:hub/default", a.partition, a.id))
}

fn securityhub_enabled(ctx: &Ctx, out: &mut Out) {
    per_region(ctx, out, "Security Hub", hub_resource, |out, a, r, res| {
        let Some(hub) = out.need(&r.securityhub.hub, || res.clone(), "Security Hub") else { return };
        match hub {
            Some(h) => {
                let msg = format!("Security Hub is enabled in {} of account {}", r.name, a.id);
                let evidence = json!({ "hub": h.arn, "subscribed_at": h.subscribed_at, "auto_enable_controls": h.auto_enable_controls });
                out.pass(res, msg, evidence);
            }
            None => {
                let msg = format!("Security Hub is not enabled in {} of account {}", r.name, a.id);
                out.fail(res, msg, json!({ "hub": null }));
            }
        }
    });
}

fn recorder_resource(a: &Account, region: &str) -> Resource {
    let arn = format!("arn:{}:config:{region}:{}:configuration-recorder", a.partition, a.id);
    resource(a, region, "AwsConfigConfigurationRecorder", arn)
}

fn config_enabled(ctx: &Ctx, out: &mut Out) {
    per_region(ctx, out, "AWS Config", recorder_resource, |out, a, r, res| {
        let Some(recorders) = out.need(&r.config.recorders, || res.clone(), "AWS Config recorders") else { return };
        let Some(channels) = out.need(&r.config.delivery_channels, || res.clone(), "AWS Config delivery channels")
        else {
            return;
        };
        let recording = recorders.iter().find(|c| c.all_supported && c.recording.known() == Some(&true));
        if recording.is_none()
            && let Some((name, why)) =
                recorders.iter().filter(|c| c.all_supported).find_map(|c| c.recording.get().err().map(|w| (&c.name, w)))
        {
            out.unknown(res, &format!("the status of configuration recorder {name}"), why);
            return;
        }
        let mut faults = Vec::new();
        if recorders.is_empty() {
            faults.push("has no configuration recorder".to_owned());
        }
        if recording.is_none() {
            for c in recorders {
                if !c.all_supported {
                    faults.push(format!("recorder {} records only selected resource types", c.name));
                }
                if c.recording.known() == Some(&false) {
                    faults.push(format!("recorder {} is stopped", c.name));
                }
            }
        }
        if channels.is_empty() {
            faults.push("has no delivery channel".to_owned());
        }
        let ok = faults.is_empty();
        let msg = if ok {
            format!("AWS Config records all resource types in {} of account {}", r.name, a.id)
        } else {
            format!("AWS Config in {} of account {}: {}", r.name, a.id, faults.join("; "))
        };
        let evidence = json!({
            "recorders": recorders.iter().map(|c| json!({
                "name": c.name, "all_supported": c.all_supported,
                "include_global_resource_types": c.include_global_resource_types, "recording": c.recording,
            })).collect::<Vec<_>>(),
            "delivery_channels": channels.iter().map(|d| &d.name).collect::<Vec<_>>(),
        });
        out.verdict(ok, res, msg, evidence);
    });
}

fn analyzer_resource(a: &Account, region: &str) -> Resource {
    let arn = format!("arn:{}:access-analyzer:{region}:{}:analyzer", a.partition, a.id);
    resource(a, region, "AwsAccessAnalyzerAnalyzer", arn)
}

fn access_analyzer_enabled(ctx: &Ctx, out: &mut Out) {
    per_region(ctx, out, "IAM Access Analyzer", analyzer_resource, |out, a, r, res| {
        let Some(analyzers) = out.need(&r.access_analyzer.analyzers, || res.clone(), "IAM Access Analyzer analyzers")
        else {
            return;
        };
        let active: Vec<&str> =
            analyzers.iter().filter(|z| z.watches_external_access()).map(|z| z.name.as_str()).collect();
        let ok = !active.is_empty();
        let msg = if ok {
            format!(
                "IAM Access Analyzer watches external access in {} of account {} ({})",
                r.name,
                a.id,
                active.join(", ")
            )
        } else if analyzers.is_empty() {
            format!("IAM Access Analyzer has no analyzer in {} of account {}", r.name, a.id)
        } else {
            let seen: Vec<String> = analyzers.iter().map(|z| format!("{} ({} {})", z.name, z.kind, z.status)).collect();
            format!(
                "IAM Access Analyzer has no active external-access analyzer in {} of account {}: only {}",
                r.name,
                a.id,
                seen.join(", ")
            )
        };
        let evidence = json!({
            "analyzers": analyzers.iter().map(|z| json!({"name": z.name, "type": z.kind, "status": z.status})).collect::<Vec<_>>(),
        });
        out.verdict(ok, res, msg, evidence);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arns() {
        let g = LogGroupRef::parse("arn:aws:logs:us-east-1:111122223333:log-group:aws-cloudtrail-logs:*").unwrap();
        assert_eq!((g.account, g.region, g.name), ("111122223333", "us-east-1", "aws-cloudtrail-logs"));
        let g = LogGroupRef::parse("arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/org/trail").unwrap();
        assert_eq!(g.name, "/org/trail");
        assert!(LogGroupRef::parse("arn:aws:logs:us-east-1:1:log-group::*").is_none());
        assert!(LogGroupRef::parse("arn:aws:s3:::bucket").is_none());
        assert!(LogGroupRef::parse("").is_none());
    }

    #[test]
    fn every_cis_control_has_a_check() {
        for c in events::controls().unwrap() {
            assert!(CHECKS.iter().any(|(id, _)| *id == c.check), "{} names unknown check {}", c.id, c.check);
        }
        for (id, _) in CHECKS.iter().filter(|(id, _)| id.starts_with("cloudwatch_metric_filter_")) {
            assert!(events::control(id).is_ok(), "{id} has no control");
        }
    }

    #[test]
    fn remediation_patterns_satisfy_their_controls() {
        for m in crate::meta::load_all().unwrap().iter().filter(|m| m.id.starts_with("cloudwatch_metric_filter_")) {
            let cli = m.remediation.cli.as_deref().unwrap();
            let pattern = cli.split("--filter-pattern '").nth(1).and_then(|r| r.split('\'').next()).unwrap();
            let p = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{}: {e}", m.id));
            let v = events::control(&m.id).unwrap().judge(&p);
            assert!(v.satisfied(), "{}: {v:?}", m.id);
        }
    }

    #[test]
    fn lists_are_capped() {
        let items: Vec<String> = (0..9).map(|i| i.to_string()).collect();
        assert_eq!(list(&items), "0, 1, 2, 3, 4, 5 and 3 more");
    }
}
