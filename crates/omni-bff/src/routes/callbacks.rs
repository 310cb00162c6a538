//! `POST /api/v1/callbacks/{token}`: where the upstream reports a task's changes. The
//! token in the path is the task's own secret; the body only names the task.

use super::ok;
use crate::error::ApiError;
use crate::{tasks, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

pub async fn receive(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Tokens are 32 hex digits; anything else cannot match and is not worth a query.
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("no task has this callback URL".into()));
    }
    let claimed = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("task_id").and_then(|t| t.as_str()).map(str::to_owned));
    tasks::on_callback(&state, &token, claimed.as_deref()).await?;
    Ok(ok(&serde_json::json!({"received": true})))
}
