//! The studio's one way of showing a failed read: the fallback of every `ErrorBoundary`
//! around a resource, announced to screen readers.

use leptos::prelude::*;

/// The fallback for `<ErrorBoundary fallback=load_error>`: each error in words.
pub fn load_error(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <p class="submit-error" role="alert" data-testid="load-error">
            {move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")}
        </p>
    }
}
