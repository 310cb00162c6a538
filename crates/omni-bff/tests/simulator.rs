//! What the simulator promises the BFF: retries on flaky reads, creates sent once,
//! callbacks on every status change.

mod support;
use serde_json::{json, Value};
use support::{free_port, sim_stats, temp_dir, Bff};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn stats(bff: &Bff, port: u16) -> Value {
    sim_stats(&bff.http, &format!("http://127.0.0.1:{port}")).await
}

#[tokio::test]
async fn flaky_reads_are_retried_until_they_answer() {
    let port = free_port();
    let bff = Bff::start(
        temp_dir("flaky"),
        &["--sim-listen", &format!("127.0.0.1:{port}")],
    );
    let (_, body) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "flaky [sim:readfail=2]"}),
        )
        .await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let done = bff.wait_done(&id).await;
    assert_eq!(done["task_status"], "succeed");
    assert!(
        stats(&bff, port).await["reads"][&id].as_u64().unwrap() >= 3,
        "two failed reads, then one that answered"
    );
}

#[tokio::test]
async fn every_create_is_retried_safely_and_a_repeated_key_gets_the_first_task() {
    let port = free_port();
    let bff = Bff::start(
        temp_dir("once"),
        &["--sim-listen", &format!("127.0.0.1:{port}")],
    );
    // The BFF gives every create an external_task_id, so a lost answer is retried (after
    // asking the upstream whether the task exists).
    let (status, _) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "cut [sim:drop]"}),
        )
        .await;
    assert_eq!(status, 503);
    let s = stats(&bff, port).await;
    assert_eq!(s["creates"], 3, "tried three times");
    assert_eq!(s["made"].as_array().unwrap().len(), 0);
    let ids: Vec<_> = s["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["external_task_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        ids[0].starts_with("studio-") && ids.iter().all(|i| *i == ids[0]),
        "{ids:?}"
    );

    // A client's key: the same key and request again answer the first task.
    let body = json!({"prompt": "a lighthouse"});
    let send = |key: &'static str, body: Value| {
        let bff = &bff;
        async move {
            let resp = bff
                .http
                .post(format!("{}/kling/v1/images/omni-image", bff.url))
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, first) = send("draft-7f3a", body.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = send("draft-7f3a", body.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["data"]["task_id"], first["data"]["task_id"]);
    let s = stats(&bff, port).await;
    assert_eq!(s["made"].as_array().unwrap().len(), 1, "one task upstream");
    assert_eq!(s["made"][0]["external_task_id"], "studio-draft-7f3a");
    // The stored request is the user's, without the id the BFF chose.
    let (_, read) = bff
        .get(&format!(
            "/api/v1/tasks/{}?request=full",
            first["data"]["task_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        read["data"]["request"].get("external_task_id").is_none(),
        "{read}"
    );
    // The same key with another request is a conflict, not a silent replay.
    let (status, conflict) = send("draft-7f3a", json!({"prompt": "a harbour"})).await;
    assert_eq!(status, 409, "{conflict}");
    // A key that cannot be an id is refused, naming the header and the rule.
    let (status, bad) = send("no spaces please", body).await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(bad["errors"][0]["rule"], "type");
}

/// A one-purpose HTTP receiver: collects POSTed JSON bodies.
async fn callback_receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if body.len() >= len {
                            let _ = tx.send(serde_json::from_str(&body[..len]).unwrap());
                            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                            break;
                        }
                    }
                }
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn callback_url_gets_every_status_change() {
    let (url, mut rx) = callback_receiver().await;
    let bff = Bff::new();
    let (status, body) = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "call me", "callback_url": url, "n": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["task_id"].clone();
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("succeed") {
        let cb = tokio::time::timeout(std::time::Duration::from_secs(15), rx.recv())
            .await
            .expect("a callback")
            .unwrap();
        assert_eq!(cb["task_id"], id);
        seen.push(cb["task_status"].as_str().unwrap().to_owned());
        if cb["task_status"] == "succeed" {
            assert_eq!(cb["task_result"]["images"].as_array().unwrap().len(), 2);
        }
    }
    assert_eq!(seen, ["processing", "succeed"]);
}
