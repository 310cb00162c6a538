//! The batch control beside the submit button: one task, one per line of the prompt,
//! one per combination of its `{a|b|c}` choices, or k copies. The engine checks and
//! sends every task; this shows how many the next submit makes.

use crate::components::field_errors::FieldErrors;
use crate::hooks::use_generation_form::BatchChoice;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::queue::{Batch, MAX_BATCH};

/// Shown under generation forms only (the engine provides the choice).
#[component]
pub fn BatchControl() -> impl IntoView {
    let Some(BatchChoice {
        batch,
        prompt,
        copies_errors,
    }) = use_context::<BatchChoice>()
    else {
        return ().into_any();
    };
    let copies = RwSignal::new(2u32);
    let mode = move |value: &str| match value {
        "lines" => Batch::Lines,
        "alternatives" => Batch::Alternatives,
        "copies" => Batch::Copies(copies.get_untracked()),
        _ => Batch::Single,
    };
    let count = move || {
        omni_api::queue::batch_prompts(&prompt.read(), batch.get())
            .map(|p| p.len())
            .ok()
    };
    view! {
        <div class="batch">
            <label>{t("Send as")}" "
                <select data-testid="batch-mode" on:change=move |ev| batch.set(mode(&event_target_value(&ev)))>
                    <option value="single">{t("One task")}</option>
                    <option value="lines">{t("A task for each line")}</option>
                    <option value="alternatives">{t("A task for each {a|b} choice")}</option>
                    <option value="copies">{t("Copies")}</option>
                </select>
            </label>
            <Show when=move || matches!(batch.get(), Batch::Copies(_))>
                <label>{t("How many")}" "
                    <input type="number" min="1" max=MAX_BATCH.to_string() data-testid="batch-copies"
                        aria-describedby="batch-copies-errors"
                        prop:value=move || copies.get().to_string()
                        on:input=move |ev| {
                            let n = event_target_value(&ev).trim().parse().unwrap_or(0);
                            copies.set(n);
                            batch.set(Batch::Copies(n));
                        }/>
                </label>
                <FieldErrors id="batch-copies-errors" errors=copies_errors/>
            </Show>
            <Show when=move || batch.get() != Batch::Single>
                <span class="muted" data-testid="batch-count" aria-live="polite">
                    {move || count().map(|n| tf("{} tasks, each queued until the upstream has room", &[&n]))}
                </span>
            </Show>
        </div>
    }
    .into_any()
}
