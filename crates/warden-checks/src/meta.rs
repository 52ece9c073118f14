//! Check metadata, loaded from the embedded `meta/*.yaml` files.

use crate::Error;
use serde::{Deserialize, Serialize};
use warden_model::{Remediation, Severity};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    pub id: String,
    pub title: String,
    pub service: String,
    pub severity: Severity,
    /// The AWS resource type the check's findings are about, e.g. `AwsS3Bucket`.
    pub resource_type: String,
    pub description: String,
    pub risk: String,
    pub remediation: Remediation,
}

pub(crate) const FILES: &[(&str, &str)] = &[
    ("meta/account.yaml", include_str!("../meta/account.yaml")),
    ("meta/storage.yaml", include_str!("../meta/storage.yaml")),
    ("meta/org.yaml", include_str!("../meta/org.yaml")),
    ("meta/iam.yaml", include_str!("../meta/iam.yaml")),
    ("meta/s3.yaml", include_str!("../meta/s3.yaml")),
    ("meta/ec2.yaml", include_str!("../meta/ec2.yaml")),
    ("meta/kms.yaml", include_str!("../meta/kms.yaml")),
    ("meta/net.yaml", include_str!("../meta/net.yaml")),
    ("meta/cloudtrail.yaml", include_str!("../meta/cloudtrail.yaml")),
    ("meta/monitoring.yaml", include_str!("../meta/monitoring.yaml")),
    ("meta/exposure.yaml", include_str!("../meta/exposure.yaml")),
    ("meta/attack.yaml", include_str!("../meta/attack.yaml")),
    ("meta/roles.yaml", include_str!("../meta/roles.yaml")),
    ("meta/backup.yaml", include_str!("../meta/backup.yaml")),
];

pub(crate) fn load_all() -> Result<Vec<CheckMeta>, Error> {
    let mut all = Vec::new();
    for (file, text) in FILES {
        let metas: Vec<CheckMeta> = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::BuiltinData { file: (*file).to_owned(), detail: e.to_string() })?;
        all.extend(metas);
    }
    Ok(all)
}
