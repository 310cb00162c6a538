//! The built-in upstream simulator: its own HTTP server on a loopback port, speaking the
//! official paths and envelopes, so the BFF reaches it through the real upstream client.
//!
//! Tasks go submitted -> processing -> succeed (or failed) over a few seconds, results are
//! real PNGs of the requested shape and count, and callbacks are POSTed on every change.

mod elements;
mod faults;
pub mod hints;
pub mod mp4;
pub mod render;

use crate::clock;
use crate::config::SimOptions;
use crate::upstream::jwt;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hints::Hints;
use omni_api::codes;
use omni_api::omni_image::ResultType;
use omni_api::task::{ResultImage, ResultVideo, TaskInfo};
use omni_api::{
    AspectRatio, Envelope, Resolution, Task, TaskId, TaskKind, TaskResult, TaskStatus,
    UpstreamRequest,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the simulator checks callers, like the service it stands in for.
#[derive(Clone)]
pub enum SimAuth {
    None,
    Jwt {
        access_key: String,
        secret_key: String,
    },
    Bearer(String),
}

/// One simulated task.
struct SimTask {
    kind: TaskKind,
    task: Task,
    /// Pixel size and count of the images to render.
    width: u32,
    height: u32,
    count: u32,
    series: bool,
    /// Video tasks: seconds per segment (one per storyboard shot) and the sound track.
    clip: Clip,
    /// What the price table says the task costs (`final_unit_deduction`).
    units: Option<String>,
    hints: Hints,
    seed: u64,
}

/// The shape of a result video.
#[derive(Debug, Clone, Default, PartialEq)]
struct Clip {
    shots: Vec<u32>,
    sound: bool,
}

impl Clip {
    /// What a video request asks for: its storyboard's shots, else one segment of its
    /// duration (the model's default when absent; an edit's input length is unknown here).
    fn of(req: &UpstreamRequest, catalog: &omni_api::Catalog) -> Clip {
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

    fn seconds(&self) -> u32 {
        self.shots.iter().sum()
    }
}

struct Sim {
    opts: SimOptions,
    auth: SimAuth,
    base_url: String,
    tasks: Mutex<HashMap<String, SimTask>>,
    /// external_task_id -> task_id
    external: Mutex<HashMap<String, String>>,
    files: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    counter: AtomicU64,
    stats: Mutex<Stats>,
    /// Elements by id.
    elements: Mutex<std::collections::BTreeMap<u64, elements::Stored>>,
    /// Prompts that already failed once (`[sim:failonce]`).
    failed_once: Mutex<std::collections::HashSet<String>>,
    /// Prompts whose create answer was already lost once (`[sim:lose]`).
    lost_once: Mutex<std::collections::HashSet<String>>,
    http: reqwest::Client,
    /// `--sim-faults`, as f64 bits so `POST /sim/faults` can change it.
    fault_rate: AtomicU64,
}

/// What the simulator has been asked, for tests that count upstream traffic.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub creates: u64,
    /// Reads per task id.
    pub reads: HashMap<String, u64>,
    /// Bodies of the creates, in order (the exact JSON the upstream received).
    pub bodies: Vec<serde_json::Value>,
    /// Every task made, in order: a create that returned an existing task is not here.
    pub made: Vec<Made>,
    /// Calls answered with a fault (`--sim-faults`).
    pub faults: u64,
}

/// A task the simulator made.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Made {
    pub task_id: String,
    pub external_task_id: Option<String>,
    pub prompt: String,
}

/// A running simulator.
pub struct SimHandle {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, the base URL for the upstream client.
    pub base_url: String,
}

