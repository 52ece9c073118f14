//! The real binary, run as a user would: exit codes, output formats, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> String {
    repo().join("examples/northwind.json").display().to_string()
}

fn warden() -> Command {
    let mut c = Command::cargo_bin("warden").unwrap();
    // `scan` records history; keep it out of the user's data directory.
    // One database per run: parallel tests must not contend for one SQLite file.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    c.env_remove("NO_COLOR").env_remove("WARDEN_LOG").env("WARDEN_DB", tmp(&format!("history-{n}.db")));
    c
}

fn scan_json(extra: &[&str]) -> serde_json::Value {
    let out = warden().args(["scan", "--snapshot", &example(), "--format", "json"]).args(extra).output().unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn readme_command_prints_a_table_and_exits_1() {
    let out = warden().args(["scan", "--snapshot", &example()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the example estate has failures");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Status") && text.contains("FAIL"));
    assert!(text.lines().last().unwrap().contains("findings:"));
    assert!(!text.contains("\u{1b}["), "no colour when stdout is not a terminal");
}

#[test]
fn committed_example_is_what_the_generator_writes() {
    let path = tmp("regen.json");
    warden().args(["example", "-o"]).arg(&path).assert().success();
    let regenerated = std::fs::read_to_string(&path).unwrap();
    let committed = std::fs::read_to_string(example()).unwrap();
    assert!(
        regenerated == committed,
        "examples/northwind.json is stale: run `cargo run -p warden -- example -o examples/northwind.json`"
    );
}

#[test]
fn ids_are_stable_and_findings_complete() {
    let a = scan_json(&[]);
    let b = scan_json(&[]);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&a), ids(&b));
    let unique: BTreeSet<_> = ids(&a).into_iter().collect();
    assert_eq!(unique.len(), a["findings"].as_array().unwrap().len(), "ids are unique");
    for f in a["findings"].as_array().unwrap() {
        for key in [
            "id",
            "check_id",
            "title",
            "status",
            "severity",
            "resource",
            "message",
            "evidence",
            "remediation",
            "compliance",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
    }
    let statuses: BTreeSet<_> =
        a["findings"].as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert!(statuses.contains("FAIL") && statuses.contains("PASS") && statuses.contains("ERROR"), "{statuses:?}");
}

