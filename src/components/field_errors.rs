//! The error list under one input.

use crate::i18n::field_message;
use leptos::prelude::*;
use omni_api::FieldError;

/// Lists the messages of `errors` under an input; `id` is what the input's
/// `aria-describedby` points at, so screen readers read the reason with the field.
#[component]
pub fn FieldErrors(
    /// Element id, referenced by the input's `aria-describedby`.
    #[prop(into)]
    id: String,
    /// The errors to show (already filtered to this field).
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    view! {
        <ul class="field-errors" id=id aria-live="polite">
            <For each=move || errors.get() key=|e| (e.rule, e.message.clone()) let:e>
                <li class="field-error" data-rule=e.rule.as_str()>{field_message(&e)}</li>
            </For>
        </ul>
    }
}

/// The errors, among `all`, on `field` or anything under it.
pub fn errors_under(all: &[FieldError], field: &str) -> Vec<FieldError> {
    all.iter().filter(|e| e.is_under(field)).cloned().collect()
}
