//! `/tasks`: every task, newest first, filtered by kind, status, person and prompt text, paged by
//! cursor; rows of unfinished tasks update live.

use crate::api::{self, HistoryQuery};
use crate::components::load_error::load_error;
use crate::components::task_row::TaskRow;
use crate::i18n::{choice_label, t};
use leptos::prelude::*;
use omni_api::{Choice, TaskKind, TaskStatus};

const PAGE: u32 = 20;

/// The history page.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let kind = RwSignal::new(None::<TaskKind>);
    let status = RwSignal::new(None::<TaskStatus>);
    let search = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let config = crate::studio_config::use_config();
    // The cursors of the pages after the first that "Load more" asked for; a filter
    // change starts again from the first page.
    let cursors = RwSignal::new(Vec::<String>::new());
    let filter = move |set: &dyn Fn()| {
        set();
        cursors.set(Vec::new());
    };
    // One query a page; each page is read by its own resource, keyed by its query, so
    // an answer for filters no longer shown has nowhere to land.
    let pages = move || {
        let (kind, status, search, person) = (kind.get(), status.get(), search.get(), person.get());
        std::iter::once(None)
            .chain(cursors.get().into_iter().map(Some))
            .map(|cursor| HistoryQuery {
                kind,
                status,
                search: search.clone(),
                person: person.clone(),
                cursor,
                limit: PAGE,
            })
            .collect::<Vec<_>>()
    };

    view! {
        <section class="card">
            <h1>{t("History")}</h1>
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <label>{t("Kind")}" "
                    <select data-testid="filter-kind" on:change=move |ev| filter(&|| kind.set(TaskKind::parse(&event_target_value(&ev))))>
                        <option value="">{t("All kinds")}</option>
                        {TaskKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{choice_label(k.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                <label>{t("Status")}" "
                    <select data-testid="filter-status" on:change=move |ev| filter(&|| status.set(TaskStatus::parse(&event_target_value(&ev))))>
                        <option value="">{t("Any status")}</option>
                        {TaskStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{choice_label(s.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                // Only with named access tokens: tasks record the name that made them.
                <Show when=move || !config.read().people.is_empty()>
                    <label>{t("Person")}" "
                        <select data-testid="filter-person" on:change=move |ev| filter(&|| person.set(event_target_value(&ev)))>
                            <option value="">{t("Everyone")}</option>
                            {move || config.read().people.iter().map(|p| view! { <option value=p.clone() translate="no">{p.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
                <label>{t("Search prompts")}" "
                    <input type="search" data-testid="filter-search" on:change=move |ev| filter(&|| search.set(event_target_value(&ev)))/>
                </label>
            </form>
            <For each=pages key=|q| q.clone() let:query>
                <HistoryPageOf query=query cursors=cursors/>
            </For>
        </section>
    }
}

/// One page of the history: its rows, the empty state on the first page, and "Load
/// more" on the last page shown when there is another.
#[component]
fn HistoryPageOf(query: HistoryQuery, cursors: RwSignal<Vec<String>>) -> impl IntoView {
    let first = query.cursor.is_none();
    let cursor = query.cursor.clone();
    let page = LocalResource::new(move || {
        let q = query.clone();
        async move { api::list_tasks(&q).await }
    });
    // Only the last page shown offers the next one.
    let is_last = Signal::derive(move || cursors.read().last().cloned() == cursor);
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">{t("Loading…")}</p> }>
            <ErrorBoundary fallback=load_error>
                {move || page.get().map(|r| r.map(|page| view! {
                    {(first && page.tasks.is_empty()).then(|| view! {
                        <div class="empty" data-testid="history-empty">
                            <p>{t("No tasks here yet.")}</p>
                            <p><a href=crate::deployment::page("/image")>{t("Create an image with Omni Image")}</a></p>
                        </div>
                    })}
                    <ul class="history">
                        {page.tasks.into_iter().map(|task| view! { <TaskRow id=task.task.task_id.0.clone() initial=task/> }).collect_view()}
                    </ul>
                    {page.next_cursor.map(|next| view! {
                        <Show when=move || is_last.get()>
                            <button type="button" class="secondary" data-testid="load-more" on:click={let next = next.clone(); move |_| cursors.update(|c| c.push(next.clone()))}>
                                {t("Load more")}
                            </button>
                        </Show>
                    })}
                }))}
            </ErrorBoundary>
        </Transition>
    }
}
