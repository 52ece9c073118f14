//! AWS Security Finding Format, as `BatchImportFindings` takes it: a JSON array of
//! findings (the importer sends them 100 per call). Field limits from the ASFF
//! reference: Title 256, Description 1024, Recommendation.Text 512 characters;
//! Compliance.RelatedRequirements at most 32 items (the rest stay in the other formats).

use crate::{Error, ScanInfo, truncate};
use serde_json::{Value, json};
use std::io::Write;
use warden_model::{Finding, Severity, Status};

/// `Compliance.RelatedRequirements` array limit of `BatchImportFindings`.
const MAX_RELATED_REQUIREMENTS: usize = 32;

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

fn compliance_status(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASSED",
        Status::Fail | Status::Muted => "FAILED",
        Status::Manual => "WARNING",
        Status::Error => "NOT_AVAILABLE",
    }
}

/// One finding in ASFF. `CreatedAt` is the first time the history saw it, when known.
pub fn finding(scan: &ScanInfo, f: &Finding) -> Value {
    let region = if f.resource.region == "global" { "us-east-1" } else { f.resource.region.as_str() };
    let partition = f.resource.arn.split(':').nth(1).unwrap_or("aws");
    let account = &f.resource.account_id;
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let time = stamp(scan.generated_at);
    let created = f.history.as_ref().map_or_else(|| time.clone(), |h| stamp(h.first_seen));
    let related: Vec<String> = f
        .compliance
        .iter()
        .flat_map(|(fw, reqs)| reqs.iter().map(move |r| format!("{fw} {r}")))
        .take(MAX_RELATED_REQUIREMENTS)
        .collect();
    let mut recommendation = json!({ "Text": truncate(&f.remediation.text, 512) });
    if let Some(url) = f.remediation.references.first() {
        recommendation["Url"] = json!(url);
    }
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("warden/{}", f.id),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "GeneratorId": format!("warden/{}", f.check_id),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": created,
        "UpdatedAt": time,
        "Severity": { "Label": label(f.severity) },
        "Title": truncate(&f.title, 256),
        "Description": truncate(&f.message, 1024),
        "Remediation": { "Recommendation": recommendation },
        "ProductFields": {
            "warden/check_id": f.check_id,
            "warden/status": f.status.as_str(),
            "warden/region": f.resource.region,
        },
        "Resources": [{
            "Type": f.resource.kind,
            "Id": f.resource.arn,
            "Partition": partition,
            "Region": region,
            "Tags": f.resource.tags,
        }],
        "Compliance": { "Status": compliance_status(f.status), "RelatedRequirements": related },
        "Workflow": { "Status": if f.status == Status::Muted { "SUPPRESSED" } else { "NEW" } },
        "RecordState": "ACTIVE",
    })
}

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let all: Vec<Value> = findings.iter().map(|f| finding(scan, f)).collect();
    serde_json::to_writer_pretty(&mut *out, &all)?;
    out.write_all(b"\n")?;
    Ok(())
}
