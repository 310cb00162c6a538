//! `/image`: the Omni Image form. Every keystroke is validated with omni-api, the same
//! code the BFF runs; errors appear under their inputs and submit says why it is disabled.

use crate::api;
use crate::components::field_errors::{errors_under, FieldErrors};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use omni_api::omni_image::{ImageItem, OmniImageRequest};
use omni_api::prompt::{char_count, MAX_PROMPT_CHARS};
use omni_api::FieldError;

/// The request the form's inputs describe.
fn build_request(prompt: &str, image_url: &str) -> OmniImageRequest {
    let image_list = match image_url.trim() {
        "" => Vec::new(),
        url => vec![ImageItem {
            image: url.to_owned(),
        }],
    };
    OmniImageRequest {
        prompt: prompt.to_owned(),
        image_list,
        ..OmniImageRequest::default()
    }
}

/// The Omni Image page.
#[component]
pub fn ImagePage() -> impl IntoView {
    // "Edit and run again" and "use as reference" leave a draft for the form.
    let draft = crate::draft::take_image_request();
    let reference = crate::draft::take_reference();
    let prompt = RwSignal::new(draft.as_ref().map(|d| d.prompt.clone()).unwrap_or_default());
    let image_url = RwSignal::new(
        reference
            .or_else(|| {
                draft
                    .as_ref()
                    .and_then(|d| d.image_list.first().map(|i| i.image.clone()))
            })
            .unwrap_or_default(),
    );
    // Errors show once the user has typed or tried to submit, not on an empty new form.
    let show_errors = RwSignal::new(false);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let submit_error = RwSignal::new(None::<String>);
    let submitting = RwSignal::new(false);

    let request = Memo::new(move |_| build_request(&prompt.read(), &image_url.read()));
    let violations = Memo::new(move |_| request.read().validate().0);
    let visible = Memo::new(move |_| {
        let mut all = if show_errors.get() {
            violations.get()
        } else {
            Vec::new()
        };
        all.extend(server_errors.get());
        all
    });
    let errors_on =
        move |field: &'static str| Signal::derive(move || errors_under(&visible.read(), field));
    let chars = Memo::new(move |_| char_count(&prompt.read()));
    let over_limit = move || chars.get() > MAX_PROMPT_CHARS;
    let navigate = use_navigate();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        show_errors.set(true);
        if !violations.read().is_empty() || submitting.get() {
            return;
        }
        let req = request.get();
        let navigate = navigate.clone();
        submitting.set(true);
        submit_error.set(None);
        spawn_local(async move {
            match api::create(omni_api::TaskKind::OmniImage, &req).await {
                Ok(task) => navigate(&format!("/tasks/{}", task.task_id), Default::default()),
                Err(e) => {
                    server_errors.set(e.field_errors());
                    submit_error.set(Some(e.message()));
                }
            }
            submitting.set(false);
        });
    };
    let edited = move || {
        show_errors.set(true);
        server_errors.set(Vec::new());
    };

    view! {
        <section class="card">
            <h1>"Omni Image"</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="prompt">"Prompt"</label>
                    <textarea
                        id="prompt"
                        data-testid="prompt"
                        rows="5"
                        aria-describedby="prompt-count prompt-errors"
                        aria-invalid=move || (!errors_on("prompt").read().is_empty()).to_string()
                        placeholder="<<<image_1>>> as a watercolour city at dusk"
                        prop:value=move || prompt.get()
                        on:input=move |ev| {
                            prompt.set(event_target_value(&ev));
                            edited();
                        }
                    ></textarea>
                    <p
                        id="prompt-count"
                        class="counter"
                        class:over=over_limit
                    >
                        {move || format!("{} / {MAX_PROMPT_CHARS}", chars.get())}
                    </p>
                    <FieldErrors id="prompt-errors" errors=errors_on("prompt")/>
                </div>
                <div class="field">
                    <label for="image-url">"Reference image URL (image_1)"</label>
                    <input
                        id="image-url"
                        data-testid="add-image-url"
                        type="url"
                        inputmode="url"
                        aria-describedby="image-errors"
                        placeholder="https://example.com/reference.png"
                        prop:value=move || image_url.get()
                        on:input=move |ev| {
                            image_url.set(event_target_value(&ev));
                            edited();
                        }
                    />
                    <FieldErrors id="image-errors" errors=errors_on("image_list")/>
                </div>
                <div class="actions">
                    <button
                        type="submit"
                        data-testid="submit"
                        disabled=move || submitting.get() || (show_errors.get() && !violations.read().is_empty())
                    >
                        {move || if submitting.get() { "Submitting…" } else { "Generate" }}
                    </button>
                    <Show when=move || show_errors.get() && !violations.read().is_empty()>
                        <div class="blocked" role="note">
                            <p>"Cannot submit yet:"</p>
                            <ul>
                                <For each=move || violations.get() key=|e| (e.field.clone(), e.message.clone()) let:e>
                                    <li>{e.to_string()}</li>
                                </For>
                            </ul>
                        </div>
                    </Show>
                    <Show when=move || submit_error.read().is_some()>
                        <p class="submit-error" role="alert">{move || submit_error.get()}</p>
                    </Show>
                </div>
            </form>
        </section>
    }
}
