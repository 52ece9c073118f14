//! Warden as an AWS Lambda function (`provided.al2023`): each EventBridge event is
//! answered as `warden respond --event` answers a file — parsed, decided by the policy,
//! carried out by the same [`Runner`] — and the report is logged and returned.
//!
//! The function speaks the documented Lambda Runtime API (`GET …/invocation/next`,
//! `POST …/invocation/{id}/response|error`, `POST …/init/error`) itself, over a plain
//! HTTP/1.1 connection to the local endpoint in `AWS_LAMBDA_RUNTIME_API`. The
//! `lambda_runtime` crate would do the same, but it turns on features (`tracing/log`,
//! `serde/rc`) that make a `--features lambda` build recompile every AWS SDK crate;
//! four requests to a loopback endpoint do not need that. The runtime is synchronous,
//! so runners that start their own async runtime (the SDK executor) work unchanged.
//!
//! Configuration, read once at start: the policy from `WARDEN_POLICY` (inline YAML) or
//! `WARDEN_POLICY_FILE`; `WARDEN_APPLY=true` to let `mode: apply` rules act;
//! `WARDEN_AUDIT_LOG` for a file audit log (else records go to the function's log).
//!
//! The `lambda` feature adds the entry points: `warden lambda`, and running as a binary
//! named `bootstrap` (what the runtime starts).

use crate::respond_event::{AuditSink, Runner, execute, plan};
use anyhow::Context;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;
use warden_respond::Policy;

/// The largest response accepted from the Runtime API (an invocation payload is at most
/// 6 MB).
const MAX_RESPONSE_BYTES: u64 = 8 << 20;

/// What the function is configured with.
pub struct Config {
    pub policy: Policy,
    pub apply: bool,
    pub audit: AuditSink,
}

impl Config {
    /// Reads the configuration from environment variables (through `var`, for tests).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let policy = match (var("WARDEN_POLICY"), var("WARDEN_POLICY_FILE")) {
            (Some(_), Some(_)) => anyhow::bail!("set one of WARDEN_POLICY and WARDEN_POLICY_FILE, not both"),
            (Some(yaml), None) => Policy::from_yaml(&yaml).context("policy in WARDEN_POLICY")?,
            (None, Some(path)) => crate::respond_event::read_policy(&PathBuf::from(path))?,
            (None, None) => anyhow::bail!("no policy: set WARDEN_POLICY (YAML) or WARDEN_POLICY_FILE"),
        };
        let apply = match var("WARDEN_APPLY").as_deref().map(str::trim) {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => anyhow::bail!("WARDEN_APPLY must be `true` or `false`, got `{other}`"),
        };
        let audit = match var("WARDEN_AUDIT_LOG").filter(|p| !p.is_empty()) {
            Some(path) => AuditSink::File(PathBuf::from(path)),
            None => AuditSink::Log,
        };
        Ok(Config { policy, apply, audit })
    }
}

/// Answers one event: the triggers, the decisions and what came of them. An event that
/// cannot be parsed is an error (the invocation fails and shows in the function's
/// metrics); an event no rule matches is not.
pub fn handle(config: &Config, runner: &mut dyn Runner, event: &[u8]) -> anyhow::Result<Value> {
    let planned = plan(event, Some(&config.policy)).context("event")?;
    let mut notes = Vec::new();
    if config.apply && !runner.can_apply() {
        notes.push("WARDEN_APPLY=true, but this build has no live responder: every decision ran as a dry run");
    }
    let triggers: Vec<Value> = planned
        .iter()
        .map(|p| {
            let done = execute(p, runner, config.apply, &config.audit);
            json!({"trigger": p.trigger, "decisions": p.outcome.decisions, "unmatched": p.outcome.unmatched,
                   "results": done})
        })
        .collect();
    let failed = triggers
        .iter()
        .flat_map(|t| t["results"].as_array().into_iter().flatten())
        .filter(|r| {
            !r["error"].is_null() || r["notified"].as_array().is_some_and(|n| n.iter().any(|d| !d["error"].is_null()))
        })
        .count();
    Ok(json!({"warden": "respond", "apply": config.apply, "failed": failed, "notes": notes, "triggers": triggers}))
}

