//! A task's results: images in a grid shaped by their aspect ratio, a keyboard-driven
//! lightbox, downloads (one or all), copy link, use as reference; videos in a player.

use crate::api;
use crate::draft;
use crate::i18n::{t, tf};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use omni_api::omni_video::{OmniVideoRequest, ReferType, VideoItem};
use omni_api::{ResultSet, StudioTask};
use wasm_bindgen::JsCast;

/// One image of a result.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    set: ResultSet,
    index: usize,
    /// A URL the upstream can fetch when the image is reused as a reference: the BFF's
    /// copy (made absolute) once it exists, else the upstream's own link if it is an
    /// http(s) one (the buttons that reuse it are hidden otherwise).
    upstream_url: Option<String>,
    has_watermark: bool,
}

fn items(task: &StudioTask) -> Vec<Item> {
    let r = &task.task.task_result;
    let from = |set: ResultSet, list: &[omni_api::task::ResultImage]| {
        list.iter()
            .enumerate()
            .map(|(index, img)| Item {
                set,
                index,
                upstream_url: reachable(&img.url),
                has_watermark: img.watermark_url.is_some(),
            })
            .collect::<Vec<_>>()
    };
    let mut all = from(ResultSet::Images, &r.images);
    all.extend(from(ResultSet::SeriesImages, &r.series_images));
    all
}

/// `16 / 9` for CSS `aspect-ratio`, from the request (square when auto or unknown).
fn css_ratio(task: &StudioTask) -> String {
    let ratio = task
        .request
        .as_ref()
        .and_then(|r| r.text("aspect_ratio"))
        .unwrap_or("1:1");
    match ratio.split_once(':') {
        Some((w, h)) if w.parse::<u32>().is_ok() && h.parse::<u32>().is_ok() => {
            format!("{w} / {h}")
        }
        _ => "1 / 1".into(),
    }
}

/// A link the upstream can fetch to reuse a result: the BFF's copy (made absolute) once
/// it exists, else the upstream's own http(s) link.
fn reachable(url: &str) -> Option<String> {
    omni_api::media::safe_link(url).map(|u| {
        if u.starts_with('/') {
            absolute(u)
        } else {
            u.to_owned()
        }
    })
}

fn with_download(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}download=1")
}

use crate::deployment::absolute;

