//! Result copies in an S3-compatible bucket (`--media-store s3://...`), through the same
//! code as the directory. `cargo xtask test` starts moto's S3 server and sets
//! OMNI_TEST_S3_ENDPOINT; without it this test says so and returns.

mod support;
use serde_json::json;
use std::time::Duration;
use support::{free_port, temp_dir, Bff};

#[tokio::test]
async fn copies_go_to_the_bucket_and_outlive_the_upstream() {
    let Ok(endpoint) = std::env::var("OMNI_TEST_S3_ENDPOINT") else {
        eprintln!("OMNI_TEST_S3_ENDPOINT is not set: skipped (cargo xtask test sets it)");
        return;
    };
    let http = reqwest::Client::new();
    let bucket = format!("omni-test-{}", std::process::id());
    let made = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(
        made.status().is_success(),
        "bucket created: {}",
        made.status()
    );

    let port = free_port().to_string();
    let sim = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let store = format!("s3://{bucket}/studio");
    let bff = Bff::process_with(
        temp_dir("s3"),
        &["--sim-listen", &listen, "--media-store", &store],
        &[
            ("AWS_ENDPOINT", &endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "omni-test"),
            ("AWS_SECRET_ACCESS_KEY", "omni-test-secret"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    let (status, body) = bff
        .post(
            "/kling/v1/videos/omni-video",
            &json!({"prompt": "waves", "duration": "5", "aspect_ratio": "16:9"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let mut video = String::new();
    for _ in 0..100 {
        let done = bff.wait_done(&id).await;
        let url = done["task_result"]["videos"][0]["url"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if url.starts_with("/api/v1/media/") {
            video = url;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(video.ends_with(".mp4"), "copied: {video:?}");
    http.post(format!("{sim}/sim/expire")).send().await.unwrap();

    let whole = http.get(bff.absolute(&video)).send().await.unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(&whole[4..8], b"ftyp");
    let part = http
        .get(bff.absolute(&video))
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &whole[..100]);
    // The copy is in the bucket, not on the BFF's disk.
    assert!(!bff.data_dir.join("media").join(&id).exists());
    let state: serde_json::Value = http
        .get(format!("{endpoint}/moto-api/data.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = state["s3"]["FakeKey"].to_string();
    assert!(
        keys.contains(&format!("studio/{id}/videos-0.mp4")),
        "{keys}"
    );
}
