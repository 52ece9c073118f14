//! The collection plan: identify the caller, pick accounts and regions, then run every
//! (account, region, service) unit concurrently under the per-service bounds.

use crate::ctx::Ctx;
use crate::error::{CollectError, FailureGroup, Ledger};
use crate::record::{CallRecorder, RecordedCall};
use crate::{apps, backup, ec2, frontends, iam, kms, monitoring, org, s3, storage, trail};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use futures::StreamExt;
use futures::future::join_all;
use std::sync::Arc;
use std::time::Duration;
use warden_model::inventory::Account;
use warden_model::{Inventory, Observed, Snapshot, Unknown, UnknownKind};

/// Services collected once per account and once per region, for progress accounting.
const GLOBAL_UNITS: u64 = 2;
const REGIONAL_UNITS: u64 = 6;

/// Progress reports: units of work are (account × region × service).
pub trait ProgressSink: Send + Sync {
    /// More units became known (after accounts and regions are discovered).
    fn plan(&self, units: u64);
    /// One unit finished, e.g. `123456789012 us-east-1 ec2`.
    fn done(&self, unit: &str);
}

/// How to collect.
#[derive(Clone)]
pub struct Options {
    pub profile: Option<String>,
    /// Regions to scan; empty means the configured region.
    pub regions: Vec<String>,
    /// Scan every region enabled for the account (`ec2:DescribeRegions`).
    pub all_regions: bool,
    pub endpoint_url: Option<String>,
    /// Role to assume in every active account of the organization.
    pub org_role: Option<String>,
    /// Attempts per request, the first included (adaptive retry mode).
    pub max_attempts: u32,
    /// Time allowed for one attempt of one request.
    pub attempt_timeout: Duration,
    /// In-flight requests per service and account.
    pub per_service: usize,
    /// Accounts collected at the same time.
    pub accounts_in_parallel: usize,
    pub progress: Option<Arc<dyn ProgressSink>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            endpoint_url: None,
            org_role: None,
            max_attempts: 5,
            attempt_timeout: Duration::from_secs(20),
            per_service: 8,
            accounts_in_parallel: 4,
            progress: None,
        }
    }
}

/// What a collection produced.
pub struct Collection {
    pub snapshot: Snapshot,
    /// Failed reads grouped by kind and error code, largest group first.
    pub failures: Vec<FailureGroup>,
    /// Accounts of an organization that could not be entered, one line each.
    pub account_failures: Vec<String>,
    /// Every operation called, as IAM actions.
    pub calls: Vec<RecordedCall>,
}

impl Collection {
    /// The end-of-scan summary: one line per group of failed reads, then per account.
    pub fn summary(&self) -> Vec<String> {
        self.account_failures.iter().cloned().chain(self.failures.iter().map(ToString::to_string)).collect()
    }
}

/// Runs a collection on a fresh multi-threaded runtime.
pub fn collect_blocking(opts: &Options) -> Result<Collection, CollectError> {
    block_on(collect(opts))?
}

/// Runs `fut` to completion on a fresh multi-threaded runtime.
pub(crate) fn block_on<F: std::future::Future>(fut: F) -> Result<F::Output, CollectError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CollectError::Runtime(e.to_string()))?;
    Ok(rt.block_on(fut))
}

/// For one-off work outside a collection (an export, a log download): the SDK
/// configuration the options describe, a context with one request in flight per service,
/// and who the credentials belong to.
pub(crate) async fn session(opts: &Options) -> Result<(SdkConfig, Ctx, Caller), CollectError> {
    let sdk = base_config(opts).await;
    let custom = opts.endpoint_url.is_some() || sdk.endpoint_url().is_some();
    let ctx = Ctx::new(
        String::new(),
        "aws".into(),
        sdk.clone(),
        CallRecorder::default(),
        Arc::new(Ledger::default()),
        custom,
        1,
    );
    let me = caller(&ctx).await.map_err(CollectError::Identity)?;
    Ok((sdk, ctx, me))
}

