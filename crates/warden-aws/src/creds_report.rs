//! The IAM credential report: generate, poll until complete, download, parse the CSV.

use crate::ctx::Ctx;
use aws_sdk_iam::types::ReportStateType;
use chrono::{DateTime, Utc};
use std::time::Duration;
use warden_model::Observed;
use warden_model::inventory::{CredentialReportKey, CredentialReportRow};

/// How many times to ask whether the report is ready (a second apart, then two).
const POLLS: u32 = 40;
/// Largest report accepted (a row is ~300 bytes; IAM allows 5000 users per account).
const MAX_REPORT_BYTES: usize = 16 << 20;

pub async fn collect(ctx: &Ctx, iam: &aws_sdk_iam::Client) -> Observed<Vec<CredentialReportRow>> {
    const OP: &str = "iam:GenerateCredentialReport";
    let mut ready = false;
    for attempt in 0..POLLS {
        match ctx.obs(OP, iam.generate_credential_report().send()).await {
            Observed::Known(o) if o.state() == Some(&ReportStateType::Complete) => {
                ready = true;
                break;
            }
            Observed::Known(_) => {
                tokio::time::sleep(Duration::from_secs(if attempt < 10 { 1 } else { 2 })).await;
            }
            Observed::Unknown(u) => return Observed::Unknown(u),
        }
    }
    if !ready {
        return Observed::Unknown(ctx.malformed(OP, "the report was still being generated after every poll"));
    }
    let out = match ctx.obs("iam:GetCredentialReport", iam.get_credential_report().send()).await {
        Observed::Known(o) => o,
        Observed::Unknown(u) => return Observed::Unknown(u),
    };
    let bytes = out.content().map(|b| b.as_ref()).unwrap_or_default();
    if bytes.len() > MAX_REPORT_BYTES {
        return Observed::Unknown(ctx.malformed("iam:GetCredentialReport", "report larger than 16 MiB"));
    }
    match parse(&String::from_utf8_lossy(bytes)) {
        Ok(rows) => Observed::Known(rows),
        Err(e) => Observed::Unknown(ctx.malformed("iam:GetCredentialReport", &e)),
    }
}

/// Parses the report's CSV. Columns are found by header name, so added columns are
/// harmless; a row with a different number of fields is an error with its line.
pub fn parse(csv: &str) -> Result<Vec<CredentialReportRow>, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().ok_or("empty credential report")?.split(',').map(str::trim).collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (Some(user), Some(arn)) = (col("user"), col("arn")) else {
        return Err("credential report has no `user`/`arn` columns".into());
    };
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != header.len() {
            return Err(format!("credential report line {}: {} fields, header has {}", i + 2, f.len(), header.len()));
        }
        let get = |name: &str| col(name).and_then(|c| f.get(c).copied()).unwrap_or("N/A");
        let flag = |name: &str| get(name).eq_ignore_ascii_case("true");
        let date = |name: &str| date(get(name));
        let text = |name: &str| {
            let v = get(name);
            (!matches!(v, "N/A" | "" | "not_supported" | "no_information")).then(|| v.to_owned())
        };
        let key = |n: u8| CredentialReportKey {
            active: flag(&format!("access_key_{n}_active")),
            last_rotated: date(&format!("access_key_{n}_last_rotated")),
            last_used_date: date(&format!("access_key_{n}_last_used_date")),
            last_used_region: text(&format!("access_key_{n}_last_used_region")),
            last_used_service: text(&format!("access_key_{n}_last_used_service")),
        };
        rows.push(CredentialReportRow {
            user: f.get(user).copied().unwrap_or_default().to_owned(),
            arn: f.get(arn).copied().unwrap_or_default().to_owned(),
            user_creation_time: date("user_creation_time"),
            password_enabled: flag("password_enabled"),
            password_last_used: date("password_last_used"),
            password_last_changed: date("password_last_changed"),
            mfa_active: flag("mfa_active"),
            access_key_1: key(1),
            access_key_2: key(2),
            cert_1_active: flag("cert_1_active"),
            cert_2_active: flag("cert_2_active"),
        });
    }
    Ok(rows)
}

fn date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v).ok().map(|d| d.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn parses_root_and_user_rows() {
        let csv = format!(
            "{HEADER}\n<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-02T03:04:05+00:00,not_supported,not_supported,false,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             alice,arn:aws:iam::123456789012:user/alice,2024-05-01T10:00:00+00:00,true,no_information,2024-05-01T10:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let rows = parse(&csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].is_root() && !rows[0].mfa_active && rows[0].access_key_1.active);
        assert!(rows[0].password_last_used.is_some());
        assert!(rows[1].password_enabled && rows[1].mfa_active && rows[1].password_last_used.is_none());
    }

    #[test]
    fn ragged_rows_are_errors_with_a_line() {
        let e = parse(&format!("{HEADER}\na,b,c\n")).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("x,y\n1,2").is_err());
    }
}
