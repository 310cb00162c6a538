//! The simulator's result files: PNGs and MP4s rendered on first request, then kept.

use super::{lock, mp4, render, Shared};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_api::TaskStatus;
use std::sync::Arc;

/// Result files: rendered on first request, then kept.
pub(super) async fn file(
    State(sim): Shared,
    Path((task_id, file)): Path<(String, String)>,
) -> Response {
    if let Some(t) = lock(&sim.tasks).get_mut(&task_id) {
        if t.hints.file_failures > 0 {
            t.hints.file_failures -= 1;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    if file == "video.mp4" {
        let clip = lock(&sim.tasks)
            .get(&task_id)
            .filter(|t| t.task.task_status == TaskStatus::Succeed)
            .map(|t| t.clip.clone());
        let Some(clip) = clip else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let key = format!("{task_id}/{file}");
        let cached = lock(&sim.files).get(&key).cloned();
        let bytes = cached.unwrap_or_else(|| {
            let made = Arc::new(mp4::render(&clip.shots, clip.sound));
            lock(&sim.files).insert(key, made.clone());
            made
        });
        return ([(header::CONTENT_TYPE, "video/mp4")], bytes.to_vec()).into_response();
    }
    let key = format!("{task_id}/{file}");
    if let Some(bytes) = lock(&sim.files).get(&key).cloned() {
        return png_response(bytes);
    }
    let spec = {
        let tasks = lock(&sim.tasks);
        let Some(t) = tasks
            .get(&task_id)
            .filter(|t| t.task.task_status == TaskStatus::Succeed)
        else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let stem = file.strip_suffix(".png").unwrap_or("");
        let (index, watermark) = match stem.strip_suffix("-wm") {
            Some(i) => (i, true),
            None => (stem, false),
        };
        match index.parse::<u32>() {
            Ok(i) if i < t.count => (
                t.width,
                t.height,
                t.seed.wrapping_add(u64::from(i) * 97) ^ u64::from(watermark),
            ),
            _ => return StatusCode::NOT_FOUND.into_response(),
        }
    };
    let (w, h, seed) = spec;
    let bytes = match tokio::task::spawn_blocking(move || render::png(w, h, seed)).await {
        Ok(b) => Arc::new(b),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    lock(&sim.files).insert(key, bytes.clone());
    png_response(bytes)
}

pub(super) fn png_response(bytes: Arc<Vec<u8>>) -> Response {
    (
        [(header::CONTENT_TYPE, "image/png")],
        Body::from(bytes.as_ref().clone()),
    )
        .into_response()
}
