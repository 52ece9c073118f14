//! The pipeline: events in, findings out. One [`Detector`] runs the Sigma rules, the
//! correlations and the stateful detectors over a stream, in one pass.

use crate::error::InputError;
use crate::event::EventFacts;
use crate::flowlog::{FlowRecord, parse_flow_log};
use crate::hit::{Aggregator, DetectorMeta, Hit};
use crate::reader::{
    ReadLimits, Record, expand_paths, for_each_record, is_cloudtrail_name, is_flow_log_name, read_bytes,
    read_bytes_into,
};
use crate::sigma::{CorrelationState, RuleSet};
use crate::stateful::{FlowState, StatefulConfig, StatefulHit, TrailState, catalogue};
use crate::value::{Json, Val};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use warden_model::Finding;

/// Options of one detection run.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Only events at or after this time (epoch seconds).
    pub since: Option<i64>,
    /// Only events before this time.
    pub until: Option<i64>,
    pub limits: ReadLimits,
    pub stateful: StatefulConfig,
    /// Turn the stateful detectors off (Sigma rules only).
    pub no_stateful: bool,
}

/// Counters of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: u64,
    pub events: u64,
    pub events_in_range: u64,
    pub flow_records: u64,
    pub rule_matches: u64,
}

/// The result of a run: findings, input problems, counters.
#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub stats: Stats,
}

/// Recent matched-event facts, so correlation hits can list their events.
const RECENT: usize = 4096;

/// What a correlation hit lists of one earlier matched event.
#[derive(Debug, Default)]
struct Recent {
    tag: u64,
    event_id: String,
    source_ip: String,
    event_name: String,
}

/// The hit of a rule matching one event: its principal, its facts.
fn event_hit(facts: &EventFacts<'_>) -> Hit {
    Hit {
        resource_arn: facts.principal.to_string(),
        resource_type: "AwsIamPrincipal".into(),
        account: facts.account.to_string(),
        region: facts.region.to_string(),
        discriminator: String::new(),
        event_ids: vec![facts.event_id.to_string()],
        time: facts.time,
        source_ips: vec![facts.source_ip.to_string()],
        event_names: vec![facts.event_name.to_string()],
        details: None,
    }
}

/// Runs everything over a stream of events.
pub struct Detector {
    rules: RuleSet,
    opts: DetectOptions,
    agg: Aggregator,
    rule_ids: Vec<usize>,
    corr_ids: Vec<usize>,
    stateful_ids: HashMap<String, usize>,
    corr: CorrelationState,
    trail: TrailState,
    flow: FlowState,
    recent: VecDeque<Recent>,
    tag: u64,
    stats: Stats,
    errors: Vec<InputError>,
    matched: Vec<u32>,
    lower: String,
    scratch: Vec<StatefulHit>,
}

fn rule_meta(
    id: &str,
    title: &str,
    description: &str,
    level: warden_model::Severity,
    tags: &[String],
    file: &std::path::Path,
) -> DetectorMeta {
    DetectorMeta {
        id: id.into(),
        title: title.into(),
        description: description.into(),
        level,
        tags: tags.to_vec(),
        origin: format!("sigma:{}", file.display()),
    }
}

impl Detector {
    pub fn new(rules: RuleSet, opts: DetectOptions) -> Self {
        let mut agg = Aggregator::default();
        let rule_ids = rules
            .rules()
            .iter()
            .map(|r| agg.register(rule_meta(&r.id, &r.title, &r.description, r.level, &r.tags, &r.file)))
            .collect();
        let corr_ids = rules
            .correlations()
            .iter()
            .map(|c| agg.register(rule_meta(&c.id, &c.title, &c.description, c.level, &c.tags, &c.file)))
            .collect();
        let stateful_ids = catalogue().into_iter().map(|m| (m.id.clone(), agg.register(m))).collect();
        Self {
            rules,
            opts,
            agg,
            rule_ids,
            corr_ids,
            stateful_ids,
            corr: CorrelationState::default(),
            trail: TrailState::default(),
            flow: FlowState::default(),
            recent: VecDeque::new(),
            tag: 0,
            stats: Stats::default(),
            errors: Vec::new(),
            matched: Vec::new(),
            lower: String::new(),
            scratch: Vec::new(),
        }
    }

    /// Processes one CloudTrail event given as `serde_json::Value`.
    pub fn event(&mut self, ev: &Value) {
        self.event_val(&Val::from_json(ev));
    }

    /// Processes one CloudTrail event.
    pub fn event_val(&mut self, ev: &Val<'_>) {
        self.event_json(ev);
    }

    /// Processes one CloudTrail event, parsed either way.
    pub fn record(&mut self, r: Record<'_>) {
        match r {
            Record::Tape(n) => self.event_json(n),
            Record::Val(v) => self.event_json(v),
        }
    }

