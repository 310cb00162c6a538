//! The one upstream client: the official service (JWT), a gateway (bearer key) and the
//! built-in simulator all go through this code over real HTTP.

pub mod jwt;

use crate::clock;
use crate::error::ApiError;
use crate::security::ssrf;
use omni_api::codes;
use omni_api::spend::ResourcePack;
use omni_api::{Envelope, Task, TaskKind};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// How the client proves who it is.
pub enum Auth {
    None,
    Bearer(String),
    Jwt(jwt::JwtSigner),
}

/// Time allowed for a create (bodies can be 140 MB of base64).
const CREATE_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed for a read.
const READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts for a read before giving up.
const READ_ATTEMPTS: u32 = 3;

/// A client for one upstream base URL.
pub struct Upstream {
    http: reqwest::Client,
    /// For result files: never reaches private or local addresses (the upstream's own
    /// host excepted), redirects included.
    files: reqwest::Client,
    trusted: ssrf::Trusted,
    base: String,
    auth: Auth,
    /// `--upstream-timeout`: no call waits longer than this.
    timeout_cap: Option<Duration>,
}

/// An upstream failure, before it becomes an answer.
#[derive(Debug)]
pub enum UpstreamError {
    /// The upstream answered with an error envelope.
    Api {
        status: u16,
        code: i64,
        message: String,
    },
    /// No usable answer: connection refused or dropped, time-out, garbage.
    Transport(String),
    /// A result link we will not fetch (a private or local address).
    Refused(String),
}

impl UpstreamError {
    /// Worth trying again (for reads, and for idempotent creates).
    pub fn is_retryable(&self) -> bool {
        match self {
            UpstreamError::Transport(_) => true,
            UpstreamError::Refused(_) => false,
            UpstreamError::Api { status, code, .. } => *status >= 500 || codes::is_transient(*code),
        }
    }
}

impl UpstreamError {
    /// The upstream has no such task (code 1203, or a plain 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, UpstreamError::Api { status, code, .. } if *code == codes::NOT_FOUND || *status == 404)
    }

    /// The upstream refused before doing anything: over its concurrency (1303) or rate
    /// (1302, or a 429 without a code of its own). Nothing was created; the same create
    /// may go again later. The account's own 429s (arrears 1101, an exhausted resource
    /// pack 1102) are answers, not "later".
    pub fn is_busy(&self) -> bool {
        matches!(self, UpstreamError::Api { status, code, .. }
            if *code == codes::CONCURRENCY
                || *code == codes::RATE_LIMIT
                || (*status == 429 && !(1000..1200).contains(code)))
    }

    /// No way to know whether the upstream acted: no answer, garbage, or a server
    /// error (a real upstream may fail after creating the task).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            UpstreamError::Transport(_) => true,
            UpstreamError::Api { status, .. } => *status >= 500,
            UpstreamError::Refused(_) => false,
        }
    }
}

impl From<UpstreamError> for ApiError {
    fn from(e: UpstreamError) -> Self {
        match e {
            UpstreamError::Api {
                status,
                code,
                message,
            } => ApiError::Upstream {
                status,
                code,
                message: format!("upstream: {message}"),
            },
            UpstreamError::Transport(m) => {
                ApiError::Unavailable(format!("upstream unreachable: {m}"))
            }
            UpstreamError::Refused(m) => ApiError::Upstream {
                status: 502,
                code: codes::INTERNAL,
                message: format!("the upstream returned a link this server will not fetch: {m}"),
            },
        }
    }
}

