//! The same upstream client against a gateway (bearer key) and the official-style JWT
//! path, and proof that the credentials never leave the server.

mod support;
use serde_json::json;
use support::{temp_dir, Bff, Simulator};

const KEY: &str = "aio_test_secret_key_5a1f";

#[tokio::test]
async fn gateway_mode_sends_the_bearer_key_and_never_leaks_it() {
    let sim = Simulator::start(KEY);
    let dir = temp_dir("gateway");
    let log = Bff::log_path(&dir);
    let bff = Bff::process_with(
        dir,
        &["--upstream", &sim.url],
        &[("OMNI_UPSTREAM_API_KEY", KEY)],
    );
    let mut seen = String::new();

    let (status, body) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "through a gateway", "n": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    seen += &body.to_string();
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    assert_eq!(done["task_status"], "succeed");
    seen += &done.to_string();
    let (_, cfg) = bff.get("/api/v1/config").await;
    assert_eq!(cfg["data"]["upstream"], "gateway");
    seen += &cfg.to_string();
    let (_, bad) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "x", "n": 99}),
        )
        .await;
    seen += &bad.to_string();
    let (_, failed) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "[sim:code=1102]"}),
        )
        .await;
    assert_eq!(failed["code"], 1102, "{failed}");
    seen += &failed.to_string();
    // Every other kind of answer too, headers included: events, files, the zip, the
    // history, media copies, errors.
    let id = done["task_id"].as_str().unwrap();
    for path in [
        format!("/api/v1/tasks/{id}/events"),
        format!("/api/v1/tasks/{id}/files/images/0"),
        format!("/api/v1/tasks/{id}/files.zip"),
        "/api/v1/tasks".to_owned(),
        "/api/v1/session".to_owned(),
        "/kling/v1/images/omni-image?pageNum=1&pageSize=10".to_owned(),
        "/kling/v1/general/custom-elements".to_owned(),
        "/api/v1/nope".to_owned(),
        "/".to_owned(),
    ] {
        let resp = bff
            .http
            .get(format!("{}{path}", bff.url))
            .send()
            .await
            .unwrap();
        seen += &format!("{:?}", resp.headers());
        seen += &String::from_utf8_lossy(&resp.bytes().await.unwrap());
    }

    let data_dir = bff.data_dir.clone();
    // Every file the BFF wrote (database, media copies) is free of it as well.
    let mut files = vec![data_dir.clone()];
    let mut stored = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            stored.extend(std::fs::read(&path).unwrap_or_default());
        }
    }
    assert!(
        stored.len() > 10_000,
        "the database and the copies were read"
    );
    assert!(
        !stored.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "a stored file carried the key"
    );
    // So is the built app, when there is one.
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    if let Ok(entries) = std::fs::read_dir(&dist) {
        for entry in entries {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "dist carried the key"
            );
        }
    }

    drop(bff);
    let logs = std::fs::read_to_string(log).unwrap();
    assert!(
        logs.contains("DEBUG"),
        "the log ran at debug level, so it had every chance to leak"
    );
    assert!(!seen.contains(KEY), "a response carried the key");
    assert!(!logs.contains(KEY), "the log carried the key");
}

#[tokio::test]
async fn a_wrong_gateway_key_is_the_upstreams_401_in_the_envelope() {
    let sim = Simulator::start(KEY);
    let bff = Bff::start_with(
        temp_dir("badkey"),
        &["--upstream", &sim.url],
        &[("OMNI_UPSTREAM_API_KEY", "wrong")],
    );
    let (status, body) = bff
        .post("/kling/v1/images/omni-image", &json!({"prompt": "x"}))
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1002)));
    assert!(!body.to_string().contains("wrong"));
}

#[tokio::test]
async fn an_upstream_url_without_credentials_refuses_to_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni-bff"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "https://api-singapore.klingai.com",
            "--data-dir",
        ])
        .arg(temp_dir("nocreds"))
        .env_remove("OMNI_UPSTREAM_API_KEY")
        .env_remove("KLING_ACCESS_KEY")
        .env_remove("KLING_SECRET_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs credentials"));
}

#[tokio::test]
async fn video_tasks_return_a_playable_mp4_with_a_cover() {
    let bff = Bff::new();
    let (status, body) = bff
        .post(
            "/kling/v1/videos/omni-video",
            &json!({"prompt": "a drone shot", "aspect_ratio": "16:9", "duration": "5"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let done = bff
        .wait_done(body["data"]["task_id"].as_str().unwrap())
        .await;
    let video = &done["task_result"]["videos"][0];
    assert_eq!(video["duration"], "5");
    let resp = bff
        .http
        .get(bff.absolute(video["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "video/mp4");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4 file");
    let cover = bff.download(video["cover_url"].as_str().unwrap()).await;
    assert!(omni_api::media::inspect(&cover).is_ok());
}

#[test]
fn help_documents_every_option() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni-bff"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--listen",
        "--dist",
        "--data-dir",
        "--database-url",
        "--upstream",
        "--sim-listen",
        "--sim-fail-rate",
        "--sim-speed",
        "--public-url",
        "--media-dir",
        "--media-store",
        "--media-retention",
        "--sse-heartbeat",
        "--catalog",
        "--unknown-fields",
        "--allowed-hosts",
        "--trusted-proxies",
        "--sim-strict-ids",
        "OMNI_ALLOWED_HOSTS",
        "OMNI_UPSTREAM_API_KEY",
        "OMNI_LOG",
        "KLING_ACCESS_KEY",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni-bff"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unexpected argument '--bogus'"), "{stderr}");
}
