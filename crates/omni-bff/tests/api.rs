//! BFF API tests: every route and error path, against a real omni-bff process whose
//! upstream is its simulator over loopback HTTP.

mod support;
use serde_json::{json, Value};
use support::{error_fields, temp_dir, Bff};

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

async fn fetch_png(http: &reqwest::Client, url: &str) -> (u32, u32) {
    let bytes = http.get(url).send().await.unwrap().bytes().await.unwrap();
    let info = omni_api::media::inspect(&bytes).expect("a decodable image header");
    assert_eq!(info.format, omni_api::media::ImageFormat::Png);
    (info.width, info.height)
}

#[tokio::test]
async fn omni_image_goes_from_submitted_to_real_images() {
    let bff = Bff::new();
    let (status, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "a lighthouse", "aspect_ratio": "9:16", "resolution": "2k", "n": 3}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["code"], 0);
    assert_eq!(body["data"]["task_status"], "submitted");
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();

    let done = bff.wait_done(&id).await;
    assert_eq!(done["task_status"], "succeed");
    assert_eq!(done["kind"], "omni-image");
    assert_eq!(done["request"]["prompt"], "a lighthouse");
    let images = done["task_result"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    for image in images {
        // Upstream links until the copies land, then same-origin paths of the copies.
        let url = bff.absolute(image["url"].as_str().unwrap());
        assert_eq!(fetch_png(&bff.http, &url).await, (1152, 2048));
    }
    // The gateway-compatible read answers the upstream's shape: no kind, no request.
    let (status, body) = bff.get(&format!("{OMNI_IMAGE}/{id}")).await;
    assert_eq!(status, 200);
    assert!(body["data"].get("kind").is_none() && body["data"].get("request").is_none());
    // A read of another kind's path does not find it.
    assert_eq!(
        bff.get(&format!("/kling/v1/videos/omni-video/{id}"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn series_images_for_result_type_series() {
    let bff = Bff::new();
    let (_, body) = bff
        .post(OMNI_IMAGE, &json!({"model_name": "kling-v3-omni", "prompt": "a comic strip", "result_type": "series", "series_amount": 4, "aspect_ratio": "1:1"}))
        .await;
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(
        done["task_result"]["series_images"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(done["task_result"].get("images").is_none());
}

#[tokio::test]
async fn oversized_bodies_are_413_in_the_envelope() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let bff = Bff::new();
    let addr = bff.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Announce more than the limit; the BFF must refuse before reading it all.
    let head = format!(
        "POST {OMNI_IMAGE} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{\"prompt\":\"",
        200 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"code\":1200"), "{text}");
}

#[tokio::test]
async fn a_kling_client_gets_the_documented_examples_done() {
    let bff = Bff::new();
    // The api-docs curl bodies, byte for byte.
    let examples = [
        (
            OMNI_IMAGE,
            r#"{
    "model_name": "kling-image-o1",
    "prompt": "<<<image_1>>>同风格的科幻城市",
    "image_list": [
      {"image": "https://example.com/ref.jpg"}
    ],
    "aspect_ratio": "16:9",
    "resolution": "1k",
    "n": 1
  }"#,
        ),
        (
            "/kling/v1/videos/omni-video",
            r#"{
    "model_name": "kling-video-o1",
    "prompt": "给<<<video_1>>>中的人物戴上皇冠",
    "video_list": [
      {
        "video_url": "https://example.com/base.mp4",
        "refer_type": "base",
        "keep_original_sound": "yes"
      }
    ],
    "mode": "pro"
  }"#,
        ),
        (
            "/kling/v1/images/generations",
            r#"{
    "model_name": "kling-v2",
    "prompt": "Abstract colorful artwork, modern style",
    "n": 4,
    "resolution": "1k",
    "aspect_ratio": "1:1"
  }"#,
        ),
    ];
    for (path, body) in examples {
        let resp = bff
            .http
            .post(format!("{}{path}", bff.url))
            .header("Authorization", "Bearer <token>")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let env: omni_api::Envelope<omni_api::Task> = resp.json().await.unwrap();
        let task = env.data.unwrap();
        assert_eq!(task.task_status, omni_api::TaskStatus::Submitted);
        let done = bff.wait_done(task.task_id.as_str()).await;
        assert_eq!(done["task_status"], "succeed", "{path}");
    }
    let (status, list) = bff
        .get("/kling/v1/images/generations?pageNum=1&pageSize=30")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["data"][0]["task_result"]["images"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let (status, body) = bff
        .get("/kling/v1/images/omni-image?pageNum=0&pageSize=501")
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_fields(&body), ["pageNum", "pageSize"]);
}

#[tokio::test]
async fn tasks_survive_kill_9_and_unfinished_ones_continue() {
    let dir = temp_dir("restart");
    let bff = Bff::process(dir.clone(), &[]);
    let (_, done) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "finished before the crash"}))
        .await;
    let done_id = done["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&done_id).await;
    let (_, slow) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "still running [sim:delay=60000]"}),
        )
        .await;
    let slow_id = slow["data"]["task_id"].as_str().unwrap().to_owned();
    let dir = bff.kill();

    // A new process on the same data dir (its simulator is new and knows nothing).
    let bff = Bff::process(dir, &[]);
    let (_, history) = bff.get("/api/v1/tasks").await;
    let ids: Vec<&str> = history["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [slow_id.as_str(), done_id.as_str()]);
    let (status, t) = bff.get(&format!("/api/v1/tasks/{done_id}")).await;
    assert_eq!(
        (status, t["data"]["task_status"].as_str()),
        (200, Some("succeed"))
    );
    let (status, t) = bff.get(&format!("/api/v1/tasks/{slow_id}")).await;
    assert_eq!(
        status, 200,
        "an unfinished task is still answered from the store when upstream forgot it"
    );
    assert!(t["data"]["task_status"] == "submitted" || t["data"]["task_status"] == "processing");
}

