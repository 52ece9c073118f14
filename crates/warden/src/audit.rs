//! The audit log: one JSON line per change Warden makes to an AWS account, appended
//! and chained — each record carries the SHA-256 of the line before it, so a removed
//! or edited record shows (`warden audit verify` is the check; see [`verify`]).

use anyhow::Context;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The default log: `audit.jsonl` next to the history database.
pub fn default_path() -> Option<PathBuf> {
    Some(warden_store::default_path()?.with_file_name("audit.jsonl"))
}

/// The log to use: `--audit-log`, else the default.
pub fn resolve(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    match path {
        Some(p) => Ok(p.to_owned()),
        None => default_path().context("no audit log location: set HOME or XDG_DATA_HOME, or pass --audit-log"),
    }
}

/// Appends one record (an object; `time`, `tool_version`, `prev` are added) and returns
/// its id.
pub fn append(path: &Path, mut record: Value) -> anyhow::Result<String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    let existing = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read audit log `{}`", path.display())),
    };
    let prev = existing.split(|b| *b == b'\n').rfind(|l| !l.is_empty()).map(digest);
    let now = chrono::Utc::now();
    let id = format!("audit-{}", now.format("%Y%m%dT%H%M%S%.6fZ"));
    if let Value::Object(m) = &mut record {
        m.insert("id".into(), json!(id));
        m.insert("time".into(), json!(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
        m.insert("tool_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m.insert("prev".into(), json!(prev));
    }
    let mut line = serde_json::to_vec(&record)?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open audit log `{}`", path.display()))?;
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .with_context(|| format!("cannot append to `{}`", path.display()))?;
    Ok(id)
}

/// Asks on the terminal before a change to an account (`--yes` skips the question);
/// without a terminal it refuses rather than guess.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    anyhow::ensure!(std::io::stdin().is_terminal(), "not a terminal: pass --yes to apply without asking");
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn digest(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
}

/// Checks the chain: every record's `prev` is the hash of the line before it. Returns
/// the number of records, or the first line (1-based) that breaks the chain.
pub fn verify(path: &Path) -> anyhow::Result<Result<usize, usize>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read audit log `{}`", path.display()))?;
    let mut prev: Option<String> = None;
    let mut n = 0;
    for (i, line) in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(_) => return Ok(Err(i + 1)),
        };
        if v.get("prev").and_then(Value::as_str).map(str::to_owned) != prev {
            return Ok(Err(i + 1));
        }
        prev = Some(digest(line));
        n += 1;
    }
    Ok(Ok(n))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn records_chain_and_tampering_shows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.jsonl");
        append(&path, json!({"action": "a"})).unwrap();
        append(&path, json!({"action": "b"})).unwrap();
        append(&path, json!({"action": "c"})).unwrap();
        assert_eq!(verify(&path).unwrap(), Ok(3));
        let text = std::fs::read_to_string(&path).unwrap();
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["prev"], Value::Null);
        std::fs::write(&path, text.replace("\"b\"", "\"B\"")).unwrap();
        assert_eq!(verify(&path).unwrap(), Err(3), "the record after the edited one no longer matches");
        let dropped: Vec<&str> = text.lines().enumerate().filter(|(i, _)| *i != 0).map(|(_, l)| l).collect();
        std::fs::write(&path, dropped.join("\n")).unwrap();
        assert_eq!(verify(&path).unwrap(), Err(1));
    }
}
