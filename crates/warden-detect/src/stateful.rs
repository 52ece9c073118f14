//! Detectors that need memory across events: things no single event shows. Each keeps
//! bounded state (capped keys, windows) so memory stays flat on endless input.

use crate::event::EventFacts;
use crate::flowlog::FlowRecord;
use crate::hit::{DetectorMeta, Hit};
use crate::iprange::IpSet;
use crate::value::Json;
use serde_json::json;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use warden_model::Severity;

/// Tunables of the stateful detectors.
#[derive(Debug, Clone)]
pub struct StatefulConfig {
    /// Console logins of one user from this many IPs within `login_window_secs` fire.
    pub login_ips: usize,
    pub login_window_secs: i64,
    /// Learning period from the first event, for "never seen before" detectors.
    pub baseline_secs: i64,
    /// AWS's published address ranges; instance-credential use outside them fires.
    pub aws_ranges: IpSet,
    /// Addresses on a user-supplied threat list.
    pub threat_list: IpSet,
    pub port_scan_ports: usize,
    pub scan_window_secs: i64,
    pub brute_force_attempts: usize,
    pub reject_spike_min: u64,
    pub reject_spike_factor: f64,
    pub outbound_bytes: u64,
    pub outbound_window_secs: i64,
}

impl Default for StatefulConfig {
    fn default() -> Self {
        Self {
            login_ips: 2,
            login_window_secs: 600,
            baseline_secs: 7 * 86_400,
            aws_ranges: IpSet::default(),
            threat_list: IpSet::default(),
            port_scan_ports: 20,
            scan_window_secs: 300,
            brute_force_attempts: 20,
            reject_spike_min: 200,
            reject_spike_factor: 10.0,
            outbound_bytes: 5 << 30,
            outbound_window_secs: 3600,
        }
    }
}

const MAX_KEYS: usize = 200_000;
const MAX_SET: usize = 10_000;

fn meta(id: &str, title: &str, level: Severity, tags: &[&str], description: &str) -> DetectorMeta {
    DetectorMeta {
        id: id.into(),
        title: title.into(),
        description: description.into(),
        level,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        origin: "stateful".into(),
    }
}

/// Every stateful detector, for registration and `--list-rules`.
pub fn catalogue() -> Vec<DetectorMeta> {
    vec![
        meta(
            "warden_console_login_multiple_ips",
            "Console logins for one user from several IP addresses within minutes",
            Severity::High,
            &["attack.initial-access", "attack.t1078.004"],
            "The same IAM user signed in to the console from different addresses within a short window, as GuardDuty's ConsoleLoginSuccess.B does.",
        ),
        meta(
            "warden_instance_credentials_outside_aws",
            "EC2 instance-role credentials used from outside AWS",
            Severity::High,
            &["attack.credential-access", "attack.t1552.005"],
            "Temporary credentials of an instance role were used from an address outside AWS's published ranges. Active only when AWS IP ranges are loaded.",
        ),
        meta(
            "warden_instance_credentials_other_account",
            "EC2 instance-role credentials used through another account's VPC endpoint",
            Severity::High,
            &["attack.credential-access", "attack.t1552.005"],
            "Instance-role credentials were used through a VPC endpoint owned by a different account.",
        ),
        meta(
            "warden_new_api_for_identity",
            "An identity called an API it never called during the baseline window",
            Severity::Low,
            &["attack.discovery", "attack.t1087.004"],
            "A call new for this identity after the learning period.",
        ),
        meta(
            "warden_new_region",
            "First activity in a region not used during the baseline window",
            Severity::Medium,
            &["attack.defense-evasion", "attack.t1535"],
            "An account started using a region it did not use during the learning period.",
        ),
        meta(
            "warden_threat_list_ip",
            "Activity from an address on the threat list",
            Severity::High,
            &["attack.initial-access", "attack.t1078"],
            "A CloudTrail caller or a flow endpoint is on the user-supplied threat list.",
        ),
        meta(
            "warden_flow_port_scan",
            "Port scan seen in VPC flow logs",
            Severity::Medium,
            &["attack.discovery", "attack.t1046"],
            "One source reached many destination ports of one host within minutes.",
        ),
        meta(
            "warden_flow_brute_force",
            "SSH or RDP brute force seen in VPC flow logs",
            Severity::High,
            &["attack.credential-access", "attack.t1110"],
            "Many connections from one source to port 22 or 3389 of one host within minutes.",
        ),
        meta(
            "warden_flow_reject_spike",
            "Spike of rejected traffic on an interface",
            Severity::Medium,
            &["attack.discovery", "attack.t1046"],
            "Rejected flows in one minute far above the interface's running average.",
        ),
        meta(
            "warden_flow_outbound_volume",
            "Unusual outbound data volume to the internet",
            Severity::High,
            &["attack.exfiltration", "attack.t1048"],
            "A private address sent more bytes to public addresses within the window than the threshold.",
        ),
    ]
}

