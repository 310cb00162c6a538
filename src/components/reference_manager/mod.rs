//! The reference manager: images added by URL, file picker, drag and drop or paste, and
//! elements by id. Files are read and checked in the browser with omni-api's header
//! inspection before they are added; URLs are loaded to learn their pixel size. Removing
//! or moving a reference renumbers the prompt's placeholders, with one undo.

use crate::components::field_errors::FieldErrors;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::media::{check_image_dimensions, check_media_url, IMAGE_EXTENSIONS};
use omni_api::omni_video::FrameType;
use omni_api::prompt::{after_move, after_remove, RefKind};
use omni_api::{ElementId, FieldError, Problem, Violations};
use wasm_bindgen::JsCast;

mod files;
mod picker;
mod refs;

use files::{files_of, human_bytes, read_file};
use picker::ElementPicker;
pub use refs::{element_chips, image_chips, ElementRef, ImageRef};

/// What one undo restores.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    prompt: String,
    images: Vec<ImageRef>,
    elements: Vec<ElementRef>,
    what: String,
}

/// The manager for a form's reference images and elements.
#[component]
pub fn ReferenceManager(
    /// The prompt, renumbered when references are removed or moved.
    prompt: RwSignal<String>,
    /// The reference images, in order (`image_1` first).
    images: RwSignal<Vec<ImageRef>>,
    /// The elements, in order (`element_1` first); `None` hides elements.
    #[prop(optional)]
    elements: Option<RwSignal<Vec<ElementRef>>>,
    /// Most images this form takes.
    max_images: usize,
    /// Field errors of the request (shown under each reference).
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    /// The request field of the image list (`image_list`, `images`).
    #[prop(default = "image_list")]
    list_field: &'static str,
    /// The key of each image inside its list item (`image`, `image_url`), or none for plain strings.
    #[prop(default = Some("image"))]
    item_key: Option<&'static str>,
    /// For a form with one image field (`image`) instead of a list.
    #[prop(optional)]
    single_field: Option<&'static str>,
    /// The legend above the manager.
    #[prop(default = t("Reference images"))]
    legend: &'static str,
    /// Offer a role per image (reference, first frame, end frame), for video.
    #[prop(default = false)]
    with_frames: bool,
    /// Prefix of element ids, unique per manager on a page.
    #[prop(default = "image")]
    id: &'static str,
) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let url_errors = RwSignal::new(Vec::<FieldError>::new());
    let element_text = RwSignal::new(String::new());
    let element_error = RwSignal::new(None::<String>);
    let undo = RwSignal::new(None::<Snapshot>);
    let dragging = RwSignal::new(false);

    let snapshot = move |what: String| Snapshot {
        prompt: prompt.get_untracked(),
        images: images.get_untracked(),
        elements: elements.map(|e| e.get_untracked()).unwrap_or_default(),
        what,
    };
    let field_of = move |i: usize| match (single_field, item_key) {
        (Some(f), _) => f.to_owned(),
        (None, Some(k)) => format!("{list_field}[{i}].{k}"),
        (None, None) => format!("{list_field}[{i}]"),
    };

    // A URL image reports its pixel size once loaded, checked with the shared rule.
    let measure = move |key: u64, src: String| {
        let Ok(img) = web_sys::HtmlImageElement::new() else {
            return;
        };
        let probe = img.clone();
        let done = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            let (w, h) = (probe.natural_width(), probe.natural_height());
            let mut v = Violations::default();
            check_image_dimensions("image", w, h, &mut v);
            images.update(|list| {
                if let Some(r) = list.iter_mut().find(|r| r.key == key) {
                    r.size = Some((w, h));
                    r.problems = v.0;
                }
            });
        });
        img.set_onload(Some(done.as_ref().unchecked_ref()));
        done.forget();
        img.set_src(&src);
    };
    let add_url = move || {
        let text = url.get_untracked().trim().to_owned();
        let mut v = Violations::default();
        check_media_url("image_url", &text, IMAGE_EXTENSIONS, &mut v);
        if images.read_untracked().len() >= max_images {
            v.push(
                "image_url",
                Problem::TooManyImages {
                    max: max_images,
                    got: max_images + 1,
                },
            );
        }
        url_errors.set(v.0.clone());
        if v.is_empty() {
            let r = ImageRef::from_url(&text);
            let (key, src) = (r.key, r.value.clone());
            images.update(|l| l.push(r));
            url.set(String::new());
            measure(key, src);
        }
    };
    // Reading a file is an action: one dispatch a file, the last failure shown.
    let add_file = Action::new_local(move |file: &web_sys::File| {
        let file = file.clone();
        async move {
            if images.read_untracked().len() >= max_images {
                return Err(tf(
                    "{}: at most {} reference images",
                    &[&file.name(), &max_images],
                ));
            }
            let r = read_file(file).await?;
            images.update(|l| l.push(r));
            Ok(())
        }
    });
    let add_error = move || match add_file.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let add_files = move |files: Vec<web_sys::File>| {
        add_file.clear();
        for file in files {
            add_file.dispatch_local(file);
        }
    };
    let remove_image = move |index: usize| {
        let name = images
            .read_untracked()
            .get(index)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        undo.set(Some(snapshot(tf(
            "Removed {} ({})",
            &[&format!("image_{}", index + 1), &name],
        ))));
        images.update(|l| {
            l.remove(index);
        });
        prompt.update(|p| *p = after_remove(p, RefKind::Image, index + 1));
    };
    let move_image = move |from: usize, to: usize| {
        undo.set(Some(snapshot(tf(
            "Moved {} to {}",
            &[&format!("image_{}", from + 1), &format!("image_{}", to + 1)],
        ))));
        images.update(|l| {
            let item = l.remove(from);
            l.insert(to, item);
        });
        prompt.update(|p| *p = after_move(p, RefKind::Image, from + 1, to + 1));
    };
    let add_element = move || {
        let text = element_text.get_untracked();
        match text.trim().parse::<ElementId>() {
            Ok(id) => {
                if let Some(list) = elements {
                    list.update(|l| l.push(ElementRef::new(id)));
                }
                element_text.set(String::new());
                element_error.set(None);
            }
            Err(_) => element_error.set(Some(tf(
                "{} is not an element id (a whole number such as 835266081714884677)",
                &[&format!("{text:?}")],
            ))),
        }
    };
    let remove_element = move |index: usize| {
        let Some(list) = elements else { return };
        undo.set(Some(snapshot(tf(
            "Removed {}",
            &[&format!("element_{}", index + 1)],
        ))));
        list.update(|l| {
            l.remove(index);
        });
        prompt.update(|p| *p = after_remove(p, RefKind::Element, index + 1));
    };
    let restore = move |_| {
        if let Some(s) = undo.get_untracked() {
            prompt.set(s.prompt);
            images.set(s.images);
            if let Some(list) = elements {
                list.set(s.elements);
            }
            undo.set(None);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        add_files(files_of(ev.data_transfer().and_then(|d| d.files())));
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let files = files_of(ev.clipboard_data().and_then(|d| d.files()));
        if !files.is_empty() {
            ev.prevent_default();
            add_files(files);
        }
    };

    view! {
        <fieldset class="references" on:paste=on_paste>
            <legend>{legend}</legend>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <div class="row">
                    <label for=format!("{id}-url") class="sr-only">{t("Image URL")}</label>
                    <input id=format!("{id}-url") data-testid="add-image-url" type="url" inputmode="url" placeholder="https://example.com/reference.png"
                        aria-describedby=format!("{id}-url-errors")
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); add_url(); }
                    />
                    <button type="button" class="secondary" data-testid="add-image-url-button" on:click=move |_| add_url()>{t("Add URL")}</button>
                    <label class="button secondary file-pick">
                        {t("Choose files")}
                        <input type="file" data-testid="add-image-file" accept=".jpg,.jpeg,.png,image/jpeg,image/png" multiple class="sr-only"
                            on:change=move |ev| {
                                let input: web_sys::HtmlInputElement = event_target(&ev);
                                add_files(files_of(input.files()));
                                input.set_value("");
                            }
                        />
                    </label>
                </div>
                <p class="muted">{t("…or drop or paste JPEG/PNG files here (at most 10 MB, shorter side 300 px or more, aspect 1:2.5 to 2.5:1).")}</p>
                <FieldErrors id=format!("{id}-url-errors") errors=Signal::derive(move || url_errors.get())/>
                <Show when=move || add_error().is_some()>
                    <p class="submit-error" role="alert" data-testid="add-image-error">{add_error}</p>
                </Show>
            </div>
            <ol class="ref-list" data-testid="image-list">
                <For each=move || images.get().into_iter().enumerate() key=|(i, r)| (*i, r.key, r.size, r.problems.len(), r.frame) let:entry>
                    {
                        let (i, r) = entry;
                        let is_last = move || i + 1 >= images.read().len();
                        let field = field_of(i);
                        let shown = Signal::derive(move || {
                            let mut list: Vec<FieldError> = errors.get().into_iter().filter(|e| e.field == field).collect();
                            if let Some(r) = images.read().get(i) {
                                list.extend(r.problems.iter().cloned());
                            }
                            list
                        });
                        let type_field = format!("{list_field}[{i}].type");
                        let type_errors = Signal::derive(move || errors.get().into_iter().filter(|e| e.field == type_field).collect::<Vec<_>>());
                        let set_role = move |ev: leptos::ev::Event| {
                            let role = omni_api::Choice::parse(&event_target_value(&ev));
                            images.update(|l| if let Some(r) = l.get_mut(i) { r.frame = role });
                        };
                        let role = r.frame;
                        let role_select = with_frames.then(|| view! {
                            <label class="role">{t("Role")}" "
                                <select data-testid=format!("image-role-{}", i + 1) on:change=set_role>
                                    <option value="" selected=role.is_none()>{t("Reference")}</option>
                                    <option value="first_frame" selected=role == Some(FrameType::FirstFrame)>{t("First frame")}</option>
                                    <option value="end_frame" selected=role == Some(FrameType::EndFrame)>{t("End frame")}</option>
                                </select>
                            </label>
                            <FieldErrors id=format!("{id}-{i}-type-errors") errors=type_errors/>
                        });
                        let details = [r.bytes.map(human_bytes), r.size.map(|(w, h)| format!("{w}×{h} px"))].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                        view! {
                            <li class="ref" data-testid="image-ref">
                                {(!r.thumb.is_empty()).then(|| view! { <img class="ref-thumb" src=r.thumb.clone() alt=""/> })}
                                <div class="ref-text">
                                    <strong translate="no">{format!("image_{}", i + 1)}</strong> " " <span class="ref-name" translate="no">{r.name.clone()}</span>
                                    <span class="muted">{details}</span>
                                    <FieldErrors id=format!("{id}-{i}-errors") errors=shown/>
                                    {role_select}
                                </div>
                                <div class="ref-actions">
                                    <button type="button" class="link" aria-label=tf("Move {} up", &[&format!("image_{}", i + 1)]) disabled=move || i == 0 on:click=move |_| move_image(i, i - 1)>"↑"</button>
                                    <button type="button" class="link" aria-label=tf("Move {} down", &[&format!("image_{}", i + 1)]) disabled=is_last on:click=move |_| move_image(i, i + 1)>"↓"</button>
                                    <button type="button" class="link" data-testid="remove-image" aria-label=tf("Remove {}", &[&format!("image_{}", i + 1)]) on:click=move |_| remove_image(i)>{t("Remove")}</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            {elements.map(|list| view! {
                <div class="elements">
                    <label for="element-id">{t("Element id")}</label>
                    <div class="row">
                        <input id="element-id" data-testid="element-id" inputmode="numeric" placeholder="835266081714884677"
                            prop:value=move || element_text.get()
                            on:input=move |ev| element_text.set(event_target_value(&ev))
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); add_element(); }
                        />
                        <button type="button" class="secondary" data-testid="add-element" on:click=move |_| add_element()>{t("Add element")}</button>
                    </div>
                    <Show when=move || element_error.read().is_some()>
                        <p class="submit-error" role="alert">{move || element_error.get()}</p>
                    </Show>
                    <ElementPicker on_pick=Callback::new(move |e: omni_api::elements::Element| list.update(|l| l.push(ElementRef::from_element(&e))))/>
                    <ol class="ref-list">
                        <For each=move || list.get().into_iter().enumerate() key=|(i, e)| (*i, e.key) let:entry>
                            {
                                let (i, e) = entry;
                                view! {
                                    <li class="ref" data-testid="element-ref">
                                        {e.thumb.clone().map(|t| view! { <img class="ref-thumb" src=t alt=""/> })}
                                        <div class="ref-text" translate="no"><strong>{format!("element_{}", i + 1)}</strong> " " {e.name.clone()} " " <code>{e.id.to_string()}</code></div>
                                        <button type="button" class="link" aria-label=tf("Remove {}", &[&format!("element_{}", i + 1)]) on:click=move |_| remove_element(i)>{t("Remove")}</button>
                                    </li>
                                }
                            }
                        </For>
                    </ol>
                </div>
            })}
            <Show when=move || undo.read().is_some()>
                <p class="undo" role="status">
                    {move || undo.read().as_ref().map(|s| s.what.clone())} ". "
                    <button type="button" class="link" data-testid="undo" on:click=restore>{t("Undo")}</button>
                </p>
            </Show>
        </fieldset>
    }
}
