//! `warden detect`: threat detection over CloudTrail and VPC flow logs.
//!
//! The work is in `warden-detect`; this module turns flags into options, reports input
//! problems and unsupported rules on stderr, and hands findings back for rendering.

use anyhow::{Context, bail};
use std::path::PathBuf;
use warden_detect::iprange::IpSet;
use warden_detect::reader::{ReadLimits, STDIN};
use warden_detect::stateful::{StatefulConfig, catalogue};
use warden_detect::{DetectOptions, Detector, RuleSet, add_builtin};
use warden_model::Finding;

/// Threat detection over CloudTrail logs and VPC flow logs.
#[derive(Debug, Clone, clap::Args)]
pub struct DetectArgs {
    /// CloudTrail files or directories (delivery files, JSON arrays, JSON Lines; `.gz` too);
    /// `-` reads standard input; `s3://bucket/prefix` reads a trail's bucket.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// VPC flow log files or directories (default v2 format, or custom with a header line),
    /// or `s3://bucket/prefix`.
    #[arg(long = "flow-logs", value_name = "PATH")]
    pub flow_logs: Vec<PathBuf>,
    /// For `s3://` inputs: AWS profile (default: the standard credential chain).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// For `s3://` inputs: the region to start from (the bucket's own is looked up).
    #[arg(long)]
    pub region: Option<String>,
    /// For `s3://` inputs: send requests to this endpoint (an emulator); also AWS_ENDPOINT_URL.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Extra Sigma rules: a file or a directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Run only the rules given with `--rules`, not the built-in pack.
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Only events at or after this time: RFC 3339 (`2024-05-01T00:00:00Z`) or an age (`90m`, `24h`, `7d`).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time (same forms as `--since`).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// List the rules and stateful detectors (and any rule that could not be loaded, with why).
    #[arg(long)]
    pub list_rules: bool,
    /// Turn off the stateful detectors.
    #[arg(long)]
    pub no_stateful: bool,
    /// Learning period for "never seen before" detectors, from the first event (`7d`, `12h`).
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub baseline: String,
    /// AWS IP ranges (one CIDR per line) for the instance-credential detector; defaults to the shipped list.
    #[arg(long, value_name = "FILE")]
    pub aws_ranges: Option<PathBuf>,
    /// Addresses or CIDR blocks to flag in CloudTrail callers and flow logs (one per line).
    #[arg(long, value_name = "FILE")]
    pub threat_list: Option<PathBuf>,
    /// Distinct destination ports from one source to one host that make a port scan.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub scan_ports: usize,
    /// Connections to port 22 or 3389 from one source within the scan window that make a brute force.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub brute_force: usize,
    /// Bytes from one private address to the internet within an hour that are flagged.
    #[arg(long, value_name = "BYTES", default_value_t = 5 << 30)]
    pub outbound_bytes: u64,
    /// Largest decompressed input file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_file_bytes: u64,
    /// Largest single record, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_record_bytes: usize,
}

/// What `run` produced.
#[derive(Debug)]
pub enum DetectOutcome {
    Findings(Vec<Finding>),
    /// `--list-rules` printed its own listing.
    Printed,
}

fn duration_secs(s: &str) -> anyhow::Result<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().with_context(|| format!("`{s}` is not a duration such as `90m`, `24h` or `7d`"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => bail!("`{s}`: unknown unit `{unit}` (use s, m, h, d or w)"),
    };
    Ok(n.saturating_mul(mult))
}

