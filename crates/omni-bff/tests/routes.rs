//! The BFF's routes in this process, called with `oneshot` (no socket, no child
//! process): routing, validation, the envelope of every answer, the security checks and
//! headers. The upstream is the real simulator on a loopback port, reached through the
//! real upstream client. What needs a process (restart, kill -9, signals, memory) is in
//! the other test files.

mod support;
use omni_api::AspectRatio;
use serde_json::{json, Value};
use support::app::App;
use support::error_fields;

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";
const TOKEN: &str = "studio-access-token-0123456789";

/// Requests to `/api/v1/tasks` until one is refused with 429; answers how many passed.
async fn until_limited(bff: &App, headers: &[(&str, String)], tries: usize) -> usize {
    for n in 0..tries {
        let mut req = bff.get_req("/api/v1/tasks");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if req.send().await.status.as_u16() == 429 {
            return n;
        }
    }
    tries
}

#[tokio::test]
async fn validation_reports_every_violation_with_its_path() {
    let bff = App::new().await;
    let (status, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "<<<image_2>>> <<<img_1>>>", "n": 0, "aspect_ratio": "5:4",
                    "image_list": [{"image": "ftp://x/y.png"}], "element_list": [{"element_id": "x"}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 1201);
    let got: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().into(),
                e["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("prompt", "placeholder_dangling"),
        ("prompt", "placeholder_malformed"),
        ("n", "range"),
        ("aspect_ratio", "one_of"),
        ("image_list[0].image", "url_scheme"),
        ("element_list[0].element_id", "type"),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into())),
            "missing {want:?} in {got:?}"
        );
    }
    assert!(
        body["message"].as_str().unwrap().contains("more"),
        "{}",
        body["message"]
    );
}

#[tokio::test]
async fn bad_bodies_get_the_envelope_not_text() {
    let bff = App::new().await;
    let resp = bff
        .post_req(OMNI_IMAGE)
        .body("{\"prompt\": ")
        .header("content-type", "application/json")
        .send()
        .await;
    assert_eq!(resp.status, 400);
    let body: Value = resp.json();
    assert_eq!(body["code"], 1200);
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));

    let resp = bff
        .post_req(OMNI_IMAGE)
        .body("prompt=x")
        .header("content-type", "text/plain")
        .send()
        .await;
    assert_eq!(resp.status, 415);
    assert_eq!(resp.json()["code"], 1200);

    let (status, body) = bff.post(OMNI_IMAGE, &json!(["not", "an", "object"])).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("body"))
    );

    let (status, body) = bff.get("/api/v1/tasks/does-not-exist").await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1203)));
    let (status, body) = bff.get("/api/v2/nothing").await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1203)));
    let resp = bff
        .request(axum::http::Method::DELETE, "/api/v1/tasks")
        .send()
        .await;
    assert_eq!(resp.status, 405);
    assert_eq!(resp.json()["code"], 1202);
}

#[tokio::test]
async fn the_app_is_served_with_a_fallback_for_deep_links() {
    let bff = App::new().await;
    for path in ["/", "/image", "/tasks/abc123"] {
        let resp = bff.get_req(path).send().await;
        assert_eq!(resp.status, 200, "{path}");
        assert!(resp.text().contains("<title>Omni Studio</title>"), "{path}");
    }
    assert_eq!(bff.get("/healthz").await.1["data"]["status"], "ok");
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_envelope() {
    let bff = App::new().await;
    for path in [
        "/api",
        "/api/",
        "/api/v1/nope",
        "/api/v1/tasks/abc/more/than/a/route",
        "/kling",
        "/kling/",
        "/kling/v2",
    ] {
        let (status, body) = bff.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["message"], "no such route", "{path}");
    }
    for (method, path) in [
        (axum::http::Method::DELETE, "/api/v1/tasks"),
        (axum::http::Method::PUT, OMNI_IMAGE),
        (axum::http::Method::POST, "/healthz"),
    ] {
        let resp = bff.request(method.clone(), path).send().await;
        assert_eq!(resp.status, 405, "{method} {path}");
        assert_eq!(resp.json()["code"], 1202, "{method} {path}");
    }
    // Beside them, the app's deep links still get the page.
    let resp = bff.get_req("/apis").send().await;
    assert!(resp.text().contains("<title>Omni Studio</title>"));
}

