//! The router: API routes in the envelope, then the built app with an SPA fallback.

pub mod app_config;
pub mod body;
pub mod callbacks;
pub mod elements;
pub mod events;
pub mod files;
pub mod health;
pub mod idempotency;
pub mod kling;
pub mod media;
pub mod session;
pub mod studio;

use crate::error::ApiError;
use crate::security;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_api::{Envelope, TaskKind};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};

/// Every route of the BFF.
pub fn router(state: Arc<AppState>) -> Router {
    let kling = envelope_only(
        Router::new()
            .route(
                "/v1/general/custom-elements",
                get(elements::list_own).post(elements::create),
            )
            .route("/v1/general/presets-elements", get(elements::list_presets))
            .route("/v1/general/delete-elements", post(elements::delete))
            .route("/v1/{group}/{name}", get(kling::list).post(kling::create))
            .route("/v1/{group}/{name}/{id}", get(kling::read)),
        &state,
    );
    let api = envelope_only(
        Router::new()
            .route("/v1/images/generations", post(studio::create_aio))
            .route("/v1/tasks", get(studio::history))
            .route("/v1/tasks/{id}", get(studio::read))
            .route("/v1/tasks/{id}/events", get(events::stream))
            .route("/v1/callbacks/{token}", post(callbacks::receive))
            .route("/v1/media/{task_id}/{file}", get(media::serve))
            .route("/v1/tasks/{id}/files.zip", get(files::all))
            .route("/v1/tasks/{id}/files/{set}/{index}", get(files::one))
            .route("/v1/config", get(studio::config))
            .route(
                "/v1/session",
                get(session::status)
                    .post(session::sign_in)
                    .delete(session::sign_out),
            ),
        &state,
    );
    let index = state.dist.join("index.html");
    // Deep links such as /tasks/abc get index.html; the app's router takes it from there.
    let app = ServeDir::new(&state.dist).fallback(ServeFile::new(index));
    Router::new()
        .nest("/kling", kling)
        .nest("/api", api)
        .route("/config.json", get(app_config::serve))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route(
            "/metrics",
            get(crate::metrics::serve).route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                security::guard,
            )),
        )
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        .fallback_service(app)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::host,
        ))
        .layer(axum::middleware::from_fn(crate::request_log::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

/// Unknown paths and methods under an API prefix answer in the envelope, never HTML;
/// every API route passes the security guard (cross-site, rate limit, access).
fn envelope_only(r: Router<Arc<AppState>>, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    r.fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
}

/// The kind served at `/v1/{group}/{name}`.
pub fn kind_of(group: &str, name: &str) -> Result<TaskKind, ApiError> {
    TaskKind::from_path(&format!("{group}/{name}"))
        .ok_or_else(|| ApiError::NotFound(format!("no such endpoint /v1/{group}/{name}")))
}

/// A 200 answer in the envelope.
pub fn ok<T: Serialize>(data: &T) -> Response {
    ok_with(data, Vec::new())
}

/// A 200 answer in the envelope, with warnings for the client (an accepted create).
pub fn ok_with<T: Serialize>(data: &T, warnings: Vec<omni_api::Warning>) -> Response {
    Json(Envelope {
        code: 0,
        message: "SUCCEED".into(),
        request_id: crate::request_log::current(),
        data: Some(data),
        warnings,
    })
    .into_response()
}

/// A task answer with an ETag of its content; 304 when the client already has it.
pub fn ok_task<T: Serialize>(data: &T, headers: &HeaderMap) -> Response {
    let json = serde_json::to_vec(data).unwrap_or_default();
    let digest = Sha256::digest(&json);
    let etag = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut resp = ok(data);
    if let Ok(value) = etag.parse() {
        resp.headers_mut().insert(header::ETAG, value);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    resp
}
