//! Warden's threat detection over CloudTrail and VPC flow logs.
//!
//! Logs flow one way: [`reader`] and [`flowlog`] turn files (plain or gzip, single,
//! directories, stdin) into events; the [`sigma`] engine matches rules on them through an
//! intermediate form kept apart from its evaluator (so rules can later be compiled to SQL);
//! [`stateful`] detectors catch what no single event shows; [`hit`] groups everything into
//! [`warden_model::Finding`]s. No AWS SDK here: reading from S3 belongs to `warden-aws`.

pub mod detect;
pub mod error;
pub mod event;
pub mod flowlog;
pub mod generate;
pub mod hit;
pub mod iprange;
pub mod reader;
pub mod sigma;
pub mod stateful;
pub mod tape;
pub mod value;

pub use detect::{DetectOptions, Detector, Outcome, Stats};
pub use error::{InputError, RuleError};
pub use sigma::RuleSet;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}
pub use builtin::BUILTIN_RULES;

/// The built-in rule pack, loaded. Built-in rules are tested, so a failure here is a bug,
/// but it is still reported through [`RuleSet::status`] rather than a panic.
pub fn builtin_rules() -> RuleSet {
    let mut set = RuleSet::new();
    add_builtin(&mut set);
    set.finish();
    set
}

/// Adds the built-in rules to a set (call [`RuleSet::finish`] after adding others).
pub fn add_builtin(set: &mut RuleSet) {
    for (path, text) in BUILTIN_RULES {
        set.add_text(text, std::path::Path::new(&format!("builtin/{path}")));
    }
}