impl Upstream {
    /// A client for `base` (no trailing slash): paths are `{base}/v1/...`.
    pub fn new(base: String, auth: Auth) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("a TLS backend is compiled in");
        let trusted = ssrf::Trusted::of_base(&base);
        let files = ssrf::guarded_client(trusted.clone(), Duration::from_secs(5));
        Upstream {
            http,
            files,
            trusted,
            base,
            auth,
            timeout_cap: None,
        }
    }

    /// Caps every call's time-out at `cap`.
    pub fn with_timeout_cap(mut self, cap: Option<Duration>) -> Self {
        self.timeout_cap = cap;
        self
    }

    fn timeout(&self, default: Duration) -> Duration {
        self.timeout_cap.map_or(default, |cap| cap.min(default))
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn authorize(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::None => req,
            Auth::Bearer(key) => req.bearer_auth(key),
            Auth::Jwt(signer) => req.bearer_auth(signer.token_at(clock::now_secs())),
        }
    }

    /// Sends one create, once. A lost answer is not sent again here: a strict upstream
    /// refuses a repeated external_task_id, so the caller asks for the task by that id
    /// before sending again (see `creates`).
    pub async fn create_once(
        &self,
        kind: TaskKind,
        body: bytes::Bytes,
    ) -> Result<Task, UpstreamError> {
        let url = format!("{}/v1/{}", self.base, kind.path());
        let req = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .timeout(self.create_timeout());
        measured("create", decode(self.authorize(req).send().await)).await
    }

    /// How long one create may take, after `--upstream-timeout`.
    pub fn create_timeout(&self) -> Duration {
        self.timeout(CREATE_TIMEOUT)
    }

    /// Looks a task up by its external_task_id: `Ok(None)` when the upstream has none.
    pub async fn find(
        &self,
        kind: TaskKind,
        external: &str,
    ) -> Result<Option<Task>, UpstreamError> {
        match self.get(kind, external).await {
            Ok(task) => Ok(Some(task)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads one task (by task id or external task id), retrying transient failures.
    pub async fn get(&self, kind: TaskKind, id: &str) -> Result<Task, UpstreamError> {
        self.read(&format!("{}/{id}", kind.path())).await
    }

    /// POSTs `body` to `/v1/{path}`; sent once unless `idempotent`.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        idempotent: bool,
    ) -> Result<T, UpstreamError> {
        let url = format!("{}/v1/{path}", self.base);
        let attempts = if idempotent { READ_ATTEMPTS } else { 1 };
        self.with_retries(attempts, "post", || async {
            let req = self
                .http
                .post(&url)
                .json(body)
                .timeout(self.timeout(CREATE_TIMEOUT));
            decode(self.authorize(req).send().await).await
        })
        .await
    }

    /// GETs `/v1/{path}` (the path may carry a query), retrying transient failures.
    pub async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, UpstreamError> {
        self.read_url(format!("{}/v1/{path}", self.base)).await
    }

    /// The account's resource packs in force between two instants (ms since the
    /// epoch): `GET /account/costs`, outside `/v1`, free of charge and limited to one
    /// query a second (the caller keeps the answer).
    pub async fn account_costs(
        &self,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<ResourcePack>, UpstreamError> {
        #[derive(serde::Deserialize)]
        struct Costs {
            #[serde(default)]
            resource_pack_subscribe_infos: Vec<ResourcePack>,
        }
        let url = format!(
            "{}/account/costs?start_time={start_ms}&end_time={end_ms}",
            self.base
        );
        let costs: Costs = self.read_url(url).await?;
        Ok(costs.resource_pack_subscribe_infos)
    }

    async fn read_url<T: DeserializeOwned>(&self, url: String) -> Result<T, UpstreamError> {
        self.with_retries(READ_ATTEMPTS, "read", || async {
            let req = self.http.get(&url).timeout(self.timeout(READ_TIMEOUT));
            decode(self.authorize(req).send().await).await
        })
        .await
    }

    /// Opens a result file the upstream returned (never a URL a user supplied) for
    /// reading chunk by chunk, retrying failures to open it.
    pub async fn open_file(&self, url: &str) -> Result<reqwest::Response, UpstreamError> {
        let limit = self.timeout(READ_TIMEOUT);
        self.with_retries(READ_ATTEMPTS, "file", || async move {
            // The answer's head must come in time; its body is read with an idle limit.
            tokio::time::timeout(limit, self.download(url, None))
                .await
                .map_err(|_| {
                    UpstreamError::Transport(format!("no answer in {} s", limit.as_secs()))
                })?
        })
        .await
    }

    /// Starts downloading a result file the upstream returned; the caller reads the
    /// body (streaming it to disk: videos are never held whole in memory). No overall
    /// timeout when `timeout` is `None`, for large files read chunk by chunk.
    pub async fn download(
        &self,
        url: &str,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, UpstreamError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            UpstreamError::Refused(format!("{} is not a URL: {e}", redact_url(url)))
        })?;
        if let Some(why) = ssrf::refuse_url(&parsed, &self.trusted) {
            return Err(UpstreamError::Refused(why));
        }
        let mut req = self.files.get(parsed);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let resp = req.send().await.map_err(|e| {
            // The guard's refusals come back as connect or redirect errors.
            let text = describe(e);
            if text.contains("private or local") || text.contains("redirect refused") {
                UpstreamError::Refused(text)
            } else {
                UpstreamError::Transport(text)
            }
        })?;
        let status = resp.status().as_u16();
        if status >= 400 {
            return Err(UpstreamError::Api {
                status: if status == 404 { 404 } else { 502 },
                code: if status == 404 {
                    codes::NOT_FOUND
                } else {
                    codes::INTERNAL
                },
                message: format!("result file answered HTTP {status}"),
            });
        }
        Ok(resp)
    }

    async fn with_retries<T, F, Fut>(
        &self,
        attempts: u32,
        op: &'static str,
        mut call: F,
    ) -> Result<T, UpstreamError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, UpstreamError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match measured(op, call()).await {
                Err(e) if attempt < attempts && e.is_retryable() => {
                    // Exponential backoff from 1 s (the upstream's advice for 1303), plus jitter.
                    let base = 1000u64 << (attempt - 1);
                    let wait = base + clock::jitter_u64() % (base / 2 + 1);
                    tracing::debug!(
                        "upstream attempt {attempt} failed ({e:?}); retrying in {wait} ms"
                    );
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                other => return other,
            }
        }
    }
}