    fn event_json<'a>(&mut self, ev: impl Json<'a>) {
        self.stats.events += 1;
        let facts = EventFacts::of(ev);
        if let Some(t) = facts.time {
            if self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t >= u) {
                return;
            }
        } else if self.opts.since.is_some() || self.opts.until.is_some() {
            return;
        }
        self.stats.events_in_range += 1;
        self.matched.clear();
        let name = Some(facts.event_name).filter(|n| !n.is_empty());
        self.rules.matcher().matches_named(ev, name, &mut self.lower, &mut self.matched);
        if !self.matched.is_empty() {
            self.stats.rule_matches += self.matched.len() as u64;
            for &m in &self.matched {
                let Some(rule) = self.rules.rules().get(m as usize) else { continue };
                if rule.generate
                    && let Some(&d) = self.rule_ids.get(m as usize)
                {
                    self.agg.add(d, event_hit(&facts));
                }
            }
            if !self.rules.correlations().is_empty() {
                self.tag += 1;
                let tag = self.tag;
                let hits = self.corr.observe(&self.rules, ev, facts.time.unwrap_or(0), &self.matched, tag);
                // Reuse the strings of the entry that falls out of the buffer.
                let mut slot =
                    if self.recent.len() >= RECENT { self.recent.pop_front() } else { None }.unwrap_or_default();
                slot.tag = tag;
                for (dst, src) in [
                    (&mut slot.event_id, facts.event_id),
                    (&mut slot.source_ip, facts.source_ip),
                    (&mut slot.event_name, facts.event_name),
                ] {
                    dst.clear();
                    dst.push_str(src);
                }
                self.recent.push_back(slot);
                for ch in hits {
                    let Some(&d) = self.corr_ids.get(ch.correlation) else { continue };
                    let mut h = event_hit(&facts);
                    h.discriminator = ch.group.join("|");
                    h.event_ids.clear();
                    h.source_ips.clear();
                    h.event_names.clear();
                    for past in &self.recent {
                        if ch.events.contains(&past.tag) {
                            h.event_ids.push(past.event_id.clone());
                            h.source_ips.push(past.source_ip.clone());
                            h.event_names.push(past.event_name.clone());
                        }
                    }
                    h.details = Some(serde_json::json!({"group": ch.group, "count": ch.count}));
                    self.agg.add(d, h);
                }
            }
        }
        if !self.opts.no_stateful {
            self.scratch.clear();
            self.trail.observe(&self.opts.stateful, ev, &facts, &mut self.scratch);
            self.flush_stateful();
        }
    }

    fn flush_stateful(&mut self) {
        for (id, h) in self.scratch.drain(..) {
            if let Some(&d) = self.stateful_ids.get(id) {
                self.agg.add(d, h);
            }
        }
    }

    /// Processes one flow record.
    pub fn flow(&mut self, r: &FlowRecord) {
        self.stats.flow_records += 1;
        if let Some(t) = r.start
            && (self.opts.since.is_some_and(|s| t < s) || self.opts.until.is_some_and(|u| t >= u))
        {
            return;
        }
        if !self.opts.no_stateful {
            self.scratch.clear();
            self.flow.observe(&self.opts.stateful, r, &mut self.scratch);
            self.flush_stateful();
        }
    }

    /// Reads CloudTrail files, directories or `-` (stdin).
    pub fn read_cloudtrail(&mut self, paths: &[PathBuf]) {
        let limits = self.opts.limits;
        let files = expand_paths(paths, &limits, is_cloudtrail_name, &mut self.errors);
        let mut buf = Vec::new();
        for f in files {
            self.stats.files += 1;
            let err = read_bytes_into(&f, &limits, &mut buf);
            self.errors.extend(err);
            let mut errors = Vec::new();
            for_each_record(&buf, &f, &limits, &mut errors, &mut |r, _| self.record(r));
            self.errors.extend(errors);
        }
    }

    /// Reads VPC flow log files or directories.
    pub fn read_flow_logs(&mut self, paths: &[PathBuf]) {
        let limits = self.opts.limits;
        let files = expand_paths(paths, &limits, is_flow_log_name, &mut self.errors);
        for f in files {
            self.stats.files += 1;
            let (buf, err) = read_bytes(&f, &limits);
            self.errors.extend(err);
            let mut errors = Vec::new();
            parse_flow_log(&buf, &f, &mut errors, &mut |r| self.flow(&r));
            self.errors.extend(errors);
        }
    }

    pub fn finish(self) -> Outcome {
        Outcome { findings: self.agg.findings(), errors: self.errors, stats: self.stats }
    }
}
