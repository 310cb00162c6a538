//! Each endpoint's rules, on both sides of every boundary.

mod common;
use common::{b64, has, png, rules};
use omni_api::all_in_one::AioRequest;
use omni_api::json::Reader;
use omni_api::omni_video::Scenario;
use omni_api::{TaskKind, UpstreamRequest, Violations};
use serde_json::json;

const IMG: TaskKind = TaskKind::OmniImage;
const VID: TaskKind = TaskKind::OmniVideo;
const GEN: TaskKind = TaskKind::ImageGeneration;

fn url(i: usize) -> String {
    format!("https://example.com/{i}.png")
}

#[test]
fn omni_image_n_from_1_to_9() {
    for (n, ok) in [(0, false), (1, true), (9, true), (10, false)] {
        assert_eq!(
            rules(IMG, json!({"prompt": "x", "n": n})).is_empty(),
            ok,
            "n = {n}"
        );
    }
    assert!(has(IMG, json!({"prompt": "x", "n": 1.5}), "n", "type"));
    assert!(has(IMG, json!({"prompt": "x", "n": -1}), "n", "range"));
}

#[test]
fn omni_image_series_amount_only_with_series() {
    assert!(rules(
        IMG,
        json!({"model_name": "kling-v3-omni", "prompt": "x", "result_type": "series", "series_amount": 2})
    )
    .is_empty());
    assert!(rules(
        IMG,
        json!({"model_name": "kling-v3-omni", "prompt": "x", "result_type": "series", "series_amount": 9})
    )
    .is_empty());
    assert!(has(
        IMG,
        json!({"model_name": "kling-v3-omni", "prompt": "x", "result_type": "series", "series_amount": 1}),
        "series_amount",
        "range"
    ));
    assert!(has(
        IMG,
        json!({"model_name": "kling-v3-omni", "prompt": "x", "result_type": "series", "series_amount": 10}),
        "series_amount",
        "range"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "series_amount": 3}),
        "series_amount",
        "not_allowed"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "result_type": "single", "series_amount": 3}),
        "series_amount",
        "not_allowed"
    ));
    assert!(has(
        IMG,
        json!({"model_name": "kling-image-o1", "prompt": "x", "result_type": "series", "series_amount": "auto"}),
        "result_type",
        "model_feature"
    ));
    assert!(rules(IMG, json!({"model_name": "kling-v3-omni", "prompt": "x", "result_type": "series", "series_amount": "auto"})).is_empty());
    // Series are kling-v3-omni's (kling-3.md section 3): O1 refuses them.
    assert!(has(
        IMG,
        json!({"model_name": "kling-image-o1", "prompt": "x", "result_type": "series"}),
        "result_type",
        "model_feature"
    ));
}

#[test]
fn omni_image_enums_and_models() {
    assert!(has(
        IMG,
        json!({"prompt": "x", "aspect_ratio": "5:4"}),
        "aspect_ratio",
        "one_of"
    ));
    assert!(rules(IMG, json!({"prompt": "x", "aspect_ratio": "auto"})).is_empty());
    assert!(has(
        IMG,
        json!({"prompt": "x", "resolution": "4k"}),
        "resolution",
        "one_of"
    ));
    assert!(rules(
        IMG,
        json!({"model_name": "kling-v3-omni", "prompt": "x", "resolution": "4k"})
    )
    .is_empty());
    assert!(has(
        IMG,
        json!({"model_name": "kling-video-o1", "prompt": "x"}),
        "model_name",
        "one_of"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "result_type": "many"}),
        "result_type",
        "one_of"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "callback_url": "not a url"}),
        "callback_url",
        "url_invalid"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "callback_url": "ftp://x.com/cb"}),
        "callback_url",
        "url_scheme"
    ));
    assert!(has(
        IMG,
        json!({"prompt": "x", "watermark_info": {"enabled": "yes"}}),
        "watermark_info.enabled",
        "type"
    ));
    assert!(has(IMG, json!({"prompt": 5}), "prompt", "type"));
    assert!(has(IMG, json!({}), "prompt", "blank"));
}

