//! Inputs the fuzzers (`cargo xtask fuzz`) found, kept so they stay fixed. Each runs
//! the same property as its fuzz target.

use omni_api::task::{TaskKind, UpstreamRequest};
use omni_api::Choice;

/// The `request` target's property: a request that passes reads back to itself.
fn round_trips(input: &[u8]) {
    let body: serde_json::Value = serde_json::from_slice(input).unwrap();
    for kind in TaskKind::ALL.iter().copied() {
        if let Ok(req) = UpstreamRequest::parse(kind, &body, omni_api::Catalog::builtin()) {
            let again = UpstreamRequest::parse(kind, &req.to_json(), omni_api::Catalog::builtin());
            assert_eq!(again.as_ref(), Ok(&req), "{kind:?}");
            let from_bytes: serde_json::Value =
                serde_json::from_slice(&req.to_json_bytes()).unwrap();
            assert_eq!(
                from_bytes,
                req.to_json(),
                "{kind:?}: both serialisations agree"
            );
        }
    }
}

#[test]
fn an_image_with_both_image_url_and_a_data_url_round_trips() {
    round_trips(include_bytes!("fuzz/request-image-url-and-data-url.json"));
}

#[test]
fn a_data_url_without_data_is_refused_where_it_was_typed() {
    let body = serde_json::json!({"prompt": "x", "image_list": [{"image": "data://tV4"}]});
    let refused = UpstreamRequest::parse(TaskKind::OmniImage, &body, omni_api::Catalog::builtin())
        .unwrap_err();
    assert!(
        refused.has("image_list[0].image", omni_api::Rule::Base64),
        "{refused:?}"
    );
}
