//! Shared by the integration tests: a moto server that dies with the test, free ports,
//! the `warden` binary with an isolated AWS environment, and the example estate with one
//! weakness fixed.
//!
//! Compiled on its own as an (empty) test target too, hence the `dead_code` allowance.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-live-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `moto_server`, killed when dropped (also when the test panics).
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start(log: &Path) -> Moto {
        let port = free_port();
        let log = std::fs::File::create(log).unwrap();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // AWS-managed policies (AdministratorAccess, AWSSupportAccess) exist only when loaded.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `moto_server` ({e}); install it with `pip install 'moto[server]'` (see .ci/run)")
            });
        let mut moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited early with {status}");
            }
            assert!(Instant::now() < deadline, "moto_server did not listen on port {port} within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto.url = format!("http://127.0.0.1:{port}");
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Dummy credentials and nothing from the developer's own AWS configuration.
pub fn isolated_env(cmd: &mut std::process::Command, endpoint: &str, dir: &Path) {
    for empty in ["aws-config", "aws-credentials"] {
        std::fs::write(dir.join(empty), "").unwrap();
    }
    for var in
        ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]
    {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", dir.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // `scan` records history: keep it in the test's directory.
        .env("WARDEN_DB", dir.join("history.db"))
        .env("WARDEN_AUDIT_LOG", dir.join("audit.jsonl"));
}

/// The real `warden` binary pointed at `endpoint`.
pub fn warden(endpoint: &str, dir: &Path) -> Command {
    let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("warden"));
    isolated_env(&mut std_cmd, endpoint, dir);
    std_cmd.env_remove("NO_COLOR").env_remove("WARDEN_LOG");
    Command::from_std(std_cmd)
}

/// The example estate with its one public EBS snapshot made private, written to `dir`.
pub fn fixed_copy(dir: &Path) -> PathBuf {
    let example = repo().join("examples/northwind.json");
    let mut snap: serde_json::Value = serde_json::from_slice(&std::fs::read(example).unwrap()).unwrap();
    let mut fixed = 0;
    for acct in snap["inventory"]["accounts"].as_array_mut().unwrap() {
        for region in acct["regions"].as_array_mut().unwrap() {
            let snapshots = region.pointer_mut("/ec2/snapshots/known").and_then(serde_json::Value::as_array_mut);
            for s in snapshots.into_iter().flatten() {
                if s["id"] == "snap-c0470af30e2aff794" {
                    s["create_volume_permissions"]["known"] = serde_json::json!([]);
                    fixed += 1;
                }
            }
        }
    }
    assert_eq!(fixed, 1, "the example estate changed: pick another weakness");
    let p = dir.join("fixed.json");
    std::fs::write(&p, serde_json::to_vec(&snap).unwrap()).unwrap();
    p
}
