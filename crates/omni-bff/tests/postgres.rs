//! The store on PostgreSQL, and several BFF instances sharing it: one upstream read per
//! interval across instances, events fanned out between them, and nothing lost when
//! one is killed. `cargo xtask test` starts a real server and sets
//! OMNI_TEST_POSTGRES_URL; without it these tests say so and pass nothing off as run.

mod support;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use support::{free_port, read_sse, sim_stats, statuses, temp_dir, Bff, Simulator};

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";
const KEY: &str = "pg_test_gateway_key";

/// A fresh database on the test server, or `None` (with a note) when there is none.
async fn database(tag: &str) -> Option<String> {
    let Ok(admin) = std::env::var("OMNI_TEST_POSTGRES_URL") else {
        eprintln!("OMNI_TEST_POSTGRES_URL is not set: skipped (cargo xtask test sets it)");
        return None;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "omni_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// An instance on `db` whose upstream is the shared simulator `sim`.
fn instance(tag: &str, db: &str, sim: &Simulator, media: &str, extra: &[&str]) -> Bff {
    let mut args = vec![
        "--database-url",
        db,
        "--upstream",
        &sim.url,
        "--media-dir",
        media,
    ];
    args.extend_from_slice(extra);
    Bff::process_with(temp_dir(tag), &args, &[("OMNI_UPSTREAM_API_KEY", KEY)])
}

async fn create(bff: &Bff, prompt: &str) -> String {
    let (status, body) = bff.post(OMNI_IMAGE, &json!({"prompt": prompt})).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["task_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn one_instance_on_postgresql_does_everything_sqlite_does() {
    let Some(db) = database("single").await else {
        return;
    };
    let bff = Bff::process(temp_dir("pg-single"), &["--database-url", &db]);
    let id = create(&bff, "a lighthouse").await;
    let url = format!("{}/api/v1/tasks/{id}/events", bff.url);
    let run = read_sse(&bff.http, &url, None, Duration::from_secs(20)).await;
    assert_eq!(statuses(&run), ["submitted", "processing", "succeed"]);
    let resumed = read_sse(&bff.http, &url, Some("2"), Duration::from_secs(10)).await;
    assert_eq!(statuses(&resumed), ["succeed"]);
    let (_, page) = bff.get("/api/v1/tasks?q=LIGHT").await;
    assert_eq!(page["data"]["tasks"][0]["task_id"], id.as_str());
    // Spend is summed by the database (migration 9's columns, integer day buckets).
    let (_, spend) = bff.get("/api/v1/spend?tz=-300").await;
    let row = &spend["data"]["rows"][0];
    assert_eq!(row["tasks"], 1, "{spend}");
    assert_eq!(row["units"], "0.028", "{spend}");
    assert_eq!(row["model"], "kling-image-o1", "{spend}");
    // Prompt search has its trigram index (migration 7) on PostgreSQL too.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let indexes = sqlx::query(
        "SELECT CAST(indexname AS TEXT) AS indexname FROM pg_indexes WHERE tablename = 'tasks'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(indexes.iter().any(|r| {
        sqlx::Row::try_get::<String, _>(r, "indexname").is_ok_and(|n| n == "tasks_prompt_trgm")
    }));
    // Idempotent creates hold on PostgreSQL too.
    let body = json!({"prompt": "again", "external_task_id": "pg-ext-1"});
    let (_, a) = bff.post(OMNI_IMAGE, &body).await;
    let (_, b) = bff.post(OMNI_IMAGE, &body).await;
    assert_eq!(a["data"]["task_id"], b["data"]["task_id"]);
    let (status, _) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "different", "external_task_id": "pg-ext-1"}),
        )
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn two_instances_share_tasks_with_one_upstream_read_per_interval() {
    let Some(db) = database("coalesce").await else {
        return;
    };
    let sim = Simulator::start(KEY);
    let media = temp_dir("pg-media-a");
    let media = media.to_str().unwrap();
    // Forty pollers from one address: rate limits are not what this test is about.
    let a = instance("pg-a", &db, &sim, media, &["--rate-limit", "off"]);
    let b = instance("pg-b", &db, &sim, media, &["--rate-limit", "off"]);
    let id = create(&a, "slow [sim:delay=5000]").await;

    // 20 clients on each instance poll the task every 50 ms for 4 s.
    let started = std::time::Instant::now();
    let mut handles = Vec::new();
    for bff in [&a, &b] {
        for _ in 0..20 {
            let http = bff.http.clone();
            let url = format!("{}/api/v1/tasks/{id}", bff.url);
            handles.push(tokio::spawn(async move {
                let mut ok = 0u32;
                while started.elapsed() < Duration::from_secs(4) {
                    let resp = http.get(&url).send().await.unwrap();
                    assert_eq!(resp.status().as_u16(), 200);
                    ok += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                ok
            }));
        }
    }
    let mut polls = 0;
    for h in handles {
        polls += h.await.unwrap();
    }
    let elapsed_s = started.elapsed().as_secs();
    let stats = sim_stats(&a.http, &sim.url).await;
    let reads = stats["reads"][&id].as_u64().unwrap_or(0);
    // Young tasks are refreshed once a second; both instances' refreshers and 40
    // pollers share that one read (a second of slack for the edges).
    assert!(polls > 500, "the pollers really polled: {polls}");
    assert!(
        reads <= elapsed_s + 2,
        "{reads} upstream reads in {elapsed_s} s for {polls} polls on two instances"
    );
    let done = b.wait_done(&id).await;
    assert_eq!(done["task_status"], "succeed");
}

#[tokio::test]
async fn events_reach_a_browser_on_the_other_instance() {
    let Some(db) = database("fanout").await else {
        return;
    };
    let sim = Simulator::start(KEY);
    let media = temp_dir("pg-media-f");
    let media = media.to_str().unwrap();
    // A gets the upstream's callbacks; the browser listens on B. B's own safety-net
    // re-read is a minute away, so only the cross-instance NOTIFY can bring the events
    // inside the 20 s this test waits.
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let public = format!("http://127.0.0.1:{port}");
    let a = instance(
        "pg-fa",
        &db,
        &sim,
        media,
        &["--listen", &listen, "--public-url", &public],
    );
    let b = instance("pg-fb", &db, &sim, media, &["--sse-heartbeat", "15s"]);
    let id = create(&a, "a harbour").await;
    let stats = sim_stats(&a.http, &sim.url).await;
    assert!(stats["bodies"][0]["callback_url"]
        .as_str()
        .unwrap()
        .starts_with(&public));
    let run = read_sse(
        &b.http,
        &format!("{}/api/v1/tasks/{id}/events", b.url),
        None,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(statuses(&run), ["submitted", "processing", "succeed"]);
}

#[tokio::test]
async fn killing_one_instance_loses_nothing() {
    let Some(db) = database("kill").await else {
        return;
    };
    let sim = Simulator::start(KEY);
    let media = temp_dir("pg-media-k");
    let media = media.to_str().unwrap();
    let a = instance("pg-ka", &db, &sim, media, &[]);
    let b = instance("pg-kb", &db, &sim, media, &[]);
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(create(&a, &format!("task {i} [sim:delay=1500]")).await);
    }
    a.kill();
    // Nobody polls B: its refresher alone finishes what A started.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (_, page) = b.get("/api/v1/tasks?limit=100").await;
    // A create beyond the queue's limit (9 image slots) was answered with its external
    // id at once; the history names it by both once the upstream made it.
    let listed: Vec<&str> = page["data"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            [
                t["task_id"].as_str(),
                t["task_info"]["external_task_id"].as_str(),
            ]
        })
        .flatten()
        .collect();
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id} in history");
        let done = b.wait_done(id).await;
        assert_eq!(done["task_status"], "succeed", "{id}");
    }
    let stats = sim_stats(&b.http, &sim.url).await;
    assert_eq!(stats["creates"], 10, "none created twice");
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone_while_healthz_stays_alive() {
    let Some(db) = database("ready").await else {
        return;
    };
    let bff = Bff::process(temp_dir("pg-ready"), &["--database-url", &db]);
    let (status, body) = bff.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    // The database goes away under the running instance.
    let admin = std::env::var("OMNI_TEST_POSTGRES_URL").unwrap();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    let name = db.rsplit_once('/').unwrap().1;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, body) = bff.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["data"]["status"], "not ready");
    let (status, _) = bff.get("/healthz").await;
    assert_eq!(status, 200, "alive, just not ready");
}