#[tokio::test]
async fn all_in_one_maps_onto_the_right_kind() {
    let bff = App::new().await;
    let (status, body) = bff
        .post("/api/v1/images/generations", &json!({"model": "kling-image-o1", "prompt": "a cyberpunk city", "aspect_ratio": "16:9", "num_images": 2}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["kind"], "omni-image");
    // The create does not echo the request (it can hold 130 MB of images); the task
    // read shows how it was mapped.
    assert!(body["data"].get("request").is_none(), "{body}");
    let (_, read) = bff
        .get(&format!(
            "/api/v1/tasks/{}?request=full",
            body["data"]["task_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(read["data"]["request"]["n"], 2);
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["task_result"]["images"].as_array().unwrap().len(), 2);

    let (_, body) = bff
        .post("/api/v1/images/generations", &json!({"prompt": "turnaround", "type": "ai-multi-shot", "images": ["https://example.com/hero.png"]}))
        .await;
    assert_eq!(body["data"]["kind"], "multi-shot");
    let (_, read) = bff
        .get(&format!(
            "/api/v1/tasks/{}?request=full",
            body["data"]["task_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        read["data"]["request"]["element_frontal_image"],
        "https://example.com/hero.png"
    );

    let (status, body) = bff
        .post(
            "/api/v1/images/generations",
            &json!({"prompt": "x", "type": "ai-multi-shot", "num_images": 12}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body), ["images", "num_images"]);
}

#[tokio::test]
async fn external_task_id_makes_creates_idempotent() {
    let bff = App::new().await;
    let body = json!({"prompt": "a fox", "external_task_id": "order-42"});
    let (s1, first) = bff.post(OMNI_IMAGE, &body).await;
    let (s2, second) = bff.post(OMNI_IMAGE, &body).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["data"]["task_id"], second["data"]["task_id"]);
    // Readable by the external id too.
    let (status, by_ext) = bff.get("/api/v1/tasks/order-42").await;
    assert_eq!(
        (status, &by_ext["data"]["task_id"]),
        (200, &first["data"]["task_id"])
    );
    let (status, conflict) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "a wolf", "external_task_id": "order-42"}),
        )
        .await;
    assert_eq!(status, 409);
    assert!(conflict["message"].as_str().unwrap().contains("order-42"));
    let (_, history) = bff.get("/api/v1/tasks").await;
    assert_eq!(
        history["data"]["tasks"].as_array().unwrap().len(),
        1,
        "created once"
    );
}

#[tokio::test]
async fn upstream_errors_and_failures_reach_the_client() {
    let bff = App::new().await;
    // Over the upstream's concurrency (1303) is not a refusal: the create waits in the
    // queue, and the client has its id (the external id) at once, `submitted`.
    let (status, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "busy [sim:code=1303]"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let waiting = body["data"]["task_id"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["task_status"], "submitted");
    assert_eq!(
        body["data"]["task_info"]["external_task_id"],
        waiting.as_str()
    );
    let (_, read) = bff.get(&format!("/api/v1/tasks/{waiting}")).await;
    assert_eq!(read["data"]["task_status"], "submitted", "{read}");
    assert_eq!(read["data"]["queue"]["place"], 1, "{read}");
    assert!(
        read["data"]["queue"]["not_before"].as_i64().is_some(),
        "{read}"
    );
    let (status, cancelled) = bff
        .post(&format!("/api/v1/tasks/{waiting}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["data"]["task_status"], "failed");
    assert_eq!(
        cancelled["data"]["task_status_msg"],
        "cancelled before it was sent upstream"
    );
    let (status, _) = bff
        .post(&format!("/api/v1/tasks/{waiting}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 409, "a task no longer waiting cannot be cancelled");
    let (status, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "unsafe [sim:code=1301]"}))
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1301)));
    let (status, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "cut [sim:drop]"}))
        .await;
    // No answer is not a "no": the create is recorded, to be finished later.
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], 5002);
    assert!(
        body["message"].as_str().unwrap().contains("recorded"),
        "{body}"
    );

    let (_, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "doomed [sim:fail]"}))
        .await;
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["task_status"], "failed");
    assert!(done["task_status_msg"]
        .as_str()
        .unwrap()
        .contains("moderation"));
    // The history holds what was asked for and not refused: the failed task, the
    // cancelled one, and the unanswered create on its way; not the 1301 refusal.
    let (_, history) = bff.get("/api/v1/tasks").await;
    let mut shown: Vec<(String, String)> = history["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["request"]["prompt"].as_str().unwrap().to_owned(),
                t["task_status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            ("busy [sim:code=1303]".into(), "failed".into()),
            ("cut [sim:drop]".into(), "submitted".into()),
            ("doomed [sim:fail]".into(), "failed".into()),
        ]
    );
}

