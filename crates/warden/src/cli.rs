//! The command line, defined once: help, man page and completions all come from here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "warden", version, about = "Secure an AWS estate: posture checks, IAM reasoning, threat detection", long_about = None)]
pub struct Cli {
    /// Colour in human output: auto (when a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run posture checks on an estate and report findings.
    Scan(ScanArgs),
    /// Write a snapshot of an estate (re-encode one, e.g. to `.zst`).
    Collect(CollectArgs),
    /// Write the bundled fictional estate (or a large one for benchmarks) as a snapshot.
    Example(ExampleArgs),
    /// Judge an estate against one framework: each requirement's status, the findings
    /// behind it, and a score.
    Compliance(ComplianceArgs),
    /// List the checks Warden runs.
    Checks {
        #[command(subcommand)]
        action: ListAction,
    },
    /// List the compliance frameworks Warden maps.
    Frameworks {
        #[command(subcommand)]
        action: ListAction,
    },
    /// Print a JSON schema: the snapshot format or a finding.
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Snapshot)]
        kind: SchemaKind,
    },
    /// Hunt through CloudTrail and VPC flow logs: Sigma rules and stateful detectors.
    Detect(DetectCmd),
    /// Network analyses: what the internet can reach, hop by hop.
    Net {
        #[command(subcommand)]
        action: NetAction,
    },
    /// Evaluate IAM policies exactly as AWS does: simulate, who-can, what-can, lint.
    Iam(crate::iam_cmd::IamArgs),
    /// Measure a full scan of a generated estate (time per phase, peak memory).
    Bench(BenchArgs),
    #[command(flatten)]
    Store(crate::store_cmd::StoreCommand),
    /// Remediate FAIL findings: plan the exact API calls, apply them (audited), undo one.
    Fix {
        #[command(subcommand)]
        action: crate::fix_cmd::FixCommand,
    },
    /// Respond to an incident: run a playbook on a target, or decide from an EventBridge
    /// event (GuardDuty, Security Hub, CloudTrail, Config) and a policy what to run.
    Respond(crate::respond_event::RespondArgs),
    /// Run as an AWS Lambda function: each EventBridge event is answered as
    /// `respond --event` would (policy from WARDEN_POLICY or WARDEN_POLICY_FILE, apply
    /// with WARDEN_APPLY=true).
    #[cfg(feature = "lambda")]
    Lambda,
    /// The audit log of changes Warden made to AWS accounts.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Forensic evidence bundles written by `warden respond`.
    Evidence {
        #[command(subcommand)]
        action: EvidenceAction,
    },
    /// Generate shell completions or the man page.
    Generate {
        #[arg(value_enum)]
        what: GenerateKind,
    },
}