pub(crate) async fn base_config(opts: &Options) -> SdkConfig {
    let retry = RetryConfig::adaptive()
        .with_max_attempts(opts.max_attempts.max(1))
        .with_initial_backoff(Duration::from_millis(500))
        .with_max_backoff(Duration::from_secs(20));
    let attempts = opts.max_attempts.max(1);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5).min(opts.attempt_timeout))
        .operation_attempt_timeout(opts.attempt_timeout)
        .operation_timeout(opts.attempt_timeout * attempts + Duration::from_secs(20) * attempts)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = opts.regions.first() {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &opts.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

/// Collects the estate the options describe.
pub async fn collect(opts: &Options) -> Result<Collection, CollectError> {
    let started = chrono::Utc::now();
    let sdk = base_config(opts).await;
    let home = sdk.region().map(|r| r.to_string()).ok_or(CollectError::NoRegion)?;
    let recorder = CallRecorder::default();
    let ledger = Arc::new(Ledger::default());
    let custom_endpoint = opts.endpoint_url.is_some() || sdk.endpoint_url().is_some();
    let make_ctx = |id: String, partition: String, sdk: SdkConfig| {
        Arc::new(Ctx::new(id, partition, sdk, recorder.clone(), ledger.clone(), custom_endpoint, opts.per_service))
    };

    let probe = make_ctx(String::new(), "aws".into(), sdk.clone());
    let (account_id, partition) = identify(&probe).await.map_err(CollectError::Identity)?;
    let caller = make_ctx(account_id.clone(), partition.clone(), sdk.clone());

    let regions: Vec<String> = if opts.all_regions {
        match ec2::enabled_regions(&caller, &home).await {
            Observed::Known(r) if !r.is_empty() => r,
            Observed::Known(_) => vec![home.clone()],
            Observed::Unknown(u) => {
                tracing::warn!("cannot list enabled regions ({u}); scanning {home} only");
                vec![home.clone()]
            }
        }
    } else if opts.regions.is_empty() {
        vec![home.clone()]
    } else {
        opts.regions.clone()
    };

    let mut account_failures = Vec::new();
    let members = match &opts.org_role {
        None => vec![org::Member { id: account_id.clone(), name: None }],
        Some(_) => org::active_accounts(&caller).await.map_err(CollectError::Organization)?,
    };
    if let Some(p) = &opts.progress {
        p.plan(members.len() as u64 * (GLOBAL_UNITS + REGIONAL_UNITS * regions.len() as u64));
    }

    let jobs = members.into_iter().map(|m| {
        let caller = caller.clone();
        let regions = &regions;
        let sdk = &sdk;
        let partition = &partition;
        let make_ctx = &make_ctx;
        async move {
            let ctx = match &opts.org_role {
                Some(role) if m.id != caller.account_id => {
                    let assumed = org::assumed(sdk, partition, &m.id, role).await;
                    let ctx = make_ctx(m.id.clone(), partition.clone(), assumed);
                    if let Err(e) = identify(&ctx).await {
                        let why = format!("account {}: cannot assume role `{role}`: {e}", m.id);
                        if let Some(p) = &opts.progress {
                            for _ in 0..GLOBAL_UNITS + REGIONAL_UNITS * regions.len() as u64 {
                                p.done(&m.id);
                            }
                        }
                        let u = Unknown { kind: UnknownKind::AccessDenied, message: why.clone() };
                        return (unreachable_account(&m, partition, u), Some(why));
                    }
                    ctx
                }
                _ => caller,
            };
            let mut account = collect_account(&ctx, regions, opts.progress.as_deref()).await;
            account.name = m.name.clone();
            (account, None)
        }
    });
    let mut accounts = Vec::new();
    let all_accounts = async {
        let mut stream = futures::stream::iter(jobs).buffer_unordered(opts.accounts_in_parallel.max(1));
        while let Some((account, failure)) = stream.next().await {
            accounts.push(account);
            account_failures.extend(failure);
        }
    };
    let ((), organization) = tokio::join!(all_accounts, org::structure(&caller));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    account_failures.sort();

    let snapshot = Snapshot::new("aws", started, Inventory { accounts, organization });
    Ok(Collection { snapshot, failures: ledger.groups(), account_failures, calls: recorder.calls() })
}

/// Who the credentials belong to.
pub(crate) struct Caller {
    pub account: String,
    pub partition: String,
    pub arn: String,
}

/// The caller's account id, partition and ARN (`sts:GetCallerIdentity`).
pub(crate) async fn caller(ctx: &Ctx) -> Result<Caller, String> {
    let sts = ctx.sts();
    match ctx.call("sts:GetCallerIdentity", &[], sts.get_caller_identity().send()).await {
        Ok(Some(o)) => {
            let account = o.account().unwrap_or_default().to_owned();
            let arn = o.arn().unwrap_or_default().to_owned();
            let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws").to_owned();
            if account.is_empty() {
                Err("the answer carried no account id".into())
            } else {
                Ok(Caller { account, partition, arn })
            }
        }
        Ok(None) => Err("no answer".into()),
        Err(u) => Err(u.message),
    }
}

/// The caller's account id and partition.
async fn identify(ctx: &Ctx) -> Result<(String, String), String> {
    caller(ctx).await.map(|c| (c.account, c.partition))
}

async fn collect_account(ctx: &Ctx, regions: &[String], progress: Option<&dyn ProgressSink>) -> Account {
    let done = |what: &str| {
        if let Some(p) = progress {
            p.done(what);
        }
    };
    let id = ctx.account_id.as_str();
    let global = async {
        let mut a = Account::default();
        iam::collect(ctx, &mut a).await;
        done(&format!("{id} iam"));
        a
    };
    let buckets = async {
        let s = tokio::join!(s3::collect(ctx), frontends::cloudfront(ctx));
        done(&format!("{id} s3, cloudfront"));
        s
    };
    let regional = join_all(regions.iter().map(|r| async move {
        let ec2 = async {
            let x = ec2::collect(ctx, r).await;
            done(&format!("{id} {r} ec2"));
            x
        };
        let kms = async {
            let x = kms::collect(ctx, r).await;
            done(&format!("{id} {r} kms"));
            x
        };
        let trails = async {
            let x = trail::collect(ctx, r).await;
            done(&format!("{id} {r} cloudtrail"));
            x
        };
        let watch = async {
            let x = monitoring::collect(ctx, r).await;
            done(&format!("{id} {r} monitoring"));
            x
        };
        let data = async {
            let x = tokio::join!(
                storage::rds(ctx, r),
                storage::efs(ctx, r),
                frontends::elb(ctx, r),
                frontends::macie(ctx, r),
                monitoring::guardduty(ctx, r),
                storage::secrets(ctx, r),
                storage::certificates(ctx, r),
                backup::collect(ctx, r),
            );
            done(&format!("{id} {r} data stores, backups, front ends, detection"));
            x
        };
        let app_services = async {
            let x = tokio::join!(apps::lambda(ctx, r), apps::sqs(ctx, r), apps::ecr(ctx, r), apps::dynamodb(ctx, r));
            done(&format!("{id} {r} lambda, sqs, ecr, dynamodb"));
            x
        };
        let (ec2, kms, cloudtrail, m, (rds, efs, elb, macie, guardduty, secretsmanager, acm, backup), app) =
            tokio::join!(ec2, kms, trails, watch, data, app_services);
        let (lambda, sqs, ecr, dynamodb) = app;
        warden_model::inventory::Region {
            name: r.clone(),
            ec2,
            kms,
            cloudtrail,
            logs: m.logs,
            cloudwatch: m.cloudwatch,
            sns: m.sns,
            config: m.config,
            securityhub: m.securityhub,
            access_analyzer: m.access_analyzer,
            rds,
            efs,
            elb,
            macie,
            guardduty,
            secretsmanager,
            acm,
            backup,
            lambda,
            sqs,
            ecr,
            dynamodb,
        }
    }));
    let (mut account, (s3, cloudfront), regions_out) = tokio::join!(global, buckets, regional);
    account.id = ctx.account_id.clone();
    account.partition = ctx.partition.clone();
    account.regions_in_use = regions.to_vec();
    account.s3 = s3;
    account.cloudfront = cloudfront;
    account.regions = regions_out;
    account
}

/// An organization member we could not enter: every account-wide value carries why.
fn unreachable_account(m: &org::Member, partition: &str, u: Unknown) -> Account {
    let mut a =
        Account { id: m.id.clone(), partition: partition.to_owned(), name: m.name.clone(), ..Account::default() };
    a.alias = Observed::Unknown(u.clone());
    a.contacts = Observed::Unknown(u.clone());
    a.password_policy = Observed::Unknown(u.clone());
    a.credential_report = Observed::Unknown(u.clone());
    a.summary = Observed::Unknown(u.clone());
    a.iam.users = Observed::Unknown(u.clone());
    a.iam.groups = Observed::Unknown(u.clone());
    a.iam.roles = Observed::Unknown(u.clone());
    a.iam.policies = Observed::Unknown(u.clone());
    a.iam.saml_providers = Observed::Unknown(u.clone());
    a.iam.oidc_providers = Observed::Unknown(u.clone());
    a.iam.server_certificates = Observed::Unknown(u.clone());
    a.iam.virtual_mfa_devices = Observed::Unknown(u.clone());
    a.s3.buckets = Observed::Unknown(u.clone());
    a.s3.account_public_access_block = Observed::Unknown(u.clone());
    a.cloudfront.distributions = Observed::Unknown(u.clone());
    a
}
