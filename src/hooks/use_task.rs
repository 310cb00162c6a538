//! `use_task`: follows one task until it ends.
//!
//! Reads `GET /api/v1/tasks/{id}` once, then follows the task's server-sent events
//! (pushed within a second of the upstream change, no polling). Where the stream is
//! unavailable (an old BFF, a proxy that buffers) it polls instead: it reads
//! `GET /api/v1/tasks/{id}` with a growing interval (1 s, then ×1.5 up to 10 s),
//! sends `If-None-Match` so an unchanged task costs a 304, stops on succeed or failed,
//! pauses while the tab is hidden and reads at once when it comes back, and on network
//! errors backs off and shows "reconnecting" instead of giving up.
//!
//! ```ignore
//! let UseTaskReturn { value, reconnecting, .. } = use_task(id);
//! view! { <p>{move || value.get().map(|t| t.task.task_status.to_string())}</p> }
//! ```

use crate::api::{self, ApiError, Polled};
use crate::task_events::{self, StreamEnd};
use crate::time::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use omni_api::{StudioTask, TaskStatus};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// First wait between reads, in milliseconds.
pub const FIRST_INTERVAL_MS: u32 = 1_000;
/// Longest wait between reads of a running task.
pub const MAX_INTERVAL_MS: u32 = 10_000;
/// Longest wait after network errors.
pub const MAX_BACKOFF_MS: u32 = 30_000;

/// What one read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A (new or unchanged) status.
    Status(TaskStatus),
    /// The read failed; try again later.
    Failed,
}

/// What to do after a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    After(u32),
    Stop,
}

/// The polling schedule, free of clocks and I/O so it can be tested with a fake clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    reads: u32,
    failures: u32,
}

impl Schedule {
    /// The wait before the next read, or `Stop` once the task has ended.
    pub fn next(&mut self, outcome: Outcome) -> Next {
        match outcome {
            Outcome::Status(s) if s.is_terminal() => Next::Stop,
            Outcome::Status(_) => {
                self.failures = 0;
                self.reads += 1;
                Next::After(grow(FIRST_INTERVAL_MS, 3, 2, self.reads - 1).min(MAX_INTERVAL_MS))
            }
            Outcome::Failed => {
                self.failures += 1;
                Next::After(grow(FIRST_INTERVAL_MS, 2, 1, self.failures - 1).min(MAX_BACKOFF_MS))
            }
        }
    }

    /// Whether the last reads failed (the UI says "reconnecting").
    pub fn reconnecting(&self) -> bool {
        self.failures > 0
    }
}

/// `base * (num/den)^steps`, in integers.
fn grow(base: u32, num: u64, den: u64, steps: u32) -> u32 {
    let mut v = u64::from(base);
    for _ in 0..steps {
        v = v * num / den;
        if v > u64::from(u32::MAX) {
            return u32::MAX;
        }
    }
    v as u32
}

/// A newer read or event replaces the shown task; a request already shown stays (events
/// leave it out, and polls after the first bring only its summary).
fn merge(value: RwSignal<Option<StudioTask>>, task: StudioTask) {
    value.try_update(|v| {
        let shown = v.as_ref();
        let request = shown.and_then(|t| t.request.clone()).or(task.request);
        // Events do not say who made the task; a read did.
        let created_by = task
            .created_by
            .or_else(|| shown.and_then(|t| t.created_by.clone()));
        *v = Some(StudioTask {
            request,
            task: task.task,
            kind: task.kind,
            created_by,
            queue: task.queue,
        });
    });
}

/// The hook's handles, in the leptos-use shape.
pub struct UseTaskReturn<P, R>
where
    P: Fn() + Clone + Send + Sync,
    R: Fn() + Clone + Send + Sync,
{
    /// The task as last read.
    pub value: Signal<Option<StudioTask>>,
    /// The last error, while it lasts.
    pub error: Signal<Option<ApiError>>,
    /// Reads are failing and being retried.
    pub reconnecting: Signal<bool>,
    /// Reads are scheduled (false once the task ended, or while paused).
    pub is_active: Signal<bool>,
    /// Stops reading until `resume`.
    pub pause: P,
    /// Reads at once and goes on polling.
    pub resume: R,
}

/// How a task is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Its event stream, polling only where streams are unavailable (one task on a page).
    Stream,
    /// Polling only: for lists of tasks, since a browser gives an origin six HTTP/1.1
    /// connections and one open stream per row would starve every other request.
    Poll,
}

/// Follows the task `id` (re-starting when it changes) until it ends, pushed by its
/// event stream.
pub fn use_task(
    id: Signal<String>,
) -> UseTaskReturn<impl Fn() + Clone + Send + Sync, impl Fn() + Clone + Send + Sync> {
    use_task_with(id, Follow::Stream)
}

