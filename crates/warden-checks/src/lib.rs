//! Posture checks: functions over the inventory that yield findings.
//!
//! The *logic* of a check is Rust (`checks/<service>.rs`); what it *says* — title,
//! severity, risk, remediation — is data (`meta/<service>.yaml`), and which framework
//! requirement it proves is data too (`frameworks/*.yaml`). A check never formats
//! output: it hands findings to [`Out`], and the report crate renders them.

mod checks;
pub mod compliance;
mod engine;
pub mod filter_pattern;
mod framework;
mod meta;
mod mutelist;

pub use checks::metric_filter_satisfies;
pub use engine::{Config, Ctx, Out, Registry, Selection};
pub use framework::{Framework, Requirement};
pub use meta::CheckMeta;
pub use mutelist::{Mutelist, MutelistError, MutelistOutcome};

/// Errors loading Warden's built-in data (a bug if it ever happens) or user files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("built-in data `{file}`: {detail}")]
    BuiltinData { file: String, detail: String },
    #[error("unknown framework `{0}`: see `warden frameworks list`")]
    UnknownFramework(String),
    #[error("no check matches `{0}`: see `warden checks list`")]
    NoCheckMatches(String),
}
