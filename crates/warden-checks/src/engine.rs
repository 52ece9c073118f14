//! The registry and the run loop.

use crate::{CheckMeta, Error, Framework, checks, framework, meta};
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use warden_iam::{exposure, privesc};
use warden_model::inventory::Account;
use warden_model::{Finding, Observed, Resource, Severity, Snapshot, Status, Unknown, glob};

pub(crate) type CheckFn = fn(&Ctx, &mut Out);

struct Check {
    meta: CheckMeta,
    run: CheckFn,
}

/// What the caller asks for. Empty lists mean "everything".
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Globs over check ids, e.g. `s3_*`.
    pub checks: Vec<String>,
    pub severities: Vec<Severity>,
    /// Only the checks a framework maps, plus a MANUAL finding for each of its
    /// requirements that no check covers.
    pub framework: Option<String>,
}

/// How checks judge what they find, beyond the estate itself.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Accounts trusted besides those of the estate and its organization: the exposure
    /// checks pass resources shared only with them (`--trusted-accounts`).
    pub trusted_accounts: Vec<String>,
}

/// The checks Warden knows, their metadata and framework maps.
pub struct Registry {
    checks: Vec<Check>,
    frameworks: Vec<Framework>,
    /// check id → framework id → requirement ids.
    compliance: HashMap<String, BTreeMap<String, Vec<String>>>,
}

/// What a check sees: the snapshot, the instant ages are measured from, and the
/// caller's configuration.
pub struct Ctx<'a> {
    pub snapshot: &'a Snapshot,
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    /// Escalation graphs by account id, built once per run for the checks that need them.
    escalations: RefCell<HashMap<String, Rc<privesc::Analysis>>>,
    /// The exposure analyzer, built once per run for the `*_exposure` checks.
    exposure: RefCell<Option<Rc<exposure::Analyzer>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(snapshot: &'a Snapshot, now: DateTime<Utc>, config: &'a Config) -> Self {
        Ctx { snapshot, now, config, escalations: RefCell::default(), exposure: RefCell::default() }
    }

    /// The exposure analyzer over the whole inventory, trusting the estate, its
    /// organization and the configured accounts; built on first use.
    pub fn exposure(&self) -> Rc<exposure::Analyzer> {
        if let Some(done) = self.exposure.borrow().as_ref() {
            return done.clone();
        }
        let an = Rc::new(exposure::Analyzer::new(&self.snapshot.inventory, &self.config.trusted_accounts));
        *self.exposure.borrow_mut() = Some(an.clone());
        an
    }

    /// The privilege-escalation graph of `a` (its SCPs honoured, requests at `now`),
    /// computed on first use and shared by every check of the run.
    pub fn escalation(&self, a: &Account) -> Rc<privesc::Analysis> {
        if let Some(done) = self.escalations.borrow().get(&a.id) {
            return done.clone();
        }
        let mut opts = privesc::Options::new(self.now);
        opts.scps = privesc::scps_for(&self.snapshot.inventory, &a.id);
        let analysis = Rc::new(privesc::analyze(a, &opts));
        self.escalations.borrow_mut().insert(a.id.clone(), analysis.clone());
        analysis
    }

    pub fn accounts(&self) -> &[Account] {
        &self.snapshot.inventory.accounts
    }

    /// Whole days from `t` to the evaluation instant (0 for future times).
    pub fn days_since(&self, t: DateTime<Utc>) -> i64 {
        (self.now - t).num_days().max(0)
    }
}

/// Where a check puts its findings.
pub struct Out<'a> {
    meta: &'a CheckMeta,
    compliance: Option<&'a BTreeMap<String, Vec<String>>>,
    findings: Vec<Finding>,
}

