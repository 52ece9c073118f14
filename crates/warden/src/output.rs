//! Shared by every command that produces findings: filtering, rendering to a file or
//! standard output, and the exit code.

use crate::cli::{ColorChoice, OutputArgs};
use anyhow::Context;
use std::io::{IsTerminal, Write};
use warden_model::{Finding, Status};
use warden_report::{Format, Options, ScanInfo};

/// Whether to colour human output written to standard output.
pub fn use_color(choice: ColorChoice, to_stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Renders findings as asked and returns the exit code: 1 when a FAIL finding reaches
/// the `--fail-on` severity, else 0.
pub fn emit(scan: &ScanInfo, findings: &[Finding], args: &OutputArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let shown: Vec<Finding> = if args.status.is_empty() {
        findings.to_vec()
    } else {
        findings.iter().filter(|f| args.status.contains(&f.status)).cloned().collect()
    };
    let to_stdout = args.output.as_ref().is_none_or(|p| p.as_os_str() == "-");
    let opts = Options {
        color: args.format == Format::Table && use_color(color, to_stdout),
        show_pass: args.show_pass,
        width: if to_stdout && std::io::stdout().is_terminal() {
            terminal_size::terminal_size().map(|(w, _)| w.0)
        } else {
            None
        },
    };
    match args.output.as_ref().filter(|_| !to_stdout) {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write `{}`", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            warden_report::render(args.format, scan, &shown, &opts, &mut out)
                .with_context(|| format!("writing `{}`", path.display()))?;
            out.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            warden_report::render(args.format, scan, &shown, &opts, &mut out)?;
        }
    }
    Ok(exit_code(findings, args))
}

pub fn exit_code(findings: &[Finding], args: &OutputArgs) -> u8 {
    let Some(threshold) = args.fail_on.0 else { return 0 };
    u8::from(findings.iter().any(|f| f.status == Status::Fail && f.severity >= threshold))
}
