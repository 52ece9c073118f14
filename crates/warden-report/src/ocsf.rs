//! OCSF 1.1 Compliance Finding (class 2003, category 2 Findings), one event per
//! finding, as a JSON array.

use crate::{Error, ScanInfo};
use serde_json::{Value, json};
use std::io::Write;
use warden_model::{Finding, Severity, Status};

const OCSF_VERSION: &str = "1.1.0";
const CLASS_UID: u32 = 2003;
const ACTIVITY_CREATE: u32 = 1;

fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// Compliance status: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other.
fn compliance_status(s: Status) -> (u8, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Fail | Status::Muted => (3, "Fail"),
        Status::Error => (0, "Unknown"),
        Status::Manual => (99, "Manual"),
    }
}

fn event(scan: &ScanInfo, f: &Finding) -> Value {
    let time = scan.generated_at.timestamp_millis();
    let (cs_id, cs) = compliance_status(f.status);
    // Finding workflow status: 1 New, 3 Suppressed.
    let (status_id, status) = if f.status == Status::Muted { (3, "Suppressed") } else { (1, "New") };
    let standards: Vec<&String> = f.compliance.keys().collect();
    let requirements: Vec<String> =
        f.compliance.iter().flat_map(|(fw, reqs)| reqs.iter().map(move |r| format!("{fw}:{r}"))).collect();
    let partition = f.resource.arn.split(':').nth(1).unwrap_or("aws");
    json!({
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id(f.severity),
        "severity": match f.severity { Severity::Info => "Informational", Severity::Low => "Low", Severity::Medium => "Medium", Severity::High => "High", Severity::Critical => "Critical" },
        "status_id": status_id,
        "status": status,
        "message": f.message,
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "name": "Warden", "vendor_name": "Warden", "version": scan.tool_version },
            "uid": f.id,
        },
        "finding_info": {
            "uid": f.id,
            "title": f.title,
            "desc": f.message,
            "types": [f.service],
            "created_time": time,
            "analytic": { "uid": f.check_id, "name": f.check_id, "type_id": 1, "type": "Rule" },
        },
        "compliance": {
            "status_id": cs_id,
            "status": cs,
            "control": f.check_id,
            "standards": standards,
            "requirements": requirements,
        },
        "cloud": { "provider": "AWS", "account": { "uid": f.resource.account_id }, "region": f.resource.region },
        "resources": [{
            "uid": f.resource.arn,
            "type": f.resource.kind,
            "region": f.resource.region,
            "cloud_partition": partition,
            "labels": f.resource.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        }],
        "remediation": { "desc": f.remediation.text, "references": f.remediation.references },
        "unmapped": { "evidence": f.evidence, "muted_by": f.muted_by, "warden_status": f.status },
    })
}

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let events: Vec<Value> = findings.iter().map(|f| event(scan, f)).collect();
    serde_json::to_writer_pretty(&mut *out, &events)?;
    out.write_all(b"\n")?;
    Ok(())
}