impl Out<'_> {
    /// Records one finding. `discriminator` tells apart several findings of one check on
    /// one resource (e.g. the rule id of a security group rule); usually empty.
    pub fn emit(
        &mut self,
        status: Status,
        resource: Resource,
        discriminator: &str,
        message: impl Into<String>,
        evidence: serde_json::Value,
    ) {
        let evidence = match evidence {
            serde_json::Value::Object(map) => map,
            serde_json::Value::Null => serde_json::Map::new(),
            other => serde_json::Map::from_iter([("value".to_owned(), other)]),
        };
        self.findings.push(Finding {
            id: Finding::stable_id(&self.meta.id, &resource.arn, discriminator),
            check_id: self.meta.id.clone(),
            title: self.meta.title.clone(),
            service: self.meta.service.clone(),
            status,
            severity: self.meta.severity,
            resource,
            message: message.into(),
            evidence,
            remediation: self.meta.remediation.clone(),
            compliance: self.compliance.cloned().unwrap_or_default(),
            muted_by: None,
            history: None,
        });
    }

    pub fn pass(&mut self, resource: Resource, message: impl Into<String>, evidence: serde_json::Value) {
        self.emit(Status::Pass, resource, "", message, evidence);
    }

    pub fn fail(&mut self, resource: Resource, message: impl Into<String>, evidence: serde_json::Value) {
        self.emit(Status::Fail, resource, "", message, evidence);
    }

    /// PASS when `ok`, FAIL otherwise.
    pub fn verdict(&mut self, ok: bool, resource: Resource, message: impl Into<String>, evidence: serde_json::Value) {
        let status = if ok { Status::Pass } else { Status::Fail };
        self.emit(status, resource, "", message, evidence);
    }

    /// An ERROR finding: the data the check needs could not be read.
    pub fn unknown(&mut self, resource: Resource, what: &str, why: &Unknown) {
        let evidence = serde_json::json!({ "unreadable": what, "reason": why });
        self.emit(Status::Error, resource, "", format!("could not read {what}: {why}"), evidence);
    }

    /// The value of an observed attribute, or an ERROR finding on `resource` and `None`.
    pub fn need<'v, T>(
        &mut self,
        observed: &'v Observed<T>,
        resource: impl FnOnce() -> Resource,
        what: &str,
    ) -> Option<&'v T> {
        match observed.get() {
            Ok(v) => Some(v),
            Err(why) => {
                self.unknown(resource(), what, why);
                None
            }
        }
    }
}

impl Registry {
    /// The built-in checks and frameworks.
    pub fn builtin() -> Result<Registry, Error> {
        let mut metas: HashMap<String, CheckMeta> = meta::load_all()?.into_iter().map(|m| (m.id.clone(), m)).collect();
        let mut list = Vec::new();
        for (id, run) in checks::all() {
            let meta = metas.remove(id).ok_or_else(|| Error::BuiltinData {
                file: "meta/*.yaml".into(),
                detail: format!("check `{id}` has no metadata"),
            })?;
            list.push(Check { meta, run });
        }
        if let Some(id) = metas.keys().next() {
            return Err(Error::BuiltinData {
                file: "meta/*.yaml".into(),
                detail: format!("metadata for unknown check `{id}`"),
            });
        }
        list.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let frameworks = framework::load_all()?;
        for fw in &frameworks {
            framework::unique_ids(fw)?;
        }
        let mut compliance: HashMap<String, BTreeMap<String, Vec<String>>> = HashMap::new();
        for fw in &frameworks {
            for req in &fw.requirements {
                for check in &req.checks {
                    if !list.iter().any(|c| &c.meta.id == check) {
                        return Err(Error::BuiltinData {
                            file: format!("frameworks/{}.yaml", fw.id),
                            detail: format!("requirement {} names unknown check `{check}`", req.id),
                        });
                    }
                    compliance.entry(check.clone()).or_default().entry(fw.id.clone()).or_default().push(req.id.clone());
                }
            }
        }
        Ok(Registry { checks: list, frameworks, compliance })
    }

    pub fn checks(&self) -> impl Iterator<Item = &CheckMeta> {
        self.checks.iter().map(|c| &c.meta)
    }

    pub fn check(&self, id: &str) -> Option<&CheckMeta> {
        self.checks().find(|m| m.id == id)
    }

    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    pub fn framework(&self, id: &str) -> Result<&Framework, Error> {
        self.frameworks.iter().find(|f| f.id == id).ok_or_else(|| Error::UnknownFramework(id.to_owned()))
    }

    /// Framework id → requirement ids that a check supports.
    pub fn compliance_of(&self, check_id: &str) -> BTreeMap<String, Vec<String>> {
        self.compliance.get(check_id).cloned().unwrap_or_default()
    }

