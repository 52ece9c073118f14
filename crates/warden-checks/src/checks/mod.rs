//! The built-in checks, one module per service. Each module lists its checks in a
//! `CHECKS` table of (id, function); metadata for each id lives in `meta/<service>.yaml`.

mod account;
mod attack;
mod backup;
mod cloudtrail;
mod ec2;
mod exposure;
mod iam;
mod kms;
mod monitoring;
mod net;
mod org;
mod policy;
mod roles;
mod s3;
mod storage;

pub use monitoring::filter_satisfies as metric_filter_satisfies;

use crate::engine::{CheckFn, Ctx, Out};
use warden_model::inventory::{Account, Region, Tags};
use warden_model::{Observed, Resource};

/// Every built-in check, service by service.
pub(crate) fn all() -> impl Iterator<Item = (&'static str, CheckFn)> {
    [
        account::CHECKS,
        org::CHECKS,
        iam::CHECKS,
        roles::CHECKS,
        s3::CHECKS,
        ec2::CHECKS,
        net::CHECKS,
        kms::CHECKS,
        cloudtrail::CHECKS,
        monitoring::CHECKS,
        storage::CHECKS,
        backup::CHECKS,
        exposure::CHECKS,
        attack::CHECKS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// The account itself, as a resource.
pub(crate) fn account_resource(a: &Account) -> Resource {
    Resource {
        arn: a.arn(),
        kind: "AwsAccount".into(),
        account_id: a.id.clone(),
        region: "global".into(),
        tags: Tags::new(),
    }
}

/// A resource of `a` in `region` (`global` for IAM).
pub(crate) fn resource(a: &Account, region: &str, kind: &str, arn: String) -> Resource {
    Resource { arn, kind: kind.into(), account_id: a.id.clone(), region: region.into(), tags: Tags::new() }
}

pub(crate) fn tagged(mut r: Resource, tags: &Tags) -> Resource {
    r.tags = tags.clone();
    r
}

/// `arn:<partition>:ec2:<region>:<account>:<kind>/<id>`.
pub(crate) fn ec2_arn(a: &Account, region: &str, kind: &str, id: &str) -> String {
    format!("arn:{}:ec2:{region}:{}:{kind}/{id}", a.partition, a.id)
}

/// Every (account, region) pair.
pub(crate) fn regions(accounts: &[Account]) -> impl Iterator<Item = (&Account, &Region)> {
    accounts.iter().flat_map(|a| a.regions.iter().map(move |r| (a, r)))
}

/// The region itself (ERROR findings about a regional list that could not be read).
pub(crate) fn region_resource(a: &Account, r: &Region) -> Resource {
    resource(a, &r.name, "AwsEc2Region", format!("arn:{}:ec2:{}:{}:region", a.partition, r.name, a.id))
}

/// Runs `f` on each item of a regional list, with ERROR findings where a list is unknown.
pub(crate) fn each_in_region<T>(
    ctx: &Ctx,
    out: &mut Out,
    what: &str,
    list: fn(&Region) -> &Observed<Vec<T>>,
    mut f: impl FnMut(&mut Out, &Account, &Region, &T),
) {
    for (a, r) in regions(ctx.accounts()) {
        let Some(items) = out.need(list(r), || region_resource(a, r), what) else { continue };
        for item in items {
            f(out, a, r, item);
        }
    }
}

/// A list for a message: the first few names, then how many more (the evidence keeps
/// them all).
pub(crate) fn preview(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    match names.len() {
        n if n <= SHOWN => names.join(", "),
        n => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
    }
}
