//! Forensic evidence bundles: a directory of files and a `manifest.jsonl` that makes
//! any later change to them visible.
//!
//! Each file written gets one manifest line `{seq, file, sha256, bytes, time, prev}`,
//! where `prev` is the SHA-256 of the manifest line before it. A changed file no longer
//! matches its hash; a removed or reordered line breaks `seq` and the chain; an edited
//! line breaks the `prev` of the next one; a file nobody listed is extra. The last line
//! is covered by nothing inside the bundle, so its hash — the [`Bundle::head`] — goes
//! into the audit log, and `warden evidence verify --head` compares against it.
//!
//! Files are written once (`create_new`) and synced before their manifest line is, so a
//! crash leaves at worst a file without a line, which verification reports as extra.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.jsonl";
/// The largest manifest verification reads.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("evidence bundle `{}`: {action}: {source}", path.display())]
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    #[error("evidence bundle `{}` is not empty: choose a new directory", path.display())]
    NotEmpty { path: PathBuf },
    #[error("`{name}` is not a plain file name for an evidence file")]
    BadName { name: String },
    #[error("evidence file `{name}` was already written")]
    Duplicate { name: String },
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> EvidenceError {
    let path = path.to_owned();
    move |source| EvidenceError::Io { path, action, source }
}

/// One manifest line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: u64,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub time: String,
    pub prev: Option<String>,
}

/// A bundle being written.
#[derive(Debug)]
pub struct Bundle {
    dir: PathBuf,
    entries: Vec<Entry>,
    head: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file name Warden writes into a bundle: one path component, no hidden files, not
/// the manifest itself.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != MANIFEST
        && !name.starts_with('.')
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

impl Bundle {
    /// Starts a bundle in `dir`, creating it; an existing directory must be empty.
    pub fn create(dir: &Path) -> Result<Bundle, EvidenceError> {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the directory"))?;
        let mut listing = std::fs::read_dir(dir).map_err(io(dir, "cannot list the directory"))?;
        if listing.next().is_some() {
            return Err(EvidenceError::NotEmpty { path: dir.to_owned() });
        }
        Ok(Bundle { dir: dir.to_owned(), entries: Vec::new(), head: None })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The SHA-256 of the last manifest line: what the audit record keeps.
    pub fn head(&self) -> Option<&str> {
        self.head.as_deref()
    }

    /// Writes one file and its manifest line.
    pub fn add(&mut self, name: &str, bytes: &[u8], now: DateTime<Utc>) -> Result<Entry, EvidenceError> {
        if !plain_name(name) {
            return Err(EvidenceError::BadName { name: name.to_owned() });
        }
        if self.entries.iter().any(|e| e.file == name) {
            return Err(EvidenceError::Duplicate { name: name.to_owned() });
        }
        let path = self.dir.join(name);
        let mut f =
            std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(io(&path, "cannot create"))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io(&path, "cannot write"))?;
        let entry = Entry {
            seq: self.entries.len() as u64 + 1,
            file: name.to_owned(),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
            time: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            prev: self.head.clone(),
        };
        let line = serde_json::to_vec(&entry).map_err(|e| EvidenceError::Io {
            path: path.clone(),
            action: "cannot encode the manifest entry",
            source: std::io::Error::other(e),
        })?;
        let manifest = self.dir.join(MANIFEST);
        let mut m = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&manifest)
            .map_err(io(&manifest, "cannot open"))?;
        let mut framed = line.clone();
        framed.push(b'\n');
        m.write_all(&framed).and_then(|()| m.sync_data()).map_err(io(&manifest, "cannot append to"))?;
        self.head = Some(sha256_hex(&line));
        self.entries.push(entry.clone());
        Ok(entry)
    }

    /// Writes a JSON document (pretty, with a final newline).
    pub fn add_json(&mut self, name: &str, value: &Value, now: DateTime<Utc>) -> Result<Entry, EvidenceError> {
        let mut text = serde_json::to_vec_pretty(value).unwrap_or_default();
        text.push(b'\n');
        self.add(name, &text, now)
    }

    /// Writes JSON lines, one value each.
    pub fn add_jsonl(&mut self, name: &str, values: &[Value], now: DateTime<Utc>) -> Result<Entry, EvidenceError> {
        let mut text = Vec::new();
        for v in values {
            text.extend(serde_json::to_vec(v).unwrap_or_default());
            text.push(b'\n');
        }
        self.add(name, &text, now)
    }
}

