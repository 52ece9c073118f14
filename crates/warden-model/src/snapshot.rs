//! The snapshot file: a versioned, self-describing copy of an inventory.
//!
//! JSON, optionally zstd-compressed (recognised by its magic bytes, not its name).
//! Reading is defensive: the file is untrusted, so sizes are capped, nesting is bounded
//! by serde_json's recursion limit, and every failure names the file and the place.

use crate::Inventory;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The snapshot format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Largest snapshot accepted, after decompression.
pub const MAX_SNAPSHOT_BYTES: u64 = 4 << 30;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    pub format_version: u32,
    /// The tool and version that wrote it, e.g. `warden 0.1.0`.
    pub generator: String,
    /// When the data was read. Checks measure ages (key rotation, unused credentials)
    /// against this instant, so an old snapshot gives the same answer every time.
    pub collected_at: DateTime<Utc>,
    /// Where the data came from: `aws`, `example`, `authz-details`, ….
    pub source: String,
    pub inventory: Inventory,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("snapshot `{path}` is empty")]
    Empty { path: PathBuf },
    #[error("snapshot `{path}` is larger than {limit} bytes once decompressed")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("snapshot `{path}`: not valid zstd data: {detail}")]
    Compression { path: PathBuf, detail: String },
    #[error("snapshot `{path}`, line {line} column {column}{at}: {detail}")]
    Json { path: PathBuf, line: usize, column: usize, at: String, detail: String },
    #[error(
        "snapshot `{path}` has format_version {found}; this warden reads version {FORMAT_VERSION}: upgrade warden or re-collect"
    )]
    Version { path: PathBuf, found: u64 },
}

impl Snapshot {
    pub fn new(source: impl Into<String>, collected_at: DateTime<Utc>, inventory: Inventory) -> Self {
        Snapshot {
            format_version: FORMAT_VERSION,
            generator: format!("warden {}", env!("CARGO_PKG_VERSION")),
            collected_at,
            source: source.into(),
            inventory,
        }
    }

    /// Reads a snapshot file (`-` for standard input).
    pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
        let bytes = read_capped(path)?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses snapshot bytes, JSON or zstd-compressed JSON. `path` is used in errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        let owned;
        let json = if bytes.starts_with(&ZSTD_MAGIC) {
            owned = decompress_capped(path, bytes)?;
            owned.as_slice()
        } else {
            bytes
        };
        if json.iter().all(u8::is_ascii_whitespace) {
            return Err(SnapshotError::Empty { path: path.to_owned() });
        }
        let mut de = serde_json::Deserializer::from_slice(json);
        let parsed = serde_path_to_error::deserialize::<_, Snapshot>(&mut de)
            .map_err(|e| (e.path().to_string(), e.into_inner()))
            .and_then(|s| de.end().map(|()| s).map_err(|e| (String::new(), e)));
        match parsed {
            Ok(s) if u64::from(s.format_version) != u64::from(FORMAT_VERSION) => {
                Err(SnapshotError::Version { path: path.to_owned(), found: s.format_version.into() })
            }
            Ok(s) => Ok(s),
            Err((at, inner)) => {
                // A snapshot from a newer format often fails to parse: say so rather
                // than pointing at whichever field changed.
                if let Some(found) = declared_version(json).filter(|v| *v != u64::from(FORMAT_VERSION)) {
                    return Err(SnapshotError::Version { path: path.to_owned(), found });
                }
                Err(SnapshotError::Json {
                    path: path.to_owned(),
                    line: inner.line(),
                    column: inner.column(),
                    at: if at.is_empty() || at == "." { String::new() } else { format!(" (at `{at}`)") },
                    detail: inner.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
                })
            }
        }
    }

    /// Writes the snapshot, zstd-compressed when the name ends in `.zst`, pretty JSON
    /// otherwise (`-` writes JSON to standard output).
    pub fn write(&self, path: &Path) -> Result<(), SnapshotError> {
        let io = |source| SnapshotError::Io { path: path.to_owned(), source };
        let json = serde_json::to_vec_pretty(self).map_err(|e| io(e.into()))?;
        if path.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            out.write_all(&json).and_then(|()| out.write_all(b"\n")).map_err(io)?;
            return Ok(());
        }
        let data = if path.extension().is_some_and(|e| e == "zst") {
            zstd::encode_all(json.as_slice(), 9).map_err(io)?
        } else {
            json
        };
        let tmp = path.with_extension("tmp-warden");
        std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, path)).map_err(io)
    }

    /// The JSON schema of the snapshot format.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Snapshot)).unwrap_or_default()
    }
}

