//! `/video`: Omni Video. The inputs decide the scenario (text-to-video, first frame,
//! first and end frame, reference, video reference, video edit) with omni-api's scenario
//! function, and the form shows only what that scenario allows, saying why the rest is off.

use crate::components::api_snippets::ApiSnippets;
use crate::components::delivery_fields::{Delivery, DeliveryFields};
use crate::components::estimate::EstimateLine;
use crate::components::field::{choice_field, Dropped, DroppedNotes, Field};
use crate::components::field_errors::FieldErrors;
use crate::components::form_bits::{choice_select, model_select, OtherFields, SubmitBar};
use crate::components::prompt_editor::{PromptEditor, RefChip};
use crate::components::reference_manager::{
    element_chips, image_chips, ElementRef, ImageRef, ReferenceManager,
};
use crate::components::request_summary::image_src;
use crate::components::storyboard::{drafts_of, shots_of, StoryboardEditor};
use crate::components::templates::Templates;
use crate::components::video_reference::{VideoRef, VideoReference};
use crate::draft;
use crate::hooks::use_generation_form::{start_request, use_generation_form};
use crate::i18n::{scenario_words, t, tf};
use crate::studio_config::{spec_of, start_model, use_config};
use leptos::prelude::*;
use omni_api::omni_video::{
    self, OmniVideoRequest, OnOff, ReferType, Scenario, ShotType, VideoImageItem, VideoItem, YesNo,
};
use omni_api::prompt::{Placeholder, RefKind};
use omni_api::{AspectRatio, Choice, FieldError};

const TEMPLATES: &[&str] = &[
    crate::en!("The scene of <<<image_1>>> as a slow cinematic dolly shot"),
    crate::en!("Put a crown on the person in <<<video_1>>>"),
    crate::en!("<<<element_1>>> walks through a rainy neon street"),
];

fn what_it_means(s: Scenario) -> &'static str {
    match s {
        Scenario::TextToVideo => t("From the prompt alone. Choose an aspect ratio."),
        Scenario::FirstFrame => t("The video starts from the first-frame image, in its shape."),
        Scenario::FirstEndFrame => {
            t("The video runs from the first frame to the end frame, in their shape.")
        }
        Scenario::Reference => t("Images and elements guide the look; choose an aspect ratio."),
        Scenario::VideoReference => {
            t("The reference video guides style and motion; choose an aspect ratio.")
        }
        Scenario::VideoEdit => t("The reference video is edited: its shape and length are kept."),
    }
}

