//! The sign-in gate: when the BFF requires an access token, nothing else renders until
//! the browser has a session. The token goes to the BFF once and is not kept: the
//! session lives in an HttpOnly cookie the app cannot read.

use crate::api;
use crate::i18n::t;
use leptos::prelude::*;

/// Renders `children` once signed in (or when no sign-in is required). When the BFF
/// that served the page said no sign-in is needed, nothing is asked: the studio renders
/// at once.
#[component]
pub fn SignInGate(children: ChildrenFn) -> impl IntoView {
    if crate::deployment::get().access_required == Some(false) {
        return children().into_any();
    }
    crate::deferred::view(gate(children)).into_any()
}

crate::deferred::deferred! {
    /// The gate itself ([`Gate`]), in a module of its own in the release build: a BFF
    /// that needs no sign-in says so in the page it serves, and its visitors never
    /// run this.
    fn gate(children: ChildrenFn) -> AnyView {
        view! { <Gate children=children/> }.into_any()
    }
}

/// Checks the session, asks for the token when the BFF requires one, then renders
/// `children`.
#[component]
fn Gate(children: ChildrenFn) -> impl IntoView {
    let checked = LocalResource::new(api::get_session);
    let sign_in = Action::new_local(|token: &String| {
        let token = token.trim().to_owned();
        async move { api::sign_in(&token).await }
    });
    // The session in force: a successful sign-in's, else the check's.
    let session = move || match sign_in.value().get() {
        Some(Ok(s)) => Some(s),
        _ => checked.get().and_then(Result::ok),
    };
    let open = move || session().is_some_and(|s| !s.required || s.signed_in);
    let needs_sign_in = move || session().is_some_and(|s| s.required && !s.signed_in);
    let failed = move || match checked.get() {
        Some(Err(e)) => Some(e.message()),
        _ => None,
    };
    view! {
        <Show when=open fallback=move || view! {
            <main id="main" class="shell-main">
                <Show when=needs_sign_in fallback=move || view! {
                    <p role="status" data-testid="session-check">
                        {move || failed().unwrap_or_else(|| t("Connecting…").into())}
                    </p>
                }>
                    <SignInForm sign_in=sign_in/>
                </Show>
            </main>
        }>
            {children()}
        </Show>
    }
    .into_any()
}

#[component]
fn SignInForm(sign_in: Action<String, Result<api::Session, api::ApiError>>) -> impl IntoView {
    let token = RwSignal::new(String::new());
    // A missing token is said at once; the BFF's refusal comes from the action.
    let empty = RwSignal::new(false);
    let error = move || {
        if empty.get() {
            return Some(t("Enter the access token your operator gave you.").into());
        }
        match sign_in.value().get() {
            Some(Err(e)) if !sign_in.pending().get() => Some(e.message()),
            _ => None,
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = token.get_untracked();
        empty.set(value.trim().is_empty());
        if !empty.get_untracked() {
            sign_in.dispatch_local(value);
            token.set(String::new());
        }
    };
    view! {
        <section class="sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{t("Sign in to Omni Studio")}</h1>
            <form on:submit=submit data-testid="sign-in-form">
                <label for="access-token">{t("Access token")}</label>
                <input id="access-token" type="password" autocomplete="current-password"
                    data-testid="access-token"
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby="access-token-error"
                    prop:value=move || token.get()
                    on:input=move |ev| { token.set(event_target_value(&ev)); empty.set(false); sign_in.clear(); }/>
                <p id="access-token-error" class="field-error" role="alert" data-testid="sign-in-error">
                    {error}
                </p>
                <button type="submit" disabled=move || sign_in.pending().get() data-testid="sign-in">{t("Sign in")}</button>
            </form>
        </section>
    }
}