fn declared_version(json: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Header {
        format_version: u64,
    }
    serde_json::from_slice::<Header>(json).ok().map(|h| h.format_version)
}

fn read_capped(path: &Path) -> Result<Vec<u8>, SnapshotError> {
    let io = |source| SnapshotError::Io { path: path.to_owned(), source };
    let mut buf = Vec::new();
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    reader.take(MAX_SNAPSHOT_BYTES + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(SnapshotError::TooLarge { path: path.to_owned(), limit: MAX_SNAPSHOT_BYTES });
    }
    Ok(buf)
}

fn decompress_capped(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, SnapshotError> {
    let err = |e: std::io::Error| SnapshotError::Compression { path: path.to_owned(), detail: e.to_string() };
    let decoder = zstd::stream::read::Decoder::new(bytes).map_err(err)?;
    let mut out = Vec::new();
    decoder.take(MAX_SNAPSHOT_BYTES + 1).read_to_end(&mut out).map_err(err)?;
    if out.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(SnapshotError::TooLarge { path: path.to_owned(), limit: MAX_SNAPSHOT_BYTES });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Snapshot {
        let inv: Inventory = serde_json::from_value(serde_json::json!({
            "accounts": [{"id": "111122223333", "regions": [{"name": "us-east-1"}]}]
        }))
        .unwrap();
        Snapshot::new("test", Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(), inv)
    }

    fn parse(s: &str) -> Result<Snapshot, SnapshotError> {
        Snapshot::from_bytes(Path::new("t.json"), s.as_bytes())
    }

    #[test]
    fn round_trip_json_and_zstd() {
        let dir = std::env::temp_dir().join(format!("warden-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["s.json", "s.json.zst"] {
            let p = dir.join(name);
            sample().write(&p).unwrap();
            assert_eq!(Snapshot::read(&p).unwrap(), sample());
        }
        let zst = std::fs::read(dir.join("s.json.zst")).unwrap();
        assert!(zst.starts_with(&ZSTD_MAGIC));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_input_is_a_located_error() {
        assert!(matches!(parse(""), Err(SnapshotError::Empty { .. })));
        assert!(matches!(parse("  \n"), Err(SnapshotError::Empty { .. })));
        let good = serde_json::to_string(&sample()).unwrap();
        let e = parse(&good[..good.len() / 2]).unwrap_err().to_string();
        assert!(e.contains("t.json") && e.contains("line 1"), "{e}");
        let wrong = good.replace("\"111122223333\"", "111122223333");
        let e = parse(&wrong).unwrap_err().to_string();
        assert!(e.contains("inventory.accounts[0].id"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn newer_version_is_refused() {
        let good = serde_json::to_string(&sample()).unwrap();
        let newer = good.replace("\"format_version\":1", "\"format_version\":7");
        assert!(matches!(parse(&newer), Err(SnapshotError::Version { found: 7, .. })));
        let mut incompatible: serde_json::Value = serde_json::from_str(&newer).unwrap();
        incompatible["inventory"]["accounts"] = serde_json::json!({"x": []});
        let incompatible = incompatible.to_string();
        assert!(matches!(parse(&incompatible), Err(SnapshotError::Version { found: 7, .. })));
    }

    #[test]
    fn corrupt_zstd_is_an_error() {
        let mut bytes = ZSTD_MAGIC.to_vec();
        bytes.extend_from_slice(b"garbage");
        assert!(matches!(Snapshot::from_bytes(Path::new("x.zst"), &bytes), Err(SnapshotError::Compression { .. })));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn schema_names_the_inventory() {
        let s = Snapshot::json_schema().to_string();
        assert!(s.contains("format_version") && s.contains("password_policy"));
    }
}
