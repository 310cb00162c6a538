//! The JSON body extractor of every create route: 415, 413 and 400 come back in the
//! envelope instead of axum's plain-text rejections.

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};

/// Room for ten 10 MB images as base64 (4/3 of 100 MB) plus the rest of the body.
pub const BODY_LIMIT: usize = 140 * 1024 * 1024;

/// A request body that is JSON, not yet typed, of at most `LIMIT` bytes (each route
/// takes what it needs: creates with images the most, a sign-in a few bytes).
pub struct JsonBody<const LIMIT: usize = BODY_LIMIT>(pub serde_json::Value);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for JsonBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let is_json = media_type(req.headers()).is_some_and(|mime| {
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be application/json",
            ));
        }
        refuse_announced_over(req.headers(), LIMIT as u64)?;
        // Counted while reading, so a chunked body (which announces nothing) stops at the
        // route's limit instead of being buffered up to the global one first.
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT)
            .await
            .map_err(|e| {
                if is_length_limit(&e) {
                    ApiError::PayloadTooLarge(LIMIT)
                } else {
                    ApiError::Malformed(format!("cannot read the body: {e}"))
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::Malformed(format!("body is not valid JSON: {e}")))
    }
}

/// The body's media type (`Content-Type` without its parameters).
pub fn media_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()
        .map(str::trim)
}

/// Refuses at once a body announced over `limit` bytes, instead of reading it first
/// (a chunked body announces nothing and is counted while read).
pub fn refuse_announced_over(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(n) if n > limit => Err(ApiError::PayloadTooLarge(limit as usize)),
        _ => Ok(()),
    }
}

/// Whether reading stopped at the limit (axum wraps http-body-util's `LengthLimitError`).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}
