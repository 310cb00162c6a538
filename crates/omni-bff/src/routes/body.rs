//! The JSON body extractor of every create route: 415, 413 and 400 come back in the
//! envelope instead of axum's plain-text rejections.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

/// Room for ten 10 MB images as base64 (4/3 of 100 MB) plus the rest of the body.
pub const BODY_LIMIT: usize = 140 * 1024 * 1024;

/// A request body that is JSON, not yet typed, of at most `LIMIT` bytes (each route
/// takes what it needs: creates with images the most, a sign-in a few bytes).
pub struct JsonBody<const LIMIT: usize = BODY_LIMIT>(pub serde_json::Value);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for JsonBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        // Refuse an announced oversize body at once instead of reading 140 MB first.
        let announced = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|n| n > LIMIT as u64) {
            return Err(ApiError::PayloadTooLarge(LIMIT));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(LIMIT)
            } else {
                ApiError::Malformed(format!("cannot read the body: {}", rejection.body_text()))
            }
        })?;
        // A chunked body announces nothing: count what came.
        if bytes.len() > LIMIT {
            return Err(ApiError::PayloadTooLarge(LIMIT));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::Malformed(format!("body is not valid JSON: {e}")))
    }
}