#[tokio::test]
async fn history_filters_searches_and_pages_by_cursor() {
    let bff = App::new().await;
    for i in 0..5 {
        bff.post(OMNI_IMAGE, &json!({"prompt": format!("cat number {i}")}))
            .await;
    }
    bff.post("/kling/v1/images/generations", &json!({"prompt": "a dog"}))
        .await;
    let (_, page) = bff.get("/api/v1/tasks?limit=4").await;
    let tasks = page["data"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 4);
    assert_eq!(tasks[0]["request"]["prompt"], "a dog", "newest first");
    let cursor = page["data"]["next_cursor"].as_str().unwrap();
    let (_, next) = bff
        .get(&format!("/api/v1/tasks?limit=4&cursor={cursor}"))
        .await;
    let rest = next["data"]["tasks"].as_array().unwrap();
    assert_eq!(rest.len(), 2);
    assert!(next["data"].get("next_cursor").is_none());
    assert_eq!(rest[1]["request"]["prompt"], "cat number 0");

    let (_, cats) = bff.get("/api/v1/tasks?kind=omni-image&q=NUMBER%203").await;
    assert_eq!(cats["data"]["tasks"].as_array().unwrap().len(), 1);
    let (_, gens) = bff.get("/api/v1/tasks?kind=image-generation").await;
    assert_eq!(gens["data"]["tasks"].as_array().unwrap().len(), 1);
    let (status, body) = bff
        .get("/api/v1/tasks?kind=gif&status=done&limit=0&cursor=zz")
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body), ["kind", "status", "limit", "cursor"]);
}

