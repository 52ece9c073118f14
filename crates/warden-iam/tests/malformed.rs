//! Untrusted input: malformed policies are located errors, never panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code

use serde_json::{Value, json};
use warden_iam::eval::{PolicyRef, PolicySet};
use warden_iam::policy::{MAX_POLICY_BYTES, MAX_STATEMENTS};
use warden_iam::{Policy, PolicyError, Request, evaluate};

fn path_of(v: Value) -> String {
    Policy::parse(&v).unwrap_err().path().unwrap_or("-").to_owned()
}

#[test]
fn wrong_types_are_located() {
    let cases = [
        (json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": 5}]}), "Statement[0].Resource"),
        (json!({"Statement": [{"Effect": "Allow", "Action": {"a": 1}}]}), "Statement[0].Action"),
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWZ": "*"}}]}),
            "Statement[0].Principal.AWZ",
        ),
        (json!({"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "someone"}]}), "Statement[0].Principal"),
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": {"x": 1}}}}]}),
            "Statement[0].Condition.StringEquals.k",
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": [1, null]}}}]}),
            "Statement[0].Condition.StringEquals.k[1]",
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Null": {"k": "maybe"}}}]}),
            "Statement[0].Condition.Null.k",
        ),
        (json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": []}]}), "Statement[0].Condition"),
        (json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]}), "Statement[0].NotAction"),
        (json!({"Statement": [{"Effect": "Allow", "Action": "*", "Bogus": 1}]}), "Statement[0].Bogus"),
        (json!({"Statement": [{"Action": "*"}]}), "Statement[0]"),
        (json!({"Statement": [7]}), "Statement[0]"),
        (json!({"Statement": "x"}), "Statement"),
        (json!({"Version": "2020-01-01", "Statement": []}), "Version"),
        (json!({"Version": 2012, "Statement": []}), "Version"),
        (json!({"Id": [], "Statement": []}), "Id"),
        (json!({"Extra": 1, "Statement": []}), "Extra"),
        (json!({}), "Statement"),
        (json!({"Statement": [{"Effect": "Allow", "Action": "s3"}]}), "Statement[0].Action"),
    ];
    for (doc, path) in cases {
        assert_eq!(path_of(doc.clone()), path, "{doc}");
    }
}

#[test]
fn invalid_utf8_and_encodings() {
    assert!(matches!(Policy::from_bytes(b"{\"Statement\": [\xff]}"), Err(PolicyError::Encoding)));
    assert!(matches!(Policy::from_str("%7B%ff%fe"), Err(PolicyError::Encoding)));
    assert!(matches!(Policy::from_str("{\"Statement\": [}"), Err(PolicyError::Json(_))));
    assert!(matches!(Policy::from_str(""), Err(PolicyError::Json(_))));
    assert!(matches!(Policy::from_str("%"), Err(PolicyError::Json(_))));
}

#[test]
fn size_and_count_caps() {
    let big = format!("{{\"Statement\": [], \"Id\": \"{}\"}}", "x".repeat(MAX_POLICY_BYTES));
    assert!(matches!(Policy::from_str(&big), Err(PolicyError::TooLarge { .. })));
    assert!(matches!(Policy::from_bytes(big.as_bytes()), Err(PolicyError::TooLarge { .. })));
    let many: Vec<Value> = (0..=MAX_STATEMENTS).map(|_| json!({"Effect": "Deny", "Action": "*"})).collect();
    assert_eq!(path_of(json!({"Statement": many})), "Statement");
}

#[test]
fn deep_nesting_is_an_error() {
    // Text: serde_json's recursion limit stops it before our code runs.
    let deep = format!("{{\"Statement\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(Policy::from_str(&deep), Err(PolicyError::Json(_))));
    // An already-built value: the grammar has a fixed depth and rejects the nested list.
    let mut v = json!("x");
    for _ in 0..1000 {
        v = json!([v]);
    }
    let e = Policy::parse(&json!({"Statement": [{"Effect": "Allow", "Action": v}]})).unwrap_err();
    assert_eq!(e.path(), Some("Statement[0].Action[0]"));
    assert!(warden_iam::lint::lint_text(&deep).iter().any(|f| f.code == "invalid_policy"));
}

/// Seeded byte mutations of real managed policies: parse, lint and evaluate never panic.
#[test]
fn mutated_managed_policies_never_panic() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/aws-managed-policies.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let docs: Vec<String> =
        text.lines().step_by(7).map(|l| serde_json::from_str::<Value>(l).unwrap()["document"].to_string()).collect();
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let specials = [b'"', b'{', b'}', b'[', b']', b',', b':', b'*', b'?', b'$', b'\\', 0xff, b'0'];
    let mut parsed = 0;
    for round in 0..2000 {
        let mut bytes = docs[round % docs.len()].clone().into_bytes();
        for _ in 0..1 + next() % 4 {
            if bytes.is_empty() {
                break;
            }
            let i = (next() as usize) % bytes.len();
            match next() % 3 {
                0 => bytes[i] = specials[(next() as usize) % specials.len()],
                1 => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, specials[(next() as usize) % specials.len()]),
            }
        }
        if let Ok(p) = Policy::from_bytes(&bytes) {
            parsed += 1;
            let set = PolicySet { identity: vec![PolicyRef { id: "m", policy: &p }], ..Default::default() };
            let _ =
                evaluate(&set, &Request::new("arn:aws:iam::111122223333:user/u", "s3:GetObject", "arn:aws:s3:::b/k"));
            let _ = warden_iam::analysis::full_admin(&p);
            let _ = warden_iam::analysis::public_grants(&p);
        }
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = warden_iam::lint::lint_text(s);
        }
    }
    assert!(parsed > 100, "mutations too destructive to exercise evaluation: {parsed}");
}
