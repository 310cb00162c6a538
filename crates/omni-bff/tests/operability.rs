//! What an operator relies on: a request id that leads from an error envelope to its
//! log line (JSON logs), Prometheus metrics that `promtool` accepts after a workload,
//! behind the access policy or on their own listener, readiness, and a systemd unit that
//! `systemd-analyze verify` accepts.

mod support;
use serde_json::{json, Value};
use std::process::Command;
use support::{free_port, temp_dir, Bff};

const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";
const TOKEN: &str = "operability-token-0123456789";

/// The JSON log lines of a BFF so far.
fn log_lines(bff: &Bff) -> Vec<Value> {
    std::fs::read_to_string(Bff::log_path(&bff.data_dir))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[tokio::test]
async fn a_request_id_leads_from_an_error_to_its_log_line() {
    let bff = Bff::process(temp_dir("reqid"), &["--log-format", "json"]);
    // The BFF makes one: in the header and in the envelope.
    let resp = bff
        .http
        .post(format!("{}{OMNI_IMAGE}", bff.url))
        .json(&json!({"prompt": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let header = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["request_id"], header.as_str());
    // A client's own id is kept.
    let resp = bff
        .http
        .get(format!("{}/api/v1/tasks/nope", bff.url))
        .header("x-request-id", "trace-4f2a-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-4f2a-1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-4f2a-1");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let lines = log_lines(&bff);
    let line = |id: &str| {
        lines
            .iter()
            .find(|l| l["request_id"] == id && l["message"] == "request")
            .cloned()
            .unwrap_or_else(|| panic!("no request line for {id}"))
    };
    let first = line(&header);
    assert_eq!(first["method"], "POST");
    assert_eq!(
        first["route"], "/kling/v1/{group}/{name}",
        "the template, not the path"
    );
    assert_eq!(first["status"], 400);
    assert!(first["latency_ms"].as_f64().is_some());
    let second = line("trace-4f2a-1");
    assert_eq!(second["route"], "/api/v1/tasks/{id}");
    assert_eq!(second["status"], 404);
}

/// `promtool check metrics` on a scrape; answers the scrape.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; cargo xtask test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn metrics_after_a_workload_pass_promtool() {
    let metrics_port = free_port();
    let bff = Bff::process_with(
        temp_dir("metrics"),
        &["--metrics-listen", &format!("127.0.0.1:{metrics_port}")],
        &[("OMNI_ACCESS_TOKENS", TOKEN)],
    );
    let send = |req: reqwest::RequestBuilder| req.bearer_auth(TOKEN).send();
    let created: Value = send(
        bff.http
            .post(format!("{}{OMNI_IMAGE}", bff.url))
            .json(&json!({"prompt": "a lighthouse"})),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["data"]["task_id"].as_str().unwrap().to_owned();
    let _ = send(
        bff.http
            .post(format!("{}{OMNI_IMAGE}", bff.url))
            .json(&json!({"prompt": ""})),
    )
    .await;
    let mut events = send(
        bff.http
            .get(format!("{}/api/v1/tasks/{id}/events", bff.url)),
    )
    .await
    .unwrap();
    assert!(events.chunk().await.unwrap().is_some());
    let open = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(open.contains("omni_event_streams_open 1"), "{open}");
    for _ in 0..100 {
        let t: Value = send(bff.http.get(format!("{}/api/v1/tasks/{id}", bff.url)))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if t["data"]["task_status"] == "succeed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Behind the access policy on the main listener.
    let denied = bff
        .http
        .get(format!("{}/metrics", bff.url))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 401);
    let scrape = send(bff.http.get(format!("{}/metrics", bff.url)))
        .await
        .unwrap();
    assert_eq!(scrape.status().as_u16(), 200);
    let text = scrape.text().await.unwrap();
    promtool_accepts(&text);
    for needle in [
        "omni_http_requests_total{method=\"POST\",route=\"/kling/v1/{group}/{name}\",status=\"400\"}",
        "omni_http_request_duration_seconds_bucket",
        "omni_upstream_calls_total{op=\"create\",code=\"0\"}",
        "omni_upstream_call_duration_seconds_bucket",
        "omni_tasks_created_total{kind=\"omni-image\"} 1",
        "omni_task_status_changes_total{kind=\"omni-image\",status=\"succeed\"} 1",
        "omni_event_streams_open",
        "omni_refresh_backlog 0",
        "omni_media_backlog",
        "omni_creates_pending 0",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // The metrics listener needs no token (it is bound where only monitoring reaches).
    let own = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    promtool_accepts(&own.text().await.unwrap());
}

#[tokio::test]
async fn healthz_is_alive_and_readyz_checks_the_store() {
    let bff = Bff::new();
    let (status, body) = bff.get("/healthz").await;
    assert_eq!((status, body["data"]["status"].as_str()), (200, Some("ok")));
    let (status, body) = bff.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "ready");
    assert_eq!(body["data"]["upstream"], "simulate");
    assert!(body["data"]["store"].as_str().unwrap().starts_with("ok"));
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contrib/omni-bff.service"
    ))
    .unwrap();
    // Verified against the binary this build made, where the README installs it.
    let dir = temp_dir("unit");
    let path = dir.join("omni-bff.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/omni-bff", env!("CARGO_BIN_EXE_omni-bff")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd package)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze: {said}"
    );
    // Every OMNI_ variable it sets is one omni-bff reads.
    let help = String::from_utf8_lossy(
        &Command::new(env!("CARGO_BIN_EXE_omni-bff"))
            .arg("--help")
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    for line in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
        let name = line.split('=').next().unwrap();
        assert!(help.contains(name), "{name} is not an omni-bff variable");
    }
    for part in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=omni-studio",
    ] {
        assert!(unit.contains(part), "{part}");
    }
}
