//! Northwind Robotics: a fictional company's AWS estate, generated deterministically.
//!
//! Why a generator and not a recorded estate: nobody should need an AWS account to see
//! what Warden does, and benchmarks need estates of any size. The same [`Params`] always
//! give byte-identical JSON (the PRNG lives in this crate, and nothing reads the clock or
//! a file), and `collected_at` is fixed at 2026-11-01T00:00:00Z so ages such as "access
//! key 400 days old" come out the same on every run.
//!
//! The default estate is four accounts (management, prod, staging, security) that are
//! configured correctly except for a documented list of planted weaknesses: see
//! `examples/README.md` at the repository root for the table a scan can be checked against.
//! With [`Params::scale`] set, workload accounts are added and every account grows until
//! the estate holds about that many resources.

mod account;
mod apps;
mod backup;
mod ec2;
mod edge;
mod frontends;
mod iam;
mod kms;
mod managed;
mod monitoring;
mod names;
mod org;
mod rng;
mod s3;
mod storage;
mod trail;

#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeDelta, Utc};
use warden_model::inventory::Inventory;
use warden_model::{Observed, Snapshot};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Seed of the PRNG. The planted weaknesses do not depend on it; names, ids and the
    /// counts of ordinary resources do.
    pub seed: u64,
    /// Target resource count (as [`Inventory::resource_count`] measures it); `None` for
    /// the default example estate. Targets above [`MAX_SCALE`] are treated as
    /// `MAX_SCALE`; very small ones still give the four core accounts.
    pub scale: Option<usize>,
}

impl Default for Params {
    fn default() -> Self {
        Params { seed: 7, scale: None }
    }
}

/// The largest estate [`generate`] builds (over a gigabyte of JSON).
pub const MAX_SCALE: usize = 2_000_000;

/// The example estate as a snapshot with source `example`.
pub fn generate(params: &Params) -> Snapshot {
    let inventory = match params.scale {
        None => build(params.seed, &Plan { factor: 1.0, extra_accounts: 0 }),
        Some(target) => scaled(params.seed, target),
    };
    Snapshot::new("example", collected_at(), inventory)
}

/// The instant the example estate was "collected": 2026-11-01T00:00:00Z.
pub fn collected_at() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_793_491_200)
}

/// `days` days (and a few seeded hours) before [`collected_at`].
pub(crate) fn ago(days: i64, rng: &mut rng::Rng) -> DateTime<Utc> {
    collected_at() - TimeDelta::days(days) - TimeDelta::seconds(rng.range(600, 20 * 3600))
}

/// How big to make the estate: the four core accounts' ordinary resources are multiplied
/// by `factor`, and `extra_accounts` workload accounts of the same factor are added.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) factor: f64,
    pub(crate) extra_accounts: usize,
}

impl Plan {
    /// `base` scaled by the factor, at least `min`.
    pub(crate) fn n(&self, base: usize, min: usize) -> usize {
        ((base as f64 * self.factor).round() as usize).max(min)
    }
}

/// The four core accounts and the organization they share.
pub(crate) mod ids {
    pub(crate) const MANAGEMENT: &str = "481516234201";
    pub(crate) const PROD: &str = "592837465012";
    pub(crate) const STAGING: &str = "603948576123";
    pub(crate) const SECURITY: &str = "714059687234";
    pub(crate) const ORG: &str = "o-n0rthw1nd7q";
    /// The logistics partner's account: outside the estate.
    pub(crate) const PARTNER: &str = "209876543210";
    /// The organization the staging account came from (an acquisition).
    pub(crate) const ACQUIRED_ORG: &str = "o-acq9u1r3d5x";
    /// The corporate office egress range (TEST-NET-3, documentation space).
    pub(crate) const CORP_CIDR: &str = "203.0.113.0/24";
    pub(crate) const CORP_CIDR_V6: &str = "2001:db8:4e57::/48";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Management,
    Prod,
    Staging,
    Security,
    /// A workload account added when scaling, numbered from 1.
    Workload(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) kind: Kind,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) regions: Vec<&'static str>,
}

impl Spec {
    /// Short label used in resource names: `mgmt`, `prod`, `staging`, `security`, `wl007`.
    pub(crate) fn label(&self) -> String {
        match self.kind {
            Kind::Management => "mgmt".into(),
            Kind::Prod => "prod".into(),
            Kind::Staging => "staging".into(),
            Kind::Security => "security".into(),
            Kind::Workload(n) => format!("wl{n:03}"),
        }
    }

    /// Member of the organization (staging came with an acquisition and has not accepted
    /// the invitation yet, so the organization trail does not cover it).
    pub(crate) fn in_org(&self) -> bool {
        self.kind != Kind::Staging
    }
}

