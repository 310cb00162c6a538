//! Push updates and durable results on one instance (SQLite): server-sent events in
//! order and resumable, the callback receiver, and media copies that outlive the
//! upstream.

mod support;
use serde_json::{json, Value};
use std::time::Duration;
use support::{free_port, read_sse, sim_stats, statuses, temp_dir, Bff};

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

/// A BFF whose simulator listens on a known port; returns the simulator's URL too.
fn bff_with_sim(tag: &str, extra: &[&str]) -> (Bff, String) {
    let port = free_port().to_string();
    let sim = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["--sim-listen", listen.as_str()];
    args.extend_from_slice(extra);
    (Bff::start(temp_dir(tag), &args), sim)
}

async fn create(bff: &Bff, prompt: &str) -> String {
    let (status, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": prompt, "n": 2}))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["task_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn events_come_in_order_end_with_final_and_resume_from_last_event_id() {
    let (bff, _) = bff_with_sim("sse", &["--sse-heartbeat", "300ms"]);
    let id = create(&bff, "a lighthouse [sim:delay=1000]").await;
    let url = format!("{}/api/v1/tasks/{id}/events", bff.url);

    let run = read_sse(&bff.http, &url, None, Duration::from_secs(20)).await;
    assert_eq!(run.status, 200);
    assert_eq!(statuses(&run), ["submitted", "processing", "succeed"]);
    let ids: Vec<&str> = run.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let names: Vec<&str> = run.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["status", "status", "final"]);
    assert!(
        run.comments >= 2,
        "heartbeats while processing: {}",
        run.comments
    );
    let last = &run.events[2].data;
    assert_eq!(last["kind"], "omni-image");
    assert_eq!(last["task_result"]["images"].as_array().unwrap().len(), 2);
    assert!(
        last.get("request").is_none(),
        "events do not repeat the request"
    );

    // A browser that saw event 1 gets exactly 2 and 3; one that saw everything gets 204,
    // which tells EventSource to stop reconnecting.
    let resumed = read_sse(&bff.http, &url, Some("1"), Duration::from_secs(10)).await;
    assert_eq!(statuses(&resumed), ["processing", "succeed"]);
    let finished = read_sse(&bff.http, &url, Some("3"), Duration::from_secs(10)).await;
    assert_eq!((finished.status, finished.events.len()), (204, 0));

    let missing = read_sse(
        &bff.http,
        &format!("{}/api/v1/tasks/nope/events", bff.url),
        None,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn failed_tasks_end_their_stream_with_a_final_failed_event() {
    let (bff, _) = bff_with_sim("sse-fail", &[]);
    let id = create(&bff, "forbidden [sim:fail]").await;
    let url = format!("{}/api/v1/tasks/{id}/events", bff.url);
    let run = read_sse(&bff.http, &url, None, Duration::from_secs(20)).await;
    assert_eq!(statuses(&run), ["submitted", "processing", "failed"]);
    assert_eq!(run.events[2].event, "final");
    assert!(run.events[2].data["task_status_msg"]
        .as_str()
        .unwrap()
        .contains("risk control"));
}

/// The callback URL the BFF gave the upstream for the newest create.
async fn callback_url(bff: &Bff, sim: &str) -> String {
    let stats = sim_stats(&bff.http, sim).await;
    let body = stats["bodies"].as_array().unwrap().last().unwrap().clone();
    let url = body["callback_url"]
        .as_str()
        .expect("the BFF asked for callbacks")
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/api/v1/callbacks/", bff.url)),
        "{url}"
    );
    url
}

#[tokio::test]
async fn callbacks_push_changes_and_are_idempotent() {
    let (bff, sim) = bff_with_sim("callbacks", &[]);
    let id = create(&bff, "a harbour").await;
    let url = callback_url(&bff, &sim).await;
    // The token is the task's own secret: a wrong one is refused, and the stored request
    // (what task reads show) never contains it.
    let token = url.rsplit('/').next().unwrap().to_owned();
    let (_, read) = bff.get(&format!("/api/v1/tasks/{id}")).await;
    assert!(!read.to_string().contains(&token));
    let forged = url.replace(&token[..4], "ffff");
    let resp = bff
        .http
        .post(&forged)
        .json(&json!({"task_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let resp = bff
        .http
        .post(&url)
        .json(&json!({"task_id": "someone-else"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);

    // Pushed: the stream sees every change although nobody polls.
    let run = read_sse(
        &bff.http,
        &format!("{}/api/v1/tasks/{id}/events", bff.url),
        None,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(statuses(&run), ["submitted", "processing", "succeed"]);

    // Replays: the same status again, then an old status after the new one, then a
    // body that lies. Each is re-read from upstream, so nothing changes.
    for body in [
        json!({"task_id": id, "task_status": "succeed"}),
        json!({"task_id": id, "task_status": "succeed"}),
        json!({"task_id": id, "task_status": "processing"}),
        json!({"task_id": id, "task_status": "submitted"}),
    ] {
        let resp = bff.http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    let replay = read_sse(
        &bff.http,
        &format!("{}/api/v1/tasks/{id}/events", bff.url),
        None,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(statuses(&replay), ["submitted", "processing", "succeed"]);
    let (_, read) = bff.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(read["data"]["task_status"], "succeed");
}

#[tokio::test]
async fn a_callback_body_is_not_trusted() {
    let (bff, sim) = bff_with_sim("callbacks-lie", &[]);
    let id = create(&bff, "a slow one [sim:delay=4000]").await;
    let url = callback_url(&bff, &sim).await;
    // Says succeed while the upstream is still working: the BFF re-reads and keeps
    // the truth.
    let lie = json!({"task_id": id, "task_status": "succeed", "task_result": {"images": [{"index": 0, "url": "http://127.0.0.1:1/evil.png"}]}});
    let resp = bff.http.post(&url).json(&lie).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, read) = bff.get(&format!("/api/v1/tasks/{id}")).await;
    assert_ne!(read["data"]["task_status"], "succeed");
    assert!(!read.to_string().contains("evil"));
}

#[tokio::test]
async fn a_users_own_callback_url_goes_upstream_untouched() {
    let (bff, sim) = bff_with_sim("own-callback", &[]);
    let mine = "https://hooks.example.com/omni";
    let (status, _) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "a kite", "callback_url": mine}),
        )
        .await;
    assert_eq!(status, 200);
    let stats = sim_stats(&bff.http, &sim).await;
    assert_eq!(stats["bodies"][0]["callback_url"], mine);
}

async fn bytes(http: &reqwest::Client, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = http.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// Waits until every result URL of a task points at a copy.
async fn wait_copied(bff: &Bff, id: &str) -> Value {
    for _ in 0..100 {
        let done = bff.wait_done(id).await;
        let text = done["task_result"].to_string();
        if !text.contains("/sim/files/") {
            return done;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("media of {id} were not copied");
}

#[tokio::test]
async fn results_outlive_the_upstream() {
    let (bff, sim) = bff_with_sim("media", &[]);
    let image = create(&bff, "a cliff").await;
    let (status, body) = bff
        .post(
            "/kling/v1/videos/omni-video",
            &json!({"prompt": "waves", "duration": "5", "aspect_ratio": "16:9"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let video = body["data"]["task_id"].as_str().unwrap().to_owned();

    let done = wait_copied(&bff, &image).await;
    let first = done["task_result"]["images"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        first.starts_with(&format!("/api/v1/media/{image}/images-0")),
        "{first}"
    );
    let (_, _, before) = bytes(&bff.http, &format!("{}{first}", bff.url)).await;
    let vdone = wait_copied(&bff, &video).await;
    let vurl = vdone["task_result"]["videos"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let cover = vdone["task_result"]["videos"][0]["cover_url"]
        .as_str()
        .unwrap()
        .to_owned();

    // The upstream forgets both tasks (its 30 days are up).
    let resp = bff
        .http
        .post(format!("{sim}/sim/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let (status, headers, after) = bytes(&bff.http, &format!("{}{first}", bff.url)).await;
    assert_eq!(status, 200);
    assert_eq!(
        after, before,
        "the same bytes as before the upstream forgot them"
    );
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let (status, headers, _) = bytes(&bff.http, &format!("{}{cover}", bff.url)).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "image/png")
    );

    // Video: served whole and by Range, for seeking.
    let (status, headers, whole) = bytes(&bff.http, &format!("{}{vurl}", bff.url)).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "video/mp4")
    );
    // The whole video: a real MP4 of the task's five seconds (the simulator's colour
    // segments compress to a few kilobytes, so its size says little).
    let probe = omni_bff::simulator::mp4::probe(&whole).expect("an MP4");
    assert_eq!(probe.seconds, 5.0);
    let resp = bff
        .http
        .get(format!("{}{vurl}", bff.url))
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(
        resp.headers()["content-range"].to_str().unwrap(),
        format!("bytes 100-199/{}", whole.len())
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &whole[100..200]);
    let resp = bff
        .http
        .get(format!("{}{vurl}", bff.url))
        .header("range", format!("bytes={}-", whole.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 416);
    assert_eq!(
        resp.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{}", whole.len())
    );
    // Revalidation by ETag costs nothing.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let resp = bff
        .http
        .get(format!("{}{vurl}", bff.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 304);

    // The studio's file routes, downloads and the zip all work from the copies.
    let (status, headers, same) = bytes(
        &bff.http,
        &format!("{}/api/v1/tasks/{image}/files/images/0?download=1", bff.url),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(same, before);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let (status, _, zip) = bytes(
        &bff.http,
        &format!("{}/api/v1/tasks/{video}/files.zip", bff.url),
    )
    .await;
    assert_eq!(status, 200);
    assert!(zip.starts_with(b"PK"));
    // History shows the copies too.
    let (_, page) = bff.get("/api/v1/tasks").await;
    assert!(!page.to_string().contains("/sim/files/"), "{page}");

    // Only names the store knows are served: no path tricks.
    for bad in ["../omni.db", "images-0.png%2F..%2F..%2Fomni.db", "nope.png"] {
        let (status, _, _) = bytes(
            &bff.http,
            &format!("{}/api/v1/media/{image}/{bad}", bff.url),
        )
        .await;
        assert_eq!(status, 404, "{bad}");
    }
}

#[tokio::test]
async fn copies_past_their_retention_are_removed() {
    let (bff, _) = bff_with_sim("retention", &["--media-retention", "3s"]);
    let id = create(&bff, "a dune").await;
    let done = wait_copied(&bff, &id).await;
    let url = done["task_result"]["images"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(bytes(&bff.http, &format!("{}{url}", bff.url)).await.0, 200);
    let media = bff.data_dir.join("media").join(&id);
    assert!(media.read_dir().unwrap().count() >= 2);
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if media.read_dir().unwrap().count() == 0 {
            break;
        }
    }
    assert_eq!(media.read_dir().unwrap().count(), 0, "files removed");
    assert_eq!(bytes(&bff.http, &format!("{}{url}", bff.url)).await.0, 404);
    let (_, read) = bff.get(&format!("/api/v1/tasks/{id}")).await;
    assert!(
        read["data"]["task_result"]["images"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http"),
        "reads point at the upstream again"
    );
}

#[tokio::test]
async fn copies_are_retried_until_the_upstream_serves_them() {
    let (bff, _) = bff_with_sim("media-retry", &[]);
    // The first 3 file downloads fail; the copier backs off and tries again.
    let id = create(&bff, "a reef [sim:filefail=3]").await;
    let done = wait_copied(&bff, &id).await;
    let url = done["task_result"]["images"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, png) = bytes(&bff.http, &bff.absolute(&url)).await;
    assert_eq!(status, 200);
    assert!(omni_api::media::inspect(&png).is_ok());
}
