//! Where copies live: a local directory (the default) or an S3-compatible bucket, both
//! through `object_store`, so the copier, the server and retention have one code path.
//! Writes go through a buffered multipart upload (a local file is written under a
//! temporary name and renamed), so a reader never sees half a file.

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, GetResult, ObjectStore};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Why an upload was not stored.
#[derive(Debug)]
pub enum PutError {
    /// Over the limit.
    TooLarge,
    /// Its first bytes are not what the check wants (the check's words).
    Refused(String),
    /// Reading or writing failed.
    Failed(String),
}

/// The media storage named by `--media-dir` / `--media-store`.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// For logs and errors: the directory or the bucket URL.
    pub describe: String,
}

/// What `get` found.
pub enum Fetched {
    Found(GetResult),
    /// The client already has this version (If-None-Match).
    NotModified,
    /// The range starts past the end; the object's size.
    Unsatisfiable(u64),
    Missing,
}

impl Storage {
    /// A directory, created if missing.
    pub fn dir(dir: &std::path::Path) -> Result<Storage, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create media dir {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("media dir {}: {e}", dir.display()))?;
        Ok(Storage {
            store: Arc::new(store),
            describe: dir.display().to_string(),
        })
    }

    /// An S3-compatible bucket, `s3://BUCKET[/PREFIX]`, with the AWS_* environment
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, and AWS_ENDPOINT plus
    /// AWS_ALLOW_HTTP=true for a non-AWS endpoint such as MinIO).
    pub fn s3(url: &str) -> Result<Storage, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("--media-store: {url:?} must look like s3://BUCKET/PREFIX"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("--media-store: {url:?} names no bucket"));
        }
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| format!("--media-store {url}: {e}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                s3,
                prefix.trim_matches('/'),
            ))
        };
        Ok(Storage {
            store,
            describe: url.to_owned(),
        })
    }

    /// Streams `resp`'s body into `key`; answers the size. Nothing is kept on failure.
    pub async fn put_stream(
        &self,
        key: &str,
        mut resp: reqwest::Response,
        idle: std::time::Duration,
    ) -> Result<i64, String> {
        let path = Path::parse(key).map_err(|e| format!("media key {key:?}: {e}"))?;
        let mut out = BufWriter::new(self.store.clone(), path);
        let result = async {
            let mut size = 0i64;
            while let Some(chunk) = tokio::time::timeout(idle, resp.chunk())
                .await
                .map_err(|_| format!("no data for {} s", idle.as_secs()))?
                .map_err(|e| format!("download: {e}"))?
            {
                size += chunk.len() as i64;
                out.write_all(&chunk)
                    .await
                    .map_err(|e| format!("write: {e}"))?;
            }
            out.shutdown().await.map_err(|e| format!("finish: {e}"))?;
            Ok::<i64, String>(size)
        }
        .await;
        if result.is_err() {
            let _ = out.abort().await;
        }
        result
    }

    /// Streams a request body into `key`, at most `limit` bytes, after `check` has
    /// passed its first bytes (at least 12, or all of a shorter body); answers the size.
    /// Nothing is kept on failure.
    pub async fn put_body(
        &self,
        key: &str,
        mut body: axum::body::Body,
        limit: u64,
        check: impl FnOnce(&[u8]) -> Result<(), String>,
    ) -> Result<u64, PutError> {
        use http_body_util::BodyExt;
        let path = Path::parse(key).map_err(|e| PutError::Failed(format!("key {key:?}: {e}")))?;
        let mut out = BufWriter::new(self.store.clone(), path);
        let result = async {
            let mut size = 0u64;
            let mut head = Vec::new();
            let mut check = Some(check);
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| PutError::Failed(format!("read: {e}")))?;
                let Ok(chunk) = frame.into_data() else {
                    continue;
                };
                size += chunk.len() as u64;
                if size > limit {
                    return Err(PutError::TooLarge);
                }
                if check.is_some() && head.len() < 12 {
                    head.extend_from_slice(&chunk[..chunk.len().min(12 - head.len())]);
                    if head.len() >= 12 {
                        if let Some(check) = check.take() {
                            check(&head).map_err(PutError::Refused)?;
                        }
                    }
                }
                out.write_all(&chunk)
                    .await
                    .map_err(|e| PutError::Failed(format!("write: {e}")))?;
            }
            if let Some(check) = check.take() {
                check(&head).map_err(PutError::Refused)?;
            }
            out.shutdown()
                .await
                .map_err(|e| PutError::Failed(format!("finish: {e}")))?;
            Ok(size)
        }
        .await;
        if result.is_err() {
            let _ = out.abort().await;
        }
        result
    }

    /// The keys under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, String> {
        use futures_util::TryStreamExt;
        let prefix = Path::parse(prefix).map_err(|e| e.to_string())?;
        let found: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| e.to_string())?;
        Ok(found.into_iter().map(|m| m.location.to_string()).collect())
    }

    /// Reads `key`, or the part of it `range` asks for.
    pub async fn get(
        &self,
        key: &str,
        range: Option<GetRange>,
        if_none_match: Option<String>,
    ) -> Result<Fetched, String> {
        let Ok(path) = Path::parse(key) else {
            return Ok(Fetched::Missing);
        };
        let opts = GetOptions {
            range: range.clone(),
            if_none_match,
            ..GetOptions::default()
        };
        match self.store.get_opts(&path, opts).await {
            Ok(found) => Ok(Fetched::Found(found)),
            Err(object_store::Error::NotFound { .. }) => Ok(Fetched::Missing),
            Err(object_store::Error::NotModified { .. }) => Ok(Fetched::NotModified),
            Err(e) if range.is_some() => match self.store.head(&path).await {
                Ok(meta) => Ok(Fetched::Unsatisfiable(meta.size)),
                Err(_) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        }
    }

    /// The whole of `key` (for the zip of a task's results).
    pub async fn read_all(&self, key: &str) -> Result<Bytes, String> {
        let path = Path::parse(key).map_err(|e| e.to_string())?;
        let got = self.store.get(&path).await.map_err(|e| e.to_string())?;
        got.bytes().await.map_err(|e| e.to_string())
    }

    /// Removes `key` (retention); a missing one is fine.
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        let path = Path::parse(key).map_err(|e| e.to_string())?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// One `Range: bytes=...` request, as object_store asks for it. Several ranges or a
/// syntax we do not serve give `None`: the whole file, as RFC 9110 allows.
pub fn parse_range(header: &str) -> Option<GetRange> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    match (start.is_empty(), end.is_empty()) {
        (true, false) => end.parse().ok().filter(|n| *n > 0).map(GetRange::Suffix),
        (false, true) => start.parse().ok().map(GetRange::Offset),
        (false, false) => {
            let (a, b): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            (a <= b).then(|| GetRange::Bounded(a..b.saturating_add(1)))
        }
        (true, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_browsers_send_them() {
        assert_eq!(
            parse_range("bytes=100-199"),
            Some(GetRange::Bounded(100..200))
        );
        assert_eq!(parse_range("bytes=0-"), Some(GetRange::Offset(0)));
        assert_eq!(parse_range("bytes=-500"), Some(GetRange::Suffix(500)));
        for whole in [
            "bytes=5-1",
            "bytes=0-1,5-9",
            "items=0-1",
            "bytes=-",
            "bytes=-0",
            "bytes=a-b",
        ] {
            assert_eq!(parse_range(whole), None, "{whole}");
        }
    }
}