#[test]
fn omni_image_references_at_most_10_in_all() {
    let images: Vec<_> = (0..6).map(|i| json!({"image": url(i)})).collect();
    let elements: Vec<_> = (1..=4).map(|i| json!({"element_id": i})).collect();
    assert!(rules(
        IMG,
        json!({"prompt": "x", "image_list": images, "element_list": elements})
    )
    .is_empty());
    let elements: Vec<_> = (1..=5).map(|i| json!({"element_id": i})).collect();
    assert!(has(
        IMG,
        json!({"prompt": "x", "image_list": images, "element_list": elements}),
        "image_list",
        "too_many"
    ));
}

#[test]
fn omni_image_accepts_image_url_for_image_and_reports_paths() {
    let req = omni_api::UpstreamRequest::parse(
        IMG,
        &json!({"prompt": "<<<image_1>>>", "image_list": [{"image_url": url(1)}]}),
        omni_api::Catalog::builtin(),
    )
    .unwrap();
    assert_eq!(req.to_json()["image_list"][0], json!({"image": url(1)}));
    let errs = rules(
        IMG,
        json!({"prompt": "x", "image_list": [{"image": url(0)}, {"image": "https://x.com/a.gif"}, {}]}),
    );
    assert!(errs.contains(&("image_list[1].image".into(), "file_extension".into())));
    assert!(errs.contains(&("image_list[2].image".into(), "required".into())));
    assert!(has(
        IMG,
        json!({"prompt": "x", "element_list": [{"element_id": "abc"}]}),
        "element_list[0].element_id",
        "type"
    ));
}

fn scenario(body: serde_json::Value) -> Scenario {
    let mut v = Violations::default();
    let r = Reader::root(&body, &mut v).unwrap();
    omni_api::omni_video::OmniVideoRequest::read(&r, &mut v).scenario()
}

#[test]
fn omni_video_scenarios() {
    assert_eq!(scenario(json!({"prompt": "x"})), Scenario::TextToVideo);
    assert_eq!(
        scenario(json!({"prompt": "x", "image_list": [{"image_url": url(0)}]})),
        Scenario::Reference
    );
    assert_eq!(
        scenario(json!({"prompt": "x", "element_list": [{"element_id": 1}]})),
        Scenario::Reference
    );
    assert_eq!(
        scenario(
            json!({"prompt": "x", "image_list": [{"image_url": url(0), "type": "first_frame"}]})
        ),
        Scenario::FirstFrame
    );
    assert_eq!(
        scenario(
            json!({"prompt": "x", "image_list": [{"image_url": url(0), "type": "first_frame"}, {"image_url": url(1), "type": "end_frame"}]})
        ),
        Scenario::FirstEndFrame
    );
    assert_eq!(
        scenario(
            json!({"prompt": "x", "video_list": [{"video_url": "https://x.com/v.mp4", "refer_type": "feature"}]})
        ),
        Scenario::VideoReference
    );
    assert_eq!(
        scenario(
            json!({"prompt": "x", "video_list": [{"video_url": "https://x.com/v.mp4", "refer_type": "base"}]})
        ),
        Scenario::VideoEdit
    );
}

#[test]
fn omni_video_aspect_ratio_by_scenario() {
    assert!(has(VID, json!({"prompt": "x"}), "aspect_ratio", "required"));
    assert!(rules(VID, json!({"prompt": "x", "aspect_ratio": "16:9"})).is_empty());
    assert!(has(
        VID,
        json!({"prompt": "x", "aspect_ratio": "4:3"}),
        "aspect_ratio",
        "one_of"
    ));
    let first = json!([{"image_url": url(0), "type": "first_frame"}]);
    assert!(rules(VID, json!({"prompt": "x", "image_list": first})).is_empty());
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": first, "aspect_ratio": "16:9"}),
        "aspect_ratio",
        "not_allowed"
    ));
    let edit = json!([{"video_url": "https://x.com/v.mp4", "refer_type": "base"}]);
    assert!(rules(VID, json!({"prompt": "x", "video_list": edit})).is_empty());
    assert!(has(
        VID,
        json!({"prompt": "x", "video_list": edit, "aspect_ratio": "1:1"}),
        "aspect_ratio",
        "not_allowed"
    ));
}

