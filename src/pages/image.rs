//! `/image`: the Omni Image form. Every change is validated with omni-api, the same code
//! the BFF runs; each error shows under its input, and submit lists what blocks it.
//! The form survives a reload (local storage) and a failed submit keeps everything.

use crate::components::api_snippets::ApiSnippets;
use crate::components::delivery_fields::{Delivery, DeliveryFields};
use crate::components::estimate::EstimateLine;
use crate::components::field::{choice_field, Dropped, DroppedNotes, Field};
use crate::components::field_errors::FieldErrors;
use crate::components::form_bits::{model_select, whole_number, OtherFields, SubmitBar};
use crate::components::prompt_editor::PromptEditor;
use crate::components::reference_manager::{
    element_chips, image_chips, ElementRef, ImageRef, ReferenceManager,
};
use crate::components::request_summary::image_src;
use crate::components::templates::Templates;
use crate::draft;
use crate::hooks::use_generation_form::{start_request, use_generation_form};
use crate::i18n::t;
use crate::studio_config::{spec_of, start_model, use_config};
use leptos::prelude::*;
use omni_api::omni_image::{self, ImageItem, OmniImageRequest, ResultType, SeriesAmount};
use omni_api::{AspectRatio, FieldError, ModelName, Resolution};

const TEMPLATES: &[&str] = &[
    crate::en!("<<<image_1>>> in the style of <<<image_2>>>"),
    crate::en!("<<<image_1>>> as a watercolour painting at dusk"),
    crate::en!("A product photo of <<<element_1>>> on a marble table, soft light"),
    crate::en!("<<<element_1>>> walking through the scene of <<<image_1>>>"),
];

/// Everything the form's inputs hold.
#[derive(Clone, Copy)]
struct Form {
    model: RwSignal<ModelName>,
    prompt: RwSignal<String>,
    images: RwSignal<Vec<ImageRef>>,
    elements: RwSignal<Vec<ElementRef>>,
    resolution: RwSignal<Resolution>,
    result_type: RwSignal<ResultType>,
    n: RwSignal<String>,
    series_amount: RwSignal<String>,
    aspect_ratio: RwSignal<AspectRatio>,
    delivery: Delivery,
    /// Fields this studio does not model, from a draft: sent as they were.
    other: StoredValue<serde_json::Map<String, serde_json::Value>>,
}

impl Form {
    fn new(req: OmniImageRequest) -> Form {
        let images = req
            .image_list
            .iter()
            .map(|i| ImageRef {
                thumb: image_src(&i.image),
                ..ImageRef::from_url(&i.image)
            })
            .collect();
        Form {
            model: start_model(req.model_name.as_ref(), |c| &c.omni_image),
            prompt: RwSignal::new(req.prompt.clone()),
            images: RwSignal::new(images),
            elements: RwSignal::new(ElementRef::list_of(&req.element_list)),
            resolution: RwSignal::new(req.resolution()),
            result_type: RwSignal::new(req.result_type.unwrap_or(ResultType::Single)),
            n: RwSignal::new(req.n.unwrap_or(omni_image::DEFAULT_N).to_string()),
            series_amount: RwSignal::new(match req.series_amount {
                Some(SeriesAmount::Count(k)) => k.to_string(),
                Some(SeriesAmount::Auto(_)) => "auto".into(),
                None => "4".into(),
            }),
            aspect_ratio: RwSignal::new(req.aspect_ratio()),
            delivery: Delivery::new(
                req.watermark_info,
                req.external_task_id.as_deref(),
                req.callback_url.as_deref(),
            ),
            other: StoredValue::new(req.other.clone()),
        }
    }

    /// The request, and the errors of inputs that are not even numbers.
    fn request(&self) -> (OmniImageRequest, Vec<FieldError>) {
        let mut typed = Vec::new();
        let mut number = |field: &str, text: String| whole_number(field, &text, &mut typed);
        let series = self.result_type.get() == ResultType::Series;
        let req = OmniImageRequest {
            model_name: Some(self.model.get()),
            prompt: self.prompt.get(),
            image_list: self
                .images
                .get()
                .into_iter()
                .map(|r| ImageItem { image: r.value })
                .collect(),
            element_list: ElementRef::items(self.elements.get()),
            resolution: Some(self.resolution.get()),
            n: if series {
                None
            } else {
                number("n", self.n.get())
            },
            result_type: Some(self.result_type.get()),
            series_amount: if !series {
                None
            } else if self.series_amount.get() == "auto" {
                Some(SeriesAmount::Auto(omni_image::AutoTag::Auto))
            } else {
                number("series_amount", self.series_amount.get()).map(SeriesAmount::Count)
            },
            aspect_ratio: Some(self.aspect_ratio.get()),
            watermark_info: self.delivery.watermark_info(),
            callback_url: self.delivery.callback_url(),
            external_task_id: self.delivery.external_task_id(),
            other: self.other.get_value(),
        };
        (req, typed)
    }
}

/// The request the form starts from, with a reference handed over by another page.
fn initial() -> OmniImageRequest {
    let mut req: OmniImageRequest = start_request();
    if let Some(url) = draft::take_reference() {
        req.image_list.push(ImageItem { image: url });
    }
    req
}

