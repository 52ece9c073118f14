//! Failed reads: classifying SDK errors into [`UnknownKind`], and the ledger that groups
//! them for the end-of-scan summary.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::BTreeMap;
use std::sync::Mutex;
use warden_model::{Unknown, UnknownKind};

/// A failure that stops a collection as a whole (as opposed to one failed read).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot identify the AWS account (sts:GetCallerIdentity): {0}")]
    Identity(String),
    #[error("cannot list the organization's accounts (organizations:ListAccounts): {0}")]
    Organization(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
    #[error("no region given: pass `--region`, set AWS_REGION, or configure one in the profile")]
    NoRegion,
    #[error("Security Hub export failed: {0}")]
    Export(String),
    #[error("cannot list logs in {0}")]
    Logs(String),
}

/// One line for an SDK error: its code and message.
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match classify(err, &[]) {
        Some(f) => format!("{}: {}", f.code, f.message),
        None => err.to_string(),
    }
}

/// What went wrong in one read, before it is stored as [`Unknown`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    pub kind: UnknownKind,
    /// The AWS error code (`AccessDenied`, `ThrottlingException`, …) or a short cause
    /// (`timeout`, `dispatch failure`, `unparseable response`, `HTTP 500`).
    pub code: String,
    pub message: String,
}

/// Error codes that mean "you may not".
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthFailure",
    "Forbidden",
    "AWSOrganizationsNotInUseException",
];

/// Error codes that mean the region is not enabled or the service is not offered there.
const NOT_ENABLED: &[&str] = &[
    "OptInRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SubscriptionRequiredException",
    "UnsupportedOperation",
    "UnknownOperationException",
    "InvalidAction",
];

/// Error codes that mean "slow down" (left over after the SDK's own retries).
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Classifies an SDK error. `absent` lists codes that mean "there is none" (for example
/// `NoSuchBucketPolicy`); those return `None`, the caller then records a known absence.
pub fn classify<E>(err: &SdkError<E, HttpResponse>, absent: &[&str]) -> Option<ReadFailure>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let failure = |kind, code: &str, message: String| Some(ReadFailure { kind, code: code.to_owned(), message });
    match err {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let status = http_status(ctx.raw());
            let code = e.code().unwrap_or_default();
            if !code.is_empty() && absent.contains(&code) {
                return None;
            }
            let message = e.message().unwrap_or_default().to_owned();
            let message = if message.is_empty() { e.to_string() } else { message };
            if DENIED.contains(&code) || code.ends_with("AccessDenied") {
                failure(UnknownKind::AccessDenied, code, message)
            } else if NOT_ENABLED.contains(&code) {
                failure(UnknownKind::NotEnabledInRegion, code, message)
            } else if THROTTLED.contains(&code) || status == Some(429) {
                failure(UnknownKind::Throttled, if code.is_empty() { "HTTP 429" } else { code }, message)
            } else if code.is_empty() && status.is_some_and(|s| (200..300).contains(&s)) {
                // A success status whose body the SDK could not deserialise.
                let code = status.map(|s| format!("unparseable HTTP {s} response")).unwrap_or_default();
                failure(UnknownKind::MalformedResponse, &code, source_chain(err))
            } else if code.is_empty() {
                let code = status.map_or_else(|| "unhandled error".to_owned(), |s| format!("HTTP {s}"));
                failure(UnknownKind::Error, &code, message)
            } else {
                failure(UnknownKind::Error, code, message)
            }
        }
        SdkError::ResponseError(ctx) => {
            let status = http_status(ctx.raw());
            let code =
                status.map_or_else(|| "unparseable response".to_owned(), |s| format!("unparseable HTTP {s} response"));
            failure(UnknownKind::MalformedResponse, &code, source_chain(err))
        }
        SdkError::TimeoutError(_) => failure(UnknownKind::Error, "timeout", source_chain(err)),
        SdkError::DispatchFailure(d) => {
            let code = if d.is_timeout() { "timeout" } else { "dispatch failure" };
            failure(UnknownKind::Error, code, source_chain(err))
        }
        SdkError::ConstructionFailure(_) => failure(UnknownKind::Error, "request construction", source_chain(err)),
        _ => failure(UnknownKind::Error, "unknown SDK error", source_chain(err)),
    }
}

