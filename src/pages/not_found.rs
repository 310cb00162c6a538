//! The page for an address the app does not know.

use crate::i18n::t;
use leptos::prelude::*;

/// Says the page does not exist and leads back to the forms.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>{t("Page not found")}</h1>
            <p>{t("There is nothing at this address.")}" "<a href=crate::deployment::page("/image")>{t("Create an image")}</a></p>
        </section>
    }
}
