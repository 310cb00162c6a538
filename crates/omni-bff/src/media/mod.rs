//! Result media copied out of the upstream, whose links are hotlink-protected and
//! deleted after 30 days. When a task succeeds its files are queued; a copier streams
//! each to the media directory (never a whole video in memory), retries with backoff,
//! and task reads then point at `/api/v1/media/...`. Only URLs the upstream returned for
//! that task are fetched: nothing a user typed reaches this code.

pub mod storage;
pub mod uploads;

use crate::clock;
use crate::store::{MediaRow, MediaState};
use crate::AppState;
use omni_api::{Choice, ResultSet, Task, TaskResult};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
pub use storage::Storage;

/// How long a copier holds a file before another instance (or this one, restarted
/// after a crash) may take it over; renewed every `RENEW` while the copy runs, so a
/// long video keeps its copier and a dead copier's files wait at most this long.
const LEASE_MS: i64 = 30_000;
const RENEW: Duration = Duration::from_secs(10);
/// Attempts before a copy is given up (backoff 2 s, 4 s, ... capped at 10 min).
const MAX_ATTEMPTS: i64 = 12;

/// Where copies live and how long they stay.
#[derive(Clone)]
pub struct MediaConfig {
    pub storage: Storage,
    /// Copies older than this are removed; `None` keeps them for good.
    pub retention_ms: Option<i64>,
}

/// Calls `f` with a stable key for every file URL in a result, in display order:
/// `images-0`, `images-0-watermark`, `series_images-1`, `videos-0`, `covers-0`...
fn each_url(r: &mut TaskResult, mut f: impl FnMut(String, &mut String)) {
    for (set, list) in [
        (ResultSet::Images, &mut r.images),
        (ResultSet::SeriesImages, &mut r.series_images),
    ] {
        let set = set.as_str();
        for (i, img) in list.iter_mut().enumerate() {
            f(format!("{set}-{i}"), &mut img.url);
            if let Some(w) = img.watermark_url.as_mut() {
                f(format!("{set}-{i}-watermark"), w);
            }
        }
    }
    for (i, v) in r.videos.iter_mut().enumerate() {
        let (videos, covers) = (ResultSet::Videos.as_str(), ResultSet::Covers.as_str());
        f(format!("{videos}-{i}"), &mut v.url);
        if let Some(w) = v.watermark_url.as_mut() {
            f(format!("{videos}-{i}-watermark"), w);
        }
        if let Some(c) = v.cover_url.as_mut() {
            f(format!("{covers}-{i}"), c);
        }
    }
}

/// Every file of a finished task as `(key, upstream URL)`.
pub fn sources(task: &Task) -> Vec<(String, String)> {
    let mut result = task.task_result.clone();
    let mut out = Vec::new();
    each_url(&mut result, |key, url| {
        if url.starts_with("http://") || url.starts_with("https://") {
            out.push((key, url.clone()));
        }
    });
    out
}

/// The same-origin path of a copy.
pub fn media_path(task_id: &str, file: &str) -> String {
    format!("/api/v1/media/{task_id}/{file}")
}

/// Points a task's result URLs at the copies that are done.
pub fn rewrite(task: &mut Task, rows: &[MediaRow]) {
    let id = task.task_id.as_str().to_owned();
    each_url(&mut task.task_result, |key, url| {
        let copy = rows
            .iter()
            .find(|r| r.key == key && r.state == MediaState::Done);
        if let Some(file) = copy.and_then(|r| r.file.as_deref()) {
            *url = media_path(&id, file);
        }
    });
}

/// Rewrites a task read from the store (one query; nothing to do before it succeeded).
/// Answers whether its copies have settled: every result file has a row and none is
/// still pending, so only retention can change the URLs now.
pub async fn rewrite_stored(state: &AppState, task: &mut Task) -> bool {
    if task.task_result.is_empty() {
        return true;
    }
    let files = sources(task).len();
    match state.store.media_of(task.task_id.as_str()).await {
        Ok(rows) => {
            rewrite(task, &rows);
            rows.len() >= files && rows.iter().all(|r| r.state != MediaState::Pending)
        }
        Err(_) => false,
    }
}

/// A directory name for a task id: the id itself when it is plain, else a hash of it
/// (an upstream id never decides a path outside the media directory).
fn task_dir(task_id: &str) -> String {
    let plain = !task_id.is_empty()
        && task_id.len() <= 128
        && task_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        task_id.to_owned()
    } else {
        let d = Sha256::digest(task_id.as_bytes());
        d.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// Where a copy's bytes are in the storage: `TASK/FILE`.
pub fn storage_key(task_id: &str, file: &str) -> String {
    format!("{}/{file}", task_dir(task_id))
}

/// The file extension for what the upstream said it sent.
fn extension(content_type: &str, url: &str) -> &'static str {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    match ct {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        _ => {
            let path = url.split(['?', '#']).next().unwrap_or("");
            match path
                .rsplit('.')
                .next()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("png") => "png",
                Some("jpg" | "jpeg") => "jpg",
                Some("webp") => "webp",
                Some("mp4") => "mp4",
                _ => "bin",
            }
        }
    }
}