/// Starts the simulator on `opts.listen` and returns once it accepts connections.
pub async fn start(opts: SimOptions, auth: SimAuth) -> anyhow::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| anyhow::anyhow!("simulator cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let faults = opts.faults;
    let sim = Arc::new(Sim {
        opts,
        auth,
        base_url: base_url.clone(),
        tasks: Mutex::default(),
        external: Mutex::default(),
        files: Mutex::default(),
        counter: AtomicU64::new(0),
        fault_rate: AtomicU64::new(faults.to_bits()),
        stats: Mutex::default(),
        failed_once: Mutex::default(),
        lost_once: Mutex::default(),
        elements: Mutex::default(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
    });
    let app = Router::new()
        .route(
            "/v1/general/custom-elements",
            get(elements::list_own).post(elements::create),
        )
        .route("/v1/general/presets-elements", get(elements::list_presets))
        .route(
            "/v1/general/delete-elements",
            axum::routing::post(elements::delete),
        )
        .route("/sim/elements/{name}", get(elements::image))
        .route("/v1/{group}/{name}", get(list).post(create))
        .route("/v1/{group}/{name}/{id}", get(read))
        .route("/sim/files/{task_id}/{file}", get(file))
        .route("/sim/stats", get(stats))
        .route("/sim/expire", axum::routing::post(expire))
        .route("/sim/redirect", get(redirect))
        .route("/sim/faults", axum::routing::post(faults::set))
        // The upstream takes ten 10 MB images as base64 in one create, like the BFF.
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::routes::body::BODY_LIMIT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            faults::layer,
        ))
        .with_state(sim);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("simulator stopped: {e}");
        }
    });
    Ok(SimHandle { addr, base_url })
}

