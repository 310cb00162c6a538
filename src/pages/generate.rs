//! `/generate`: Image Generation. Text to image, or image to image with one reference;
//! the negative prompt is off (with the reason) when an image is set, and the reference
//! type is offered only for kling-v1-5, where it is required.

use crate::components::api_snippets::ApiSnippets;
use crate::components::delivery_fields::{Delivery, DeliveryFields};
use crate::components::estimate::EstimateLine;
use crate::components::field::{choice_field, DroppedNotes, Field};
use crate::components::field_errors::FieldErrors;
use crate::components::form_bits::{
    choice_select, model_select, whole_number, OtherFields, SubmitBar,
};
use crate::components::prompt_editor::PromptEditor;
use crate::components::reference_manager::{element_chips, ElementRef, ImageRef, ReferenceManager};
use crate::components::request_summary::image_src;
use crate::components::templates::Templates;
use crate::hooks::use_generation_form::{start_request, use_generation_form};
use crate::i18n::{t, tf};
use crate::studio_config::{spec_of, start_model, use_config};
use leptos::prelude::*;
use omni_api::image_generation::{ImageGenerationRequest, ImageReference};
use omni_api::prompt::RefKind;
use omni_api::{AspectRatio, Choice, FieldError, Resolution};

const TEMPLATES: &[&str] = &[
    crate::en!("A beautiful sunset over the ocean, vibrant colors, high detail"),
    crate::en!("Abstract colorful artwork, modern style"),
];

