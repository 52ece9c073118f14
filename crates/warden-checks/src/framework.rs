//! Framework maps: requirement id → title → the checks that prove it. Data files under
//! `frameworks/`, one per framework version; a requirement with no check is MANUAL and
//! carries the audit steps a person follows instead.
//!
//! A framework Warden covers only in part (FSBP: hundreds of controls over every AWS
//! service) declares `in_scope`, the requirement ids that apply to what Warden inventories,
//! so coverage is a ratio against a stated denominator rather than a count.

use crate::Error;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    /// Where the requirement list and the mapping come from.
    pub source: String,
    pub requirements: Vec<Requirement>,
    /// Requirement ids coverage is measured against; empty when the file lists the whole
    /// framework (or only what the checks support) and no ratio is claimed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_scope: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub checks: Vec<String>,
    /// For requirements no check settles: what a person does to audit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
}

/// How much of a framework's declared scope has an automated check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// In-scope requirements with at least one check.
    pub implemented: usize,
    pub in_scope: usize,
}

impl Coverage {
    /// Implemented share of the scope, in percent, to one decimal.
    pub fn percent(&self) -> f64 {
        if self.in_scope == 0 {
            return 0.0;
        }
        (self.implemented as f64 * 1000.0 / self.in_scope as f64).round() / 10.0
    }
}

impl Framework {
    /// Coverage of the declared scope; `None` for a framework that declares none.
    pub fn coverage(&self) -> Option<Coverage> {
        if self.in_scope.is_empty() {
            return None;
        }
        let implemented =
            self.requirements.iter().filter(|r| !r.checks.is_empty() && self.in_scope.contains(&r.id)).count();
        Some(Coverage { implemented, in_scope: self.in_scope.len() })
    }
}

pub(crate) const FILES: &[(&str, &str)] = &[
    ("frameworks/cis-aws-7.0.yaml", include_str!("../frameworks/cis-aws-7.0.yaml")),
    ("frameworks/cis-aws-6.0.yaml", include_str!("../frameworks/cis-aws-6.0.yaml")),
    ("frameworks/cis-aws-5.0.yaml", include_str!("../frameworks/cis-aws-5.0.yaml")),
    ("frameworks/aws-fsbp.yaml", include_str!("../frameworks/aws-fsbp.yaml")),
    ("frameworks/nist-800-53-r5.yaml", include_str!("../frameworks/nist-800-53-r5.yaml")),
    ("frameworks/pci-dss-4.0.yaml", include_str!("../frameworks/pci-dss-4.0.yaml")),
    ("frameworks/iso-27001-2022.yaml", include_str!("../frameworks/iso-27001-2022.yaml")),
    ("frameworks/soc2.yaml", include_str!("../frameworks/soc2.yaml")),
    ("frameworks/hipaa.yaml", include_str!("../frameworks/hipaa.yaml")),
    ("frameworks/gdpr.yaml", include_str!("../frameworks/gdpr.yaml")),
];

/// A framework file must not list a requirement id twice.
pub(crate) fn unique_ids(fw: &Framework) -> Result<(), Error> {
    let mut seen = std::collections::BTreeSet::new();
    match fw.requirements.iter().find(|r| !seen.insert(r.id.as_str())) {
        Some(r) => Err(Error::BuiltinData {
            file: format!("frameworks/{}.yaml", fw.id),
            detail: format!("requirement {} is listed twice", r.id),
        }),
        None => Ok(()),
    }
}

/// A declared scope lists each id once and holds every requirement the file maps, so the
/// coverage ratio can neither exceed 100% nor count an id the scope does not know.
pub(crate) fn scope_holds_requirements(fw: &Framework) -> Result<(), Error> {
    if fw.in_scope.is_empty() {
        return Ok(());
    }
    let err = |detail: String| Err(Error::BuiltinData { file: format!("frameworks/{}.yaml", fw.id), detail });
    let mut seen = std::collections::BTreeSet::new();
    if let Some(id) = fw.in_scope.iter().find(|id| !seen.insert(id.as_str())) {
        return err(format!("`in_scope` lists {id} twice"));
    }
    match fw.requirements.iter().find(|r| !seen.contains(r.id.as_str())) {
        Some(r) => err(format!("requirement {} is not in `in_scope`", r.id)),
        None => Ok(()),
    }
}

