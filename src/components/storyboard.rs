//! The storyboard editor (Omni Video, models with `multi_shot` in the catalog): shots in
//! order, each with its prompt (placeholders and suggestions work as in the main prompt)
//! and its seconds; add, remove and move them with buttons; the running sum against the
//! video's duration shown live, and each rule's error at the shot it concerns.

use crate::components::field_errors::{errors_under, FieldErrors};
use crate::components::prompt_editor::{PromptEditor, RefChip};
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::catalog::MultiShotSpec;
use omni_api::omni_video::{Shot, PLACEHOLDER_KINDS};
use omni_api::FieldError;

/// One shot as the form holds it: its text boxes, and a key that survives reordering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShotDraft {
    pub key: u32,
    pub prompt: RwSignal<String>,
    /// As typed; a number of seconds when valid.
    pub seconds: RwSignal<String>,
}

impl ShotDraft {
    pub fn new(key: u32, prompt: &str, seconds: u32) -> Self {
        ShotDraft {
            key,
            prompt: RwSignal::new(prompt.to_owned()),
            seconds: RwSignal::new(seconds.to_string()),
        }
    }
}

/// The shots of a draft request, or one shot of `total` seconds for a new storyboard.
pub fn drafts_of(shots: &[Shot], total: u32) -> Vec<ShotDraft> {
    if shots.is_empty() {
        return vec![ShotDraft::new(0, "", total)];
    }
    shots
        .iter()
        .enumerate()
        .map(|(i, s)| ShotDraft::new(i as u32, &s.prompt, s.duration.unwrap_or(0)))
        .collect()
}

/// The request's `multi_prompt`, and type errors for seconds that are not whole numbers.
pub fn shots_of(drafts: &[ShotDraft]) -> (Vec<Shot>, Vec<FieldError>) {
    let mut typed = Vec::new();
    let shots = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let text = d.seconds.get();
            let duration = text.trim().parse::<u32>().ok();
            if duration.is_none() {
                let field = format!("multi_prompt[{i}].duration");
                let expected = omni_api::Expected::WholeNumber;
                typed.push(FieldError::new(
                    field,
                    omni_api::Problem::WrongType { expected },
                ));
            }
            Shot {
                index: Some(i as u32 + 1),
                prompt: d.prompt.get(),
                duration,
            }
        })
        .collect();
    (shots, typed)
}

/// The editor.
#[component]
pub fn StoryboardEditor(
    shots: RwSignal<Vec<ShotDraft>>,
    /// The video's duration, which the shots must add up to.
    #[prop(into)]
    total: Signal<u32>,
    /// The model's storyboard limits.
    #[prop(into)]
    limits: Signal<MultiShotSpec>,
    /// The references placeholders can point at.
    #[prop(into)]
    refs: Signal<Vec<RefChip>>,
    /// The errors shown now (all fields; each shot picks its own).
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let next_key =
        StoredValue::new(shots.with_untracked(|s| s.iter().map(|d| d.key + 1).max().unwrap_or(0)));
    let sum = Memo::new(move |_| {
        shots
            .read()
            .iter()
            .filter_map(|d| d.seconds.read().trim().parse::<u32>().ok())
            .sum::<u32>()
    });
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        let left = total
            .get_untracked()
            .saturating_sub(sum.get_untracked())
            .max(1);
        shots.update(|s| s.push(ShotDraft::new(key, "", left)));
        on_edit.run(());
    };
    let position = move |key: u32| shots.read().iter().position(|d| d.key == key).unwrap_or(0);
    let move_by = move |key: u32, up: bool| {
        shots.update(|s| {
            let Some(i) = s.iter().position(|d| d.key == key) else {
                return;
            };
            let j = if up {
                i.checked_sub(1)
            } else {
                Some(i + 1).filter(|j| *j < s.len())
            };
            if let Some(j) = j {
                s.swap(i, j);
            }
        });
        on_edit.run(());
    };
    let remove = move |key: u32| {
        shots.update(|s| s.retain(|d| d.key != key));
        on_edit.run(());
    };
    view! {
        <fieldset class="field storyboard" data-testid="shots">
            <legend>{t("Shots")}</legend>
            <ol class="shots">
                <For each=move || shots.get() key=|d| d.key let:shot>
                    {
                        let key = shot.key;
                        let n = move || position(key) + 1;
                        let field = move |what: &str| format!("multi_prompt[{}].{what}", position(key));
                        let prompt_errors = Signal::derive(move || errors_under(&errors.read(), &field("prompt")));
                        let seconds_errors = Signal::derive(move || errors_under(&errors.read(), &field("duration")));
                        let seconds_id = format!("shot-{key}-seconds");
                        view! {
                            <li class="shot" data-testid="shot">
                                <h2 class="shot-title">{move || tf("Shot {}", &[&n()])}</h2>
                                <PromptEditor prompt=shot.prompt refs=refs allowed=PLACEHOLDER_KINDS errors=prompt_errors on_edit=on_edit
                                    id=format!("shot-{key}-prompt") testid="shot-prompt" label=t("Shot prompt")
                                    max_chars=Signal::derive(move || limits.read().max_shot_chars)/>
                                <div class="row">
                                    <label for=seconds_id.clone()>{t("Seconds")}</label>
                                    <input id=seconds_id.clone() data-testid="shot-duration" type="number" inputmode="numeric"
                                        min=move || limits.read().min_shot_seconds max=move || total.get()
                                        aria-invalid=move || (!seconds_errors.read().is_empty()).to_string()
                                        aria-describedby=format!("shot-{key}-seconds-errors")
                                        prop:value=move || shot.seconds.get()
                                        on:input=move |ev| { shot.seconds.set(event_target_value(&ev)); on_edit.run(()); }/>
                                    <button type="button" class="link" aria-label=move || tf("Move up: shot {}", &[&n()])
                                        disabled=move || n() == 1 on:click=move |_| move_by(key, true)>{t("Move up")}</button>
                                    <button type="button" class="link" aria-label=move || tf("Move down: shot {}", &[&n()])
                                        disabled=move || n() == shots.read().len() on:click=move |_| move_by(key, false)>{t("Move down")}</button>
                                    <button type="button" class="link" aria-label=move || tf("Remove: shot {}", &[&n()])
                                        disabled=move || shots.read().len() == 1 on:click=move |_| remove(key)>{t("Remove")}</button>
                                </div>
                                <FieldErrors id=format!("shot-{key}-seconds-errors") errors=seconds_errors/>
                            </li>
                        }
                    }
                </For>
            </ol>
            <div class="row">
                <button type="button" class="secondary" data-testid="add-shot" on:click=add
                    disabled=move || { shots.read().len() >= limits.read().max_shots }>{t("Add shot")}</button>
                <p class="shot-sum" data-testid="shot-sum" role="status" class:over=move || sum.get() != total.get()>
                    {move || tf("Shots add up to {} of {} s", &[&sum.get(), &total.get()])}
                </p>
            </div>
            <FieldErrors id="shots-errors" errors=Signal::derive(move || errors.read().iter().filter(|e| e.field == "multi_prompt").cloned().collect::<Vec<_>>())/>
        </fieldset>
    }
}
