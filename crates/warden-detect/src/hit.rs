//! A hit is one detection of one thing at one moment; the aggregator groups hits into
//! findings (one per detector, resource and discriminator) carrying the evidence.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use warden_model::{Evidence, Finding, Remediation, Resource, Severity, Status};

/// What a detector is, for the finding's title, severity and ATT&CK mapping.
#[derive(Debug, Clone)]
pub struct DetectorMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub level: Severity,
    /// Sigma-style tags (`attack.t1562.008`, `attack.defense-evasion`).
    pub tags: Vec<String>,
    /// Where it comes from: `sigma:<file>` or `stateful`.
    pub origin: String,
}

/// One detection.
#[derive(Debug, Clone)]
pub struct Hit {
    pub resource_arn: String,
    pub resource_type: String,
    pub account: String,
    pub region: String,
    /// Splits findings of one detector on one resource (e.g. the API called).
    pub discriminator: String,
    pub event_ids: Vec<String>,
    pub time: Option<i64>,
    pub source_ips: Vec<String>,
    pub event_names: Vec<String>,
    /// Detector-specific facts (e.g. the IPs of a multi-location login).
    pub details: Option<Value>,
}

const MAX_LISTED: usize = 25;

#[derive(Debug)]
struct Group {
    detector: usize,
    hit: Hit,
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    event_ids: Vec<String>,
    more_events: u64,
    ips: BTreeSet<String>,
    names: BTreeSet<String>,
    regions: BTreeSet<String>,
    details: Vec<Value>,
}

/// Groups hits into findings with bounded evidence.
#[derive(Debug, Default)]
pub struct Aggregator {
    detectors: Vec<DetectorMeta>,
    by_id: HashMap<String, usize>,
    groups: HashMap<(usize, String, String), Group>,
}

impl Aggregator {
    pub fn register(&mut self, meta: DetectorMeta) -> usize {
        if let Some(&i) = self.by_id.get(&meta.id) {
            return i;
        }
        let i = self.detectors.len();
        self.by_id.insert(meta.id.clone(), i);
        self.detectors.push(meta);
        i
    }

    pub fn add(&mut self, detector: usize, hit: Hit) {
        let key = (detector, hit.resource_arn.clone(), hit.discriminator.clone());
        let g = self.groups.entry(key).or_insert_with(|| Group {
            detector,
            hit: hit.clone(),
            count: 0,
            first: None,
            last: None,
            event_ids: Vec::new(),
            more_events: 0,
            ips: BTreeSet::new(),
            names: BTreeSet::new(),
            regions: BTreeSet::new(),
            details: Vec::new(),
        });
        g.count += 1;
        if let Some(t) = hit.time {
            g.first = Some(g.first.map_or(t, |f| f.min(t)));
            g.last = Some(g.last.map_or(t, |l| l.max(t)));
        }
        for id in hit.event_ids {
            if g.event_ids.len() < MAX_LISTED {
                g.event_ids.push(id);
            } else {
                g.more_events += 1;
            }
        }
        for ip in hit.source_ips.into_iter().filter(|i| !i.is_empty()) {
            if g.ips.len() < MAX_LISTED {
                g.ips.insert(ip);
            }
        }
        for n in hit.event_names.into_iter().filter(|n| !n.is_empty()) {
            if g.names.len() < MAX_LISTED {
                g.names.insert(n);
            }
        }
        if !hit.region.is_empty() && g.regions.len() < MAX_LISTED {
            g.regions.insert(hit.region);
        }
        if let Some(d) = hit.details
            && g.details.len() < 5
        {
            g.details.push(d);
        }
    }

    /// The findings, sorted by severity (highest first), then detector and resource.
    pub fn findings(self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self.groups.into_values().filter_map(|g| finding(&self.detectors, g)).collect();
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.check_id.cmp(&b.check_id))
                .then_with(|| a.resource.arn.cmp(&b.resource.arn))
                .then_with(|| a.id.cmp(&b.id))
        });
        out
    }
}

/// ATT&CK technique ids (`T1562.008`) and tactics (`defense-evasion`) from Sigma tags.
pub fn attack_ids(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .map(|t| {
            if t.starts_with('t') && t.get(1..2).is_some_and(|c| c.chars().all(|c| c.is_ascii_digit())) {
                t.to_uppercase()
            } else {
                t.to_string()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn finding(detectors: &[DetectorMeta], g: Group) -> Option<Finding> {
    let meta = detectors.get(g.detector)?;
    let region = if g.regions.len() == 1 {
        g.regions.iter().next().cloned().unwrap_or_default()
    } else if g.hit.region.is_empty() {
        "global".into()
    } else {
        g.hit.region.clone()
    };
    let mut ev = Evidence::new();
    ev.insert("rule".into(), json!({"id": meta.id, "title": meta.title, "origin": meta.origin}));
    ev.insert("count".into(), json!(g.count));
    if let (Some(f), Some(l)) = (g.first, g.last) {
        ev.insert("first_seen".into(), json!(crate::event::format_time(f)));
        ev.insert("last_seen".into(), json!(crate::event::format_time(l)));
    }
    ev.insert("event_ids".into(), json!(g.event_ids));
    if g.more_events > 0 {
        ev.insert("event_ids_omitted".into(), json!(g.more_events));
    }
    ev.insert("source_ips".into(), json!(g.ips));
    ev.insert("event_names".into(), json!(g.names));
    if !g.regions.is_empty() {
        ev.insert("regions".into(), json!(g.regions));
    }
    if !g.details.is_empty() {
        ev.insert("details".into(), Value::Array(g.details));
    }
    let mut compliance = BTreeMap::new();
    let attack = attack_ids(&meta.tags);
    if !attack.is_empty() {
        compliance.insert("mitre-attack".to_string(), attack);
    }
    let cis: Vec<String> = meta.tags.iter().filter_map(|t| t.strip_prefix("cis.")).map(str::to_string).collect();
    if !cis.is_empty() {
        compliance.insert("cis-aws-7.0".to_string(), cis);
    }
    let what = if g.names.is_empty() {
        String::new()
    } else {
        format!(" in {}", g.names.iter().cloned().collect::<Vec<_>>().join(", "))
    };
    let when = match (g.first, g.last) {
        (Some(f), Some(l)) if f != l => {
            format!(" between {} and {}", crate::event::format_time(f), crate::event::format_time(l))
        }
        (Some(f), _) => format!(" at {}", crate::event::format_time(f)),
        _ => String::new(),
    };
    let times = if g.count == 1 { "once".to_string() } else { format!("{} times", g.count) };
    let message = format!("{}: `{}` matched {times}{what}{when}", meta.title, g.hit.resource_arn);
    Some(Finding {
        id: Finding::stable_id(&meta.id, &g.hit.resource_arn, &g.hit.discriminator),
        check_id: meta.id.clone(),
        title: meta.title.clone(),
        service: "detect".into(),
        status: Status::Fail,
        severity: meta.level,
        resource: Resource {
            arn: g.hit.resource_arn,
            kind: g.hit.resource_type,
            account_id: g.hit.account,
            region,
            tags: BTreeMap::new(),
        },
        message,
        evidence: ev,
        remediation: Remediation {
            text: if meta.description.is_empty() {
                "Investigate the events listed in the evidence and confirm whether the activity was authorised.".into()
            } else {
                format!(
                    "{} Investigate the listed events and confirm whether the activity was authorised.",
                    meta.description.trim()
                )
            },
            ..Remediation::default()
        },
        compliance,
        muted_by: None,
        history: None,
    })
}
