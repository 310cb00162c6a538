//! `GET /config.json`: the app's deployment settings (read by the app's deployment.rs at
//! start-up). A config.json in the dist directory is served as it is; otherwise one is
//! made from this BFF's settings: the API at this origin's root, and the origins that
//! may frame the studio (`--frame-ancestors`) as the ones it talks to when embedded.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

#[utoipa::path(get, operation_id = "app_config", path = "/config.json", tag = "studio", summary = "The app's deployment settings (api_base, embed_origins)",
    responses((status = 200, body = serde_json::Value)))
]
pub async fn serve(State(state): State<Arc<AppState>>) -> Response {
    let body = deployment(&state).await;
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The config.json this BFF answers (also written into the index.html it serves, so the
/// app need not ask for it before it can start). The one it makes also says whether its
/// API needs a sign-in: without one the app shows the studio at once instead of asking
/// for its session first.
pub async fn deployment(state: &AppState) -> Vec<u8> {
    match tokio::fs::read(state.dist.join("config.json")).await {
        Ok(file) => file,
        Err(_) => serde_json::to_vec(&serde_json::json!({
            "api_base": "/",
            "embed_origins": state.security.csp.frame_ancestors(),
            "access_required": state.security.access.required(),
        }))
        .unwrap_or_default(),
    }
}
