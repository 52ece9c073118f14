//! `scan --to-securityhub` and `warden audit`: the CLI's side of the Security Hub export
//! and of the audit log that records it.

use crate::cli::{AuditAction, ScanArgs};
use anyhow::Context;
use serde_json::json;
use std::collections::BTreeSet;
use warden_aws::securityhub::{Plan, Scope};
use warden_model::{Finding, Snapshot, Status};
use warden_report::ScanInfo;

/// Statuses sent to Security Hub: what needs attention. PASS and MANUAL stay out; a
/// finding that turns PASS is archived there instead.
fn exported(f: &Finding) -> bool {
    matches!(f.status, Status::Fail | Status::Muted | Status::Error)
}

pub fn export(
    args: &ScanArgs,
    snapshot: &Snapshot,
    checks: BTreeSet<String>,
    info: &ScanInfo,
    findings: &[Finding],
) -> anyhow::Result<()> {
    let audit_path = crate::audit::resolve(args.audit_log.as_deref())?;
    let opts = crate::live::options(&args.source.live)?;
    let asff: Vec<serde_json::Value> =
        findings.iter().filter(|f| exported(f)).map(|f| warden_report::asff::finding(info, f)).collect();
    let accounts = &snapshot.inventory.accounts;
    let scope = Scope {
        accounts: accounts.iter().map(|a| a.id.clone()).collect(),
        regions: accounts
            .iter()
            .flat_map(|a| a.regions_in_use.iter().chain(a.regions.iter().map(|r| &r.name)).cloned())
            .chain(["global".to_owned()])
            .collect(),
        checks,
    };
    let mut shown = None;
    let outcome = warden_aws::securityhub::export_blocking(&opts, &asff, &scope, &mut |plan: &Plan| {
        eprintln!(
            "Security Hub ({}, as {}): importing {} findings into {}, archiving {} no longer reported",
            plan.region,
            plan.caller_arn,
            plan.import,
            plan.product_arn,
            plan.archive.len()
        );
        shown = Some(plan.clone());
    });
    let record = |result: serde_json::Value| {
        let plan = shown.as_ref();
        json!({
            "action": "securityhub:BatchImportFindings",
            "actor": plan.map(|p| p.caller_arn.as_str()),
            "region": plan.map(|p| p.region.as_str()),
            "target": plan.map(|p| p.product_arn.as_str()),
            "plan": plan.map(|p| json!({"import": p.import, "archive": p.archive})),
            "result": result,
        })
    };
    match outcome {
        Ok(o) => {
            let id = crate::audit::append(
                &audit_path,
                record(json!({
                    "imported": o.imported,
                    "archived": o.archived,
                    "failed": o.failed,
                    "request_ids": o.request_ids,
                })),
            )?;
            eprintln!(
                "Security Hub: {} imported, {} archived, {} refused (audit record {id} in {})",
                o.imported,
                o.archived,
                o.failed.len(),
                audit_path.display()
            );
            for f in o.failed.iter().take(10) {
                eprintln!("  refused {f}");
            }
            if !o.failed.is_empty() {
                anyhow::bail!("Security Hub refused {} findings", o.failed.len());
            }
            Ok(())
        }
        Err(e) => {
            // Something may have been written before the failure: record the attempt.
            if shown.is_some() {
                crate::audit::append(&audit_path, record(json!({"error": e.to_string()})))?;
            }
            Err(e.into())
        }
    }
}

pub fn audit(action: &AuditAction) -> anyhow::Result<u8> {
    match action {
        AuditAction::Verify { audit_log } => {
            let path = crate::audit::resolve(audit_log.as_deref())?;
            match crate::audit::verify(&path)? {
                Ok(n) => {
                    println!("{}: {n} records, chain intact", path.display());
                    Ok(0)
                }
                Err(line) => {
                    println!(
                        "{}: chain broken at line {line} (a record was edited or removed before it)",
                        path.display()
                    );
                    Ok(1)
                }
            }
        }
        AuditAction::Show { audit_log } => {
            let path = crate::audit::resolve(audit_log.as_deref())?;
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
            print!("{text}");
            Ok(0)
        }
    }
}
