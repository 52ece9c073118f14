//! Live collection from AWS (issue 4). The `warden-aws` crate does the work; this
//! module is the CLI's side of it: the flags, and one blocking entry point.

use clap::Args;
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
}

/// What a live collection produced: the snapshot, and one line per group of failed
/// reads (e.g. "12 reads denied: kms:GetKeyRotationStatus …") for the end-of-scan note.
pub struct LiveOutcome {
    pub snapshot: Snapshot,
    pub failures: Vec<String>,
}

/// Collects the estate the flags describe. Blocking.
pub fn collect(_args: &LiveArgs) -> anyhow::Result<LiveOutcome> {
    anyhow::bail!("no estate given: pass `--snapshot FILE` (or `--example`); live collection from AWS is not built yet")
}