#[derive(Subcommand, Debug)]
pub enum ListAction {
    /// One line each (or JSON with --json).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum EvidenceAction {
    /// Check a bundle against its manifest: every file present and unchanged, nothing
    /// added, entries in order and chained. Exit 0 intact, 1 with the first problem.
    Verify {
        /// The bundle directory.
        dir: PathBuf,
        /// The manifest head the audit record kept (`evidence.manifest_head`): proves the
        /// last entry too.
        #[arg(long, value_name = "SHA256")]
        head: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check that no record was removed or edited (each carries the hash of the one before).
    Verify {
        /// The log; default: `audit.jsonl` beside the history database.
        #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
        audit_log: Option<PathBuf>,
    },
    /// Print the log's records (JSON lines).
    Show {
        /// The log; default: `audit.jsonl` beside the history database.
        #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
        audit_log: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum NetAction {
    /// Every port reachable from 0.0.0.0/0 or ::/0, per network interface, load balancer
    /// listener (and the targets behind it) and RDS DB instance, with the gateway, route,
    /// network ACL, security group rule and listener that let it through.
    Exposure {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum SchemaKind {
    Snapshot,
    Finding,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum GenerateKind {
    Bash,
    Zsh,
    Fish,
    Man,
}

/// Where the estate comes from.
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Read the estate from a snapshot file (JSON or .zst; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Use the bundled example estate, generated in memory.
    #[arg(long, conflicts_with = "snapshot")]
    pub example: bool,
    /// With neither of the above: read the estate live from AWS.
    #[command(flatten)]
    pub live: crate::live::LiveArgs,
}

/// How findings are chosen, rendered and turned into an exit code.
#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', default_value = "table", value_parser = parse_format)]
    pub format: warden_report::Format,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a FAIL finding has at least this severity (`none`: never).
    #[arg(long, default_value = "info", value_name = "SEVERITY", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// Only report findings with these statuses (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    pub status: Vec<warden_model::Status>,
    /// Show PASS rows in the table too.
    #[arg(long)]
    pub show_pass: bool,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only checks whose id matches one of these globs (comma-separated), e.g. `s3_*`.
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Only checks of these severities (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<warden_model::Severity>,
    /// Only the checks a framework maps, plus MANUAL findings for its uncovered requirements.
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,
    /// Mute findings matched by the rules of this YAML file.
    #[arg(long, value_name = "FILE")]
    pub mutelist: Option<PathBuf>,
    /// Measure ages (key rotation, unused credentials) from this instant instead of the
    /// snapshot's collection time (RFC 3339, or `now`).
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Accounts trusted besides those of the estate and its organization (comma-separated
    /// 12-digit ids): the `*_exposure` checks pass resources shared only with them.
    #[arg(long = "trusted-accounts", value_name = "ACCOUNT", value_delimiter = ',', value_parser = parse_account_id)]
    pub trusted_accounts: Vec<String>,
    #[command(flatten)]
    pub store: crate::store_cmd::StoreArgs,
    /// Import FAIL, MUTED and ERROR findings into AWS Security Hub (BatchImportFindings in
    /// the `--region`), and archive Warden's findings there that this scan's accounts,
    /// regions and checks no longer report. Writes to the account: the plan is printed
    /// first and an audit record appended.
    #[arg(long)]
    pub to_securityhub: bool,
    /// The audit log changes to AWS are recorded in (JSON lines, hash-chained);
    /// default: `audit.jsonl` beside the history database.
    #[arg(long, value_name = "FILE", env = "WARDEN_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ComplianceArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The framework, e.g. `cis-aws-7.0` (see `warden frameworks list`).
    #[arg(long, value_name = "ID")]
    pub framework: String,
    /// Mute findings matched by the rules of this YAML file.
    #[arg(long, value_name = "FILE")]
    pub mutelist: Option<PathBuf>,
    /// Accounts trusted besides those of the estate and its organization (comma-separated
    /// 12-digit ids): the `*_exposure` checks pass resources shared only with them.
    #[arg(long = "trusted-accounts", value_name = "ACCOUNT", value_delimiter = ',', value_parser = parse_account_id)]
    pub trusted_accounts: Vec<String>,
    /// table, json or csv give the requirements; html and markdown the full report.
    #[arg(long, short = 'f', default_value = "table", value_parser = parse_format)]
    pub format: warden_report::Format,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a requirement fails (`none`: never).
    #[arg(long, default_value = "info", value_name = "SEVERITY", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
}

#[derive(Args, Debug)]
pub struct DetectCmd {
    #[command(flatten)]
    pub detect: crate::detect_cmd::DetectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct CollectArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The snapshot to write (`.zst` compresses; `-` for stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExampleArgs {
    /// The snapshot to write (`.zst` compresses; `-` for stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Generate about this many resources instead of the bundled estate.
    #[arg(long)]
    pub scale: Option<usize>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Number of resources in the generated estate.
    #[arg(long, default_value_t = 50_000)]
    pub scale: usize,
    /// Repetitions of each phase; the best time is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

fn parse_format(s: &str) -> Result<warden_report::Format, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<warden_model::Severity, String> {
    s.parse()
}

fn parse_account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(format!("`{s}` is not a 12-digit account id"))
    }
}

fn parse_status(s: &str) -> Result<warden_model::Status, String> {
    s.parse()
}

/// The `--fail-on` threshold; `None` never fails.
#[derive(Clone, Copy, Debug)]
pub struct FailOn(pub Option<warden_model::Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s.eq_ignore_ascii_case("none") { Ok(FailOn(None)) } else { s.parse().map(|sev| FailOn(Some(sev))) }
}
