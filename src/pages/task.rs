//! `/tasks/:id`: a task's status, followed until it ends, then its results.

use crate::api::{self, ApiError};
use crate::time::sleep;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use omni_api::{Choice, StudioTask, TaskStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Poll every second while the task runs; the page stops when it ends or is left.
const POLL_MS: i32 = 1000;

/// The task page.
#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let task = RwSignal::new(None::<StudioTask>);
    let error = RwSignal::new(None::<ApiError>);
    let alive = Arc::new(AtomicBool::new(true));
    on_cleanup({
        let alive = alive.clone();
        move || alive.store(false, Ordering::Relaxed)
    });

    Effect::new(move |_| {
        let id = id.get();
        let alive = alive.clone();
        spawn_local(async move {
            while alive.load(Ordering::Relaxed) {
                match api::get_task(&id).await {
                    Ok(t) => {
                        let done = t.task.task_status.is_terminal();
                        task.try_set(Some(t));
                        error.try_set(None);
                        if done {
                            break;
                        }
                    }
                    Err(e) => {
                        let missing = matches!(&e, ApiError::Api { status: 404, .. });
                        error.try_set(Some(e));
                        if missing {
                            break;
                        }
                    }
                }
                sleep(POLL_MS).await;
            }
        });
    });

    let status = move || task.read().as_ref().map(|t| t.task.task_status);
    view! {
        <section class="card">
            <h1>"Task " <code>{move || id.get()}</code></h1>
            <p class="status" role="status" aria-live="polite">
                "Status: "
                <strong data-testid="task-status" data-status=move || status().map(|s| s.as_str())>
                    {move || status().map_or("loading", |s| s.as_str())}
                </strong>
            </p>
            <Show when=move || error.read().is_some()>
                <p class="submit-error" role="alert">{move || error.get().map(|e| e.message())}</p>
            </Show>
            <Show when=move || status() == Some(TaskStatus::Failed)>
                <p class="submit-error" role="alert">
                    {move || task.get().and_then(|t| t.task.task_status_msg).unwrap_or_default()}
                </p>
            </Show>
            <div class="results">
                <For
                    each=move || task.get().map(|t| {
                        let r = t.task.task_result;
                        r.images.into_iter().chain(r.series_images).collect::<Vec<_>>()
                    }).unwrap_or_default()
                    key=|img| img.url.clone()
                    let:img
                >
                    <figure class="result">
                        <img
                            data-testid="result-image"
                            src=img.url.clone()
                            alt=format!("Result image {}", img.index + 1)
                            loading="lazy"
                        />
                    </figure>
                </For>
            </div>
        </section>
    }
}