#[test]
fn every_format_parses() {
    for format in ["json", "jsonl", "csv", "sarif", "ocsf", "asff", "junit", "table"] {
        let out = warden().args(["scan", "--snapshot", &example(), "--format", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        match format {
            "json" | "sarif" | "ocsf" | "asff" => {
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
            "jsonl" => text.lines().for_each(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap();
            }),
            "csv" => {
                let mut r = csv::Reader::from_reader(text.as_bytes());
                assert!(r.records().map(Result::unwrap).count() > 100);
            }
            "junit" => {
                let mut r = quick_xml::Reader::from_str(&text);
                while !matches!(r.read_event().unwrap(), quick_xml::events::Event::Eof) {}
            }
            _ => assert!(text.contains("findings:")),
        }
    }
}

#[test]
fn output_file_and_fail_on_thresholds() {
    let path = tmp("out.sarif");
    warden().args(["scan", "--snapshot", &example(), "-f", "sarif", "-o"]).arg(&path).assert().code(1).stdout("");
    assert!(std::fs::read_to_string(&path).unwrap().contains("\"2.1.0\""));
    warden().args(["scan", "--snapshot", &example(), "--fail-on", "none"]).assert().code(0);
    // Only low-severity checks, failing at critical: nothing reaches the threshold.
    warden().args(["scan", "--snapshot", &example(), "--severity", "low", "--fail-on", "critical"]).assert().code(0);
    warden().args(["scan", "--snapshot", &example(), "--severity", "low", "--fail-on", "low"]).assert().code(1);
}

#[test]
fn filters_select_checks_and_statuses() {
    let v = scan_json(&["--checks", "s3_*", "--status", "FAIL"]);
    let fs = v["findings"].as_array().unwrap();
    assert!(!fs.is_empty());
    assert!(fs.iter().all(|f| f["check_id"].as_str().unwrap().starts_with("s3_") && f["status"] == "FAIL"));
    let out = warden().args(["scan", "--snapshot", &example(), "--checks", "nope_*"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no check matches `nope_*`"));
}

#[test]
fn framework_scan_adds_manual_requirements() {
    let v = scan_json(&["--framework", "cis-aws-7.0"]);
    let fs = v["findings"].as_array().unwrap();
    assert!(fs.iter().any(|f| f["status"] == "MANUAL" && f["remediation"]["text"].as_str().unwrap().len() > 20));
    assert!(fs.iter().all(|f| f["compliance"].get("cis-aws-7.0").is_some()));
}

#[test]
fn mutelist_mutes_and_reports_expired_rules() {
    let path = tmp("mutes.yaml");
    std::fs::write(
        &path,
        "mutes:\n  - reason: accepted for the demo\n    checks: [\"ec2_instance_imdsv2_required\"]\n  - reason: old\n    checks: [\"s3_*\"]\n    expires: 2020-01-01\n",
    )
    .unwrap();
    let v = scan_json(&["--mutelist", path.to_str().unwrap()]);
    let fs = v["findings"].as_array().unwrap();
    let imds: Vec<_> =
        fs.iter().filter(|f| f["check_id"] == "ec2_instance_imdsv2_required" && f["status"] != "PASS").collect();
    assert!(
        !imds.is_empty()
            && imds.iter().all(|f| f["status"] == "MUTED" && f["muted_by"].as_str().unwrap().contains("rule 1"))
    );
    assert!(fs.iter().any(|f| f["check_id"].as_str().unwrap().starts_with("s3_") && f["status"] == "FAIL"));
    assert!(v["scan"]["notes"][0].as_str().unwrap().contains("expired on 2020-01-01"));
}

fn assert_clean_error(args: &[&str], needle: &str) {
    let out = warden().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
}

#[test]
fn bad_snapshots_are_one_line_errors() {
    let empty = tmp("empty.json");
    std::fs::write(&empty, "").unwrap();
    assert_clean_error(&["scan", "--snapshot", empty.to_str().unwrap()], "is empty");

    let good = std::fs::read_to_string(example()).unwrap();
    let truncated = tmp("truncated.json");
    std::fs::write(&truncated, &good[..good.len() / 3]).unwrap();
    assert_clean_error(&["scan", "--snapshot", truncated.to_str().unwrap()], "line");

    let wrong = tmp("wrong.json");
    std::fs::write(&wrong, good.replacen("\"format_version\": 1", "\"format_version\": \"one\"", 1)).unwrap();
    assert_clean_error(&["scan", "--snapshot", wrong.to_str().unwrap()], "format_version");

    let newer = tmp("newer.json");
    std::fs::write(&newer, good.replacen("\"format_version\": 1", "\"format_version\": 99", 1)).unwrap();
    assert_clean_error(&["scan", "--snapshot", newer.to_str().unwrap()], "format_version 99");

    let types = tmp("types.json");
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let mut v2 = v.clone();
    v2["inventory"]["accounts"][0]["regions"] = serde_json::json!("us-east-1");
    std::fs::write(&types, serde_json::to_string(&v2).unwrap()).unwrap();
    assert_clean_error(&["scan", "--snapshot", types.to_str().unwrap()], "inventory.accounts[0].regions");

    assert_clean_error(&["scan", "--snapshot", "/nonexistent/x.json"], "No such file");
    assert_clean_error(&["scan", "--snapshot", &example(), "--framework", "nist"], "unknown framework `nist`");
}

#[test]
fn collect_round_trips_through_zstd() {
    let zst = tmp("estate.json.zst");
    warden().args(["collect", "--snapshot", &example(), "-o"]).arg(&zst).assert().success();
    let a = scan_json(&[]);
    let out = warden().args(["scan", "--snapshot"]).arg(&zst).args(["--format", "json"]).output().unwrap();
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["findings"], b["findings"]);
}

#[test]
fn listings_and_schema() {
    let out = warden().args(["checks", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("iam_root_mfa_enabled") && text.trim_end().ends_with("checks"));
    let out = warden().args(["frameworks", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cis-aws-7.0") && text.contains("70 requirements"), "{text}");
    let fsbp = text.lines().find(|l| l.starts_with("aws-fsbp ")).unwrap();
    assert!(fsbp.ends_with("coverage 41/164 controls for inventoried services (25.0%)"), "{fsbp}");
    for id in ["cis-aws-6.0", "cis-aws-5.0", "nist-800-53-r5", "pci-dss-4.0", "iso-27001-2022", "soc2", "hipaa", "gdpr"]
    {
        assert!(text.lines().any(|l| l.starts_with(&format!("{id} "))), "{id} missing: {text}");
    }
    let out = warden().args(["frameworks", "list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fsbp = list.as_array().unwrap().iter().find(|f| f["id"] == "aws-fsbp").unwrap();
    assert_eq!(fsbp["coverage"], serde_json::json!({"implemented": 41, "in_scope": 164, "percent": 25.0}));
    let out = warden().args(["schema", "snapshot"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema.to_string().contains("format_version"));
    warden().args(["generate", "man"]).assert().success();
    warden().args(["generate", "bash"]).assert().success();
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    let bin = assert_cmd::cargo::cargo_bin("warden");
    let mut child = std::process::Command::new(bin)
        .args(["scan", "--snapshot", &example(), "--format", "jsonl", "--fail-on", "none", "--no-history"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn who_can(action: &str, resource: &str) -> (Vec<String>, String) {
    let out = warden().args(["iam", "who-can", action, resource, "--snapshot", &example()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let principals = text.lines().filter(|l| l.starts_with("arn:")).map(str::to_owned).collect();
    (principals, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn who_can_evaluates_every_account_of_the_snapshot() {
    // The bucket policy grants no other account: only the owner's principals.
    let (principals, stderr) = who_can("s3:GetObject", "arn:aws:s3:::northwind-prod-data-lake-raw/x");
    assert!(!principals.is_empty());
    assert!(principals.iter().all(|p| p.contains(":592837465012:")), "{principals:?}");
    assert!(!stderr.contains("only"), "{stderr}");
    // The prod role trusts the management account, whose admin role may assume it.
    let (principals, _) = who_can("sts:AssumeRole", "arn:aws:iam::592837465012:role/OrganizationAccountAccessRole");
    assert!(principals.iter().any(|p| p == "arn:aws:iam::481516234201:role/federated/sso-admin"), "{principals:?}");
    assert!(principals.iter().all(|p| p.contains(":481516234201:")), "{principals:?}");
}

#[test]
fn compliance_lists_every_cis_requirement_with_a_status() {
    let out = warden()
        .args(["compliance", "--framework", "cis-aws-7.0", "--snapshot", &example(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the example fails CIS requirements");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reqs = v["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), 70);
    for r in reqs {
        let status = r["status"].as_str().unwrap();
        assert!(["PASS", "FAIL", "ERROR", "MANUAL"].contains(&status), "{r}");
        if status == "MANUAL" {
            assert!(r["audit"].as_str().is_some_and(|a| a.len() > 20), "MANUAL without audit steps: {r}");
        } else {
            assert!(r["finding_ids"].as_array().is_some(), "{r}");
        }
    }
    let fail = reqs.iter().find(|r| r["id"] == "2.5").unwrap();
    assert_eq!(fail["status"], "FAIL");
    assert!(!fail["finding_ids"].as_array().unwrap().is_empty());
    let csv_out = warden()
        .args([
            "compliance",
            "--framework",
            "cis-aws-7.0",
            "--snapshot",
            &example(),
            "--format",
            "csv",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(csv_out.status.code(), Some(0));
    assert_eq!(csv::Reader::from_reader(csv_out.stdout.as_slice()).records().count(), 70);
}

#[test]
fn compliance_views_the_mapped_frameworks() {
    let out = warden()
        .args(["compliance", "--framework", "nist-800-53-r5", "--snapshot", &example(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["framework"], "nist-800-53-r5");
    let reqs = v["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), 110);
    assert!(reqs.iter().all(|r| r["status"] != "MANUAL"), "every NIST entry is backed by a check");
    let mfa = reqs.iter().find(|r| r["id"] == "IA-2(1)").unwrap();
    assert_eq!(mfa["status"], "FAIL", "the example's root user has no MFA: {mfa}");
    for fw in ["cis-aws-6.0", "cis-aws-5.0", "pci-dss-4.0", "iso-27001-2022", "soc2", "hipaa", "gdpr"] {
        let out = warden()
            .args(["compliance", "--framework", fw, "--snapshot", &example(), "--format", "json", "--fail-on", "none"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{fw}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!v["requirements"].as_array().unwrap().is_empty(), "{fw}");
    }
}

#[test]
fn detect_finds_the_attack_in_the_invictus_sample() {
    let data = repo().join("../shared/data/cloudtrail/invictus");
    let out = warden().args(["detect"]).arg(&data).args(["--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = v["findings"].as_array().unwrap();
    assert!(fs.len() >= 20, "{}", fs.len());
    assert!(fs.iter().any(|f| f["check_id"] == "warden_cis_unauthorized_api_calls"));
    assert!(
        fs.iter()
            .all(|f| f["compliance"].get("mitre-attack").is_some() || f["compliance"].get("cis-aws-7.0").is_some())
    );
    warden().args(["detect", "--list-rules"]).assert().success();
}

#[test]
fn net_exposure_follows_the_whole_path() {
    let out = warden().args(["net", "exposure", "--snapshot", &example(), "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = v["findings"].as_array().unwrap();
    let exposed: Vec<_> =
        fs.iter().filter(|f| f["check_id"] == "net_internet_exposure" && f["status"] == "FAIL").collect();
    assert!(!exposed.is_empty());
    for f in &exposed {
        let kinds: Vec<&str> =
            f["evidence"]["exposure"]["path"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.first(), Some(&"internet-gateway"));
        assert!(kinds.contains(&"network-acl") && kinds.contains(&"security-group"));
    }
    // windows-jump opens 3389 to the world in its group, but its subnet's ACL does not.
    assert!(!fs.iter().any(|f| f["status"] == "FAIL" && f["message"].as_str().unwrap().contains("3389")));
    // Load balancers: prod-web's HTTPS listener, and the web fleet through it; the
    // internal ALB is not reachable. Databases: staging-db only.
    let status = |check: &str, arn_part: &str| -> Vec<&str> {
        fs.iter()
            .filter(|f| f["check_id"] == check && f["resource"]["arn"].as_str().unwrap().contains(arn_part))
            .map(|f| f["status"].as_str().unwrap())
            .collect()
    };
    assert_eq!(status("net_internet_exposure", "loadbalancer/app/prod-web/"), ["FAIL"]);
    assert_eq!(status("net_internet_exposure", "loadbalancer/app/prod-internal-api/"), ["PASS"]);
    assert_eq!(status("net_no_sensitive_port_reachable_from_internet", "db:staging-db"), ["FAIL"]);
    assert_eq!(status("net_internet_exposure", "db:orders-db"), ["PASS"]);
    let through: Vec<_> = exposed.iter().filter(|f| f["evidence"]["exposure"]["kind"] == "target").collect();
    assert!(through.len() >= 2, "targets reached through load balancers: {}", through.len());
    for f in through {
        let kinds: Vec<&str> =
            f["evidence"]["exposure"]["path"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"listener") && kinds.last() == Some(&"network-interface"), "{kinds:?}");
        assert_eq!(f["resource"]["type"], "AwsEc2Instance");
    }
}

#[test]
fn iam_paths_reports_hops_and_filters_by_principal() {
    let estate = repo().join("crates/warden-iam/tests/privesc/estate.json").display().to_string();
    let out = warden()
        .args(["iam", "paths", "--snapshot", &estate, "--from", "t-chain", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hops = v[0]["paths"][0].as_array().unwrap();
    assert_eq!(hops.len(), 2);
    assert_eq!(hops[0]["technique"], "sts-assume-role");
    assert!(hops[1]["to"].as_str().unwrap().ends_with("role/admin-assumable"));
    assert!(hops[0]["steps"][0]["reasons"].as_array().is_some_and(|r| !r.is_empty()));

    let out = warden().args(["iam", "paths", "--snapshot", &estate]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("t-lambda-invoke  admin in 1 hop(s)") && text.contains("lambda:CreateFunction on "),
        "{text}"
    );
    assert!(!text.contains("trap-deny-same-policy"), "{text}");

    let out = warden().args(["iam", "paths", "--snapshot", &estate, "--from", "reader"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no path to admin"));
    let out = warden().args(["iam", "paths", "--snapshot", &estate, "--from", "nobody"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = warden().args(["iam", "paths", "--example", "--format", "json"]).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().is_array());
}

#[test]
fn iam_generate_policy_from_the_invictus_sample_lints_clean() {
    let data = repo().join("../shared/data/cloudtrail/invictus");
    let user = "arn:aws:iam::123837392027:user/bert-jan";
    let out = warden()
        .args(["iam", "generate-policy", "--principal", user, "--cloudtrail"])
        .arg(&data)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["summary"];
    assert_eq!(s["matched"], 2641);
    assert!(s["denied_skipped"].as_u64().unwrap() > 0);
    assert!(s["unknown_actions"]["s3:GetStorageLensDashboardDataInternal"].as_u64().is_some());
    let statements = v["policy"]["Statement"].as_array().unwrap();
    assert!(statements.iter().any(|st| st["Sid"] == "S3Read1"));

    // Text form: the bare policy on stdout, which `iam lint` accepts with no error or security warning.
    let out = warden()
        .args(["iam", "generate-policy", "--principal", user, "--format", "table", "--cloudtrail"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("denied call(s) skipped"));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(policy, v["policy"]);
    let path = tmp("generated-policy.json");
    std::fs::write(&path, &out.stdout).unwrap();
    warden().args(["iam", "lint", "--fail-on", "security-warning"]).arg(&path).assert().success();

    // A window before the sample holds none of its events.
    let out = warden()
        .args(["iam", "generate-policy", "--principal", user, "--until", "2020-01-01T00:00:00Z", "--format", "json"])
        .arg("--cloudtrail")
        .arg(&data)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["outside_window"], 2641);
    warden().args(["iam", "generate-policy", "--principal", "bert-jan", "--cloudtrail"]).arg(&data).assert().code(2);
}

#[test]
fn trusted_accounts_turn_a_partner_share_into_a_pass() {
    // The example estate shares a queue, a cluster snapshot and a secret with the
    // logistics partner's account, which is outside the estate.
    const PARTNER: &str = "209876543210";
    let partner_findings = |extra: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["--checks", "*_exposure"];
        args.extend_from_slice(extra);
        let doc = scan_json(&args);
        let mut out: Vec<(String, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["evidence"].to_string().contains(PARTNER))
            .map(|f| (f["check_id"].as_str().unwrap().to_owned(), f["status"].as_str().unwrap().to_owned()))
            .collect();
        out.sort();
        out
    };
    let checks = ["rds_cluster_snapshot_exposure", "secretsmanager_secret_exposure", "sqs_queue_exposure"];
    let with = |status: &str| checks.iter().map(|c| ((*c).to_owned(), status.to_owned())).collect::<Vec<_>>();
    assert_eq!(partner_findings(&[]), with("FAIL"));
    assert_eq!(partner_findings(&["--trusted-accounts", PARTNER]), with("PASS"));
    // Public resources stay FAIL whoever is trusted.
    let doc = scan_json(&["--checks", "lambda_function_exposure", "--trusted-accounts", PARTNER]);
    assert!(doc["findings"].as_array().unwrap().iter().any(|f| f["status"] == "FAIL"));
    // compliance takes the same flag; a malformed id is a usage error.
    let out = warden()
        .args(["compliance", "--snapshot", &example(), "--framework", "cis-aws-7.0", "--format", "json"])
        .args(["--trusted-accounts", PARTNER])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let out = warden().args(["scan", "--snapshot", &example(), "--trusted-accounts", "12345"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a 12-digit account id"));
}
