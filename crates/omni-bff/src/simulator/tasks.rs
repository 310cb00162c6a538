//! The simulator's tasks: create (with every rule the upstream checks), the life of a
//! task from submitted to its end with callbacks, and reads and lists.

use super::{dropped_connection, envelope, error, hints, lock, render, Made, Shared, Sim};
use crate::clock;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hints::Hints;
use omni_api::codes;
use omni_api::omni_image::ResultType;
use omni_api::queue::Pool;
use omni_api::task::TaskInfo;
use omni_api::{
    AspectRatio, Resolution, Task, TaskId, TaskKind, TaskResult, TaskStatus, UpstreamRequest,
};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// One simulated task.
pub(super) struct SimTask {
    pub(super) kind: TaskKind,
    pub(super) task: Task,
    /// Pixel size and count of the images to render.
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) count: u32,
    pub(super) series: bool,
    /// Video tasks: seconds per segment (one per storyboard shot) and the sound track.
    pub(super) clip: Clip,
    /// What the price table says the task costs (`final_unit_deduction`).
    pub(super) units: Option<String>,
    pub(super) hints: Hints,
    pub(super) seed: u64,
}

impl SimTask {
    /// Slots it holds in its pool while it runs.
    fn slots(&self) -> u32 {
        if self.kind.pool() == Pool::Video {
            1
        } else {
            self.count.max(1)
        }
    }
}

/// The shape of a result video.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Clip {
    pub(super) shots: Vec<u32>,
    pub(super) sound: bool,
}

impl Clip {
    /// What a video request asks for: its storyboard's shots, else one segment of its
    /// duration (the model's default when absent; an edit's input length is unknown here).
    pub(super) fn of(req: &UpstreamRequest, catalog: &omni_api::Catalog) -> Clip {
        let UpstreamRequest::OmniVideo(r) = req else {
            return Clip::default();
        };
        let spec = catalog.omni_video.spec_for(r.model_name.as_ref());
        let mut shots = spec.map_or(vec![5], |s| r.segments(s));
        // A video has at least a second (an empty clip would not play).
        shots.retain(|s| *s > 0);
        if shots.is_empty() {
            shots.push(1);
        }
        Clip {
            shots,
            sound: r.sound == Some(omni_api::omni_video::OnOff::On),
        }
    }

    pub(super) fn seconds(&self) -> u32 {
        self.shots.iter().sum()
    }
}