#[tokio::test]
async fn fifty_concurrent_polls_cause_at_most_one_upstream_read_per_interval() {
    let sim_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Fifty pollers from one address: the per-client rate limit is not what this
    // test is about.
    let bff = Bff::start(
        temp_dir("coalesce"),
        &[
            "--sim-listen",
            &format!("127.0.0.1:{sim_port}"),
            "--rate-limit",
            "off",
        ],
    );
    let (_, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "slow [sim:delay=8000]"}))
        .await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let stats_url = format!("http://127.0.0.1:{sim_port}/sim/stats");
    let reads = |stats: Value| stats["reads"][&id].as_u64().unwrap_or(0);
    let before = reads(
        bff.http
            .get(&stats_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    let started = std::time::Instant::now();
    // 50 browsers polling the same task every 100 ms for 3 seconds.
    let pollers: Vec<_> = (0..50)
        .map(|_| {
            let (http, url) = (bff.http.clone(), format!("{}/api/v1/tasks/{id}", bff.url));
            tokio::spawn(async move {
                let mut answered = 0;
                while started.elapsed() < std::time::Duration::from_secs(3) {
                    let resp = http.get(&url).send().await.unwrap();
                    assert_eq!(resp.status(), 200);
                    answered += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                answered
            })
        })
        .collect();
    let answered: u32 = futures_sum(pollers.into_iter()).await;
    let elapsed_intervals = started.elapsed().as_secs_f64().ceil() as u64; // the young task's interval is 1 s
    let after = reads(
        bff.http
            .get(&stats_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    assert!(answered > 500, "the pollers were answered ({answered})");
    assert!(
        after - before <= elapsed_intervals + 1,
        "{} upstream reads in {elapsed_intervals} intervals",
        after - before
    );
}

async fn futures_sum(handles: impl Iterator<Item = tokio::task::JoinHandle<u32>>) -> u32 {
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    total
}

#[tokio::test]
async fn result_files_are_served_same_origin_and_zipped() {
    let bff = Bff::new();
    let (_, body) = bff.post(OMNI_IMAGE, &json!({"prompt": "two foxes", "n": 2, "aspect_ratio": "4:3", "watermark_info": {"enabled": true}})).await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;

    let resp = bff
        .http
        .get(format!(
            "{}/api/v1/tasks/{id}/files/images/1?download=1",
            bff.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"omni-image-{id}-2.png\"")
    );
    let info = omni_api::media::inspect(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!((info.width, info.height), (1024, 768));

    let wm = bff
        .http
        .get(format!(
            "{}/api/v1/tasks/{id}/files/images/0?variant=watermark",
            bff.url
        ))
        .send()
        .await
        .unwrap();
    assert!(wm.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("-1-watermarked.png"));

    let (status, body) = bff.get(&format!("/api/v1/tasks/{id}/files/images/2")).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1203)));

    let zip = bff
        .http
        .get(format!("{}/api/v1/tasks/{id}/files.zip", bff.url))
        .send()
        .await
        .unwrap();
    assert_eq!(zip.headers()["content-type"], "application/zip");
    // Streamed as it is read, not built whole first.
    assert_eq!(zip.headers()["transfer-encoding"], "chunked");
    let bytes = zip.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    // A real reader checks every entry's CRC.
    let path = bff.data_dir.with_extension("zip");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(' '.join(z.namelist()))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("omni-image-{id}-1.png omni-image-{id}-2.png")
    );
}

/// A noise PNG of about `side * side * 3` bytes (noise does not compress).
fn noise_png(side: u32, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut pixels = vec![0u8; (side * side * 3) as usize];
    for p in pixels.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *p = state as u8;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&pixels)
        .unwrap();
    out
}