/// The inputs with every `s3://` location replaced by a local copy of its objects (under
/// `dest`), keeping only keys whose delivery day can hold events of the window.
fn fetch_s3(
    args: &DetectArgs,
    inputs: &[PathBuf],
    dest: &std::path::Path,
    (since, until): (Option<i64>, Option<i64>),
) -> anyhow::Result<Vec<PathBuf>> {
    use warden_aws::s3_logs::{S3Url, fetch_blocking, key_day};
    let day = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.date_naive());
    // Files are delivered within minutes, so a key's day may run one day behind its events.
    let first = since.and_then(day).and_then(|d| d.pred_opt());
    let last = until.and_then(day).and_then(|d| d.succ_opt());
    let keep = move |key: &str| match key_day(key) {
        Some(d) => first.is_none_or(|f| d >= f) && last.is_none_or(|l| d <= l),
        None => true,
    };
    let mut out = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let Some(url) = input.to_str().and_then(S3Url::parse) else {
            out.push(input.clone());
            continue;
        };
        let live = crate::live::LiveArgs {
            profile: args.profile.clone(),
            regions: args.region.iter().cloned().collect(),
            endpoint_url: args.endpoint_url.clone().filter(|e| !e.is_empty()),
            max_attempts: 5,
            request_timeout: 60.0,
            api_concurrency: 8,
            account_concurrency: 1,
            ..Default::default()
        };
        let to = dest.join(i.to_string());
        let got = fetch_blocking(&crate::live::options(&live)?, &url, &to, &keep, args.max_file_bytes)?;
        for f in &got.failures {
            eprintln!("warning: {f}");
        }
        for f in &got.oversize {
            eprintln!("warning: s3://{}/{f} is larger than --max-file-bytes: not read", url.bucket);
        }
        eprintln!(
            "detect: s3://{}/{}: {} objects ({} bytes) read, {} outside the time window or digests",
            url.bucket, url.prefix, got.objects, got.bytes, got.skipped
        );
        if got.objects > 0 {
            out.push(to);
        }
    }
    Ok(out)
}

pub(crate) fn time_arg(s: &str, flag: &str) -> anyhow::Result<i64> {
    if let Some(t) = warden_detect::event::parse_time(s) {
        return Ok(t);
    }
    let age = duration_secs(s).with_context(|| format!("`--{flag}` takes an RFC 3339 time or an age, got `{s}`"))?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    Ok(i64::try_from(now).unwrap_or(i64::MAX) - age)
}

fn ip_file(path: &PathBuf, what: &str) -> anyhow::Result<IpSet> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    let (set, bad) = IpSet::parse(&text);
    for (line, t) in bad {
        eprintln!("warning: {what} `{}`, line {line}: `{t}` is not an address or CIDR block; ignored", path.display());
    }
    Ok(set)
}

