//! `Idempotency-Key` on creates: a client that sends the same key again (after a lost
//! answer, a time-out, a restarted server) gets the task of the first send, never a
//! second one. It becomes the upstream's `external_task_id` when the body has none.

use crate::error::ApiError;
use crate::tasks::check_key;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub const HEADER: &str = "idempotency-key";

/// The key a create carried, if any.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(IdempotencyKey(None));
        };
        let key = value.to_str().unwrap_or("\u{fffd}");
        check_key(key).map_err(ApiError::Invalid)?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}
