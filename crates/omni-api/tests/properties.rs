//! Property tests: no input panics, serialisation round-trips, renumbering keeps every
//! placeholder on the same reference.

use omni_api::prompt::{after_move, after_remove, parse, placeholders, RefKind, Segment};
use omni_api::{TaskKind, UpstreamRequest};
use proptest::prelude::*;

fn prompt_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z 城市]{0,6}",
        (1usize..6).prop_map(|i| format!("<<<image_{i}>>>")),
        (1usize..4).prop_map(|i| format!("<<<element_{i}>>>")),
        Just("<<<".to_owned()),
        Just(">>>".to_owned()),
        Just("<<<img_1>>>".to_owned()),
        Just("<<<image_0>>".to_owned()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parsing_never_panics_and_covers_the_text(text in "\\PC{0,80}") {
        let segs = parse(&text);
        let mut at = 0;
        for s in &segs {
            prop_assert_eq!(s.range().start, at);
            at = s.range().end;
        }
        prop_assert_eq!(at, text.len());
    }

    #[test]
    fn parsing_structured_prompts_covers_the_text(text in prompt_text()) {
        let joined: String = parse(&text).iter().map(|s| &text[s.range()]).collect();
        prop_assert_eq!(joined, text);
    }

    #[test]
    fn validation_never_panics(body in any_json()) {
        for kind in [TaskKind::OmniImage, TaskKind::OmniVideo, TaskKind::ImageGeneration, TaskKind::MultiShot] {
            let _ = UpstreamRequest::parse(kind, &body, omni_api::Catalog::builtin());
        }
    }

    #[test]
    fn valid_requests_round_trip(prompt in "[a-z][a-z ]{0,39}", n in 1u32..=9, ids in prop::collection::vec(any::<u64>(), 0..5)) {
        let body = serde_json::json!({
            "prompt": prompt,
            "n": n,
            "element_list": ids.iter().map(|id| serde_json::json!({"element_id": id})).collect::<Vec<_>>(),
        });
        let req = UpstreamRequest::parse(TaskKind::OmniImage, &body, omni_api::Catalog::builtin()).unwrap();
        let json = req.to_json();
        let again = UpstreamRequest::parse(TaskKind::OmniImage, &json, omni_api::Catalog::builtin()).unwrap();
        prop_assert_eq!(&again, &req);
        let stored = UpstreamRequest::from_stored(TaskKind::OmniImage, &json).unwrap();
        prop_assert_eq!(stored, req);
    }

    #[test]
    fn removing_keeps_placeholders_on_their_reference(text in prompt_text(), removed in 1usize..6) {
        // References are named by their original index; after removal, item i > removed moves to i - 1.
        let refs: Vec<usize> = (1..=5).collect();
        let after: Vec<usize> = refs.iter().copied().filter(|&r| r != removed).collect();
        let before_targets: Vec<usize> = placeholders(&text).filter(|(_, p)| p.kind == RefKind::Image && p.index != removed).map(|(_, p)| p.index).collect();
        let new = after_remove(&text, RefKind::Image, removed);
        let after_targets: Vec<usize> = placeholders(&new).filter(|(_, p)| p.kind == RefKind::Image).map(|(_, p)| after[p.index - 1]).collect();
        prop_assert_eq!(before_targets, after_targets);
    }

    #[test]
    fn moving_keeps_placeholders_on_their_reference(text in prompt_text(), from in 1usize..6, to in 1usize..6) {
        let mut order: Vec<usize> = (1..=5).collect();
        let item = order.remove(from - 1);
        order.insert(to - 1, item);
        let before: Vec<usize> = placeholders(&text).filter(|(_, p)| p.kind == RefKind::Image).map(|(_, p)| p.index).collect();
        let new = after_move(&text, RefKind::Image, from, to);
        let after: Vec<usize> = placeholders(&new).filter(|(_, p)| p.kind == RefKind::Image).map(|(_, p)| order[p.index - 1]).collect();
        prop_assert_eq!(before, after);
        // Text outside placeholders is untouched.
        let plain = |t: &str| parse(t).into_iter().filter(|s| matches!(s, Segment::Text(_))).map(|s| t[s.range()].to_owned()).collect::<String>();
        prop_assert_eq!(plain(&text), plain(&new));
    }
}

fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("prompt"),
            Just("<<<image_1>>>"),
            Just("16:9"),
            Just("series"),
            Just("data:image/png;base64,iVBORw0KGgo=")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let keys = prop_oneof![
            Just("prompt"),
            Just("n"),
            Just("image_list"),
            Just("image"),
            Just("image_url"),
            Just("element_list"),
            Just("element_id"),
            Just("video_list"),
            Just("video_url"),
            Just("type"),
            Just("aspect_ratio"),
            Just("duration"),
            Just("series_amount"),
            Just("result_type"),
            Just("watermark_info"),
            Just("enabled"),
            Just("negative_prompt"),
            Just("element_frontal_image"),
            Just("refer_type"),
            Just("model_name"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::vec((keys, inner), 0..6).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}
