//! Follows a task's server-sent events (`GET /api/v1/tasks/{id}/events`) with the
//! browser's EventSource, which reconnects by itself and resumes with Last-Event-ID.
//! `use_task` uses it when it works and polls when it does not, so a user sees
//! the same statuses either way, only sooner.

use omni_api::StudioTask;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{EventSource, MessageEvent};

/// How following the stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// The `final` event came: the task succeeded or failed.
    Final,
    /// No stream here (not supported, refused, or never opened): poll instead.
    Unavailable,
}

/// The open stream and its handlers: closed and detached when dropped, so a follower
/// that is cancelled mid-wait (its future dropped) leaves nothing running.
struct Open {
    source: EventSource,
    _on_change: Closure<dyn Fn(MessageEvent)>,
    _on_open: Closure<dyn Fn()>,
    _on_error: Closure<dyn Fn()>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.source.close();
        self.source.set_onopen(None);
        self.source.set_onerror(None);
    }
}

/// The stream's address for a task.
pub fn events_url(task_id: &str) -> String {
    format!("{}/events", crate::api::task_url(task_id))
}

/// Calls `on_task` with every change until the task ends or the stream is unavailable.
/// `on_reconnecting` tells when the connection dropped and EventSource is re-making it.
/// Dropping the future closes the stream (that is how a follower is cancelled).
pub async fn follow(
    task_id: &str,
    on_task: impl Fn(StudioTask) + 'static,
    on_reconnecting: impl Fn(bool) + 'static,
) -> StreamEnd {
    let Ok(source) = EventSource::new(&events_url(task_id)) else {
        return StreamEnd::Unavailable;
    };
    let end = Rc::new(Cell::new(None::<StreamEnd>));
    let opened = Rc::new(Cell::new(false));
    // One promise per wait, resolved by whichever handler ends the stream.
    let wake = Rc::new(Cell::new(None::<js_sys::Function>));
    let finish = {
        let (end, wake) = (end.clone(), wake.clone());
        move |how: StreamEnd| {
            if end.get().is_none() {
                end.set(Some(how));
            }
            if let Some(resolve) = wake.take() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    };
    let on_task = Rc::new(on_task);
    let on_reconnecting = Rc::new(on_reconnecting);
    let on_change = {
        let (on_task, finish) = (on_task.clone(), finish.clone());
        Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            if let Ok(task) = serde_json::from_str::<StudioTask>(&text) {
                let last = task.task.task_status.is_terminal();
                on_task(task);
                if last {
                    finish(StreamEnd::Final);
                }
            }
        })
    };
    let on_open = {
        let (opened, reconnecting) = (opened.clone(), on_reconnecting.clone());
        Closure::<dyn Fn()>::new(move || {
            opened.set(true);
            reconnecting(false);
        })
    };
    let on_error = {
        let (opened, finish, source) = (opened.clone(), finish.clone(), source.clone());
        let reconnecting = on_reconnecting.clone();
        Closure::<dyn Fn()>::new(move || {
            // Closed (refused, or 204 "nothing more") or never opened: poll instead.
            if source.ready_state() == EventSource::CLOSED || !opened.get() {
                finish(StreamEnd::Unavailable);
            } else {
                reconnecting(true);
            }
        })
    };
    for name in ["status", "final"] {
        let _ = source.add_event_listener_with_callback(name, on_change.as_ref().unchecked_ref());
    }
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let _open = Open {
        source,
        _on_change: on_change,
        _on_open: on_open,
        _on_error: on_error,
    };
    loop {
        if let Some(how) = end.get() {
            return how;
        }
        let woken = js_sys::Promise::new(&mut |resolve, _| wake.set(Some(resolve)));
        let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
    }
}