/// Copies queued files as they come due; removes copies past their retention.
pub async fn copier(state: Arc<AppState>) {
    let mut last_sweep = 0;
    let mut last_uploads_sweep = 0;
    loop {
        tokio::select! {
            _ = state.media_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let now = clock::now_ms();
        if now - last_uploads_sweep >= 600_000 {
            last_uploads_sweep = now;
            uploads::sweep(&state).await;
        }
        if let Some(keep) = state.media.retention_ms {
            if now - last_sweep >= keep.min(60_000) {
                last_sweep = now;
                sweep(&state, now - keep).await;
            }
        }
        let Ok(due) = state.store.media_due(now, 16).await else {
            continue;
        };
        for row in due {
            // Each row's lease starts when it is claimed (a batch of long videos must
            // not start with leases that ran out while the first ones copied).
            let Ok(Some(lease)) = state.store.claim_media(&row, LEASE_MS).await else {
                continue;
            };
            let attempt = row.attempts + 1;
            match copy_holding_lease(&state, &row, lease).await {
                Held::Done((file, content_type, size), lease) => {
                    let recorded = state
                        .store
                        .media_done(&row, lease, &file, &content_type, size, clock::now_ms())
                        .await;
                    tracing::debug!(
                        task_id = row.task_id,
                        key = row.key,
                        size,
                        ?recorded,
                        "media copied"
                    );
                }
                Held::Failed(e, lease) => {
                    let (state_after, wait) = if attempt >= MAX_ATTEMPTS {
                        (MediaState::Failed, 0)
                    } else {
                        (
                            MediaState::Pending,
                            (1000i64 << attempt.min(9)).min(600_000),
                        )
                    };
                    tracing::warn!(
                        task_id = row.task_id,
                        key = row.key,
                        attempt,
                        "media copy failed: {e}"
                    );
                    let _ = state
                        .store
                        .media_retry(&row, lease, state_after, clock::now_ms() + wait, &e)
                        .await;
                }
                Held::Lost => tracing::info!(
                    task_id = row.task_id,
                    key = row.key,
                    "media copy stopped: another copier holds it now"
                ),
            }
        }
    }
}

/// How a copy under a lease ended.
enum Held<T> {
    /// Finished while holding the lease (the lease it holds now).
    Done(T, i64),
    /// Failed while holding the lease.
    Failed(String, i64),
    /// The lease was lost: another copier owns the row; record nothing.
    Lost,
}

/// Copies one file, renewing the lease (held as `lease`) while the copy runs, and
/// stopping the copy as soon as a renewal finds the lease lost.
async fn copy_holding_lease(
    state: &AppState,
    row: &MediaRow,
    mut lease: i64,
) -> Held<(String, String, i64)> {
    let copying = copy(state, row);
    tokio::pin!(copying);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + RENEW, RENEW);
    loop {
        tokio::select! {
            done = &mut copying => return match done {
                Ok(v) => Held::Done(v, lease),
                Err(e) => Held::Failed(e, lease),
            },
            _ = renew.tick() => match state.store.renew_media(row, lease, LEASE_MS).await {
                Ok(Some(until)) => lease = until,
                Ok(None) => return Held::Lost,
                // The database is unreachable: keep copying; the next renewal tells.
                Err(_) => {}
            },
        }
    }
}

/// Streams one file to `TASK/KEY.EXT` in the storage (never whole in memory).
async fn copy(state: &AppState, row: &MediaRow) -> Result<(String, String, i64), String> {
    // The answer's head must come within a minute; the body then streams with an idle
    // limit, however long the video.
    let resp = tokio::time::timeout(
        Duration::from_secs(60),
        state.upstream.download(&row.url, None),
    )
    .await
    .map_err(|_| "no answer in 60 s".to_owned())?
    .map_err(|e| format!("{e:?}"))?;
    let content_type = crate::upstream::content_type(&resp);
    let file = format!("{}.{}", row.key, extension(&content_type, &row.url));
    let size = state
        .media
        .storage
        .put_stream(
            &storage_key(&row.task_id, &file),
            resp,
            Duration::from_secs(60),
        )
        .await?;
    Ok((file, content_type, size))
}

/// Removes copies made before `before`; reads then point at the upstream again.
async fn sweep(state: &AppState, before: i64) {
    let Ok(old) = state.store.media_copied_before(before).await else {
        return;
    };
    for row in old {
        if let Some(file) = &row.file {
            if let Err(e) = state
                .media
                .storage
                .delete(&storage_key(&row.task_id, file))
                .await
            {
                tracing::warn!(
                    task_id = row.task_id,
                    file,
                    "retention could not remove a copy: {e}"
                );
                continue;
            }
        }
        let _ = state.store.media_expire(&row).await;
        state.answers.forget(&row.task_id);
    }
}