fn load_rules(args: &DetectArgs) -> anyhow::Result<RuleSet> {
    let mut set = RuleSet::new();
    if !args.no_builtin_rules {
        add_builtin(&mut set);
    }
    for dir in &args.rules {
        set.add_path(dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    set.finish();
    Ok(set)
}

fn list(set: &RuleSet, cfg: &StatefulConfig) {
    println!("{:<52} {:<9} {:<10} ATT&CK", "ID", "LEVEL", "KIND");
    for r in set.rules() {
        let kind = if r.generate { "sigma" } else { "sigma-step" };
        println!(
            "{:<52} {:<9} {:<10} {}",
            r.id,
            r.level.as_str(),
            kind,
            warden_detect::hit::attack_ids(&r.tags).join(",")
        );
    }
    for c in set.correlations() {
        println!(
            "{:<52} {:<9} {:<10} {}",
            c.id,
            c.level.as_str(),
            "correlation",
            warden_detect::hit::attack_ids(&c.tags).join(",")
        );
    }
    for m in catalogue() {
        let kind = if m.id == "warden_instance_credentials_outside_aws" && cfg.aws_ranges.is_empty() {
            "inactive"
        } else {
            "stateful"
        };
        println!(
            "{:<52} {:<9} {:<10} {}",
            m.id,
            m.level.as_str(),
            kind,
            warden_detect::hit::attack_ids(&m.tags).join(",")
        );
    }
    let bad: Vec<_> = set.status().iter().filter(|s| s.unsupported.is_some()).collect();
    if !bad.is_empty() {
        println!("\nNot loaded ({}):", bad.len());
        for s in bad {
            println!("  {} ({}): {}", s.rule, s.file.display(), s.unsupported.as_deref().unwrap_or_default());
        }
    }
    let loaded = set.status().iter().filter(|s| s.unsupported.is_none()).count();
    println!("\n{loaded} rules loaded, {} stateful detectors", catalogue().len());
}

/// Runs `warden detect`.
pub fn run(args: &DetectArgs) -> anyhow::Result<DetectOutcome> {
    let set = load_rules(args)?;
    let mut stateful = StatefulConfig {
        baseline_secs: duration_secs(&args.baseline).context("`--baseline`")?,
        port_scan_ports: args.scan_ports.max(1),
        brute_force_attempts: args.brute_force.max(1),
        outbound_bytes: args.outbound_bytes,
        ..StatefulConfig::default()
    };
    stateful.aws_ranges = match &args.aws_ranges {
        Some(p) => ip_file(p, "AWS ranges file")?,
        None => IpSet::parse(warden_detect::iprange::AWS_RANGES).0,
    };
    if let Some(p) = &args.threat_list {
        stateful.threat_list = ip_file(p, "threat list")?;
    }
    if args.list_rules {
        list(&set, &stateful);
        return Ok(DetectOutcome::Printed);
    }
    for s in set.status().iter().filter(|s| s.unsupported.is_some()) {
        eprintln!(
            "warning: rule `{}` ({}) not loaded: {}",
            s.rule,
            s.file.display(),
            s.unsupported.as_deref().unwrap_or_default()
        );
    }
    if args.paths.is_empty() && args.flow_logs.is_empty() {
        bail!("nothing to read: give CloudTrail paths (or `-` for stdin) and/or `--flow-logs PATH`");
    }
    let since = args.since.as_deref().map(|s| time_arg(s, "since")).transpose()?;
    let until = args.until.as_deref().map(|s| time_arg(s, "until")).transpose()?;
    // Objects in S3 are copied to a scratch directory first, removed when `scratch` drops.
    let scratch = tempfile::Builder::new().prefix("warden-detect-").tempdir()?;
    let paths = fetch_s3(args, &args.paths, &scratch.path().join("cloudtrail"), (since, until))?;
    let flow_logs = fetch_s3(args, &args.flow_logs, &scratch.path().join("flow-logs"), (since, until))?;
    for p in paths.iter().chain(&flow_logs) {
        if p.as_os_str() != STDIN && !p.exists() {
            bail!("`{}` does not exist", p.display());
        }
    }
    let opts = DetectOptions {
        since,
        until,
        limits: ReadLimits {
            max_file_bytes: args.max_file_bytes,
            max_record_bytes: args.max_record_bytes.max(1),
            ..ReadLimits::default()
        },
        stateful,
        no_stateful: args.no_stateful,
    };
    let mut detector = Detector::new(set, opts);
    if !paths.is_empty() {
        detector.read_cloudtrail(&paths);
    }
    if !flow_logs.is_empty() {
        detector.read_flow_logs(&flow_logs);
    }
    let out = detector.finish();
    for e in &out.errors {
        eprintln!("warning: {e}");
    }
    eprintln!(
        "detect: {} files, {} events ({} in range), {} flow records, {} findings",
        out.stats.files,
        out.stats.events,
        out.stats.events_in_range,
        out.stats.flow_records,
        out.findings.len()
    );
    Ok(DetectOutcome::Findings(out.findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: DetectArgs,
    }

    fn parse(argv: &[&str]) -> DetectArgs {
        Cli::try_parse_from(std::iter::once("detect").chain(argv.iter().copied())).unwrap().args
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(duration_secs("90m").unwrap(), 5400);
        assert_eq!(duration_secs("7d").unwrap(), 604_800);
        assert!(duration_secs("7y").is_err());
        assert_eq!(time_arg("2023-07-10T11:45:12Z", "since").unwrap(), 1_688_989_512);
        assert!(time_arg("yesterday", "since").is_err());
    }

    #[test]
    fn runs_over_the_invictus_sample() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cloudtrail/invictus");
        let args = parse(&[dir, "--since", "2023-07-10T00:00:00Z"]);
        let DetectOutcome::Findings(f) = run(&args).unwrap() else { panic!("expected findings") };
        assert!(f.iter().any(|f| f.check_id == "warden_organizations_leave"));
        let args = parse(&[dir, "--until", "2023-07-10T00:00:00Z"]);
        let DetectOutcome::Findings(f) = run(&args).unwrap() else { panic!("expected findings") };
        assert!(f.is_empty());
        assert!(matches!(run(&parse(&["--list-rules"])).unwrap(), DetectOutcome::Printed));
        assert!(run(&parse(&[])).is_err());
        assert!(run(&parse(&["/nonexistent/path"])).is_err());
    }
}
