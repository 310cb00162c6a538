//! The simulator's element library: the account's own elements (ids above 2^53, so a
//! client that rounds them through a JS number is caught) and a few official presets.

use super::{envelope, error, lock, render, Shared};
use crate::clock;
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_api::codes;
use omni_api::elements::{
    CreateElementRequest, DeleteElementRequest, Element, ElementTag, TagItem,
};
use omni_api::json::Reader;
use omni_api::media::{classify, decode_base64, inspect, ImageInput};
use omni_api::{ElementId, Violations};

/// The first id the simulator hands out: just above what a JS number holds exactly.
const FIRST_ID: u64 = (1 << 53) + 1;

/// One stored element and, for a base64 frontal image, its bytes.
pub(super) struct Stored {
    pub element: Element,
    pub frontal: Option<(&'static str, Vec<u8>)>,
}

fn presets(base: &str) -> Vec<Element> {
    // 835266081714884677 is the id in the upstream's own example.
    [
        (835_266_081_714_884_677u64, "Astronaut", ElementTag::Person),
        (900_719_925_474_099_301, "Red fox", ElementTag::Animal),
        (900_719_925_474_099_402, "Lantern", ElementTag::Prop),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (id, name, tag))| Element {
        element_id: ElementId(id),
        element_name: name.into(),
        element_description: format!("An official preset: {}", tag.label()),
        element_frontal_image: format!("{base}/sim/elements/preset-{i}.png"),
        element_refer_list: Vec::new(),
        tag_list: vec![TagItem { tag_id: tag }],
        owned_by: "kling".into(),
    })
    .collect()
}

pub(super) async fn create(
    axum::extract::State(sim): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return super::error(code);
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(codes::BAD_REQUEST);
    };
    let mut v = Violations::default();
    let Some(r) = Reader::root(&json, &mut v) else {
        return error(codes::INVALID_PARAMS);
    };
    let req = CreateElementRequest::read(&r, &mut v);
    v.extend_new_fields(req.validate());
    if !v.is_empty() {
        return envelope(400, codes::INVALID_PARAMS, &v.summary(), None);
    }
    let mut store = lock(&sim.elements);
    let id = FIRST_ID + store.len() as u64 * 1_000_003 + (clock::now_ms() as u64 % 1000);
    let frontal = match classify(&req.element_frontal_image) {
        ImageInput::Url(_) => None,
        ImageInput::Base64(b) => decode_base64(b).and_then(|bytes| {
            let mime = inspect(&bytes).ok()?.format.mime();
            Some((mime, bytes))
        }),
    };
    let element = Element {
        element_id: ElementId(id),
        element_frontal_image: if frontal.is_some() {
            format!("{}/sim/elements/{id}", sim.base_url)
        } else {
            req.element_frontal_image.clone()
        },
        element_name: req.element_name,
        element_description: req.element_description,
        element_refer_list: req.element_refer_list,
        tag_list: req.tag_list,
        owned_by: "user".into(),
    };
    store.insert(
        id,
        Stored {
            element: element.clone(),
            frontal,
        },
    );
    envelope(200, 0, "SUCCEED", serde_json::to_value(element).ok())
}

pub(super) async fn list_own(axum::extract::State(sim): Shared, headers: HeaderMap) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return super::error(code);
    }
    let own: Vec<Element> = lock(&sim.elements)
        .values()
        .rev()
        .map(|s| s.element.clone())
        .collect();
    envelope(200, 0, "SUCCEED", serde_json::to_value(own).ok())
}

pub(super) async fn list_presets(
    axum::extract::State(sim): Shared,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return super::error(code);
    }
    envelope(
        200,
        0,
        "SUCCEED",
        serde_json::to_value(presets(&sim.base_url)).ok(),
    )
}

pub(super) async fn delete(
    axum::extract::State(sim): Shared,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return super::error(code);
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(codes::BAD_REQUEST);
    };
    let mut v = Violations::default();
    let Some(req) =
        Reader::root(&json, &mut v).and_then(|r| DeleteElementRequest::read(&r, &mut v))
    else {
        return error(codes::INVALID_PARAMS);
    };
    match lock(&sim.elements).remove(&req.element_id.0) {
        Some(_) => envelope(
            200,
            0,
            "SUCCEED",
            Some(serde_json::json!({"element_id": req.element_id})),
        ),
        None => error(codes::NOT_FOUND),
    }
}

/// Frontal images: a stored upload, or a rendered picture for a preset.
pub(super) async fn image(axum::extract::State(sim): Shared, Path(name): Path<String>) -> Response {
    if let Some(i) = name
        .strip_prefix("preset-")
        .and_then(|n| n.strip_suffix(".png"))
        .and_then(|n| n.parse::<u64>().ok())
    {
        let bytes = tokio::task::spawn_blocking(move || render::png(512, 512, 1000 + i * 131))
            .await
            .unwrap_or_default();
        return ([(header::CONTENT_TYPE, "image/png")], bytes).into_response();
    }
    let Ok(id) = name.parse::<u64>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match lock(&sim.elements).get(&id).and_then(|s| s.frontal.clone()) {
        Some((mime, bytes)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