pub(crate) fn load_all() -> Result<Vec<Framework>, Error> {
    FILES
        .iter()
        .map(|(file, text)| {
            let fw: Framework = serde_yaml_ng::from_str(text)
                .map_err(|e| Error::BuiltinData { file: (*file).to_owned(), detail: e.to_string() })?;
            scope_holds_requirements(&fw)?;
            Ok(fw)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn builtin(id: &str) -> Framework {
        load_all().unwrap().into_iter().find(|fw| fw.id == id).unwrap()
    }

    /// Requirement count, automated count; every builtin file must be listed here.
    fn expect(id: &str, total: usize, automated: usize) -> Framework {
        let fw = builtin(id);
        assert!(
            FILES.iter().any(|(file, _)| *file == format!("frameworks/{id}.yaml")),
            "{id}: file named after its id"
        );
        assert!(!fw.source.is_empty() && !fw.name.is_empty() && !fw.version.is_empty(), "{id}");
        assert_eq!(fw.requirements.len(), total, "{id} requirements");
        assert_eq!(fw.requirements.iter().filter(|r| !r.checks.is_empty()).count(), automated, "{id} automated");
        let manual_without_steps: Vec<&str> = fw
            .requirements
            .iter()
            .filter(|r| r.checks.is_empty() && r.audit.is_none())
            .map(|r| r.id.as_str())
            .collect();
        assert!(manual_without_steps.is_empty(), "{id}: MANUAL without audit steps {manual_without_steps:?}");
        fw
    }

    #[test]
    fn every_builtin_file_is_tested() {
        assert_eq!(load_all().unwrap().len(), 10, "add an `expect` test for the new file");
    }

    #[test]
    fn cis_aws_7_0_loads() {
        expect("cis-aws-7.0", 70, 68);
    }

    #[test]
    fn cis_aws_6_0_loads_with_v6_numbering() {
        let fw = expect("cis-aws-6.0", 63, 61);
        let req = |id: &str| fw.requirements.iter().find(|r| r.id == id).unwrap();
        assert_eq!(req("2.12").checks, ["iam_user_single_active_key"]);
        assert!(req("2.10").audit.is_some() && req("2.10").checks.is_empty());
        assert_eq!(req("5.16").checks, ["securityhub_enabled"]);
        assert_eq!(req("6.7").checks, ["ec2_instance_imdsv2_required"]);
    }

    #[test]
    fn cis_aws_5_0_loads_with_v5_numbering() {
        let fw = expect("cis-aws-5.0", 63, 61);
        let req = |id: &str| fw.requirements.iter().find(|r| r.id == id).unwrap();
        // Security Hub's v5.0.0 ids: IAM.4 → 1.3, EC2.7 → 5.1.1, S3.22 → 3.8.
        assert_eq!(req("1.3").checks, ["iam_root_no_access_keys"]);
        assert_eq!(req("5.1.1").checks, ["ec2_ebs_default_encryption"]);
        assert_eq!(req("3.8").checks, ["cloudtrail_s3_write_data_events"]);
    }

    #[test]
    fn fsbp_loads_and_covers_its_scope() {
        let fw = expect("aws-fsbp", 41, 41);
        assert_eq!(fw.coverage(), Some(Coverage { implemented: 41, in_scope: 164 }));
        assert!((fw.coverage().unwrap().percent() - 25.0).abs() < 1e-9);
    }

    #[test]
    fn nist_800_53_r5_loads() {
        let fw = expect("nist-800-53-r5", 110, 110);
        let ia_2_1 = fw.requirements.iter().find(|r| r.id == "IA-2(1)").unwrap();
        assert!(ia_2_1.checks.contains(&"iam_root_mfa_enabled".to_owned()), "{ia_2_1:?}");
        assert_eq!(fw.coverage(), None);
    }

    #[test]
    fn pci_dss_4_0_loads() {
        let fw = expect("pci-dss-4.0", 85, 85);
        let mfa = fw.requirements.iter().find(|r| r.id == "8.4.2").unwrap();
        assert!(mfa.checks.contains(&"iam_user_console_mfa".to_owned()), "{mfa:?}");
    }

    #[test]
    fn iso_27001_2022_loads() {
        expect("iso-27001-2022", 28, 28);
    }

    #[test]
    fn soc2_loads() {
        expect("soc2", 23, 23);
    }

    #[test]
    fn hipaa_loads() {
        expect("hipaa", 31, 31);
    }

    #[test]
    fn gdpr_loads() {
        expect("gdpr", 3, 3);
    }

    #[test]
    fn every_check_a_framework_names_exists() {
        // `Registry::builtin` refuses an unknown check id; this names the offender if one slips in.
        let registry = crate::Registry::builtin().unwrap();
        for fw in registry.frameworks() {
            for r in &fw.requirements {
                for c in &r.checks {
                    assert!(registry.check(c).is_some(), "{} {}: unknown check `{c}`", fw.id, r.id);
                }
            }
        }
    }

    #[test]
    fn builtin_frameworks_have_unique_ids_and_a_duplicate_is_refused() {
        let all = load_all().unwrap();
        assert!(all.iter().all(|fw| unique_ids(fw).is_ok()));
        let mut fw = all.into_iter().next().unwrap();
        let first = fw.requirements[0].clone();
        fw.requirements.push(first);
        let e = unique_ids(&fw).unwrap_err().to_string();
        assert!(e.contains("listed twice"), "{e}");
    }

    #[test]
    fn a_requirement_outside_the_declared_scope_is_refused() {
        let mut fw = builtin("aws-fsbp");
        assert!(scope_holds_requirements(&fw).is_ok());
        fw.requirements[0].id = "IAM.9".into();
        let e = scope_holds_requirements(&fw).unwrap_err().to_string();
        assert!(e.contains("IAM.9 is not in `in_scope`"), "{e}");
        let mut fw = builtin("aws-fsbp");
        fw.in_scope.push("IAM.1".into());
        let e = scope_holds_requirements(&fw).unwrap_err().to_string();
        assert!(e.contains("lists IAM.1 twice"), "{e}");
    }

    #[test]
    fn coverage_counts_only_automated_in_scope_requirements() {
        let req = |id: &str, checks: &[&str]| Requirement {
            id: id.into(),
            title: id.into(),
            checks: checks.iter().map(|c| (*c).into()).collect(),
            audit: None,
        };
        let mut fw = Framework {
            id: "x".into(),
            name: "X".into(),
            version: "1".into(),
            source: String::new(),
            requirements: vec![req("A.1", &["a"]), req("A.2", &[])],
            in_scope: Vec::new(),
        };
        assert_eq!(fw.coverage(), None);
        fw.in_scope = vec!["A.1".into(), "A.2".into(), "A.3".into()];
        let c = fw.coverage().unwrap();
        assert_eq!(c, Coverage { implemented: 1, in_scope: 3 });
        assert!((c.percent() - 33.3).abs() < 1e-9);
        assert!((Coverage { implemented: 0, in_scope: 0 }.percent()).abs() < 1e-9);
    }
}
