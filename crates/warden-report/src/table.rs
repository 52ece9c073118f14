//! The human view: a table of what needs attention, then a one-line summary.

use crate::{Error, Options, ScanInfo, Summary};
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use std::io::Write;
use warden_model::{Finding, Severity, Status};

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Manual => 2,
        Status::Muted => 3,
        Status::Pass => 4,
    }
}

fn status_cell(s: Status, color: bool) -> Cell {
    let cell = Cell::new(s.as_str());
    if !color {
        return cell;
    }
    match s {
        Status::Fail => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Status::Error => cell.fg(Color::Magenta),
        Status::Manual => cell.fg(Color::Cyan),
        Status::Muted => cell.fg(Color::DarkGrey),
        Status::Pass => cell.fg(Color::Green),
    }
}

fn severity_cell(s: Severity, color: bool) -> Cell {
    let cell = Cell::new(s.as_str());
    if !color {
        return cell;
    }
    match s {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Blue),
        Severity::Info => cell,
    }
}

/// `account region resource-id`, the resource id being the ARN's resource part.
fn where_is(f: &Finding) -> String {
    let arn = &f.resource.arn;
    let tail = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    format!("{} {} {}", f.resource.account_id, f.resource.region, tail)
}

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], opts: &Options, out: &mut dyn Write) -> Result<(), Error> {
    let mut rows: Vec<&Finding> = findings.iter().filter(|f| opts.show_pass || f.status != Status::Pass).collect();
    rows.sort_by(|a, b| {
        (status_rank(a.status), std::cmp::Reverse(a.severity), &a.check_id, &a.resource.arn).cmp(&(
            status_rank(b.status),
            std::cmp::Reverse(b.severity),
            &b.check_id,
            &b.resource.arn,
        ))
    });
    let collected =
        scan.collected_at.map(|t| format!(", collected {}", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
    writeln!(out, "warden {} · {}{} · {} account(s)", scan.tool_version, scan.source, collected, scan.accounts.len())?;
    if !rows.is_empty() {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        if opts.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        if let Some(w) = opts.width {
            table.set_content_arrangement(ContentArrangement::Dynamic).set_width(w);
        }
        table.set_header(["Status", "Severity", "Check", "Resource", "Message"]);
        for f in rows {
            table.add_row(vec![
                status_cell(f.status, opts.color),
                severity_cell(f.severity, opts.color),
                Cell::new(&f.check_id),
                Cell::new(where_is(f)),
                Cell::new(&f.message),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    for note in &scan.notes {
        writeln!(out, "note: {note}")?;
    }
    let s = Summary::of(findings);
    let sev: Vec<String> =
        Severity::ALL.iter().filter_map(|sv| s.failed_by_severity.get(sv).map(|n| format!("{n} {sv}"))).collect();
    let sev = if sev.is_empty() { String::new() } else { format!(" ({})", sev.join(", ")) };
    writeln!(
        out,
        "{} findings: {} FAIL{sev}, {} PASS, {} ERROR, {} MANUAL, {} MUTED",
        s.total,
        s.count(Status::Fail),
        s.count(Status::Pass),
        s.count(Status::Error),
        s.count(Status::Manual),
        s.count(Status::Muted),
    )?;
    Ok(())
}
