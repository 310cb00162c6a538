//! A task's result files from the BFF's own origin, so the app can show, download and
//! zip them (upstream links are cross-origin and hotlink-protected). Only URLs the
//! upstream returned for that task are ever fetched: nothing here comes from the user.

use super::media::{done_copy, serve_copy};
use crate::error::ApiError;
use crate::media::storage::Fetched;
use crate::{media, tasks, zip, AppState};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use omni_api::{Choice, ResultSet, StudioTask, TaskResult};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<AppState>>;

/// One result file of a task: where upstream keeps it and what to call it.
pub struct ResultFile {
    pub url: String,
    pub name: String,
}

/// Every file of a result, in display order, with download names such as
/// `omni-image-TASKID-2.png`.
pub fn files_of(task: &StudioTask, set: ResultSet, watermark: bool) -> Vec<ResultFile> {
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
        ResultSet::Images | ResultSet::SeriesImages => {
            let list = if set == ResultSet::Images {
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
        ResultSet::Videos => r
            .videos
            .iter()
            .enumerate()
            .map(|(i, v)| ResultFile {
                url: pick(&v.url, &v.watermark_url),
                name: format!("{stem}-{}{suffix}.mp4", i + 1),
            })
            .collect(),
        ResultSet::Covers => r
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
    }
}

/// `GET /api/v1/tasks/{id}/files/{set}/{index}?variant=watermark&download=1`
#[utoipa::path(get, operation_id = "result_file", path = "/api/v1/tasks/{id}/files/{set}/{index}", tag = "studio", summary = "One result file from this origin",
    params(("id" = String, Path), ("set" = String, Path, description = "images, series_images, videos or covers"), ("index" = u32, Path),
           ("variant" = Option<String>, Query, description = "`watermark`"), ("download" = Option<String>, Query, description = "present: as an attachment")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), crate::routes::openapi::Errors))
]
pub async fn one(
    State(state): Shared,
    Path((id, set, index)): Path<(String, String, usize)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let task = read_with_copies(&state, &id).await?;
    let watermark = q.get("variant").is_some_and(|v| v == "watermark");
    // An unknown set is a file that does not exist, like an index past the end.
    let missing = || ApiError::NotFound(format!("task {id} has no {set}[{index}]"));
    let file = ResultSet::parse(&set)
        .map(|s| files_of(&task, s, watermark))
        .unwrap_or_default()
        .into_iter()
        .nth(index)
        .ok_or_else(missing)?;
    let disposition = if q.contains_key("download") {
        "attachment"
    } else {
        "inline"
    };
    if let Some((task_id, name)) = copy_of(&file.url) {
        let d = format!("{disposition}; filename=\"{}\"", file.name);
        return serve_copy(&state, task_id, name, &headers, Some(d)).await;
    }
    // Not copied yet: pass the upstream's bytes through, chunk by chunk.
    let resp = state.upstream.open_file(&file.url).await?;
    let content_type = crate::upstream::content_type(&resp);
    let length = resp.content_length();
    let mut out = (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", file.name),
            ),
            // A finished result never changes; only this browser keeps it.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        Body::from_stream(Chunks::Upstream(resp).into_stream()),
    )
        .into_response();
    if let Some(n) = length {
        out.headers_mut().insert(header::CONTENT_LENGTH, n.into());
    }
    Ok(out)
}

/// Where one file's bytes come from.
enum Chunks {
    Copy(futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>),
    Upstream(reqwest::Response),
}

/// No byte from the upstream for this long ends a pass-through.
const IDLE: Duration = Duration::from_secs(60);

impl Chunks {
    async fn next(&mut self) -> Result<Option<Bytes>, String> {
        match self {
            Chunks::Copy(s) => s.next().await.transpose().map_err(|e| e.to_string()),
            Chunks::Upstream(resp) => tokio::time::timeout(IDLE, resp.chunk())
                .await
                .map_err(|_| format!("no data for {} s", IDLE.as_secs()))?
                .map_err(|e| format!("download: {e}")),
        }
    }

    fn into_stream(self) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut chunks = state?;
            match chunks.next().await {
                Ok(Some(b)) => Some((Ok(b), Some(chunks))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e)), None)),
            }
        })
    }
}

/// `GET /api/v1/tasks/{id}/files.zip`: every image and video of the task in one file,
/// streamed as it is read (a task's videos can be large).
#[utoipa::path(get, operation_id = "result_zip", path = "/api/v1/tasks/{id}/files.zip", tag = "studio", summary = "Every image and video of a task in one ZIP (streamed)",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), crate::routes::openapi::Errors))
]
pub async fn all(State(state): Shared, Path(id): Path<String>) -> Result<Response, ApiError> {
    let task = read_with_copies(&state, &id).await?;
    let files: Vec<ResultFile> = ResultSet::RESULTS
        .into_iter()
        .flat_map(|set| files_of(&task, set, false))
        .collect();
    if files.is_empty() {
        return Err(ApiError::NotFound(format!("task {id} has no results yet")));
    }
    // Every source is opened before the answer starts, so a missing file is a clear
    // error rather than a cut-off download.
    let mut sources = Vec::with_capacity(files.len());
    for f in files {
        let chunks = match copy_of(&f.url) {
            Some((task_id, name)) => {
                done_copy(&state, task_id, name).await?;
                let key = media::storage_key(task_id, name);
                match state.media.storage.get(&key, None, None).await {
                    Ok(Fetched::Found(found)) => Chunks::Copy(found.into_stream()),
                    Ok(_) => {
                        return Err(ApiError::NotFound(format!(
                            "the copy {name:?} is missing from media storage"
                        )))
                    }
                    Err(e) => return Err(ApiError::internal(e)),
                }
            }
            None => Chunks::Upstream(state.upstream.open_file(&f.url).await?),
        };
        sources.push((f.name, chunks));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if let Err(e) = write_zip(sources, &tx).await {
            tracing::warn!("zip of task cut off: {e}");
            let _ = tx.send(Err(std::io::Error::other(e))).await;
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let name = format!("{}-{}.zip", task.kind.as_str(), task.task.task_id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// Writes the archive into `tx` entry by entry; the CRC of each chunk is computed on a
/// blocking thread, never on the async ones that serve requests.
async fn write_zip(
    sources: Vec<(String, Chunks)>,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
    let send = |b: Bytes| async move {
        tx.send(Ok(b))
            .await
            .map_err(|_| "the client went away".to_owned())
    };
    let mut w = zip::Writer::default();
    for (name, mut chunks) in sources {
        let (mut entry, header) = w.begin(&name);
        send(header).await?;
        while let Some(chunk) = chunks.next().await? {
            let (e, chunk) = tokio::task::spawn_blocking(move || {
                entry.update(&chunk);
                (entry, chunk)
            })
            .await
            .map_err(|e| e.to_string())?;
            entry = e;
            send(chunk).await?;
        }
        send(w.end(entry)).await?;
    }
    send(w.finish()).await
}

/// A task as the studio shows it (its request summarised): result URLs point at copies
/// where they exist.
pub async fn read_with_copies(state: &AppState, id: &str) -> Result<StudioTask, ApiError> {
    let mut task = tasks::read(state, id, tasks::RequestPart::Summary).await?;
    media::rewrite_stored(state, &mut task.task).await;
    Ok(task)
}

/// `(task_id, file)` when `url` is one of our copies.
fn copy_of(url: &str) -> Option<(&str, &str)> {
    url.strip_prefix("/api/v1/media/")?.split_once('/')
}
