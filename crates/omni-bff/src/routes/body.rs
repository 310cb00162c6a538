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
        let announced = refuse_announced_over(req.headers(), LIMIT as u64)?;
        let bytes = read_all(req.into_body(), LIMIT, announced).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::Malformed(format!("body is not valid JSON: {e}")))
    }
}

/// The whole body in one buffer, sized by its Content-Length when it has one, counted
/// against `limit` while read (a chunked body announces nothing). Each chunk is copied in
/// and freed at once: collecting the chunks and then joining them held a 130 MB body
/// twice.
async fn read_all(
    mut body: axum::body::Body,
    limit: usize,
    announced: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt as _;
    let mut out = Vec::with_capacity(announced.map_or(0, |n| n as usize).min(limit));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::Malformed(format!("cannot read the body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
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
/// (a chunked body announces nothing and is counted while read); answers the length
/// announced.
pub fn refuse_announced_over(headers: &HeaderMap, limit: u64) -> Result<Option<u64>, ApiError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(n) if n > limit => Err(ApiError::PayloadTooLarge(limit as usize)),
        _ => Ok(announced),
    }
}