pub(super) async fn create(
    State(sim): Shared,
    Path((group, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let kind = match kind_for(&sim, &headers, &group, &name) {
        Ok(kind) => kind,
        Err(code) => return error(code),
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(codes::BAD_REQUEST);
    };
    let req = match UpstreamRequest::parse(kind, &json, &sim.opts.catalog) {
        Ok(r) => r,
        Err(v) => return envelope(400, codes::INVALID_PARAMS, &v.summary(), None),
    };
    let prompt = json.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
    let mut hints = Hints::parse(prompt);
    lock(&sim.stats).creates += 1;
    lock(&sim.stats).bodies.push(json.clone());
    if hints.drop {
        return dropped_connection();
    }
    if let Some(code) = hints.code {
        return error(code);
    }
    let n = sim.counter.fetch_add(1, Ordering::Relaxed);
    if hints.fail_once && lock(&sim.failed_once).insert(prompt.to_owned()) {
        hints.fail = true;
    }
    if sim.opts.fail_rate > 0.0
        && (clock::jitter_u64() % 10_000) as f64 / 10_000.0 < sim.opts.fail_rate
    {
        hints.fail = true;
    }
    let external = req.external_task_id().map(str::to_owned);
    // Held until the new task is registered: two creates with one external id, even at
    // the same instant, make one task.
    // Scoped so no lock is held across the awaits below.
    let made = 'made: {
        let mut by_external = lock(&sim.external);
        if let Some(ext) = &external {
            if let Some(existing) = by_external.get(ext).cloned() {
                if sim.opts.strict_ids {
                    // The documented rule is only "unique per user": a strict upstream
                    // refuses the id instead of answering with the first task.
                    break 'made Err(envelope(
                        400,
                        codes::INVALID_PARAMS,
                        "external_task_id already exists",
                        None,
                    ));
                }
                let tasks = lock(&sim.tasks);
                if let Some(t) = tasks.get(&existing) {
                    break 'made Err(envelope(
                        200,
                        0,
                        "SUCCEED",
                        serde_json::to_value(sim.view(t)).ok(),
                    ));
                }
            }
        }
        let now = clock::now_ms();
        let (width, height, count, series) = shape(&req);
        if let Some(limit) = sim.opts.max_in_flight {
            // Like the real service: a pool's running tasks hold their slots (an image
            // task n, a video one) until they end; beyond the limit, 1303.
            let pool = kind.pool();
            let held: u32 = lock(&sim.tasks)
                .values()
                .filter(|t| t.kind.pool() == pool && !t.task.task_status.is_terminal())
                .map(SimTask::slots)
                .sum();
            let wanted = if pool == Pool::Video { 1 } else { count.max(1) };
            if held + wanted > limit {
                lock(&sim.stats).busy += 1;
                break 'made Err(error(codes::CONCURRENCY));
            }
        }
        let task_id = format!("sim{now:x}{n:04x}");
        let clip = Clip::of(&req, &sim.opts.catalog);
        let units = req
            .estimate(&sim.opts.catalog)
            .map(|e| format!("{}", e.amount));
        let task = Task {
            task_id: TaskId(task_id.clone()),
            task_status: TaskStatus::Submitted,
            task_status_msg: None,
            task_info: TaskInfo {
                external_task_id: external.clone(),
                parent_video: None,
            },
            watermark_info: watermark_of(&req),
            final_unit_deduction: None,
            created_at: now,
            updated_at: now,
            task_result: TaskResult::default(),
        };
        let answer = serde_json::to_value(&task).ok();
        lock(&sim.tasks).insert(
            task_id.clone(),
            SimTask {
                kind,
                task,
                width,
                height,
                count,
                series,
                clip,
                units,
                hints,
                seed: now as u64 ^ n.wrapping_mul(0x9E37_79B9),
            },
        );
        if let Some(ext) = &external {
            by_external.insert(ext.clone(), task_id.clone());
        }
        Ok((task_id, answer))
    };
    let (task_id, answer) = match made {
        Ok(made) => made,
        Err(answer) => return answer,
    };
    lock(&sim.stats).made.push(Made {
        task_id: task_id.clone(),
        external_task_id: external,
        prompt: prompt.to_owned(),
    });
    tokio::spawn(drive(
        sim.clone(),
        task_id,
        req.callback_url().map(str::to_owned),
    ));
    // The task is made; its answer is what is slow (or lost).
    if hints.slow_ms > 0 {
        tokio::time::sleep(Duration::from_millis(hints.slow_ms)).await;
    }
    if hints.lose && lock(&sim.lost_once).insert(prompt.to_owned()) {
        return dropped_connection();
    }
    envelope(200, 0, "SUCCEED", answer)
}

/// Pixel size, count and series flag of the images a request asks for.
pub(super) fn shape(req: &UpstreamRequest) -> (u32, u32, u32, bool) {
    let (ratio, res, count, series) = match req {
        UpstreamRequest::OmniImage(r) => (
            r.aspect_ratio(),
            r.resolution(),
            r.image_count(),
            r.result_type == Some(ResultType::Series),
        ),
        UpstreamRequest::ImageGeneration(r) => {
            (r.aspect_ratio(), r.resolution(), r.image_count(), false)
        }
        UpstreamRequest::MultiShot(_) => (
            AspectRatio::R1x1,
            Resolution::K1,
            omni_api::multi_shot::VIEWS,
            false,
        ),
        UpstreamRequest::OmniVideo(r) => (
            r.aspect_ratio.unwrap_or(AspectRatio::R16x9),
            Resolution::K1,
            1,
            false,
        ),
    };
    let (w, h) = render::dimensions(ratio, res);
    (w, h, count, series)
}

pub(super) fn watermark_of(req: &UpstreamRequest) -> Option<omni_api::WatermarkInfo> {
    match req {
        UpstreamRequest::OmniImage(r) => r.watermark_info,
        UpstreamRequest::OmniVideo(r) => r.watermark_info,
        UpstreamRequest::ImageGeneration(r) => r.watermark_info,
        UpstreamRequest::MultiShot(_) => None,
    }
}