#[test]
fn omni_video_duration_by_scenario() {
    for (d, ok) in [(5, true), (10, true), (3, false), (7, false)] {
        assert_eq!(
            rules(
                VID,
                json!({"prompt": "x", "aspect_ratio": "16:9", "duration": d.to_string()})
            )
            .is_empty(),
            ok,
            "text-to-video {d}"
        );
    }
    let refs = json!([{"image_url": url(0)}]);
    for (d, ok) in [(2, false), (3, true), (7, true), (10, true), (11, false)] {
        let body = json!({"prompt": "x", "image_list": refs, "aspect_ratio": "16:9", "duration": d.to_string()});
        assert_eq!(rules(VID, body).is_empty(), ok, "reference {d}");
    }
    // Ignored for a video edit.
    let edit = json!([{"video_url": "https://x.com/v.mp4", "refer_type": "base"}]);
    assert!(rules(
        VID,
        json!({"prompt": "x", "video_list": edit, "duration": "7"})
    )
    .is_empty());
}

#[test]
fn omni_video_frames() {
    let end_only = json!([{"image_url": url(0), "type": "end_frame"}]);
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": end_only}),
        "image_list[0].type",
        "end_frame_without_first_frame"
    ));
    let three = json!([{"image_url": url(0), "type": "first_frame"}, {"image_url": url(1)}, {"image_url": url(2), "type": "end_frame"}]);
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": three}),
        "image_list[2].type",
        "end_frame_with_many_images"
    ));
    let edit = json!([{"video_url": "https://x.com/v.mp4", "refer_type": "base"}]);
    let first = json!([{"image_url": url(0), "type": "first_frame"}]);
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": first, "video_list": edit}),
        "image_list[0].type",
        "frame_with_video_edit"
    ));
    let two_firsts = json!([{"image_url": url(0), "type": "first_frame"}, {"image_url": url(1), "type": "first_frame"}]);
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": two_firsts}),
        "image_list[1].type",
        "duplicate"
    ));
}

#[test]
fn omni_video_counts() {
    let seven: Vec<_> = (0..7).map(|i| json!({"image_url": url(i)})).collect();
    let eight: Vec<_> = (0..8).map(|i| json!({"image_url": url(i)})).collect();
    assert!(rules(
        VID,
        json!({"prompt": "x", "image_list": seven, "aspect_ratio": "1:1"})
    )
    .is_empty());
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": eight, "aspect_ratio": "1:1"}),
        "image_list",
        "too_many"
    ));
    let video = json!([{"video_url": "https://x.com/v.mov"}]);
    let four: Vec<_> = (0..4).map(|i| json!({"image_url": url(i)})).collect();
    let five: Vec<_> = (0..5).map(|i| json!({"image_url": url(i)})).collect();
    assert!(rules(
        VID,
        json!({"prompt": "x", "image_list": four, "video_list": video, "aspect_ratio": "1:1"})
    )
    .is_empty());
    assert!(has(
        VID,
        json!({"prompt": "x", "image_list": five, "video_list": video, "aspect_ratio": "1:1"}),
        "image_list",
        "too_many"
    ));
    let two = json!([{"video_url": "https://x.com/a.mp4"}, {"video_url": "https://x.com/b.mp4"}]);
    assert!(has(
        VID,
        json!({"prompt": "x", "video_list": two, "aspect_ratio": "1:1"}),
        "video_list",
        "too_many"
    ));
    assert!(has(
        VID,
        json!({"prompt": "x", "video_list": [{"video_url": "https://x.com/a.avi"}], "aspect_ratio": "1:1"}),
        "video_list[0].video_url",
        "file_extension"
    ));
    assert!(has(
        VID,
        json!({"prompt": "x", "video_list": [{"video_url": "https://x.com/a.mp4", "refer_type": "copy"}], "aspect_ratio": "1:1"}),
        "video_list[0].refer_type",
        "one_of"
    ));
    assert!(has(
        VID,
        json!({"prompt": "x", "video_list": [{"video_url": "https://x.com/a.mp4", "keep_original_sound": "true"}], "aspect_ratio": "1:1"}),
        "video_list[0].keep_original_sound",
        "one_of"
    ));
    assert!(has(
        VID,
        json!({"prompt": "x", "mode": "fast", "aspect_ratio": "1:1"}),
        "mode",
        "one_of"
    ));
}