/// The Omni Image page.
#[component]
pub fn ImagePage() -> impl IntoView {
    let form = Form::new(initial());

    let config = use_config();
    let built = Memo::new(move |_| form.request());
    // Pixel sizes the browser measured for URL images, under the same rules.
    let measured = Signal::derive(move || {
        let images = form.images.read();
        let each = images.iter().enumerate().flat_map(|(i, r)| {
            r.problems.iter().map(move |e| FieldError {
                field: format!("image_list[{i}].image"),
                ..e.clone()
            })
        });
        each.collect::<Vec<_>>()
    });
    let engine = use_generation_form(built, measured, !form.prompt.get_untracked().is_empty());
    let ui = engine.ui;
    let errors_on = move |field: &'static str| ui.errors_on(field);
    let visible = ui.visible;

    let chips = Signal::derive(move || {
        let mut chips = image_chips(&form.images.read());
        chips.extend(element_chips(&form.elements.read()));
        chips
    });
    let edited = ui.edited;
    let on_submit = engine.on_submit;
    let series = move || form.result_type.get() == ResultType::Series;
    // What the chosen model offers, from the catalog in force.
    let spec = Memo::new(move |_| spec_of(&config.read().catalog.omni_image, &form.model.get()));
    let resolutions = Signal::derive(move || spec.read().resolutions.clone());
    let ratios = Signal::derive(move || spec.read().aspect_ratios.clone());
    // A series is only for models that make them: another model falls back to single images.
    Effect::new(move |_| {
        if spec.read().series.is_none() && form.result_type.get_untracked() == ResultType::Series {
            form.result_type.set(ResultType::Single);
            Dropped::use_context().note(
                t("A series is not offered by this model, so it makes single images.").into(),
            );
        }
    });

    view! {
        <section class="card">
            <h1>{t("Omni Image")}</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="model">{t("Model")}</label>
                    {move || model_select(form.model, &config.read().catalog.omni_image)}
                    <FieldErrors id="model-errors" errors=errors_on("model_name")/>
                    <DroppedNotes/>
                </div>
                <Templates prompt=form.prompt builtin=TEMPLATES/>
                <PromptEditor prompt=form.prompt refs=chips allowed=omni_image::PLACEHOLDER_KINDS errors=errors_on("prompt") on_edit=edited/>
                {move || {
                    let max_images = spec.read().references.max;
                    view! { <ReferenceManager prompt=form.prompt images=form.images elements=form.elements max_images=max_images errors=Signal::derive(move || visible.get())/> }
                }}
                <FieldErrors id="image-list-errors" errors=ui.errors_at("image_list")/>
                <div class="grid-2">
                    <Field id="resolution" label=t("Resolution") errors=errors_on("resolution")>
                        {choice_field("resolution", t("Resolution"), form.resolution, resolutions)}
                    </Field>
                    <Field id="aspect_ratio" label=t("Aspect ratio") errors=errors_on("aspect_ratio")>
                        {choice_field("aspect_ratio", t("Aspect ratio"), form.aspect_ratio, ratios)}
                    </Field>
                </div>
                <fieldset class="field">
                    <legend>{t("Output")}</legend>
                    <div class="row">
                        <label><input type="radio" name="result_type" data-testid="single" prop:checked=move || !series() on:change=move |_| form.result_type.set(ResultType::Single)/>" "{t("Single images")}</label>
                        <Show when=move || spec.read().series.is_some() || series()>
                            <label><input type="radio" name="result_type" data-testid="series" prop:checked=series on:change=move |_| form.result_type.set(ResultType::Series)/>" "{t("A series")}</label>
                        </Show>
                    </div>
                    <Show when=move || !series() fallback=move || view! {
                        <label for="series_amount">{move || if spec.read().series.is_some_and(|s| s.auto) { t("Images in the series (2–9, or auto)") } else { t("Images in the series (2–9)") }}</label>
                        <input id="series_amount" data-testid="series_amount" inputmode="numeric" prop:value=move || form.series_amount.get() on:input=move |ev| form.series_amount.set(event_target_value(&ev))/>
                        <FieldErrors id="series-errors" errors=errors_on("series_amount")/>
                    }>
                        <label for="n">{t("Number of images (1–9)")}</label>
                        <input id="n" data-testid="n" type="number" min="1" max="9" prop:value=move || form.n.get() on:input=move |ev| form.n.set(event_target_value(&ev))/>
                        <FieldErrors id="n-errors" errors=errors_on("n")/>
                        <FieldErrors id="result-type-errors" errors=errors_on("result_type")/>
                    </Show>
                </fieldset>
                <DeliveryFields delivery=form.delivery external_errors=errors_on("external_task_id") callback_errors=errors_on("callback_url")/>
                <OtherFields other=form.other.get_value()/>
                <EstimateLine estimate=engine.estimate/>
                <SubmitBar violations=ui.violations() show=ui.show_errors submitting=ui.submitting() error=ui.submit_error()/>
                <ApiSnippets request=engine.upstream/>
            </form>
        </section>
    }
}
