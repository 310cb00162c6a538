//! Prometheus metrics: requests by route template, method and status with latency
//! histograms; upstream calls by operation and result code with latency; task creates
//! and status changes by kind; and, read from the store at each scrape, the refresher's
//! and the media copier's backlogs and the creates still pending. Open event streams
//! are a gauge kept by the streams themselves.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram, Counter, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets in seconds, from a cached read to a slow create.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

/// Installs the process-wide recorder (once; later calls keep the first).
pub fn install() {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder (a test harness's) may be installed already: keep it.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    });
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "omni_http_requests_total",
        "HTTP requests answered, by route template, method and status"
    );
    describe_histogram!(
        "omni_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request (to its headers)"
    );
    describe_counter!(
        "omni_upstream_calls_total",
        "Calls to the upstream by operation and result code (0 = success, -1 = no usable answer)"
    );
    describe_histogram!(
        "omni_upstream_call_duration_seconds",
        Unit::Seconds,
        "Time of one upstream call"
    );
    describe_counter!(
        "omni_tasks_created_total",
        "Tasks created upstream, by kind"
    );
    describe_counter!(
        "omni_task_status_changes_total",
        "Recorded task status changes, by kind and new status"
    );
    describe_gauge!(
        "omni_event_streams_open",
        "Server-sent event streams open on this instance"
    );
    describe_gauge!(
        "omni_refresh_backlog",
        "Unfinished tasks the refresher follows"
    );
    describe_gauge!("omni_media_backlog", "Result files waiting to be copied");
    describe_gauge!(
        "omni_creates_pending",
        "Creates recorded whose upstream outcome is not known yet"
    );
}

/// How often histograms fold their recorded samples into buckets.
const UPKEEP: Duration = Duration::from_secs(5);

/// Folds histogram samples into their buckets every few seconds. The recorder keeps each
/// sample until then (a scrape does it too), so without this a BFF nobody scrapes grew
/// by every request's latency: 8 bytes a request, about 40 MB a day at 50 req/s.
pub async fn upkeep() {
    let mut every = tokio::time::interval(UPKEEP);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Some(handle) = HANDLE.get() {
            handle.run_upkeep();
        }
    }
}

/// One answered request, by method, route template and status, with its latency.
pub fn request_done(method: &Method, route: &str, status: u16, took: Duration) {
    let (count, latency) = request_handles(method, route, status);
    count.increment(1);
    latency.record(took.as_secs_f64());
}

/// A request's counter and latency histogram.
type RequestHandles = (Counter, Histogram);
/// Per route template: the handles for each method and status seen.
/// Keyed with foldhash (hashbrown's, in the tree): the keys are the router's own
/// templates, not a client's words, and SipHash of one was half of this lookup.
type ByRoute = HashMap<Box<str>, Vec<(Method, u16, RequestHandles)>, foldhash::fast::FixedState>;

thread_local! {
    /// Handles by route template, then method and status: looked up in the registry once
    /// per label set and thread, not per request (building the labels each time took
    /// five allocations and a hash of them).
    static REQUEST_HANDLES: RefCell<ByRoute> = const { RefCell::new(HashMap::with_hasher(foldhash::fast::FixedState::with_seed(0))) };
}

fn request_handles(method: &Method, route: &str, status: u16) -> RequestHandles {
    let make = || {
        let (method, route) = (method.as_str().to_owned(), route.to_owned());
        (
            counter!("omni_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string()),
            histogram!("omni_http_request_duration_seconds", "method" => method, "route" => route),
        )
    };
    // Route templates and statuses are few; methods are whatever a client sends, so only
    // the standard ones are kept.
    if !STANDARD_METHODS.contains(method) {
        return make();
    }
    REQUEST_HANDLES.with_borrow_mut(|by_route| {
        // One lookup per request; the entry is made once per route and thread.
        let kept = match by_route.get_mut(route) {
            Some(kept) => kept,
            None => by_route.entry(route.into()).or_default(),
        };
        match kept.iter().find(|(m, s, _)| m == method && *s == status) {
            Some((_, _, handles)) => handles.clone(),
            None => {
                let handles = make();
                kept.push((method.clone(), status, handles.clone()));
                handles
            }
        }
    })
}

const STANDARD_METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::CONNECT,
    Method::TRACE,
];

/// One upstream call: `code` is 0 for success, the upstream's code, or -1 for none.
pub fn upstream_call(op: &'static str, code: i64, took: Duration) {
    counter!("omni_upstream_calls_total", "op" => op, "code" => code.to_string()).increment(1);
    histogram!("omni_upstream_call_duration_seconds", "op" => op).record(took.as_secs_f64());
}

pub fn task_created(kind: &'static str) {
    counter!("omni_tasks_created_total", "kind" => kind).increment(1);
}

pub fn status_changed(kind: &'static str, status: &'static str) {
    counter!("omni_task_status_changes_total", "kind" => kind, "status" => status).increment(1);
}

/// Counts an open event stream while the guard lives.
pub struct StreamOpen;

impl StreamOpen {
    /// Counts one more open stream, until the answer is dropped.
    pub fn counted() -> StreamOpen {
        gauge!("omni_event_streams_open").increment(1.0);
        StreamOpen
    }
}

impl Drop for StreamOpen {
    fn drop(&mut self) {
        gauge!("omni_event_streams_open").decrement(1.0);
    }
}

/// The Prometheus text of everything so far, the store's backlogs read now.
pub async fn render(state: &AppState) -> String {
    if let Ok(b) = state.store.backlogs().await {
        gauge!("omni_refresh_backlog").set(b.unfinished as f64);
        gauge!("omni_media_backlog").set(b.media_pending as f64);
        gauge!("omni_creates_pending").set(b.creates_pending as f64);
    }
    HANDLE
        .get()
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}

/// `GET /metrics`.
#[utoipa::path(get, operation_id = "metrics", path = "/metrics", tag = "operations", summary = "Prometheus metrics (behind the access policy)",
    responses((status = 200, content_type = "text/plain", body = String)))
]
pub async fn serve(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state).await,
    )
        .into_response()
}
