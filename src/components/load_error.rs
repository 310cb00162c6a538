//! The studio's one way of showing a failed read: the fallback of every `ErrorBoundary`
//! around a resource, announced to screen readers.

use leptos::prelude::*;

/// The fallback for `<ErrorBoundary fallback=load_error>`: each error in words.
pub fn load_error(errors: ArcRwSignal<Errors>) -> impl IntoView {
    error_line(move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| e.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A failed read or load, said where it happened.
pub fn error_line(text: impl IntoView + 'static) -> impl IntoView {
    view! { <p class="submit-error" role="alert" data-testid="load-error">{text}</p> }
}
