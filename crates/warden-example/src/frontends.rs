//! Load balancers, CloudFront distributions and Macie. Planted: staging's Classic load
//! balancer and its preview distribution keep no access logs (CIS 4.10); Macie runs only
//! in prod and security (CIS 3.1.3).

use crate::{Kind, Spec};
use warden_model::Observed;
use warden_model::inventory::{CloudFront, Detector, Distribution, Elb, GuardDuty, LoadBalancer, Macie, MacieSession};

/// A load balancer without its network; `edge::wire` places it in the region's VPC and
/// gives it listeners and targets.
fn lb(arn: String, name: &str, kind: &str, scheme: &str, access_logs: bool) -> LoadBalancer {
    LoadBalancer {
        name: name.into(),
        arn,
        kind: kind.into(),
        scheme: scheme.into(),
        access_logs: Observed::Known(access_logs),
        dns_name: String::new(),
        vpc_id: None,
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        ip_address_type: "ipv4".into(),
        listeners: Observed::Known(Vec::new()),
        instance_ids: Vec::new(),
    }
}

pub(crate) fn elb(spec: &Spec, region: &str) -> Elb {
    let acct = &spec.id;
    let v2 = match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => vec![lb(
            format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/prod-web/5f3c1a7e9b2d4c60"),
            "prod-web",
            "application",
            "internet-facing",
            true,
        )],
        (Kind::Prod, "eu-west-1") => vec![lb(
            format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/prod-internal-api/0c4e8a2f6b1d3e57"),
            "prod-internal-api",
            "application",
            "internal",
            true,
        )],
        _ => Vec::new(),
    };
    let classic = match (spec.kind, region) {
        (Kind::Staging, "us-east-1") => vec![lb(
            format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/staging-legacy-elb"),
            "staging-legacy-elb",
            "classic",
            "internet-facing",
            false,
        )],
        _ => Vec::new(),
    };
    Elb { v2: Observed::Known(v2), classic: Observed::Known(classic), target_groups: Observed::Known(Vec::new()) }
}

pub(crate) fn cloudfront(spec: &Spec) -> CloudFront {
    let dist = |id: &str, logs: bool| Distribution {
        id: id.into(),
        arn: format!("arn:aws:cloudfront::{}:distribution/{id}", spec.id),
        domain_name: format!("{}.cloudfront.net", id.to_lowercase()),
        access_logs: Observed::Known(logs),
    };
    let distributions = match spec.kind {
        Kind::Prod => vec![dist("E2NW7PROD1CDN", true)],
        Kind::Staging => vec![dist("E3NW7STGPREVW", false)],
        _ => Vec::new(),
    };
    CloudFront { distributions: Observed::Known(distributions) }
}

pub(crate) fn macie(spec: &Spec) -> Macie {
    let on = matches!(spec.kind, Kind::Prod | Kind::Security);
    Macie { session: Observed::Known(on.then(|| MacieSession { status: "ENABLED".into() })) }
}

/// GuardDuty runs in every region of the organization's accounts. Planted: staging,
/// outside the organization, has no detector anywhere.
pub(crate) fn guardduty(spec: &Spec, region: &str) -> GuardDuty {
    let detectors = if spec.in_org() {
        vec![Detector {
            id: format!("{:x}", stable_hash(&format!("{}{region}", spec.id))),
            status: Observed::Known("ENABLED".into()),
        }]
    } else {
        Vec::new()
    };
    GuardDuty { detectors: Observed::Known(detectors) }
}

/// A stable detector id from a seed string (FNV-1a, 128 bits).
fn stable_hash(seed: &str) -> u128 {
    seed.bytes().fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| {
        (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b)
    })
}
