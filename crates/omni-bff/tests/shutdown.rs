//! Stopping: open event streams end when a shutdown starts (they once held it open
//! forever), requests in flight get a bounded grace, and a second signal stops the
//! process at once.

mod support;
use serde_json::json;
use std::time::Duration;
use support::{temp_dir, Bff};

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

#[tokio::test]
async fn a_signal_ends_event_streams_and_the_process() {
    let mut bff = Bff::process(temp_dir("stop-sse"), &[]);
    let (_, created) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "a long one [sim:delay=600000]"}),
        )
        .await;
    let id = created["data"]["task_id"].as_str().unwrap().to_owned();
    let mut stream = bff
        .http
        .get(format!("{}/api/v1/tasks/{id}/events", bff.url))
        .send()
        .await
        .unwrap();
    // The first event (submitted) arrives: the stream is open.
    assert!(stream.chunk().await.unwrap().is_some());
    bff.signal("TERM");
    // The stream ends instead of waiting for a task that runs for ten minutes.
    let ended = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream ended");
    let code = tokio::task::spawn_blocking(move || bff.wait_exit(Duration::from_secs(15)))
        .await
        .unwrap();
    assert_eq!(code, Some(Some(0)), "exited cleanly");
}

#[tokio::test]
async fn a_second_signal_stops_at_once() {
    let mut bff = Bff::process(temp_dir("stop-twice"), &[]);
    // A create whose upstream answer takes a minute holds a graceful shutdown open.
    let http = bff.http.clone();
    let url = bff.url.clone();
    let slow = tokio::spawn(async move {
        http.post(format!("{url}{OMNI_IMAGE}"))
            .json(&json!({"prompt": "slow [sim:slow=60000]"}))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    bff.signal("TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut bff = tokio::task::spawn_blocking(move || {
        assert_eq!(
            bff.wait_exit(Duration::from_millis(1)),
            None,
            "still finishing the create"
        );
        bff
    })
    .await
    .unwrap();
    bff.signal("TERM");
    // Well before the 20 s grace would let it go.
    let code = tokio::task::spawn_blocking(move || bff.wait_exit(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(code, Some(Some(130)));
    assert!(
        slow.await.unwrap().is_err(),
        "the cut-off create got no answer"
    );
}
