//! Warden's IAM policy engine.
//!
//! Pattern matching on `"*"` gives both false positives and false negatives; this crate
//! evaluates policies the way AWS documents it and says *why*: every [`Decision`] names
//! the statements (policy id, statement index, Sid) that decided it and the layer that
//! blocked it.
//!
//! - [`Policy`]: the strict, located grammar (errors carry JSON paths such as
//!   `Statement[2].Condition.StringLike`), accepting URL-encoded documents.
//! - [`evaluate`] over a [`PolicySet`]: SCPs, RCPs, identity, resource, boundary and
//!   session policies, same- and cross-account rules.
//! - [`Authorizer`]: the same evaluation for principals of a collected
//!   [`warden_model::inventory::Account`], plus `who_can` / `what_can` queries.
//! - [`Estate`]: across every account of an inventory, so that principals of one account
//!   are evaluated on resources of another (both sides must allow), with SCPs and RCPs.
//! - [`analysis`]: the questions checks ask (full admin, public resource policies).
//! - [`exposure`]: who outside the estate can reach a resource through its policy or
//!   sharing list (buckets, keys, roles, snapshots, functions, queues, topics, …).
//! - [`catalog`]: every AWS action with access level, resource types and condition keys.
//! - [`lint`]: Access-Analyzer-style validation findings, located.
//! - [`generate`]: least-privilege policies from the actions a principal used in CloudTrail.

pub mod analysis;
pub mod arn;
pub mod authorizer;
pub mod authz_details;
pub mod catalog;
pub mod condition;
pub mod context;
pub mod estate;
pub mod eval;
pub mod exposure;
pub mod generate;
pub mod lint;
pub mod policy;
pub mod privesc;
pub mod simulate;
pub mod variables;
pub mod wildcard;

pub use authorizer::{Authorizer, Grant};
pub use context::{Context, ContextValue};
pub use estate::Estate;
pub use eval::{
    Decision, DecisionKind, Evaluation, Layer, PolicySet, Principal, Reason, Request, evaluate, evaluate_lazy,
};
pub use policy::{Effect, Policy, PolicyError, Statement};
