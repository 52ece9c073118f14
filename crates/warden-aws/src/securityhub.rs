//! Security Hub export: Warden's findings imported with `BatchImportFindings` (ASFF, 100
//! per call), updating the ones imported before and archiving those a new scan of the
//! same scope no longer reports.
//!
//! This writes to the account, so it runs only when asked (`--to-securityhub`), reports
//! its plan before the first write, and returns what it did for the audit record.

use crate::collect::{Options, block_on, session};
use crate::error::CollectError;
use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::operation::RequestId;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, Compliance, ComplianceStatus, Partition, Recommendation,
    RecordState, Remediation, Resource, Severity, SeverityLabel, StringFilter, StringFilterComparison, Workflow,
    WorkflowStatus,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// `BatchImportFindings` takes at most 100 findings per call.
pub const BATCH: usize = 100;

/// Which earlier Warden findings this export speaks for: only those can be archived.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub accounts: BTreeSet<String>,
    /// Regions scanned; findings on global resources carry `global`.
    pub regions: BTreeSet<String>,
    /// Check ids that ran.
    pub checks: BTreeSet<String>,
}

/// What the export is about to do, reported before any write.
#[derive(Debug, Clone)]
pub struct Plan {
    pub caller_arn: String,
    pub region: String,
    pub product_arn: String,
    pub import: usize,
    /// Ids of earlier Warden findings in scope that this scan no longer reports.
    pub archive: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    pub imported: usize,
    pub archived: usize,
    /// `id: code message` for each finding Security Hub refused.
    pub failed: Vec<String>,
    pub request_ids: Vec<String>,
}

/// Imports `findings` (ASFF objects as `warden-report` writes them) into Security Hub in
/// the options' region, then archives what is no longer reported within `scope`.
/// `announce` sees the plan after the reads and before the first write.
pub fn export_blocking(
    opts: &Options,
    findings: &[Value],
    scope: &Scope,
    announce: &mut dyn FnMut(&Plan),
) -> Result<Outcome, CollectError> {
    block_on(export(opts, findings, scope, announce))?
}

async fn export(
    opts: &Options,
    findings: &[Value],
    scope: &Scope,
    announce: &mut dyn FnMut(&Plan),
) -> Result<Outcome, CollectError> {
    let (sdk, _ctx, me) = session(opts).await?;
    let region = sdk.region().map(|r| r.to_string()).ok_or(CollectError::NoRegion)?;
    let product_arn = format!("arn:{p}:securityhub:{region}:{a}:product/{a}/default", p = me.partition, a = me.account);
    let client = Client::new(&sdk);
    let mut outgoing: Vec<AwsSecurityFinding> = findings.iter().map(|f| to_sdk(f, &product_arn)).collect();
    let current: BTreeSet<&str> = outgoing.iter().filter_map(|f| f.id.as_deref()).collect();

    let earlier = active_warden_findings(&client, &product_arn).await?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let archive: Vec<AwsSecurityFinding> = earlier
        .into_iter()
        .filter(|f| f.id.as_deref().is_some_and(|id| !current.contains(id)) && in_scope(f, scope))
        .map(|mut f| {
            f.record_state = Some(RecordState::Archived);
            f.updated_at = Some(now.clone());
            f
        })
        .collect();
    let plan = Plan {
        caller_arn: me.arn,
        region,
        product_arn,
        import: outgoing.len(),
        archive: archive.iter().filter_map(|f| f.id.clone()).collect(),
    };
    announce(&plan);

    let archived_ids: BTreeSet<String> = plan.archive.iter().cloned().collect();
    outgoing.extend(archive);
    let (mut imported, mut archived, mut failed, mut request_ids) = (0, 0, Vec::new(), Vec::new());
    for batch in outgoing.chunks(BATCH) {
        let sent = client.batch_import_findings().set_findings(Some(batch.to_vec())).send().await;
        let out = sent.map_err(|e| CollectError::Export(crate::error::describe(&e)))?;
        request_ids.extend(out.request_id().map(str::to_owned));
        let refused: BTreeSet<&str> = out.failed_findings().iter().filter_map(|e| e.id.as_deref()).collect();
        failed.extend(out.failed_findings().iter().map(|e| {
            format!(
                "{}: {} {}",
                e.id.as_deref().unwrap_or("?"),
                e.error_code.as_deref().unwrap_or(""),
                e.error_message.as_deref().unwrap_or("")
            )
        }));
        for f in batch {
            match f.id.as_deref() {
                Some(id) if refused.contains(id) => {}
                Some(id) if archived_ids.contains(id) => archived += 1,
                _ => imported += 1,
            }
        }
    }
    Ok(Outcome { plan, imported, archived, failed, request_ids })
}

/// Every active finding of our product whose id is Warden's. The server filters by
/// product and record state; the same conditions are checked again here, because an
/// emulator may ignore filters.
async fn active_warden_findings(client: &Client, product_arn: &str) -> Result<Vec<AwsSecurityFinding>, CollectError> {
    let eq = |v: &str| StringFilter::builder().value(v).comparison(StringFilterComparison::Equals).build();
    let filters = AwsSecurityFindingFilters::builder().product_arn(eq(product_arn)).record_state(eq("ACTIVE")).build();
    let pages = client
        .get_findings()
        .filters(filters)
        .max_results(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| CollectError::Export(crate::error::describe(&e)))?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.findings.unwrap_or_default())
        .filter(|f| {
            f.product_arn.as_deref() == Some(product_arn)
                && f.record_state.as_ref().is_none_or(|s| *s == RecordState::Active)
                && f.id.as_deref().is_some_and(|id| id.starts_with("warden/"))
        })
        .collect())
}

