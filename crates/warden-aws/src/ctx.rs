//! The per-account context every collector runs with: SDK configuration, clients,
//! the concurrency bounds and the failure ledger.

use crate::error::{Ledger, ReadFailure, classify, unknown};
use crate::record::CallRecorder;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;
use aws_types::region::Region;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Semaphore;
use warden_model::{Observed, Unknown, UnknownKind};

/// Services the collector talks to; each gets its own bound on in-flight requests.
pub const SERVICES: &[&str] = &[
    "iam",
    "s3",
    "ec2",
    "kms",
    "cloudtrail",
    "account",
    "sts",
    "organizations",
    "logs",
    "cloudwatch",
    "sns",
    "config",
    "securityhub",
    "access-analyzer",
    "rds",
    "elasticfilesystem",
    "elasticloadbalancing",
    "cloudfront",
    "macie2",
    "guardduty",
    "secretsmanager",
    "acm",
    "lambda",
    "sqs",
    "ecr",
    "dynamodb",
    "backup",
];

/// One client constructor per regional service: the account's SDK configuration in
/// `region`, with the call recorder attached.
macro_rules! regional_clients {
    ($($name:ident => $krate:ident),* $(,)?) => {
        $(
            pub fn $name(&self, region: &str) -> $krate::Client {
                let c = $krate::config::Builder::from(&self.sdk)
                    .region(self.region_of(Some(region)))
                    .interceptor(self.recorder.clone())
                    .build();
                $krate::Client::from_conf(c)
            }
        )*
    };
}

/// One account being collected.
pub struct Ctx {
    pub account_id: String,
    pub partition: String,
    pub sdk: SdkConfig,
    pub recorder: CallRecorder,
    pub ledger: Arc<Ledger>,
    /// Set when requests go to an emulator: S3 must then use path-style addressing.
    pub custom_endpoint: bool,
    limits: HashMap<&'static str, Arc<Semaphore>>,
}

impl Ctx {
    pub fn new(
        account_id: String,
        partition: String,
        sdk: SdkConfig,
        recorder: CallRecorder,
        ledger: Arc<Ledger>,
        custom_endpoint: bool,
        per_service: usize,
    ) -> Self {
        let limits = SERVICES.iter().map(|s| (*s, Arc::new(Semaphore::new(per_service.max(1))))).collect();
        Ctx { account_id, partition, sdk, recorder, ledger, custom_endpoint, limits }
    }

    /// Runs one read under the service's concurrency bound. `Ok(None)` when the error
    /// code is one of `absent` ("there is none"), `Err` with the recorded reason otherwise.
    pub async fn call<T, E, F>(&self, op: &str, absent: &[&str], fut: F) -> Result<Option<T>, Unknown>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let service = op.split(':').next().unwrap_or_default();
        let _permit = match self.limits.get(service) {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        match fut.await {
            Ok(v) => Ok(Some(v)),
            Err(e) => match classify(&e, absent) {
                None => Ok(None),
                Some(f) => {
                    tracing::debug!(op, code = %f.code, "read failed");
                    self.ledger.record(op, &f);
                    Err(unknown(op, &f))
                }
            },
        }
    }

