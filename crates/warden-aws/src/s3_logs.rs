//! Logs in S3 for `warden detect`: CloudTrail (and VPC flow log) objects under an
//! `s3://bucket/prefix` are listed and copied to a local directory, keeping their keys,
//! so the detection engine reads them exactly as it reads files. Memory stays flat: each
//! object streams to disk.

use crate::collect::{Options, block_on, session};
use crate::error::{CollectError, describe};
use futures::StreamExt;
use std::path::{Component, Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Objects downloaded at once.
const IN_FLIGHT: usize = 8;

/// An `s3://bucket/prefix` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl S3Url {
    /// `None` when `s` is not an `s3://` URL with a bucket.
    pub fn parse(s: &str) -> Option<S3Url> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Url { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }
}

/// What a download did.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub objects: usize,
    pub bytes: u64,
    /// Objects left out by the key filter (dates outside the window, digests).
    pub skipped: usize,
    /// Objects larger than the cap, listed and not read.
    pub oversize: Vec<String>,
    /// `key: reason` for each object that could not be read.
    pub failures: Vec<String>,
}

/// The day a CloudTrail or flow log key is for, from the `…/YYYY/MM/DD/…` part of the
/// delivery layout.
pub fn key_day(key: &str) -> Option<chrono::NaiveDate> {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(3).find_map(|w| {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if digits(w[0], 4) && digits(w[1], 2) && digits(w[2], 2) {
            chrono::NaiveDate::from_ymd_opt(w[0].parse().ok()?, w[1].parse().ok()?, w[2].parse().ok()?)
        } else {
            None
        }
    })
}

/// A key as a relative path under the destination: `.`, `..`, empty and root components
/// are dropped, so no key can write outside it.
fn local_path(dest: &Path, key: &str) -> Option<PathBuf> {
    let mut out = dest.to_path_buf();
    let mut any = false;
    for c in Path::new(key).components() {
        if let Component::Normal(part) = c {
            out.push(part);
            any = true;
        }
    }
    any.then_some(out)
}

/// Copies every object under `url` that `keep` accepts (by key) and that is at most
/// `max_object_bytes` into `dest`. Per-object failures are reported, not fatal.
pub fn fetch_blocking(
    opts: &Options,
    url: &S3Url,
    dest: &Path,
    keep: &(dyn Fn(&str) -> bool + Sync),
    max_object_bytes: u64,
) -> Result<Fetched, CollectError> {
    block_on(fetch(opts, url, dest, keep, max_object_bytes))?
}

async fn fetch(
    opts: &Options,
    url: &S3Url,
    dest: &Path,
    keep: &(dyn Fn(&str) -> bool + Sync),
    max_object_bytes: u64,
) -> Result<Fetched, CollectError> {
    let (_, ctx, _) = session(opts).await?;
    let home = ctx.s3(None);
    let located = home.get_bucket_location().bucket(&url.bucket).send().await;
    let region = located
        .map(|o| crate::s3::location(o.location_constraint().map(|c| c.as_str())))
        .map_err(|e| CollectError::Logs(format!("s3://{}: {}", url.bucket, describe(&e))))?;
    let s3 = ctx.s3(Some(&region));
    let pages =
        s3.list_objects_v2().bucket(&url.bucket).prefix(&url.prefix).into_paginator().send().collect::<Vec<_>>().await;
    let mut out = Fetched::default();
    let mut wanted = Vec::new();
    for page in pages {
        let page =
            page.map_err(|e| CollectError::Logs(format!("s3://{}/{}: {}", url.bucket, url.prefix, describe(&e))))?;
        for o in page.contents.unwrap_or_default() {
            let Some(key) = o.key else { continue };
            let size = o.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
            if key.ends_with('/') || key.contains("/CloudTrail-Digest/") || !keep(&key) {
                out.skipped += 1;
            } else if size > max_object_bytes {
                out.oversize.push(format!("{key} ({size} bytes)"));
            } else {
                wanted.push(key);
            }
        }
    }
    let results = futures::stream::iter(wanted.into_iter().map(|key| {
        let s3 = &s3;
        async move {
            let got = copy(s3, &url.bucket, &key, dest, max_object_bytes).await;
            (key, got)
        }
    }))
    .buffer_unordered(IN_FLIGHT)
    .collect::<Vec<_>>()
    .await;
    for (key, got) in results {
        match got {
            Ok(n) => {
                out.objects += 1;
                out.bytes += n;
            }
            Err(why) => out.failures.push(format!("s3://{}/{key}: {why}", url.bucket)),
        }
    }
    out.failures.sort();
    Ok(out)
}

/// Streams one object to its local path; stops at `cap` bytes.
async fn copy(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, dest: &Path, cap: u64) -> Result<u64, String> {
    let path = local_path(dest, key).ok_or("the key names no file")?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let object = s3.get_object().bucket(bucket).key(key).send().await.map_err(|e| describe(&e))?;
    let mut body = object.body;
    let mut file = tokio::fs::File::create(&path).await.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut n = 0u64;
    while let Some(chunk) = body.try_next().await.map_err(|e| format!("reading the body: {e}"))? {
        n += chunk.len() as u64;
        if n > cap {
            return Err(format!("larger than {cap} bytes"));
        }
        file.write_all(&chunk).await.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    file.flush().await.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_days_and_safe_paths() {
        assert_eq!(
            S3Url::parse("s3://logs/AWSLogs/1/CloudTrail/"),
            Some(S3Url { bucket: "logs".into(), prefix: "AWSLogs/1/CloudTrail/".into() })
        );
        assert_eq!(S3Url::parse("s3://logs"), Some(S3Url { bucket: "logs".into(), prefix: String::new() }));
        assert_eq!(S3Url::parse("s3://"), None);
        assert_eq!(S3Url::parse("/tmp/x"), None);
        let d = key_day("AWSLogs/111122223333/CloudTrail/us-east-1/2023/07/10/x.json.gz");
        assert_eq!(d, chrono::NaiveDate::from_ymd_opt(2023, 7, 10));
        assert_eq!(key_day("AWSLogs/111122223333/CloudTrail/us-east-1/x.json.gz"), None);
        assert_eq!(key_day("a/2023/13/40/x"), None);
        let dest = Path::new("/tmp/d");
        assert_eq!(local_path(dest, "../../etc/passwd"), Some(PathBuf::from("/tmp/d/etc/passwd")));
        assert_eq!(local_path(dest, "/abs/./k"), Some(PathBuf::from("/tmp/d/abs/k")));
        assert_eq!(local_path(dest, "../"), None);
    }
}
