//! One log line per request (method, route template, status, latency, request id), and
//! the request id itself: taken from the client's `X-Request-Id` when it is a plain
//! token, made otherwise, returned on every answer and put in every envelope, so the
//! `request_id` a user reports leads to its log line.
//!
//! Only the route template is logged (`/api/v1/callbacks/{token}`), never the path or
//! query: paths can hold a callback secret, queries a search text.

use axum::body::Bytes;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    // A header value: cloned for the answer's header and read as text for the log and
    // the envelope, without copying the id each time.
    static REQUEST_ID: HeaderValue;
}

/// The id of the request being answered (made fresh outside one).
pub fn current() -> String {
    with_current(str::to_owned)
}

/// `f` of the id of the request being answered, without copying it.
pub fn with_current<R>(f: impl FnOnce(&str) -> R) -> R {
    match REQUEST_ID.try_with(|id| id.clone()) {
        Ok(id) => f(id.to_str().unwrap_or_default()),
        Err(_) => f(new_request_id().to_str().unwrap_or_default()),
    }
}

/// A client's id is kept when it is short and plain (it is echoed into headers and logs).
fn accepted(value: &HeaderValue) -> bool {
    let s = value.as_bytes();
    !s.is_empty() && s.len() <= 64 && s.iter().all(|&b| plain(b))
}

/// The bytes a request id is made of: none needs escaping in JSON, headers or logs.
pub fn plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
}

/// Answers `req` with `answer`, inside the request's id, and logs the outcome.
pub async fn logged<F>(req: Request, answer: impl FnOnce(Request) -> F) -> Response
where
    F: Future<Output = Response>,
{
    let started = Instant::now();
    let id = req
        .headers()
        .get(&HEADER)
        .filter(|v| accepted(v))
        .cloned()
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    // Set by the router before its middleware runs.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("(app)", MatchedPath::as_str);
    let mut resp = REQUEST_ID.scope(id.clone(), answer(req)).await;
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    crate::metrics::request_done(&method, route, status, elapsed);
    tracing::info!(
        target: "omni_bff::http",
        method = %method,
        route = %route,
        status,
        // Whole microseconds: `0.783523`, not `0.7835230000000001`.
        latency_ms = elapsed.as_micros() as f64 / 1000.0,
        request_id = %id.to_str().unwrap_or_default(),
        "request"
    );
    resp.headers_mut().insert(HEADER, id);
    resp
}

/// A fresh id for one answer: time plus a process-wide counter, unique per process.
pub fn new_request_id() -> HeaderValue {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // `req_{now_ms:x}{n:04x}`, written without a formatter (it was a tenth of a cached
    // read's own instructions).
    let mut id = String::with_capacity(24);
    id.push_str("req_");
    push_hex(&mut id, crate::clock::now_ms().unsigned_abs(), 1);
    push_hex(&mut id, n & 0xffff, 4);
    // Copied out at its length: `Bytes` from a string with room to spare allocates a
    // second time, for its sharing header.
    HeaderValue::from_maybe_shared(Bytes::copy_from_slice(id.as_bytes()))
        .unwrap_or_else(|_| HeaderValue::from_static("req"))
}

/// `n` in lower-case hex with at least `width` digits, as `{:0width$x}` writes it.
fn push_hex(out: &mut String, n: u64, width: usize) {
    let digits = (n.checked_ilog2().unwrap_or(0) as usize / 4 + 1).max(width);
    for i in (0..digits).rev() {
        let nibble = n.checked_shr(4 * i as u32).unwrap_or(0) & 0xf;
        out.push(char::from(b"0123456789abcdef"[nibble as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_what_format_writes() {
        for n in [
            0u64,
            1,
            0xf,
            0x10,
            0xabc,
            0xffff,
            0x1_0000,
            0x1a22_b6cc_62f0,
            u64::MAX,
        ] {
            for width in [1, 4] {
                let mut ours = String::new();
                push_hex(&mut ours, n, width);
                assert_eq!(ours, format!("{n:0width$x}"));
            }
        }
        let id = new_request_id();
        let id = id.to_str().unwrap();
        assert!(id.starts_with("req_") && id.len() > 8, "{id}");
    }

    #[test]
    fn only_plain_client_ids_are_kept() {
        let ok = HeaderValue::from_static("3f2c9a1e-7b4d.trace:1");
        assert!(accepted(&ok));
        for bad in ["", "has space", "quote\"", &"x".repeat(65)] {
            let v = HeaderValue::from_str(bad).unwrap();
            assert!(!accepted(&v), "{bad:?}");
        }
    }
}
