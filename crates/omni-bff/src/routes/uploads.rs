//! Local videos as references. The upstream takes a reference video only by URL, so a
//! file from the browser is stored in the media storage and served at an unguessable
//! address under the public URL until it expires (a day: the upstream fetches it when
//! the task starts). Without a public URL the upstream could not reach it, and an
//! upload is refused saying so.
//!
//! Names, expiry and the sweep are in `media::uploads`.

use super::body::{media_type, refuse_announced_over};
use super::media::stored;
use crate::error::ApiError;
use crate::media::storage::PutError;
use crate::media::uploads::{is_video, key, new_name, parse};
use crate::{clock, AppState};
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use omni_api::media::MAX_VIDEO_BYTES;
use std::sync::Arc;

/// What an upload became.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Uploaded {
    /// Where the upstream fetches it (the public URL's origin and path).
    pub url: String,
    /// When it stops being served (ms since the epoch).
    pub expires_at: i64,
}

/// `POST /api/v1/uploads`: a reference video (MP4 or MOV, at most 200 MB) as the body.
#[utoipa::path(post, operation_id = "upload_video", path = "/api/v1/uploads", tag = "studio", summary = "Store a local reference video; answers the URL the upstream can fetch",
    request_body(content = Vec<u8>, content_type = "video/mp4", description = "The video file (video/mp4 or video/quicktime)"),
    responses((status = 200, body = omni_api::Envelope<Uploaded>), (status = 409, description = "No public URL: the upstream could not fetch it", body = omni_api::ErrorBody), crate::routes::openapi::Errors))
]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, ApiError> {
    let Some(public) = state
        .public_url()
        .map(|u| u.trim_end_matches('/').to_owned())
    else {
        return Err(ApiError::Conflict(
            "local videos are unavailable: the upstream fetches a reference video by URL, and \
             this BFF has no public URL (start it with --public-url) to serve one from"
                .into(),
        ));
    };
    let ext = match media_type(req.headers()) {
        Some("video/mp4") => "mp4",
        Some("video/quicktime") => "mov",
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Type must be video/mp4 or video/quicktime",
            ))
        }
    };
    refuse_announced_over(req.headers(), MAX_VIDEO_BYTES)?;
    let (name, expires_at) = new_name(ext).map_err(ApiError::internal)?;
    state
        .media
        .storage
        .put_body(&key(&name), req.into_body(), MAX_VIDEO_BYTES, is_video)
        .await
        .map_err(|e| match e {
            PutError::TooLarge => ApiError::PayloadTooLarge(MAX_VIDEO_BYTES as usize),
            PutError::Refused(why) => ApiError::Malformed(why),
            PutError::Failed(why) => ApiError::internal(why),
        })?;
    Ok(super::ok(&Uploaded {
        url: format!("{public}/api/v1/uploads/{name}"),
        expires_at,
    }))
}

/// `GET /api/v1/uploads/{name}`: an upload, until it expires. Open to anyone who has
/// the name (the upstream fetches it without credentials); Range for players.
#[utoipa::path(get, operation_id = "uploaded_video", path = "/api/v1/uploads/{name}", tag = "studio", summary = "An uploaded reference video, until it expires",
    params(("name" = String, Path)),
    responses((status = 200, content_type = "video/mp4", body = Vec<u8>), (status = 206), crate::routes::openapi::Errors))
]
pub async fn serve(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let missing = || ApiError::NotFound("no such upload (or it expired)".into());
    let (expires_at, ext) = parse(&name).ok_or_else(missing)?;
    if expires_at <= clock::now_ms() {
        return Err(missing());
    }
    let content_type = if ext == "mov" {
        "video/quicktime"
    } else {
        "video/mp4"
    };
    stored(
        &state,
        &key(&name),
        &headers,
        content_type,
        "private, max-age=3600",
        None,
    )
    .await
}