    /// Ids of the checks a selection picks, in registry order.
    pub fn select(&self, sel: &Selection) -> Result<Vec<&CheckMeta>, Error> {
        let fw = sel.framework.as_deref().map(|id| self.framework(id)).transpose()?;
        for pattern in &sel.checks {
            if !self.checks.iter().any(|c| glob::matches(pattern, &c.meta.id)) {
                return Err(Error::NoCheckMatches(pattern.clone()));
            }
        }
        Ok(self
            .checks
            .iter()
            .map(|c| &c.meta)
            .filter(|m| sel.checks.is_empty() || sel.checks.iter().any(|p| glob::matches(p, &m.id)))
            .filter(|m| sel.severities.is_empty() || sel.severities.contains(&m.severity))
            .filter(|m| fw.is_none_or(|f| f.requirements.iter().any(|r| r.checks.contains(&m.id))))
            .collect())
    }

    /// Runs the selected checks over a snapshot, measuring ages from `now`. Findings come
    /// back in a stable order (check id, resource ARN, finding id).
    pub fn run(&self, snapshot: &Snapshot, sel: &Selection, now: DateTime<Utc>) -> Result<Vec<Finding>, Error> {
        self.run_with(snapshot, sel, &Config::default(), now, &mut |_| {})
    }

    /// [`Registry::run`], calling `on_check` after each check (for progress display).
    pub fn run_observed(
        &self,
        snapshot: &Snapshot,
        sel: &Selection,
        now: DateTime<Utc>,
        on_check: &mut dyn FnMut(&CheckMeta),
    ) -> Result<Vec<Finding>, Error> {
        self.run_with(snapshot, sel, &Config::default(), now, on_check)
    }

    /// [`Registry::run_observed`] with a [`Config`] (trusted accounts, …).
    pub fn run_with(
        &self,
        snapshot: &Snapshot,
        sel: &Selection,
        config: &Config,
        now: DateTime<Utc>,
        on_check: &mut dyn FnMut(&CheckMeta),
    ) -> Result<Vec<Finding>, Error> {
        let selected = self.select(sel)?;
        let ctx = Ctx::new(snapshot, now, config);
        let mut findings = Vec::new();
        for check in self.checks.iter().filter(|c| selected.iter().any(|m| m.id == c.meta.id)) {
            let mut out =
                Out { meta: &check.meta, compliance: self.compliance.get(&check.meta.id), findings: Vec::new() };
            (check.run)(&ctx, &mut out);
            findings.append(&mut out.findings);
            on_check(&check.meta);
        }
        if let Some(fw) = sel.framework.as_deref().map(|id| self.framework(id)).transpose()? {
            findings.extend(manual_findings(fw, snapshot));
        }
        findings.sort_by(|a, b| {
            (a.check_id.as_str(), a.resource.arn.as_str(), a.id.as_str()).cmp(&(
                b.check_id.as_str(),
                b.resource.arn.as_str(),
                b.id.as_str(),
            ))
        });
        Ok(findings)
    }
}

/// One MANUAL finding per account for each requirement no check covers.
fn manual_findings(fw: &Framework, snapshot: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for req in fw.requirements.iter().filter(|r| r.checks.is_empty()) {
        let check_id = format!("manual_{}_{}", fw.id, req.id);
        for acct in &snapshot.inventory.accounts {
            let resource = crate::checks::account_resource(acct);
            out.push(Finding {
                id: Finding::stable_id(&check_id, &resource.arn, ""),
                check_id: check_id.clone(),
                title: req.title.clone(),
                service: "manual".into(),
                status: Status::Manual,
                severity: Severity::Info,
                message: format!("{} {} needs a manual audit", fw.name, req.id),
                evidence: serde_json::Map::new(),
                remediation: warden_model::Remediation {
                    text: req.audit.clone().unwrap_or_else(|| "Audit this requirement by hand.".into()),
                    ..Default::default()
                },
                compliance: BTreeMap::from([(fw.id.clone(), vec![req.id.clone()])]),
                resource,
                muted_by: None,
                history: None,
            });
        }
    }
    out
}
