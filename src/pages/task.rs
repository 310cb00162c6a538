//! `/tasks/:id`: a task followed live to its end, the request that made it, and its
//! results; on failure the reason, with retry.

use crate::api;
use crate::components::api_snippets::ApiSnippets;
use crate::components::estimate::amount_words;
use crate::components::request_summary::RequestSummary;
use crate::components::results::Results;
use crate::components::status_timeline::StatusTimeline;
use crate::draft;
use crate::hooks::use_task::{use_task, UseTaskReturn};
use crate::i18n::{choice_label, t, tf};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use omni_api::{Choice, StudioTask, TaskKind, TaskStatus};

/// Words for a status, as announced to screen readers.
fn status_words(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Submitted => t("Submitted, waiting to start"),
        TaskStatus::Processing => t("Processing"),
        TaskStatus::Succeed => t("Succeeded"),
        TaskStatus::Failed => t("Failed"),
    }
}

/// The request again, as a new task.
fn rerun_body(task: &StudioTask) -> Option<serde_json::Value> {
    Some(task.request.as_ref()?.for_new_task())
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The task page.
#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let UseTaskReturn {
        value,
        error,
        reconnecting,
        is_active,
        ..
    } = use_task(id);
    let status = Signal::derive(move || value.read().as_ref().map(|t| t.task.task_status));
    let config = crate::studio_config::use_config();
    let estimate = Memo::new(move |_| {
        let task = value.read();
        let task = task.as_ref()?;
        let req = task.request.as_ref()?.typed(task.kind).ok()?;
        req.estimate(&config.read().catalog)
    });
    // An embedding dashboard hears of every status this page sees (once each).
    let told = StoredValue::new(None::<omni_api::TaskStatus>);
    Effect::new(move |_| {
        if let Some(t) = value.read().as_ref() {
            if told.get_value() != Some(t.task.task_status) {
                told.set_value(Some(t.task.task_status));
                crate::embed::tell_parent(t);
            }
        }
    });

    // A clock for the elapsed time, ticking only while the task runs.
    let now = RwSignal::new(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let elapsed = Signal::derive(move || {
        value.read().as_ref().map_or(0, |t| {
            let end = if t.task.task_status.is_terminal() {
                t.task.updated_at
            } else {
                now.get()
            };
            (end - t.task.created_at) / 1000
        })
    });

    let navigate = use_navigate();
    // A run again is a new task each time it is asked for: a fresh key per dispatch.
    let rerun = Action::new_local(move |(kind, body): &(TaskKind, serde_json::Value)| {
        let (kind, body, navigate) = (*kind, body.clone(), navigate.clone());
        async move {
            let created = api::create(kind, &body, &api::new_idempotency_key()).await?;
            navigate(&format!("/tasks/{}", created.task_id), Default::default());
            Ok::<_, api::ApiError>(())
        }
    });
    let rerun_error = move || match rerun.value().get() {
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    let navigate = use_navigate();
    let edit = move || {
        let Some(form) = value.get_untracked().as_ref().and_then(draft::put_task) else {
            return;
        };
        navigate(form.path(), Default::default());
    };
    let editable = move || value.read().as_ref().is_some_and(|t| t.request.is_some());

    view! {
        <section class="card">
            <h1>
                {move || value.read().as_ref().map(|task| choice_label(task.kind.as_str())).unwrap_or(t("Task"))}
                " " <code class="task-id" translate="no">{move || id.get()}</code>
            </h1>
            <StatusTimeline status=status elapsed=elapsed/>
            <p class="status" role="status" aria-live="polite">
                {t("Status:")}" "
                <strong data-testid="task-status" data-status=move || status.get().map(|s| s.as_str())>
                    {move || status.get().map_or(t("loading"), |s| choice_label(s.as_str()))}
                </strong>
                <span class="sr-only">{move || status.get().map(status_words)}</span>
                <Show when=move || reconnecting.get()>
                    <span class="reconnecting" data-testid="reconnecting">" · "{t("reconnecting…")}</span>
                </Show>
                <Show when=move || is_active.get()>
                    <span class="muted">" · "{t("updating live")}</span>
                </Show>
            </p>
            // Not at the upstream yet: waiting in the BFF's queue, or being sent.
            {move || value.read().as_ref().and_then(|t| t.queue).map(|q| view! {
                <p class="muted" data-testid="task-queue">
                    {match q.place {
                        Some(n) => tf("Waiting in the studio's queue: {} in line. It is sent when the upstream has room.", &[&n]),
                        None => t("Being sent to the upstream…").to_owned(),
                    }}
                </p>
            })}
            <Show when=move || error.read().is_some() && value.read().is_none()>
                <p class="submit-error" role="alert">{move || error.get().map(|e| e.message())}</p>
            </Show>
            <Show when=move || status.get() == Some(TaskStatus::Failed)>
                <div class="failure" role="alert" data-testid="failure-reason">
                    {move || match value.get().and_then(|t| t.task.task_status_msg) {
                        Some(why) => view! { <p translate="no">{why}</p> }.into_any(),
                        None => view! { <p>{t("The upstream did not say why.")}</p> }.into_any(),
                    }}
                </div>
            </Show>
            <div class="actions row">
                <Show when=move || status.get().is_some_and(TaskStatus::is_terminal)>
                    <button type="button" data-testid="run-again" disabled=move || rerun.pending().get() on:click=move |_| if let Some(task) = value.get_untracked() { if let Some(body) = rerun_body(&task) { rerun.dispatch_local((task.kind, body)); } }>
                        {move || if status.get() == Some(TaskStatus::Failed) { t("Retry") } else { t("Run again") }}
                    </button>
                </Show>
                <Show when=editable>
                    <button type="button" class="secondary" data-testid="edit-again" on:click={let edit = edit.clone(); move |_| edit()}>{t("Edit and run again")}</button>
                </Show>
            </div>
            <Show when=move || rerun_error().is_some()>
                <p class="submit-error" role="alert">{rerun_error}</p>
            </Show>
            <Show when=move || value.read().as_ref().and_then(|t| t.task.final_unit_deduction.clone()).is_some()>
                <p class="muted" data-testid="units">
                    {t("Units charged:")}" " {move || value.read().as_ref().and_then(|t| t.task.final_unit_deduction.clone())}
                </p>
            </Show>
            // What the catalog's prices said before it ran, beside what was charged.
            <Show when=move || estimate.read().is_some()>
                <p class="muted" data-testid="estimate" data-amount=move || estimate.read().as_ref().map(|e| e.amount.to_string())>
                    {t("Estimated before it ran:")}" "
                    <span translate="no">{move || estimate.get().map(|e| amount_words(&e))}</span>
                </p>
            </Show>
            <Show when=move || status.get() == Some(TaskStatus::Succeed)>
                <Results task=Signal::derive(move || value.get().expect("shown only with a task"))/>
            </Show>
            {move || value.get().and_then(|t| t.request).map(|request| view! { <RequestSummary request=request/> })}
            <ApiSnippets request=Signal::derive(move || value.read().as_ref().and_then(|t| Some((t.kind, rerun_body(t)?))))/>
        </section>
    }
}
