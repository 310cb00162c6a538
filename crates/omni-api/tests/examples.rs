//! Every request example in api-docs passes, and element ids survive byte-exact.

use omni_api::{TaskKind, UpstreamRequest};

fn ok(kind: TaskKind, body: &str) -> UpstreamRequest {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    UpstreamRequest::parse(kind, &value, omni_api::Catalog::builtin())
        .unwrap_or_else(|v| panic!("{body}: {v:?}"))
}

#[test]
fn omni_image_examples() {
    ok(
        TaskKind::OmniImage,
        r#"{"model_name":"kling-image-o1","prompt":"<<<image_1>>>同风格的科幻城市","image_list":[{"image":"https://example.com/ref.jpg"}],"aspect_ratio":"16:9","resolution":"1k","n":1}"#,
    );
    // The schema page's example, with its empty strings meaning "not set".
    let req = ok(
        TaskKind::OmniImage,
        r#"{"model_name":"kling-image-o1","prompt":"生成一张海边跳舞的图片","element_list":[{"element_id":835266081714884677}],"resolution":"","n":1,"aspect_ratio":"","callback_url":"","external_task_id":""}"#,
    );
    let json = serde_json::to_string(&req.to_json()).unwrap();
    assert!(
        json.contains(r#""element_id":835266081714884677"#),
        "{json}"
    );
    assert!(!json.contains("callback_url"));
}

#[test]
fn omni_video_examples() {
    ok(
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-video-o1","prompt":"<<<image_1>>>中的场景转为电影镜头","image_list":[{"image_url":"https://example.com/ref.jpg"}],"mode":"pro","aspect_ratio":"16:9","duration":"7"}"#,
    );
    ok(
        TaskKind::OmniVideo,
        r#"{"model_name":"kling-video-o1","prompt":"给<<<video_1>>>中的人物戴上皇冠","video_list":[{"video_url":"https://example.com/base.mp4","refer_type":"base","keep_original_sound":"yes"}],"mode":"pro"}"#,
    );
}

#[test]
fn image_generation_examples() {
    for body in [
        r#"{"model_name":"kling-v1","prompt":"A beautiful sunset over the ocean, vibrant colors, high detail","resolution":"2k","n":1,"aspect_ratio":"16:9"}"#,
        r#"{"model_name":"kling-v1-5","prompt":"The character holding a magic wand in a fantasy forest","image":"https://example.com/character-reference.jpg","image_reference":"subject","image_fidelity":0.8,"resolution":"2k","aspect_ratio":"3:4"}"#,
        r#"{"model_name":"kling-v1-5","prompt":"A professional headshot portrait, business attire, studio lighting","image":"https://example.com/face-photo.jpg","image_reference":"face","human_fidelity":0.9,"resolution":"2k","aspect_ratio":"1:1"}"#,
        r#"{"model_name":"kling-v2","prompt":"Abstract colorful artwork, modern style","n":4,"resolution":"1k","aspect_ratio":"1:1"}"#,
    ] {
        ok(TaskKind::ImageGeneration, body);
    }
}

#[test]
fn all_in_one_example() {
    let body = serde_json::json!({
        "model": "kling-image-o1",
        "prompt": "A cyberpunk cityscape at night with neon signs, inspired by the reference image",
        "images": ["https://example.com/reference.jpg"],
        "aspect_ratio": "16:9",
        "resolution": "1k"
    });
    let mut v = omni_api::Violations::default();
    let r = omni_api::json::Reader::root(&body, &mut v).unwrap();
    let req = omni_api::all_in_one::AioRequest::read(&r, &mut v);
    assert!(v.is_empty() && req.validate(omni_api::Catalog::builtin()).is_empty());
}

#[test]
fn element_id_round_trips_byte_exact() {
    let text = r#"{"element_id":835266081714884677}"#;
    let item: omni_api::omni_image::ElementItem = serde_json::from_str(text).unwrap();
    assert_eq!(item.element_id.0, 835_266_081_714_884_677);
    assert_eq!(serde_json::to_string(&item).unwrap(), text);
    // Sent as a string by a browser that cannot hold it: read exactly, sent as a number.
    let item: omni_api::omni_image::ElementItem =
        serde_json::from_str(r#"{"element_id":"835266081714884677"}"#).unwrap();
    assert_eq!(serde_json::to_string(&item).unwrap(), text);
    // u64::MAX too.
    let max = format!(r#"{{"element_id":{}}}"#, u64::MAX);
    let item: omni_api::omni_image::ElementItem = serde_json::from_str(&max).unwrap();
    assert_eq!(serde_json::to_string(&item).unwrap(), max);
}

#[test]
fn task_objects_from_upstream_facts_parse() {
    let text = r#"{"code":0,"message":"SUCCEED","request_id":"r","data":{"task_id":"t1","task_status":"succeed","task_status_msg":"","task_info":{"external_task_id":"e1"},"watermark_info":{"enabled":true},"final_unit_deduction":"2","created_at":1722769557708,"updated_at":1722769557708,"task_result":{"images":[{"index":0,"url":"https://x/a.png","watermark_url":"https://x/a-wm.png"}],"series_images":[{"index":0,"url":"https://x/s.png"}],"videos":[{"id":"v","url":"https://x/v.mp4","watermark_url":"https://x/v-wm.mp4","duration":"5"}]}}}"#;
    let env: omni_api::Envelope<omni_api::Task> = serde_json::from_str(text).unwrap();
    let task = env.data.unwrap();
    assert_eq!(task.task_status, omni_api::TaskStatus::Succeed);
    assert_eq!(task.task_result.videos[0].duration.as_deref(), Some("5"));
    assert_eq!(task.task_info.external_task_id.as_deref(), Some("e1"));
    let created = r#"{"code":0,"message":"success","request_id":"req_...","data":{"task_id":"task_01...","task_status":"submitted","created_at":1735558800000,"updated_at":1735558800000}}"#;
    let env: omni_api::Envelope<omni_api::Task> = serde_json::from_str(created).unwrap();
    assert!(env.data.unwrap().task_result.is_empty());
}