/// The results of a finished task.
#[component]
pub fn Results(
    /// The task whose results to show.
    #[prop(into)]
    task: Signal<StudioTask>,
) -> impl IntoView {
    let watermarked = RwSignal::new(false);
    let open = RwSignal::new(None::<usize>);
    let copied = RwSignal::new(None::<String>);
    let all = Memo::new(move |_| items(&task.read()));
    let ratio = Memo::new(move |_| css_ratio(&task.read()));
    let id = Memo::new(move |_| task.read().task.task_id.0.clone());
    let any_watermark = move || all.read().iter().any(|i| i.has_watermark);
    let src = move |item: &Item| {
        api::file_url(
            &id.get(),
            item.set,
            item.index,
            watermarked.get() && item.has_watermark,
        )
    };
    let name = move |item: &Item| {
        let suffix = if watermarked.get() && item.has_watermark {
            "-watermarked"
        } else {
            ""
        };
        format!(
            "{}-{}-{}{suffix}.png",
            task.read().kind,
            id.get(),
            item.index + 1
        )
    };
    let navigate = use_navigate();
    let reuse = {
        let navigate = navigate.clone();
        move |url: String, form: draft::Form| {
            draft::add_reference(&url);
            navigate(form.path(), Default::default());
        }
    };
    let copy = move |url: String| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&url);
        }
        copied.set(Some(url));
    };

    let videos = move || {
        let t = task.read();
        t.task
            .task_result
            .videos
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    i,
                    v.duration.clone(),
                    v.cover_url.is_some(),
                    reachable(&v.url),
                )
            })
            .collect::<Vec<_>>()
    };
    // "Next shot" and "edit": Omni Video opens with this video as its reference, as a
    // feature (the story goes on) or as the base (the video itself is changed).
    let follow_up = move |url: String, refer: ReferType| {
        // The same model, when the result is itself an Omni Video task.
        let model = task.with_untracked(|t| {
            (t.kind == omni_api::TaskKind::OmniVideo)
                .then(|| {
                    t.request
                        .as_ref()?
                        .text("model_name")
                        .map(omni_api::ModelName::from)
                })
                .flatten()
        });
        let prompt = match refer {
            ReferType::Base => t("Change <<<video_1>>>: "),
            _ => t("The next shot after <<<video_1>>>: "),
        };
        draft::put(
            draft::Form::OmniVideo,
            &OmniVideoRequest {
                model_name: model,
                prompt: prompt.to_owned(),
                video_list: vec![VideoItem {
                    video_url: url,
                    refer_type: Some(refer),
                    keep_original_sound: None,
                }],
                ..Default::default()
            },
        );
        navigate(draft::Form::OmniVideo.path(), Default::default());
    };
    view! {
        <section class="results-section" aria-label=t("Results")>
            <div class="results-bar">
                <Show when=any_watermark>
                    <label class="toggle">
                        <input type="checkbox" prop:checked=move || watermarked.get() on:change=move |ev| watermarked.set(event_target_checked(&ev))/>
                        {t("Show watermarked versions")}
                    </label>
                </Show>
                <Show when=move || !all.read().is_empty() || !videos().is_empty()>
                    <a class="button secondary" data-testid="download-all" href=move || api::zip_url(&id.get()) download="">{t("Download all")}</a>
                </Show>
                <p class="sr-only" role="status">{move || copied.get().map(|_| t("Link copied"))}</p>
            </div>
            <ul class="results">
                <For each=move || all.get().into_iter().enumerate() key=|(n, item)| (*n, item.upstream_url.clone()) let:entry>
                    {
                        let (n, item) = entry;
                        let (item2, item3, item4, item5) = (item.clone(), item.clone(), item.clone(), item.clone());
                        let (reuse, reuse_video) = (reuse.clone(), reuse.clone());
                        view! {
                            <li class="result">
                                <button class="result-open" style:aspect-ratio=move || ratio.get() aria-label=tf("Open image {}", &[&(n + 1)]) on:click=move |_| open.set(Some(n))>
                                    <img data-testid="result-image" src=move || src(&item) alt=tf("Result image {}", &[&(n + 1)])/>
                                </button>
                                <div class="result-actions">
                                    <a data-testid="download-image" href=move || with_download(&src(&item2)) download=move || name(&item5)>{t("Download")}</a>
                                    <button type="button" class="link" on:click=move |_| copy(absolute(&src(&item3)))>{t("Copy link")}</button>
                                    {item4.upstream_url.clone().map(|url| {
                                        let url2 = url.clone();
                                        view! {
                                            <button type="button" class="link" data-testid="use-as-reference" on:click=move |_| reuse(url.clone(), draft::Form::OmniImage)>{t("Use in Omni Image")}</button>
                                            <button type="button" class="link" data-testid="use-in-video" on:click=move |_| reuse_video(url2.clone(), draft::Form::OmniVideo)>{t("Use in Omni Video")}</button>
                                        }
                                    })}
                                </div>
                            </li>
                        }
                    }
                </For>
            </ul>
            <For each=videos key=|(i, _, _, url)| (*i, url.clone()) let:video>
                {
                    let (i, duration, has_cover, reachable) = video;
                    let follow_up = follow_up.clone();
                    view! {
                        <figure class="video">
                            <video
                                data-testid="result-video"
                                controls
                                preload="metadata"
                                src=move || api::file_url(&id.get(), ResultSet::Videos, i, watermarked.get())
                                poster=move || has_cover.then(|| api::file_url(&id.get(), ResultSet::Covers, i, false))
                            ></video>
                            <figcaption>
                                {duration.map(|d| format!("{} · ", tf("{} s", &[&d]))).unwrap_or_default()}
                                <a href=move || with_download(&api::file_url(&id.get(), ResultSet::Videos, i, watermarked.get())) download="">{t("Download video")}</a>
                                {reachable.map(|url| {
                                    let (next, edit, url2) = (follow_up.clone(), follow_up, url.clone());
                                    view! {
                                        " · "<button type="button" class="link" data-testid="next-shot" on:click=move |_| next(url.clone(), ReferType::Feature)>{t("Next shot")}</button>
                                        " · "<button type="button" class="link" data-testid="edit-video" on:click=move |_| edit(url2.clone(), ReferType::Base)>{t("Edit this video")}</button>
                                    }
                                })}
                            </figcaption>
                        </figure>
                    }
                }
            </For>
            <Lightbox open=open count=Signal::derive(move || all.read().len()) src=Signal::derive(move || open.get().and_then(|n| all.read().get(n).cloned()).map(|item| src(&item)))/>
        </section>
    }
}

