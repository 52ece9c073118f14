//! Live collection from AWS (issue 4). The `warden-aws` crate does the work; this
//! module is the CLI's side of it: the flags, the progress bar, and one blocking entry
//! point.

use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use warden_model::Snapshot;

/// Where and how to read a live AWS estate.
#[derive(Args, Debug, Clone, Default)]
pub struct LiveArgs {
    /// AWS profile from the shared config/credentials files (default: the standard chain).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Regions to scan (comma-separated); default: the profile's region.
    #[arg(long = "region", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Scan every region enabled for the account.
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Send every request to this endpoint (an emulator); also read from AWS_ENDPOINT_URL.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Assume this role in every active account of the organization and collect them all.
    #[arg(long, value_name = "NAME")]
    pub org_role: Option<String>,
    /// Attempts per AWS request, the first included (adaptive retry with backoff).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
    /// Seconds allowed for one attempt of one AWS request.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub request_timeout: f64,
    /// AWS requests in flight at once, per service and account.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub api_concurrency: usize,
    /// Accounts collected at the same time (with `--org-role`).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub account_concurrency: usize,
    /// Write the AWS operations called (as IAM actions, JSON) to this file.
    #[arg(long, value_name = "FILE", hide = true)]
    pub record_calls: Option<PathBuf>,
}

/// What a live collection produced: the snapshot, and one line per group of failed
/// reads (e.g. "12 reads denied: kms:GetKeyRotationStatus …") for the end-of-scan note.
pub struct LiveOutcome {
    pub snapshot: Snapshot,
    pub failures: Vec<String>,
}

struct Bar(indicatif::ProgressBar);

impl warden_aws::ProgressSink for Bar {
    fn plan(&self, units: u64) {
        self.0.inc_length(units);
    }
    fn done(&self, unit: &str) {
        self.0.set_message(unit.to_owned());
        self.0.inc(1);
    }
}

/// The SDK-side options the flags describe.
pub fn options(args: &LiveArgs) -> anyhow::Result<warden_aws::Options> {
    if !(args.request_timeout.is_finite() && args.request_timeout > 0.0) {
        anyhow::bail!("`--request-timeout {}` must be a positive number of seconds", args.request_timeout);
    }
    Ok(warden_aws::Options {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        all_regions: args.all_regions,
        endpoint_url: args.endpoint_url.clone().filter(|e| !e.is_empty()),
        org_role: args.org_role.clone(),
        max_attempts: args.max_attempts.max(1),
        attempt_timeout: Duration::from_secs_f64(args.request_timeout),
        per_service: args.api_concurrency.max(1),
        accounts_in_parallel: args.account_concurrency.max(1),
        progress: None,
    })
}

/// Collects the estate the flags describe. Blocking.
pub fn collect(args: &LiveArgs) -> anyhow::Result<LiveOutcome> {
    let bar = crate::commands::progress_bar(0, "account × region × service units");
    let opts = warden_aws::Options { progress: Some(Arc::new(Bar(bar.clone()))), ..options(args)? };
    let collection = warden_aws::collect_blocking(&opts);
    bar.finish_and_clear();
    let collection = collection?;
    if let Some(path) = &args.record_calls {
        let json = serde_json::to_string_pretty(&collection.calls)?;
        std::fs::write(path, json).map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
    }
    let failures = collection.summary();
    Ok(LiveOutcome { snapshot: collection.snapshot, failures })
}