/// The default bundle directory: `evidence/<playbook>-<target>-<UTC time>`, with the
/// target reduced to characters safe in a file name.
pub fn default_dir(playbook: &str, target: &str, now: DateTime<Utc>) -> PathBuf {
    let safe: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(100)
        .collect();
    PathBuf::from("evidence").join(format!("{playbook}-{safe}-{}", now.format("%Y%m%dT%H%M%SZ")))
}

/// An intact bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub entries: usize,
    /// The SHA-256 of the last manifest line.
    pub head: Option<String>,
}

/// The first thing wrong with a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No manifest, or one that cannot be read.
    Manifest { why: String },
    /// A manifest line that is not an entry (1-based line).
    Malformed { line: usize, why: String },
    /// An entry out of sequence: lines were swapped.
    Reordered { line: usize, seq: u64 },
    /// An entry whose `prev` is not the hash of the line before: a line before it was
    /// edited or removed.
    ChainBroken { line: usize },
    /// A listed file that is gone.
    Missing { file: String },
    /// A listed file whose content is not what was written.
    Changed { file: String, expected: String, actual: String },
    /// A file the manifest does not list.
    Extra { file: String },
    /// The last line is not the one the audit log recorded.
    HeadMismatch { expected: String, actual: Option<String> },
}

impl Problem {
    /// A short machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Manifest { .. } => "manifest",
            Problem::Malformed { .. } => "malformed",
            Problem::Reordered { .. } => "reordered",
            Problem::ChainBroken { .. } => "chain_broken",
            Problem::Missing { .. } => "missing",
            Problem::Changed { .. } => "changed",
            Problem::Extra { .. } => "extra",
            Problem::HeadMismatch { .. } => "head_mismatch",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Manifest { why } => write!(f, "manifest: {why}"),
            Problem::Malformed { line, why } => write!(f, "manifest line {line} is not an entry: {why}"),
            Problem::Reordered { line, seq } => {
                write!(f, "manifest line {line} holds entry {seq}: entries were reordered")
            }
            Problem::ChainBroken { line } => {
                write!(f, "manifest line {line} does not chain to the line before it: an entry was edited or removed")
            }
            Problem::Missing { file } => write!(f, "file `{file}` is missing"),
            Problem::Changed { file, expected, actual } => {
                write!(f, "file `{file}` changed: sha256 {actual}, the manifest says {expected}")
            }
            Problem::Extra { file } => write!(f, "file `{file}` is not in the manifest"),
            Problem::HeadMismatch { expected, actual } => write!(
                f,
                "the manifest ends with {}, not the recorded {expected}: entries were added or the last one changed",
                actual.as_deref().unwrap_or("nothing")
            ),
        }
    }
}