#[tokio::test]
async fn large_creates_reach_the_upstream_whole() {
    use base64::Engine as _;
    let bff = Bff::new();
    // Three 3 MB references: a 12 MB body, far past the usual 2 MB default limits.
    let images: Vec<Value> = (0..3)
        .map(|i| json!({"image": base64::engine::general_purpose::STANDARD.encode(noise_png(1000, i + 7))}))
        .collect();
    let body = json!({"prompt": "<<<image_1>>> <<<image_2>>> <<<image_3>>>", "image_list": images});
    assert!(body.to_string().len() > 10_000_000);
    let (status, answer) = bff.post(OMNI_IMAGE, &body).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["data"]["task_id"].as_str().unwrap().to_owned();
    let done = bff.wait_done(&id).await;
    assert_eq!(done["task_status"], "succeed");
    // Lists read no requests: a page of history is kilobytes, not the 12 MB of images.
    for list in ["/api/v1/tasks", "/kling/v1/images/omni-image?pageSize=10"] {
        let page = bff
            .http
            .get(format!("{}{list}", bff.url))
            .send()
            .await
            .unwrap();
        let bytes = page.bytes().await.unwrap();
        assert!(bytes.len() < 20_000, "{list}: {} bytes", bytes.len());
        assert!(String::from_utf8_lossy(&bytes).contains(&id), "{list}");
    }
    let (_, history) = bff.get("/api/v1/tasks").await;
    assert_eq!(
        history["data"]["tasks"][0]["request"],
        json!({"prompt": "<<<image_1>>> <<<image_2>>> <<<image_3>>>"}),
        "the history summarises each request by its prompt"
    );
    // The task itself still has it all, when asked for (stored in parts, read whole).
    let (_, task) = bff.get(&format!("/api/v1/tasks/{id}?request=full")).await;
    assert!(
        task["data"]["request"]["image_list"] == body["image_list"],
        "the request comes back as it was sent"
    );
}

#[tokio::test]
async fn a_task_the_upstream_forgot_is_failed_not_polled_forever() {
    let port = support::free_port();
    let sim = format!("http://127.0.0.1:{port}");
    let bff = Bff::start(
        temp_dir("forgot"),
        &["--sim-listen", &format!("127.0.0.1:{port}")],
    );
    let (_, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "for ever [sim:delay=600000]"}),
        )
        .await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let expired = bff
        .http
        .post(format!("{sim}/sim/expire?task_id={id}"))
        .send()
        .await
        .unwrap();
    assert!(expired.status().is_success());
    let done = bff.wait_done(&id).await;
    assert_eq!(done["task_status"], "failed");
    assert!(
        done["task_status_msg"]
            .as_str()
            .unwrap()
            .contains("no record"),
        "{done}"
    );
    // And nobody asks the upstream about it again.
    let reads = |s: Value| s["reads"][&id].as_u64().unwrap_or(0);
    let before = reads(support::sim_stats(&bff.http, &sim).await);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(reads(support::sim_stats(&bff.http, &sim).await), before);
}

#[tokio::test]
async fn a_local_video_is_served_to_the_upstream_at_an_unguessable_address() {
    let bff = Bff::new();
    let clip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../e2e/fixtures/clip-720p-4s.mp4"
    ))
    .unwrap();
    let (_, config) = bff.get("/api/v1/config").await;
    assert_eq!(
        config["data"]["local_videos"], true,
        "the simulator reaches this BFF"
    );
    let upload = |body: Vec<u8>, content_type: &'static str| {
        bff.http
            .post(format!("{}/api/v1/uploads", bff.url))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let answer = upload(clip.clone(), "video/mp4").await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    let url = answer["data"]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/api/v1/uploads/", bff.url)),
        "{url}"
    );
    // Anyone with the address gets it (the upstream has no credentials of ours), whole
    // or in ranges.
    let got = reqwest::get(&url).await.unwrap();
    assert_eq!(got.headers()["content-type"], "video/mp4");
    assert_eq!(got.bytes().await.unwrap().to_vec(), clip);
    let part = bff
        .http
        .get(&url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    // Used as a reference, the URL goes upstream as it is.
    let (status, body) = bff
        .post(
            "/kling/v1/videos/omni-video",
            &json!({"prompt": "the next shot after <<<video_1>>>", "aspect_ratio": "16:9", "video_list": [{"video_url": url, "refer_type": "feature"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Not a video, or not said to be one: refused, naming why.
    let not_video = upload(b"<html>not a video</html>".to_vec(), "video/mp4")
        .await
        .unwrap();
    assert_eq!(not_video.status(), 400);
    assert!(not_video
        .text()
        .await
        .unwrap()
        .contains("not an MP4 or MOV"));
    let wrong_type = upload(clip.clone(), "application/octet-stream")
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    // A made-up or expired name is nothing.
    let token = "0123456789abcdef0123456789abcdef";
    for name in [
        format!("1000-{token}.mp4"),
        format!("99999999999999-{token}.mp4"),
    ] {
        let missing = bff
            .http
            .get(format!("{}/api/v1/uploads/{name}", bff.url))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404, "{name}");
    }
}
