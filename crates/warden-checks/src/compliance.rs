//! A framework's requirements judged from findings: the view auditors read.
//!
//! A requirement FAILs if any finding of its checks fails, is ERROR if none fails but
//! some could not be decided, PASSes when its checks produced findings and all pass
//! (MUTED counts as an accepted failure: the requirement is still not met, and says so),
//! and is MANUAL when no check covers it. A requirement whose checks found nothing to
//! look at (no buckets, say) passes vacuously, and says that too.

use crate::Framework;
use warden_model::compliance::{ComplianceReport, RequirementResult};
use warden_model::{Finding, Status};

pub fn evaluate(fw: &Framework, findings: &[Finding]) -> ComplianceReport {
    let mut requirements = Vec::with_capacity(fw.requirements.len());
    for req in &fw.requirements {
        let mine: Vec<&Finding> = findings.iter().filter(|f| req.checks.contains(&f.check_id)).collect();
        let mut counts = std::collections::BTreeMap::new();
        for f in &mine {
            *counts.entry(f.status).or_insert(0usize) += 1;
        }
        let n = |s: Status| counts.get(&s).copied().unwrap_or(0);
        let (status, reason) = if req.checks.is_empty() {
            (Status::Manual, "no automated check: follow the audit steps".to_owned())
        } else if n(Status::Fail) + n(Status::Muted) > 0 {
            let muted = if n(Status::Muted) > 0 { format!(" ({} muted)", n(Status::Muted)) } else { String::new() };
            (Status::Fail, format!("{} failing finding(s){muted}", n(Status::Fail) + n(Status::Muted)))
        } else if n(Status::Error) > 0 {
            (Status::Error, format!("{} finding(s) could not be decided: data was unreadable", n(Status::Error)))
        } else if mine.is_empty() {
            (Status::Pass, "nothing in scope for its checks".to_owned())
        } else {
            (Status::Pass, format!("all {} finding(s) pass", n(Status::Pass)))
        };
        let relevant: Vec<String> =
            mine.iter().filter(|f| status == Status::Pass || f.status != Status::Pass).map(|f| f.id.clone()).collect();
        requirements.push(RequirementResult {
            id: req.id.clone(),
            title: req.title.clone(),
            status,
            checks: req.checks.clone(),
            finding_ids: relevant,
            counts,
            audit: req.audit.clone(),
            reason,
        });
    }
    let decided = requirements.iter().filter(|r| matches!(r.status, Status::Pass | Status::Fail)).count();
    let passed = requirements.iter().filter(|r| r.status == Status::Pass).count();
    let score = if decided == 0 { 0.0 } else { (passed as f64 * 1000.0 / decided as f64).round() / 10.0 };
    ComplianceReport {
        framework: fw.id.clone(),
        name: fw.name.clone(),
        version: fw.version.clone(),
        requirements,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Requirement;

    fn f(check: &str, status: Status) -> Finding {
        let resource = warden_model::Resource {
            arn: format!("arn:{check}:{status}"),
            kind: String::new(),
            account_id: String::new(),
            region: String::new(),
            tags: Default::default(),
        };
        Finding {
            id: Finding::stable_id(check, &resource.arn, ""),
            check_id: check.into(),
            title: String::new(),
            service: String::new(),
            status,
            severity: warden_model::Severity::Low,
            resource,
            message: String::new(),
            evidence: Default::default(),
            remediation: Default::default(),
            compliance: Default::default(),
            muted_by: None,
            history: None,
        }
    }

    #[test]
    fn statuses_roll_up() {
        let req = |id: &str, checks: &[&str]| Requirement {
            id: id.into(),
            title: id.into(),
            checks: checks.iter().map(|c| (*c).into()).collect(),
            audit: None,
        };
        let fw = Framework {
            id: "x".into(),
            name: "X".into(),
            version: "1".into(),
            source: String::new(),
            requirements: vec![req("1", &["a"]), req("2", &["b"]), req("3", &["c"]), req("4", &[]), req("5", &["d"])],
            in_scope: Vec::new(),
        };
        let findings = vec![
            f("a", Status::Pass),
            f("a", Status::Fail),
            f("b", Status::Pass),
            f("c", Status::Error),
            f("c", Status::Pass),
        ];
        let r = evaluate(&fw, &findings);
        let st: Vec<Status> = r.requirements.iter().map(|r| r.status).collect();
        assert_eq!(st, vec![Status::Fail, Status::Pass, Status::Error, Status::Manual, Status::Pass]);
        assert_eq!(r.requirements[0].finding_ids.len(), 1, "only the failing finding is cited");
        assert!(r.requirements[4].reason.contains("nothing in scope"));
        assert!((r.score - 66.7).abs() < 0.01, "{}", r.score);
    }
}
