//! Prompt templates: a few built in per form, and the user's own (kept in local storage),
//! each showing which references it needs.

use crate::i18n::{t, tf};
use crate::storage::{self, Area};
use leptos::prelude::*;
use omni_api::prompt::placeholders;

const KEY: &str = "omni.templates";

fn saved() -> Vec<String> {
    storage::load(Area::Local, KEY).unwrap_or_default()
}

fn save_all(list: &[String]) {
    storage::save(Area::Local, KEY, &list);
}

/// `needs image_1, image_2`, from the placeholders of a template.
pub fn needs(template: &str) -> String {
    let mut labels: Vec<String> = placeholders(template).map(|(_, p)| p.label()).collect();
    labels.dedup();
    if labels.is_empty() {
        t("no references").into()
    } else {
        tf("needs {}", &[&labels.join(", ")])
    }
}

/// A picker that puts a template into the prompt, and saves the prompt as a template.
#[component]
pub fn Templates(
    /// The prompt a template is put into.
    prompt: RwSignal<String>,
    /// This form's built-in templates.
    builtin: &'static [&'static str],
) -> impl IntoView {
    let mine = RwSignal::new(saved());
    let pick = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if !value.is_empty() {
            prompt.set(value);
        }
    };
    let save = move |_| {
        let text = prompt.get_untracked();
        if text.trim().is_empty() || mine.read_untracked().contains(&text) {
            return;
        }
        mine.update(|m| m.push(text));
        save_all(&mine.read_untracked());
    };
    view! {
        <div class="row templates">
            <label for="template">{t("Template")}</label>
            <select id="template" data-testid="template" on:change=pick prop:value="">
                <option value="">{t("Start from a template…")}</option>
                <optgroup label=t("Built in")>
                    {builtin.iter().map(|en| { let text = t(en); view! { <option value=text>{format!("{text} ({})", needs(text))}</option> } }).collect_view()}
                </optgroup>
                <Show when=move || !mine.read().is_empty()>
                    <optgroup label=t("My templates")>
                        {move || mine.get().into_iter().map(|t| view! { <option value=t.clone()>{format!("{t} ({})", needs(&t))}</option> }).collect_view()}
                    </optgroup>
                </Show>
            </select>
            <button type="button" class="link" data-testid="save-template" on:click=save>{t("Save prompt as template")}</button>
        </div>
    }
}