/// Follows the task `id` the way `follow` says.
///
/// One run at a time, owned by an effect: a new id, a pause or a resume re-runs the
/// effect, and the effect's cleanup cancels the run before (its future is dropped, which
/// also closes its event stream). No run counters: Leptos's owner does the bookkeeping.
pub fn use_task_with(
    id: Signal<String>,
    follow: Follow,
) -> UseTaskReturn<impl Fn() + Clone + Send + Sync, impl Fn() + Clone + Send + Sync> {
    let value = RwSignal::new(None::<StudioTask>);
    let error = RwSignal::new(None::<ApiError>);
    let reconnecting = RwSignal::new(false);
    let is_active = RwSignal::new(false);
    // Whether the task is to be followed now (not while paused or the tab is hidden).
    let wanted = RwSignal::new(true);
    // `resume` reads at once even when a run is going.
    let again = Trigger::new();

    Effect::new(move |shown: Option<String>| {
        let task_id = id.get();
        again.track();
        if shown.as_ref() != Some(&task_id) {
            value.set(None);
            error.set(None);
        }
        let run = wanted.get();
        is_active.set(run);
        if run {
            spawn_local_scoped_with_cancellation(follow_task(
                task_id.clone(),
                follow,
                Handles {
                    value,
                    error,
                    reconnecting,
                    is_active,
                },
            ));
        }
        task_id
    });
    let pause = move || wanted.set(false);
    let resume = move || {
        wanted.set(true);
        again.notify();
    };

    // Hidden tab: stop reading. Visible again: read at once, if the task was being followed.
    let hidden_pause = StoredValue::new(false);
    let on_visibility = move || {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if hidden && is_active.get_untracked() {
            hidden_pause.set_value(true);
            pause();
        } else if !hidden && hidden_pause.get_value() {
            hidden_pause.set_value(false);
            resume();
        }
    };
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let cb = Closure::<dyn Fn()>::new(on_visibility);
        let _ =
            doc.add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref());
        let handle = send_wrapper::SendWrapper::new((doc, cb));
        on_cleanup(move || {
            let (doc, cb) = handle.take();
            let _ = doc.remove_event_listener_with_callback(
                "visibilitychange",
                cb.as_ref().unchecked_ref(),
            );
        });
    }

    UseTaskReturn {
        value: value.into(),
        error: error.into(),
        reconnecting: reconnecting.into(),
        is_active: is_active.into(),
        pause,
        resume,
    }
}

/// The signals a run writes.
#[derive(Clone, Copy)]
struct Handles {
    value: RwSignal<Option<StudioTask>>,
    error: RwSignal<Option<ApiError>>,
    reconnecting: RwSignal<bool>,
    is_active: RwSignal<bool>,
}

/// One run: reads the task, then follows its stream (or polls) until it ends.
async fn follow_task(id: String, follow: Follow, h: Handles) {
    let mut schedule = Schedule::default();
    let mut etag: Option<String> = None;
    let mut streamed = follow == Follow::Poll;
    loop {
        // The request in full once, for the page that shows and reuses it; polls after
        // that bring only what changes.
        let full = follow == Follow::Stream
            && h.value
                .try_with_untracked(|v| v.as_ref().is_none_or(|t| t.request.is_none()))
                .unwrap_or(false);
        let outcome = match api::poll_task(&id, etag.as_deref(), full).await {
            Ok(Polled::Changed(task, tag)) => {
                etag = tag;
                let status = task.task.task_status;
                merge(h.value, *task);
                Outcome::Status(status)
            }
            Ok(Polled::NotModified) => match h
                .value
                .try_with_untracked(|v| v.as_ref().map(|t| t.task.task_status))
                .flatten()
            {
                Some(s) => Outcome::Status(s),
                None => Outcome::Failed,
            },
            Err(e) => {
                let gone = matches!(&e, ApiError::Api { status: 404, .. });
                h.error.try_set(Some(e));
                if gone {
                    h.is_active.try_set(false);
                    return;
                }
                Outcome::Failed
            }
        };
        if outcome != Outcome::Failed {
            h.error.try_set(None);
        }
        // A running task: follow its events; poll only if they are unavailable.
        if matches!(outcome, Outcome::Status(s) if !s.is_terminal()) && !streamed {
            streamed = true;
            let (value, reconnecting) = (h.value, h.reconnecting);
            let end = task_events::follow(
                &id,
                move |task| merge(value, task),
                move |r| {
                    reconnecting.try_set(r);
                },
            )
            .await;
            match end {
                StreamEnd::Final => {
                    h.reconnecting.try_set(false);
                    h.is_active.try_set(false);
                    return;
                }
                StreamEnd::Unavailable => {
                    // Read at once: something may have changed meanwhile.
                    etag = None;
                    continue;
                }
            }
        }
        let next = schedule.next(outcome);
        h.reconnecting.try_set(schedule.reconnecting());
        match next {
            Next::Stop => {
                h.is_active.try_set(false);
                return;
            }
            Next::After(ms) => sleep(ms as i32).await,
        }
    }
}
