//! The request that made a task: the prompt with its references shown as thumbnails,
//! and every other parameter.

use crate::i18n::{t, tf};
use leptos::prelude::*;
use omni_api::media::{classify, ImageInput};
use omni_api::prompt::{parse, RefKind, Segment};

/// Where a reference of the request points, for a thumbnail or a label.
fn reference(request: &serde_json::Value, kind: RefKind, index: usize) -> Option<String> {
    let item = request.get(kind.list_field())?.get(index.checked_sub(1)?)?;
    match kind {
        RefKind::Image => item
            .get("image")
            .or_else(|| item.get("image_url"))
            .and_then(|v| v.as_str())
            .map(image_src),
        RefKind::Element => item.get("element_id").map(|id| id.to_string()),
        RefKind::Video => item
            .get("video_url")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    }
}

/// An `<img src>` for a reference given as a URL or as raw base64. Base64 becomes a
/// short `blob:` URL: a data URL is the whole image again as text, and re-rendering a
/// thumbnail (the prompt preview does so on every keystroke) would copy it each time.
pub fn image_src(value: &str) -> String {
    match classify(value) {
        ImageInput::Url(u) => omni_api::media::safe_link(u).unwrap_or_default().to_owned(),
        ImageInput::Base64(b) => {
            // JPEG's magic bytes encode as "/9j/"; everything else the upstream takes is PNG.
            let mime = if b.starts_with("/9j/") {
                "image/jpeg"
            } else {
                "image/png"
            };
            omni_api::media::decode_base64(b)
                .and_then(|bytes| blob_url(&bytes, mime))
                .unwrap_or_default()
        }
    }
}

/// An object URL for `bytes` of type `mime` (kept for the page's life: a few per form).
pub fn blob_url(bytes: &[u8], mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// The prompt and parameters of a stored request.
#[component]
pub fn RequestSummary(
    /// The request as the BFF stored it.
    request: omni_api::task::TaskRequest,
) -> impl IntoView {
    let prompt = request.prompt().unwrap_or("").to_owned();
    let request = request.json().clone();
    let pieces: Vec<AnyView> = parse(&prompt)
        .into_iter()
        .map(|seg| match seg {
            Segment::Placeholder(r, p) => {
                let token = prompt[r].to_owned();
                match (p.kind, reference(&request, p.kind, p.index)) {
                    (RefKind::Image, Some(src)) => view! {
                        <span class="chip"><img class="chip-thumb" src=src alt=""/>{p.label()}</span>
                    }
                    .into_any(),
                    (_, Some(target)) => view! { <span class="chip" title=target>{p.label()}</span> }.into_any(),
                    (_, None) => view! { <span class="chip dangling">{token}</span> }.into_any(),
                }
            }
            other => view! { <span>{prompt[other.range()].to_owned()}</span> }.into_any(),
        })
        .collect();
    let params: Vec<(String, String)> = request
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "prompt" | "image_list" | "element_list" | "video_list" | "multi_prompt"
                    )
                })
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .map(|(k, v)| {
                    if v.len() > 80 {
                        (k, format!("{}…", v.chars().take(60).collect::<String>()))
                    } else {
                        (k, v)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    // A storyboard's shots, in order: seconds and prompt.
    let shots: Vec<(String, String)> = request
        .get("multi_prompt")
        .and_then(|l| l.as_array())
        .map(|list| {
            list.iter()
                .map(|shot| {
                    let seconds = match shot.get("duration") {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    let prompt = shot.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
                    (seconds, prompt.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let references = ["image_list", "element_list", "video_list"]
        .iter()
        .map(|k| {
            request
                .get(*k)
                .and_then(|l| l.as_array())
                .map_or(0, Vec::len)
        })
        .collect::<Vec<_>>();
    view! {
        <section class="request" aria-label=t("Request")>
            <h2>{t("Request")}</h2>
            {(!prompt.is_empty()).then(|| view! { <p class="prompt-preview" data-testid="request-prompt" translate="no">{pieces}</p> })}
            {(!shots.is_empty()).then(|| view! {
                <ol class="request-shots" data-testid="request-shots">
                    {shots.into_iter().map(|(seconds, prompt)| view! {
                        <li><span class="muted">{tf("{} s", &[&seconds])}</span>" "<span translate="no">{prompt}</span></li>
                    }).collect_view()}
                </ol>
            })}
            <p class="muted">
                {tf("{} reference images, {} elements, {} videos", &[&references[0], &references[1], &references[2]])}
            </p>
            <dl class="params" translate="no">
                {params.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
        </section>
    }
}
