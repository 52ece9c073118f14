//! Response: remediation plans, incident playbooks, forensic evidence and the
//! event-driven responder — everything about *changing* an account that can be decided
//! without talking to AWS.
//!
//! The SDK side (`warden-aws::act`) does two things only: read a target's current state
//! and perform [`Call`]s. Everything else — which findings have a fix, what state makes
//! a check pass, which requests get there and back, what an event triggers — is here,
//! pure and tested in milliseconds. A plan therefore shows exactly the requests apply
//! sends.

pub mod call;
pub mod event;
pub mod evidence;
pub mod fix;
pub mod playbook;
pub mod policy;
pub mod target;

pub use call::Call;
pub use event::{Trigger, TriggerResource};
pub use fix::{Fix, Params, Skipped, plan};
pub use policy::{Decision, Policy};
pub use target::Target;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_playbook;
