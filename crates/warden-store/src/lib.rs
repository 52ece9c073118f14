//! Warden's memory across scans, in one embedded SQLite file.
//!
//! Every scan is recorded whole inside one transaction (its metadata and every finding),
//! so a process killed mid-write leaves the previous state intact. Findings are keyed by
//! their stable id, which is what makes first/last seen, diffs and mutes work across runs.
//! The store only stores and compares; it never decides a finding's status on its own
//! except through the mutes a user recorded explicitly.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use warden_model::{Finding, FindingHistory, Status};

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// Longest mute reason kept, in characters.
const MAX_REASON: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "history database `{path}` is corrupt or not a Warden database ({detail}): move it aside or choose another with `--db`"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("history database `{path}` has schema {found}, newer than this Warden knows ({known}): upgrade Warden")]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    #[error("history database `{path}`: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the directory of `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no scan #{0} in the history")]
    NoScan(i64),
    #[error("stored finding `{id}` of scan #{scan} is unreadable: {source}")]
    BadFinding {
        scan: i64,
        id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The default database: `$XDG_DATA_HOME/warden/history.db`, else
/// `$HOME/.local/share/warden/history.db` (`%APPDATA%\warden\history.db` on Windows).
pub fn default_path() -> Option<PathBuf> {
    let env_dir = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        env_dir("APPDATA")?
    } else if let Some(x) = env_dir("XDG_DATA_HOME") {
        x
    } else {
        env_dir("HOME")?.join(".local").join("share")
    };
    Some(base.join("warden").join("history.db"))
}

/// What is known about a recorded scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanRecord {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub source: String,
    /// Source kind and sorted account ids: scans of the same scope are comparable.
    pub scope: String,
    pub tool_version: String,
    pub total: usize,
    pub by_status: BTreeMap<Status, usize>,
}

/// The metadata of a scan about to be recorded.
#[derive(Debug, Clone)]
pub struct NewScan<'a> {
    pub started_at: DateTime<Utc>,
    pub source: &'a str,
    pub scope: &'a str,
    pub tool_version: &'a str,
}

/// A suppression kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mute {
    pub finding_id: String,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Mute {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|u| u > now)
    }

    /// How a muted finding names this entry in `muted_by`.
    pub fn label(&self) -> String {
        format!("store mute `{}`: {}", self.finding_id, self.reason)
    }
}

/// What changed between two scans, by finding id.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// FAIL in the later scan, and absent or PASS in the earlier one.
    pub new: Vec<Finding>,
    /// FAIL in the earlier scan, and PASS or absent in the later one (the later finding
    /// when present, else the earlier one).
    pub resolved: Vec<Finding>,
    /// In both scans, not PASS in both, with another status, severity or message:
    /// (earlier, later).
    pub changed: Vec<(Finding, Finding)>,
}

/// Scope of a scan: the source kind and the sorted set of account ids.
pub fn scope_of(source_kind: &str, accounts: &[String]) -> String {
    let mut ids: Vec<&str> = accounts.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    format!("{source_kind}:{}", ids.join(","))
}

/// First and last time a finding was recorded.
pub type Seen = (DateTime<Utc>, DateTime<Utc>);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

