//! The workspace: a form with a live column of recent tasks beside it (below it on
//! narrow screens). A submit from the form lands in the column and the form keeps its
//! inputs, so a variation is one edit away; the task page stays for details.

use crate::api::{self, HistoryQuery};
use crate::components::task_row::TaskRow;
use crate::i18n::{choice_label, t, tf};
use crate::workspace::Workspace;
use leptos::prelude::*;
use omni_api::{Choice, StudioTask};

/// How many earlier tasks the column shows.
const RECENT: u32 = 8;

/// A form page (`children`) with the column: the form's submits stay on the page.
/// Embedded in a dashboard the form stays alone, and a submit opens the task page,
/// which tells the dashboard how the task goes.
#[component]
pub fn WithRecent(children: Children) -> impl IntoView {
    if crate::embed::is_embedded() {
        return children().into_any();
    }
    let workspace = Workspace::default();
    provide_context(workspace);
    // The column is built in the task after the form's: the form is usable that much
    // sooner, and the column waits on its read of the history anyway.
    let column = RwSignal::new(false);
    set_timeout(move || column.set(true), std::time::Duration::ZERO);
    view! {
        <div class="workspace">
            <div class="workspace-form">{children()}</div>
            <Show when=move || column.get()>
                <RecentTasks workspace=workspace/>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn RecentTasks(workspace: Workspace) -> impl IntoView {
    let earlier = LocalResource::new(|| async {
        api::list_tasks(&HistoryQuery {
            limit: RECENT,
            ..Default::default()
        })
        .await
    });
    // What a screen reader hears when a task sent from here changes.
    let announced = RwSignal::new(String::new());
    let announce = Callback::new(move |task: StudioTask| {
        let prompt = task
            .request
            .as_ref()
            .and_then(|r| r.prompt())
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect::<String>();
        announced.set(tf(
            "“{}”: {}",
            &[&prompt, &choice_label(task.task.task_status.as_str())],
        ));
    });
    let sent = move || workspace.submitted.get();
    view! {
        <section class="card workspace-column" aria-labelledby="recent-title" data-testid="recent-tasks">
            <h2 id="recent-title">{t("Recent tasks")}</h2>
            <p class="sr-only" role="status" aria-live="polite">{move || announced.get()}</p>
            <ul class="history" data-testid="submitted-tasks">
                <For each=sent key=|task| task.task.task_id.clone() let:task>
                    <TaskRow id=task.task.task_id.0.clone() initial=task on_status=announce actions=true/>
                </For>
            </ul>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">{t("Loading…")}</p> }>
                {move || earlier.get().map(|page| match page {
                    Ok(page) => {
                        let shown = sent();
                        let rows = page
                            .tasks
                            .into_iter()
                            .filter(|task| !shown.iter().any(|s| s.task.task_id == task.task.task_id))
                            .map(|task| view! { <TaskRow id=task.task.task_id.0.clone() initial=task actions=true/> })
                            .collect_view();
                        view! { <ul class="history">{rows}</ul> }.into_any()
                    }
                    Err(e) => view! { <p class="muted">{e.message()}</p> }.into_any(),
                })}
            </Transition>
            <p class="muted"><a href=crate::deployment::page("/tasks")>{t("All tasks")}</a></p>
        </section>
    }
}