/// One invocation handed out by the Runtime API.
pub struct Invocation {
    pub request_id: String,
    pub body: Vec<u8>,
}

/// A client of the Lambda Runtime API at `host:port`.
pub struct RuntimeApi {
    host: String,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl RuntimeApi {
    pub fn new(host: &str) -> RuntimeApi {
        RuntimeApi { host: host.to_owned() }
    }

    /// Waits for the next event (a long poll: no timeout).
    pub fn next(&self) -> anyhow::Result<Invocation> {
        let r = self.request("GET", "/2018-06-01/runtime/invocation/next", None, &[], None)?;
        anyhow::ensure!(r.status == 200, "runtime API: next invocation answered {}", r.status);
        let request_id = r
            .header("Lambda-Runtime-Aws-Request-Id")
            .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .context("runtime API: invocation without a valid Lambda-Runtime-Aws-Request-Id")?
            .to_owned();
        Ok(Invocation { request_id, body: r.body })
    }

    pub fn respond(&self, request_id: &str, result: &Value) -> anyhow::Result<()> {
        let path = format!("/2018-06-01/runtime/invocation/{request_id}/response");
        self.post(&path, &serde_json::to_vec(result)?, &[])
    }

    pub fn fail(&self, request_id: &str, error: &anyhow::Error) -> anyhow::Result<()> {
        let path = format!("/2018-06-01/runtime/invocation/{request_id}/error");
        self.post(&path, &error_body(error), &[("Lambda-Runtime-Function-Error-Type", "Warden.Error")])
    }

    pub fn init_error(&self, error: &anyhow::Error) -> anyhow::Result<()> {
        self.post(
            "/2018-06-01/runtime/init/error",
            &error_body(error),
            &[("Lambda-Runtime-Function-Error-Type", "Warden.InitError")],
        )
    }

    fn post(&self, path: &str, body: &[u8], headers: &[(&str, &str)]) -> anyhow::Result<()> {
        let r = self.request("POST", path, Some(body), headers, Some(Duration::from_secs(30)))?;
        anyhow::ensure!(r.status / 100 == 2, "runtime API: POST {path} answered {}", r.status);
        Ok(())
    }

    /// One HTTP/1.1 exchange on a fresh connection (`Connection: close`: the response
    /// ends where the stream does, whether it has a length or is chunked).
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> anyhow::Result<Response> {
        let mut stream = TcpStream::connect(&self.host)
            .with_context(|| format!("cannot connect to the runtime API at `{}`", self.host))?;
        stream.set_read_timeout(timeout)?;
        stream.set_write_timeout(Some(Duration::from_secs(30)))?;
        let body = body.unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nUser-Agent: warden/{}\r\nContent-Length: {}\r\n",
            self.host,
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()?;
        let mut raw = Vec::new();
        stream.take(MAX_RESPONSE_BYTES + 1).read_to_end(&mut raw).context("runtime API: reading the response")?;
        anyhow::ensure!(
            raw.len() as u64 <= MAX_RESPONSE_BYTES,
            "runtime API: response over {MAX_RESPONSE_BYTES} bytes"
        );
        parse_response(&raw)
    }
}

fn error_body(error: &anyhow::Error) -> Vec<u8> {
    let body = json!({"errorMessage": format!("{error:#}"), "errorType": "Warden.Error", "stackTrace": []});
    serde_json::to_vec(&body).unwrap_or_default()
}

fn parse_response(raw: &[u8]) -> anyhow::Result<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("runtime API: response without a header end")?;
    let (head, rest) = raw.split_at(split);
    let rest = rest.get(4..).unwrap_or_default();
    let head = std::str::from_utf8(head).context("runtime API: header is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("runtime API: bad status line `{status_line}`"))?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let mut r = Response { status, headers, body: Vec::new() };
    r.body = if r.header("Transfer-Encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = r.header("Content-Length") {
        let len: usize = len.parse().with_context(|| format!("runtime API: bad Content-Length `{len}`"))?;
        rest.get(..len).context("runtime API: response shorter than its Content-Length")?.to_vec()
    } else {
        rest.to_vec()
    };
    Ok(r)
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").context("runtime API: truncated chunk")?;
        let size_line = std::str::from_utf8(rest.get(..eol).unwrap_or_default())?;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or_default().trim(), 16)
            .with_context(|| format!("runtime API: bad chunk size `{size_line}`"))?;
        rest = rest.get(eol + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(rest.get(..size).context("runtime API: truncated chunk")?);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

/// Serves invocations: `limit` of them (tests), or forever. Each gets a fresh runner, so
/// nothing of one event's session outlives it.
pub fn serve(
    api: &RuntimeApi,
    config: &Config,
    make_runner: &dyn Fn() -> Box<dyn Runner + Send>,
    limit: Option<usize>,
) -> anyhow::Result<()> {
    let mut served = 0;
    while limit.is_none_or(|l| served < l) {
        let inv = api.next()?;
        let mut runner = make_runner();
        match handle(config, runner.as_mut(), &inv.body) {
            Ok(report) => {
                // EventBridge invokes asynchronously and drops the response: the log is
                // where the report is read.
                println!("{report}");
                api.respond(&inv.request_id, &report)?;
            }
            Err(e) => {
                eprintln!("error: request {}: {e:#}", inv.request_id);
                api.fail(&inv.request_id, &e)?;
            }
        }
        served += 1;
    }
    Ok(())
}

/// Whether this process was started by the Lambda runtime as `bootstrap`.
#[cfg(feature = "lambda")]
pub fn invoked_as_bootstrap() -> bool {
    let name = std::env::args_os().next().map(PathBuf::from);
    let is_bootstrap = name.as_deref().and_then(|p| p.file_name()).is_some_and(|n| n == "bootstrap");
    is_bootstrap && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Runs the function until the runtime stops it.
#[cfg(feature = "lambda")]
pub fn run() -> anyhow::Result<u8> {
    let host = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .context("AWS_LAMBDA_RUNTIME_API is not set: `warden lambda` runs inside AWS Lambda (or its emulator)")?;
    let api = RuntimeApi::new(&host);
    let config = match Config::from_env(|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            api.init_error(&e)?;
            return Err(e);
        }
    };
    let rules = config.policy.rules().len();
    eprintln!("warden responder: {rules} rules, apply {}", config.apply);
    // The function's disk lasts one invocation at most: changes are also recorded in the
    // decision records on the function log; WARDEN_AUDIT_LOG can point somewhere lasting.
    let audit_log = std::env::var_os("WARDEN_AUDIT_LOG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/warden-audit.jsonl"));
    let make = || {
        crate::respond_event::runner(
            warden_aws::Options::default(),
            Some(audit_log.clone()),
            Some(PathBuf::from("/tmp/warden-evidence")),
            None,
        )
    };
    serve(&api, &config, &make, None)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::respond_event::DryRunner;
    use std::collections::HashMap;
    use std::io::BufRead;
    use std::net::TcpListener;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    fn policy_file() -> String {
        repo().join("examples/response-policy.yaml").display().to_string()
    }

    #[test]
    fn configuration_from_the_environment() {
        let c = Config::from_env(env(&[("WARDEN_POLICY_FILE", &policy_file())])).unwrap();
        assert!(!c.apply && matches!(c.audit, AuditSink::Log));
        assert_eq!(c.policy.rules().len(), 8);
        let inline = "rules:\n  - name: r\n    do: { playbook: contain-user }\n";
        let c = Config::from_env(env(&[
            ("WARDEN_POLICY", inline),
            ("WARDEN_APPLY", "true"),
            ("WARDEN_AUDIT_LOG", "/tmp/a"),
        ]))
        .unwrap();
        assert!(c.apply && matches!(c.audit, AuditSink::File(_)));
        let err = |vars: &[(&str, &str)]| Config::from_env(env(vars)).err().map(|e| format!("{e:#}")).unwrap();
        assert!(err(&[]).contains("no policy"));
        assert!(err(&[("WARDEN_POLICY", inline), ("WARDEN_POLICY_FILE", "p")]).contains("not both"));
        assert!(err(&[("WARDEN_POLICY", inline), ("WARDEN_APPLY", "yes")]).contains("`true` or `false`"));
        assert!(err(&[("WARDEN_POLICY", "rules: [{name: r}]")]).contains("WARDEN_POLICY"));
    }

    #[test]
    fn chunked_and_sized_responses() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: y\r\n\r\n{}trailing").unwrap();
        assert_eq!((r.status, r.body.as_slice(), r.header("x")), (200, b"{}".as_slice(), Some("y")));
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body, b"abcde");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc").is_err());
        assert!(parse_response(b"garbage").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
    }