fn specs(seed: u64, extra: usize) -> Vec<Spec> {
    let core = |kind, id: &str, name: &str, regions: &[&'static str]| Spec {
        kind,
        id: id.to_owned(),
        name: name.to_owned(),
        regions: regions.to_vec(),
    };
    let mut v = vec![
        core(Kind::Management, ids::MANAGEMENT, "northwind-management", &["us-east-1", "eu-west-1"]),
        core(Kind::Prod, ids::PROD, "northwind-prod", &["us-east-1", "eu-west-1", "ap-southeast-2"]),
        core(Kind::Staging, ids::STAGING, "northwind-staging", &["us-east-1", "eu-west-1"]),
        core(Kind::Security, ids::SECURITY, "northwind-security", &["us-east-1", "eu-west-1"]),
    ];
    const EXTRA_REGIONS: [&str; 4] = ["us-west-2", "eu-central-1", "ap-northeast-1", "ca-central-1"];
    for n in 1..=extra {
        let mut rng = rng::Rng::derive(seed, &format!("workload-account-{n}"));
        // Fictional 12-digit ids that cannot collide with the core accounts.
        let id = format!("8{:011}", (n as u64) * 7919 + rng.below(7000));
        let mut regions = vec!["us-east-1", "eu-west-1"];
        if n % 3 == 0 {
            regions.push(*rng.pick(&EXTRA_REGIONS));
        }
        let team = rng.pick(names::PRODUCT_TEAMS);
        v.push(Spec { kind: Kind::Workload(n), id, name: format!("northwind-{team}-{n:03}"), regions });
    }
    v
}

/// What every account's generator may look at.
pub(crate) struct Ctx {
    pub(crate) seed: u64,
    pub(crate) plan: Plan,
    pub(crate) specs: Vec<Spec>,
    pub(crate) managed: Vec<managed::Managed>,
}

pub(crate) fn build(seed: u64, plan: &Plan) -> Inventory {
    let ctx = Ctx { seed, plan: *plan, specs: specs(seed, plan.extra_accounts), managed: managed::all() };
    let accounts = ctx.specs.iter().map(|s| account::build(&ctx, s)).collect();
    let organization = Observed::Known(Some(org::build(&ctx.specs)));
    Inventory { accounts, organization }
}

/// Resources the core accounts hold at factor 1 is about a thousand; beyond a few
/// thousand, the estate grows mostly by adding accounts of roughly this many resources.
const RESOURCES_PER_ACCOUNT: usize = 1_200;

fn scaled(seed: u64, target: usize) -> Inventory {
    let target = target.clamp(1, MAX_SCALE) as f64;
    let extra = (target as usize / RESOURCES_PER_ACCOUNT).max(4) - 4;
    // The count is close to affine in the factor (fixed per-account overhead plus scaled
    // parts). Estimate it cheaply from the core accounts plus a sample of three workload
    // accounts (one full cycle of their region layouts), extrapolated to all of them.
    let estimate = |factor: f64| -> f64 {
        let sample = extra.min(3);
        let mut inv = build(seed, &Plan { factor, extra_accounts: sample });
        let rest = Inventory { accounts: inv.accounts.split_off(4.min(inv.accounts.len())), ..Inventory::default() };
        let per_workload = if sample == 0 { 0.0 } else { rest.resource_count() as f64 / sample as f64 };
        inv.resource_count() as f64 + per_workload * extra as f64
    };
    let (c1, c2) = (estimate(1.0), estimate(2.0));
    let slope = (c2 - c1).max(1.0);
    let clamp = |f: f64| f.clamp(0.05, 400.0);
    let mut factor = clamp(1.0 + (target - c1) / slope);
    let mut inv = build(seed, &Plan { factor, extra_accounts: extra });
    // Up to two secant corrections on the full estate for rounding and sampling error.
    let mut slope = slope;
    let mut prev: Option<(f64, f64)> = None;
    for _ in 0..2 {
        let got = inv.resource_count() as f64;
        if (got - target).abs() <= target * 0.04 {
            break;
        }
        if let Some((pf, pc)) = prev
            && (factor - pf).abs() > 1e-9
            && (got - pc).abs() > 0.5
        {
            slope = ((got - pc) / (factor - pf)).max(1.0);
        }
        let next = clamp(factor + (target - got) / slope);
        if (next - factor).abs() < 1e-9 {
            break;
        }
        prev = Some((factor, got));
        factor = next;
        inv = build(seed, &Plan { factor, extra_accounts: extra });
    }
    inv
}