impl Store {
    /// Opens (creating if needed) the database at `path` and checks that it is ours.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        }
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        let mut store = Store { conn, path: path.to_owned() };
        store.init()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        classify(&self.path, e)
    }

    fn init(&mut self) -> Result<()> {
        let c = &self.conn;
        c.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| classify(&self.path, e))?;
        // Reading the header is what reveals a file that is not SQLite at all.
        let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| classify(&self.path, e))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema { path: self.path.clone(), found: version, known: SCHEMA_VERSION });
        }
        c.pragma_update(None, "journal_mode", "WAL").map_err(|e| classify(&self.path, e))?;
        c.pragma_update(None, "synchronous", "NORMAL").map_err(|e| classify(&self.path, e))?;
        if version == 0 {
            // Several scans may start at once on a fresh file: create the schema under
            // a write lock, after looking again.
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| classify(&self.path, e))?;
            let version: i64 =
                tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| classify(&self.path, e))?;
            if version == 0 {
                let tables: i64 = tx
                    .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
                    .map_err(|e| classify(&self.path, e))?;
                if tables > 0 {
                    return Err(Error::Corrupt {
                        path: self.path.clone(),
                        detail: "an SQLite file with other tables".into(),
                    });
                }
                tx.execute_batch(SCHEMA).map_err(|e| classify(&self.path, e))?;
            }
            tx.commit().map_err(|e| classify(&self.path, e))?;
        }
        Ok(())
    }

    /// Records a scan and its findings in one transaction; returns the new scan.
    pub fn record(&mut self, scan: &NewScan<'_>, findings: &[Finding]) -> Result<ScanRecord> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| classify(&path, e))?;
        let at = ts(scan.started_at);
        tx.execute(
            "INSERT INTO scans (started_at, source, scope, tool_version, total) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, scan.source, scan.scope, scan.tool_version, findings.len() as i64],
        )
        .map_err(|e| classify(&path, e))?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare(
                    "INSERT OR REPLACE INTO findings (scan_id, finding_id, status, severity, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| classify(&path, e))?;
            let mut seen = tx
                .prepare(
                    "INSERT INTO seen (finding_id, first_seen, last_seen) VALUES (?1, ?2, ?2)
                     ON CONFLICT(finding_id) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .map_err(|e| classify(&path, e))?;
            for f in findings {
                let body = serde_json::to_string(f).map_err(|source| Error::BadFinding {
                    scan: id,
                    id: f.id.clone(),
                    source,
                })?;
                ins.execute(params![id, f.id, f.status.as_str(), f.severity.as_str(), body])
                    .map_err(|e| classify(&path, e))?;
                seen.execute(params![f.id, at]).map_err(|e| classify(&path, e))?;
            }
        }
        tx.commit().map_err(|e| classify(&path, e))?;
        self.scan(id)
    }

    /// Every recorded scan, oldest first.
    pub fn scans(&self) -> Result<Vec<ScanRecord>> {
        self.scans_where(None)
    }

    fn scans_where(&self, id: Option<i64>) -> Result<Vec<ScanRecord>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, started_at, source, scope, tool_version, total FROM scans
                 WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, source, scope, tool_version, total) = row.map_err(|e| self.err(e))?;
            out.push(ScanRecord {
                id,
                started_at: parse_ts(&at).unwrap_or_default(),
                source,
                scope,
                tool_version,
                total: usize::try_from(total).unwrap_or_default(),
                by_status: self.status_counts(id)?,
            });
        }
        Ok(out)
    }

    fn status_counts(&self, scan: i64) -> Result<BTreeMap<Status, usize>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT status, count(*) FROM findings WHERE scan_id = ?1 GROUP BY status")
            .map_err(|e| self.err(e))?;
        let rows =
            st.query_map([scan], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(|e| self.err(e))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (status, n) = row.map_err(|e| self.err(e))?;
            if let Ok(s) = status.parse::<Status>() {
                out.insert(s, usize::try_from(n).unwrap_or_default());
            }
        }
        Ok(out)
    }

    /// One recorded scan.
    pub fn scan(&self, id: i64) -> Result<ScanRecord> {
        self.scans_where(Some(id))?.pop().ok_or(Error::NoScan(id))
    }

    /// The latest scan, if any.
    pub fn latest(&self) -> Result<Option<ScanRecord>> {
        let id: Option<i64> =
            self.conn.query_row("SELECT max(id) FROM scans", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        id.map(|id| self.scan(id)).transpose()
    }

    /// The latest scan of `scope` recorded before scan `before` (or the latest at all).
    pub fn previous_of_scope(&self, scope: &str, before: Option<i64>) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM scans WHERE scope = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                params![scope, before.unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The findings of a scan, in the order they were recorded.
    pub fn findings(&self, scan: i64) -> Result<Vec<Finding>> {
        let mut st = self
            .conn
            .prepare("SELECT finding_id, body FROM findings WHERE scan_id = ?1 ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let rows =
            st.query_map([scan], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(|e| self.err(e))?;
            out.push(serde_json::from_str(&body).map_err(|source| Error::BadFinding { scan, id, source })?);
        }
        Ok(out)
    }

    /// First and last time each finding was seen, for the ids asked.
    pub fn seen(&self, ids: &[&str]) -> Result<HashMap<String, Seen>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT first_seen, last_seen FROM seen WHERE finding_id = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            let row: Option<(String, String)> =
                st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(|e| self.err(e))?;
            if let Some((first, last)) = row
                && let (Some(first), Some(last)) = (parse_ts(&first), parse_ts(&last))
            {
                out.insert((*id).to_owned(), (first, last));
            }
        }
        Ok(out)
    }

    /// Fills `history` of each finding from the store (call after [`Store::record`]), and
    /// marks as new those not present with the same status in scan `previous`.
    pub fn fill_history(&self, findings: &mut [Finding], previous: Option<i64>) -> Result<()> {
        let before: HashMap<String, Status> = match previous {
            Some(p) => self.findings(p)?.into_iter().map(|f| (f.id, f.status)).collect(),
            None => HashMap::new(),
        };
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        let seen = self.seen(&ids)?;
        for f in findings.iter_mut() {
            if let Some((first, last)) = seen.get(&f.id) {
                let new = before.get(&f.id) != Some(&f.status);
                f.history = Some(FindingHistory { first_seen: *first, last_seen: *last, new });
            }
        }
        Ok(())
    }

    /// Compares two recorded scans.
    pub fn diff(&self, a: i64, b: i64) -> Result<Diff> {
        self.scan(a)?;
        self.scan(b)?;
        Ok(diff(self.findings(a)?, self.findings(b)?))
    }

    /// Adds or replaces a mute for `finding_id`.
    pub fn mute(&self, finding_id: &str, reason: &str, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
        let id = finding_id.trim();
        if id.is_empty() || id.len() > 256 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_:./".contains(c)) {
            return Err(Error::Invalid(format!("`{finding_id}` is not a finding id (a hex string from a report)")));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("a mute needs a reason (`--reason`)".into()));
        }
        let reason: String = reason.chars().take(MAX_REASON).collect();
        self.conn
            .execute(
                "INSERT OR REPLACE INTO mutes (finding_id, reason, until, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, reason, until.map(ts), ts(now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Removes the mute of `finding_id`; false when there was none.
    pub fn unmute(&self, finding_id: &str) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM mutes WHERE finding_id = ?1", [finding_id.trim()])
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Every mute, expired or not.
    pub fn mutes(&self) -> Result<Vec<Mute>> {
        let mut st = self
            .conn
            .prepare("SELECT finding_id, reason, until, created_at FROM mutes ORDER BY finding_id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (finding_id, reason, until, created) = row.map_err(|e| self.err(e))?;
            out.push(Mute {
                finding_id,
                reason,
                until: until.as_deref().and_then(parse_ts),
                created_at: parse_ts(&created).unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

/// Applies the active mutes to non-PASS findings; returns notes on expired mutes that
/// would have matched, and on mutes that are expired at all.
pub fn apply_mutes(mutes: &[Mute], findings: &mut [Finding], now: DateTime<Utc>) -> Vec<String> {
    let by_id: HashMap<&str, &Mute> = mutes.iter().map(|m| (m.finding_id.as_str(), m)).collect();
    let mut notes = Vec::new();
    for f in findings.iter_mut() {
        let Some(m) = by_id.get(f.id.as_str()) else { continue };
        if f.status == Status::Pass || f.status == Status::Muted {
            continue;
        }
        if m.is_active(now) {
            f.status = Status::Muted;
            f.muted_by = Some(m.label());
        }
    }
    for m in mutes.iter().filter(|m| !m.is_active(now)) {
        if let Some(u) = m.until {
            notes.push(format!(
                "store mute of finding `{}` expired on {} ({}): the finding is reported again; renew it with `warden mute` or remove it with `warden unmute`",
                m.finding_id,
                u.format("%Y-%m-%d"),
                m.reason
            ));
        }
    }
    notes
}

/// New, resolved and changed findings between an earlier and a later list.
pub fn diff(earlier: Vec<Finding>, later: Vec<Finding>) -> Diff {
    let mut before: HashMap<String, Finding> = earlier.into_iter().map(|f| (f.id.clone(), f)).collect();
    let mut d = Diff::default();
    for f in later {
        match before.remove(&f.id) {
            None if f.status == Status::Fail => d.new.push(f),
            None => {}
            Some(old) => {
                if f.status == Status::Fail && old.status == Status::Pass {
                    d.new.push(f);
                } else if old.status == Status::Fail && f.status == Status::Pass {
                    d.resolved.push(f);
                } else if (old.status != Status::Pass || f.status != Status::Pass)
                    && (old.status != f.status || old.severity != f.severity || old.message != f.message)
                {
                    d.changed.push((old, f));
                }
            }
        }
    }
    let mut gone: Vec<Finding> = before.into_values().filter(|f| f.status == Status::Fail).collect();
    gone.sort_by(|a, b| a.id.cmp(&b.id));
    d.resolved.extend(gone);
    d
}

/// Maps SQLite's "not a database" and "corrupt" codes to [`Error::Corrupt`].
fn classify(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) if matches!(f.code, NotADatabase | DatabaseCorrupt) => {
            Error::Corrupt { path: path.to_owned(), detail: msg.clone().unwrap_or_else(|| f.to_string()) }
        }
        _ => Error::Sqlite { path: path.to_owned(), source: e },
    }
}

const SCHEMA: &str = "
CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    source TEXT NOT NULL,
    scope TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    total INTEGER NOT NULL
);
CREATE INDEX scans_scope ON scans (scope, id);
CREATE TABLE findings (
    scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    finding_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scan_id, finding_id)
);
CREATE TABLE seen (
    finding_id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE mutes (
    finding_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    until TEXT,
    created_at TEXT NOT NULL
);
PRAGMA user_version = 1;
";
