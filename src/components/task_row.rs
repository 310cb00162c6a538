//! One task as a row of a list (the history, the workspace column): its first result as
//! a thumbnail, its prompt, kind, time, who made it and status (or its place in the
//! BFF's queue, with a cancel); followed live while it runs.

use crate::hooks::use_task::{use_task_with, Follow, UseTaskReturn};
use crate::i18n::{choice_label, t, tf};
use crate::{api, draft};
use leptos::prelude::*;
use omni_api::{Choice, ResultSet, StudioTask, TaskStatus};

/// The row of task `id`: shown from `initial` (a history page's copy) at once, read by
/// its id otherwise; polled while it runs. `on_status` hears each status it shows.
#[component]
pub fn TaskRow(
    id: String,
    #[prop(optional)] initial: Option<StudioTask>,
    #[prop(optional, into)] on_status: Option<Callback<StudioTask>>,
    /// "Reuse" and "Run again" on a finished task (the workspace column's rows).
    #[prop(optional)]
    actions: bool,
) -> impl IntoView {
    let running = initial
        .as_ref()
        .is_none_or(|t| !t.task.task_status.is_terminal());
    // Read again at once (after a cancel); nothing to do for a finished task.
    let mut read_now: Option<Callback<()>> = None;
    let current: Signal<Option<StudioTask>> = if running {
        let UseTaskReturn { value, resume, .. } =
            use_task_with(Signal::stored(id.clone()), Follow::Poll);
        read_now = Some(Callback::new(move |()| resume()));
        let initial = initial.clone();
        Signal::derive(move || value.get().or_else(|| initial.clone()))
    } else {
        Signal::stored(initial)
    };
    // Waiting in the BFF's queue: its place, and a way out before it is sent.
    let place = move || {
        current
            .read()
            .as_ref()
            .and_then(|t| t.queue)
            .map(|q| q.place)
    };
    let row_id = StoredValue::new(id.clone());
    let cancel = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let done = api::cancel_task(&id).await;
            if let Some(read) = read_now {
                read.run(());
            }
            done.map(|_| ())
        }
    });
    let cancel_error = move || match cancel.value().get() {
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    // Reuse: the form opens with the task's request. Run again: the same request is
    // sent as a new task, which lands in the column. Both read the whole request first
    // (rows carry only its prompt).
    let workspace = use_context::<crate::workspace::Workspace>();
    let reopen = use_context::<draft::Reopen>();
    let navigate = leptos_router::hooks::use_navigate();
    let again = Action::new_local(move |(id, reuse): &(String, bool)| {
        let (id, reuse, navigate) = (id.clone(), *reuse, navigate.clone());
        async move {
            let api::Polled::Changed(task, _) = api::poll_task(&id, None, true).await? else {
                return Ok(());
            };
            if reuse {
                if let Some(form) = draft::put_task(&task) {
                    if let Some(r) = reopen {
                        r.0.update(|n| *n += 1);
                    }
                    navigate(form.path(), Default::default());
                }
                return Ok(());
            }
            let Some(request) = task.request.as_ref() else {
                return Ok(());
            };
            let body = request.for_new_task();
            let created = api::create(task.kind, &body, &api::new_idempotency_key()).await?;
            if let Some(w) = workspace {
                let prompt = request.prompt().unwrap_or_default();
                w.add(StudioTask::created(task.kind, created, prompt));
            }
            Ok::<_, api::ApiError>(())
        }
    });
    let again_error = move || match again.value().get() {
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    let finished = move || {
        actions
            && place().is_none()
            && current
                .read()
                .as_ref()
                .is_some_and(|t| t.task.task_status.is_terminal())
    };
    if let Some(cb) = on_status {
        let seen = StoredValue::new(None::<TaskStatus>);
        Effect::new(move |_| {
            if let Some(task) = current.get() {
                if seen.get_value() != Some(task.task.task_status) {
                    seen.set_value(Some(task.task.task_status));
                    cb.run(task);
                }
            }
        });
    }
    // Nothing until the task is read (the row says "Loading…" then), not "(no prompt)".
    let prompt = move || {
        current.read().as_ref().map(|task| {
            task.request
                .as_ref()
                .and_then(|r| r.prompt())
                .map_or_else(|| t("(no prompt)").into(), str::to_owned)
        })
    };
    let thumb = move || {
        let t = current.read();
        let t = t.as_ref()?;
        let r = &t.task.task_result;
        let set = if !r.images.is_empty() {
            ResultSet::Images
        } else if !r.series_images.is_empty() {
            ResultSet::SeriesImages
        } else if r.videos.iter().any(|v| v.cover_url.is_some()) {
            ResultSet::Covers
        } else {
            return None;
        };
        Some(api::file_url(t.task.task_id.as_str(), set, 0, false))
    };
    let status = move || current.read().as_ref().map(|t| t.task.task_status);
    let when = move || {
        current.read().as_ref().map(|t| {
            let created =
                js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.task.created_at as f64));
            let at = String::from(
                created
                    .to_locale_string(crate::i18n::lang().tag(), &wasm_bindgen::JsValue::UNDEFINED),
            );
            format!("{} · {at}", choice_label(t.kind.as_str()))
        })
    };
    // A name is the person's own word: never translated.
    let by = move || {
        current.read().as_ref()?.created_by.clone().map(|name| {
            view! { " · "{t("by")}" "<span translate="no" data-testid="created-by">{name}</span> }
        })
    };
    let href = crate::deployment::page(&format!("/tasks/{id}"));
    view! {
        <li class="history-row" data-testid="history-row" data-task-id=id.clone()>
            <a href=href class="history-link">
                <span class="thumb">
                    {move || thumb().map(|src| view! { <img src=src alt="" loading="lazy"/> })}
                </span>
                <span class="history-text">
                    <span class="history-prompt" translate="no">{prompt}</span>
                    <span class="muted">{move || when().unwrap_or_else(|| t("Loading…").into())}{by}</span>
                </span>
                {move || match (place(), status()) {
                    (Some(place), _) => Some(view! {
                        <span class="badge queued" data-testid="queue-place" data-place=place.map(|p| p.to_string())>
                            {match place {
                                Some(n) => tf("Queued · {} in line", &[&n]),
                                None => t("Sending…").to_owned(),
                            }}
                        </span>
                    }.into_any()),
                    (None, Some(s)) => Some(view! {
                        <span class=format!("badge {}", s.as_str()) data-testid="history-status" data-status=s.as_str()>{choice_label(s.as_str())}</span>
                    }.into_any()),
                    (None, None) => None,
                }}
            </a>
            <Show when=move || place().flatten().is_some()>
                <button type="button" class="secondary row-action" data-testid="cancel-queued"
                    disabled=move || cancel.pending().get()
                    on:click=move |_| { cancel.dispatch_local(row_id.get_value()); }>
                    {t("Cancel")}
                </button>
            </Show>
            <Show when=move || cancel_error().is_some()>
                <p class="submit-error" role="alert">{cancel_error}</p>
            </Show>
            <Show when=finished>
                <button type="button" class="secondary row-action" data-testid="row-reuse"
                    disabled=move || again.pending().get()
                    on:click=move |_| { again.dispatch_local((row_id.get_value(), true)); }>
                    {t("Reuse")}
                </button>
                <button type="button" class="secondary row-action" data-testid="row-run-again"
                    disabled=move || again.pending().get()
                    on:click=move |_| { again.dispatch_local((row_id.get_value(), false)); }>
                    {t("Run again")}
                </button>
            </Show>
            <Show when=move || again_error().is_some()>
                <p class="submit-error" role="alert">{again_error}</p>
            </Show>
        </li>
    }
}
