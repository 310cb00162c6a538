//! `GET /api/v1/media/{task_id}/{file}`: a copied result file, with its content type,
//! Range support (video seeking) and Cache-Control for content that never changes.

use crate::error::ApiError;
use crate::store::MediaState;
use crate::{media, AppState};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// A copy never changes: its name is the task and the file's place in the result.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn serve(
    State(state): State<Arc<AppState>>,
    Path((task_id, file)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    let path = copy_path(&state, &task_id, &file).await?;
    serve_file(path, req, None).await
}

/// The disk path of a finished copy, looked up in the store (the URL never becomes a
/// path by itself).
pub async fn copy_path(
    state: &AppState,
    task_id: &str,
    file: &str,
) -> Result<std::path::PathBuf, ApiError> {
    let rows = state.store.media_of(task_id).await?;
    rows.iter()
        .find(|r| r.state == MediaState::Done && r.file.as_deref() == Some(file))
        .map(|_| media::file_path(&state.media, task_id, file))
        .ok_or_else(|| ApiError::NotFound(format!("no copy {file:?} of task {task_id:?}")))
}

/// Serves a file with Range and conditional requests, immutable caching, and an
/// optional Content-Disposition.
pub async fn serve_file(
    path: std::path::PathBuf,
    req: Request,
    disposition: Option<String>,
) -> Result<Response, ApiError> {
    let resp = ServeFile::new(&path)
        .oneshot(req)
        .await
        .map_err(ApiError::internal)?;
    if resp.status() == axum::http::StatusCode::NOT_FOUND {
        return Err(ApiError::NotFound("the copy is missing from media storage".into()));
    }
    let mut resp = resp.map(Body::new).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        headers.insert(header::CONTENT_DISPOSITION, d);
    }
    Ok(resp)
}
