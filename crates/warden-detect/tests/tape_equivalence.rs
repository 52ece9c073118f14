//! The detector reads CloudTrail onto a flat tape (`reader::for_each_record`) and falls
//! back to `serde_json` (`reader::for_each_event`) for records the fast parser declines.
//! Both must give the same findings, errors and counters, byte for byte: this runs every
//! rule and detector both ways over the invictus sample, generated logs, and a file of
//! awkward records (escapes, unicode, numbers, duplicate keys, broken JSON).

use std::path::{Path, PathBuf};
use warden_detect::reader::{ReadLimits, expand_paths, for_each_event, is_cloudtrail_name, read_bytes};
use warden_detect::{DetectOptions, Detector, builtin_rules};

fn both_ways(dir: &Path) -> (String, String) {
    let opts = DetectOptions { stateful: Default::default(), ..DetectOptions::default() };
    let mut tape = Detector::new(builtin_rules(), opts.clone());
    tape.read_cloudtrail(&[dir.to_path_buf()]);
    let tape = tape.finish();

    let mut val = Detector::new(builtin_rules(), opts);
    let limits = ReadLimits::default();
    let mut errors = Vec::new();
    for f in expand_paths(&[dir.to_path_buf()], &limits, is_cloudtrail_name, &mut errors) {
        let (buf, err) = read_bytes(&f, &limits);
        errors.extend(err);
        for_each_event(&buf, &f, &limits, &mut errors, &mut |ev, _| val.event_val(ev));
    }
    let val = val.finish();
    let show = |findings: &[warden_model::Finding], errors: &[warden_detect::InputError], events: u64| {
        let mut s = serde_json::to_string_pretty(findings).unwrap_or_default();
        for e in errors {
            s.push_str(&format!("\n{e}"));
        }
        s.push_str(&format!("\nevents {events}"));
        s
    };
    (show(&tape.findings, &tape.errors, tape.stats.events), show(&val.findings, &errors, val.stats.events))
}

#[test]
fn invictus_same_both_ways() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail/invictus");
    let (tape, val) = both_ways(&dir);
    assert!(tape.contains("\"check_id\""));
    assert_eq!(tape, val);
}

#[test]
fn generated_and_awkward_records_same_both_ways() {
    use warden_detect::generate::{GenConfig, builtin_attacks, generate};
    let dir = std::env::temp_dir().join(format!("warden-tape-eq-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = GenConfig { events: 4000, events_per_file: 1000, attack_every: 40, ..GenConfig::default() };
    generate(&dir, &cfg, &builtin_attacks()).unwrap();
    let awkward = [
        // Escapes in the fields rules and facts read; a unicode-escaped event name.
        r#"{"eventName":"Stop\u004coggi\u006eg","eventSource":"cloudtrail.amazonaws.com","eventTime":"2026-01-01T00:00:00Z","eventID":"e\"1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a\\b"},"recipientAccountId":"1","awsRegion":"us-east-1","sourceIPAddress":"1.2.3.4"}"#,
        // Duplicate keys: facts take the last, rules the first.
        r#"{"eventName":"ListBuckets","eventName":"DeleteTrail","eventSource":"cloudtrail.amazonaws.com","eventTime":"2026-01-01T00:00:01Z","eventID":"e2","userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root"},"userAgent":"kali","recipientAccountId":"1"}"#,
        // Numbers, nested objects matched as text, arrays, nulls.
        r#"{"eventName":"PutBucketPolicy","eventSource":"s3.amazonaws.com","eventTime":"2026-01-01T00:00:02Z","eventID":"e3","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/b"},"requestParameters":{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]},"n":1.50,"big":123456789012345678901,"neg":-0,"e":1e3},"responseElements":null,"recipientAccountId":"1"}"#,
        // Non-ASCII text and a tab escape.
        r#"{"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","eventTime":"2026-01-01T00:00:03Z","eventID":"é4","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/ü"},"additionalEventData":{"MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Success"},"userAgent":"a\tb ✓","recipientAccountId":"1","sourceIPAddress":"5.6.7.8"}"#,
        // Broken records: reported, the rest still read.
        r#"{"eventName":"X","eventID":tru}"#,
        r#"{"eventName":"X","eventID":01}"#,
        "{\"eventName\":\"X\",\"eventID\":\"a\u{1}b\"}",
        r#"{"eventName":"X","n":1e400}"#,
        r#"{"eventName":"X","s":"\ud800"}"#,
        r#"7"#,
    ];
    let text = format!("{{\"Records\":[{}]}}", awkward.join(",\n"));
    std::fs::write(dir.join("awkward.json"), text).unwrap();
    std::fs::write(dir.join("lines.jsonl"), awkward.join("\n")).unwrap();
    // Invalid UTF-8 in the second record: the records after it take the serde_json path.
    let mut bytes = format!("{{\"Records\":[{},", awkward[1]).into_bytes();
    bytes.extend_from_slice(b"{\"eventName\":\"X\",\"a\":\"\xff\"},");
    bytes.extend_from_slice(format!("{},{}]}}", awkward[0], awkward[3]).as_bytes());
    std::fs::write(dir.join("latin1.json"), bytes).unwrap();
    let (tape, val) = both_ways(&dir);
    assert!(tape.contains("invalid JSON record"), "{tape}");
    assert!(tape.contains("latin1.json` at byte"), "{tape}");
    assert_eq!(tape, val);
    let _ = std::fs::remove_dir_all(&dir);
}
