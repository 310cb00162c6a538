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
    !s.is_empty()
        && s.len() <= 64
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
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
    // Strings as strings (not `%`): written as they are, without a formatter each.
    tracing::info!(
        target: "omni_bff::http",
        method = method.as_str(),
        route,
        status,
        // Whole microseconds: `0.783523`, not `0.7835230000000001`.
        latency_ms = elapsed.as_micros() as f64 / 1000.0,
        request_id = id.to_str().unwrap_or_default(),
        "request"
    );
    resp.headers_mut().insert(HEADER, id);
    resp
}

/// A fresh id for one answer: time plus a process-wide counter, unique per process.
pub fn new_request_id() -> HeaderValue {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = format!("req_{:x}{:04x}", crate::clock::now_ms(), n & 0xffff);
    HeaderValue::from_maybe_shared(Bytes::from(id))
        .unwrap_or_else(|_| HeaderValue::from_static("req"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
