//! `GET /api/v1/media/{task_id}/{file}`: a copied result file, with the content type
//! the upstream sent, Range support (video seeking), ETag revalidation and
//! Cache-Control for content that never changes.

use crate::error::ApiError;
use crate::media::storage::{parse_range, Fetched};
use crate::store::{MediaRow, MediaState};
use crate::{media, AppState};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A copy never changes: its name is the task and the file's place in the result.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The same, for media behind access control.
pub const PRIVATE_IMMUTABLE: &str = "private, max-age=31536000, immutable";

#[utoipa::path(get, operation_id = "media_copy", path = "/api/v1/media/{task_id}/{file}", tag = "studio", summary = "A copy of a result file (Range, ETag)",
    params(("task_id" = String, Path), ("file" = String, Path)),
    responses((status = 200, description = "The image or video", content_type = "application/octet-stream", body = Vec<u8>), (status = 206, description = "A range of it"), (status = 304), crate::routes::openapi::Errors))
]
pub async fn serve(
    State(state): State<Arc<AppState>>,
    Path((task_id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve_copy(&state, &task_id, &file, &headers, None).await
}

/// The finished copy called `file` of a task, looked up in the store (a URL never
/// becomes a storage key by itself).
pub async fn done_copy(state: &AppState, task_id: &str, file: &str) -> Result<MediaRow, ApiError> {
    let rows = state.store.media_of(task_id).await?;
    rows.into_iter()
        .find(|r| r.state == MediaState::Done && r.file.as_deref() == Some(file))
        .ok_or_else(|| ApiError::NotFound(format!("no copy {file:?} of task {task_id:?}")))
}

/// Serves a copy, honouring Range and If-None-Match, with an optional
/// Content-Disposition.
pub async fn serve_copy(
    state: &AppState,
    task_id: &str,
    file: &str,
    headers: &HeaderMap,
    disposition: Option<String>,
) -> Result<Response, ApiError> {
    let row = done_copy(state, task_id, file).await?;
    let key = media::storage_key(task_id, file);
    // Rows copied before types were checked are checked here too.
    let content_type = crate::upstream::safe_media_type(row.content_type.as_deref().unwrap_or(""));
    // Behind sign-in only the browser may keep a copy, never a shared cache.
    let cache = if state.security.access.required() {
        PRIVATE_IMMUTABLE
    } else {
        IMMUTABLE
    };
    stored(state, &key, headers, &content_type, cache, disposition).await
}

/// The object at `key` in the media storage as an answer: Range (video seeking),
/// If-None-Match, with its type, caching and an optional Content-Disposition.
pub async fn stored(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    content_type: &str,
    cache: &str,
    disposition: Option<String>,
) -> Result<Response, ApiError> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let range = text(header::RANGE).and_then(parse_range);
    let if_none_match = text(header::IF_NONE_MATCH).map(str::to_owned);
    let fetched = state
        .media
        .storage
        .get(key, range.clone(), if_none_match)
        .await
        .map_err(ApiError::internal)?;
    let found = match fetched {
        Fetched::Found(found) => found,
        Fetched::NotModified => return Ok(StatusCode::NOT_MODIFIED.into_response()),
        Fetched::Missing => {
            return Err(ApiError::NotFound(
                "the file is missing from media storage".into(),
            ))
        }
        Fetched::Unsatisfiable(size) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response())
        }
    };
    let (size, part) = (found.meta.size, found.range.clone());
    let etag = found.meta.e_tag.clone();
    let last_modified = found.meta.last_modified;
    let body = Body::from_stream(found.into_stream());
    let mut resp = body.into_response();
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = resp.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, content_type.to_owned());
    set(header::CONTENT_LENGTH, (part.end - part.start).to_string());
    set(header::ACCEPT_RANGES, "bytes".into());
    set(header::CACHE_CONTROL, cache.into());
    set(
        header::LAST_MODIFIED,
        last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    );
    if range.is_some() {
        set(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{size}", part.start, part.end.saturating_sub(1)),
        );
    }
    if let Some(tag) = etag {
        set(header::ETAG, tag);
    }
    if let Some(d) = disposition {
        set(header::CONTENT_DISPOSITION, d);
    }
    Ok(resp)
}
