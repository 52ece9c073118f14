//! Framework maps: requirement id → title → the checks that prove it. Data files under
//! `frameworks/`, one per framework version; a requirement with no check is MANUAL and
//! carries the audit steps a person follows instead.

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

pub(crate) const FILES: &[(&str, &str)] = &[
    ("frameworks/cis-aws-7.0.yaml", include_str!("../frameworks/cis-aws-7.0.yaml")),
    ("frameworks/aws-fsbp.yaml", include_str!("../frameworks/aws-fsbp.yaml")),
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

pub(crate) fn load_all() -> Result<Vec<Framework>, Error> {
    FILES
        .iter()
        .map(|(file, text)| {
            serde_yaml_ng::from_str(text)
                .map_err(|e| Error::BuiltinData { file: (*file).to_owned(), detail: e.to_string() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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
}
