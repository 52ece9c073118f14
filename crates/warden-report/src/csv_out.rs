use crate::{Error, compliance_flat};
use std::io::Write;
use warden_model::Finding;

const HEADER: [&str; 14] = [
    "id",
    "check_id",
    "title",
    "service",
    "status",
    "severity",
    "account_id",
    "region",
    "resource_type",
    "resource_arn",
    "message",
    "compliance",
    "remediation",
    "muted_by",
];

pub(crate) fn render(findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for f in findings {
        w.write_record([
            f.id.as_str(),
            &f.check_id,
            &f.title,
            &f.service,
            f.status.as_str(),
            f.severity.as_str(),
            &f.resource.account_id,
            &f.resource.region,
            &f.resource.kind,
            &f.resource.arn,
            &f.message,
            &compliance_flat(f),
            &f.remediation.text,
            f.muted_by.as_deref().unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
