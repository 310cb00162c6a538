//! `POST /api/v1/callbacks/{token}`: where the upstream reports a task's changes. The
//! token in the path is the task's own secret; the body only names the task.

use super::body::JsonBody;
use super::ok;
use crate::error::ApiError;
use crate::{tasks, AppState};
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

/// The answer to a callback.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Received {
    pub received: bool,
}

/// A callback carries one task's view: a megabyte is plenty.
pub const CALLBACK_BODY_LIMIT: usize = 1024 * 1024;

#[utoipa::path(post, operation_id = "receive_callback", path = "/api/v1/callbacks/{token}", tag = "studio", summary = "Where the upstream reports a task's changes (per-task secret in the path)",
    params(("token" = String, Path)), request_body = serde_json::Value,
    responses((status = 200, body = omni_api::Envelope<Received>), crate::routes::openapi::Errors))
]
pub async fn receive(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    JsonBody(body): JsonBody<CALLBACK_BODY_LIMIT>,
) -> Result<Response, ApiError> {
    // Tokens are 32 hex digits; anything else cannot match and is not worth a query.
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("no task has this callback URL".into()));
    }
    let claimed = body
        .get("task_id")
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    tasks::on_callback(&state, &token, claimed.as_deref()).await?;
    Ok(ok(&Received { received: true }))
}