#[tokio::test]
async fn prompt_search_finds_substrings_in_any_case_and_takes_any_text() {
    let bff = App::new().await;
    let prompts = [
        "A Red Kite over the hills",
        "50% off: \"quoted\" text_with_underscore",
        "一只猫在屋顶上睡觉",
        "ox",
    ];
    for p in prompts {
        let (status, _) = bff.post(OMNI_IMAGE, &json!({"prompt": p})).await;
        assert_eq!(status, 200);
    }
    let bff = &bff;
    let found = |q: &'static str| async move {
        let (status, page) = bff.get(&format!("/api/v1/tasks?q={q}")).await;
        assert_eq!(status, 200, "{page}");
        page["data"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["request"]["prompt"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The index (3 characters or more), across words and in any case.
    assert_eq!(found("red%20KITE").await, [prompts[0]]);
    assert_eq!(found("ITE%20OV").await, [prompts[0]]);
    // Quotes and LIKE's wildcards are text.
    assert_eq!(found("%22quoted%22").await, [prompts[1]]);
    assert_eq!(found("50%25").await, [prompts[1]]);
    assert_eq!(found("t_w").await, [prompts[1]]);
    assert!(found("t%25w").await.is_empty());
    // Chinese, and texts too short for trigrams (they scan).
    assert_eq!(found("%E5%9C%A8%E5%B1%8B%E9%A1%B6").await, [prompts[2]]);
    assert_eq!(found("%E5%B1%8B%E9%A1%B6").await, [prompts[2]]);
    assert_eq!(found("ox").await, [prompts[3]]);
    assert!(found("zzz").await.is_empty());
}

#[tokio::test]
async fn the_made_config_json_says_whether_the_api_needs_a_sign_in() {
    let open = App::new().await;
    let (status, body) = open.get("/config.json").await;
    assert_eq!(status, 200);
    assert_eq!(body["api_base"], "/");
    assert_eq!(body["access_required"], false);
    let guarded = App::start_with(&[], &[("OMNI_ACCESS_TOKENS", "a-token-for-this-test")]).await;
    let (_, body) = guarded.get("/config.json").await;
    assert_eq!(body["access_required"], true);
}

/// The studio configuration `GET /api/v1/config` answers, as the page carries it (`None`:
/// not there).
async fn config_in_page(bff: &App) -> Option<serde_json::Value> {
    let dist = bff.data_dir.join("dist");
    std::fs::write(
        dist.join("index.html"),
        "<!DOCTYPE html><title>t</title><script>s()</script>",
    )
    .unwrap();
    let page = bff.get_req("/image").send().await.text();
    let start = page.find(r#"id="omni-config">"#)? + r#"id="omni-config">"#.len();
    let end = start + page[start..].find("</script>").unwrap();
    Some(serde_json::from_str(&page[start..end].replace("<\\/", "</")).unwrap())
}

#[tokio::test]
async fn the_page_carries_the_studio_configuration_only_where_anyone_may_read_it() {
    // Open: the page holds what the API answers, so the app need not ask.
    let open = App::new().await;
    let (_, config) = open.get("/api/v1/config").await;
    assert_eq!(config_in_page(&open).await, Some(config["data"].clone()));
    // Behind a sign-in it names the people with access: it stays behind the sign-in.
    let guarded = App::start_with(&[], &[("OMNI_ACCESS_TOKENS", "a-token-for-this-test")]).await;
    assert_eq!(config_in_page(&guarded).await, None);
    // A config.json of the operator's may send the app to another BFF, whose
    // configuration this one does not know.
    let elsewhere = App::new().await;
    std::fs::write(
        elsewhere.data_dir.join("dist/config.json"),
        r#"{"api_base": "/other/"}"#,
    )
    .unwrap();
    assert_eq!(config_in_page(&elsewhere).await, None);
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_page_is_rebuilt_when_it_changes() {
    let bff = App::new().await;
    let dist = bff.data_dir.join("dist");
    let css = "main-0123456789abcdef.css";
    std::fs::write(dist.join(css), "body{}").unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!("<!DOCTYPE html><title>one</title><link rel=stylesheet href=./{css}>"),
    )
    .unwrap();
    let file = bff.get_req(&format!("/{css}")).send().await;
    assert_eq!(
        file.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // A deep link's wrong guess gets the page, which is never kept as immutable.
    for path in [format!("/tasks/{css}"), "/".into(), "/image".into()] {
        let page = bff.get_req(&path).send().await;
        assert_eq!(page.header("cache-control"), Some("no-cache"), "{path}");
        assert!(
            page.text().contains("<title>one</title><base href=\"/\">"),
            "{path}"
        );
    }
    // Made at run time, so compressed at run time: gzip for a browser that takes it.
    let plain = bff.get_req("/image").send().await;
    let packed = bff
        .get_req("/image")
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(packed.header("content-encoding"), Some("gzip"));
    assert_eq!(packed.header("vary"), Some("accept-encoding"));
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed.body[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, plain.body);
    let refused = bff
        .get_req("/image")
        .header("accept-encoding", "br, gzip;q=0")
        .send()
        .await;
    assert_eq!(refused.header("content-encoding"), None);
    // A new build is served at once (the page is made again when index.html changes).
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        dist.join("index.html"),
        format!("<!DOCTYPE html><title>two</title><link rel=stylesheet href=./{css}>"),
    )
    .unwrap();
    assert!(bff
        .get_req("/")
        .send()
        .await
        .text()
        .contains("<title>two</title>"));
}

#[tokio::test]
async fn without_a_public_url_local_videos_are_refused_saying_why() {
    // In-process, nothing told the BFF where the upstream reaches it.
    let bff = App::new().await;
    let (_, config) = bff.get("/api/v1/config").await;
    assert_eq!(config["data"]["local_videos"], false);
    let refused = bff
        .post_req("/api/v1/uploads")
        .header("content-type", "video/mp4")
        .body(b"\0\0\0\x18ftypmp42".to_vec())
        .send()
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.text().contains("--public-url"),
        "{}",
        refused.text()
    );
}

#[tokio::test]
async fn config_describes_the_forms() {
    let bff = App::new().await;
    let (status, body) = bff.get("/api/v1/config").await;
    assert_eq!(status, 200);
    let cfg: omni_api::config::StudioConfig = serde_json::from_value(body["data"].clone()).unwrap();
    assert_eq!(cfg.upstream, omni_api::config::UpstreamKind::Simulate);
    let c = &cfg.catalog;
    assert_eq!(c.omni_image.names(), ["kling-image-o1", "kling-v3-omni"]);
    assert_eq!(c.omni_video.names(), ["kling-video-o1", "kling-v3-omni"]);
    let v3 = c.omni_video.model("kling-v3-omni").unwrap();
    assert_eq!(
        v3.aspect_ratios,
        [AspectRatio::R16x9, AspectRatio::R9x16, AspectRatio::R1x1]
    );
    assert_eq!(v3.duration.as_ref().map(|d| (d.min, d.max)), Some((3, 15)));
    assert!(
        c.image_generation
            .model("kling-v3")
            .unwrap()
            .references
            .elements
    );
    assert!(c
        .image_generation
        .models
        .iter()
        .all(|m| !m.aspect_ratios.contains(&AspectRatio::Auto)));
    // The app validates with exactly what the BFF validates with.
    assert_eq!(c, omni_api::Catalog::builtin());
    assert_eq!(cfg.limits.max_prompt_chars, 2500);
}

#[tokio::test]
async fn unchanged_polls_are_304() {
    let bff = App::new().await;
    let (_, body) = bff.post(OMNI_IMAGE, &json!({"prompt": "a kite"})).await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;
    let url = format!("/api/v1/tasks/{id}");
    wait_copied(&bff, &id).await;
    let first = bff.get_req(&url).send().await;
    let etag = first.header("etag").unwrap().to_owned();
    let again = bff
        .get_req(&url)
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    let other = bff
        .get_req(&url)
        .header("If-None-Match", "\"stale\"")
        .send()
        .await;
    assert_eq!(other.status, 200);
}

/// Once the results are copied the answer changes (its links point at the copies), and
/// so does its ETag: waits for that, so the reads after it see one content.
async fn wait_copied(bff: &App, id: &str) {
    for _ in 0..100 {
        let (_, body) = bff.get(&format!("/api/v1/tasks/{id}")).await;
        let link = body["data"]["task_result"]["images"][0]["url"]
            .as_str()
            .unwrap_or("");
        if link.starts_with("/api/v1/media/") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("task {id}'s results were never copied");
}

#[tokio::test]
async fn a_finished_task_is_read_from_memory_its_request_summarised_unless_asked() {
    let bff = App::new().await;
    let (_, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "a kite", "aspect_ratio": "16:9"}),
        )
        .await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;
    wait_copied(&bff, &id).await;
    let url = format!("/api/v1/tasks/{id}");
    let summary = bff.get_req(&url).send().await;
    let full = bff.get_req(&format!("{url}?request=full")).send().await;
    assert_eq!(
        summary.json()["data"]["request"],
        json!({"prompt": "a kite"})
    );
    assert_eq!(full.json()["data"]["request"]["aspect_ratio"], "16:9");
    // Anything else is named, with what it may be.
    let bad = bff.get_req(&format!("{url}?request=all")).send().await;
    assert_eq!(bad.status, 400);
    let error = &bad.json()["errors"][0];
    assert_eq!(error["field"], "request");
    assert_eq!(
        error["problem"]["not_one_of"]["allowed"],
        json!(["full", "summary"]),
        "{error}"
    );
    // One state, two representations: one (weak) tag, so a poll after a full read is a 304.
    let tag = summary.header("etag").unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(full.header("etag"), Some(tag.as_str()));
    let again = bff.get_req(&url).header("If-None-Match", &tag).send().await;
    assert_eq!(again.status, 304);

    // The row gone from the database: the kept answer is still served (nothing asked the
    // database), with a fresh request id in its envelope; the full request needs the row.
    let pool = sqlx::AnyPool::connect(bff.state.store.url()).await.unwrap();
    sqlx::query("DELETE FROM tasks")
        .execute(&pool)
        .await
        .unwrap();
    let kept = bff.get_req(&url).send().await;
    assert_eq!(kept.status, 200);
    let kept_body = kept.json();
    assert_eq!(kept_body["data"], summary.json()["data"]);
    assert_ne!(kept_body["request_id"], summary.json()["request_id"]);
    assert_eq!(kept.header("etag"), Some(tag.as_str()));
    assert_eq!(
        bff.get_req(&format!("{url}?request=full"))
            .send()
            .await
            .status,
        404
    );

    let (status, body) = bff.get(&format!("{url}?request=everything")).await;
    assert_eq!(status, 400);
    assert!(
        error_fields(&body).contains(&"request".to_owned()),
        "{body}"
    );
}

/// A finished task's kept answer is served before the router (routes/front.rs): the same
/// bytes, headers and tag as the router's way to it, behind the same door (request id,
/// host check, guard, rate limit, security headers).
#[tokio::test]
async fn a_kept_read_taken_before_the_router_is_the_routers_answer_behind_the_same_guard() {
    // As `serve` does (once per process; other tests here count into it too).
    omni_bff::metrics::install();
    let bff = App::start(&["--rate-limit", "5"]).await;
    let (_, body) = bff.post(OMNI_IMAGE, &json!({"prompt": "a kite"})).await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;
    wait_copied(&bff, &id).await;
    let url = format!("/api/v1/tasks/{id}");
    // A client of its own (the waits above spent the default one's bucket).
    let client = |n: u8| std::net::SocketAddr::from(([127, 0, 0, n], 40_000));
    let door = bff.get_req(&url).from(client(2)).send().await;
    // Any other parameter goes through the router, to the same kept answer.
    let routed = bff
        .get_req(&format!("{url}?request=summary&via=router"))
        .from(client(2))
        .send()
        .await;
    assert_eq!((door.status.as_u16(), routed.status.as_u16()), (200, 200));
    assert_eq!(door.json()["data"], routed.json()["data"]);
    for name in [
        "content-type",
        "etag",
        "cache-control",
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(door.header(name).is_some(), "{name}");
        assert_eq!(door.header(name), routed.header(name), "{name}");
    }
    assert_eq!(
        door.header("x-request-id"),
        door.json()["request_id"].as_str()
    );
    // The client's request id is kept, as the router's way keeps it.
    let traced = bff
        .get_req(&url)
        .from(client(3))
        .header("x-request-id", "trace-7.a")
        .send()
        .await;
    assert_eq!(traced.header("x-request-id"), Some("trace-7.a"));
    assert_eq!(traced.json()["request_id"], "trace-7.a");
    let tag = door.header("etag").unwrap().to_owned();
    let held = bff
        .get_req(&url)
        .from(client(3))
        .header("if-none-match", &tag)
        .send()
        .await;
    assert_eq!(held.status.as_u16(), 304);
    assert_eq!(held.header("etag"), Some(tag.as_str()));
    assert!(held.header("content-security-policy").is_some());
    // A rebound name is refused, and the reads count against the client's rate.
    let rebound = bff
        .get_req(&url)
        .from(client(4))
        .header("host", "rebind.example:8080")
        .send()
        .await;
    assert_eq!(rebound.status.as_u16(), 421);
    let mut limited = None;
    for n in 0..40 {
        if bff
            .get_req(&url)
            .from(client(5))
            .send()
            .await
            .status
            .as_u16()
            == 429
        {
            limited = Some(n);
            break;
        }
    }
    assert!(limited.is_some_and(|n| n >= 5), "{limited:?}");
    // Logged and counted under the route's template, as the router names it.
    let metrics = bff.get_req("/metrics").from(client(6)).send().await.text();
    assert!(
        metrics.contains(r#"route="/api/v1/tasks/{id}",status="304""#),
        "{metrics}"
    );
}

/// Over a socket, a kept read is answered before hyper (quick.rs) until the connection's
/// first other request, and by hyper and the studio after it: the same status, headers
/// (but the date) and body either way, for a read, a 304 and a refused host.
#[tokio::test]
async fn a_kept_read_answered_before_hyper_is_the_same_as_hypers() {
    let bff = support::Bff::new();
    let (_, body) = bff.post(OMNI_IMAGE, &json!({"prompt": "a kite"})).await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;
    // An answer is kept by the first read after the result's copies have settled, which
    // on a slow machine can come after the read that saw the task finish: read until.
    for _ in 0..100 {
        if bff.state().answers.get(&id).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        bff.get(&format!("/api/v1/tasks/{id}")).await;
    }
    assert!(
        bff.state().answers.get(&id).is_some(),
        "task {id} was never kept"
    );
    let addr = bff.url.trim_start_matches("http://").to_owned();
    let read = bff
        .http
        .get(format!("{}/api/v1/tasks/{id}", bff.url))
        .send()
        .await
        .unwrap();
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    for (extra, status) in [
        (String::new(), "200"),
        (format!("If-None-Match: {tag}\r\n"), "304"),
        ("Host: rebind.example\r\n".to_owned(), "421"),
    ] {
        let host = if extra.starts_with("Host") {
            String::new()
        } else {
            format!("Host: {addr}\r\n")
        };
        let kept = format!(
            "GET /api/v1/tasks/{id} HTTP/1.1\r\n{host}{extra}X-Request-Id: same-{status}\r\n\r\n"
        );
        let other = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        let last = kept.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
        let answers = raw_exchange(&addr, &format!("{kept}{other}{last}")).await;
        assert_eq!(answers.len(), 3, "{answers:?}");
        let (quick, hyper) = (&answers[0], &answers[2]);
        assert_eq!(quick.0, status, "{quick:?}");
        let without_date = |head: &str| -> Vec<String> {
            let mut lines: Vec<String> = head
                .split("\r\n")
                .filter(|l| !l.starts_with("date: ") && *l != "connection: close")
                .map(str::to_owned)
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(without_date(&quick.1), without_date(&hyper.1), "{status}");
        assert_eq!(quick.2, hyper.2, "{status}");
    }
}

/// Writes `requests` on one connection and reads until the server closes it: each
/// answer's status, head and body (framed by its content-length).
async fn raw_exchange(addr: &str, requests: &str) -> Vec<(String, String, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(requests.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let read = conn.read_to_end(&mut got);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server closed the connection")
        .unwrap();
    let mut rest = String::from_utf8(got).unwrap();
    let mut answers = Vec::new();
    while let Some((head, after)) = rest.split_once("\r\n\r\n") {
        let length: usize = head
            .split("\r\n")
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |n| n.parse().unwrap());
        let status = head.get(9..12).unwrap_or_default().to_owned();
        answers.push((status, head.to_owned(), after[..length].to_owned()));
        rest = after[length..].to_owned();
    }
    answers
}

/// With access tokens, a kept read needs them as any other API request does.
#[tokio::test]
async fn a_kept_read_needs_the_access_token() {
    let bff = App::start_with(&[], &[("OMNI_ACCESS_TOKENS", TOKEN)]).await;
    let bearer = format!("Bearer {TOKEN}");
    let created = bff
        .post_req(OMNI_IMAGE)
        .header("authorization", &bearer)
        .json(&json!({"prompt": "a kite"}))
        .send()
        .await;
    let id = created.json()["data"]["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/api/v1/tasks/{id}");
    let mut kept = false;
    for _ in 0..100 {
        let read = bff
            .get_req(&url)
            .header("authorization", &bearer)
            .send()
            .await;
        if read.json()["data"]["task_status"] == "succeed" && bff.state.answers.get(&id).is_some() {
            kept = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(kept, "task {id} was never kept");
    assert_eq!(bff.get_req(&url).send().await.status.as_u16(), 401);
    let read = bff
        .get_req(&url)
        .header("authorization", &bearer)
        .send()
        .await;
    assert_eq!(read.status.as_u16(), 200);
    assert_eq!(read.json()["data"]["task_id"], id.as_str());
}

#[tokio::test]
async fn cross_site_requests_may_read_but_not_change() {
    let bff = App::new().await;
    let host = "127.0.0.1:8080";
    let post = |site: &'static str, origin: String| {
        bff.post_req(OMNI_IMAGE)
            .header("host", host)
            .header("sec-fetch-site", site)
            .header("origin", &origin)
            .json(&json!({"prompt": "from a page"}))
            .send()
    };
    let evil = post("cross-site", "https://evil.example".into()).await;
    assert_eq!(evil.status.as_u16(), 403);
    let body = evil.json();
    assert!(
        body["message"].as_str().unwrap().contains("cross-site"),
        "{body}"
    );
    let same = post("same-origin", format!("http://{host}")).await;
    assert_eq!(same.status.as_u16(), 200, "{}", same.text());
    let read = bff
        .get_req("/api/v1/config")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await;
    assert_eq!(read.status.as_u16(), 200);
}

/// DNS rebinding: a page on rebind.example re-points its name at 127.0.0.1, so its
/// requests arrive with `Host: rebind.example:PORT` and a matching Origin.
#[tokio::test]
async fn without_tokens_a_foreign_host_is_refused() {
    let port = 8080;
    fn rebound(bff: &App, port: u16) -> support::app::Call<'_> {
        let origin = format!("http://rebind.example:{port}");
        bff.post_req(OMNI_IMAGE)
            .header("host", &format!("rebind.example:{port}"))
            .header("origin", &origin)
            .header("sec-fetch-site", "same-origin")
            .json(&json!({"prompt": "spend their credit"}))
    }
    let bff = App::new().await;
    let resp = rebound(&bff, port).send().await;
    assert_eq!(resp.status.as_u16(), 421);
    let body = resp.json();
    assert_eq!(body["code"], 1103, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("--allowed-hosts"),
        "{body}"
    );
    // Reading prompts is refused too, and so is the app itself.
    for path in ["/api/v1/tasks", "/image"] {
        let resp = bff
            .get_req(path)
            .header("host", &format!("rebind.example:{port}"))
            .send()
            .await;
        assert_eq!(resp.status.as_u16(), 421, "{path}");
    }
    // Loopback names are served.
    for name in ["localhost", "127.0.0.1"] {
        let resp = bff
            .get_req("/api/v1/tasks")
            .header("host", &format!("{name}:{port}"))
            .send()
            .await;
        assert_eq!(resp.status.as_u16(), 200, "{name}");
    }
    // A name the operator lists (a proxy's) is served.
    let listed = App::start(&["--allowed-hosts", "rebind.example"]).await;
    assert_eq!(rebound(&listed, port).send().await.status.as_u16(), 200);
    // With tokens the token is the defence: any name, but signed in.
    let secure = App::start_with(&[], &[("OMNI_ACCESS_TOKENS", TOKEN)]).await;
    assert_eq!(rebound(&secure, port).send().await.status.as_u16(), 401);
}

#[tokio::test]
async fn a_client_over_its_rate_limit_gets_429_in_the_envelope() {
    let bff = App::start(&["--rate-limit", "5"]).await;
    let mut limited = None;
    for _ in 0..40 {
        let resp = bff.get_req("/api/v1/config").send().await;
        if resp.status.as_u16() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a burst of 20 is allowed, not 40");
    assert!(resp.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(resp.json()["code"], 1302);
}

#[tokio::test]
async fn made_up_session_cookies_buy_no_fresh_buckets() {
    let bff = App::start_with(&["--rate-limit", "5"], &[("OMNI_ACCESS_TOKENS", TOKEN)]).await;
    // Each request a new random cookie: all count against the one address.
    let mut refused = false;
    for n in 0..60 {
        let resp = bff
            .get_req("/api/v1/tasks")
            .header("cookie", &format!("omni_session=made-up-{n}"))
            .send()
            .await;
        match resp.status.as_u16() {
            401 => {}
            429 => {
                refused = true;
                break;
            }
            other => panic!("{other}"),
        }
    }
    assert!(refused, "60 made-up cookies within a burst of 20");
    // A valid token is its own client, not the address's.
    let bearer = [("authorization", format!("Bearer {TOKEN}"))];
    assert!(
        until_limited(&bff, &bearer, 10).await == 10,
        "the token has its own bucket"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let xff = |ip: &str| [("x-forwarded-for", ip.to_owned())];
    let trusting = App::start(&["--rate-limit", "5", "--trusted-proxies", "127.0.0.1"]).await;
    let first = until_limited(&trusting, &xff("203.0.113.7"), 60).await;
    assert!(first < 60, "one forwarded client is limited");
    assert_eq!(
        until_limited(&trusting, &xff("203.0.113.8"), 10).await,
        10,
        "another forwarded client is not"
    );
    // Without --trusted-proxies the header is a claim anyone can make: ignored.
    let plain = App::start(&["--rate-limit", "5"]).await;
    let first = until_limited(&plain, &xff("203.0.113.7"), 60).await;
    assert!(first < 60);
    assert!(
        until_limited(&plain, &xff("203.0.113.8"), 3).await < 3,
        "the same address"
    );
}

#[tokio::test]
async fn each_route_has_its_own_body_limit() {
    let bff = App::new().await;
    let big = "x".repeat(10_000);
    let (status, body) = bff.post("/api/v1/session", &json!({"token": big})).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["message"].as_str().unwrap().contains("4096"), "{body}");
    let ids: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let (status, _) = bff
        .post(
            "/kling/v1/general/delete-elements",
            &json!({"element_ids": ids}),
        )
        .await;
    assert_eq!(status, 413);
    // A create may carry images: the same size is fine there.
    let (status, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "fine", "external_task_id": big}),
        )
        .await;
    assert_ne!(status, 413, "{body}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let dir = support::temp_dir("headers");
    // Not the harness's own dist, which has a page of its own.
    let dist = dir.join("app");
    std::fs::create_dir_all(&dist).unwrap();
    let script = "import init from '/app.js'; await init();";
    std::fs::write(
        dist.join("index.html"),
        format!("<!doctype html><script type=module>{script}</script><body></body>"),
    )
    .unwrap();
    let bff = App::start(&[
        "--dist",
        dist.to_str().unwrap(),
        "--frame-ancestors",
        "https://ops.example.com",
    ])
    .await;
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    for path in [
        "/",
        "/tasks/abc",
        "/api/v1/config",
        "/api/v1/nope",
        "/healthz",
    ] {
        let resp = bff.get_req(path).send().await;
        let h = &resp.headers;
        let csp = h["content-security-policy"].to_str().unwrap();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let kind = h["content-type"].to_str().unwrap();
        // The pages are pages, the API's answers (and the health check) JSON.
        assert_eq!(
            kind.starts_with("text/html"),
            ["/", "/tasks/abc"].contains(&path),
            "{path}: {kind}"
        );
        if kind.starts_with("application/json") {
            // Data: opened as a document, it may load, run and be framed by nothing.
            assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            continue;
        }
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{path}: {csp}");
        assert!(
            scripts.contains(&format!("'sha256-{hash}'")),
            "{path}: {csp}"
        );
        assert!(scripts.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(
            csp.contains("frame-ancestors 'self' https://ops.example.com"),
            "{path}: {csp}"
        );
    }
    // A new build deployed under the running BFF: its loader's hash is used at once.
    let newer = "import init from '/app2.js'; await init();";
    std::fs::write(
        dist.join("index.html"),
        format!("<!doctype html><script type=module>{newer}</script><body></body>"),
    )
    .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(newer));
    let resp = bff.get_req("/").send().await;
    let csp = resp.header("content-security-policy").unwrap().to_owned();
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
}
