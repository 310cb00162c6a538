//! Omni Studio, the web app: the router and the shell every page shares.

pub mod api;
pub mod components;
pub mod deferred;
pub mod deployment;
pub mod draft;
pub mod embed;
pub mod hooks;
pub mod i18n;
pub mod pages;
pub mod storage;
pub mod studio_config;
pub mod task_events;
pub mod time;
pub mod workspace;

use components::workspace::WithRecent;
use i18n::t;
use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Redirect, Route, Router};
use leptos_router::{path, Lazy};

/// The whole app: a sign-in when the BFF asks for one, then the studio.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <components::sign_in::SignInGate>
            <Studio/>
        </components::sign_in::SignInGate>
    }
}

/// Navigation, then the page for the current route.
#[component]
fn Studio() -> impl IntoView {
    // Inside the gate: the configuration is only readable once signed in.
    studio_config::provide_config();
    let embedded = embed::is_embedded();
    // Bumped when a dashboard opens a form: the page is built again and reads its draft.
    let opened = RwSignal::new(0u32);
    provide_context(draft::Reopen(opened));
    // Bumped when the language changes: every text is read again.
    let lang_changed = i18n::provide();
    view! {
        // Route matching and navigate() take the base into account; links do not, so
        // every href is made with deployment::page.
        <Router base=deployment::router_base()>
            {move || {
                lang_changed.track();
                (!embedded).then(|| view! {
                    <a class="skip-link" href="#main" on:click=skip_to_main>{t("Skip to content")}</a>
                    <components::shell_header::ShellHeader/>
                })
            }}
            <main id="main" class="shell-main" class:embedded=embedded tabindex="-1">
                {move || {
                    opened.track();
                    lang_changed.track();
                    // Flat routes (none nests): the matched page is built during the
                    // mount when its code is at hand, where `Routes` always builds it in a
                    // task of its own, after every effect the shell queued (measured on
                    // /image: ready ~14 ms sooner, 30 alternating loads each).
                    view! {
                        <FlatRoutes fallback=pages::not_found::NotFound>
                            <Route path=path!("/") view=|| view! { <Redirect path="/image"/> }/>
                            <Route path=path!("/image") view=|| view! { <WithRecent><pages::image::ImagePage/></WithRecent> }/>
                            // The landing page is in the main module; the others load their code on first use.
                            <Route path=path!("/video") view={Lazy::<pages::VideoRoute>::new()}/>
                            <Route path=path!("/generate") view={Lazy::<pages::GenerateRoute>::new()}/>
                            <Route path=path!("/quick") view={Lazy::<pages::QuickRoute>::new()}/>
                            <Route path=path!("/elements") view={Lazy::<pages::ElementsRoute>::new()}/>
                            <Route path=path!("/tasks") view={Lazy::<pages::HistoryRoute>::new()}/>
                            <Route path=path!("/tasks/:id") view={Lazy::<pages::TaskRoute>::new()}/>
                            <Route path=path!("/spend") view={Lazy::<pages::SpendRoute>::new()}/>
                        </FlatRoutes>
                    }
                }}
            </main>
            <EmbedCommands opened=opened/>
        </Router>
    }
}

/// Moves the focus to the page's content. With `<base href>` set, following `#main`
/// would load the base address instead, and the router would take the click.
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    let main = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"))
        .and_then(|m| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(m).ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}

/// Takes a dashboard's commands (see `embed`): leaves the draft, shows the form.
#[component]
fn EmbedCommands(opened: RwSignal<u32>) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    embed::listen(move |form| {
        opened.update(|n| *n += 1);
        navigate(form.path(), Default::default());
    });
}