    /// A read with no "absent" answer.
    pub async fn obs<T, E, F>(&self, op: &str, fut: F) -> Observed<T>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match self.call(op, &[], fut).await {
            Ok(Some(v)) => Observed::Known(v),
            Ok(None) => Observed::Unknown(self.malformed(op, "no answer")),
            Err(u) => Observed::Unknown(u),
        }
    }

    /// A read whose "absent" error codes mean a known `None`.
    pub async fn obs_opt<T, E, F>(&self, op: &str, absent: &[&str], fut: F) -> Observed<Option<T>>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match self.call(op, absent, fut).await {
            Ok(v) => Observed::Known(v),
            Err(u) => Observed::Unknown(u),
        }
    }

    /// Records a response we could not use (a policy that is not JSON, a CSV that does
    /// not parse) and returns the reason.
    pub fn malformed(&self, op: &str, detail: &str) -> Unknown {
        let f = ReadFailure { kind: UnknownKind::MalformedResponse, code: "malformed".into(), message: detail.into() };
        self.ledger.record(op, &f);
        unknown(op, &f)
    }

    fn region_of(&self, region: Option<&str>) -> Option<Region> {
        region.map(|r| Region::new(r.to_owned())).or_else(|| self.sdk.region().cloned())
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        let c = aws_sdk_iam::config::Builder::from(&self.sdk).interceptor(self.recorder.clone()).build();
        aws_sdk_iam::Client::from_conf(c)
    }

    pub fn account(&self) -> aws_sdk_account::Client {
        let c = aws_sdk_account::config::Builder::from(&self.sdk).interceptor(self.recorder.clone()).build();
        aws_sdk_account::Client::from_conf(c)
    }

    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        let c = aws_sdk_organizations::config::Builder::from(&self.sdk).interceptor(self.recorder.clone()).build();
        aws_sdk_organizations::Client::from_conf(c)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        let c = aws_sdk_sts::config::Builder::from(&self.sdk).interceptor(self.recorder.clone()).build();
        aws_sdk_sts::Client::from_conf(c)
    }

    pub fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let c = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(self.region_of(region))
            .force_path_style(self.custom_endpoint)
            .interceptor(self.recorder.clone())
            .build();
        aws_sdk_s3::Client::from_conf(c)
    }

    pub fn s3control(&self) -> aws_sdk_s3control::Client {
        let mut c = aws_sdk_s3control::config::Builder::from(&self.sdk).interceptor(self.recorder.clone());
        // S3 Control puts the account id in the host name (`<account>.s3-control…`); an
        // emulator on 127.0.0.1 has no such host, so send requests to its URL as is.
        if let (true, Some(url)) = (self.custom_endpoint, self.sdk.endpoint_url()) {
            c = c.endpoint_resolver(FixedEndpoint(url.to_owned()));
        }
        aws_sdk_s3control::Client::from_conf(c.build())
    }

    regional_clients! {
        ec2 => aws_sdk_ec2,
        kms => aws_sdk_kms,
        cloudtrail => aws_sdk_cloudtrail,
        logs => aws_sdk_cloudwatchlogs,
        cloudwatch => aws_sdk_cloudwatch,
        sns => aws_sdk_sns,
        config => aws_sdk_config,
        securityhub => aws_sdk_securityhub,
        access_analyzer => aws_sdk_accessanalyzer,
        rds => aws_sdk_rds,
        efs => aws_sdk_efs,
        elbv2 => aws_sdk_elasticloadbalancingv2,
        elb => aws_sdk_elasticloadbalancing,
        macie => aws_sdk_macie2,
        guardduty => aws_sdk_guardduty,
        secretsmanager => aws_sdk_secretsmanager,
        acm => aws_sdk_acm,
        lambda => aws_sdk_lambda,
        sqs => aws_sdk_sqs,
        ecr => aws_sdk_ecr,
        dynamodb => aws_sdk_dynamodb,
        backup => aws_sdk_backup,
        autoscaling => aws_sdk_autoscaling,
    }

    /// CloudFront is global; its API lives in us-east-1.
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let c = aws_sdk_cloudfront::config::Builder::from(&self.sdk)
            .region(self.region_of(Some("us-east-1")))
            .interceptor(self.recorder.clone())
            .build();
        aws_sdk_cloudfront::Client::from_conf(c)
    }
}

/// An S3 Control endpoint resolver that always answers one URL (emulators only).
#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        let e = aws_sdk_s3control::config::endpoint::Endpoint::builder().url(self.0.clone()).build();
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(e))
    }
}

/// The second step of "list, then read each": runs `read` on every listed item
/// concurrently (under the service bounds the reads take themselves). A list that could
/// not be read stays unknown.
pub async fn read_each<T, U, Fut>(listed: Observed<Vec<T>>, read: impl FnMut(T) -> Fut) -> Observed<Vec<U>>
where
    Fut: Future<Output = U>,
{
    match listed {
        Observed::Known(items) => Observed::Known(futures::future::join_all(items.into_iter().map(read)).await),
        Observed::Unknown(u) => Observed::Unknown(u),
    }
}

/// SDK timestamps as chrono times.
pub fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    let t = t?;
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Parses a policy document that may be URL-encoded (IAM) or plain JSON (S3, KMS).
/// A document that is not JSON is kept as its text so the IAM engine reports it.
pub fn policy_document(raw: &str) -> serde_json::Value {
    let decoded = if raw.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
    };
    serde_json::from_str(&decoded).unwrap_or_else(|_| serde_json::Value::String(decoded.into_owned()))
}

pub fn tags<I, K, V>(pairs: I) -> warden_model::inventory::Tags
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_url_decoded() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(policy_document(raw)["Version"], "2012-10-17");
        assert_eq!(policy_document(r#"{"a": "b%20c"}"#)["a"], "b%20c");
        assert_eq!(policy_document("not json"), serde_json::Value::String("not json".into()));
    }
}