#[test]
fn image_generation_rules() {
    let image = url(0);
    assert!(rules(GEN, json!({"prompt": "x"})).is_empty());
    assert!(has(
        GEN,
        json!({"prompt": "x", "aspect_ratio": "auto"}),
        "aspect_ratio",
        "one_of"
    ));
    assert!(has(
        GEN,
        json!({"model_name": "kling-v1-5", "prompt": "x", "image": image}),
        "image_reference",
        "required"
    ));
    assert!(rules(GEN, json!({"model_name": "kling-v1-5", "prompt": "x", "image": image, "image_reference": "face"})).is_empty());
    assert!(has(
        GEN,
        json!({"model_name": "kling-v2", "prompt": "x", "image": image, "image_reference": "face"}),
        "image_reference",
        "model_feature"
    ));
    assert!(has(
        GEN,
        json!({"prompt": "x", "image": image, "negative_prompt": "blur"}),
        "negative_prompt",
        "not_allowed"
    ));
    assert!(rules(GEN, json!({"prompt": "x", "negative_prompt": "blur"})).is_empty());
    assert!(has(
        GEN,
        json!({"prompt": "x", "negative_prompt": "字".repeat(2501)}),
        "negative_prompt",
        "max_chars"
    ));
    for (f, ok) in [(-0.01, false), (0.0, true), (1.0, true), (1.01, false)] {
        assert_eq!(
            rules(
                GEN,
                json!({"prompt": "x", "image_fidelity": f, "human_fidelity": f})
            )
            .is_empty(),
            ok,
            "fidelity {f}"
        );
    }
    assert!(has(
        GEN,
        json!({"prompt": "<<<image_1>>>", "image": image}),
        "prompt",
        "placeholder_kind"
    ));
    assert!(has(GEN, json!({"prompt": "x", "n": 10}), "n", "range"));
}

#[test]
fn multi_shot_rules() {
    assert!(has(
        TaskKind::MultiShot,
        json!({}),
        "element_frontal_image",
        "required"
    ));
    assert!(rules(
        TaskKind::MultiShot,
        json!({"element_frontal_image": b64(&png(600, 800, 0))})
    )
    .is_empty());
    assert!(has(
        TaskKind::MultiShot,
        json!({"element_frontal_image": b64(&png(200, 800, 0))}),
        "element_frontal_image",
        "image_too_small"
    ));
}

fn aio(body: serde_json::Value) -> (AioRequest, Violations) {
    let mut v = Violations::default();
    let r = Reader::root(&body, &mut v).unwrap();
    let req = AioRequest::read(&r, &mut v);
    v.extend_new_fields(req.validate(omni_api::Catalog::builtin()));
    (req, v)
}

#[test]
fn all_in_one_rules_and_mapping() {
    let (req, v) = aio(
        json!({"model": "kling-image-o1", "prompt": "x <<<image_1>>>", "images": [url(0)], "aspect_ratio": "16:9", "resolution": "1k"}),
    );
    assert!(v.is_empty(), "{v:?}");
    match req.to_upstream(omni_api::Catalog::builtin()) {
        UpstreamRequest::OmniImage(o) => {
            assert_eq!(o.image_list.len(), 1);
            assert_eq!(o.n, Some(1), "num_images defaults to 1");
            assert_eq!(o.aspect_ratio.map(|a| a.to_string()), Some("16:9".into()));
        }
        other => panic!("expected Omni Image, got {other:?}"),
    }
    let (req, v) = aio(json!({"prompt": "x", "type": "ai-multi-shot", "images": [url(3), url(4)]}));
    assert!(v.is_empty());
    assert!(
        matches!(req.to_upstream(omni_api::Catalog::builtin()), UpstreamRequest::MultiShot(m) if m.element_frontal_image == url(3))
    );
    assert!(aio(json!({"prompt": "x", "type": "ai-multi-shot"}))
        .1
        .has("images", omni_api::Rule::Required));
    let eleven: Vec<_> = (0..11).map(url).collect();
    assert!(aio(json!({"prompt": "x", "images": eleven}))
        .1
        .has("images", omni_api::Rule::TooMany));
    for (n, ok) in [(0, false), (1, true), (9, true), (10, false)] {
        assert_eq!(
            aio(json!({"prompt": "x", "num_images": n})).1.is_empty(),
            ok,
            "num_images {n}"
        );
    }
    assert!(aio(json!({"prompt": "x", "resolution": "4k"}))
        .1
        .has("resolution", omni_api::Rule::OneOf));
    assert!(aio(json!({"prompt": "x", "type": "text"}))
        .1
        .has("type", omni_api::Rule::OneOf));
}
