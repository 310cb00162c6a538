//! Kling 3.0 (kling-3.md sections 2 to 4, 11, 12): every new rule on both sides of its
//! boundary, with the numbers of the built-in catalog, and O1 keeping its narrower rules.

mod common;
use common::{has, rules};
use omni_api::{Catalog, TaskKind, UpstreamRequest};
use serde_json::{json, Value};

const VID: TaskKind = TaskKind::OmniVideo;
const IMG: TaskKind = TaskKind::OmniImage;
const GEN: TaskKind = TaskKind::ImageGeneration;

fn url(i: usize) -> String {
    format!("https://example.com/{i}.png")
}

/// A valid kling-v3-omni text-to-video request, changed by `f`.
fn v3(f: impl FnOnce(&mut Value)) -> Value {
    let mut body = json!({"model_name": "kling-v3-omni", "prompt": "a fox in the snow", "aspect_ratio": "16:9"});
    f(&mut body);
    body
}

/// A customize storyboard of shots lasting `seconds`, with `duration` as their sum.
fn board(seconds: &[u32]) -> Value {
    let shots: Vec<Value> = seconds
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"index": i + 1, "prompt": format!("shot {}", i + 1), "duration": s.to_string()}))
        .collect();
    let total: u32 = seconds.iter().sum();
    v3(|b| {
        b["multi_shot"] = json!(true);
        b["shot_type"] = json!("customize");
        b["prompt"] = json!("");
        b["multi_prompt"] = json!(shots);
        b["duration"] = json!(total.to_string());
    })
}

fn ok(kind: TaskKind, body: Value) {
    let found = rules(kind, body.clone());
    assert!(found.is_empty(), "{body}: {found:?}");
}

#[test]
fn v3_omni_takes_3_to_15_seconds_and_10_with_a_reference_video() {
    for (d, good) in [(2, false), (3, true), (15, true), (16, false)] {
        let body = v3(|b| b["duration"] = json!(d.to_string()));
        assert_eq!(rules(VID, body).is_empty(), good, "{d} s");
    }
    let video = |d: u32| {
        v3(|b| {
            b["duration"] = json!(d);
            b["video_list"] =
                json!([{"video_url": "https://example.com/a.mp4", "refer_type": "feature"}]);
        })
    };
    ok(VID, video(10));
    assert!(has(VID, video(11), "duration", "one_of"));
    // O1 keeps 5 or 10 for text-to-video and 3 to 10 with references.
    let o1 = |d: u32, refs: bool| {
        let mut b = json!({"model_name": "kling-video-o1", "prompt": "a", "aspect_ratio": "16:9", "duration": d});
        if refs {
            b["image_list"] = json!([{"image_url": url(1)}]);
        }
        b
    };
    ok(VID, o1(5, false));
    assert!(has(VID, o1(7, false), "duration", "one_of"));
    ok(VID, o1(7, true));
    assert!(has(VID, o1(11, true), "duration", "one_of"));
}

#[test]
fn sound_is_v3_and_off_with_a_video() {
    ok(VID, v3(|b| b["sound"] = json!("on")));
    ok(VID, v3(|b| b["sound"] = json!("off")));
    assert!(has(
        VID,
        v3(|b| b["sound"] = json!("loud")),
        "sound",
        "one_of"
    ));
    let with_video = v3(|b| {
        b["sound"] = json!("on");
        b["video_list"] = json!([{"video_url": "https://example.com/a.mp4", "refer_type": "base"}]);
        b.as_object_mut().unwrap().remove("aspect_ratio");
    });
    assert!(has(VID, with_video, "sound", "not_allowed"));
    let o1 = json!({"model_name": "kling-video-o1", "prompt": "a", "aspect_ratio": "1:1", "sound": "on"});
    assert!(has(VID, o1, "sound", "model_feature"));
}

#[test]
fn storyboards_take_1_to_6_shots_that_add_up() {
    ok(VID, board(&[15]));
    ok(VID, board(&[5, 4, 6]));
    ok(VID, board(&[1, 2, 2, 3, 3, 4]));
    assert!(has(
        VID,
        board(&[1, 2, 2, 3, 3, 2, 2]),
        "multi_prompt",
        "too_many"
    ));
    let mut none = board(&[5]);
    none["multi_prompt"] = json!([]);
    assert!(has(VID, none, "multi_prompt", "required"));
    // Each shot at least a second; the sum must be the duration, told at the shot that
    // goes past it, else at the last.
    assert!(has(
        VID,
        board(&[0, 5]),
        "multi_prompt[0].duration",
        "range"
    ));
    let mut long = board(&[5, 6, 4]);
    long["duration"] = json!("10");
    assert!(has(
        VID,
        long.clone(),
        "multi_prompt[1].duration",
        "shot_sum"
    ));
    // A shot longer than the whole video.
    let mut over = board(&[3, 11]);
    over["duration"] = json!("10");
    assert!(has(VID, over, "multi_prompt[1].duration", "range"));
    let mut short = board(&[3, 3]);
    short["duration"] = json!("10");
    assert!(has(VID, short, "multi_prompt[1].duration", "shot_sum"));
    let mut missing = board(&[5, 5]);
    missing["multi_prompt"][1]
        .as_object_mut()
        .unwrap()
        .remove("duration");
    assert!(has(VID, missing, "multi_prompt[1].duration", "required"));
}

