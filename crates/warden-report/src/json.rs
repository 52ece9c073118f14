use crate::{Error, ScanInfo, Summary};
use serde::Serialize;
use std::io::Write;
use warden_model::Finding;

#[derive(Serialize)]
struct Document<'a> {
    scan: &'a ScanInfo,
    summary: Summary,
    findings: &'a [Finding],
}

/// One object: scan metadata, a summary, and every finding.
pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let doc = Document { scan, summary: Summary::of(findings), findings };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// One finding per line.
pub(crate) fn render_lines(findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    for f in findings {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