fn http_status(raw: &HttpResponse) -> Option<u16> {
    Some(raw.status().as_u16())
}

/// The error and its sources on one line (the SDK's Display alone often says only
/// "dispatch failure").
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    let mut depth = 0;
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    out.replace('\n', " ")
}

/// One group of failed reads in the end-of-scan summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureGroup {
    pub kind: UnknownKind,
    pub code: String,
    /// Operation (`kms:GetKeyRotationStatus`) → how many reads failed.
    pub operations: BTreeMap<String, usize>,
}

impl FailureGroup {
    pub fn total(&self) -> usize {
        self.operations.values().sum()
    }
}

impl std::fmt::Display for FailureGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.total();
        let what = match self.kind {
            UnknownKind::AccessDenied => "denied",
            UnknownKind::NotEnabledInRegion => "not available in the region",
            UnknownKind::Throttled => "throttled after retries",
            UnknownKind::MalformedResponse => "answered with a malformed response",
            UnknownKind::NotCollected => "not collected",
            UnknownKind::Error => "failed",
        };
        write!(f, "{n} read{} {what} ({}): ", if n == 1 { "" } else { "s" }, self.code)?;
        let ops: Vec<String> = self.operations.iter().map(|(op, c)| format!("{op} ×{c}")).collect();
        f.write_str(&ops.join(", "))
    }
}

/// Every failed read of a collection, for the grouped summary.
#[derive(Debug, Default)]
pub struct Ledger {
    groups: Mutex<BTreeMap<(UnknownKind, String), BTreeMap<String, usize>>>,
}

impl Ledger {
    pub fn record(&self, op: &str, f: &ReadFailure) {
        if let Ok(mut g) = self.groups.lock() {
            *g.entry((f.kind, f.code.clone())).or_default().entry(op.to_owned()).or_default() += 1;
        }
    }

    /// Groups, largest first.
    pub fn groups(&self) -> Vec<FailureGroup> {
        let g = self.groups.lock().map(|g| g.clone()).unwrap_or_default();
        let mut out: Vec<FailureGroup> =
            g.into_iter().map(|((kind, code), operations)| FailureGroup { kind, code, operations }).collect();
        out.sort_by(|a, b| b.total().cmp(&a.total()).then(a.kind.cmp(&b.kind)).then(a.code.cmp(&b.code)));
        out
    }
}

/// The stored reason: `kms:GetKeyRotationStatus: AccessDeniedException: <message>`.
pub fn unknown(op: &str, f: &ReadFailure) -> Unknown {
    let mut message = format!("{op}: {}", f.code);
    if !f.message.is_empty() && f.message != f.code {
        message.push_str(": ");
        message.push_str(&truncate(&f.message, 300));
    }
    Unknown { kind: f.kind, message }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_print_counts_per_operation() {
        let l = Ledger::default();
        let denied = ReadFailure { kind: UnknownKind::AccessDenied, code: "AccessDenied".into(), message: "no".into() };
        for _ in 0..3 {
            l.record("kms:GetKeyRotationStatus", &denied);
        }
        l.record(
            "iam:ListUsers",
            &ReadFailure { kind: UnknownKind::Error, code: "HTTP 500".into(), message: String::new() },
        );
        let g = l.groups();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].to_string(), "3 reads denied (AccessDenied): kms:GetKeyRotationStatus ×3");
        assert_eq!(g[1].to_string(), "1 read failed (HTTP 500): iam:ListUsers ×1");
    }

    #[test]
    fn unknown_names_the_operation_and_code() {
        let f =
            ReadFailure { kind: UnknownKind::Throttled, code: "Throttling".into(), message: "Rate exceeded".into() };
        let u = unknown("iam:ListUsers", &f);
        assert_eq!(u.kind, UnknownKind::Throttled);
        assert_eq!(u.message, "iam:ListUsers: Throttling: Rate exceeded");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        let s = "é".repeat(400);
        assert!(truncate(&s, 301).len() <= 304);
    }
}