/// Checks a bundle: the chain of manifest lines, every file's size and hash, no file
/// unlisted, and (when given) the head recorded elsewhere. Reports the first problem.
pub fn verify(dir: &Path, expected_head: Option<&str>) -> Result<Intact, Problem> {
    let manifest = dir.join(MANIFEST);
    let meta = std::fs::metadata(&manifest)
        .map_err(|e| Problem::Manifest { why: format!("cannot read `{MANIFEST}`: {e}") })?;
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(Problem::Manifest {
            why: format!("{} bytes, over the {MAX_MANIFEST_BYTES}-byte limit", meta.len()),
        });
    }
    let text =
        std::fs::read(&manifest).map_err(|e| Problem::Manifest { why: format!("cannot read `{MANIFEST}`: {e}") })?;
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();

    // The chain first: a problem in the manifest explains any file mismatch after it.
    let mut entries: Vec<Entry> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let e: Entry = serde_json::from_slice(line).map_err(|e| Problem::Malformed { line: n, why: e.to_string() })?;
        entries.push(e);
    }
    let mut prev: Option<String> = None;
    for (i, (line, e)) in lines.iter().zip(&entries).enumerate() {
        let n = i + 1;
        if e.seq != n as u64 {
            // Swapped lines put a later entry here; a missing number is a removed line.
            let moved = e.seq < n as u64 || entries.iter().skip(i + 1).any(|x| x.seq == n as u64);
            return Err(if moved {
                Problem::Reordered { line: n, seq: e.seq }
            } else {
                Problem::ChainBroken { line: n }
            });
        }
        if e.prev != prev {
            return Err(Problem::ChainBroken { line: n });
        }
        if !plain_name(&e.file) || entries.iter().take(i).any(|x| x.file == e.file) {
            return Err(Problem::Malformed { line: n, why: format!("`{}` is not a new plain file name", e.file) });
        }
        prev = Some(sha256_hex(line));
    }

    for e in &entries {
        let path = dir.join(&e.file);
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Problem::Missing { file: e.file.clone() });
            }
            Err(err) => return Err(Problem::Manifest { why: format!("cannot read `{}`: {err}", e.file) }),
        };
        let mut h = Sha256::new();
        let n = std::io::copy(&mut f, &mut h)
            .map_err(|err| Problem::Manifest { why: format!("cannot read `{}`: {err}", e.file) })?;
        let actual = hex::encode(h.finalize());
        if actual != e.sha256 || n != e.bytes {
            return Err(Problem::Changed { file: e.file.clone(), expected: e.sha256.clone(), actual });
        }
    }

    let listing =
        std::fs::read_dir(dir).map_err(|e| Problem::Manifest { why: format!("cannot list the bundle: {e}") })?;
    let mut names: Vec<String> =
        listing.filter_map(Result::ok).map(|d| d.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    if let Some(extra) = names.into_iter().find(|n| n != MANIFEST && !entries.iter().any(|e| &e.file == n)) {
        return Err(Problem::Extra { file: extra });
    }

    if let Some(want) = expected_head
        && prev.as_deref() != Some(want)
    {
        return Err(Problem::HeadMismatch { expected: want.to_owned(), actual: prev });
    }
    Ok(Intact { entries: entries.len(), head: prev })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bundle() -> (tempfile::TempDir, PathBuf, String) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("quarantine-instance-i-0abc-20250101T000000Z");
        let now = Utc::now();
        let mut b = Bundle::create(&dir).unwrap();
        b.add_json("instance.json", &serde_json::json!({"InstanceId": "i-0abc"}), now).unwrap();
        b.add_jsonl("cloudtrail-events.jsonl", &[serde_json::json!({"eventName": "RunInstances"})], now).unwrap();
        b.add_json("plan.json", &serde_json::json!({"steps": []}), now).unwrap();
        b.add("notes.txt", b"seen from 203.0.113.7\n", now).unwrap();
        let head = b.head().unwrap().to_owned();
        (tmp, dir, head)
    }

    fn manifest_lines(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join(MANIFEST)).unwrap().lines().map(str::to_owned).collect()
    }

    fn write_manifest(dir: &Path, lines: &[String]) {
        std::fs::write(dir.join(MANIFEST), lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn a_fresh_bundle_verifies() {
        let (_tmp, dir, head) = bundle();
        let ok = verify(&dir, Some(&head)).unwrap();
        assert_eq!(ok, Intact { entries: 4, head: Some(head) });
        let lines = manifest_lines(&dir);
        let first: Entry = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!((first.seq, first.prev), (1, None));
        let second: Entry = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(second.prev.as_deref(), Some(sha256_hex(lines[0].as_bytes()).as_str()));
        assert!(lines[0].starts_with(r#"{"seq":1,"file":"instance.json","sha256":"#), "{}", lines[0]);
    }

    #[test]
    fn an_edited_file_is_changed() {
        let (_tmp, dir, _) = bundle();
        std::fs::write(dir.join("plan.json"), "{\"steps\": [\"rm -rf\"]}\n").unwrap();
        let p = verify(&dir, None).unwrap_err();
        assert!(matches!(&p, Problem::Changed { file, .. } if file == "plan.json"), "{p}");
    }

    #[test]
    fn a_deleted_file_is_missing() {
        let (_tmp, dir, _) = bundle();
        std::fs::remove_file(dir.join("cloudtrail-events.jsonl")).unwrap();
        assert_eq!(verify(&dir, None).unwrap_err(), Problem::Missing { file: "cloudtrail-events.jsonl".into() });
    }

    #[test]
    fn an_unlisted_file_is_extra() {
        let (_tmp, dir, _) = bundle();
        std::fs::write(dir.join("planted.json"), "{}").unwrap();
        assert_eq!(verify(&dir, None).unwrap_err(), Problem::Extra { file: "planted.json".into() });
    }

    #[test]
    fn swapped_lines_are_reordered() {
        let (_tmp, dir, _) = bundle();
        let mut lines = manifest_lines(&dir);
        lines.swap(1, 2);
        write_manifest(&dir, &lines);
        let p = verify(&dir, None).unwrap_err();
        assert_eq!(p, Problem::Reordered { line: 2, seq: 3 });
        assert_eq!(p.kind(), "reordered");
    }

    #[test]
    fn an_edited_entry_breaks_the_chain() {
        let (_tmp, dir, _) = bundle();
        // Point entry 2 at a forged file: its own line still parses, the next does not chain.
        std::fs::write(dir.join("cloudtrail-events.jsonl"), "").unwrap();
        let mut lines = manifest_lines(&dir);
        let mut e: Entry = serde_json::from_str(&lines[1]).unwrap();
        e.sha256 = sha256_hex(b"");
        e.bytes = 0;
        lines[1] = serde_json::to_string(&e).unwrap();
        write_manifest(&dir, &lines);
        assert_eq!(verify(&dir, None).unwrap_err(), Problem::ChainBroken { line: 3 });
    }

    #[test]
    fn a_removed_entry_breaks_the_chain() {
        let (_tmp, dir, _) = bundle();
        let mut lines = manifest_lines(&dir);
        lines.remove(1);
        write_manifest(&dir, &lines);
        std::fs::remove_file(dir.join("cloudtrail-events.jsonl")).unwrap();
        assert_eq!(verify(&dir, None).unwrap_err(), Problem::ChainBroken { line: 2 });
    }

    #[test]
    fn the_last_entry_is_covered_by_the_head() {
        let (_tmp, dir, head) = bundle();
        std::fs::write(dir.join("notes.txt"), "nothing to see\n").unwrap();
        let mut lines = manifest_lines(&dir);
        let mut e: Entry = serde_json::from_str(&lines[3]).unwrap();
        e.sha256 = sha256_hex(b"nothing to see\n");
        e.bytes = 15;
        lines[3] = serde_json::to_string(&e).unwrap();
        write_manifest(&dir, &lines);
        assert!(verify(&dir, None).is_ok(), "consistent within the bundle");
        let p = verify(&dir, Some(&head)).unwrap_err();
        assert!(matches!(p, Problem::HeadMismatch { .. }), "{p}");
    }

    #[test]
    fn garbage_and_absence_are_reported() {
        let (_tmp, dir, _) = bundle();
        let mut lines = manifest_lines(&dir);
        lines[0] = "not json".into();
        write_manifest(&dir, &lines);
        assert!(matches!(verify(&dir, None).unwrap_err(), Problem::Malformed { line: 1, .. }));
        std::fs::remove_file(dir.join(MANIFEST)).unwrap();
        assert!(matches!(verify(&dir, None).unwrap_err(), Problem::Manifest { .. }));
    }

    #[test]
    fn names_are_plain_and_bundles_fresh() {
        let (_tmp, dir, _) = bundle();
        assert!(matches!(Bundle::create(&dir).unwrap_err(), EvidenceError::NotEmpty { .. }));
        let tmp = tempfile::tempdir().unwrap();
        let mut b = Bundle::create(&tmp.path().join("b")).unwrap();
        for bad in ["../x", "a/b", MANIFEST, ".hidden", ""] {
            assert!(matches!(b.add(bad, b"x", Utc::now()).unwrap_err(), EvidenceError::BadName { .. }), "{bad}");
        }
        b.add("a.json", b"{}", Utc::now()).unwrap();
        assert!(matches!(b.add("a.json", b"{}", Utc::now()).unwrap_err(), EvidenceError::Duplicate { .. }));
    }

    #[test]
    fn default_dirs_are_safe() {
        let t = DateTime::parse_from_rfc3339("2025-03-04T05:06:07Z").unwrap().to_utc();
        assert_eq!(
            default_dir("revoke-role-sessions", "arn:aws:iam::111122223333:role/web", t),
            PathBuf::from("evidence/revoke-role-sessions-arn_aws_iam__111122223333_role_web-20250304T050607Z")
        );
    }
}
