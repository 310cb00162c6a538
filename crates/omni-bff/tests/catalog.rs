//! The open catalog end to end: what a client sends reaches a real upstream process
//! exactly (unknown fields and Kling 3.0 fields included), a refused request sends
//! nothing, an operator file changes the models without a build, and the simulator makes
//! Kling 3.0 videos of the asked length, with sound and one segment per shot.

mod support;
use omni_bff::simulator::mp4;
use serde_json::{json, Value};
use support::{error_fields, sim_stats, temp_dir, Bff, Simulator};

const KEY: &str = "catalog-test-gateway-key-0123456789";
const VIDEO: &str = "/kling/v1/videos/omni-video";

/// A Kling 3.0 storyboard with sound, a 64-bit element, and fields the catalog does not
/// model (one at the top, one inside a list item, one inside an object).
fn storyboard() -> Value {
    json!({
        "zz_trace": {"team": "studio", "ids": [1, 2]},
        "model_name": "kling-v3-omni",
        "multi_shot": true,
        "shot_type": "customize",
        "prompt": "",
        "multi_prompt": [
            {"index": 1, "prompt": "<<<element_1>>> opens the door", "duration": "6"},
            {"index": 2, "prompt": "close-up on the hands", "duration": "4", "camera": "dolly"},
            {"index": 3, "prompt": "wide shot of the street", "duration": "5"}
        ],
        "element_list": [{"element_id": 18446744073709551615u64}],
        "sound": "on",
        "mode": "pro",
        "aspect_ratio": "16:9",
        "duration": "15",
        "watermark_info": {"enabled": false, "position": "corner"}
    })
}

fn through_gateway(args: &[&str]) -> (Simulator, Bff) {
    let sim = Simulator::start(KEY);
    let mut all = vec!["--upstream", sim.url.as_str()];
    all.extend_from_slice(args);
    let bff = Bff::start_with(temp_dir("catalog"), &all, &[("OMNI_UPSTREAM_API_KEY", KEY)]);
    (sim, bff)
}

#[tokio::test]
async fn the_upstream_receives_exactly_what_the_client_sent() {
    let (sim, bff) = through_gateway(&[]);
    let sent = storyboard();
    let (status, body) = bff.post(VIDEO, &sent).await;
    assert_eq!(status, 200, "{body}");
    let mut warned: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            assert_eq!(w["rule"], "not_validated", "{w}");
            w["field"].as_str().unwrap()
        })
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        [
            "multi_prompt[1].camera",
            "watermark_info.position",
            "zz_trace"
        ]
    );
    let stats = sim_stats(&bff.http, &sim.url).await;
    let received = stats["bodies"].as_array().unwrap().last().unwrap().clone();
    // The BFF adds its own external_task_id in front; the rest is the client's object,
    // byte for byte and in its order (the element id past 2^53 included).
    let Value::Object(mut got) = received else {
        panic!("an object")
    };
    assert!(got.shift_remove("external_task_id").is_some());
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        serde_json::to_string(&sent).unwrap()
    );
    // The stored request is what went upstream.
    let task = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    let (_, studio) = bff
        .get(&format!(
            "/api/v1/tasks/{}?request=full",
            task["task_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        serde_json::to_string(&studio["data"]["request"]).unwrap(),
        serde_json::to_string(&sent).unwrap()
    );
}

#[tokio::test]
async fn documented_mappings_are_the_only_changes() {
    let (sim, bff) = through_gateway(&[]);
    // Numbers where the upstream documents strings, a data URL where it wants raw base64.
    let png = omni_bff::simulator::render::png(320, 320, 7);
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png);
    let sent = json!({"model_name": "kling-v3-omni", "prompt": "<<<image_1>>> waves", "duration": 7,
        "image_list": [{"image": format!("data:image/png;base64,{b64}"), "type": "first_frame"}],
        "extra": null, "external_task_id": ""});
    let (status, body) = bff.post(VIDEO, &sent).await;
    assert_eq!(status, 200, "{body}");
    let stats = sim_stats(&bff.http, &sim.url).await;
    let got = stats["bodies"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(got["duration"], "7");
    assert_eq!(
        got["image_list"][0],
        json!({"image_url": b64, "type": "first_frame"})
    );
    assert_eq!(got["extra"], Value::Null);
    assert!(got.as_object().unwrap().contains_key("extra"));
    // An empty external_task_id is absent: the BFF's own goes in its place, once.
    let raw = serde_json::to_string(&got).unwrap();
    assert_eq!(raw.matches("external_task_id").count(), 1, "{raw}");
    assert!(got["external_task_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn a_refused_request_sends_nothing_and_names_each_rule() {
    let (sim, bff) = through_gateway(&["--unknown-fields", "reject"]);
    let mut wrong_sum = storyboard();
    wrong_sum["multi_prompt"][1]["duration"] = json!("9");
    let mut cases = vec![
        // 6 + 9 reaches the 15 s total; the third shot is where the sum goes past it.
        (wrong_sum, vec!["multi_prompt[2].duration"]),
        // Sound with a reference video; O1 refuses sound and storyboards.
        (
            json!({"model_name": "kling-v3-omni", "prompt": "a", "aspect_ratio": "16:9", "sound": "on",
                "video_list": [{"video_url": "https://example.com/a.mp4", "refer_type": "feature"}]}),
            vec!["sound"],
        ),
        (
            json!({"model_name": "kling-video-o1", "prompt": "a", "aspect_ratio": "16:9", "sound": "on",
                "multi_shot": true, "shot_type": "intelligence"}),
            vec!["sound", "multi_shot"],
        ),
    ];
    // With --unknown-fields reject, the storyboard's unmodelled fields are each refused.
    cases.push((
        storyboard(),
        vec![
            "zz_trace",
            "multi_prompt[1].camera",
            "watermark_info.position",
        ],
    ));
    for (body, fields) in cases {
        let (status, answer) = bff.post(VIDEO, &body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["code"], 1201);
        let got = error_fields(&answer);
        for f in fields {
            assert!(got.contains(&f.to_owned()), "{f} not in {got:?}: {answer}");
        }
    }
    let (status, answer) = bff.post(VIDEO, &storyboard()).await;
    let rules: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!((status, rules), (400, vec!["unknown_field"; 3]));
    let stats = sim_stats(&bff.http, &sim.url).await;
    assert_eq!(stats["creates"], 0, "nothing reached the upstream");
}

#[tokio::test]
async fn kling_3_video_has_its_length_sound_shots_and_price() {
    let bff = Bff::new();
    let mut board = storyboard();
    board["element_list"] = json!([]);
    board["multi_prompt"][0]["prompt"] = json!("a door opens");
    let (status, body) = bff.post(VIDEO, &board).await;
    assert_eq!(status, 200, "{body}");
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["task_status"], "succeed");
    let video = &done["task_result"]["videos"][0];
    assert_eq!(video["duration"], "15");
    // Pro with sound: 0.14 per second in the catalog's price table.
    assert_eq!(done["final_unit_deduction"], "2.1");
    let bytes = bff.download(video["url"].as_str().unwrap()).await;
    let probe = mp4::probe(&bytes).expect("an MP4");
    assert_eq!(probe.seconds, 15.0);
    let kinds: Vec<&str> = probe.tracks.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["vide", "soun"]);
    // A silent 3 s text-to-video has one segment and no sound track.
    let (_, body) = bff
        .post(
            VIDEO,
            &json!({"model_name": "kling-v3-omni", "prompt": "rain", "aspect_ratio": "9:16", "duration": "3", "mode": "std"}),
        )
        .await;
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["final_unit_deduction"], "0.252");
    let url = done["task_result"]["videos"][0]["url"].as_str().unwrap();
    let probe = mp4::probe(&bff.download(url).await).unwrap();
    assert_eq!((probe.seconds, probe.tracks.len()), (3.0, 1));
}