/// The Omni Video page.
#[component]
pub fn VideoPage() -> impl IntoView {
    let mut start: OmniVideoRequest = start_request();
    let delivery = Delivery::new(
        start.watermark_info,
        start.external_task_id.as_deref(),
        start.callback_url.as_deref(),
    );
    if let Some(url) = draft::take_reference() {
        start.image_list.push(VideoImageItem {
            image_url: url,
            frame: None,
        });
    }
    let config = use_config();
    let model = start_model(start.model_name.as_ref(), |c| &c.omni_video);
    // What the chosen model offers, from the catalog in force.
    let spec = Memo::new(move |_| spec_of(&config.read().catalog.omni_video, &model.get()));
    let sound = RwSignal::new(start.sound.unwrap_or(OnOff::Off));
    // One prompt, or a storyboard: shots written out (customize), or split by the model.
    let board_on = RwSignal::new(start.multi_shot == Some(true));
    let shot_type = RwSignal::new(start.shot_type.unwrap_or(ShotType::Customize));
    let shots = RwSignal::new(drafts_of(&start.multi_prompt, start.duration.unwrap_or(5)));
    let other = StoredValue::new(start.other.clone());
    let prompt = RwSignal::new(start.prompt.clone());
    let images = RwSignal::new(
        start
            .image_list
            .iter()
            .map(|i| ImageRef {
                thumb: image_src(&i.image_url),
                frame: i.frame,
                ..ImageRef::from_url(&i.image_url)
            })
            .collect::<Vec<_>>(),
    );
    let elements = RwSignal::new(ElementRef::list_of(&start.element_list));
    let video = RwSignal::new(start.video_list.first().map(|v| VideoRef {
        url: v.video_url.clone(),
        refer_type: v.refer_type.unwrap_or(ReferType::Feature),
        keep_sound: v.keep_original_sound.unwrap_or(YesNo::Yes),
        meta: None,
        problems: Vec::new(),
    }));
    let mode = RwSignal::new(start.mode.unwrap_or(omni_video::DEFAULT_MODE));
    let aspect_ratio = RwSignal::new(start.aspect_ratio.unwrap_or(AspectRatio::R16x9));
    let duration = RwSignal::new(start.duration.unwrap_or(5));

    // The request without the scenario-dependent fields, to learn the scenario first.
    let board = move || board_on.get() && spec.read().multi_shot.is_some();
    let written_shots = move || board() && shot_type.get() == ShotType::Customize;
    let base = Memo::new(move |_| OmniVideoRequest {
        model_name: Some(model.get()),
        multi_shot: board().then_some(true),
        shot_type: board().then(|| shot_type.get()),
        // With written shots the main prompt is ignored upstream: it is sent empty, as the
        // official examples do, and kept in the form.
        prompt: if written_shots() {
            String::new()
        } else {
            prompt.get()
        },
        image_list: images
            .get()
            .into_iter()
            .map(|r| VideoImageItem {
                image_url: r.value,
                frame: r.frame,
            })
            .collect(),
        element_list: ElementRef::items(elements.get()),
        video_list: video
            .get()
            .into_iter()
            .map(|v| VideoItem {
                video_url: v.url,
                refer_type: Some(v.refer_type),
                keep_original_sound: Some(v.keep_sound),
            })
            .collect(),
        mode: Some(mode.get()),
        watermark_info: delivery.watermark_info(),
        callback_url: delivery.callback_url(),
        external_task_id: delivery.external_task_id(),
        other: other.get_value(),
        ..OmniVideoRequest::default()
    });
    let scenario = Memo::new(move |_| base.read().scenario());
    let durations = Memo::new(move |_| {
        let s = scenario.get();
        spec.read().duration.as_ref().and_then(|d| d.allowed(s))
    });
    // A value the model or scenario no longer offers is replaced, and the page says so.
    let dropped = Dropped::use_context();
    Effect::new(move |_| {
        let Some(allowed) = durations.get() else {
            return;
        };
        let d = duration.get_untracked();
        if let (false, Some(first)) = (allowed.contains(&d), allowed.first().copied()) {
            duration.set(first);
            dropped.note(tf(
                "duration: {} s is not offered here, so it is now {} s.",
                &[&d, &first],
            ));
        }
    });
    Effect::new(move |_| {
        let spec = spec.read();
        if !spec.sound && sound.get_untracked() == OnOff::On {
            sound.set(OnOff::Off);
            dropped.note(t("Sound is not offered by this model, so it is off.").into());
        }
        if spec.multi_shot.is_none() && board_on.get_untracked() {
            board_on.set(false);
            dropped.note(
                t("Storyboards are not offered by this model: the main prompt is used.").into(),
            );
        }
    });
    // Only what the scenario allows goes into the request.
    let built = Memo::new(move |_| {
        let s = scenario.get();
        let mut req = base.get();
        req.aspect_ratio = s.needs_aspect_ratio().then(|| aspect_ratio.get());
        req.duration = durations.read().as_ref().map(|_| duration.get());
        if !s.allows_frames() {
            req.image_list.iter_mut().for_each(|i| i.frame = None);
        }
        // Sound goes only where the model has it, and never with a video.
        req.sound = (spec.read().sound && !s.has_video()).then(|| sound.get());
        let mut typed = Vec::new();
        if written_shots() {
            let (list, errors) = shots_of(&shots.read());
            req.multi_prompt = list;
            typed = errors;
        }
        (req, typed)
    });
    // What only the browser knows: the pixel sizes of URL images, the video's length.
    let measured = Signal::derive(move || {
        let mut all = Vec::new();
        for (i, r) in images.read().iter().enumerate() {
            all.extend(r.problems.iter().map(|e| FieldError {
                field: format!("image_list[{i}].image_url"),
                ..e.clone()
            }));
        }
        if let Some(v) = video.read().as_ref() {
            all.extend(v.problems.iter().map(|e| FieldError {
                field: "video_list[0].video_url".into(),
                ..e.clone()
            }));
        }
        all
    });
    let engine = use_generation_form(
        built,
        measured,
        !start.prompt.is_empty() || !start.multi_prompt.is_empty(),
    );
    let ui = engine.ui;
    let errors_on = move |field: &'static str| ui.errors_on(field);
    let visible = ui.visible;

    let chips = Signal::derive(move || {
        let mut chips = image_chips(&images.read());
        chips.extend(element_chips(&elements.read()));
        chips.extend(video.read().iter().map(|v| RefChip {
            placeholder: Placeholder {
                kind: RefKind::Video,
                index: 1,
            },
            caption: v.url.rsplit('/').next().unwrap_or("").to_owned(),
            thumb: None,
        }));
        chips
    });
    let edited = ui.edited;

    let on_submit = engine.on_submit;
    let max_images = move || {
        let limits = &spec.read().references;
        if scenario.get().has_video() {
            limits.max_with_video
        } else {
            limits.max
        }
    };
    let modes = Signal::derive(move || {
        let spec = spec.read();
        if scenario.get().has_video() {
            spec.modes_with_video.clone()
        } else {
            spec.modes.clone()
        }
    });
    let ratios = Signal::derive(move || spec.read().aspect_ratios.clone());
    let sound_why = Signal::derive(move || {
        scenario.get().has_video().then(|| {
            t("Off when a video is referenced: the video brings its own sound.").to_owned()
        })
    });
    let total = Signal::derive(move || duration.get());
    let board_limits = Signal::derive(move || {
        spec.read()
            .multi_shot
            .clone()
            .unwrap_or(omni_api::catalog::MultiShotSpec {
                max_shots: 6,
                max_shot_chars: 512,
                min_shot_seconds: 1,
                shot_types: vec![ShotType::Customize],
            })
    });

    view! {
        <section class="card">
            <h1>{t("Omni Video")}</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="grid-2">
                    <div class="field">
                        <label for="model">{t("Model")}</label>
                        {move || model_select(model, &config.read().catalog.omni_video)}
                        <FieldErrors id="model-errors" errors=errors_on("model_name")/>
                        <DroppedNotes/>
                    </div>
                    <Field id="mode" label=t("Mode") errors=errors_on("mode")>
                        {choice_field("mode", t("Mode"), mode, modes)}
                    </Field>
                </div>
                <p class="scenario" role="status" data-testid="scenario" data-scenario=move || scenario.get().as_str()>
                    <strong>{t("Scenario:")}" " {move || scenario_words(scenario.get())}</strong>
                    <br/>{move || what_it_means(scenario.get())}
                </p>
                <Show when=move || spec.read().multi_shot.is_some()>
                    <fieldset class="field storyboard-switch">
                        <legend>{t("Storyboard")}</legend>
                        <label><input type="checkbox" data-testid="storyboard" prop:checked=move || board_on.get()
                            on:change=move |ev| { board_on.set(event_target_checked(&ev)); edited.run(()); }/>" "{t("Several shots in one video")}</label>
                        <Show when=move || board_on.get()>
                            <div class="row" role="radiogroup" aria-label=t("How the shots are made")>
                                <label><input type="radio" name="shot_type" data-testid="shot-type-customize" prop:checked=move || shot_type.get() == ShotType::Customize
                                    on:change=move |_| shot_type.set(ShotType::Customize)/>" "{t("I write each shot")}</label>
                                <label><input type="radio" name="shot_type" data-testid="shot-type-intelligence" prop:checked=move || shot_type.get() == ShotType::Intelligence
                                    on:change=move |_| shot_type.set(ShotType::Intelligence)/>" "{t("The model splits my prompt into shots")}</label>
                            </div>
                        </Show>
                        <FieldErrors id="storyboard-errors" errors=Signal::derive(move || {
                            let mut all = ui.errors_at("multi_shot").get();
                            all.extend(ui.errors_at("shot_type").get());
                            all
                        })/>
                    </fieldset>
                </Show>
                <Show when=move || !written_shots() fallback=move || view! {
                    <StoryboardEditor shots=shots total=total limits=board_limits refs=chips errors=Signal::derive(move || visible.get()) on_edit=edited/>
                }>
                    <Templates prompt=prompt builtin=TEMPLATES/>
                    <PromptEditor prompt=prompt refs=chips allowed=omni_video::PLACEHOLDER_KINDS errors=errors_on("prompt") on_edit=edited/>
                </Show>
                {move || view! {
                    <ReferenceManager prompt=prompt images=images elements=elements max_images=max_images() errors=Signal::derive(move || visible.get()) item_key=Some("image_url") with_frames=scenario.get() != Scenario::VideoEdit/>
                }}
                <Show when=move || scenario.get() == Scenario::VideoEdit>
                    <p class="unavailable" data-testid="frames-why">{t("Images cannot be first or end frames while a video is edited.")}</p>
                </Show>
                <FieldErrors id="image-list-errors" errors=ui.errors_at("image_list")/>
                <VideoReference video=video prompt=prompt errors=errors_on("video_list")/>
                <div class="grid-2">
                    <div class="field">
                        <label for="aspect_ratio">{t("Aspect ratio")}</label>
                        <Show when=move || scenario.get().needs_aspect_ratio() fallback=move || view! {
                            <p class="unavailable" data-testid="aspect-why">{move || tf("Not available for {}: the output keeps the shape of its input.", &[&scenario_words(scenario.get())])}</p>
                        }>
                            {choice_field("aspect_ratio", t("Aspect ratio"), aspect_ratio, ratios)}
                        </Show>
                        <FieldErrors id="aspect-errors" errors=errors_on("aspect_ratio")/>
                    </div>
                    <div class="field">
                        <label for="duration">{t("Duration")}</label>
                        <Show when=move || durations.read().is_some() fallback=|| view! {
                            <p class="unavailable" data-testid="duration-why">{t("Ignored for a video edit: the output is as long as the input video.")}</p>
                        }>
                            <select id="duration" data-testid="duration" on:change=move |ev| { duration.set(event_target_value(&ev).parse().unwrap_or(5)); edited.run(()); }>
                                {move || durations.get().unwrap_or_default().into_iter().map(|d| view! {
                                    <option value=d.to_string() selected=move || duration.get() == d>{tf("{} s", &[&d])}</option>
                                }).collect_view()}
                            </select>
                        </Show>
                        <FieldErrors id="duration-errors" errors=errors_on("duration")/>
                    </div>
                </div>
                <Show when=move || spec.read().sound>
                    <Field id="sound" label=t("Sound") errors=errors_on("sound") unavailable=sound_why>
                        {choice_select("sound", sound, OnOff::ALL.to_vec())}
                    </Field>
                </Show>
                <DeliveryFields delivery=delivery external_errors=errors_on("external_task_id") callback_errors=errors_on("callback_url")/>
                <OtherFields other=other.get_value()/>
                <EstimateLine estimate=engine.estimate/>
                <SubmitBar violations=ui.violations() show=ui.show_errors submitting=ui.submitting() error=ui.submit_error()/>
                <ApiSnippets request=engine.upstream/>
            </form>
        </section>
    }
}
