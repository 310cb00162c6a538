//! Light, dark, or as the system says: the choice is remembered in local storage and
//! set as `data-theme` on `<html>` (index.html applies it before the first paint, and
//! takes `?theme=light|dark` from an embedding page).

use crate::i18n::t;
use crate::storage::{self, Area};
use leptos::prelude::*;

const KEY: &str = "omni.theme";

/// The themes on offer; `System` follows the browser's light or dark preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The name stored, and set as `data-theme` (index.html reads the same names).
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }

    fn label(self) -> &'static str {
        match self {
            Theme::System => t("System"),
            Theme::Light => t("Light"),
            Theme::Dark => t("Dark"),
        }
    }
}

fn apply(theme: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        Theme::Light | Theme::Dark => root.set_attribute("data-theme", theme.as_str()),
        Theme::System => root.remove_attribute("data-theme"),
    };
}

/// The theme picker in the header.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let saved = storage::get(Area::Local, KEY)
        .and_then(|s| Theme::parse(&s))
        .unwrap_or(Theme::System);
    let theme = RwSignal::new(saved);
    let choose = move |value: Theme| {
        storage::set(Area::Local, KEY, value.as_str());
        apply(value);
        theme.set(value);
    };
    view! {
        <label class="theme-switch">
            <span>{t("Theme")}</span>
            <select data-testid="theme" prop:value=move || theme.get().as_str() on:change=move |ev| if let Some(v) = Theme::parse(&event_target_value(&ev)) { choose(v) }>
                {Theme::ALL.into_iter().map(|th| view! { <option value=th.as_str()>{th.label()}</option> }).collect_view()}
            </select>
        </label>
    }
}
