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
mod ec2;
mod iam;
mod kms;
mod managed;
mod names;
mod rng;
mod s3;
mod trail;

#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeDelta, Utc};
use warden_model::Snapshot;
use warden_model::inventory::Inventory;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Seed of the PRNG. The planted weaknesses do not depend on it; names, ids and the
    /// counts of ordinary resources do.
    pub seed: u64,
    /// Target resource count (as [`Inventory::resource_count`] measures it); `None` for
    /// the committed example estate.
    pub scale: Option<usize>,
}

impl Default for Params {
    fn default() -> Self {
        Params { seed: 7, scale: None }
    }
}

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
    Inventory { accounts }
}

/// Resources the core accounts hold at factor 1 is about a thousand; beyond a few
/// thousand, the estate grows mostly by adding accounts of roughly this many resources.
const RESOURCES_PER_ACCOUNT: usize = 1_200;

fn scaled(seed: u64, target: usize) -> Inventory {
    let target = target.max(1);
    let accounts = (target / RESOURCES_PER_ACCOUNT).max(4);
    let mut plan = Plan { factor: 1.0, extra_accounts: accounts - 4 };
    // Resource count is close to affine in the factor (fixed per-account overhead plus
    // scaled parts), so two secant steps land well within a few percent.
    let mut lo = (plan.factor, build(seed, &plan));
    let lo_count = lo.1.resource_count();
    if lo_count == target {
        return lo.1;
    }
    let mut f1 = (target as f64 / lo_count.max(1) as f64).clamp(0.05, 400.0);
    for _ in 0..3 {
        plan.factor = f1;
        let inv = build(seed, &plan);
        let c1 = inv.resource_count() as f64;
        let c0 = lo.1.resource_count() as f64;
        let within = (c1 - target as f64).abs() <= target as f64 * 0.02;
        if within || (c1 - c0).abs() < f64::EPSILON {
            return inv;
        }
        let slope = (c1 - c0) / (f1 - lo.0);
        let next = (f1 + (target as f64 - c1) / slope).clamp(0.05, 400.0);
        lo = (f1, inv);
        f1 = next;
    }
    plan.factor = f1;
    build(seed, &plan)
}
