//! The self-contained HTML report: one file, no network fetches, fit to attach to an email.
//!
//! The summary parts (score, charts, account and region breakdowns, compliance views,
//! suppressions) are rendered here as static HTML and inline SVG, so they show even with
//! scripts disabled. The findings travel as one compact JSON document (repeated strings
//! interned into tables) that a small inline script filters, searches and pages through;
//! the browser only ever builds one page of rows, which keeps 100,000 findings usable.

use crate::{Error, ScanInfo, Summary};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use warden_model::{Finding, Severity, Status};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

pub(crate) fn render(scan: &ScanInfo, findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let s = Summary::of(findings);
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("Warden report: {}", scan.source);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
         <title>{}</title><style>{CSS}</style></head><body>\n",
        esc(&title)
    );
    header(&mut h, scan, &s);
    overview(&mut h, findings, &s);
    breakdown(&mut h, findings);
    compliance(&mut h, scan);
    suppressions(&mut h, findings);
    h.push_str(FINDINGS_SECTION);
    out.write_all(h.as_bytes())?;
    out.write_all(b"<script id=warden-data type=\"application/gzip;base64\">")?;
    data(findings, out)?;
    out.write_all(b"</script>\n<script>")?;
    out.write_all(JS.as_bytes())?;
    out.write_all(b"</script>\n</body></html>\n")?;
    Ok(())
}

/// Share of decided findings that pass, in percent (`None` when nothing was decided).
pub(crate) fn score(s: &Summary) -> Option<f64> {
    let pass = s.count(Status::Pass);
    let decided = pass + s.count(Status::Fail);
    (decided > 0).then(|| 100.0 * pass as f64 / decided as f64)
}

fn header(h: &mut String, scan: &ScanInfo, s: &Summary) {
    let _ = write!(
        h,
        "<header><h1>Warden report</h1><dl class=meta>\
         <dt>Source</dt><dd>{}</dd><dt>Generated</dt><dd>{}</dd>",
        esc(&scan.source),
        scan.generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(c) = scan.collected_at {
        let _ = write!(h, "<dt>Collected</dt><dd>{}</dd>", c.format("%Y-%m-%d %H:%M UTC"));
    }
    let _ = write!(
        h,
        "<dt>Accounts</dt><dd>{}</dd><dt>Findings</dt><dd>{}</dd><dt>Tool</dt><dd>{} {}</dd>",
        esc(&scan.accounts.join(", ")),
        s.total,
        esc(&scan.tool),
        esc(&scan.tool_version)
    );
    if let Some(fw) = &scan.framework {
        let _ = write!(h, "<dt>Framework</dt><dd>{}</dd>", esc(fw));
    }
    h.push_str("</dl>");
    if !scan.notes.is_empty() {
        h.push_str("<section class=notes id=notes><h2>Notes</h2><ul>");
        for n in &scan.notes {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul></section>");
    }
    h.push_str("</header>\n<nav><a href=\"#overview\">Overview</a><a href=\"#breakdown\">Accounts &amp; regions</a><a href=\"#compliance\">Compliance</a><a href=\"#suppressions\">Suppressions</a><a href=\"#findings\">Findings</a></nav>\n<main>\n");
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#f9a825",
        Severity::Info => "#1565c0",
    }
}

fn status_color(s: Status) -> &'static str {
    match s {
        Status::Pass => "#2e7d32",
        Status::Fail => "#c62828",
        Status::Error => "#6a1b9a",
        Status::Manual => "#546e7a",
        Status::Muted => "#9e9e9e",
    }
}

fn overview(h: &mut String, findings: &[Finding], s: &Summary) {
    h.push_str("<section id=overview><h2>Overview</h2><div class=cards>");
    let sc = score(s);
    let _ = write!(
        h,
        "<div class=card><div class=big id=score>{}</div><div>pass rate of PASS + FAIL findings</div>{}</div>",
        sc.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}%")),
        gauge(sc.unwrap_or(0.0))
    );
    for st in [Status::Fail, Status::Error, Status::Manual, Status::Muted, Status::Pass] {
        let _ = write!(
            h,
            "<div class=card><div class=big style=\"color:{}\">{}</div><div>{}</div></div>",
            status_color(st),
            s.count(st),
            st
        );
    }
    h.push_str("</div><div class=charts>");
    // Status as a donut.
    let parts: Vec<(String, usize, &str)> =
        Status::ALL.iter().map(|&st| (st.to_string(), s.count(st), status_color(st))).filter(|p| p.1 > 0).collect();
    chart_box(h, "Findings by status", &donut("status", &parts));
    // FAIL by severity.
    let sev: Vec<(String, usize, &str)> = Severity::ALL
        .iter()
        .map(|&v| (v.to_string(), s.failed_by_severity.get(&v).copied().unwrap_or(0), sev_color(v)))
        .collect();
    chart_box(h, "Failed findings by severity", &bars("severity", &sev));
    // FAIL by service, top 12.
    let mut by_service: HashMap<&str, usize> = HashMap::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        *by_service.entry(f.service.as_str()).or_default() += 1;
    }
    let mut svc: Vec<(&str, usize)> = by_service.into_iter().collect();
    svc.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let svc: Vec<(String, usize, &str)> = svc.into_iter().take(12).map(|(k, v)| (k.to_owned(), v, "#c62828")).collect();
    chart_box(h, "Failed findings by service (top 12)", &bars("service", &svc));
    h.push_str("</div></section>\n");
}

