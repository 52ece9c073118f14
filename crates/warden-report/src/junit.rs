//! JUnit XML: one test suite per check, one test case per finding; FAIL is a failure,
//! ERROR an error, MANUAL and MUTED are skipped, PASS passes.

use crate::{Error, ScanInfo};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::collections::BTreeMap;
use std::io::Write;
use warden_model::{Finding, Status};

fn count(fs: &[&Finding], s: Status) -> String {
    fs.iter().filter(|f| f.status == s).count().to_string()
}

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_check.entry(&f.check_id).or_default().push(f);
    }
    let all: Vec<&Finding> = findings.iter().collect();
    let skipped = |fs: &[&Finding]| {
        (fs.iter().filter(|f| matches!(f.status, Status::Manual | Status::Muted)).count()).to_string()
    };
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "warden"));
    root.push_attribute(("tests", all.len().to_string().as_str()));
    root.push_attribute(("failures", count(&all, Status::Fail).as_str()));
    root.push_attribute(("errors", count(&all, Status::Error).as_str()));
    root.push_attribute(("skipped", skipped(&all).as_str()));
    root.push_attribute(("timestamp", scan.generated_at.to_rfc3339().as_str()));
    w.write_event(Event::Start(root))?;
    for (check, fs) in &by_check {
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", *check));
        suite.push_attribute(("tests", fs.len().to_string().as_str()));
        suite.push_attribute(("failures", count(fs, Status::Fail).as_str()));
        suite.push_attribute(("errors", count(fs, Status::Error).as_str()));
        suite.push_attribute(("skipped", skipped(fs).as_str()));
        w.write_event(Event::Start(suite))?;
        for f in fs {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("classname", f.check_id.as_str()));
            case.push_attribute(("name", f.resource.arn.as_str()));
            let child = match f.status {
                Status::Pass => None,
                Status::Fail => Some("failure"),
                Status::Error => Some("error"),
                Status::Manual | Status::Muted => Some("skipped"),
            };
            let Some(tag) = child else {
                w.write_event(Event::Empty(case))?;
                continue;
            };
            w.write_event(Event::Start(case))?;
            let mut el = BytesStart::new(tag);
            let message = f.muted_by.as_deref().unwrap_or(&f.message);
            el.push_attribute(("message", message));
            el.push_attribute(("type", f.severity.as_str()));
            w.write_event(Event::Start(el))?;
            let body = serde_json::to_string_pretty(&f.evidence)?;
            w.write_event(Event::Text(BytesText::new(&body)))?;
            w.write_event(Event::End(BytesEnd::new(tag)))?;
            w.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    w.get_mut().write_all(b"\n")?;
    Ok(())
}
