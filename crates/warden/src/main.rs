//! `warden`: one binary for AWS posture checks, IAM reasoning and threat detection.
//!
//! Each subcommand is a function returning an exit code, so the surface CI scripts
//! against stays predictable: 0 ran clean, 1 findings at or above `--fail-on`, 2 usage
//! or runtime error. Errors print as one line on stderr; a closed pipe is not an error.

mod audit;
mod cli;
mod commands;
mod detect_cmd;
mod fix_cmd;
mod iam_cmd;
// Always compiled (and tested); the `lambda` feature adds its entry points.
#[cfg_attr(not(feature = "lambda"), allow(dead_code))]
mod lambda;
mod live;
mod output;
mod respond_cmd;
mod respond_event;
mod respond_live;
mod securityhub;
mod store_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Started by the Lambda runtime as `bootstrap`: serve events (docs/respond.md).
    #[cfg(feature = "lambda")]
    if lambda::invoked_as_bootstrap() {
        init_logging();
        return match lambda::run() {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("error: {}", one_line(&e));
                ExitCode::from(2)
            }
        };
    }
    let cli = cli::Cli::parse();
    init_logging();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.downcast_ref::<warden_report::Error>().is_some_and(warden_report::Error::is_broken_pipe)
                || e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, without a backtrace.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// Logs go to stderr, filtered by `WARDEN_LOG` (e.g. `WARDEN_LOG=debug`); quiet by default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
