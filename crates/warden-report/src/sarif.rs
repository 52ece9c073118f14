//! SARIF 2.1.0. Each check is a rule; each finding a result with `kind` pass / fail /
//! open (ERROR: undecided) / review (MANUAL), located logically at the resource ARN.
//! MUTED findings are failing results with an external suppression and its reason.

use crate::{Error, ScanInfo};
use serde_sarif::sarif::{
    Location, LogicalLocation, Message, MultiformatMessageString, PropertyBag, ReportingDescriptor,
    Result as SarifResult, ResultKind, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::Write;
use warden_model::{Finding, Severity, Status};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning reads `security-severity` (0–10) to rank security results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn rule(f: &Finding) -> ReportingDescriptor {
    let mut extra = BTreeMap::new();
    extra.insert("security-severity".to_owned(), serde_json::json!(security_severity(f.severity)));
    extra.insert("severity".to_owned(), serde_json::json!(f.severity));
    let mut tags = vec!["security".to_owned(), f.service.clone()];
    tags.extend(crate::compliance_flat(f).split(';').filter(|t| !t.is_empty()).map(str::to_owned));
    let mut help = f.remediation.text.clone();
    if let Some(cli) = &f.remediation.cli {
        help.push_str("\n\nCLI: ");
        help.push_str(cli);
    }
    let builder = ReportingDescriptor::builder()
        .id(f.check_id.clone())
        .name(f.check_id.clone())
        .short_description(MultiformatMessageString::builder().text(f.title.clone()).build())
        .help(MultiformatMessageString::builder().text(help).build())
        .properties(PropertyBag::builder().tags(tags).additional_properties(extra).build());
    match f.remediation.references.first() {
        Some(uri) => builder.help_uri(uri.clone()).build(),
        None => builder.build(),
    }
}

fn result(f: &Finding, rule_index: usize) -> SarifResult {
    let kind = match f.status {
        Status::Pass => ResultKind::Pass,
        Status::Fail | Status::Muted => ResultKind::Fail,
        Status::Error => ResultKind::Open,
        Status::Manual => ResultKind::Review,
    };
    let lvl = if matches!(f.status, Status::Fail | Status::Muted) { level(f.severity) } else { ResultLevel::None };
    let location = Location::builder()
        .logical_locations(vec![
            LogicalLocation::builder()
                .fully_qualified_name(f.resource.arn.clone())
                .name(f.resource.arn.rsplit([':', '/']).next().unwrap_or_default().to_owned())
                .kind("resource".to_owned())
                .build(),
        ])
        .build();
    let mut props = BTreeMap::new();
    props.insert("finding".to_owned(), serde_json::json!({
        "status": f.status, "severity": f.severity, "resource": f.resource, "evidence": f.evidence, "compliance": f.compliance,
    }));
    let builder = SarifResult::builder()
        .rule_id(f.check_id.clone())
        .rule_index(i64::try_from(rule_index).unwrap_or(i64::MAX))
        .kind(kind)
        .level(lvl)
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([("wardenFindingId/v1".to_owned(), f.id.clone())]))
        .properties(PropertyBag::builder().additional_properties(props).build());
    match &f.muted_by {
        Some(why) => builder
            .suppressions(vec![
                Suppression::builder().kind(serde_json::json!("external")).justification(why.clone()).build(),
            ])
            .build(),
        None => builder.build(),
    }
}

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let mut rules: Vec<ReportingDescriptor> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut results = Vec::with_capacity(findings.len());
    for f in findings {
        let i = *index.entry(f.check_id.as_str()).or_insert_with(|| {
            rules.push(rule(f));
            rules.len() - 1
        });
        results.push(result(f, i));
    }
    let driver = ToolComponent::builder()
        .name("warden")
        .version(scan.tool_version.clone())
        .semantic_version(scan.tool_version.clone())
        .rules(rules)
        .build();
    let run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    let log = Sarif::builder().schema(SCHEMA).version(serde_json::json!("2.1.0")).runs(vec![run]).build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    Ok(())
}