    /// A fake Runtime API on loopback: hands out `events` in turn, records what comes back.
    /// The requests the fake runtime received with a body: path and body.
    type Posted = Vec<(String, Vec<u8>)>;

    fn fake_runtime(events: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<Posted>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let mut pending = events.into_iter().enumerate();
            let mut posted = Vec::new();
            // One next + one answer per event.
            for _ in 0..2 * pending.len() {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = std::io::BufReader::new(stream);
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let path = request_line.split(' ').nth(1).unwrap().to_owned();
                let mut stream = reader.into_inner();
                if path.ends_with("/invocation/next") {
                    let (i, event) = pending.next().unwrap();
                    // Chunked, as a Go server may send a large body.
                    let mut resp = format!(
                        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-{i}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                        event.len()
                    )
                    .into_bytes();
                    resp.extend_from_slice(&event);
                    resp.extend_from_slice(b"\r\n0\r\n\r\n");
                    stream.write_all(&resp).unwrap();
                } else {
                    posted.push((path, body));
                    stream
                        .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n")
                        .unwrap();
                }
            }
            posted
        });
        (host, handle)
    }

    #[test]
    fn serves_events_through_the_runtime_api() {
        let event = std::fs::read(repo().join("crates/warden-respond/tests/events/guardduty-ec2.json")).unwrap();
        let (host, server) = fake_runtime(vec![event, b"{\"not\": \"an event\"}".to_vec()]);
        let config =
            Config::from_env(env(&[("WARDEN_POLICY_FILE", &policy_file()), ("WARDEN_APPLY", "true")])).unwrap();
        let make: &dyn Fn() -> Box<dyn Runner + Send> = &|| Box::new(DryRunner);
        serve(&RuntimeApi::new(&host), &config, make, Some(2)).unwrap();
        let posted = server.join().unwrap();
        assert_eq!(posted[0].0, "/2018-06-01/runtime/invocation/req-0/response");
        let report: Value = serde_json::from_slice(&posted[0].1).unwrap();
        let results = &report["triggers"][0]["results"];
        assert_eq!(results[0]["decision"]["action"]["name"], "quarantine-instance");
        assert_eq!(results[0]["decision"]["action"]["target"], "i-0123456789abcdef0");
        assert_eq!(results[0]["applied"], false, "the dry runner never applies");
        assert!(report["notes"][0].as_str().unwrap().contains("no live responder"));
        assert_eq!(posted[1].0, "/2018-06-01/runtime/invocation/req-1/error");
        let error: Value = serde_json::from_slice(&posted[1].1).unwrap();
        assert!(error["errorMessage"].as_str().unwrap().contains("field `id`: is missing"), "{error}");
    }
}
