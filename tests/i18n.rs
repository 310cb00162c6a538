//! Validation messages in Chinese, worded by the app from omni-api's typed problems: a
//! wide set of bad requests of every kind must read as Chinese sentences, with English
//! left only in names (fields, placeholders, models, formats) and quoted input.

use omni_api::task::{TaskKind, UpstreamRequest};
use omni_api::FieldError;
use omni_studio::i18n::{self, field_message, Lang};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BAD: &[(TaskKind, &str)] = &[
    (
        TaskKind::OmniImage,
        r#"{"prompt": 5, "n": "x", "aspect_ratio": true, "image_list": "a"}"#,
    ),
    (
        TaskKind::OmniImage,
        r#"{"model_name":"kling-image-o1","prompt":"<<<image_2>>> <<<img_1>>> <<<video_1>>> <<<image_0>>> <<<image_1","n":12,"resolution":"4k","result_type":"single","series_amount":3,
        "image_list":[{"image":"ftp://x/a.png"},{"image":"https://x/a.gif"},{"image":"data:image/png;base64,"},{"image":"!!"}],
        "element_list":[{"element_id":"x"}],"callback_url":"nope","external_task_id":"a b/c","aspect_ratio":"7:3"}"#,
    ),
    (
        TaskKind::OmniImage,
        r#"{"model_name":"kling-image-o1","prompt":"   ","result_type":"series","series_amount":"auto"}"#,
    ),
    (
        TaskKind::OmniVideo,
        r#"{"prompt":"a","aspect_ratio":"16:9","duration":"7","video_list":[{"video_url":"https://x/a.avi","refer_type":"base"},{"video_url":"https://x/b.mp4"}],
        "image_list":[{"image_url":"https://x/a.png","type":"end_frame"},{"image_url":"https://x/b.png","type":"end_frame"},{"image_url":"https://x/c.png","type":"first_frame"}]}"#,
    ),
    (TaskKind::OmniVideo, r#"{"prompt":"a","duration":"7"}"#),
    (
        TaskKind::OmniVideo,
        r#"{"prompt":"a","image_list":[{"image_url":"https://x/a.png","type":"first_frame"}],"aspect_ratio":"16:9","duration":"3"}"#,
    ),
    (
        TaskKind::ImageGeneration,
        r#"{"model_name":"kling-v1-5","prompt":"<<<image_1>>>","negative_prompt":"x","image":"https://x/a.png","image_fidelity":2}"#,
    ),
    (
        TaskKind::ImageGeneration,
        r#"{"model_name":"kling-v2","prompt":"a","image":"https://x/a.png","image_reference":"face"}"#,
    ),
    (TaskKind::MultiShot, r#"{}"#),
    // Kling 3.0: storyboards, sound, per-model features and limits from the catalog.
    (
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-v3-omni","multi_shot":true,"shot_type":"customize","prompt":"","duration":"9","sound":"on","aspect_ratio":"16:9",
        "video_list":[{"video_url":"https://x/a.mp4","refer_type":"feature"}],
        "multi_prompt":[{"index":1,"prompt":"a","duration":"5"},{"index":2,"prompt":" ","duration":"6"},{"index":3,"prompt":"c","duration":"1"},
        {"index":4,"prompt":"d","duration":"1"},{"index":5,"prompt":"e","duration":"1"},{"index":6,"prompt":"f","duration":"1"},{"index":7,"prompt":"g","duration":"1"}]}"#,
    ),
    (
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-video-o1","multi_shot":true,"sound":"on","prompt":"a","element_list":[{"element_id":1}],
        "image_list":[{"image_url":"https://x/a.png","type":"first_frame"},{"image_url":"https://x/b.png","type":"end_frame"}]}"#,
    ),
    (
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-v3-omni","multi_shot":true,"shot_type":"intelligence","prompt":"a","element_list":[{"element_id":1},{"element_id":2},{"element_id":3},{"element_id":4}],
        "image_list":[{"image_url":"https://x/a.png","type":"first_frame"},{"image_url":"https://x/b.png","type":"end_frame"}]}"#,
    ),
    (
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-v3-omni","prompt":"a","element_list":[{"element_id":1},{"element_id":2},{"element_id":3},{"element_id":4}],
        "image_list":[{"image_url":"https://x/a.png","type":"first_frame"}]}"#,
    ),
    (
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-nope","prompt":"a","aspect_ratio":"16:9"}"#,
    ),
    (
        TaskKind::OmniImage,
        r#"{"model_name":"kling-image-o1","prompt":"a","result_type":"series"}"#,
    ),
    (
        TaskKind::ImageGeneration,
        r#"{"model_name":"kling-v1","prompt":"<<<element_1>>>","element_list":[{"element_id":1}]}"#,
    ),
];

fn english_words(text: &str) -> Vec<String> {
    // Quoted input and names with digits, underscores, dots, colons or angle brackets are data.
    const NAMES: &[&str] = &[
        "JPEG",
        "PNG",
        "GIF",
        "URL",
        "ID",
        "http",
        "https",
        "base64",
        "data",
        "auto",
        "true",
        "false",
        "image",
        "element",
        "video",
        "JSON",
        "fps",
        "MB",
        "refer_type",
        "base",
    ];
    let mut unquoted = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '“' => quoted = true,
            '”' => quoted = false,
            c if !quoted => unquoted.push(c),
            _ => {}
        }
    }
    unquoted
        .split(|c: char| c.is_whitespace() || "，。；：、（）".contains(c))
        .map(|w| w.trim_end_matches(|c: char| ".:,;".contains(c)))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|w| {
            !w.chars()
                .any(|c| c.is_ascii_digit() || "_<>.:[]()/-\"%?#".contains(c))
        })
        .filter(|w| !NAMES.contains(w))
        .map(str::to_owned)
        .collect()
}

#[wasm_bindgen_test]
fn every_problem_reads_as_chinese() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("omni.lang", "zh-CN").unwrap();
    i18n::init();
    assert_eq!(i18n::lang(), Lang::Zh);
    let mut errors: Vec<FieldError> = Vec::new();
    for (kind, body) in BAD {
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        match UpstreamRequest::parse(*kind, &json, omni_api::Catalog::builtin()) {
            Ok(req) => errors.extend(req.validate(omni_api::Catalog::builtin()).0),
            Err(v) => errors.extend(v.0),
        }
    }
    let mut rules: Vec<&str> = errors.iter().map(|e| e.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    let mut bad = Vec::new();
    for e in &errors {
        let zh = field_message(e);
        let cjk = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let words = english_words(&zh);
        if !cjk || !words.is_empty() {
            bad.push(format!(
                "{} [{}] {:?} -> {zh} ({words:?})",
                e.field, e.rule, e.problem
            ));
        }
    }
    storage.set_item("omni.lang", "en").unwrap();
    i18n::init();
    assert!(
        rules.len() >= 15,
        "only {} rules exercised: {rules:?}",
        rules.len()
    );
    for rule in ["shot_sum", "model_feature", "not_allowed", "too_many"] {
        assert!(rules.contains(&rule), "{rule} not exercised: {rules:?}");
    }
    assert!(bad.is_empty(), "not Chinese:\n{}", bad.join("\n"));
    // English is omni-api's own sentence, unchanged.
    assert_eq!(field_message(&errors[0]), errors[0].message);
}
