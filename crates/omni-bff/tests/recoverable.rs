//! Recoverable creates against a strict upstream (`--sim-strict-ids`: a repeated
//! external_task_id is refused, as the real service may): a lost answer, a crash
//! between the upstream's create and our record, and a foreign duplicate id. Nothing
//! may be made twice, and nothing the upstream made may be missing from the history.

mod support;
use serde_json::{json, Value};
use std::time::Duration;
use support::{free_port, get_json, sim_stats, temp_dir, Bff, Simulator};

const KEY: &str = "strict-gateway-key";
const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

fn strict() -> Simulator {
    Simulator::start_with(KEY, &["--sim-strict-ids", "--sim-speed", "10"])
}

fn bff_for(sim: &Simulator, dir: std::path::PathBuf, listen: &str) -> Bff {
    Bff::process_with(
        dir,
        &[
            "--listen",
            listen,
            "--upstream",
            &sim.url,
            "--rate-limit",
            "off",
        ],
        &[("OMNI_UPSTREAM_API_KEY", KEY)],
    )
}

async fn history_ids(bff: &Bff) -> Vec<String> {
    let (_, page) = bff.get("/api/v1/tasks?limit=100").await;
    page["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap().to_owned())
        .collect()
}

fn made(stats: &Value) -> Vec<String> {
    stats["made"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["task_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_lost_answer_is_adopted_not_refused_as_a_duplicate() {
    let sim = strict();
    let bff = bff_for(&sim, temp_dir("lost"), "127.0.0.1:0");
    let (status, body) = bff
        .post(OMNI_IMAGE, &json!({"prompt": "a harbour [sim:lose]"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let stats = sim_stats(&bff.http, &sim.url).await;
    assert_eq!(
        made(&stats),
        std::slice::from_ref(&id),
        "one task upstream, the one answered"
    );
    assert_eq!(stats["creates"], 1, "asked by external id, not sent again");
    assert_eq!(history_ids(&bff).await, std::slice::from_ref(&id));
    assert_eq!(bff.wait_done(&id).await["task_status"], "succeed");
}

#[tokio::test]
async fn a_crash_between_the_upstreams_create_and_our_record_is_recovered() {
    let sim = strict();
    let listen = format!("127.0.0.1:{}", free_port());
    let bff = bff_for(&sim, temp_dir("crash"), &listen);
    // The upstream makes the task at once and answers 3 s later: the BFF dies first.
    let http = bff.http.clone();
    let url = bff.url.clone();
    let send = |http: reqwest::Client, url: String| async move {
        http.post(format!("{url}{OMNI_IMAGE}"))
            .header("Idempotency-Key", "crash-test-1")
            .json(&json!({"prompt": "a lighthouse [sim:slow=3000]"}))
            .timeout(Duration::from_secs(20))
            .send()
            .await
    };
    let in_flight = tokio::spawn(send(http.clone(), url.clone()));
    let mut made_ids = Vec::new();
    for _ in 0..100 {
        made_ids = made(&sim_stats(&http, &sim.url).await);
        if !made_ids.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(made_ids.len(), 1, "the upstream made the task");
    let dir = bff.kill();
    assert!(
        in_flight.await.unwrap().is_err(),
        "the answer died with the BFF"
    );

    // Started again, it finishes the recorded attempt by itself.
    let bff = bff_for(&sim, dir, &listen);
    // Until then the history shows the create on its way, under its external id.
    let mut recovered = Vec::new();
    for _ in 0..100 {
        recovered = history_ids(&bff).await;
        if recovered == made_ids {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(recovered, made_ids, "the billed task is in the history");
    // The client's retry with its key gets that task, and nothing is made twice.
    let resp = send(http.clone(), url.clone()).await.unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["data"]["task_id"].as_str(),
        Some(made_ids[0].as_str()),
        "{body}"
    );
    let stats = sim_stats(&http, &sim.url).await;
    assert_eq!(made(&stats), made_ids);
    let task = get_json(&http, &format!("{url}/api/v1/tasks/{}", made_ids[0])).await;
    assert_eq!(
        task["data"]["request"]["prompt"],
        "a lighthouse [sim:slow=3000]"
    );
}

#[tokio::test]
async fn a_foreign_task_with_the_same_id_is_refused_not_adopted() {
    let sim = strict();
    let bff = bff_for(&sim, temp_dir("foreign"), "127.0.0.1:0");
    // Someone made a task upstream with this id outside the studio.
    let resp = bff
        .http
        .post(format!("{}/v1/images/omni-image", sim.url))
        .bearer_auth(KEY)
        .json(&json!({"prompt": "not ours", "external_task_id": "order-7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "ours", "external_task_id": "order-7"}),
        )
        .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(1201)), "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("external_task_id"),
        "{body}"
    );
    assert!(history_ids(&bff).await.is_empty(), "nothing recorded");
    // And the attempt is gone: the same id with a new request is not "in progress".
    let (status, _) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "ours, again", "external_task_id": "order-7"}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_same_create_sent_many_times_at_once_makes_one_task() {
    let sim = strict();
    let bff = bff_for(&sim, temp_dir("twins"), "127.0.0.1:0");
    let sends = (0..8).map(|_| {
        let http = bff.http.clone();
        let url = bff.url.clone();
        tokio::spawn(async move {
            let resp = http
                .post(format!("{url}{OMNI_IMAGE}"))
                .header("Idempotency-Key", "twins-1")
                .json(&json!({"prompt": "eight clicks, one task"}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            (
                status,
                body["data"]["task_id"].as_str().map(str::to_owned),
                body,
            )
        })
    });
    let mut ids = Vec::new();
    for send in sends {
        let (status, id, body) = send.await.unwrap();
        assert_eq!(status, 200, "{body}");
        ids.push(id.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(made(&sim_stats(&bff.http, &sim.url).await), ids);
}