/// A hit from a stateful detector, with the detector's id.
pub type StatefulHit = (&'static str, Hit);

fn hit_from(f: &EventFacts<'_>, discriminator: String, details: Option<serde_json::Value>) -> Hit {
    Hit {
        resource_arn: f.principal.to_string(),
        resource_type: "AwsIamPrincipal".into(),
        account: f.account.to_string(),
        region: f.region.to_string(),
        discriminator,
        event_ids: vec![f.event_id.to_string()],
        time: f.time,
        source_ips: vec![f.source_ip.to_string()],
        event_names: vec![f.event_name.to_string()],
        details,
    }
}

/// The CloudTrail stateful detectors.
#[derive(Debug, Default)]
pub struct TrailState {
    logins: HashMap<String, VecDeque<(i64, String, String)>>,
    first_time: Option<i64>,
    apis: HashMap<String, HashSet<String>>,
    regions: HashMap<String, HashSet<String>>,
    api_buf: String,
}

fn is_instance_session(caller: &str) -> bool {
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/i-0123456789abcdef0
    caller.rsplit('/').next().is_some_and(|s| {
        s.len() >= 10 && s.starts_with("i-") && s.get(2..).is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

impl TrailState {
    pub fn observe<'a>(
        &mut self,
        cfg: &StatefulConfig,
        ev: impl Json<'a>,
        f: &EventFacts<'_>,
        out: &mut Vec<StatefulHit>,
    ) {
        let t = f.time.unwrap_or(0);
        // Console logins from several IPs.
        if f.event_name == "ConsoleLogin"
            && ev.get("responseElements").and_then(|r| r.get("ConsoleLogin")).and_then(Json::as_str) == Some("Success")
            && (self.logins.len() < MAX_KEYS || self.logins.contains_key(f.principal))
        {
            let q = self.logins.entry(f.principal.to_string()).or_default();
            while q.front().is_some_and(|x| x.0 < t - cfg.login_window_secs) || q.len() > 1000 {
                q.pop_front();
            }
            q.push_back((t, f.source_ip.to_string(), f.event_id.to_string()));
            let ips: HashSet<&str> = q.iter().map(|x| x.1.as_str()).collect();
            if ips.len() >= cfg.login_ips {
                let mut h = hit_from(
                    f,
                    String::new(),
                    Some(json!({"login_ips": ips.iter().collect::<std::collections::BTreeSet<_>>()})),
                );
                h.event_ids = q.iter().map(|x| x.2.clone()).collect();
                h.source_ips = q.iter().map(|x| x.1.clone()).collect();
                out.push(("warden_console_login_multiple_ips", h));
                q.clear();
            }
        }
        // Instance credentials away from their instance.
        if f.principal_type == "AssumedRole" && is_instance_session(f.caller) {
            let key_id =
                ev.get("userIdentity").and_then(|u| u.get("accessKeyId")).and_then(Json::as_str).unwrap_or_default();
            if let Ok(ip) = f.source_ip.parse::<IpAddr>()
                && key_id.starts_with("ASIA")
                && !cfg.aws_ranges.is_empty()
                && is_public(ip)
                && !cfg.aws_ranges.contains(ip)
            {
                out.push(("warden_instance_credentials_outside_aws", hit_from(f, f.caller.to_string(), None)));
            }
            let vpce_account = ev.get("vpcEndpointAccountId").and_then(Json::as_str).unwrap_or_default();
            if !vpce_account.is_empty() && !f.account.is_empty() && vpce_account != f.account && vpce_account != "AWS" {
                out.push((
                    "warden_instance_credentials_other_account",
                    hit_from(f, f.caller.to_string(), Some(json!({"vpc_endpoint_account": vpce_account}))),
                ));
            }
        }
        // Threat list.
        if !cfg.threat_list.is_empty()
            && let Ok(ip) = f.source_ip.parse::<IpAddr>()
            && cfg.threat_list.contains(ip)
        {
            out.push(("warden_threat_list_ip", hit_from(f, f.source_ip.to_string(), None)));
        }
        // Baseline: new API per identity, new region per account.
        let Some(time) = f.time else { return };
        let start = *self.first_time.get_or_insert(time);
        let learning = time < start + cfg.baseline_secs;
        self.api_buf.clear();
        self.api_buf.push_str(f.event_source.split('.').next().unwrap_or_default());
        self.api_buf.push(':');
        self.api_buf.push_str(f.event_name);
        let api = self.api_buf.as_str();
        // `first_sight` records the call whatever follows, so it comes first.
        if first_sight(&mut self.apis, f.principal, api) && !learning && f.principal_type != "AWSService" {
            out.push(("warden_new_api_for_identity", hit_from(f, api.to_string(), None)));
        }
        if f.region.is_empty() {
            return;
        }
        if first_sight(&mut self.regions, f.account, f.region) && !learning {
            let mut h = hit_from(f, f.region.to_string(), None);
            h.resource_arn = format!("arn:aws:::{}:account", f.account);
            h.resource_type = "AwsAccount".into();
            out.push(("warden_new_region", h));
        }
    }
}

/// Records `value` under `key`; true when it is new there. At most [`MAX_KEYS`] keys and
/// [`MAX_SET`] values per key are kept; beyond them nothing is new. One hash of each
/// string on the common path (key known, value known).
fn first_sight(map: &mut HashMap<String, HashSet<String>>, key: &str, value: &str) -> bool {
    let note = |seen: &mut HashSet<String>| {
        let fresh = seen.len() < MAX_SET && !seen.contains(value);
        if fresh {
            seen.insert(value.to_string());
        }
        fresh
    };
    if let Some(seen) = map.get_mut(key) {
        return note(seen);
    }
    if map.len() >= MAX_KEYS {
        return false;
    }
    let mut seen = HashSet::new();
    let fresh = note(&mut seen);
    map.insert(key.to_string(), seen);
    fresh
}

/// Whether an address is publicly routable (not private, loopback, link-local, CGNAT).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64))
        }
        IpAddr::V6(v) => {
            !(v.is_loopback()
                || v.is_unspecified()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// The flow log stateful detectors.
#[derive(Debug, Default)]
pub struct FlowState {
    /// (src, dst) → recent (time, dstport)
    scans: HashMap<(IpAddr, IpAddr), VecDeque<(i64, u16)>>,
    /// (src, dst, port) → recent connection times
    brute: HashMap<(IpAddr, IpAddr, u16), VecDeque<i64>>,
    /// interface → (current minute, rejects in it, running mean of earlier minutes, minutes seen)
    rejects: HashMap<String, (i64, u64, f64, u64)>,
    /// src → (window start, bytes out to public addresses)
    outbound: HashMap<IpAddr, (i64, u64)>,
}

fn flow_hit(r: &FlowRecord, resource: String, kind: &str, disc: String, details: serde_json::Value) -> Hit {
    Hit {
        resource_arn: resource,
        resource_type: kind.into(),
        account: r.account_id.clone().unwrap_or_default(),
        region: String::new(),
        discriminator: disc,
        event_ids: Vec::new(),
        time: r.start,
        source_ips: r.srcaddr.map(|s| vec![s.to_string()]).unwrap_or_default(),
        event_names: Vec::new(),
        details: Some(details),
    }
}

fn eni_arn(r: &FlowRecord) -> String {
    format!(
        "arn:aws:ec2::{}:network-interface/{}",
        r.account_id.as_deref().unwrap_or_default(),
        r.interface_id.as_deref().unwrap_or("unknown")
    )
}

impl FlowState {
    pub fn observe(&mut self, cfg: &StatefulConfig, r: &FlowRecord, out: &mut Vec<StatefulHit>) {
        let (Some(src), Some(dst)) = (r.srcaddr, r.dstaddr) else { return };
        let t = r.start.unwrap_or(0);
        for ip in [src, dst] {
            if cfg.threat_list.contains(ip) {
                out.push(("warden_threat_list_ip", flow_hit(r, eni_arn(r), "AwsEc2NetworkInterface", ip.to_string(), json!({"listed": ip.to_string(), "srcaddr": src.to_string(), "dstaddr": dst.to_string(), "dstport": r.dstport}))));
            }
        }
        if let Some(port) = r.dstport
            && (self.scans.len() < MAX_KEYS || self.scans.contains_key(&(src, dst)))
        {
            let q = self.scans.entry((src, dst)).or_default();
            while q.front().is_some_and(|x| x.0 < t - cfg.scan_window_secs) || q.len() > 5000 {
                q.pop_front();
            }
            q.push_back((t, port));
            let ports: HashSet<u16> = q.iter().map(|x| x.1).collect();
            if ports.len() >= cfg.port_scan_ports {
                let mut sample: Vec<u16> = ports.into_iter().collect();
                sample.sort_unstable();
                sample.truncate(50);
                out.push((
                    "warden_flow_port_scan",
                    flow_hit(
                        r,
                        eni_arn(r),
                        "AwsEc2NetworkInterface",
                        src.to_string(),
                        json!({"scanner": src.to_string(), "target": dst.to_string(), "ports": sample}),
                    ),
                ));
                q.clear();
            }
        }
        if let Some(port @ (22 | 3389)) = r.dstport
            && (self.brute.len() < MAX_KEYS || self.brute.contains_key(&(src, dst, port)))
        {
            let q = self.brute.entry((src, dst, port)).or_default();
            while q.front().is_some_and(|x| *x < t - cfg.scan_window_secs) || q.len() > 5000 {
                q.pop_front();
            }
            q.push_back(t);
            if q.len() >= cfg.brute_force_attempts {
                out.push(("warden_flow_brute_force", flow_hit(r, eni_arn(r), "AwsEc2NetworkInterface", format!("{src}:{port}"), json!({"source": src.to_string(), "target": dst.to_string(), "port": port, "attempts": q.len()}))));
                q.clear();
            }
        }
        if r.accepted == Some(false)
            && let Some(eni) = &r.interface_id
            && (self.rejects.len() < MAX_KEYS || self.rejects.contains_key(eni))
        {
            let minute = t.div_euclid(60);
            let e = self.rejects.entry(eni.clone()).or_insert((minute, 0, 0.0, 0));
            if e.0 != minute {
                e.2 = (e.2 * e.3 as f64 + e.1 as f64) / (e.3 + 1) as f64;
                e.3 += 1;
                *e = (minute, 0, e.2, e.3);
            }
            e.1 += 1;
            if e.1 == cfg.reject_spike_min.max((e.2 * cfg.reject_spike_factor).ceil() as u64) && e.3 > 0 {
                out.push((
                    "warden_flow_reject_spike",
                    flow_hit(
                        r,
                        eni_arn(r),
                        "AwsEc2NetworkInterface",
                        minute.to_string(),
                        json!({"rejects_this_minute": e.1, "average_per_minute": e.2}),
                    ),
                ));
            }
        }
        if !is_public(src)
            && is_public(dst)
            && let Some(bytes) = r.bytes
            && (self.outbound.len() < MAX_KEYS || self.outbound.contains_key(&src))
        {
            let e = self.outbound.entry(src).or_insert((t, 0));
            if t >= e.0 + cfg.outbound_window_secs {
                *e = (t, 0);
            }
            let before = e.1;
            e.1 = e.1.saturating_add(bytes);
            if before < cfg.outbound_bytes && e.1 >= cfg.outbound_bytes {
                out.push((
                    "warden_flow_outbound_volume",
                    flow_hit(
                        r,
                        eni_arn(r),
                        "AwsEc2NetworkInterface",
                        format!("{src}@{}", e.0),
                        json!({"source": src.to_string(), "bytes": e.1, "window_secs": cfg.outbound_window_secs}),
                    ),
                ));
            }
        }
    }
}
