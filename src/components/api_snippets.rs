//! "Use from code": the request as `curl`, JavaScript or Python against this BFF's
//! `/kling` route for its kind, with a copy button. Built and written only while open,
//! so a keystroke in the form costs nothing for it, and its code is fetched on the
//! first opening (`deferred`).

use crate::deployment;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::snippets::{snippets, Snippets};
use omni_api::TaskKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Curl,
    JavaScript,
    Python,
}

impl Language {
    const ALL: [Language; 3] = [Language::Curl, Language::JavaScript, Language::Python];

    fn name(self) -> &'static str {
        match self {
            Language::Curl => "curl",
            Language::JavaScript => "JavaScript (fetch)",
            Language::Python => "Python (requests)",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Language::Curl => "curl",
            Language::JavaScript => "javascript",
            Language::Python => "python",
        }
    }

    fn pick(self, s: &Snippets) -> &str {
        match self {
            Language::Curl => &s.curl,
            Language::JavaScript => &s.javascript,
            Language::Python => &s.python,
        }
    }
}

/// The panel for `request` (the kind and the JSON body a create sends; `None` while
/// there is none).
#[component]
pub fn ApiSnippets(
    #[prop(into)] request: Signal<Option<(TaskKind, serde_json::Value)>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // Kept while closed: the language picked stays picked.
    let language = RwSignal::new(Language::Curl);
    view! {
        <details class="api-snippets" data-testid="api-snippets"
            on:toggle=move |ev| {
                let el: web_sys::HtmlDetailsElement = event_target(&ev);
                open.set(el.open());
            }>
            <summary>{t("Use from code")}</summary>
            // Built while open, from code fetched on the first opening: most visits
            // never open this, and the browser compiles what a page builds before the
            // form can be used.
            <Show when=move || open.get()>
                {move || crate::deferred::view(written(request, language))}
            </Show>
        </details>
    }
}

crate::deferred::deferred! {
    /// The open panel ([`Written`]), in a module of its own in the release build.
    fn written(
        request: Signal<Option<(TaskKind, serde_json::Value)>>,
        language: RwSignal<Language>,
    ) -> AnyView {
        view! { <Written request=request language=language/> }.into_any()
    }
}

/// The snippets themselves, written from `request` as it changes.
#[component]
fn Written(
    request: Signal<Option<(TaskKind, serde_json::Value)>>,
    language: RwSignal<Language>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let token = deployment::get().access_required != Some(false);
    let written = Memo::new(move |_| {
        let (kind, body) = request.get()?;
        // The BFF's address as this browser reaches it, with its path prefix.
        let kling = deployment::absolute("/kling/");
        let base = kling.strip_suffix("kling/").unwrap_or(&kling).to_owned();
        Some(snippets(&base, kind, &body, token))
    });
    let text = move || {
        written.with(|s| {
            s.as_ref()
                .map(|s| language.get().pick(s).to_owned())
                .unwrap_or_default()
        })
    };
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text());
        }
        copied.set(true);
    };
    let elided = move || written.with(|s| s.as_ref().map_or(0, |s| s.elided));

    view! {
        <p class="muted">{t("The same request as a call to this studio's API, to paste into a script.")}</p>
        <fieldset class="snippet-languages">
            <legend>{t("Language")}</legend>
            {Language::ALL.into_iter().map(|l| view! {
                <label>
                    <input type="radio" name="snippet-language" data-testid=format!("snippet-{}", l.id())
                        prop:checked=move || language.get() == l
                        on:change=move |_| { language.set(l); copied.set(false); }/>
                    " "<span translate="no">{l.name()}</span>
                </label>
            }).collect_view()}
        </fieldset>
        <pre class="snippet" data-testid="snippet" tabindex="0" aria-label=t("Code") translate="no"><code>{text}</code></pre>
        <div class="row">
            <button type="button" data-testid="copy-snippet" on:click=copy>{t("Copy")}</button>
            <span role="status" aria-live="polite">{move || copied.get().then(|| t("Copied"))}</span>
        </div>
        {token.then(|| view! { <p class="muted">{t("Put your access token in the OMNI_TOKEN environment variable.")}</p> })}
        <Show when=move || elided() != 0>
            <p class="muted" data-testid="snippet-elided">{move || tf("{} images given as base64 are left out to keep this short: put each image's base64 where the code says.", &[&elided()])}</p>
        </Show>
    }
}