type Shared = State<Arc<Sim>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn envelope(status: u16, code: i64, message: &str, data: Option<serde_json::Value>) -> Response {
    let body = Envelope {
        code,
        message: message.to_owned(),
        request_id: format!("sim_{:x}", clock::now_ms()),
        data,
        warnings: Vec::new(),
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

fn error(code: i64) -> Response {
    envelope(
        hints::status_for(code),
        code,
        hints::message_for(code),
        None,
    )
}

impl Sim {
    /// `Err` holds the upstream's error code for the refusal.
    fn check_auth(&self, headers: &HeaderMap) -> Result<(), i64> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match (&self.auth, bearer) {
            (SimAuth::None, _) => Ok(()),
            (_, None) => Err(codes::AUTH_EMPTY),
            (SimAuth::Bearer(key), Some(got)) if got == key => Ok(()),
            (SimAuth::Bearer(_), Some(_)) => Err(codes::AUTH_INVALID),
            (
                SimAuth::Jwt {
                    access_key,
                    secret_key,
                },
                Some(token),
            ) => {
                jwt::verify(token, access_key, secret_key, clock::now_secs()).map_err(|r| r as i64)
            }
        }
    }

    fn file_url(&self, task_id: &str, name: &str) -> String {
        format!("{}/sim/files/{task_id}/{name}", self.base_url)
    }

    /// The task as it should read now, with results once it has succeeded.
    fn view(&self, t: &SimTask) -> Task {
        let mut task = t.task.clone();
        if task.task_status == TaskStatus::Succeed {
            task.task_result = self.results(t);
        }
        task
    }

    fn results(&self, t: &SimTask) -> TaskResult {
        let id = t.task.task_id.as_str();
        let watermark = t.task.watermark_info.is_some_and(|w| w.enabled);
        if t.kind == TaskKind::OmniVideo {
            return TaskResult {
                videos: vec![ResultVideo {
                    id: format!("{id}-v0"),
                    url: self.file_url(id, "video.mp4"),
                    watermark_url: watermark.then(|| self.file_url(id, "video.mp4")),
                    duration: Some(t.clip.seconds().to_string()),
                    cover_url: Some(self.file_url(id, "0.png")),
                }],
                ..TaskResult::default()
            };
        }
        let images: Vec<ResultImage> = (0..t.count)
            .map(|i| ResultImage {
                index: i,
                url: match (t.hints.hostile_links, i) {
                    _ if t.hints.script_links && i == 0 => {
                        "javascript:alert(document.domain)".into()
                    }
                    _ if t.hints.script_links && i == 1 => {
                        "data:text/html,<script>alert(document.domain)</script>".into()
                    }
                    (true, 0) => {
                        "http://169.254.169.254/latest/meta-data/iam/security-credentials/".into()
                    }
                    (true, 1) => format!(
                        "{}/sim/redirect?to=http://127.0.0.2:9/secret",
                        self.base_url
                    ),
                    // A name, not an address: judged after DNS resolution.
                    (true, _) => self
                        .file_url(id, &format!("{i}.png"))
                        .replace("127.0.0.1", "localhost"),
                    _ => self.file_url(id, &format!("{i}.png")),
                },
                watermark_url: watermark.then(|| self.file_url(id, &format!("{i}-wm.png"))),
            })
            .collect();
        if t.series {
            TaskResult {
                series_images: images,
                ..TaskResult::default()
            }
        } else {
            TaskResult {
                images,
                ..TaskResult::default()
            }
        }
    }
}

async fn create(
    State(sim): Shared,
    Path((group, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return error(code);
    }
    let Some(kind) = TaskKind::from_path(&format!("{group}/{name}")) else {
        return error(codes::INVALID_METHOD);
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
        let task_id = format!("sim{now:x}{n:04x}");
        let (width, height, count, series) = shape(&req);
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
fn shape(req: &UpstreamRequest) -> (u32, u32, u32, bool) {
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

fn watermark_of(req: &UpstreamRequest) -> Option<omni_api::WatermarkInfo> {
    match req {
        UpstreamRequest::OmniImage(r) => r.watermark_info,
        UpstreamRequest::OmniVideo(r) => r.watermark_info,
        UpstreamRequest::ImageGeneration(r) => r.watermark_info,
        UpstreamRequest::MultiShot(_) => None,
    }
}

/// Moves one task through its life, calling back on every change.
async fn drive(sim: Arc<Sim>, task_id: String, callback: Option<String>) {
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

async fn advance(sim: &Arc<Sim>, task_id: &str, status: TaskStatus, callback: &Option<String>) {
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

async fn read(
    State(sim): Shared,
    Path((group, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return error(code);
    }
    let Some(kind) = TaskKind::from_path(&format!("{group}/{name}")) else {
        return error(codes::INVALID_METHOD);
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
struct Page {
    #[serde(rename = "pageNum")]
    page_num: Option<usize>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

async fn list(
    State(sim): Shared,
    Path((group, name)): Path<(String, String)>,
    Query(page): Query<Page>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return error(code);
    }
    let Some(kind) = TaskKind::from_path(&format!("{group}/{name}")) else {
        return error(codes::INVALID_METHOD);
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

/// Result files: rendered on first request, then kept.
async fn file(State(sim): Shared, Path((task_id, file)): Path<(String, String)>) -> Response {
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

fn png_response(bytes: Arc<Vec<u8>>) -> Response {
    (
        [(header::CONTENT_TYPE, "image/png")],
        Body::from(bytes.as_ref().clone()),
    )
        .into_response()
}

async fn stats(State(sim): Shared) -> Json<Stats> {
    Json(lock(&sim.stats).clone())
}

/// `GET /sim/redirect?to=URL`: a 302 to anywhere (see `[sim:hostile]`).
async fn redirect(Query(q): Query<HashMap<String, String>>) -> Response {
    let to = q.get("to").cloned().unwrap_or_default();
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// `POST /sim/expire[?task_id=ID]`: forgets every finished task (or just that one,
/// finished or not) and its files, as the upstream does 30 days on (reads and file
/// links answer 404).
async fn expire(
    State(sim): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let only = q.get("task_id");
    let gone: Vec<String> = {
        let mut tasks = lock(&sim.tasks);
        let gone: Vec<String> = tasks
            .iter()
            .filter(|(id, t)| match only {
                Some(o) => o == *id,
                None => t.task.task_status.is_terminal(),
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &gone {
            tasks.remove(id);
        }
        gone
    };
    lock(&sim.files).retain(|key, _| {
        !gone
            .iter()
            .any(|id| key.split('/').next() == Some(id.as_str()))
    });
    Json(serde_json::json!({ "expired": gone.len() }))
}

/// Headers, then a body that fails: the client sees the connection cut mid-answer.
fn dropped_connection() -> Response {
    struct Broken;
    impl http_body::Body for Broken {
        type Data = bytes::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            std::task::Poll::Ready(Some(Err(std::io::Error::other(
                "simulated dropped connection",
            ))))
        }
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(Broken))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
