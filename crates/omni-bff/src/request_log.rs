//! One log line per request (method, route template, status, latency, request id), and
//! the request id itself: taken from the client's `X-Request-Id` when it is a plain
//! token, made otherwise, returned on every answer and put in every envelope, so the
//! `request_id` a user reports leads to its log line.
//!
//! Only the route template is logged (`/api/v1/callbacks/{token}`), never the path or
//! query: paths can hold a callback secret, queries a search text.

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, Request};
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

/// Answers `req` (routed to `route`, its template) with `answer`, inside the request's
/// id, and logs the outcome.
pub async fn logged<B, F>(
    route: &str,
    req: Request<B>,
    answer: impl FnOnce(Request<B>) -> F,
) -> Response
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
    let mut resp = REQUEST_ID.scope(id.clone(), answer(req)).await;
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    crate::metrics::request_done(&method, route, status, elapsed);
    log_line(
        method.as_str(),
        route,
        status,
        u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        id.to_str().unwrap_or_default(),
    );
    resp.headers_mut().insert(HEADER, id);
    resp
}

/// The request's log line: written straight to the logs in the text format when they
/// take it (the same line tracing would write, `log_format::request_line`), else as a
/// tracing event (the JSON format, tests). Either way only when `omni_bff::http` is
/// enabled at INFO (`OMNI_LOG`).
fn log_line(method: &str, route: &str, status: u16, latency_micros: u64, request_id: &str) {
    if !tracing::enabled!(target: "omni_bff::http", tracing::Level::INFO) {
        return;
    }
    if let Some((logs, ansi)) = crate::log_writer::request_lines() {
        thread_local! {
            static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            crate::log_format::request_line(
                line,
                *ansi,
                method,
                route,
                status,
                latency_micros,
                request_id,
            );
            logs.gather(line);
        });
        return;
    }
    tracing::info!(
        target: "omni_bff::http",
        method = %method,
        route = %route,
        status,
        // Whole microseconds: `0.783523`, not `0.7835230000000001`.
        latency_ms = latency_micros as f64 / 1000.0,
        request_id = %request_id,
        "request"
    );
}

/// A fresh id for one answer: time plus a process-wide counter, unique per process.
pub fn new_request_id() -> HeaderValue {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // `req_{now_ms:x}{n:04x}`, written without a formatter (it was a tenth of a cached
    // read's own instructions) into a buffer on the stack, then copied once into the
    // header's bytes.
    let mut id = [0u8; 4 + 16 + 16];
    id[..4].copy_from_slice(b"req_");
    let mut len = 4;
    len += push_hex(&mut id[len..], crate::clock::now_ms().unsigned_abs(), 1);
    len += push_hex(&mut id[len..], n & 0xffff, 4);
    HeaderValue::from_maybe_shared(Bytes::copy_from_slice(&id[..len]))
        .unwrap_or_else(|_| HeaderValue::from_static("req"))
}

/// `n` in lower-case hex with at least `width` digits, as `{:0width$x}` writes it, at
/// the start of `out` (room for 16 digits); answers how many digits it wrote.
fn push_hex(out: &mut [u8], n: u64, width: usize) -> usize {
    let digits = (n.checked_ilog2().unwrap_or(0) as usize / 4 + 1).max(width);
    for (i, digit) in out[..digits].iter_mut().rev().enumerate() {
        let nibble = n.checked_shr(4 * i as u32).unwrap_or(0) & 0xf;
        *digit = b"0123456789abcdef"[nibble as usize];
    }
    digits
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
                let mut ours = [0u8; 16];
                let len = push_hex(&mut ours, n, width);
                assert_eq!(
                    std::str::from_utf8(&ours[..len]),
                    Ok(&*format!("{n:0width$x}"))
                );
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
