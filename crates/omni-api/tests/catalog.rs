//! The catalog as data: the built-in one is consistent and documented, and operator
//! changes (remove, add "like" another, change a limit) take effect in the validators;
//! mistakes are refused with the place and the reason.

use omni_api::catalog::Catalog;
use omni_api::{TaskKind, UpstreamRequest};
use serde_json::json;

fn refused(c: &Catalog, kind: TaskKind, body: serde_json::Value) -> Vec<(String, String)> {
    match UpstreamRequest::parse(kind, &body, c) {
        Ok(_) => Vec::new(),
        Err(v) => v
            .iter()
            .map(|e| (e.field.clone(), e.rule.as_str().to_owned()))
            .collect(),
    }
}

#[test]
fn the_builtin_catalog_holds_the_documented_models() {
    let c = Catalog::builtin();
    c.check().unwrap();
    assert_eq!(c.omni_image.names(), ["kling-image-o1", "kling-v3-omni"]);
    assert_eq!(c.omni_video.names(), ["kling-video-o1", "kling-v3-omni"]);
    assert!(c.image_generation.names().contains(&"kling-v3".to_owned()));
    assert_eq!(c.all_in_one.names(), ["kling-image-o1"]);
    let v3 = c.omni_video.model("kling-v3-omni").unwrap();
    assert!(v3.sound && v3.multi_shot.is_some());
    let o1 = c.omni_video.model("kling-video-o1").unwrap();
    assert!(!o1.sound && o1.multi_shot.is_none());
    let retired = c.image_generation.model("kling-v2").unwrap();
    assert_eq!(retired.deprecated.as_ref().unwrap().date, "2026-09-15");
    // It survives the trip through /api/v1/config unchanged.
    let json = serde_json::to_string(c).unwrap();
    assert_eq!(&serde_json::from_str::<Catalog>(&json).unwrap(), c);
}

#[test]
fn removing_a_model_makes_it_refused() {
    let c = Catalog::builtin()
        .apply(&json!({"omni_video": {"remove": ["kling-v3-omni"]}}))
        .unwrap();
    assert_eq!(c.omni_video.names(), ["kling-video-o1"]);
    let body = json!({"model_name": "kling-v3-omni", "prompt": "a", "aspect_ratio": "16:9"});
    assert_eq!(
        refused(&c, TaskKind::OmniVideo, body.clone()),
        [("model_name".to_owned(), "one_of".to_owned())]
    );
    assert!(refused(Catalog::builtin(), TaskKind::OmniVideo, body).is_empty());
}

#[test]
fn a_model_like_another_starts_as_its_copy() {
    let c = Catalog::builtin()
        .apply(&json!({"omni_video": {"default_model": "kling-v3-omni-10s", "models": [
            {"name": "kling-v3-omni-10s", "like": "kling-v3-omni", "duration": {"max": 10}, "sound": false}
        ]}}))
        .unwrap();
    assert_eq!(c.omni_video.default_model.as_str(), "kling-v3-omni-10s");
    let added = c.omni_video.model("kling-v3-omni-10s").unwrap();
    assert_eq!(
        added.duration.as_ref().map(|d| (d.min, d.max)),
        Some((3, 10))
    );
    assert!(added.multi_shot.is_some(), "what is not changed is copied");
    let body = |d: u32, sound: &str| json!({"model_name": "kling-v3-omni-10s", "prompt": "a", "aspect_ratio": "16:9", "duration": d, "sound": sound});
    assert!(refused(&c, TaskKind::OmniVideo, body(10, "off")).is_empty());
    assert_eq!(
        refused(&c, TaskKind::OmniVideo, body(11, "on")),
        [
            ("duration".to_owned(), "one_of".to_owned()),
            ("sound".to_owned(), "model_feature".to_owned())
        ]
    );
}

#[test]
fn changing_a_limit_changes_the_rule() {
    let c = Catalog::builtin()
        .apply(&json!({"omni_image": {"models": [{"name": "kling-image-o1", "count": {"max": 4}, "references": {"max": 2}}]}}))
        .unwrap();
    let refs: Vec<_> = (0..3)
        .map(|i| json!({"image": format!("https://example.com/{i}.png")}))
        .collect();
    let got = refused(
        &c,
        TaskKind::OmniImage,
        json!({"model_name": "kling-image-o1", "prompt": "a", "n": 5, "image_list": refs}),
    );
    assert_eq!(
        got,
        [
            ("image_list".to_owned(), "too_many".to_owned()),
            ("n".to_owned(), "range".to_owned())
        ]
    );
    // Nested tables merge: references.elements kept its built-in value.
    assert!(
        c.omni_image
            .model("kling-image-o1")
            .unwrap()
            .references
            .elements
    );
}

#[test]
fn mistakes_are_refused_with_the_place_and_reason() {
    let cases = [
        (json!([1]), "must be a table of kinds"),
        (json!({"omni_sound": {}}), "unknown kind"),
        (
            json!({"omni_video": {"remove": ["kling-v9"]}}),
            "no such model",
        ),
        (
            json!({"omni_video": {"remove": "kling-video-o1"}}),
            "must be a list",
        ),
        (
            json!({"omni_video": {"models": [{"name": "x"}]}}),
            "say which model it is like",
        ),
        (
            json!({"omni_video": {"models": [{"name": "x", "like": "y"}]}}),
            "which is no model",
        ),
        (
            json!({"omni_video": {"models": [{"name": "kling-v3-omni", "like": "kling-video-o1"}]}}),
            "exists already",
        ),
        (
            json!({"omni_video": {"models": [{"name": "kling-v3-omni", "sond": true}]}}),
            "unknown field `sond`",
        ),
        (
            json!({"omni_video": {"models": [{"name": "kling-v3-omni", "modes": ["8k"]}]}}),
            "unknown value \"8k\"",
        ),
        (
            json!({"omni_video": {"models": [{"name": "kling-v3-omni", "duration": {"min": 9, "max": 4}}]}}),
            "duration",
        ),
        (
            json!({"omni_video": {"default_model": "kling-v9"}}),
            "default_model names no model",
        ),
        (
            json!({"all_in_one": {"remove": ["kling-image-o1"]}}),
            "no models left",
        ),
        (json!({"omni_video": {"colour": 1}}), "unknown key"),
    ];
    for (file, want) in cases {
        let err = Catalog::builtin().apply(&file).unwrap_err().to_string();
        assert!(err.contains(want), "{file}: {err}");
    }
}

#[test]
fn an_estimate_is_written_to_three_decimals_without_trailing_zeros() {
    let text = |amount: f64| {
        omni_api::catalog::Estimate {
            amount,
            currency: "USD".into(),
        }
        .amount_text()
    };
    for (amount, want) in [
        (0.0, "0"),
        (3.0, "3"),
        (2.1, "2.1"),
        (0.028, "0.028"),
        (0.5, "0.5"),
        (12.34, "12.34"),
        (1.0005, "1.001"),
        (-0.25, "-0.25"),
    ] {
        assert_eq!(text(amount), want, "{amount}");
    }
    // Every amount a price table makes (whole thousandths) reads as `{:.3}` trimmed, as
    // the app wrote it before.
    for m in 0..20_000u32 {
        let amount = f64::from(m) / 1000.0;
        let formatted = format!("{amount:.3}");
        let trimmed = formatted.trim_end_matches('0').trim_end_matches('.');
        assert_eq!(text(amount), trimmed, "{amount}");
    }
}
