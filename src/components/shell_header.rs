//! The studio's header: the brand, the navigation, the account's remaining units and the
//! language and theme switches.
//! On a narrow screen the navigation folds behind a menu button (a disclosure: the button
//! says whether the list is open, Escape closes it and gives the focus back, following a
//! link closes it).

use crate::deployment;
use crate::i18n::{t, LangSwitch};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn ShellHeader() -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    let location = use_location();
    // A new page: the menu has done its job.
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    view! {
        <header class="shell-header" class:open=move || open.get() on:keydown=on_key>
            <a class="brand" href=deployment::page("/image")>"Omni Studio"</a>
            <button type="button" class="menu-button secondary" data-testid="menu" node_ref=button
                aria-expanded=move || open.get().to_string() aria-controls="main-nav"
                on:click=move |_| open.update(|o| *o = !*o)>
                {t("Menu")}
            </button>
            // A link followed from the open menu closes it (the route change would too).
            <nav id="main-nav" aria-label=t("Main") on:click=move |_| open.set(false)>
                <A href=deployment::page("/image")>{t("Omni Image")}</A>
                <A href=deployment::page("/video")>{t("Omni Video")}</A>
                <A href=deployment::page("/generate")>{t("Image Generation")}</A>
                <A href=deployment::page("/quick")>{t("Quick create")}</A>
                <A href=deployment::page("/elements")>{t("Elements")}</A>
                <A href=deployment::page("/tasks")>{t("History")}</A>
                <A href=deployment::page("/spend")>{t("Spend")}</A>
            </nav>
            <div class="header-tools">
                <crate::components::account_units::AccountUnits/>
                <LangSwitch/>
                <crate::components::theme::ThemeSwitch/>
            </div>
        </header>
    }
}
