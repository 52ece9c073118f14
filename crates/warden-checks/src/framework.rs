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

pub(crate) fn load_all() -> Result<Vec<Framework>, Error> {
    FILES
        .iter()
        .map(|(file, text)| {
            serde_yaml_ng::from_str(text)
                .map_err(|e| Error::BuiltinData { file: (*file).to_owned(), detail: e.to_string() })
        })
        .collect()
}
