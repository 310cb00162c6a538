//! The page for an address the app does not know.

use leptos::prelude::*;

/// Says the page does not exist and leads back to the forms.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. "<a href=crate::runtime::page("/image")>"Create an image"</a></p>
        </section>
    }
}
