//! The built-in upstream simulator: its own HTTP server on a loopback port, speaking the
//! official paths and envelopes, so the BFF reaches it through the real upstream client.
//!
//! Tasks go submitted -> processing -> succeed (or failed) over a few seconds, results are
//! real PNGs of the requested shape and count, and callbacks are POSTed on every change.

mod account;
mod elements;
mod faults;
mod files;
mod tasks;
mod test_hooks;

use files::file;
use tasks::{create, list, read, SimTask};
use test_hooks::{expire, redirect, stats};
pub mod hints;
pub mod mp4;
pub mod render;

use crate::clock;
use crate::config::SimOptions;
use crate::upstream::jwt;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use omni_api::codes;
use omni_api::task::{ResultImage, ResultVideo};
use omni_api::{Envelope, Task, TaskKind, TaskResult, TaskStatus};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
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
    /// Creates refused with 1303 (`--sim-max-in-flight`).
    #[serde(default)]
    pub busy: u64,
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
        .route("/account/costs", get(account::costs))
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
