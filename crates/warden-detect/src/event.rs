//! What the detectors need from a CloudTrail event, pulled out once per event.

use crate::tape::key_eq;
use crate::value::Json;

/// The identifying facts of one CloudTrail event, borrowed from it.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventFacts<'a> {
    pub event_id: &'a str,
    pub event_name: &'a str,
    pub event_source: &'a str,
    /// Epoch seconds; `None` when `eventTime` is missing or unparsable.
    pub time: Option<i64>,
    pub source_ip: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// The principal a finding is about: a user, the role behind a session, root, a service.
    pub principal: &'a str,
    pub principal_type: &'a str,
    /// The exact caller (a role session ARN when the principal is a role).
    pub caller: &'a str,
    pub error_code: &'a str,
}

fn s<'a, J: Json<'a>>(v: Option<J>, k: &str) -> &'a str {
    v.and_then(|v| v.get(k)).and_then(Json::as_str).unwrap_or_default()
}

/// The top-level keys read in one pass: seven strings, then `eventTime` and `userIdentity`.
const TOP: [&str; 9] = [
    "eventID",
    "eventName",
    "eventSource",
    "sourceIPAddress",
    "awsRegion",
    "recipientAccountId",
    "errorCode",
    "eventTime",
    "userIdentity",
];

impl<'a> EventFacts<'a> {
    pub fn of<J: Json<'a>>(ev: J) -> Self {
        // One pass over the top-level keys instead of a lookup per field.
        let mut top: [&str; 8] = [""; 8];
        let mut ui = None;
        let mut time = None;
        for (k, v) in ev.entries().into_iter().flatten() {
            let Some(slot) = TOP.iter().position(|t| key_eq(t.as_bytes(), k.as_bytes())) else { continue };
            match slot {
                7 => {
                    time = v.as_str().and_then(parse_time);
                    continue;
                }
                8 => {
                    ui = Some(v);
                    continue;
                }
                _ => {}
            }
            if let (Some(dst), Some(text)) = (top.get_mut(slot), v.as_str()) {
                *dst = text;
            }
        }
        let [event_id, event_name, event_source, source_ip, region, recipient, error_code, _] = top;
        let principal_type = s(ui, "type");
        let arn = s(ui, "arn");
        let account = if recipient.is_empty() { s(ui, "accountId") } else { recipient };
        let issuer = s(ui.and_then(|u| u.get("sessionContext")).and_then(|c| c.get("sessionIssuer")), "arn");
        let principal = if principal_type == "AssumedRole" && !issuer.is_empty() {
            issuer
        } else if !arn.is_empty() {
            arn
        } else if principal_type == "AWSService" {
            let by = s(ui, "invokedBy");
            if by.is_empty() { "aws-service" } else { by }
        } else if (principal_type == "AWSAccount" && s(ui, "principalId").is_empty())
            || s(ui, "principalId") == "ANONYMOUS_PRINCIPAL"
        {
            "anonymous"
        } else {
            let id = s(ui, "principalId");
            if id.is_empty() { "unknown" } else { id }
        };
        EventFacts {
            event_id,
            event_name,
            event_source,
            time,
            source_ip,
            region,
            account,
            principal,
            principal_type,
            caller: arn,
            error_code,
        }
    }
}

/// Parses an RFC 3339 time to epoch seconds, with a fast path for CloudTrail's
/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_time(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() == 20 && b.get(10) == Some(&b'T') && b.get(19) == Some(&b'Z') {
        let n = |r: std::ops::Range<usize>| t.get(r).and_then(|x| x.parse::<u32>().ok());
        let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(5..7)?, n(8..10)?)?;
        let dt = date.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)?;
        return Some(dt.and_utc().timestamp());
    }
    chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp())
}

/// Formats epoch seconds as CloudTrail does.
pub fn format_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Val;
    use serde_json::json;

    #[test]
    fn times_and_principals() {
        assert_eq!(parse_time("2023-07-10T11:45:12Z"), Some(1688989512));
        assert_eq!(parse_time("2023-07-10T11:45:12.000+00:00"), Some(1688989512));
        assert_eq!(format_time(1688989512), "2023-07-10T11:45:12Z");
        let ev = json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/s",
            "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/R"}}}, "recipientAccountId": "1"});
        let ev = Val::from_json(&ev);
        let f = EventFacts::of(&ev);
        assert_eq!(f.principal, "arn:aws:iam::1:role/R");
        assert_eq!(f.caller, "arn:aws:sts::1:assumed-role/R/s");
        let ev = Val::from_json(&json!({"userIdentity": {"type": "AWSAccount", "principalId": ""}}));
        assert_eq!(EventFacts::of(&ev).principal, "anonymous");
    }
}