/// The full-size view of one image; arrow keys move, Escape closes.
/// Focuses the button that opens image `i` (after the lightbox closed).
fn focus_opener(i: usize) {
    let opener = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(".result-open").ok())
        .and_then(|list| list.get(i as u32))
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = opener {
        let _ = el.focus();
    }
}

/// Keeps Tab inside the modal dialog: from its last button to its first, and back.
fn trap_focus(ev: &leptos::ev::KeyboardEvent) {
    let Some(dialog) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(buttons) = dialog.query_selector_all("button") else {
        return;
    };
    let nth = |i: u32| {
        buttons
            .get(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    };
    let (Some(first), Some(last)) = (nth(0), nth(buttons.length().saturating_sub(1))) else {
        return;
    };
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let at = |el: &web_sys::HtmlElement| active.as_ref() == Some(el.unchecked_ref());
    let wrap_to = match (ev.shift_key(), at(&first), at(&last)) {
        (true, true, _) => Some(last),
        (false, _, true) => Some(first),
        _ => None,
    };
    if let Some(target) = wrap_to {
        ev.prevent_default();
        let _ = target.focus();
    }
}

#[component]
fn Lightbox(
    /// Which image is open (by position), `None` when closed.
    open: RwSignal<Option<usize>>,
    /// How many images there are.
    #[prop(into)]
    count: Signal<usize>,
    /// The open image's address.
    #[prop(into)]
    src: Signal<Option<String>>,
) -> impl IntoView {
    let close_button = NodeRef::<leptos::html::Button>::new();
    let step = move |delta: isize| {
        let n = count.get_untracked() as isize;
        if n > 0 {
            open.update(|o| *o = o.map(|i| (i as isize + delta).rem_euclid(n) as usize));
        }
    };
    // Focus goes into the dialog when it opens, so the keyboard works at once, and back
    // to the image it was opened from when it closes.
    Effect::new(move |was: Option<Option<usize>>| {
        let now = open.get();
        match (was.flatten(), now) {
            (_, Some(_)) => {
                if let Some(b) = close_button.get() {
                    let _ = b.focus();
                }
            }
            (Some(i), None) => focus_opener(i),
            (None, None) => {}
        }
        now
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowRight" => step(1),
        "ArrowLeft" => step(-1),
        "Escape" => open.set(None),
        "Tab" => trap_focus(&ev),
        _ => {}
    };
    view! {
        <Show when=move || open.get().is_some()>
            <div class="lightbox" role="dialog" aria-modal="true" data-testid="lightbox"
                aria-label=move || tf("Image {} of {}", &[&(open.get().unwrap_or(0) + 1), &count.get()])
                on:keydown=on_key
            >
                <img src=move || src.get().unwrap_or_default() alt=move || tf("Result image {}", &[&(open.get().unwrap_or(0) + 1)])/>
                <div class="lightbox-bar">
                    <button type="button" on:click=move |_| step(-1) aria-label=t("Previous image")>"←"</button>
                    <span data-testid="lightbox-position">{move || format!("{} / {}", open.get().unwrap_or(0) + 1, count.get())}</span>
                    <button type="button" on:click=move |_| step(1) aria-label=t("Next image")>"→"</button>
                    <button type="button" node_ref=close_button on:click=move |_| open.set(None)>{t("Close")}</button>
                </div>
            </div>
        </Show>
    }
}
