//! Markdown summary for pull-request comments and CI job summaries.
//!
//! Short by design: counts, the worst failures, compliance scores and, when the scan
//! history is on, what is new since the last scan. The full list belongs in the HTML
//! report or a machine format; a comment that scrolls forever helps nobody.

use crate::{Error, ScanInfo, Summary};
use std::io::Write;
use warden_model::{Finding, Severity, Status};

/// Rows in the "top failures" and "new" tables.
const TOP: usize = 20;

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let s = Summary::of(findings);
    let fails = s.count(Status::Fail);
    let icon = if fails == 0 { "✅" } else { "❌" };
    writeln!(out, "## {icon} Warden: {fails} failed of {} findings", s.total)?;
    writeln!(out)?;
    let mut meta = format!("Source `{}`", cell(&scan.source));
    if !scan.accounts.is_empty() {
        meta.push_str(&format!(" · {} account(s)", scan.accounts.len()));
    }
    if let Some(fw) = &scan.framework {
        meta.push_str(&format!(" · framework `{}`", cell(fw)));
    }
    if let Some(score) = crate::html::score(&s) {
        meta.push_str(&format!(" · pass rate {score:.0}%"));
    }
    meta.push_str(&format!(" · {} {}", scan.tool, scan.tool_version));
    writeln!(out, "{meta}")?;
    writeln!(out)?;

    writeln!(out, "| Status | Count |")?;
    writeln!(out, "|---|---:|")?;
    for st in Status::ALL {
        writeln!(out, "| {st} | {} |", s.count(st))?;
    }
    writeln!(out)?;
    if fails > 0 {
        let by_sev: Vec<String> =
            Severity::ALL.iter().filter_map(|v| s.failed_by_severity.get(v).map(|n| format!("{n} {v}"))).collect();
        writeln!(out, "Failed by severity: {}.", by_sev.join(", "))?;
        writeln!(out)?;
    }

    if findings.iter().any(|f| f.history.is_some()) {
        let new: Vec<&Finding> =
            findings.iter().filter(|f| f.status == Status::Fail && f.history.as_ref().is_some_and(|h| h.new)).collect();
        writeln!(out, "### New since the last scan: {}", new.len())?;
        writeln!(out)?;
        table(out, &new)?;
    }

    let mut failed: Vec<&Finding> = findings.iter().filter(|f| f.status == Status::Fail).collect();
    failed.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(a.check_id.cmp(&b.check_id)).then(a.resource.arn.cmp(&b.resource.arn))
    });
    if !failed.is_empty() {
        writeln!(out, "### Top failures")?;
        writeln!(out)?;
        table(out, &failed)?;
    }

    if !scan.compliance.is_empty() {
        writeln!(out, "### Compliance")?;
        writeln!(out)?;
        writeln!(out, "| Framework | Score | FAIL | PASS | MANUAL |")?;
        writeln!(out, "|---|---:|---:|---:|---:|")?;
        for fw in &scan.compliance {
            let n = |st: Status| fw.requirements.iter().filter(|r| r.status == st).count();
            writeln!(
                out,
                "| {} {} | {:.0}% | {} | {} | {} |",
                cell(&fw.name),
                cell(&fw.version),
                fw.score,
                n(Status::Fail),
                n(Status::Pass),
                n(Status::Manual)
            )?;
        }
        writeln!(out)?;
    }

    if !scan.notes.is_empty() {
        writeln!(out, "<details><summary>Notes ({})</summary>", scan.notes.len())?;
        writeln!(out)?;
        for n in scan.notes.iter().take(50) {
            writeln!(out, "- {}", cell(n))?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

fn table(out: &mut dyn Write, rows: &[&Finding]) -> Result<(), Error> {
    if rows.is_empty() {
        writeln!(out, "None.")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "| Severity | Check | Resource | Message |")?;
    writeln!(out, "|---|---|---|---|")?;
    for f in rows.iter().take(TOP) {
        writeln!(
            out,
            "| {} | `{}` | `{}` | {} |",
            f.severity,
            cell(&f.check_id),
            cell(&crate::truncate(&f.resource.arn, 90)),
            cell(&crate::truncate(&f.message, 160))
        )?;
    }
    if rows.len() > TOP {
        writeln!(out)?;
        writeln!(out, "…and {} more.", rows.len() - TOP)?;
    }
    writeln!(out)?;
    Ok(())
}

/// Text safe in a table cell: no pipes, newlines, backticks or HTML.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ").replace('`', "'").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\n`c`<x>"), "a\\|b 'c'&lt;x&gt;");
    }
}
