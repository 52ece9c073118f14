//! VPC flow log records: the default version 2 format (14 space-separated fields) and
//! custom formats announced by a header line (versions 3 to 5 fields such as `vpc-id`,
//! `instance-id`, `tcp-flags`, `pkt-srcaddr`, `flow-direction`), plain or gzip.

use crate::error::InputError;
use std::net::IpAddr;
use std::path::Path;

/// The field order of a default (version 2) record without a header.
pub const DEFAULT_V2: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// One flow record. Fields a format does not carry, or that hold `-`, are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowRecord {
    pub account_id: Option<String>,
    pub interface_id: Option<String>,
    pub vpc_id: Option<String>,
    pub instance_id: Option<String>,
    pub srcaddr: Option<IpAddr>,
    pub dstaddr: Option<IpAddr>,
    pub srcport: Option<u16>,
    pub dstport: Option<u16>,
    pub protocol: Option<u8>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    /// Epoch seconds.
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// `true` for ACCEPT, `false` for REJECT.
    pub accepted: Option<bool>,
    pub log_status: Option<String>,
    pub flow_direction: Option<String>,
    pub tcp_flags: Option<u16>,
    pub pkt_srcaddr: Option<IpAddr>,
    pub pkt_dstaddr: Option<IpAddr>,
}

/// Parses a whole flow log file. A first line whose first field is not a number is taken
/// as the header naming the fields; without one the default v2 order applies. Lines that do
/// not fit are reported with their offset and skipped.
pub fn parse_flow_log(buf: &[u8], path: &Path, errors: &mut Vec<InputError>, f: &mut dyn FnMut(FlowRecord)) {
    let text = String::from_utf8_lossy(buf);
    let mut fields: Vec<String> = DEFAULT_V2.iter().map(|s| s.to_string()).collect();
    let mut offset = 0u64;
    let mut first = true;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len() as u64;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if first {
            first = false;
            let head = line.split_ascii_whitespace().next().unwrap_or_default();
            if !head.chars().all(|c| c.is_ascii_digit()) && head != "-" {
                fields = line
                    .split_ascii_whitespace()
                    .map(|s| s.trim_start_matches("${").trim_end_matches('}').to_string())
                    .collect();
                continue;
            }
        }
        let values: Vec<&str> = line.split_ascii_whitespace().collect();
        if values.len() != fields.len() {
            errors.push(InputError::new(
                path,
                Some(here),
                format!("flow record has {} fields, the format has {}; skipped", values.len(), fields.len()),
            ));
            continue;
        }
        match record(&fields, &values) {
            Ok(r) => f(r),
            Err(msg) => errors.push(InputError::new(path, Some(here), format!("{msg}; skipped"))),
        }
    }
}

fn record(fields: &[String], values: &[&str]) -> Result<FlowRecord, String> {
    let mut r = FlowRecord::default();
    for (name, &v) in fields.iter().zip(values) {
        if v == "-" {
            continue;
        }
        let bad = |what: &str| format!("field `{name}`: `{v}` is not {what}");
        match name.as_str() {
            "account-id" => r.account_id = Some(v.to_string()),
            "interface-id" => r.interface_id = Some(v.to_string()),
            "vpc-id" => r.vpc_id = Some(v.to_string()),
            "instance-id" => r.instance_id = Some(v.to_string()),
            "srcaddr" => r.srcaddr = Some(v.parse().map_err(|_| bad("an IP address"))?),
            "dstaddr" => r.dstaddr = Some(v.parse().map_err(|_| bad("an IP address"))?),
            "pkt-srcaddr" => r.pkt_srcaddr = Some(v.parse().map_err(|_| bad("an IP address"))?),
            "pkt-dstaddr" => r.pkt_dstaddr = Some(v.parse().map_err(|_| bad("an IP address"))?),
            "srcport" => r.srcport = Some(v.parse().map_err(|_| bad("a port"))?),
            "dstport" => r.dstport = Some(v.parse().map_err(|_| bad("a port"))?),
            "protocol" => r.protocol = Some(v.parse().map_err(|_| bad("a protocol number"))?),
            "packets" => r.packets = Some(v.parse().map_err(|_| bad("a count"))?),
            "bytes" => r.bytes = Some(v.parse().map_err(|_| bad("a count"))?),
            "start" => r.start = Some(v.parse().map_err(|_| bad("epoch seconds"))?),
            "end" => r.end = Some(v.parse().map_err(|_| bad("epoch seconds"))?),
            "tcp-flags" => r.tcp_flags = Some(v.parse().map_err(|_| bad("a number"))?),
            "action" => {
                r.accepted = Some(match v {
                    "ACCEPT" => true,
                    "REJECT" => false,
                    _ => return Err(bad("ACCEPT or REJECT")),
                })
            }
            "log-status" => r.log_status = Some(v.to_string()),
            "flow-direction" => r.flow_direction = Some(v.to_string()),
            _ => {}
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Vec<FlowRecord>, Vec<InputError>) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        parse_flow_log(s.as_bytes(), Path::new("f"), &mut errors, &mut |r| out.push(r));
        (out, errors)
    }

    #[test]
    fn default_v2_with_and_without_header() {
        let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
        let (r, e) = parse(line);
        assert!(e.is_empty());
        assert_eq!(r[0].dstport, Some(22));
        assert_eq!(r[0].accepted, Some(true));
        let with_header = format!("{}\n{line}", DEFAULT_V2.join(" "));
        assert_eq!(parse(&with_header).0, r);
        let nodata = "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA\n";
        let (r, e) = parse(nodata);
        assert!(e.is_empty());
        assert_eq!(r[0].srcaddr, None);
    }

    #[test]
    fn custom_format_and_bad_lines() {
        let s = "version vpc-id instance-id srcaddr dstaddr srcport dstport protocol bytes action flow-direction\n\
                 5 vpc-1 i-1 10.0.0.1 8.8.8.8 5000 443 6 900 ACCEPT egress\n\
                 5 vpc-1 i-1 10.0.0.1 nope 5000 443 6 900 ACCEPT egress\n\
                 5 vpc-1\n";
        let (r, e) = parse(s);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].instance_id.as_deref(), Some("i-1"));
        assert_eq!(r[0].flow_direction.as_deref(), Some("egress"));
        assert_eq!(e.len(), 2);
        assert!(e[0].to_string().contains("`nope`"), "{}", e[0]);
    }
}
