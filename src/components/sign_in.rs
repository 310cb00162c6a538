//! The sign-in gate: when the BFF requires an access token, nothing else renders until
//! the browser has a session. The token goes to the BFF once and is not kept: the
//! session lives in an HttpOnly cookie the app cannot read.

use crate::api;
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Renders `children` once signed in (or when no sign-in is required).
#[component]
pub fn SignInGate(children: ChildrenFn) -> impl IntoView {
    let session = RwSignal::new(None::<Result<api::Session, api::ApiError>>);
    spawn_local(async move {
        session.set(Some(api::get_session().await));
    });
    let open = move || matches!(session.get(), Some(Ok(s)) if !s.required || s.signed_in);
    let needs_sign_in = move || matches!(session.get(), Some(Ok(s)) if s.required && !s.signed_in);
    let failed = move || match session.get() {
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
                    <SignInForm on_done=move |s| session.set(Some(Ok(s)))/>
                </Show>
            </main>
        }>
            {children()}
        </Show>
    }
}

#[component]
fn SignInForm(on_done: impl Fn(api::Session) + Copy + Send + Sync + 'static) -> impl IntoView {
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = token.get_untracked();
        if value.trim().is_empty() {
            error.set(Some(
                t("Enter the access token your operator gave you.").into(),
            ));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::sign_in(value.trim()).await {
                Ok(s) => {
                    token.set(String::new());
                    on_done(s);
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{t("Sign in to Omni Studio")}</h1>
            <form on:submit=submit data-testid="sign-in-form">
                <label for="access-token">{t("Access token")}</label>
                <input id="access-token" type="password" autocomplete="current-password"
                    data-testid="access-token"
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="access-token-error"
                    prop:value=move || token.get()
                    on:input=move |ev| { token.set(event_target_value(&ev)); error.set(None); }/>
                <p id="access-token-error" class="field-error" role="alert" data-testid="sign-in-error">
                    {move || error.get()}
                </p>
                <button type="submit" disabled=move || busy.get() data-testid="sign-in">{t("Sign in")}</button>
            </form>
        </section>
    }
}
