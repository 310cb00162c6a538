//! `GET /api/v1/tasks/{id}/events`: server-sent events, one per status change (`status`),
//! the last one (`final`) on succeed or failed, heartbeat comments between, and resume
//! from `Last-Event-ID` (the event id is the change's sequence number, so a reconnecting
//! browser gets exactly what it missed, in order).
//!
//! A create still waiting in the queue has a stream too, under the external id its
//! client was given: `status` events with its place in line (no event id: nothing of the
//! task's own history has happened yet), then, once it is made, the task's events from
//! the first.

use crate::error::ApiError;
use crate::events::ANY_TASK;
use crate::store::StoredEvent;
use crate::{media, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use omni_api::{StudioTask, TaskKind};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Even without a wake-up, a stream looks at its task every few heartbeats (a NOTIFY
/// lost in a reconnect must not stall a browser for good). Wake-ups do the real work.
fn recheck(heartbeat: Duration) -> Duration {
    (heartbeat * 4).max(Duration::from_secs(5))
}

/// Where one stream is.
struct Cursor {
    state: Arc<AppState>,
    /// The task followed; while `waiting`, the external id of the create.
    task_id: String,
    /// The create waits in the queue: what the stream last said of it.
    waiting: Option<Said>,
    kind: TaskKind,
    last: i64,
    rx: broadcast::Receiver<Arc<str>>,
    pending: VecDeque<Event>,
    done: bool,
    /// The server is shutting down: the stream ends (the browser reconnects elsewhere
    /// or later and resumes from its last event).
    closing: tokio::sync::watch::Receiver<bool>,
    /// Counted in `omni_event_streams_open` while the stream lives.
    _open: crate::metrics::StreamOpen,
}

#[utoipa::path(get, operation_id = "task_events", path = "/api/v1/tasks/{id}/events", tag = "studio", summary = "Server-sent events: `status` per change, `final` at the end",
    params(("id" = String, Path), ("Last-Event-ID" = Option<String>, Header), ("last_event_id" = Option<i64>, Query)),
    responses((status = 200, description = "text/event-stream of StudioTask JSON", content_type = "text/event-stream", body = String), (status = 204, description = "Everything was delivered"), crate::routes::openapi::Errors))
]
pub async fn stream(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Subscribe before the first read: a change between the two is not missed.
    let rx = state.hub.subscribe();
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.get("last_event_id").map(String::as_str))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let stored = match state.store.get_light(&id).await? {
        Some(s) => Some(s),
        // Maybe an external id: a page opened while its create waited in the queue.
        None => state.store.get_summary(&id).await?,
    };
    let (task_id, kind, waiting) = match stored {
        Some(stored) => {
            let task = &stored.task.task;
            if task.task_status.is_terminal() && last >= stored.version {
                // Everything was delivered: 204 tells an EventSource to stop reconnecting.
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            (task.task_id.as_str().to_owned(), stored.task.kind, None)
        }
        None => match state.store.queued_one(&id).await? {
            Some(q) => (id, q.attempt.kind, Some(Said::Nothing)),
            None => return Err(ApiError::NotFound(format!("no task with id {id:?}"))),
        },
    };
    let cursor = Cursor {
        state: state.clone(),
        task_id,
        waiting,
        kind,
        last,
        rx,
        pending: VecDeque::new(),
        done: false,
        closing: state.closing.subscribe(),
        _open: crate::metrics::StreamOpen::counted(),
    };
    let events = futures_util::stream::unfold(cursor, next);
    Ok(Sse::new(events)
        .keep_alive(
            KeepAlive::new()
                .interval(state.sse_heartbeat)
                .text("heartbeat"),
        )
        .into_response())
}

async fn next(mut c: Cursor) -> Option<(Result<Event, Infallible>, Cursor)> {
    loop {
        if let Some(event) = c.pending.pop_front() {
            return Some((Ok(event), c));
        }
        if c.done || *c.closing.borrow() {
            return None;
        }
        if let Some(said) = c.waiting {
            match Box::pin(waiting(&c.state, &c.task_id)).await {
                Ok(Waiting::Still(view)) => {
                    let place = view.queue.as_ref().and_then(|q| q.place);
                    if said != Said::Place(place) {
                        c.waiting = Some(Said::Place(place));
                        let data = serde_json::to_string(&view).unwrap_or_default();
                        c.pending
                            .push_back(Event::default().event("status").data(data));
                        continue;
                    }
                }
                // Made (or ended unsent): from here on, the task's own events.
                Ok(Waiting::Task(task_id)) => {
                    c.waiting = None;
                    c.task_id = task_id;
                    c.last = 0;
                    continue;
                }
                Ok(Waiting::Gone) => return None,
                Err(_) => {}
            }
        }
        // The store's futures are boxed: kept inline they would size this stream's
        // state for its whole life, and a BFF holds thousands of streams that wait.
        else if let Ok(events) = Box::pin(c.state.store.events_after(&c.task_id, c.last)).await {
            for e in events {
                c.last = e.seq;
                let last = e.task.task_status.is_terminal();
                c.pending
                    .push_back(Box::pin(to_event(&c.state, c.kind, e)).await);
                if last {
                    c.done = true;
                    break;
                }
            }
            if !c.pending.is_empty() {
                continue;
            }
        }
        tokio::select! {
            _ = woken(&mut c.rx, &c.task_id) => {}
            _ = tokio::time::sleep(recheck(c.state.sse_heartbeat)) => {}
            _ = c.closing.wait_for(|closing| *closing) => return None,
        }
    }
}

/// What a waiting create's stream last said: nothing yet, or its place in line (`None`
/// while it is being sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Nothing,
    Place(Option<u32>),
}

/// Where a create that was waiting in the queue is now.
enum Waiting {
    /// Still waiting: the task as readers see it, with its place.
    Still(Box<StudioTask>),
    /// A task now, under this id.
    Task(String),
    /// Neither (its record is gone).
    Gone,
}

async fn waiting(state: &AppState, external_id: &str) -> Result<Waiting, crate::store::StoreError> {
    if let Some(q) = state.store.queued_one(external_id).await? {
        return Ok(Waiting::Still(Box::new(crate::queue::view(&q, None))));
    }
    Ok(match state.store.get_summary(external_id).await? {
        Some(stored) => Waiting::Task(stored.task.task.task_id.as_str().to_owned()),
        None => Waiting::Gone,
    })
}

/// Waits until this task (or every task) is said to have changed.
async fn woken(rx: &mut broadcast::Receiver<Arc<str>>, task_id: &str) {
    loop {
        match rx.recv().await {
            Ok(id) if &*id == task_id || &*id == ANY_TASK => return,
            Ok(_) => {}
            // Missed some: look anyway.
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

async fn to_event(state: &AppState, kind: TaskKind, e: StoredEvent) -> Event {
    let mut task = e.task;
    media::rewrite_stored(state, &mut task).await;
    let name = if task.task_status.is_terminal() {
        "final"
    } else {
        "status"
    };
    let data = serde_json::to_string(&StudioTask {
        kind,
        task,
        request: None,
        created_by: None,
        queue: None,
    })
    .unwrap_or_default();
    Event::default()
        .id(e.seq.to_string())
        .event(name)
        .data(data)
}
