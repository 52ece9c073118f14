//! Load balancers, CloudFront distributions and Macie. Planted: staging's Classic load
//! balancer and its preview distribution keep no access logs (CIS 4.10); Macie runs only
//! in prod and security (CIS 3.1.3).

use crate::{Kind, Spec};
use warden_model::Observed;
use warden_model::inventory::{CloudFront, Detector, Distribution, Elb, GuardDuty, LoadBalancer, Macie, MacieSession};

pub(crate) fn elb(spec: &Spec, region: &str) -> Elb {
    let acct = &spec.id;
    let v2 = match (spec.kind, region) {
        (Kind::Prod, "us-east-1") => vec![LoadBalancer {
            name: "prod-web".into(),
            arn: format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/prod-web/5f3c1a7e9b2d4c60"),
            kind: "application".into(),
            scheme: "internet-facing".into(),
            access_logs: Observed::Known(true),
        }],
        _ => Vec::new(),
    };
    let classic = match (spec.kind, region) {
        (Kind::Staging, "us-east-1") => vec![LoadBalancer {
            name: "staging-legacy-elb".into(),
            arn: format!("arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/staging-legacy-elb"),
            kind: "classic".into(),
            scheme: "internet-facing".into(),
            access_logs: Observed::Known(false),
        }],
        _ => Vec::new(),
    };
    Elb { v2: Observed::Known(v2), classic: Observed::Known(classic) }
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
