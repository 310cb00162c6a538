//! The queue: creates beyond the upstream's concurrency wait in the store and are sent
//! as slots free, against a simulator that, like a resource pack, answers 1303 beyond
//! two running tasks. Nothing is lost or sent twice: across a kill -9, and across two
//! instances sharing PostgreSQL.

mod support;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use support::{read_sse, sim_stats, temp_dir, Bff, Simulator, SseEvent, SseRun};

const KEY: &str = "queue-test-gateway-key";
const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

/// A simulator with room for two running tasks per pool, each taking `seconds`.
fn upstream(speed: &str) -> Simulator {
    Simulator::start_with(KEY, &["--sim-max-in-flight", "2", "--sim-speed", speed])
}

fn bff(tag: &str, sim: &Simulator, extra: &[&str]) -> Bff {
    bff_in(temp_dir(tag), sim, extra)
}

fn bff_in(data_dir: std::path::PathBuf, sim: &Simulator, extra: &[&str]) -> Bff {
    let mut args = vec!["--upstream", &sim.url, "--rate-limit", "off"];
    args.extend_from_slice(extra);
    Bff::process_with(data_dir, &args, &[("OMNI_UPSTREAM_API_KEY", KEY)])
}

/// Sends `prompt`; the answer comes at once, made or waiting.
async fn create(bff: &Bff, prompt: &str) -> Value {
    let (status, body) = bff.post(OMNI_IMAGE, &json!({ "prompt": prompt })).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

async fn wait_done(bff: &Bff, id: &str) -> Value {
    for _ in 0..600 {
        let (_, body) = bff.get(&format!("/api/v1/tasks/{id}")).await;
        let status = body["data"]["task_status"].as_str().unwrap_or("");
        if status == "succeed" || status == "failed" {
            return body["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} did not finish");
}

/// The event stream of task `id`, read to its end (or `seconds`).
async fn events(bff: &Bff, id: &str, seconds: u64) -> SseRun {
    let url = format!("{}/api/v1/tasks/{id}/events", bff.url);
    read_sse(&bff.http, &url, None, Duration::from_secs(seconds)).await
}

/// Each prompt made exactly once upstream (and nothing else made).
async fn made_once(bff: &Bff, sim: &Simulator, prompts: &[String]) -> Value {
    let stats = sim_stats(&bff.http, &sim.url).await;
    let mut per: HashMap<String, usize> = HashMap::new();
    for m in stats["made"].as_array().unwrap() {
        *per.entry(m["prompt"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for p in prompts {
        assert_eq!(per.get(p), Some(&1), "{p:?} made once: {per:?}");
    }
    assert_eq!(per.len(), prompts.len(), "{per:?}");
    stats
}

#[tokio::test]
async fn an_upstream_that_says_busy_gets_the_rest_later_and_each_once() {
    let sim = upstream("4");
    // The BFF believes the pack takes 9: the upstream's 1303 puts the rest back in line.
    let bff = bff("queue-busy", &sim, &[]);
    let prompts: Vec<String> = (0..6).map(|i| format!("busy upstream {i}")).collect();
    let mut ids = Vec::new();
    for p in &prompts {
        ids.push(
            create(&bff, p).await["task_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        assert_eq!(wait_done(&bff, id).await["task_status"], "succeed", "{id}");
    }
    let stats = made_once(&bff, &sim, &prompts).await;
    assert!(
        stats["busy"].as_u64().unwrap() > 0,
        "the upstream said busy: {stats}"
    );
}

#[tokio::test]
async fn the_bff_holds_what_does_not_fit_shows_places_and_cancels_one() {
    let sim = upstream("1");
    let bff = bff("queue-held", &sim, &["--max-in-flight", "2"]);
    let prompts: Vec<String> = (0..5).map(|i| format!("held by the bff {i}")).collect();
    let mut answers = Vec::new();
    for p in &prompts {
        answers.push(create(&bff, p).await);
    }
    // Two go at once; three wait, the client holding their external ids.
    let waiting: Vec<&Value> = answers
        .iter()
        .filter(|a| {
            Some(a["task_id"].as_str()) == Some(a["task_info"]["external_task_id"].as_str())
        })
        .collect();
    assert_eq!(waiting.len(), 3, "{answers:?}");
    let (_, page) = bff.get("/api/v1/tasks").await;
    let places: Vec<i64> = page["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["queue"]["place"].as_i64())
        .collect();
    assert_eq!(places, [3, 2, 1], "newest first, each with its place");
    // The gateway's list has them too, first (the newest is the last in line), and its
    // pages go on through the made tasks without repeating or skipping one.
    let external = |t: &Value| {
        t["task_info"]["external_task_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut listed = Vec::new();
    for (n, size) in [(1, 4), (2, 1), (3, 0)] {
        let (status, page) = bff
            .get(&format!("{OMNI_IMAGE}?pageNum={n}&pageSize=4"))
            .await;
        assert_eq!(status, 200, "{page}");
        let tasks = page["data"].as_array().unwrap();
        assert_eq!(tasks.len(), size, "page {n}: {page}");
        listed.extend(tasks.iter().map(external));
    }
    assert_eq!(listed[0], external(&answers[4]), "{listed:?}");
    let mut sorted = listed.clone();
    sorted.sort();
    let mut answered: Vec<String> = answers.iter().map(external).collect();
    answered.sort();
    assert_eq!(sorted, answered, "every task the clients were given, once");
    // The last in line is cancelled: it fails without being sent.
    let last = waiting[2]["task_id"].as_str().unwrap();
    let (status, cancelled) = bff
        .post(&format!("/api/v1/tasks/{last}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["data"]["task_status"], "failed");
    for a in &answers {
        let id = a["task_id"].as_str().unwrap();
        let done = wait_done(&bff, id).await;
        let expected = if id == last { "failed" } else { "succeed" };
        assert_eq!(done["task_status"], expected, "{id}: {done}");
    }
    let stats = made_once(&bff, &sim, &prompts[..4]).await;
    assert_eq!(stats["busy"], 0, "the BFF never sent beyond the limit");
}

#[tokio::test]
async fn a_waiting_create_streams_its_place_then_its_task() {
    let sim = upstream("1");
    let bff = bff(
        "queue-stream",
        &sim,
        &["--max-in-flight", "1", "--sse-heartbeat", "300ms"],
    );
    // The first holds the only slot for a few seconds; the second waits behind it.
    let ahead = create(&bff, "ahead in line [sim:delay=3000]").await;
    let queued = create(&bff, "waits in line").await;
    let id = queued["task_id"].as_str().unwrap();
    assert_eq!(
        Some(id),
        queued["task_info"]["external_task_id"].as_str(),
        "{queued}"
    );
    let run = events(&bff, id, 60).await;
    assert_eq!(run.status, 200);
    // While it waits: its place, without an event id (the task has no history yet).
    let said = &run.events[0];
    assert_eq!(
        (said.id.as_str(), said.event.as_str()),
        ("", "status"),
        "{said:?}"
    );
    assert_eq!(said.data["task_id"], id);
    assert_eq!(said.data["task_status"], "submitted");
    assert_eq!(said.data["queue"]["place"], 1, "{said:?}");
    // Once made: the task's own events from the first, under the upstream's id.
    let made: Vec<&SseEvent> = run.events.iter().filter(|e| !e.id.is_empty()).collect();
    assert_eq!(
        made.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["1", "2", "3"],
        "{:?}",
        run.events
    );
    let last = &made[2];
    assert_eq!(
        (last.event.as_str(), &last.data["task_status"]),
        ("final", &json!("succeed"))
    );
    assert_eq!(last.data["task_info"]["external_task_id"], id);
    assert_ne!(
        last.data["task_id"], id,
        "named by the upstream's id once made"
    );
    assert_eq!(
        wait_done(&bff, ahead["task_id"].as_str().unwrap()).await["task_status"],
        "succeed"
    );
    // A stream for an id nobody was given is still a 404.
    let missing = events(&bff, "studio-nothing-such", 5).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn queued_creates_survive_a_kill_9() {
    let sim = upstream("1");
    let first = bff("queue-kill", &sim, &["--max-in-flight", "1"]);
    let prompts: Vec<String> = (0..4).map(|i| format!("survives a kill {i}")).collect();
    let mut ids = Vec::new();
    for p in &prompts {
        ids.push(
            create(&first, p).await["task_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Killed with one task running and three waiting; started again on its data.
    let again = bff_in(first.kill(), &sim, &["--max-in-flight", "1"]);
    for id in &ids {
        assert_eq!(
            wait_done(&again, id).await["task_status"],
            "succeed",
            "{id}"
        );
    }
    let stats = made_once(&again, &sim, &prompts).await;
    assert_eq!(stats["busy"], 0);
}
