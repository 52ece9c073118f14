//! `warden iam`: exact IAM policy evaluation with reasons, and the queries built on it.
//!
//! - `simulate --input CASE.json|CASES.jsonl|-`: the case format of `warden_iam::simulate`
//!   (one JSON case, or one per line with one result line out per line, same order);
//! - `simulate --principal ARN --action A --resource R [--context k=v]` over a snapshot or
//!   an `aws iam get-account-authorization-details` file;
//! - `who-can ACTION RESOURCE`, `what-can PRINCIPAL` over the same inputs (`who-can` on a
//!   snapshot evaluates the principals of every account, cross-account rules included);
//! - `lint FILE|-`: Access-Analyzer-style validation;
//! - `paths [--from PRINCIPAL]`: privilege-escalation paths to administrator, hop by hop,
//!   over a snapshot, the example estate or an authorization-details file;
//! - `exposure [--trusted-accounts A,B]`: who outside the estate can reach each bucket,
//!   key, role, snapshot, function, layer, queue, topic, secret, repository, file system
//!   and table (`warden_iam::exposure`, docs/exposure.md);
//! - `generate-policy --principal ARN --cloudtrail PATH...`: the least-privilege policy
//!   for what the principal did in CloudTrail (`warden_iam::generate`); the policy on
//!   stdout and a summary on stderr, or both in one JSON object with `--format json`.
//!
//! Exit codes: 0 ran (and, for single simulations, allowed; for lint, nothing at or above
//! `--fail-on`; for paths, no principal can escalate; for exposure, nothing public or open
//! to an untrusted account); 1 denied / findings at or above `--fail-on` / some principal
//! can escalate / some resource exposed; 2 usage or input error. A
//! closed stdout (broken pipe) is not an error.

use anyhow::{Context, bail};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use warden_iam::lint::{LintFinding, LintSeverity};
use warden_iam::{Authorizer, ContextValue, Decision, DecisionKind, Request};

/// Largest `--input` / policy file read, in bytes.
const MAX_INPUT_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, clap::Args)]
pub struct IamArgs {
    #[command(subcommand)]
    pub command: IamCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[value(alias = "table")]
    Text,
    Json,
}

