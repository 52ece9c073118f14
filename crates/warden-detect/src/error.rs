//! Errors of the detection crate. Input problems carry the file and, where known, the
//! byte offset, so a user can open the exact spot.

use std::path::PathBuf;

/// A problem with one input file (or stdin). Readers record these and carry on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}`{}: {message}", path.display(), offset.map(|o| format!(" at byte {o}")).unwrap_or_default())]
pub struct InputError {
    pub path: PathBuf,
    /// Offset in the decompressed stream, when the problem has a position.
    pub offset: Option<u64>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<PathBuf>, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self { path: path.into(), offset, message: message.into() }
    }
}

/// A rule that could not be loaded or uses something the engine does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{rule}` ({}): {reason}", file.display())]
pub struct RuleError {
    /// The rule's title or id, or the file name when the rule is unreadable.
    pub rule: String,
    pub file: PathBuf,
    pub reason: String,
}