fn chart_box(h: &mut String, title: &str, svg: &str) {
    let _ = write!(h, "<figure class=chart-box><figcaption>{}</figcaption>{svg}</figure>", esc(title));
}

fn gauge(pct: f64) -> String {
    let w = (pct.clamp(0.0, 100.0) * 2.0).round();
    format!(
        "<svg class=\"chart gauge\" data-chart=score viewBox=\"0 0 200 12\" width=200 height=12 role=img aria-label=\"score {pct:.0}%\">\
         <rect width=200 height=12 rx=6 fill=\"#e0e0e0\"/><rect width={w} height=12 rx=6 fill=\"#2e7d32\"/></svg>"
    )
}

fn donut(name: &str, parts: &[(String, usize, &str)]) -> String {
    let total: usize = parts.iter().map(|p| p.1).sum();
    let mut svg = format!(
        "<svg class=chart data-chart={name} viewBox=\"0 0 260 160\" width=260 height=160 role=img aria-label=\"{name} chart\">"
    );
    let r = 60.0_f64;
    let circ = 2.0 * std::f64::consts::PI * r;
    if total == 0 {
        let _ = write!(svg, "<circle cx=80 cy=80 r={r} fill=none stroke=\"#e0e0e0\" stroke-width=28/>");
    }
    let mut offset = 0.0;
    for (label, n, color) in parts {
        let len = circ * *n as f64 / total.max(1) as f64;
        let _ = write!(
            svg,
            "<circle class=seg cx=80 cy=80 r={r} fill=none stroke=\"{color}\" stroke-width=28 \
             stroke-dasharray=\"{len:.2} {:.2}\" stroke-dashoffset=\"{:.2}\" transform=\"rotate(-90 80 80)\"><title>{}: {n}</title></circle>",
            circ - len,
            -offset,
            esc(label)
        );
        offset += len;
    }
    for (i, (label, n, color)) in parts.iter().enumerate() {
        let y = 20 + i * 22;
        let _ = write!(
            svg,
            "<rect x=160 y={} width=12 height=12 fill=\"{color}\"/><text x=178 y={}>{} {n}</text>",
            y - 10,
            y,
            esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn bars(name: &str, items: &[(String, usize, &str)]) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let row = 20;
    let height = (items.len().max(1) * row + 8) as u32;
    let mut svg = format!(
        "<svg class=chart data-chart={name} viewBox=\"0 0 320 {height}\" width=320 height={height} role=img aria-label=\"{name} chart\">"
    );
    if items.is_empty() {
        svg.push_str("<text x=4 y=16>no failed findings</text>");
    }
    for (i, (label, n, color)) in items.iter().enumerate() {
        let y = 4 + i * row;
        let w = (180.0 * *n as f64 / max as f64).round().max(if *n > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            svg,
            "<text x=0 y={} class=lbl>{}</text><rect class=bar x=96 y={y} width={w} height=14 fill=\"{color}\"><title>{}: {n}</title></rect><text x={} y={}>{n}</text>",
            y + 12,
            esc(&crate::truncate(label, 14)),
            esc(label),
            100.0 + w,
            y + 12
        );
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Default)]
struct Counts {
    by: [usize; 5],
}

impl Counts {
    fn add(&mut self, s: Status) {
        if let Some(c) = self.by.get_mut(status_index(s)) {
            *c += 1;
        }
    }
}

fn status_index(s: Status) -> usize {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Manual => 2,
        Status::Muted => 3,
        Status::Pass => 4,
    }
}

fn breakdown(h: &mut String, findings: &[Finding]) {
    let mut accounts: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut regions: BTreeMap<&str, Counts> = BTreeMap::new();
    for f in findings {
        accounts.entry(f.resource.account_id.as_str()).or_default().add(f.status);
        regions.entry(f.resource.region.as_str()).or_default().add(f.status);
    }
    h.push_str("<section id=breakdown><h2>Accounts and regions</h2><div class=two>");
    for (title, map, cls) in [("Account", &accounts, "accounts"), ("Region", &regions, "regions")] {
        let _ = write!(
            h,
            "<table class=\"counts {cls}\"><thead><tr><th>{title}</th><th>FAIL</th><th>ERROR</th><th>MANUAL</th><th>MUTED</th><th>PASS</th><th>failing</th></tr></thead><tbody>"
        );
        for (k, c) in map.iter() {
            let [fail, err, man, mute, pass] = c.by;
            let pct = if fail + pass > 0 { 100.0 * fail as f64 / (fail + pass) as f64 } else { 0.0 };
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=fail>{fail}</td><td>{err}</td><td>{man}</td><td>{mute}</td><td>{pass}</td>\
                 <td><svg class=minibar viewBox=\"0 0 100 8\" width=100 height=8><rect width=100 height=8 fill=\"#e8f5e9\"/><rect width={pct:.0} height=8 fill=\"#c62828\"/></svg></td></tr>",
                esc(if k.is_empty() { "(none)" } else { k })
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</div></section>\n");
}

fn compliance(h: &mut String, scan: &ScanInfo) {
    h.push_str("<section id=compliance><h2>Compliance</h2>");
    if scan.compliance.is_empty() {
        h.push_str("<p>No framework view in this report.</p>");
    }
    for (i, fw) in scan.compliance.iter().enumerate() {
        let mut counts = [0usize; 5];
        for r in &fw.requirements {
            if let Some(c) = counts.get_mut(status_index(r.status)) {
                *c += 1;
            }
        }
        let _ = write!(
            h,
            "<details class=framework data-framework=\"{}\"{}><summary><b>{}</b> {} — score {:.0}% · {} requirements: {} FAIL, {} PASS, {} MANUAL, {} ERROR{}</summary>\
             <table class=reqs><thead><tr><th>Requirement</th><th>Title</th><th>Status</th><th>Findings</th><th>Why</th></tr></thead><tbody>",
            esc(&fw.framework),
            if i == 0 && scan.compliance.len() == 1 { " open" } else { "" },
            esc(&fw.name),
            esc(&fw.version),
            fw.score,
            fw.requirements.len(),
            counts[0],
            counts[4],
            counts[2],
            counts[1],
            if counts[3] > 0 { format!(", {} MUTED", counts[3]) } else { String::new() }
        );
        for r in &fw.requirements {
            let n: usize = r.counts.values().sum();
            let audit = r.audit.as_deref().map(|a| format!("<br><i>Audit:</i> {}", esc(a))).unwrap_or_default();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td><span class=\"st st-{}\">{}</span></td><td>{n}</td><td>{}{audit}</td></tr>",
                esc(&r.id),
                esc(&r.title),
                r.status.as_str().to_ascii_lowercase(),
                r.status,
                esc(&r.reason)
            );
        }
        h.push_str("</tbody></table></details>");
    }
    h.push_str("</section>\n");
}

fn suppressions(h: &mut String, findings: &[Finding]) {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.status == Status::Muted) {
        *by.entry(f.muted_by.as_deref().unwrap_or("(unknown rule)")).or_default() += 1;
    }
    h.push_str("<section id=suppressions><h2>Suppressions</h2>");
    if by.is_empty() {
        h.push_str("<p>No finding is muted.</p>");
    } else {
        h.push_str("<table class=counts><thead><tr><th>Muted by (mutelist rule or store mute)</th><th>Findings</th></tr></thead><tbody>");
        for (rule, n) in by.iter().take(200) {
            let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(rule));
        }
        if by.len() > 200 {
            let _ = write!(h, "<tr><td>… and {} more rules</td><td></td></tr>", by.len() - 200);
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");
}

const FINDINGS_SECTION: &str = "<section id=findings><h2>Findings</h2>\
<form class=filters id=filters onsubmit=\"return false\">\
<label>Severity <select id=f-severity><option value=\"\">all</option></select></label>\
<label>Status <select id=f-status><option value=\"\">all</option></select></label>\
<label>Service <select id=f-service><option value=\"\">all</option></select></label>\
<label>Account <select id=f-account><option value=\"\">all</option></select></label>\
<label>Region <select id=f-region><option value=\"\">all</option></select></label>\
<label class=grow>Search <input id=f-search type=search placeholder=\"check, resource, message, id…\"></label>\
<button type=button id=f-reset>Reset</button></form>\
<p class=pager><button type=button id=prev>‹ Previous</button> <span id=shown>Loading…</span> <button type=button id=next>Next ›</button></p>\
<table class=findings><thead><tr><th>Severity</th><th>Status</th><th>Check</th><th>Resource</th><th>Account</th><th>Region</th><th>Message</th></tr></thead>\
<tbody id=rows></tbody></table>\
<noscript><p>The findings table needs JavaScript; the findings are embedded in this file as gzip-compressed JSON in base64 (element <code>warden-data</code>).</p></noscript>\
</section>\n</main>\n";

/// Interns repeated strings so each appears once in the embedded data.
#[derive(Default)]
struct Interner {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Interner {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len();
        self.list.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }
}

/// A finding's framework map.
type Compliance = BTreeMap<String, Vec<String>>;

/// One finding as embedded: see the field list at the top of `report.js`.
type Row<'a> = (
    &'a str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    &'a str,
    &'a str,
    Option<&'a warden_model::Evidence>,
    usize,
    usize,
    Option<usize>,
    Option<(String, String, bool)>,
);

/// The findings as `{"f": [[...], ...], "s": [strings]}`, sorted FAIL first and most
/// severe first, gzip-compressed and base64-encoded: JSON of 100,000 findings is tens of
/// megabytes, mostly repetition, and the browser inflates it with `DecompressionStream`.
fn data(findings: &[Finding], out: &mut dyn Write) -> Result<(), Error> {
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by(|a, b| {
        status_index(a.status)
            .cmp(&status_index(b.status))
            .then(b.severity.cmp(&a.severity))
            .then(a.check_id.cmp(&b.check_id))
            .then(a.resource.arn.cmp(&b.resource.arn))
    });
    let mut strings = Interner::default();
    // Remediation and compliance repeat per check: intern them without reserialising
    // each finding's copy.
    let mut rems: HashMap<&str, Vec<(&warden_model::Remediation, usize)>> = HashMap::new();
    let mut comps: HashMap<&str, Vec<(&Compliance, usize)>> = HashMap::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(1 << 20), flate2::Compression::new(5));
    gz.write_all(b"{\"f\":[")?;
    for (n, f) in order.into_iter().enumerate() {
        let known = rems.entry(f.check_id.as_str()).or_default();
        let rem = match known.iter().find(|(r, _)| *r == &f.remediation) {
            Some((_, i)) => *i,
            None => {
                let i = strings.id(&serde_json::to_string(&f.remediation)?);
                known.push((&f.remediation, i));
                i
            }
        };
        let known = comps.entry(f.check_id.as_str()).or_default();
        let comp = match known.iter().find(|(c, _)| *c == &f.compliance) {
            Some((_, i)) => *i,
            None => {
                let i = strings.id(&crate::compliance_flat(f));
                known.push((&f.compliance, i));
                i
            }
        };
        let row: Row<'_> = (
            &f.id,
            strings.id(&f.check_id),
            strings.id(&f.title),
            strings.id(&f.service),
            status_index(f.status),
            4 - (f.severity as usize),
            strings.id(&f.resource.account_id),
            strings.id(&f.resource.region),
            strings.id(&f.resource.kind),
            &f.resource.arn,
            &f.message,
            (!f.evidence.is_empty()).then_some(&f.evidence),
            rem,
            comp,
            f.muted_by.as_deref().map(|m| strings.id(m)),
            f.history.as_ref().map(|h| {
                (h.first_seen.format("%Y-%m-%d").to_string(), h.last_seen.format("%Y-%m-%d").to_string(), h.new)
            }),
        );
        if n > 0 {
            gz.write_all(b",")?;
        }
        serde_json::to_writer(&mut gz, &row)?;
    }
    gz.write_all(b"],\"s\":")?;
    serde_json::to_writer(&mut gz, &strings.list)?;
    gz.write_all(b"}")?;
    let packed = gz.finish()?;
    base64(&packed, out)
}