/// The Image Generation page.
#[component]
pub fn GeneratePage() -> impl IntoView {
    let start: ImageGenerationRequest = start_request();
    let other = StoredValue::new(start.other.clone());
    let delivery = Delivery::new(
        start.watermark_info,
        start.external_task_id.as_deref(),
        start.callback_url.as_deref(),
    );
    let config = use_config();
    let model = start_model(start.model_name.as_ref(), |c| &c.image_generation);
    let prompt = RwSignal::new(start.prompt.clone());
    let negative = RwSignal::new(start.negative_prompt.clone().unwrap_or_default());
    let images = RwSignal::new(
        start
            .image
            .iter()
            .map(|i| ImageRef {
                thumb: image_src(i),
                ..ImageRef::from_url(i)
            })
            .collect::<Vec<_>>(),
    );
    let elements = RwSignal::new(ElementRef::list_of(&start.element_list));
    let reference = RwSignal::new(start.image_reference.unwrap_or(ImageReference::Subject));
    let image_fidelity = RwSignal::new(start.image_fidelity.unwrap_or(0.5));
    let human_fidelity = RwSignal::new(start.human_fidelity.unwrap_or(0.45));
    let resolution = RwSignal::new(start.resolution());
    let n = RwSignal::new(start.image_count().to_string());
    let aspect_ratio = RwSignal::new(start.aspect_ratio());

    let has_image = move || !images.read().is_empty();
    // What the chosen model offers, from the catalog in force.
    let spec = Memo::new(move |_| spec_of(&config.read().catalog.image_generation, &model.get()));
    let v1_5 = move || spec.read().image_reference;
    let takes_elements = move || spec.read().references.elements;
    let resolutions = Signal::derive(move || spec.read().resolutions.clone());
    let ratios = Signal::derive(move || spec.read().aspect_ratios.clone());
    let built = Memo::new(move |_| {
        let mut typed = Vec::new();
        let count = whole_number("n", &n.get(), &mut typed);
        let image = images.get().first().map(|r| r.value.clone());
        let req = ImageGenerationRequest {
            model_name: Some(model.get()),
            prompt: prompt.get(),
            negative_prompt: Some(negative.get())
                .filter(|s| !s.trim().is_empty() && image.is_none()),
            image_reference: (v1_5() && image.is_some()).then(|| reference.get()),
            image_fidelity: image.is_some().then(|| image_fidelity.get()),
            human_fidelity: (image.is_some() && reference.get() == ImageReference::Face && v1_5())
                .then(|| human_fidelity.get()),
            image,
            resolution: Some(resolution.get()),
            n: count,
            aspect_ratio: Some(aspect_ratio.get()),
            // Elements are kept in the form when another model is chosen, and sent (to
            // be refused with the reason) only if the user keeps them.
            element_list: ElementRef::items(elements.get()),
            watermark_info: delivery.watermark_info(),
            callback_url: delivery.callback_url(),
            external_task_id: delivery.external_task_id(),
            other: other.get_value(),
        };
        (req, typed)
    });
    // Pixel sizes the browser measured for a URL image, under the same rules.
    let measured = Signal::derive(move || {
        let images = images.read();
        let each = images.iter().flat_map(|r| {
            r.problems.iter().map(|e| FieldError {
                field: "image".into(),
                ..e.clone()
            })
        });
        each.collect::<Vec<_>>()
    });
    let engine = use_generation_form(built, measured, !start.prompt.is_empty());
    let ui = engine.ui;
    let errors_on = move |field: &'static str| ui.errors_on(field);
    let visible = ui.visible;
    let edited = ui.edited;
    let on_submit = engine.on_submit;
    let chips = Signal::derive(move || element_chips(&elements.read()));

    view! {
        <section class="card">
            <h1>{t("Image Generation")}</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="model">{t("Model")}</label>
                    {move || model_select(model, &config.read().catalog.image_generation)}
                    <FieldErrors id="model-errors" errors=errors_on("model_name")/>
                    <DroppedNotes/>
                </div>
                <Templates prompt=prompt builtin=TEMPLATES/>
                {move || {
                    // With elements the prompt points at them as <<<element_N>>>.
                    let allowed: &'static [RefKind] = if takes_elements() { &[RefKind::Element] } else { &[] };
                    view! { <PromptEditor prompt=prompt refs=chips allowed=allowed errors=errors_on("prompt") on_edit=edited/> }
                }}
                <div class="field">
                    <label for="negative_prompt">{t("Negative prompt")}</label>
                    <textarea id="negative_prompt" data-testid="negative_prompt" rows="2"
                        disabled=has_image
                        aria-describedby="negative-why negative-errors"
                        prop:value=move || negative.get()
                        on:input=move |ev| { negative.set(event_target_value(&ev)); edited.run(()); }
                    ></textarea>
                    <Show when=has_image>
                        <p class="unavailable" id="negative-why" data-testid="negative-why">{t("Not available with a reference image: image-to-image takes no negative prompt.")}</p>
                    </Show>
                    <FieldErrors id="negative-errors" errors=errors_on("negative_prompt")/>
                </div>
                <Show when=move || takes_elements() || !elements.read().is_empty() fallback=move || view! {
                    <ReferenceManager prompt=prompt images=images max_images=1 errors=Signal::derive(move || visible.get()) single_field="image" legend=t("Reference image (optional)")/>
                }>
                    <ReferenceManager prompt=prompt images=images elements=elements max_images=1 errors=Signal::derive(move || visible.get()) single_field="image" legend=t("Reference image and elements (optional)")/>
                </Show>
                <FieldErrors id="image-errors" errors=errors_on("image")/>
                <FieldErrors id="element-list-errors" errors=ui.errors_at("element_list")/>
                <div class="field">
                    <label for="image_reference">{t("Reference type")}</label>
                    <Show when=move || v1_5() && has_image() fallback=|| view! {
                        <p class="unavailable" data-testid="reference-why">{t("Only kling-v1-5 with a reference image keeps a subject or a face.")}</p>
                    }>
                        {choice_select("image_reference", reference, ImageReference::ALL.to_vec())}
                    </Show>
                    <FieldErrors id="reference-errors" errors=errors_on("image_reference")/>
                </div>
                <Show when=has_image>
                    <div class="grid-2">
                        <div class="field">
                            <label for="image_fidelity">{move || tf("Image fidelity: {}", &[&format!("{:.2}", image_fidelity.get())])}</label>
                            <input id="image_fidelity" type="range" min="0" max="1" step="0.05" prop:value=move || image_fidelity.get().to_string()
                                on:input=move |ev| image_fidelity.set(event_target_value(&ev).parse().unwrap_or(0.5))/>
                        </div>
                        <Show when=move || v1_5() && reference.get() == ImageReference::Face>
                            <div class="field">
                                <label for="human_fidelity">{move || tf("Face fidelity: {}", &[&format!("{:.2}", human_fidelity.get())])}</label>
                                <input id="human_fidelity" type="range" min="0" max="1" step="0.05" prop:value=move || human_fidelity.get().to_string()
                                    on:input=move |ev| human_fidelity.set(event_target_value(&ev).parse().unwrap_or(0.45))/>
                            </div>
                        </Show>
                    </div>
                </Show>
                <div class="grid-2">
                    <Field id="resolution" label=t("Resolution") errors=errors_on("resolution")>
                        {choice_field::<Resolution>("resolution", t("Resolution"), resolution, resolutions)}
                    </Field>
                    <Field id="aspect_ratio" label=t("Aspect ratio") errors=errors_on("aspect_ratio")>
                        {choice_field::<AspectRatio>("aspect_ratio", t("Aspect ratio"), aspect_ratio, ratios)}
                    </Field>
                    <div class="field">
                        <label for="n">{t("Number of images (1–9)")}</label>
                        <input id="n" data-testid="n" type="number" min="1" max="9" prop:value=move || n.get() on:input=move |ev| n.set(event_target_value(&ev))/>
                        <FieldErrors id="n-errors" errors=errors_on("n")/>
                    </div>
                </div>
                <DeliveryFields delivery=delivery external_errors=errors_on("external_task_id") callback_errors=errors_on("callback_url")/>
                <OtherFields other=other.get_value()/>
                <EstimateLine estimate=engine.estimate/>
                <SubmitBar violations=ui.violations() show=ui.show_errors submitting=ui.submitting() error=ui.submit_error()/>
                <ApiSnippets request=engine.upstream/>
            </form>
        </section>
    }
}
