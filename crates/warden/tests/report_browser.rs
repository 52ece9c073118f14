//! The HTML report of the example estate, opened in Debian's headless Chromium and
//! driven by `tests/browser/check_report.js` (playwright-core from npm, installed here
//! at test time; Chromium itself is never downloaded). The page must load without
//! console errors or network fetches, draw its charts, and filter and search rows.
//!
//! Needs `/usr/bin/chromium` (or `CHROMIUM`), `node` and `npm`. Fails, never skips, when
//! one is missing. `WARDEN_UPDATE_SCREENSHOT=1` refreshes `docs/report-screenshot.png`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn have(cmd: &str) -> bool {
    Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Installs playwright-core under the target directory once; returns the package path.
fn playwright_core() -> PathBuf {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser-npm");
    let pkg = prefix.join("node_modules/playwright-core");
    if pkg.join("package.json").exists() {
        return pkg;
    }
    assert!(have("node") && have("npm"), "node and npm are needed for the browser test: `apt-get install nodejs npm`");
    std::fs::create_dir_all(&prefix).unwrap();
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&prefix)
        .arg("playwright-core@1")
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success() && pkg.join("package.json").exists(),
        "could not install playwright-core from npm into {}: {}",
        prefix.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    pkg
}

#[test]
fn example_report_works_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is needed for the HTML report test: `apt-get install chromium` (Debian) or set CHROMIUM"
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = assert_cmd::Command::cargo_bin("warden")
        .unwrap()
        .current_dir(repo())
        .args(["scan", "--snapshot", "examples/northwind.json", "--format", "html", "-o"])
        .arg(&report)
        .env("WARDEN_DB", dir.path().join("history.db"))
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("<link"), "no external resources");

    let shot = if std::env::var_os("WARDEN_UPDATE_SCREENSHOT").is_some() {
        repo().join("docs/report-screenshot.png")
    } else {
        dir.path().join("report.png")
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_report.js");
    let out = Command::new("node")
        .arg(&script)
        .arg(&report)
        .arg(&shot)
        .env("PLAYWRIGHT_CORE", playwright_core())
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "browser checks failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["failures"], serde_json::json!([]));
    assert!(result["total"].as_u64().unwrap() > result["passTotal"].as_u64().unwrap());
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "screenshot written");
}
