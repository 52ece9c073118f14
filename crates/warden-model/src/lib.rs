//! The shared vocabulary of Warden: what an AWS estate looks like once collected
//! (the [`Inventory`] inside a [`Snapshot`]), and what an analysis says about it
//! (a [`Finding`]).
//!
//! Every attribute that needs its own API call to fetch is an [`Observed`] value, so a
//! snapshot can say "could not be read, because …" instead of guessing. Analyses turn
//! such gaps into `ERROR` findings; they never pass or fail on data nobody saw.

pub mod compliance;
pub mod finding;
pub mod glob;
pub mod inventory;
pub mod observed;
pub mod snapshot;

pub use finding::{Evidence, Finding, FindingHistory, Remediation, Resource, Severity, Status};
pub use inventory::Inventory;
pub use observed::{Observed, Unknown, UnknownKind};
pub use snapshot::{FORMAT_VERSION, Snapshot, SnapshotError};
