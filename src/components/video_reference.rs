//! The Omni Video form's one reference video: added by URL (the browser reads its length
//! and size from the metadata, and the shared rule checks them), used as a reference
//! (feature) or as the video to edit (base), with or without its sound.

use crate::api;
use crate::components::field_errors::FieldErrors;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::media::{check_media_url, check_video_meta, VideoMeta, VIDEO_EXTENSIONS};
use omni_api::omni_video::{ReferType, YesNo};
use omni_api::prompt::{after_remove, RefKind};
use omni_api::{Choice, FieldError, Violations};
use wasm_bindgen::JsCast;

/// The reference video as the form holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRef {
    pub url: String,
    pub refer_type: ReferType,
    pub keep_sound: YesNo,
    /// What the browser could read of it, and the rules it breaks.
    pub meta: Option<String>,
    pub problems: Vec<FieldError>,
}

/// The reference video's fieldset.
#[component]
pub fn VideoReference(
    video: RwSignal<Option<VideoRef>>,
    /// The prompt, renumbered when the video is removed.
    prompt: RwSignal<String>,
    /// Errors of `video_list`.
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let video_url = RwSignal::new(String::new());
    let video_url_errors = RwSignal::new(Vec::<FieldError>::new());
    // A video by URL: its address is checked here, its length and size once it is set.
    let add_video = move || {
        let url = video_url.get_untracked().trim().to_owned();
        let mut v = Violations::default();
        check_media_url("video_url", &url, VIDEO_EXTENSIONS, &mut v);
        video_url_errors.set(v.0.clone());
        if !v.is_empty() {
            return;
        }
        video.set(Some(VideoRef {
            url,
            refer_type: ReferType::Feature,
            keep_sound: YesNo::Yes,
            meta: None,
            problems: Vec::new(),
        }));
        video_url.set(String::new());
    };
    // The browser reads the length and size of whatever video is set (added by URL, or
    // handed over by "next shot" or "edit and run again") and the shared rule checks them.
    let unread = move || {
        video
            .read()
            .as_ref()
            .filter(|r| r.meta.is_none())
            .map(|r| r.url.clone())
    };
    let probed = LocalResource::new(move || {
        let url = unread();
        async move {
            let url = url?;
            let read = read_meta(&url).await;
            Some((url, read))
        }
    });
    Effect::new(move |_| {
        let Some(Some((url, read))) = probed.get() else {
            return;
        };
        video.update(|current| {
            let Some(r) = current
                .as_mut()
                .filter(|r| r.url == url && r.meta.is_none())
            else {
                return;
            };
            match read {
                Some((seconds, width, height)) => {
                    let meta = VideoMeta {
                        seconds,
                        width,
                        height,
                        bytes: 0,
                        fps: None,
                    };
                    let mut v = Violations::default();
                    check_video_meta("video", &meta, &mut v);
                    r.meta = Some(tf(
                        "{} s · {}×{} px",
                        &[&format!("{seconds:.1}"), &width, &height],
                    ));
                    r.problems = v.0;
                }
                None => r.meta = Some(t("its length and size could not be read here").into()),
            }
        });
    });
    // A local file: the browser checks it with the shared rule first, then the BFF keeps
    // it at an address the upstream can fetch (only when it has a public URL).
    let config = crate::studio_config::use_config();
    let local = Signal::derive(move || config.read().local_videos);
    let file_errors = RwSignal::new(Vec::<FieldError>::new());
    let add_file = Action::new_local(move |file: &web_sys::File| {
        let file = file.clone();
        async move {
            let name = file.name();
            let lower = name.to_lowercase();
            let mime = match file.type_().as_str() {
                "video/mp4" => "video/mp4",
                "video/quicktime" => "video/quicktime",
                _ if lower.ends_with(".mp4") => "video/mp4",
                _ if lower.ends_with(".mov") => "video/quicktime",
                _ => return Err(tf("{}: only .mp4 and .mov videos can be used", &[&name])),
            };
            let object_url = web_sys::Url::create_object_url_with_blob(&file)
                .map_err(|_| tf("{}: this file cannot be read", &[&name]))?;
            let read = read_meta(&object_url).await;
            let _ = web_sys::Url::revoke_object_url(&object_url);
            let (seconds, width, height) =
                read.ok_or_else(|| tf("{}: the browser cannot read this video", &[&name]))?;
            let meta = VideoMeta {
                seconds,
                width,
                height,
                bytes: file.size() as u64,
                fps: None,
            };
            let mut v = Violations::default();
            check_video_meta("video", &meta, &mut v);
            file_errors.set(v.0.clone());
            if !v.is_empty() {
                return Ok(());
            }
            let uploaded = api::upload_video(&file, mime)
                .await
                .map_err(|e| e.message())?;
            video.set(Some(VideoRef {
                url: uploaded.url,
                refer_type: ReferType::Feature,
                keep_sound: YesNo::Yes,
                meta: Some(tf(
                    "{} s · {}×{} px",
                    &[&format!("{seconds:.1}"), &width, &height],
                )),
                problems: Vec::new(),
            }));
            Ok(())
        }
    });
    let file_failure = move || match add_file.value().get() {
        Some(Err(why)) if !add_file.pending().get() => Some(why),
        _ => None,
    };
    let remove_video = move |_| {
        video.set(None);
        prompt.update(|p| *p = after_remove(p, RefKind::Video, 1));
    };

    view! {
                <fieldset class="field">
                    <legend>{t("Reference video (one, .mp4 or .mov, 3–10 s, 720–2160 px)")}</legend>
                    <Show when=move || video.read().is_none() fallback=move || {
                        let v = move || video.get().expect("shown with a video");
                        view! {
                            <div class="ref" data-testid="video-ref">
                                <div class="ref-text">
                                    <strong translate="no">"video_1"</strong> " " <span class="ref-name" translate="no">{move || v().url}</span>
                                    <span class="muted">{move || v().meta.unwrap_or_else(|| t("reading its length and size…").into())}</span>
                                    <FieldErrors id="video-errors" errors=errors/>
                                </div>
                                <button type="button" class="link" aria-label=tf("Remove {}", &[&"video_1"]) on:click=remove_video>{t("Remove")}</button>
                            </div>
                            <div class="grid-2">
                                <label>{t("Use it as")}" "
                                    <select data-testid="refer_type" on:change=move |ev| if let Some(t) = ReferType::parse(&event_target_value(&ev)) { video.update(|r| if let Some(r) = r { r.refer_type = t }) }>
                                        <option value="feature" selected=move || v().refer_type == ReferType::Feature>{t("a reference (feature)")}</option>
                                        <option value="base" selected=move || v().refer_type == ReferType::Base>{t("the video to edit (base)")}</option>
                                    </select>
                                </label>
                                <label>{t("Keep its sound")}" "
                                    <select data-testid="keep_original_sound" on:change=move |ev| if let Some(k) = YesNo::parse(&event_target_value(&ev)) { video.update(|r| if let Some(r) = r { r.keep_sound = k }) }>
                                        <option value="yes" selected=move || v().keep_sound == YesNo::Yes>{t("yes")}</option>
                                        <option value="no" selected=move || v().keep_sound == YesNo::No>{t("no")}</option>
                                    </select>
                                </label>
                            </div>
                        }
                    }>
                        <div class="row">
                            <label for="video-url" class="sr-only">{t("Video URL")}</label>
                            <input id="video-url" data-testid="add-video-url" type="url" placeholder="https://example.com/clip.mp4"
                                prop:value=move || video_url.get() on:input=move |ev| video_url.set(event_target_value(&ev))
                                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); add_video(); }/>
                            <button type="button" class="secondary" data-testid="add-video" on:click=move |_| add_video()>{t("Add video")}</button>
                        </div>
                        <FieldErrors id="video-url-errors" errors=Signal::derive(move || video_url_errors.get())/>
                        <div class="row">
                            <label for="video-file">{t("Or a video file (.mp4, .mov)")}</label>
                            <input id="video-file" data-testid="add-video-file" type="file" accept=".mp4,.mov,video/mp4,video/quicktime"
                                aria-describedby="video-file-errors video-file-why"
                                disabled=move || !local.get() || add_file.pending().get()
                                on:change=move |ev| {
                                    let input: web_sys::HtmlInputElement = event_target(&ev);
                                    file_errors.set(Vec::new());
                                    add_file.clear();
                                    if let Some(file) = input.files().and_then(|f| f.get(0)) {
                                        add_file.dispatch_local(file);
                                    }
                                    input.set_value("");
                                }/>
                        </div>
                        <p class="muted" role="status">{move || add_file.pending().get().then(|| t("Checking and uploading the video…"))}</p>
                        <Show when=move || !local.get()>
                            <p class="unavailable" id="video-file-why" data-testid="video-file-why">{t("Local videos are unavailable here: the upstream fetches a video by URL, and this studio has no public address (--public-url) to serve one from. Add a video by URL instead.")}</p>
                        </Show>
                        <FieldErrors id="video-file-errors" errors=Signal::derive(move || file_errors.get())/>
                        {move || file_failure().map(|why| view! { <p class="field-error" role="alert" data-testid="video-file-error">{why}</p> })}
                    </Show>
                </fieldset>
    }
}

/// What the browser reads of the video at `src`: its seconds and pixels (`None`: it
/// cannot read it).
async fn read_meta(src: &str) -> Option<(f64, u32, u32)> {
    let el: web_sys::HtmlVideoElement = web_sys::window()?
        .document()?
        .create_element("video")
        .ok()?
        .unchecked_into();
    let probe = el.clone();
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        let failed = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = reject.call0(&wasm_bindgen::JsValue::NULL);
        });
        el.set_onloadedmetadata(Some(ok.unchecked_ref()));
        el.set_onerror(Some(failed.unchecked_ref()));
    });
    probe.set_preload("metadata");
    probe.set_src(src);
    wasm_bindgen_futures::JsFuture::from(loaded).await.ok()?;
    Some((probe.duration(), probe.video_width(), probe.video_height()))
}
