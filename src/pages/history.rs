//! `/tasks`: every task, newest first, filtered by kind, status and prompt text, paged by
//! cursor; rows of unfinished tasks update live.

use crate::api::{self, HistoryQuery};
use crate::hooks::use_task_polling::{use_task_polling_with, Follow, UseTaskPollingReturn};
use crate::i18n::{choice_label, t};
use leptos::prelude::*;
use leptos::task::spawn_local;
use omni_api::{Choice, StudioTask, TaskKind, TaskStatus};

const PAGE: u32 = 20;

/// The history page.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let kind = RwSignal::new(None::<TaskKind>);
    let status = RwSignal::new(None::<TaskStatus>);
    let search = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<StudioTask>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);

    // Each load has a number; an answer to an older one (a filter changed while it was
    // in flight) is dropped instead of overwriting the newer list.
    let latest = StoredValue::new(0u64);
    let load = move |cursor: Option<String>| {
        latest.update_value(|n| *n += 1);
        let mine = latest.get_value();
        let q = HistoryQuery {
            kind: kind.get_untracked(),
            status: status.get_untracked(),
            search: search.get_untracked(),
            cursor: cursor.clone(),
            limit: PAGE,
        };
        loading.set(true);
        spawn_local(async move {
            let answer = api::list_tasks(&q).await;
            if latest.try_get_value() != Some(mine) {
                return;
            }
            match answer {
                Ok(page) => {
                    if cursor.is_some() {
                        rows.update(|r| r.extend(page.tasks));
                    } else {
                        rows.set(page.tasks);
                    }
                    next.set(page.next_cursor);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message())),
            }
            loading.set(false);
            loaded.set(true);
        });
    };
    // Filters reload the first page.
    Effect::new(move |_| {
        kind.track();
        status.track();
        search.track();
        load(None);
    });

    view! {
        <section class="card">
            <h1>{t("History")}</h1>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label>{t("Kind")}" "
                    <select data-testid="filter-kind" on:change=move |ev| kind.set(TaskKind::parse(&event_target_value(&ev)))>
                        <option value="">{t("All kinds")}</option>
                        {TaskKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{choice_label(k.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                <label>{t("Status")}" "
                    <select data-testid="filter-status" on:change=move |ev| status.set(TaskStatus::parse(&event_target_value(&ev)))>
                        <option value="">{t("Any status")}</option>
                        {TaskStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{choice_label(s.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                <label>{t("Search prompts")}" "
                    <input type="search" data-testid="filter-search" on:change=move |ev| search.set(event_target_value(&ev))/>
                </label>
            </form>
            <Show when=move || error.read().is_some()>
                <p class="submit-error" role="alert">{move || error.get()}</p>
            </Show>
            <Show when=move || loaded.get() && rows.read().is_empty() && error.read().is_none()>
                <div class="empty" data-testid="history-empty">
                    <p>{t("No tasks here yet.")}</p>
                    <p><a href=crate::runtime::page("/image")>{t("Create an image with Omni Image")}</a></p>
                </div>
            </Show>
            <ul class="history" aria-busy=move || loading.get().to_string()>
                <For each=move || rows.get() key=|t| t.task.task_id.0.clone() let:task>
                    <HistoryRow task=task/>
                </For>
            </ul>
            <Show when=move || next.read().is_some()>
                <button type="button" class="secondary" data-testid="load-more" disabled=move || loading.get() on:click=move |_| load(next.get_untracked())>
                    {t("Load more")}
                </button>
            </Show>
        </section>
    }
}

/// One task in the list; follows the task live while it runs.
#[component]
fn HistoryRow(task: StudioTask) -> impl IntoView {
    let id = task.task.task_id.0.clone();
    let running = !task.task.task_status.is_terminal();
    let initial = task.clone();
    let current: Signal<StudioTask> = if running {
        let UseTaskPollingReturn { value, .. } =
            use_task_polling_with(Signal::stored(id.clone()), Follow::Poll);
        Signal::derive(move || value.get().unwrap_or_else(|| initial.clone()))
    } else {
        Signal::stored(task)
    };
    let prompt = move || {
        current
            .read()
            .request
            .as_ref()
            .and_then(|r| r.get("prompt"))
            .and_then(|p| p.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| t("(no prompt)").into())
    };
    let thumb = move || {
        let t = current.read();
        let r = &t.task.task_result;
        let set = if !r.images.is_empty() {
            "images"
        } else if !r.series_images.is_empty() {
            "series_images"
        } else if r.videos.iter().any(|v| v.cover_url.is_some()) {
            "covers"
        } else {
            return None;
        };
        Some(api::file_url(t.task.task_id.as_str(), set, 0, false))
    };
    let status = move || current.read().task.task_status;
    let created = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        current.read_untracked().task.created_at as f64,
    ));
    let href = crate::runtime::page(&format!("/tasks/{id}"));
    view! {
        <li class="history-row" data-testid="history-row">
            <a href=href class="history-link">
                <span class="thumb">
                    {move || thumb().map(|src| view! { <img src=src alt="" loading="lazy"/> })}
                </span>
                <span class="history-text">
                    <span class="history-prompt" translate="no">{prompt}</span>
                    <span class="muted">
                        {move || choice_label(current.read().kind.as_str())} " · "
                        {String::from(created.to_locale_string(crate::i18n::lang().tag(), &wasm_bindgen::JsValue::UNDEFINED))}
                    </span>
                </span>
                <span class=move || format!("badge {}", status().as_str()) data-testid="history-status">{move || choice_label(status().as_str())}</span>
            </a>
        </li>
    }
}