#[tokio::test]
async fn two_instances_share_one_queue_and_send_each_create_once() {
    let Some(db) = database("queue").await else {
        return;
    };
    // The upstream runs two tasks at once, and so does each instance's queue: together
    // they hold the line in the database and send each create once.
    let sim = Simulator::start_with(KEY, &["--sim-max-in-flight", "2", "--sim-speed", "2"]);
    let media = temp_dir("pg-queue-media");
    let media = media.to_str().unwrap();
    let flags = ["--rate-limit", "off", "--max-in-flight", "2"];
    let a = instance("pg-queue-a", &db, &sim, media, &flags);
    let b = instance("pg-queue-b", &db, &sim, media, &flags);
    let prompts: Vec<String> = (0..8).map(|i| format!("shared queue {i}")).collect();
    let mut ids = Vec::new();
    for (i, p) in prompts.iter().enumerate() {
        let bff = if i % 2 == 0 { &a } else { &b };
        ids.push(create(bff, p).await);
    }
    // One instance dies with creates waiting; the other sends them.
    drop(a.kill());
    for id in &ids {
        assert_eq!(b.wait_done(id).await["task_status"], "succeed", "{id}");
    }
    let stats = sim_stats(&b.http, &sim.url).await;
    let mut per: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for m in stats["made"].as_array().unwrap() {
        *per.entry(m["prompt"].as_str().unwrap()).or_default() += 1;
    }
    for p in &prompts {
        assert_eq!(per.get(p.as_str()), Some(&1), "{p:?}: {per:?}");
    }
}
