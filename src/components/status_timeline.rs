//! A task's life as three steps, with the current one marked for screen readers.

use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::TaskStatus;

/// Submitted → processing → succeeded (or failed), with the elapsed time.
#[component]
pub fn StatusTimeline(
    /// The task's status, `None` while loading.
    #[prop(into)]
    status: Signal<Option<TaskStatus>>,
    /// Seconds since the task was created (until it ended).
    #[prop(into)]
    elapsed: Signal<i64>,
) -> impl IntoView {
    let rank = move || match status.get() {
        None => 0,
        Some(TaskStatus::Submitted) => 1,
        Some(TaskStatus::Processing) => 2,
        Some(TaskStatus::Succeed | TaskStatus::Failed) => 3,
    };
    let step = move |n: u8, label: &'static str| {
        let class = move || match rank().cmp(&n) {
            std::cmp::Ordering::Greater => "step done",
            std::cmp::Ordering::Equal if n == 3 && status.get() == Some(TaskStatus::Failed) => {
                "step failed"
            }
            std::cmp::Ordering::Equal => "step current",
            std::cmp::Ordering::Less => "step",
        };
        let current = move || (rank() == n).then_some("step");
        view! { <li class=class aria-current=current>{label}</li> }
    };
    let last = move || {
        if status.get() == Some(TaskStatus::Failed) {
            t("Failed")
        } else {
            t("Succeeded")
        }
    };
    view! {
        <ol class="timeline" aria-label=t("Progress")>
            {step(1, t("Submitted"))}
            {step(2, t("Processing"))}
            <li
                class=move || match (rank(), status.get()) {
                    (3, Some(TaskStatus::Failed)) => "step failed",
                    (3, _) => "step done",
                    _ => "step",
                }
                aria-current=move || (rank() == 3).then_some("step")
            >
                {last}
            </li>
        </ol>
        <p class="elapsed">{move || format_elapsed(elapsed.get())}</p>
    }
}

/// `1 min 05 s`, `42 s`.
pub fn format_elapsed(secs: i64) -> String {
    let secs = secs.max(0);
    if secs >= 60 {
        tf("{} min {} s", &[&(secs / 60), &format!("{:02}", secs % 60)])
    } else {
        tf("{} s", &[&secs])
    }
}
