//! Live collection of an AWS estate into Warden's inventory model, on the official SDK.
//!
//! Why a crate of its own: the SDK is by far the heaviest thing Warden compiles, and the
//! engines (IAM, checks, detection, reports) must build and test without it. Everything
//! that talks to AWS lives here; it produces a [`warden_model::Snapshot`] and nothing else.
//!
//! Three rules shape the code:
//! - **Read-only collection.** Every operation the collector can call is listed in
//!   `docs/scanner-policy.json`; a test records the calls of a run and checks them. The
//!   writers — the Security Hub export ([`securityhub`]) and the executor of fixes and
//!   playbooks ([`act`]) — run only when the CLI is told to, and report their plan
//!   before writing.
//! - **Every failed read is data.** A read that fails becomes `Observed::Unknown` with its
//!   kind and the operation and error code, and is counted in the [`Ledger`]; the scan
//!   always finishes.
//! - **Polite.** Adaptive client-side rate limiting and retries with backoff, timeouts on
//!   every request, and a bound on in-flight requests per account and service.

pub mod act;
mod apps;
mod backup;
mod collect;
mod creds_report;
mod ctx;
mod ec2;
mod error;
mod frontends;
mod iam;
mod kms;
mod monitoring;
mod org;
mod record;
mod s3;
pub mod s3_logs;
pub mod securityhub;
mod storage;
mod trail;

pub use collect::{Collection, Options, ProgressSink, collect, collect_blocking};
pub use error::{CollectError, FailureGroup};
pub use record::{CallRecorder, RecordedCall};