/// Where principals and policies come from.
#[derive(Debug, Clone, clap::Args)]
pub struct Source {
    /// A Warden snapshot (`warden collect`).
    #[arg(long, value_name = "FILE", conflicts_with = "authz_details")]
    pub snapshot: Option<PathBuf>,
    /// The JSON of `aws iam get-account-authorization-details`.
    #[arg(long = "authz-details", value_name = "FILE")]
    pub authz_details: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum IamCommand {
    /// Evaluate requests exactly as AWS does, with the deciding statements.
    Simulate {
        /// A case file (JSON), a batch (JSON Lines: one case a line), or `-` for stdin.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["principal", "action", "resource"])]
        input: Option<PathBuf>,
        /// The calling principal's ARN (`*` for anonymous).
        #[arg(long, requires_all = ["action", "resource"])]
        principal: Option<String>,
        /// The action, e.g. `s3:GetObject`.
        #[arg(long)]
        action: Option<String>,
        /// The resource ARN.
        #[arg(long)]
        resource: Option<String>,
        /// Account owning the resource, when the ARN does not say.
        #[arg(long, value_name = "ACCOUNT")]
        resource_account: Option<String>,
        /// Request context `key=value`; a JSON list value (`aws:TagKeys=["a","b"]`) is multivalued.
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Which principals may perform ACTION on RESOURCE, each with the granting statements.
    WhoCan {
        action: String,
        resource: String,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// What PRINCIPAL may do: allowed actions and resources, each with the granting statements.
    WhatCan {
        principal: String,
        #[command(flatten)]
        source: Source,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Privilege-escalation paths: which users and roles can become administrator, each
    /// hop with its technique, target and allowing statements (shortest paths first).
    Paths {
        #[command(flatten)]
        source: Source,
        /// Use the bundled example estate, generated in memory.
        #[arg(long, conflicts_with_all = ["snapshot", "authz_details"])]
        example: bool,
        /// Only this principal: an ARN, or a user or role name.
        #[arg(long, value_name = "PRINCIPAL")]
        from: Option<String>,
        /// Also list principals with no path, and those already admin.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Who outside the estate can reach each resource with a policy or sharing list (S3,
    /// KMS, role trust, EBS and RDS snapshots, Lambda, SQS, SNS, Secrets Manager, ECR,
    /// EFS, DynamoDB): public, cross-account, organization-only, with the actions, the
    /// restricting conditions and the allowing statements.
    Exposure {
        #[command(flatten)]
        source: Source,
        /// Use the bundled example estate, generated in memory.
        #[arg(long, conflicts_with_all = ["snapshot", "authz_details"])]
        example: bool,
        /// Accounts trusted besides those of the estate and its organization (comma-separated).
        #[arg(long = "trusted-accounts", value_name = "ACCOUNT", value_delimiter = ',')]
        trusted_accounts: Vec<String>,
        /// Also list resources no outside caller can reach.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Validate a policy document (errors, security warnings, warnings, suggestions).
    Lint {
        /// The policy file, or `-` for stdin.
        file: PathBuf,
        /// Exit 1 when a finding is at or above this severity.
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Least-privilege policy from CloudTrail: the actions PRINCIPAL used, on the
    /// resources it used them on (denied calls and unknown event names are reported).
    GeneratePolicy {
        /// The user or role ARN (a role's assumed-role sessions count as the role).
        #[arg(long)]
        principal: String,
        /// CloudTrail files or directories (delivery files, JSON arrays, JSON Lines; gzip), `-` for stdin.
        #[arg(long = "cloudtrail", value_name = "PATH", required = true, num_args = 1..)]
        cloudtrail: Vec<PathBuf>,
        /// Only events at or after this time (RFC 3339, or an age such as `7d`).
        #[arg(long)]
        since: Option<String>,
        /// Only events before this time (same forms as `--since`).
        #[arg(long)]
        until: Option<String>,
        /// Distinct S3 keys of one folder listed one by one before they collapse to `folder/*`.
        #[arg(long, value_name = "N", default_value_t = 20)]
        max_keys: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
    Never,
}

impl FailOn {
    fn fails(self, s: LintSeverity) -> bool {
        let limit = match self {
            FailOn::Error => LintSeverity::Error,
            FailOn::SecurityWarning => LintSeverity::SecurityWarning,
            FailOn::Warning => LintSeverity::Warning,
            FailOn::Suggestion => LintSeverity::Suggestion,
            FailOn::Never => return false,
        };
        s <= limit
    }
}

/// Runs `warden iam …`; the exit code.
pub fn run(args: IamArgs) -> anyhow::Result<u8> {
    match args.command {
        IamCommand::Simulate { input: Some(path), format, .. } => simulate_file(&path, format),
        IamCommand::Simulate {
            principal: Some(p),
            action,
            resource,
            resource_account,
            context,
            source,
            format,
            ..
        } => {
            let (Some(action), Some(resource)) = (action, resource) else {
                bail!("`--action` and `--resource` are required with `--principal`")
            };
            let auth = authorizer(&source, Some(&p))?;
            let mut req = Request::new(&p, &action, &resource);
            req.resource_account = resource_account;
            req.context = parse_context(&context)?;
            let d = auth.evaluate(&req);
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&d)? + "\n",
                Format::Text => render_decision(&d),
            };
            emit(&text);
            Ok(if d.is_allowed() { 0 } else { 1 })
        }
        IamCommand::Simulate { .. } => bail!("give `--input FILE` or `--principal ARN --action A --resource R`"),
        IamCommand::WhoCan { action, resource, source, format } => {
            let grants = match &source.snapshot {
                // Every account of the snapshot: principals of one account on resources of another.
                Some(path) => estate(path)?.who_can(&action, &resource),
                None => authorizer_for(&source, None, Some(&resource))?.who_can(&action, &resource),
            };
            emit(&render_grants(&grants, format, true)?);
            Ok(0)
        }
        IamCommand::WhatCan { principal, source, format } => {
            let auth = authorizer(&source, Some(&principal))?;
            if !auth.principals().any(|p| p == principal) && !principal.contains(":assumed-role/") {
                bail!("principal `{principal}` is not a user or role of account `{}`", auth.account_id());
            }
            let grants = auth.what_can(&principal);
            emit(&render_grants(&grants, format, false)?);
            Ok(0)
        }
        IamCommand::Paths { source, example, from, all, format } => {
            paths(&source, example, from.as_deref(), all, format)
        }
        IamCommand::Exposure { source, example, trusted_accounts, all, format } => {
            exposure(&source, example, &trusted_accounts, all, format)
        }
        IamCommand::GeneratePolicy { principal, cloudtrail, since, until, max_keys, format } => {
            let options = warden_iam::generate::Options {
                since: since.as_deref().map(|s| crate::detect_cmd::time_arg(s, "since")).transpose()?,
                until: until.as_deref().map(|s| crate::detect_cmd::time_arg(s, "until")).transpose()?,
                max_keys,
            };
            generate_policy(&principal, &cloudtrail, options, format)
        }
        IamCommand::Lint { file, fail_on, format } => {
            let text = read_input(&file)?;
            let findings = warden_iam::lint::lint_text(&text);
            let out = match format {
                Format::Json => serde_json::to_string_pretty(&findings)? + "\n",
                Format::Text => render_lint(&file, &findings),
            };
            emit(&out);
            Ok(if findings.iter().any(|f| fail_on.fails(f.severity)) { 1 } else { 0 })
        }
    }
}

/// Reads every CloudTrail event under `paths` into the generator; unreadable files and
/// broken records are warnings, as in `warden detect`.
fn generate_policy(
    principal: &str,
    paths: &[PathBuf],
    options: warden_iam::generate::Options,
    format: Format,
) -> anyhow::Result<u8> {
    use warden_detect::reader::{ReadLimits, expand_paths, for_each_event, is_cloudtrail_name, read_bytes_into};
    if !principal.starts_with("arn:") {
        bail!("`--principal` must be an ARN, got `{principal}`");
    }
    let limits = ReadLimits::default();
    let mut errors = Vec::new();
    let files = expand_paths(paths, &limits, is_cloudtrail_name, &mut errors);
    let mut generator = warden_iam::generate::Generator::new(principal, options);
    let mut buf = Vec::new();
    for f in &files {
        if let Some(e) = read_bytes_into(f, &limits, &mut buf) {
            errors.push(e);
        }
        for_each_event(&buf, f, &limits, &mut errors, &mut |ev, _| generator.add(&ev.to_json()));
    }
    for e in &errors {
        eprintln!("warning: {e}");
    }
    if files.is_empty() {
        bail!("no CloudTrail file found under the given paths");
    }
    let g = generator.finish();
    let s = &g.summary;
    match format {
        Format::Json => emit(&(serde_json::to_string_pretty(&g)? + "\n")),
        Format::Text => {
            emit(&(serde_json::to_string_pretty(&g.policy)? + "\n"));
            eprintln!(
                "generate-policy: {} event(s) read from {} file(s), {} of `{principal}` ({} outside the time window); {} action(s) granted; {} denied call(s) skipped; {} call(s) need no permission",
                s.events_considered,
                files.len(),
                s.matched,
                s.outside_window,
                s.actions,
                s.denied_skipped,
                s.no_permission_needed
            );
            if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
                eprintln!("generate-policy: events from {a} to {b}");
            }
            for (a, n) in &s.unknown_actions {
                eprintln!("generate-policy: `{a}` ({n} event(s)) is no action of the catalog: not granted");
            }
            for a in &s.unresolved_resources {
                eprintln!("generate-policy: `{a}` granted on `*`: no event said which resource");
            }
        }
    }
    if s.matched == 0 {
        eprintln!("warning: no event of `{principal}` in the input");
    }
    Ok(0)
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    let mut s = String::new();
    if path == Path::new("-") {
        std::io::stdin().lock().take(MAX_INPUT_BYTES).read_to_string(&mut s).context("reading stdin")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
        f.take(MAX_INPUT_BYTES)
            .read_to_string(&mut s)
            .with_context(|| format!("reading `{}` (must be UTF-8 text)", path.display()))?;
    }
    Ok(s)
}

/// Writes to stdout; a closed pipe ends output quietly.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn simulate_file(path: &Path, format: Format) -> anyhow::Result<u8> {
    let text = read_input(path)?;
    // One JSON document is one case; a `.jsonl` file or anything else is JSON Lines.
    let jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    if let Some(v) = serde_json::from_str::<serde_json::Value>(&text).ok().filter(|_| !jsonl) {
        let case = warden_iam::simulate::Case::from_json(&v).with_context(|| format!("case `{}`", path.display()))?;
        let d = case.evaluate();
        let out = match format {
            Format::Json => serde_json::to_string_pretty(&d)? + "\n",
            Format::Text => render_decision(&d),
        };
        emit(&out);
        return Ok(if d.is_allowed() { 0 } else { 1 });
    }
    let mut out = std::io::stdout().lock();
    let mut errors = 0usize;
    for (i, line) in text.as_bytes().lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let (mut v, err) = warden_iam::simulate::run_line(&line);
        if err {
            errors += 1;
            if let Some(o) = v.as_object_mut() {
                o.insert("line".into(), (i + 1).into());
            }
        }
        if writeln!(out, "{v}").is_err() {
            return Ok(0);
        }
    }
    let _ = out.flush();
    if errors > 0 {
        eprintln!("warden iam simulate: {errors} invalid case line(s) in `{}` (see the `error` lines)", path.display());
        return Ok(2);
    }
    Ok(0)
}

fn parse_context(items: &[String]) -> anyhow::Result<warden_iam::Context> {
    let mut c = warden_iam::Context::new();
    for item in items {
        let Some((k, v)) = item.split_once('=') else { bail!("`--context {item}`: expected `key=value`") };
        let value = match serde_json::from_str::<serde_json::Value>(v) {
            Ok(j @ serde_json::Value::Array(_)) => {
                ContextValue::from_json(&j).unwrap_or(ContextValue::Single(v.into()))
            }
            _ => ContextValue::Single(v.to_owned()),
        };
        c.insert(k.trim(), value);
    }
    Ok(c)
}

/// The account that owns `resource`: the ARN's account field, or for S3 (whose ARNs
/// carry none) the account whose bucket list holds the bucket.
fn owner_of(accounts: &[warden_model::inventory::Account], resource: &str) -> Option<usize> {
    if let Some(acct) = warden_iam::arn::account_of(resource) {
        return accounts.iter().position(|a| a.id == acct);
    }
    let bucket = resource.strip_prefix("arn:aws:s3:::").map(|r| r.split('/').next().unwrap_or(r))?;
    accounts.iter().position(|a| a.s3.buckets.known().is_some_and(|bs| bs.iter().any(|b| b.name == bucket)))
}

/// The authorizer for the account holding `principal`, else the one owning `resource`,
/// else the first account. Only that account's principals and policies are evaluated.
fn authorizer(source: &Source, principal: Option<&str>) -> anyhow::Result<Authorizer> {
    authorizer_for(source, principal, None)
}

fn authorizer_for(source: &Source, principal: Option<&str>, resource: Option<&str>) -> anyhow::Result<Authorizer> {
    let account = if let Some(p) = &source.snapshot {
        let snap = warden_model::Snapshot::read(p).with_context(|| format!("reading snapshot `{}`", p.display()))?;
        let mut accounts = snap.inventory.accounts;
        if accounts.is_empty() {
            bail!("snapshot `{}` holds no account", p.display());
        }
        let by_principal =
            principal.and_then(warden_iam::arn::account_of).and_then(|w| accounts.iter().position(|a| a.id == w));
        let idx = by_principal.or_else(|| resource.and_then(|r| owner_of(&accounts, r))).unwrap_or(0);
        if accounts.len() > 1 {
            eprintln!(
                "note: evaluating the principals and policies of account {} only (cross-account access is not evaluated yet)",
                accounts.get(idx).map_or("", |a| a.id.as_str())
            );
        }
        accounts.swap_remove(idx)
    } else if let Some(p) = &source.authz_details {
        let text = read_input(p)?;
        warden_iam::authz_details::parse(&text).with_context(|| format!("reading `{}`", p.display()))?
    } else {
        bail!("give `--snapshot FILE` or `--authz-details FILE`");
    };
    let auth = Authorizer::for_account(&account);
    for e in auth.errors() {
        eprintln!("warning: policy `{}` skipped: {}", e.policy, e.error);
    }
    Ok(auth)
}

/// Every account of a snapshot (with its organization's SCPs and RCPs), for questions
/// that cross accounts.
fn estate(path: &Path) -> anyhow::Result<warden_iam::Estate> {
    let snap = warden_model::Snapshot::read(path).with_context(|| format!("reading snapshot `{}`", path.display()))?;
    if snap.inventory.accounts.is_empty() {
        bail!("snapshot `{}` holds no account", path.display());
    }
    let estate = warden_iam::Estate::new(&snap.inventory);
    for e in estate.errors() {
        eprintln!("warning: policy `{}` skipped: {}", e.policy, e.error);
    }
    Ok(estate)
}

/// The inventory `paths` analyses, and when it was read.
fn paths_inventory(
    source: &Source,
    example: bool,
) -> anyhow::Result<(warden_model::Inventory, chrono::DateTime<chrono::Utc>)> {
    if example {
        let snap = warden_example::generate(&warden_example::Params::default());
        return Ok((snap.inventory, snap.collected_at));
    }
    if let Some(p) = &source.snapshot {
        let snap = warden_model::Snapshot::read(p).with_context(|| format!("reading snapshot `{}`", p.display()))?;
        return Ok((snap.inventory, snap.collected_at));
    }
    if let Some(p) = &source.authz_details {
        let text = read_input(p)?;
        let account = warden_iam::authz_details::parse(&text).with_context(|| format!("reading `{}`", p.display()))?;
        return Ok((warden_model::Inventory { accounts: vec![account], ..Default::default() }, chrono::Utc::now()));
    }
    bail!("give `--snapshot FILE`, `--example` or `--authz-details FILE`")
}

/// `warden iam exposure`: exit 1 when some resource is public or open to an untrusted
/// account or organization.
fn exposure(source: &Source, example: bool, trusted: &[String], all: bool, format: Format) -> anyhow::Result<u8> {
    use warden_iam::exposure::{Analyzer, Audience, Level, Source as From};
    if let Some(t) = trusted.iter().find(|t| !warden_iam::arn::is_account_id(t)) {
        bail!("`--trusted-accounts`: `{t}` is not a 12-digit account id");
    }
    let (inventory, _) = paths_inventory(source, example)?;
    let found = Analyzer::new(&inventory, trusted).all(&inventory);
    let risky = found.iter().filter(|e| e.is_risky()).count();
    let shown: Vec<_> = found.iter().filter(|e| all || e.level != Level::Private).collect();
    if format == Format::Json {
        emit(&(serde_json::to_string_pretty(&shown)? + "\n"));
        return Ok(u8::from(risky > 0));
    }
    let mut out = String::new();
    for e in &shown {
        let level = match &e.level {
            Level::Public => "PUBLIC".to_owned(),
            Level::CrossAccount { untrusted, .. } if !untrusted.is_empty() => {
                format!("CROSS-ACCOUNT (untrusted: {})", untrusted.join(", "))
            }
            Level::CrossAccount { .. } => "CROSS-ACCOUNT (trusted)".into(),
            Level::OrgOnly => "ORG-ONLY".into(),
            Level::Conditional => "CONDITIONAL".into(),
            Level::Private => "PRIVATE".into(),
            Level::Unknown { reason } => format!("UNKNOWN ({reason})"),
        };
        out += &format!("{level}  {}  ({} {})\n", e.arn, e.account_id, e.region);
        for a in &e.accesses {
            let who = match &a.audience {
                Audience::Anyone => "anyone".to_owned(),
                Audience::Accounts(v) => format!("accounts {}", v.join(", ")),
                Audience::Organizations(v) => format!("organizations {}", v.join(", ")),
                Audience::Federated(p) => format!("identities of {p}"),
                Audience::CanonicalUser(c) => format!("canonical user {c}"),
            };
            let trusted = if a.trusted { " (trusted)" } else { "" };
            out += &format!("  {who}{trusted}: {}\n", a.actions.join(", "));
            for c in &a.conditions {
                out += &format!("    only if {} {} {}  [{}]\n", c.key, c.operator, c.values.join(" | "), c.path);
            }
            for r in &a.statements {
                let sid = r.sid.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
                out += &format!("    allowed by Statement[{}]{sid}\n", r.statement);
            }
            if let Some(entry) = &a.entry {
                let from = match a.source {
                    From::Acl => "ACL grant",
                    From::CreateVolumePermission => "createVolumePermission",
                    From::RestoreAttribute => "restore attribute",
                    From::Policy => "policy",
                };
                out += &format!("    {from} `{entry}`\n");
            }
        }
        for n in &e.notes {
            out += &format!("  note: {n}\n");
        }
    }
    out += &format!(
        "{} resource(s) analysed, {} shown, {risky} public or open to untrusted accounts\n",
        found.len(),
        shown.len()
    );
    emit(&out);
    Ok(u8::from(risky > 0))
}

fn paths(source: &Source, example: bool, from: Option<&str>, all: bool, format: Format) -> anyhow::Result<u8> {
    use warden_iam::privesc::{Options, PrincipalPaths, analyze, scps_for};
    let (inventory, now) = paths_inventory(source, example)?;
    let matches =
        |p: &PrincipalPaths| from.is_none_or(|f| p.principal == f || p.principal.rsplit('/').next() == Some(f));
    let mut selected: Vec<PrincipalPaths> = Vec::new();
    let mut total = 0usize;
    for a in &inventory.accounts {
        let mut opts = Options::new(now);
        opts.scps = scps_for(&inventory, &a.id);
        let analysis = analyze(a, &opts);
        for e in &analysis.errors {
            eprintln!("warning: account {}: policy `{}` skipped: {}", a.id, e.policy, e.error);
        }
        total += analysis.principals.len();
        selected.extend(analysis.principals.into_iter().filter(|p| matches(p)));
    }
    if let (Some(f), true) = (from, selected.is_empty()) {
        bail!("principal `{f}` is not a user or role of the estate ({total} principals)");
    }
    let escalating = selected.iter().filter(|p| p.escalates()).count();
    let admins = selected.iter().filter(|p| p.admin).count();
    let shown: Vec<&PrincipalPaths> = selected.iter().filter(|p| all || from.is_some() || p.escalates()).collect();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&shown)? + "\n",
        Format::Text => render_paths(&shown, selected.len(), escalating, admins),
    };
    emit(&text);
    Ok(if escalating > 0 { 1 } else { 0 })
}

fn render_paths(
    shown: &[&warden_iam::privesc::PrincipalPaths],
    total: usize,
    escalating: usize,
    admins: usize,
) -> String {
    let mut s = String::new();
    for p in shown {
        match (p.admin, p.paths.first()) {
            (true, _) => s.push_str(&format!("{}  already admin\n", p.principal)),
            (false, None) => s.push_str(&format!("{}  no path to admin\n", p.principal)),
            (false, Some(first)) => {
                s.push_str(&format!("{}  admin in {} hop(s)\n", p.principal, first.len()));
                for (i, h) in first.iter().enumerate() {
                    s.push_str(&format!("  {}. {} {}  -> {}\n", i + 1, h.technique, h.target, h.to));
                    for st in &h.steps {
                        let via: Vec<String> =
                            st.reasons.iter().filter(|r| r.layer != warden_iam::Layer::Scp).map(cite).collect();
                        s.push_str(&format!("       {} on {}  via {}\n", st.action, st.resource, via.join(", ")));
                    }
                }
                if p.paths.len() > 1 {
                    let others: Vec<&str> =
                        p.paths.iter().skip(1).filter_map(|x| x.first()).map(|h| h.technique).collect();
                    s.push_str(&format!("  other paths as short: {}\n", others.join(", ")));
                }
            }
        }
    }
    s.push_str(&format!("{escalating} of {total} principal(s) can escalate to admin; {admins} already admin\n"));
    s
}

/// A statement that decided: `policy#index(Sid)`.
fn cite(r: &warden_iam::Reason) -> String {
    let sid = r.sid.as_deref().map(|x| format!("({x})")).unwrap_or_default();
    format!("{}#{}{sid}", r.policy, r.statement)
}

fn render_decision(d: &Decision) -> String {
    let mut s = format!(
        "{}: {}\n",
        match d.decision {
            DecisionKind::Allow => "Allow",
            DecisionKind::ExplicitDeny => "ExplicitDeny",
            DecisionKind::ImplicitDeny => "ImplicitDeny",
        },
        d.message
    );
    for r in &d.reasons {
        let sid = r.sid.as_deref().map(|x| format!(" ({x})")).unwrap_or_default();
        s.push_str(&format!("  {:?} {:?} `{}` statement {}{sid}\n", r.effect, r.layer, r.policy, r.statement));
    }
    s
}

fn render_grants(grants: &[warden_iam::Grant], format: Format, by_principal: bool) -> anyhow::Result<String> {
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(grants)? + "\n");
    }
    let mut s = String::new();
    for g in grants {
        let head = if by_principal { g.principal.clone() } else { format!("{} on {}", g.action, g.resource) };
        let via: Vec<String> = g.decision.reasons.iter().map(cite).collect();
        s.push_str(&format!("{head}\n  via {}\n", via.join(", ")));
    }
    if grants.is_empty() {
        s.push_str("(none)\n");
    }
    Ok(s)
}

