//! A task's result files from the BFF's own origin, so the app can show, download and
//! zip them (upstream links are cross-origin and hotlink-protected). Only URLs the
//! upstream returned for that task are ever fetched: nothing here comes from the user.

use super::media::{done_copy, serve_copy};
use crate::error::ApiError;
use crate::{media, tasks, zip, AppState};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use omni_api::{Choice, StudioTask, TaskResult};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// One result file of a task: where upstream keeps it and what to call it.
pub struct ResultFile {
    pub url: String,
    pub name: String,
}

/// Every file of a result, in display order, with download names such as
/// `omni-image-TASKID-2.png`.
pub fn files_of(task: &StudioTask, set: &str, watermark: bool) -> Vec<ResultFile> {
    let r: &TaskResult = &task.task.task_result;
    let stem = format!("{}-{}", task.kind.as_str(), task.task.task_id);
    let pick = |url: &String, wm: &Option<String>| {
        if watermark {
            wm.clone().unwrap_or_else(|| url.clone())
        } else {
            url.clone()
        }
    };
    let suffix = if watermark { "-watermarked" } else { "" };
    match set {
        "images" | "series_images" => {
            let list = if set == "images" {
                &r.images
            } else {
                &r.series_images
            };
            list.iter()
                .enumerate()
                .map(|(i, img)| ResultFile {
                    url: pick(&img.url, &img.watermark_url),
                    name: format!("{stem}-{}{suffix}.png", i + 1),
                })
                .collect()
        }
        "videos" => r
            .videos
            .iter()
            .enumerate()
            .map(|(i, v)| ResultFile {
                url: pick(&v.url, &v.watermark_url),
                name: format!("{stem}-{}{suffix}.mp4", i + 1),
            })
            .collect(),
        "covers" => r
            .videos
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.cover_url.clone().map(|url| ResultFile {
                    url,
                    name: format!("{stem}-{}-cover.png", i + 1),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `GET /api/v1/tasks/{id}/files/{set}/{index}?variant=watermark&download=1`
pub async fn one(
    State(state): Shared,
    Path((id, set, index)): Path<(String, String, usize)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let task = read_with_copies(&state, &id).await?;
    let watermark = q.get("variant").is_some_and(|v| v == "watermark");
    let file = files_of(&task, &set, watermark)
        .into_iter()
        .nth(index)
        .ok_or_else(|| ApiError::NotFound(format!("task {id} has no {set}[{index}]")))?;
    let disposition = if q.contains_key("download") {
        "attachment"
    } else {
        "inline"
    };
    if let Some((task_id, name)) = copy_of(&file.url) {
        let d = format!("{disposition}; filename=\"{}\"", file.name);
        return serve_copy(&state, task_id, name, &headers, Some(d)).await;
    }
    // Not copied yet: pass the upstream's bytes through.
    let (content_type, bytes) = state.upstream.fetch_file(&file.url).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", file.name),
            ),
            // A finished result never changes.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// `GET /api/v1/tasks/{id}/files.zip`: every image and video of the task in one file.
pub async fn all(State(state): Shared, Path(id): Path<String>) -> Result<Response, ApiError> {
    let task = read_with_copies(&state, &id).await?;
    let files: Vec<ResultFile> = ["images", "series_images", "videos"]
        .iter()
        .flat_map(|set| files_of(&task, set, false))
        .collect();
    if files.is_empty() {
        return Err(ApiError::NotFound(format!("task {id} has no results yet")));
    }
    let mut archive = zip::Writer::default();
    for f in &files {
        let bytes = match copy_of(&f.url) {
            Some((task_id, name)) => {
                done_copy(&state, task_id, name).await?;
                let key = media::storage_key(task_id, name);
                state
                    .media
                    .storage
                    .read_all(&key)
                    .await
                    .map_err(ApiError::internal)?
                    .to_vec()
            }
            None => state.upstream.fetch_file(&f.url).await?.1,
        };
        archive.add(&f.name, &bytes);
    }
    let name = format!("{}-{}.zip", task.kind.as_str(), task.task.task_id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from(archive.finish()),
    )
        .into_response())
}

/// A task as the studio shows it: result URLs point at copies where they exist.
pub async fn read_with_copies(state: &AppState, id: &str) -> Result<StudioTask, ApiError> {
    let mut task = tasks::read(state, id).await?;
    media::rewrite_stored(state, &mut task.task).await;
    Ok(task)
}

/// `(task_id, file)` when `url` is one of our copies.
fn copy_of(url: &str) -> Option<(&str, &str)> {
    url.strip_prefix("/api/v1/media/")?.split_once('/')
}
