//! `/quick`: the all-in-one form. Image-to-image becomes an Omni Image task; ai-multi-shot
//! turns the first image into further, consistent views of its subject.

use crate::components::api_snippets::ApiSnippets;
use crate::components::estimate::EstimateLine;
use crate::components::field::{choice_field, DroppedNotes};
use crate::components::field_errors::FieldErrors;
use crate::components::form_bits::{choice_select, model_select, whole_number, SubmitBar};
use crate::components::prompt_editor::PromptEditor;
use crate::components::reference_manager::{image_chips, ImageRef, ReferenceManager};
use crate::components::request_summary::image_src;
use crate::components::templates::Templates;
use crate::hooks::use_generation_form::{start_request, use_generation_form};
use crate::i18n::t;
use crate::studio_config::{spec_of, start_model, use_config};
use leptos::prelude::*;
use omni_api::all_in_one::{self, AioRequest, AioType};
use omni_api::prompt::RefKind;
use omni_api::{AspectRatio, Choice, Resolution};

const TEMPLATES: &[&str] = &[
    crate::en!("<<<image_1>>> at night with neon signs"),
    crate::en!("A cyberpunk cityscape at night, inspired by <<<image_1>>>"),
];

/// The all-in-one page.
#[component]
pub fn QuickPage() -> impl IntoView {
    let start: AioRequest = start_request();
    let config = use_config();
    let model = start_model(start.model.as_ref(), |c| &c.all_in_one);
    let spec = Memo::new(move |_| spec_of(&config.read().catalog.all_in_one, &model.get()));
    let kind = RwSignal::new(start.kind());
    let prompt = RwSignal::new(start.prompt.clone());
    let images = RwSignal::new(
        start
            .images
            .iter()
            .map(|i| ImageRef {
                thumb: image_src(i),
                ..ImageRef::from_url(i)
            })
            .collect::<Vec<_>>(),
    );
    let aspect_ratio = RwSignal::new(
        start
            .aspect_ratio
            .unwrap_or(all_in_one::DEFAULT_ASPECT_RATIO),
    );
    let resolution = RwSignal::new(start.resolution.unwrap_or(all_in_one::DEFAULT_RESOLUTION));
    let num = RwSignal::new(
        start
            .num_images
            .unwrap_or(all_in_one::DEFAULT_NUM_IMAGES)
            .to_string(),
    );

    let built = Memo::new(move |_| {
        let mut typed = Vec::new();
        let num_images = whole_number("num_images", &num.get(), &mut typed);
        let req = AioRequest {
            model: Some(model.get()),
            prompt: prompt.get(),
            kind: Some(kind.get()),
            images: images.get().into_iter().map(|r| r.value).collect(),
            aspect_ratio: Some(aspect_ratio.get()),
            resolution: Some(resolution.get()),
            num_images,
        };
        (req, typed)
    });
    let engine = use_generation_form(built, Signal::stored(Vec::new()), !start.prompt.is_empty());
    let ui = engine.ui;
    let errors_on = move |field: &'static str| ui.errors_on(field);
    let visible = ui.visible;
    let ratios = Signal::derive(move || spec.read().aspect_ratios.clone());
    let resolutions = Signal::derive(move || spec.read().resolutions.clone());
    let multi_shot = move || kind.get() == AioType::AiMultiShot;
    let chips = Signal::derive(move || {
        if multi_shot() {
            Vec::new()
        } else {
            image_chips(&images.read())
        }
    });
    let edited = ui.edited;
    let on_submit = engine.on_submit;

    view! {
        <section class="card">
            <h1>{t("Quick create")}</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="grid-2">
                    <div class="field">
                        <label for="model">{t("Model")}</label>
                        {move || model_select(model, &config.read().catalog.all_in_one)}
                        <FieldErrors id="model-errors" errors=errors_on("model")/>
                        <DroppedNotes/>
                    </div>
                    <div class="field">
                        <label for="type">{t("Type")}</label>
                        {choice_select("type", kind, AioType::ALL.to_vec())}
                    </div>
                </div>
                <Show when=multi_shot>
                    <p class="scenario" data-testid="multi-shot-note">{t("ai-multi-shot makes three consistent views of the subject in the first image; placeholders are not used.")}</p>
                </Show>
                <Templates prompt=prompt builtin=TEMPLATES/>
                {move || {
                    let allowed: &'static [RefKind] = if multi_shot() { &[] } else { &[RefKind::Image] };
                    view! { <PromptEditor prompt=prompt refs=chips allowed=allowed errors=errors_on("prompt") on_edit=edited/> }
                }}
                {move || {
                    let max_images = spec.read().references.max;
                    view! { <ReferenceManager prompt=prompt images=images max_images=max_images errors=Signal::derive(move || visible.get()) list_field="images" item_key=None/> }
                }}
                <FieldErrors id="images-errors" errors=ui.errors_at("images")/>
                <div class="grid-2">
                    <div class="field">
                        <label for="aspect_ratio">{t("Aspect ratio")}</label>
                        {choice_field::<AspectRatio>("aspect_ratio", t("Aspect ratio"), aspect_ratio, ratios)}
                    </div>
                    <div class="field">
                        <label for="resolution">{t("Resolution")}</label>
                        {choice_field::<Resolution>("resolution", t("Resolution"), resolution, resolutions)}
                    </div>
                    <div class="field">
                        <label for="num_images">{t("Number of images (1–9)")}</label>
                        <input id="num_images" data-testid="num_images" type="number" min="1" max="9" prop:value=move || num.get() on:input=move |ev| num.set(event_target_value(&ev))/>
                        <FieldErrors id="num-errors" errors=errors_on("num_images")/>
                    </div>
                </div>
                <EstimateLine estimate=engine.estimate/>
                <SubmitBar violations=ui.violations() show=ui.show_errors submitting=ui.submitting() error=ui.submit_error()/>
                <ApiSnippets request=engine.upstream/>
            </form>
        </section>
    }
}