/// Whether an earlier finding belongs to the accounts, regions and checks just scanned.
fn in_scope(f: &AwsSecurityFinding, scope: &Scope) -> bool {
    let field = |k: &str| f.product_fields.as_ref().and_then(|m| m.get(k)).map(String::as_str);
    let account = f.aws_account_id.as_deref().unwrap_or_default();
    let check = field("warden/check_id").unwrap_or_default();
    let region = field("warden/region").unwrap_or_default();
    scope.accounts.contains(account) && scope.checks.contains(check) && scope.regions.contains(region)
}

/// One ASFF object as the SDK's type, under our product ARN. Fields Warden does not
/// write are left out.
fn to_sdk(v: &Value, product_arn: &str) -> AwsSecurityFinding {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let strings = |v: &Value| v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect());
    let map = |v: &Value| {
        v.as_object()
            .map(|o| o.iter().filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_owned()))).collect::<HashMap<_, _>>())
    };
    let resources = v["Resources"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    Resource::builder()
                        .set_type(s(&r["Type"]))
                        .set_id(s(&r["Id"]))
                        .set_partition(r["Partition"].as_str().map(Partition::from))
                        .set_region(s(&r["Region"]))
                        .set_tags(map(&r["Tags"]).filter(|m| !m.is_empty()))
                        .build()
                })
                .collect()
        })
        .unwrap_or_default();
    let rec = &v["Remediation"]["Recommendation"];
    AwsSecurityFinding::builder()
        .set_schema_version(s(&v["SchemaVersion"]))
        .set_id(s(&v["Id"]))
        .product_arn(product_arn)
        .set_generator_id(s(&v["GeneratorId"]))
        .set_aws_account_id(s(&v["AwsAccountId"]))
        .set_types(strings(&v["Types"]))
        .set_created_at(s(&v["CreatedAt"]))
        .set_updated_at(s(&v["UpdatedAt"]))
        .severity(Severity::builder().set_label(v["Severity"]["Label"].as_str().map(SeverityLabel::from)).build())
        .set_title(s(&v["Title"]))
        .set_description(s(&v["Description"]))
        .remediation(
            Remediation::builder()
                .recommendation(Recommendation::builder().set_text(s(&rec["Text"])).set_url(s(&rec["Url"])).build())
                .build(),
        )
        .set_product_fields(map(&v["ProductFields"]))
        .set_resources(Some(resources))
        .compliance(
            Compliance::builder()
                .set_status(v["Compliance"]["Status"].as_str().map(ComplianceStatus::from))
                .set_related_requirements(strings(&v["Compliance"]["RelatedRequirements"]))
                .build(),
        )
        .workflow(Workflow::builder().set_status(v["Workflow"]["Status"].as_str().map(WorkflowStatus::from)).build())
        .record_state(v["RecordState"].as_str().map_or(RecordState::Active, RecordState::from))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asff() -> Value {
        json!({
            "SchemaVersion": "2018-10-08", "Id": "warden/abc", "ProductArn": "ignored",
            "GeneratorId": "warden/s3_bucket_public", "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
            "CreatedAt": "2026-11-01T00:00:00.000Z", "UpdatedAt": "2026-11-02T00:00:00.000Z",
            "Severity": {"Label": "HIGH"}, "Title": "t", "Description": "d",
            "Remediation": {"Recommendation": {"Text": "fix", "Url": "https://docs.example/x"}},
            "ProductFields": {"warden/check_id": "s3_bucket_public", "warden/region": "global"},
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::b", "Partition": "aws",
                           "Region": "us-east-1", "Tags": {"team": "data"}}],
            "Compliance": {"Status": "FAILED", "RelatedRequirements": ["cis-aws-7.0 3.1.4"]},
            "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE"
        })
    }

    #[test]
    fn asff_converts_field_by_field_under_our_product() {
        let f = to_sdk(&asff(), "arn:aws:securityhub:us-east-1:1:product/1/default");
        assert_eq!(f.product_arn.as_deref(), Some("arn:aws:securityhub:us-east-1:1:product/1/default"));
        assert_eq!(f.severity.as_ref().and_then(|s| s.label.clone()), Some(SeverityLabel::High));
        assert_eq!(f.compliance.as_ref().and_then(|c| c.status.clone()), Some(ComplianceStatus::Failed));
        let r = &f.resources.as_ref().unwrap()[0];
        assert_eq!((r.id.as_deref(), r.partition.clone()), (Some("arn:aws:s3:::b"), Some(Partition::Aws)));
        assert_eq!(r.tags.as_ref().unwrap()["team"], "data");
        assert_eq!(f.remediation.unwrap().recommendation.unwrap().url.as_deref(), Some("https://docs.example/x"));
        assert_eq!(f.record_state, Some(RecordState::Active));
    }

    #[test]
    fn scope_needs_account_check_and_region() {
        let f = to_sdk(&asff(), "p");
        let scope = |a: &str, c: &str, r: &str| Scope {
            accounts: [a.to_owned()].into(),
            checks: [c.to_owned()].into(),
            regions: [r.to_owned()].into(),
        };
        assert!(in_scope(&f, &scope("111122223333", "s3_bucket_public", "global")));
        assert!(!in_scope(&f, &scope("999999999999", "s3_bucket_public", "global")));
        assert!(!in_scope(&f, &scope("111122223333", "iam_root_mfa", "global")));
        assert!(!in_scope(&f, &scope("111122223333", "s3_bucket_public", "eu-west-1")));
    }
}