/// Runs one upstream call, counting it in the metrics by its result code.
async fn measured<T>(
    op: &'static str,
    call: impl std::future::Future<Output = Result<T, UpstreamError>>,
) -> Result<T, UpstreamError> {
    let started = std::time::Instant::now();
    let result = call.await;
    let code = match &result {
        Ok(_) => 0,
        Err(UpstreamError::Api { code, .. }) => *code,
        Err(_) => -1,
    };
    crate::metrics::upstream_call(op, code, started.elapsed());
    result
}

/// What a result file holds, as this origin may serve it: an image or video type the
/// upstream named, else `application/octet-stream`. Its files are served from our own
/// origin, so HTML or SVG (script) from it would run as ours.
pub fn content_type(resp: &reqwest::Response) -> String {
    safe_media_type(
        resp.headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

/// A URL as logs and errors may show it: scheme, host and port only. Result links carry
/// signatures in their query, callback URLs a per-task secret in their path.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{}{port}/…", u.scheme(), u.host_str().unwrap_or(""))
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// `image/png` from `image/PNG; charset=x`; anything that is not a plain image or video
/// type (SVG included) becomes `application/octet-stream`.
pub fn safe_media_type(raw: &str) -> String {
    let mime = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+'))
    };
    let ok = match mime.split_once('/') {
        Some(("image", sub)) => plain(sub) && !sub.starts_with("svg"),
        Some(("video", sub)) => plain(sub),
        _ => false,
    };
    if ok {
        mime
    } else {
        "application/octet-stream".into()
    }
}

async fn decode<T: DeserializeOwned>(
    sent: reqwest::Result<reqwest::Response>,
) -> Result<T, UpstreamError> {
    let resp = sent.map_err(|e| UpstreamError::Transport(describe(e)))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| UpstreamError::Transport(describe(e)))?;
    let env: Envelope<T> = serde_json::from_slice(&bytes).map_err(|e| {
        UpstreamError::Transport(format!("HTTP {status} with an unreadable body ({e})"))
    })?;
    match env.data {
        Some(data) if env.code == 0 && status < 400 => Ok(data),
        _ => Err(UpstreamError::Api {
            status: if status < 400 { 502 } else { status },
            code: if env.code == 0 {
                codes::INTERNAL
            } else {
                env.code
            },
            message: env.message,
        }),
    }
}

/// A transport error in words, without the URL (it may carry a key in a query string).
fn describe(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    // The causes say why (a refused address, a reset); reqwest's own text does not.
    let mut causes = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        causes += &format!(": {s}");
        source = s.source();
    }
    format!("{what}: {}{causes}", e.without_url())
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_in_logs_keep_no_secrets() {
        use super::redact_url as r;
        assert_eq!(
            r("https://cdn.example.com:8443/a/b.png?X-Amz-Signature=abc&Expires=1"),
            "https://cdn.example.com:8443/…"
        );
        assert_eq!(
            r("https://user:pw@studio.example/api/v1/callbacks/0123456789abcdef"),
            "https://studio.example/…"
        );
        assert_eq!(r("not a url, secret"), "(not a URL)");
    }

    #[test]
    fn only_plain_image_and_video_types_pass() {
        use super::safe_media_type as t;
        assert_eq!(t("image/png"), "image/png");
        assert_eq!(t("Video/MP4; codecs=avc1"), "video/mp4");
        for bad in [
            "text/html",
            "image/svg+xml",
            "",
            "image/",
            "application/javascript",
            "image/png\r\nx: y",
        ] {
            assert_eq!(t(bad), "application/octet-stream", "{bad:?}");
        }
    }
}