#[test]
fn a_shot_prompt_is_1_to_512_characters_with_working_placeholders() {
    let mut b = board(&[5]);
    b["multi_prompt"][0]["prompt"] = json!("x".repeat(512));
    ok(VID, b.clone());
    b["multi_prompt"][0]["prompt"] = json!("x".repeat(513));
    assert!(has(VID, b.clone(), "multi_prompt[0].prompt", "max_chars"));
    b["multi_prompt"][0]["prompt"] = json!("  ");
    assert!(has(VID, b.clone(), "multi_prompt[0].prompt", "blank"));
    b["multi_prompt"][0]["prompt"] = json!("<<<image_1>>> turns");
    assert!(has(
        VID,
        b.clone(),
        "multi_prompt[0].prompt",
        "placeholder_dangling"
    ));
    b["image_list"] = json!([{"image_url": url(1)}]);
    ok(VID, b);
}

#[test]
fn shot_types_decide_what_the_main_prompt_must_be() {
    let mut b = board(&[5]);
    b.as_object_mut().unwrap().remove("shot_type");
    assert!(has(VID, b.clone(), "shot_type", "required"));
    b["shot_type"] = json!("random");
    assert!(has(VID, b.clone(), "shot_type", "one_of"));
    // intelligence: the model splits the main prompt, which is then required.
    let smart = v3(|b| {
        b["multi_shot"] = json!(true);
        b["shot_type"] = json!("intelligence");
    });
    ok(VID, smart.clone());
    let mut blank = smart;
    blank["prompt"] = json!("");
    assert!(has(VID, blank, "prompt", "blank"));
    // customize: the main prompt is ignored, and may be empty or left out.
    let mut left_out = board(&[5]);
    left_out.as_object_mut().unwrap().remove("prompt");
    ok(VID, left_out);
    // O1 has no storyboards.
    let mut o1 = board(&[5]);
    o1["model_name"] = json!("kling-video-o1");
    assert!(has(VID, o1, "multi_shot", "model_feature"));
}

#[test]
fn a_storyboard_may_start_from_a_first_frame_but_not_end_on_one() {
    let mut first = board(&[5]);
    first["image_list"] = json!([{"image_url": url(1), "type": "first_frame"}]);
    first.as_object_mut().unwrap().remove("aspect_ratio");
    ok(VID, first.clone());
    first["image_list"] = json!([{"image_url": url(1), "type": "first_frame"}, {"image_url": url(2), "type": "end_frame"}]);
    assert!(has(VID, first, "image_list[1].type", "not_allowed"));
}

#[test]
fn four_k_is_for_v3_generation_without_a_video() {
    ok(VID, v3(|b| b["mode"] = json!("4k")));
    let with_video = v3(|b| {
        b["mode"] = json!("4k");
        b["video_list"] =
            json!([{"video_url": "https://example.com/a.mp4", "refer_type": "feature"}]);
    });
    assert!(has(VID, with_video, "mode", "one_of"));
    let o1 =
        json!({"model_name": "kling-video-o1", "prompt": "a", "aspect_ratio": "1:1", "mode": "4k"});
    assert!(has(VID, o1, "mode", "one_of"));
}

#[test]
fn elements_with_frames_are_limited() {
    let elements = |n: u64| {
        (1..=n)
            .map(|id| json!({"element_id": id}))
            .collect::<Vec<_>>()
    };
    let framed = |n: u64, end: bool| {
        let mut images = vec![json!({"image_url": url(1), "type": "first_frame"})];
        if end {
            images.push(json!({"image_url": url(2), "type": "end_frame"}));
        }
        json!({"model_name": "kling-v3-omni", "prompt": "a", "image_list": images, "element_list": elements(n)})
    };
    ok(VID, framed(3, false));
    assert!(has(VID, framed(4, false), "element_list", "too_many"));
    ok(VID, framed(3, true));
    assert!(has(VID, framed(4, true), "element_list", "too_many"));
    let mut o1 = framed(1, true);
    o1["model_name"] = json!("kling-video-o1");
    assert!(has(VID, o1, "element_list", "too_many"));
}

