//! "Pick from the library": the account's elements and the presets, read on first opening.

use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::media::safe_link;

/// "Pick from the library": the account's elements and the presets, loaded when opened.
#[component]
pub(super) fn ElementPicker(
    /// Called with the element the user picked.
    on_pick: Callback<omni_api::elements::Element>,
) -> impl IntoView {
    // Built and read on first opening only, from code fetched then (`deferred`): most
    // visits to a form never open the picker, and what is built at start is compiled
    // by the browser before the form can be used.
    let opened = RwSignal::new(false);
    let load = move |_| {
        if !opened.get_untracked() {
            opened.set(true);
        }
    };
    view! {
        <details class="picker" on:toggle=load>
            <summary data-testid="pick-element">{t("Pick from the element library")}</summary>
            <Show when=move || opened.get()>
                {move || crate::deferred::view(library(on_pick))}
            </Show>
        </details>
    }
}

crate::deferred::deferred! {
    /// The open picker ([`Library`]), in a module of its own in the release build.
    fn library(on_pick: Callback<omni_api::elements::Element>) -> AnyView {
        view! { <Library on_pick=on_pick/> }.into_any()
    }
}

/// The elements to pick from, read when built.
#[component]
fn Library(on_pick: Callback<omni_api::elements::Element>) -> impl IntoView {
    let library = LocalResource::new(|| async {
        let (own, presets) = (
            crate::api::list_elements(false),
            crate::api::list_elements(true),
        );
        let mut own = own.await?;
        own.extend(presets.await?);
        Ok::<_, crate::api::ApiError>(own)
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">{t("Loading…")}</p> }>
            <ErrorBoundary fallback=crate::components::load_error::load_error>
                {move || library.get().map(|r| r.map(|list| if list.is_empty() {
                    view! { <p class="muted">{t("No elements yet.")}" " <a href=crate::deployment::page("/elements")>{t("Create one")}</a></p> }.into_any()
                } else {
                    view! {
                        <ul class="picker-list">
                            {list.into_iter().map(|e| {
                                let label = tf("Add {}", &[&e.element_name]);
                                let (thumb, name) = (safe_link(&e.element_frontal_image).map(str::to_owned), e.element_name.clone());
                                view! {
                                    <li>
                                        <button type="button" class="chip" aria-label=label data-testid="picker-item" on:click=move |_| on_pick.run(e.clone())>
                                            {thumb.map(|t| view! { <img class="chip-thumb" src=t alt=""/> })}<span translate="no">{name}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }))}
            </ErrorBoundary>
        </Suspense>
    }
}
