//! Chinese (zh-CN) and English. Every text the app shows is written in English in the
//! code and passed through [`t`] (or [`tf`] when it carries values); `zh.rs` holds the
//! Chinese for each, keyed by the English. The language comes from `?lang=`, else the
//! reader's earlier choice, else the browser's languages; switching it rebuilds the
//! pages (drafts are written first, so nothing typed is lost).
//!
//! `cargo xtask test` checks that every literal given to `t`/`tf` in src/ has its Chinese
//! (xtask/src/i18n_check.rs), and the e2e suite that a Chinese page shows no English.

mod problems;
pub mod zh;

pub use problems::{code_words, field_message};

use crate::storage::{self, flush_saves, Area};
use leptos::prelude::*;
use std::cell::Cell;

const KEY: &str = "omni.lang";

/// Marks an English text kept in a constant (translated where it is shown with [`t`]),
/// so the translation check finds it.
#[macro_export]
macro_rules! en {
    ($text:literal) => {
        $text
    };
}

/// The languages the studio speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The BCP 47 tag, as `<html lang>` and `?lang=` use it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `zh`, `zh-CN`, `zh-Hans-SG`, ... are Chinese; `en*` English; anything else none.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language in force.
pub fn lang() -> Lang {
    LANG.get()
}

/// Picks the language before the app mounts: `?lang=`, the saved choice, the browser's.
pub fn init() {
    let from_query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| {
            s.trim_start_matches('?')
                .split('&')
                .find_map(|p| p.strip_prefix("lang="))
                .and_then(Lang::from_tag)
        });
    let saved = || storage::get(Area::Local, KEY).and_then(|t| Lang::from_tag(&t));
    let browser = || {
        let nav = web_sys::window()?.navigator();
        nav.languages()
            .iter()
            .filter_map(|l| l.as_string())
            .chain(nav.language())
            .find_map(|l| Lang::from_tag(&l))
    };
    apply(
        from_query
            .or_else(saved)
            .or_else(browser)
            .unwrap_or(Lang::En),
    );
}

fn apply(lang: Lang) {
    LANG.set(lang);
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Some(root) = doc.document_element() {
            let _ = root.set_attribute("lang", lang.tag());
        }
        doc.set_title(t("Omni Studio"));
    }
}

/// The text for `en` in the language in force.
pub fn t(en: &'static str) -> &'static str {
    match lang() {
        Lang::En => en,
        Lang::Zh => zh::zh(en).unwrap_or(en),
    }
}

/// `t(template)` with each `{}` replaced by the next of `args`.
pub fn tf(template: &'static str, args: &[&dyn std::fmt::Display]) -> String {
    fill(t(template), args)
}

fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        out.push_str(part);
    }
    out
}

/// A closed-set value as shown in a list (a model name shows as itself; a word such
/// as `series` or `pro` in the reader's language).
pub fn choice_label(wire: &'static str) -> &'static str {
    // The same lookup as `t`; a separate name because the English here is a wire value,
    // which the translation check finds in omni-api's closed sets, not in a literal.
    t(wire)
}

/// A video scenario in words.
pub fn scenario_words(s: omni_api::omni_video::Scenario) -> &'static str {
    use omni_api::omni_video::Scenario;
    match s {
        Scenario::TextToVideo => t("text-to-video"),
        Scenario::FirstFrame => t("a first-frame video"),
        Scenario::FirstEndFrame => t("a first-and-end-frame video"),
        Scenario::Reference => t("an image or element reference video"),
        Scenario::VideoReference => t("a video reference"),
        Scenario::VideoEdit => t("a video edit"),
    }
}

/// Bumped when the language changes; the studio rebuilds its pages on it.
#[derive(Clone, Copy)]
pub struct LangChanged(pub RwSignal<u32>);

/// Makes the signal the pages rebuild on; call once, above the pages.
pub fn provide() -> RwSignal<u32> {
    let changed = RwSignal::new(0);
    provide_context(LangChanged(changed));
    changed
}

/// Switches the language, remembers it, and rebuilds the pages (through `changed`).
pub fn switch(to: Lang, changed: Option<LangChanged>) {
    if to == lang() {
        return;
    }
    storage::set(Area::Local, KEY, to.tag());
    flush_saves();
    apply(to);
    if let Some(LangChanged(changed)) = changed {
        changed.update(|n| *n += 1);
    }
}

/// The language picker in the header. Each option is named in its own language.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let changed = use_context::<LangChanged>();
    view! {
        <label class="lang-switch">
            <span>{t("Language")}</span>
            <select data-testid="lang" on:change=move |ev| {
                if let Some(l) = Lang::from_tag(&event_target_value(&ev)) {
                    switch(l, changed)
                }
            }>
                <option value="zh-CN" lang="zh-CN" selected=lang() == Lang::Zh>"中文"</option>
                <option value="en" lang="en" selected=lang() == Lang::En>"English"</option>
            </select>
        </label>
    }
}
