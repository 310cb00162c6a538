//! The field components every generation form is made of: a labelled control with its
//! hint, its errors and, when the chosen model or scenario does not offer it, the reason
//! instead of the control; a choice field whose options come from the catalog and which
//! says so when a model change drops the value it had.

use crate::components::field_errors::FieldErrors;
use crate::i18n::{choice_label, tf};
use leptos::prelude::*;
use omni_api::{Choice, FieldError};

/// One labelled input.
#[component]
pub fn Field(
    /// The control's id (its label points at it; errors get `{id}-errors`).
    id: &'static str,
    label: &'static str,
    /// The errors to show under it.
    #[prop(into, optional)]
    errors: Signal<Vec<FieldError>>,
    /// A line of help under the control.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Why the control is not offered now; shown in its place.
    #[prop(into, optional)]
    unavailable: Signal<Option<String>>,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {move || match unavailable.get() {
                Some(why) => view! { <p class="unavailable" data-testid=format!("{id}-why")>{why}</p> }.into_any(),
                None => children.with_value(|c| c()).into_any(),
            }}
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldErrors id=format!("{id}-errors") errors=errors/>
        </div>
    }
}

/// What the last model change dropped, in words; shown under the model menu.
#[derive(Clone, Copy)]
pub struct Dropped(pub RwSignal<Vec<String>>);

impl Dropped {
    /// The page's list (made by the first caller).
    pub fn use_context() -> Dropped {
        use_context::<Dropped>().unwrap_or_else(|| {
            let d = Dropped(RwSignal::new(Vec::new()));
            provide_context(d);
            d
        })
    }

    pub fn note(self, text: String) {
        self.0.update(|notes| {
            if !notes.contains(&text) {
                notes.push(text);
            }
        });
    }

    pub fn clear(self) {
        self.0.set(Vec::new());
    }
}

/// The notes, announced.
#[component]
pub fn DroppedNotes() -> impl IntoView {
    let dropped = Dropped::use_context();
    view! {
        <Show when=move || !dropped.0.read().is_empty()>
            <div role="status" data-testid="model-dropped">
                <ul class="dropped">
                    <For each=move || dropped.0.get() key=|n| n.clone() let:note>
                        <li>{note}</li>
                    </For>
                </ul>
            </div>
        </Show>
    }
}

/// A `<select>` over `options` (from the catalog entry in force). When the options stop
/// including the value (another model was chosen), it takes the first one and says so.
pub fn choice_field<T: Choice + Send + Sync>(
    id: &'static str,
    label: &'static str,
    value: RwSignal<T>,
    options: Signal<Vec<T>>,
) -> impl IntoView {
    let dropped = Dropped::use_context();
    Effect::new(move |_| {
        let options = options.get();
        let current = value.get_untracked();
        if let (false, Some(first)) = (options.contains(&current), options.first().copied()) {
            value.set(first);
            dropped.note(tf(
                "{}: {} is not offered by this model, so it is now {}.",
                &[
                    &label,
                    &choice_label(current.as_str()),
                    &choice_label(first.as_str()),
                ],
            ));
        }
    });
    view! {
        <select id=id data-testid=id on:change=move |ev| if let Some(v) = T::parse(&event_target_value(&ev)) { value.set(v) }>
            <For each=move || options.get() key=|o| o.as_str() let:o>
                <option value=o.as_str() selected=move || value.get() == o>{choice_label(o.as_str())}</option>
            </For>
        </select>
    }
}