#[test]
fn models_come_from_the_catalog() {
    let found = rules(VID, v3(|b| b["model_name"] = json!("kling-v9")));
    assert_eq!(found, [("model_name".to_owned(), "one_of".to_owned())]);
    let refused = UpstreamRequest::parse(
        VID,
        &v3(|b| b["model_name"] = json!("kling-v9")),
        Catalog::builtin(),
    )
    .unwrap_err();
    assert_eq!(
        refused.iter().next().unwrap().message,
        "\"kling-v9\" is not allowed here; must be one of: kling-video-o1, kling-v3-omni"
    );
}

#[test]
fn omni_image_v3_has_4k_and_series() {
    let img = |model: &str, extra: Value| {
        let mut b = json!({"model_name": model, "prompt": "a"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    ok(IMG, img("kling-v3-omni", json!({"resolution": "4k"})));
    assert!(has(
        IMG,
        img("kling-image-o1", json!({"resolution": "4k"})),
        "resolution",
        "one_of"
    ));
    ok(
        IMG,
        img(
            "kling-v3-omni",
            json!({"result_type": "series", "series_amount": 9}),
        ),
    );
    assert!(has(
        IMG,
        img(
            "kling-v3-omni",
            json!({"result_type": "series", "series_amount": 10})
        ),
        "series_amount",
        "range"
    ));
    assert!(has(
        IMG,
        img("kling-image-o1", json!({"result_type": "series"})),
        "result_type",
        "model_feature"
    ));
}

#[test]
fn image_generation_v3_takes_elements_up_to_ten_references() {
    let gen = |model: &str, n: u64, image: bool| {
        let mut b = json!({"model_name": model, "prompt": "<<<element_1>>> on a beach",
            "element_list": (1..=n).map(|id| json!({"element_id": id})).collect::<Vec<_>>()});
        if image {
            b["image"] = json!(url(1));
        }
        b
    };
    ok(GEN, gen("kling-v3", 9, true));
    ok(GEN, gen("kling-v3", 10, false));
    assert!(has(
        GEN,
        gen("kling-v3", 10, true),
        "element_list",
        "too_many"
    ));
    assert!(has(
        GEN,
        gen("kling-v1", 1, false),
        "element_list",
        "model_feature"
    ));
    assert!(has(
        GEN,
        json!({"model_name": "kling-v3", "prompt": "a", "resolution": "4k"}),
        "resolution",
        "one_of"
    ));
    // Without elements the endpoint still takes no placeholders.
    assert!(has(
        GEN,
        json!({"model_name": "kling-v3", "prompt": "<<<element_1>>>"}),
        "prompt",
        "placeholder_kind"
    ));
}

#[test]
fn estimates_follow_the_price_table() {
    let est = |kind: TaskKind, body: Value| {
        let req = UpstreamRequest::parse(kind, &body, Catalog::builtin()).unwrap();
        req.estimate(Catalog::builtin())
            .map(|e| (e.amount, e.currency))
    };
    let usd = |x: f64| Some((x, "USD".to_owned()));
    // Default mode pro, 5 s: 0.112 per second; sound 0.14; std 0.084; 4k 0.42.
    assert_eq!(est(VID, v3(|_| {})), usd(0.56));
    assert_eq!(est(VID, v3(|b| b["sound"] = json!("on"))), usd(0.7));
    assert_eq!(
        est(
            VID,
            v3(|b| {
                b["mode"] = json!("std");
                b["duration"] = json!("10");
            })
        ),
        usd(0.84)
    );
    assert_eq!(
        est(
            VID,
            v3(|b| {
                b["mode"] = json!("4k");
                b["duration"] = json!("3");
            })
        ),
        usd(1.26)
    );
    // A storyboard costs its shot sum.
    assert_eq!(est(VID, board(&[6, 4, 5])), usd(1.68));
    let video = v3(|b| {
        b["video_list"] =
            json!([{"video_url": "https://example.com/a.mp4", "refer_type": "feature"}])
    });
    assert_eq!(est(VID, video), usd(0.84));
    // Images: per image at the resolution, times n or the series size.
    assert_eq!(
        est(
            IMG,
            json!({"model_name": "kling-v3-omni", "prompt": "a", "resolution": "4k", "n": 2})
        ),
        usd(0.112)
    );
    assert_eq!(
        est(
            IMG,
            json!({"model_name": "kling-v3-omni", "prompt": "a", "result_type": "series"})
        ),
        usd(0.112)
    );
    assert_eq!(
        est(
            GEN,
            json!({"model_name": "kling-v3", "prompt": "a", "n": 3})
        ),
        usd(0.084)
    );
    // No price known: no estimate.
    assert_eq!(
        est(GEN, json!({"model_name": "kling-v1", "prompt": "a"})),
        None
    );
}
