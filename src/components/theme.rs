//! Light, dark, or as the system says: the choice is remembered in local storage and
//! set as `data-theme` on `<html>` (index.html applies it before the first paint, and
//! takes `?theme=light|dark` from an embedding page).

use crate::i18n::t;
use crate::storage::{self, Area};
use leptos::prelude::*;

const KEY: &str = "omni.theme";

fn apply(theme: &str) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        "light" | "dark" => root.set_attribute("data-theme", theme),
        _ => root.remove_attribute("data-theme"),
    };
}

/// The theme picker in the header.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let saved = storage::get(Area::Local, KEY).unwrap_or_else(|| "system".into());
    let theme = RwSignal::new(saved);
    let choose = move |value: String| {
        storage::set(Area::Local, KEY, &value);
        apply(&value);
        theme.set(value);
    };
    view! {
        <label class="theme-switch">
            <span>{t("Theme")}</span>
            <select data-testid="theme" prop:value=move || theme.get() on:change=move |ev| choose(event_target_value(&ev))>
                <option value="system">{t("System")}</option>
                <option value="light">{t("Light")}</option>
                <option value="dark">{t("Dark")}</option>
            </select>
        </label>
    }
}