fn render_lint(file: &Path, findings: &[LintFinding]) -> String {
    let mut s = String::new();
    for f in findings {
        let sev = match f.severity {
            LintSeverity::Error => "ERROR",
            LintSeverity::SecurityWarning => "SECURITY_WARNING",
            LintSeverity::Warning => "WARNING",
            LintSeverity::Suggestion => "SUGGESTION",
        };
        s.push_str(&format!("{}: {sev} [{}] {}: {}\n", file.display(), f.code, f.path, f.message));
    }
    if findings.is_empty() {
        s.push_str(&format!("{}: no findings\n", file.display()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        c: IamCommand,
    }

    fn run_args(args: &[&str]) -> anyhow::Result<u8> {
        let t = T::try_parse_from(std::iter::once("iam").chain(args.iter().copied()))?;
        run(IamArgs { command: t.c })
    }

    fn tmp(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("warden-iam-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn exposure_exits_one_on_the_example_estate_and_checks_trusted_accounts() {
        // The example estate holds a public bucket and a public snapshot.
        assert_eq!(run_args(&["exposure", "--example", "--format", "json"]).unwrap(), 1);
        assert!(run_args(&["exposure", "--example", "--trusted-accounts", "abc"]).is_err());
    }

    const CASE: &str = r#"{"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}]}"#;

    #[test]
    fn simulate_single_and_batch() {
        let p = tmp("case.json", CASE);
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 0);
        let denied = CASE.replace("s3:Get*", "s3:Put*");
        let p = tmp("denied.json", &denied);
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 1);
        let p = tmp("batch.jsonl", &format!("{}\n{}\n", CASE.replace('\n', ""), denied));
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 0);
        let p = tmp("bad.jsonl", &format!("{CASE}\n{{\"request\": 1}}\n"));
        assert_eq!(run_args(&["simulate", "--input", p.to_str().unwrap()]).unwrap(), 2);
    }

    #[test]
    fn queries_over_authz_details() {
        let details = r#"{"UserDetailList": [{"UserName": "alice", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["ops"], "AttachedManagedPolicies": [], "UserPolicyList": []}],
          "GroupDetailList": [{"GroupName": "ops", "Arn": "arn:aws:iam::111122223333:group/ops", "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}], "AttachedManagedPolicies": []}],
          "RoleDetailList": [], "Policies": []}"#;
        let p = tmp("authz.json", details);
        let f = p.to_str().unwrap();
        assert_eq!(
            run_args(&[
                "simulate",
                "--authz-details",
                f,
                "--principal",
                "arn:aws:iam::111122223333:user/alice",
                "--action",
                "s3:GetObject",
                "--resource",
                "arn:aws:s3:::b/k"
            ])
            .unwrap(),
            0
        );
        assert_eq!(
            run_args(&[
                "simulate",
                "--authz-details",
                f,
                "--principal",
                "arn:aws:iam::111122223333:user/alice",
                "--action",
                "s3:PutObject",
                "--resource",
                "arn:aws:s3:::b/k"
            ])
            .unwrap(),
            1
        );
        assert_eq!(
            run_args(&["who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--authz-details", f, "--format", "json"])
                .unwrap(),
            0
        );
        assert_eq!(run_args(&["what-can", "arn:aws:iam::111122223333:user/alice", "--authz-details", f]).unwrap(), 0);
        let auth = authorizer(&Source { snapshot: None, authz_details: Some(p.clone()) }, None).unwrap();
        assert_eq!(auth.who_can("s3:GetObject", "arn:aws:s3:::b/k").len(), 1);
        let w = auth.what_can("arn:aws:iam::111122223333:user/alice");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].action, "s3:GetObject");
    }

    #[test]
    fn lint_exit_codes() {
        let bad = tmp(
            "bad.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", bad.to_str().unwrap()]).unwrap(), 1);
        let ok = tmp(
            "ok.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", ok.to_str().unwrap()]).unwrap(), 0);
        let warn = tmp(
            "warn.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#,
        );
        assert_eq!(run_args(&["lint", warn.to_str().unwrap()]).unwrap(), 0);
        assert_eq!(run_args(&["lint", warn.to_str().unwrap(), "--fail-on", "security-warning"]).unwrap(), 1);
        assert!(run_args(&["lint", "/nonexistent/x.json"]).is_err());
    }
}