#[tokio::test]
async fn an_operator_catalog_changes_the_models_without_a_build() {
    let dir = temp_dir("operator");
    let file = dir.with_extension("toml");
    std::fs::write(
        &file,
        r#"# This deployment's gateway offers only O1 video, and one more image model.
[omni_video]
remove = ["kling-v3-omni"]

[[omni_image.models]]
name = "kling-image-o1-fast"
like = "kling-image-o1"
count = { min = 1, max = 4 }
"#,
    )
    .unwrap();
    let bff = Bff::start(dir, &["--catalog", file.to_str().unwrap()]);
    let (status, body) = bff.post(VIDEO, &storyboard()).await;
    assert_eq!(status, 400, "{body}");
    let error = &body["errors"][0];
    assert_eq!(
        (error["field"].as_str(), error["rule"].as_str()),
        (Some("model_name"), Some("one_of"))
    );
    let (_, cfg) = bff.get("/api/v1/config").await;
    let videos: Vec<&str> = cfg["data"]["catalog"]["omni_video"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(videos, ["kling-video-o1"]);
    // The added model takes its own limits, and the simulator (same catalog) makes it.
    let image = "/kling/v1/images/omni-image";
    let (status, _) = bff
        .post(
            image,
            &json!({"model_name": "kling-image-o1-fast", "prompt": "a", "n": 5}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = bff
        .post(
            image,
            &json!({"model_name": "kling-image-o1-fast", "prompt": "a", "n": 4}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["task_result"]["images"].as_array().unwrap().len(), 4);
}

#[test]
fn a_broken_catalog_file_is_refused_at_start_with_its_line() {
    let dir = temp_dir("broken");
    let file = dir.with_extension("toml");
    std::fs::write(
        &file,
        "[omni_video]\n\n[[omni_video.models]]\nname = \"kling-v3-omni\"\nduration = { max = \"long\" }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni-bff"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--catalog",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 4") && err.contains("kling-v3-omni") && err.contains("invalid type"),
        "{err}"
    );
}

#[tokio::test]
async fn a_deprecated_model_is_accepted_with_a_warning() {
    let bff = Bff::new();
    let (status, body) = bff
        .post(
            "/kling/v1/images/generations",
            &json!({"model_name": "kling-v2", "prompt": "a lighthouse"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let w = &body["warnings"][0];
    assert_eq!(
        (w["field"].as_str(), w["rule"].as_str()),
        (Some("model_name"), Some("deprecated"))
    );
    assert!(w["message"].as_str().unwrap().contains("2026-09-15"));
}