/// Moves one task through its life, calling back on every change.
pub(super) async fn drive(sim: Arc<Sim>, task_id: String, callback: Option<String>) {
    let speed = sim.opts.speed;
    let scaled = |ms: u64| Duration::from_millis((ms as f64 / speed) as u64);
    let extra = lock(&sim.tasks)
        .get(&task_id)
        .map_or(0, |t| t.hints.delay_ms);
    tokio::time::sleep(scaled(800)).await;
    advance(&sim, &task_id, TaskStatus::Processing, &callback).await;
    tokio::time::sleep(scaled(1700) + Duration::from_millis(extra)).await;
    let failed = lock(&sim.tasks).get(&task_id).is_some_and(|t| t.hints.fail);
    let end = if failed {
        TaskStatus::Failed
    } else {
        TaskStatus::Succeed
    };
    advance(&sim, &task_id, end, &callback).await;
}

pub(super) async fn advance(
    sim: &Arc<Sim>,
    task_id: &str,
    status: TaskStatus,
    callback: &Option<String>,
) {
    let view = {
        let mut tasks = lock(&sim.tasks);
        let Some(t) = tasks.get_mut(task_id) else {
            return;
        };
        t.task.task_status = status;
        t.task.updated_at = clock::now_ms();
        if status == TaskStatus::Failed {
            t.task.task_status_msg =
                Some("Failure to pass the risk control system (content moderation)".into());
        }
        if status == TaskStatus::Succeed {
            t.task.final_unit_deduction =
                Some(t.units.clone().unwrap_or_else(|| t.count.to_string()));
        }
        sim.view(t)
    };
    if let Some(url) = callback {
        // Best effort, like the real service: no retry policy is documented.
        if let Err(e) = sim.http.post(url).json(&view).send().await {
            tracing::debug!(
                "simulator callback to {} failed: {e}",
                crate::upstream::redact_url(url)
            );
        }
    }
}

pub(super) async fn read(
    State(sim): Shared,
    Path((group, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let kind = match kind_for(&sim, &headers, &group, &name) {
        Ok(kind) => kind,
        Err(code) => return error(code),
    };
    let id = lock(&sim.external).get(&id).cloned().unwrap_or(id);
    *lock(&sim.stats).reads.entry(id.clone()).or_default() += 1;
    let (view, slow) = {
        let mut tasks = lock(&sim.tasks);
        match tasks.get_mut(&id) {
            Some(t) if t.kind == kind && t.hints.read_failures > 0 => {
                t.hints.read_failures -= 1;
                return error(codes::MAINTENANCE);
            }
            Some(t) if t.kind == kind => (sim.view(t), t.hints.slow_ms),
            _ => return error(codes::NOT_FOUND),
        }
    };
    if slow > 0 {
        tokio::time::sleep(Duration::from_millis(slow)).await;
    }
    envelope(200, 0, "SUCCEED", serde_json::to_value(view).ok())
}

#[derive(serde::Deserialize)]
pub(super) struct Page {
    #[serde(rename = "pageNum")]
    page_num: Option<usize>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

pub(super) async fn list(
    State(sim): Shared,
    Path((group, name)): Path<(String, String)>,
    Query(page): Query<Page>,
    headers: HeaderMap,
) -> Response {
    let kind = match kind_for(&sim, &headers, &group, &name) {
        Ok(kind) => kind,
        Err(code) => return error(code),
    };
    let (num, size) = (
        page.page_num.unwrap_or(1).max(1),
        page.page_size.unwrap_or(30).clamp(1, 500),
    );
    let tasks = lock(&sim.tasks);
    let mut all: Vec<&SimTask> = tasks.values().filter(|t| t.kind == kind).collect();
    all.sort_by_key(|t| std::cmp::Reverse(t.task.created_at));
    let page: Vec<Task> = all
        .into_iter()
        .skip((num - 1) * size)
        .take(size)
        .map(|t| sim.view(t))
        .collect();
    envelope(200, 0, "SUCCEED", serde_json::to_value(page).ok())
}

/// The kind served at `/v1/{group}/{name}`, for a caller whose credentials pass; the
/// upstream's error code otherwise (credentials are checked first, as upstream does).
fn kind_for(sim: &Sim, headers: &HeaderMap, group: &str, name: &str) -> Result<TaskKind, i64> {
    sim.check_auth(headers)?;
    TaskKind::from_path(&format!("{group}/{name}")).ok_or(codes::INVALID_METHOD)
}
