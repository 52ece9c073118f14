//! Renderers: the same findings as a table for people, and as JSON, JSON Lines, CSV,
//! SARIF 2.1.0, OCSF 1.x (Compliance Finding), ASFF and JUnit XML for machines.
//!
//! Rendering never decides anything: the findings arrive complete (status, evidence,
//! compliance), and each format only chooses how to say them.

pub mod asff;
mod csv_out;
mod html;
mod json;
mod junit;
mod markdown;
mod ocsf;
mod sarif;
mod table;

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;
use warden_model::{Finding, Severity, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    Sarif,
    Ocsf,
    Asff,
    Junit,
    Html,
    Markdown,
}

impl Format {
    pub const NAMES: &'static [&'static str] =
        &["table", "json", "jsonl", "csv", "sarif", "ocsf", "asff", "junit", "html", "markdown"];
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "json" => Format::Json,
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            "sarif" => Format::Sarif,
            "ocsf" => Format::Ocsf,
            "asff" => Format::Asff,
            "junit" => Format::Junit,
            "html" => Format::Html,
            "markdown" | "md" => Format::Markdown,
            other => return Err(format!("unknown format `{other}`: expected one of {}", Format::NAMES.join(", "))),
        })
    }
}

/// What a run was: shown in headers and machine outputs.
#[derive(Debug, Clone, Serialize)]
pub struct ScanInfo {
    pub tool: String,
    pub tool_version: String,
    /// When the findings were produced.
    pub generated_at: DateTime<Utc>,
    /// Where the data came from (a snapshot path, `aws`, a log directory, …).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<DateTime<Utc>>,
    pub accounts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Warnings the user should see (expired mutelist rules, unsupported rules, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Framework views of the findings, for the formats that show them (HTML, Markdown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<warden_model::compliance::ComplianceReport>,
}

impl ScanInfo {
    pub fn new(source: impl Into<String>, generated_at: DateTime<Utc>) -> Self {
        ScanInfo {
            tool: "warden".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            generated_at,
            source: source.into(),
            collected_at: None,
            accounts: Vec::new(),
            framework: None,
            notes: Vec::new(),
            compliance: Vec::new(),
        }
    }
}

/// Options that only the human formats use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub color: bool,
    /// Show PASS rows in the table (machine formats always carry every finding).
    pub show_pass: bool,
    /// Terminal width for wrapping, when known.
    pub width: Option<u16>,
}

/// Counts by status, and FAIL counts by severity.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub total: usize,
    pub by_status: BTreeMap<Status, usize>,
    pub failed_by_severity: BTreeMap<Severity, usize>,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary { total: findings.len(), ..Default::default() };
        for f in findings {
            *s.by_status.entry(f.status).or_default() += 1;
            if f.status == Status::Fail {
                *s.failed_by_severity.entry(f.severity).or_default() += 1;
            }
        }
        s
    }

    pub fn count(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// True when the reader went away (e.g. `| head`): not an error for a CLI.
    pub fn is_broken_pipe(&self) -> bool {
        use std::io::ErrorKind::BrokenPipe;
        match self {
            Error::Io(e) => e.kind() == BrokenPipe,
            Error::Csv(e) => matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe),
            Error::Json(e) => e.io_error_kind() == Some(BrokenPipe),
        }
    }
}

/// Writes `findings` in `format`.
pub fn render(
    format: Format,
    scan: &ScanInfo,
    findings: &[Finding],
    opts: &Options,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        Format::Table => table::render(scan, findings, opts, out),
        Format::Json => json::render(scan, findings, out),
        Format::Jsonl => json::render_lines(findings, out),
        Format::Csv => csv_out::render(findings, out),
        Format::Sarif => sarif::render(scan, findings, out),
        Format::Ocsf => ocsf::render(scan, findings, out),
        Format::Asff => asff::render(scan, findings, out),
        Format::Junit => junit::render(scan, findings, out),
        Format::Html => html::render(scan, findings, out),
        Format::Markdown => markdown::render(scan, findings, out),
    }?;
    out.flush()?;
    Ok(())
}

/// Compliance as `framework:req;framework:req` for flat formats.
pub(crate) fn compliance_flat(f: &Finding) -> String {
    f.compliance
        .iter()
        .flat_map(|(fw, reqs)| reqs.iter().map(move |r| format!("{fw}:{r}")))
        .collect::<Vec<_>>()
        .join(";")
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