/// Standard base64 with padding, in lines of 76 characters.
fn base64(bytes: &[u8], out: &mut dyn Write) -> Result<(), Error> {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| ABC.get((v & 63) as usize).copied().unwrap_or(b'=');
    let mut buf = Vec::with_capacity(bytes.len() / 3 * 4 + bytes.len() / 57 + 8);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i % 19 == 0 {
            buf.push(b'\n');
        }
        let b = |k: usize| u32::from(chunk.get(k).copied().unwrap_or(0));
        let v = (b(0) << 16) | (b(1) << 8) | b(2);
        buf.push(sym(v >> 18));
        buf.push(sym(v >> 12));
        buf.push(if chunk.len() > 1 { sym(v >> 6) } else { b'=' });
        buf.push(if chunk.len() > 2 { sym(v) } else { b'=' });
    }
    buf.push(b'\n');
    out.write_all(&buf)?;
    Ok(())
}

pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (raw, enc) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            let mut out = Vec::new();
            base64(raw.as_bytes(), &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap().replace('\n', ""), enc);
        }
    }

    #[test]
    fn score_ignores_undecided() {
        let mut s = Summary::default();
        assert_eq!(score(&s), None);
        s.by_status.insert(Status::Pass, 3);
        s.by_status.insert(Status::Fail, 1);
        s.by_status.insert(Status::Manual, 10);
        assert_eq!(score(&s), Some(75.0));
    }
}
