//! Small pieces every generation form shares: a select over a closed set, and the submit
//! bar that lists what blocks a submit and shows the server's answer.

use crate::i18n::{choice_label, field_message, t, tf};
use leptos::prelude::*;
use omni_api::{Choice, Expected, FieldError, ModelName, Problem};

/// A `<select>` over `options`, bound to `value`.
pub fn choice_select<T: Choice + Send + Sync>(
    id: &'static str,
    value: RwSignal<T>,
    options: Vec<T>,
) -> impl IntoView {
    view! {
        <select id=id data-testid=id on:change=move |ev| if let Some(v) = T::parse(&event_target_value(&ev)) { value.set(v) }>
            {options.into_iter().map(|o| view! { <option value=o.as_str() selected=move || value.get() == o>{choice_label(o.as_str())}</option> }).collect_view()}
        </select>
    }
}

/// The model `<select>`: the catalog's names for the kind; a deprecated one says so.
pub fn model_select(
    value: RwSignal<ModelName>,
    models: &omni_api::catalog::KindCatalog,
) -> impl IntoView {
    let dropped = crate::components::field::Dropped::use_context();
    let options: Vec<(String, bool)> = models
        .models
        .iter()
        .map(|m| (m.name.0.clone(), m.deprecated.is_some()))
        .collect();
    view! {
        <select id="model" data-testid="model" translate="no" on:change=move |ev| { dropped.clear(); value.set(ModelName(event_target_value(&ev))) }>
            {options.into_iter().map(|(name, old)| {
                let label = if old { tf("{} (deprecated)", &[&name]) } else { name.clone() };
                let selected = name.clone();
                view! { <option value=name selected=move || value.read().0 == selected>{label}</option> }
            }).collect_view()}
        </select>
    }
}

/// Fields of a draft this studio does not model: shown read-only, sent as they were.
#[component]
pub fn OtherFields(other: serde_json::Map<String, serde_json::Value>) -> impl IntoView {
    (!other.is_empty()).then(|| {
        view! {
            <div class="field other-fields" data-testid="other-fields">
                <p>{t("Also sent as they were (this studio does not check them):")}</p>
                <dl translate="no">
                    {other.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd><code>{v.to_string()}</code></dd> }).collect_view()}
                </dl>
            </div>
        }
    })
}

/// A count typed into a text box; anything but a whole number is a `type` error on `field`.
pub fn whole_number(field: &str, text: &str, typed: &mut Vec<FieldError>) -> Option<u32> {
    let parsed = text.trim().parse::<u32>().ok();
    if parsed.is_none() {
        let expected = Expected::WholeNumber;
        typed.push(FieldError::new(field, Problem::WrongType { expected }));
    }
    parsed
}

/// The submit button, disabled with the reasons listed, and the last submit's error.
#[component]
pub fn SubmitBar(
    /// Every violation of the request as it stands.
    #[prop(into)]
    violations: Signal<Vec<FieldError>>,
    /// Whether errors are shown yet (after the first edit or submit).
    #[prop(into)]
    show: Signal<bool>,
    /// A submit is on its way.
    #[prop(into)]
    submitting: Signal<bool>,
    /// The last submit's error, in words.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// What the button says.
    #[prop(default = t("Generate"))]
    label: &'static str,
) -> impl IntoView {
    let blocked = move || show.get() && !violations.read().is_empty();
    view! {
        <div class="actions">
            <crate::components::batch::BatchControl/>
            <button type="submit" data-testid="submit" disabled=move || submitting.get() || blocked()>
                {move || if submitting.get() { t("Submitting…") } else { label }}
            </button>
            <Show when=blocked>
                <div class="blocked" role="note" data-testid="blocked">
                    <p>{t("Cannot submit yet:")}</p>
                    <ul>
                        <For each=move || violations.get() key=|e| (e.field.clone(), e.message.clone()) let:e>
                            <li><span translate="no">{e.field.clone()}</span>": "{field_message(&e)}</li>
                        </For>
                    </ul>
                </div>
            </Show>
            <Show when=move || error.read().is_some()>
                <p class="submit-error" role="alert" data-testid="submit-error">{move || error.get()}</p>
            </Show>
        </div>
    }
}
