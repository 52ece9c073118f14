//! Arbitrary bytes as a policy document: parse (raw and URL-encoded), lint, analyse and
//! evaluate. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_iam::eval::{PolicyRef, PolicySet};
use warden_iam::{Policy, Request, evaluate};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = warden_iam::lint::lint_text(text);
        let _ = warden_iam::simulate::run_line(text);
    }
    if let Ok(p) = Policy::from_bytes(data) {
        let _ = warden_iam::analysis::full_admin(&p);
        let _ = warden_iam::analysis::public_grants(&p);
        let set = PolicySet { identity: vec![PolicyRef { id: "f", policy: &p }], resource: Some(PolicyRef { id: "r", policy: &p }), ..Default::default() };
        for principal in ["arn:aws:iam::111122223333:user/u", "arn:aws:sts::444455556666:assumed-role/r/s", "*"] {
            let _ = evaluate(&set, &Request::new(principal, "s3:GetObject", "arn:aws:s3:::b/k"));
        }
    }
});
