//! The upstream credentials never leave the BFF: every answer of every route (errors
//! included), every log line at the most verbose level and every file of the built app
//! are searched for them, and for the JWTs signed with them.

mod support;
use serde_json::json;
use std::path::{Path, PathBuf};
use support::{free_port, temp_dir, Bff, Simulator};

const GATEWAY_KEY: &str = "gw-secret-Q7mZ2vX9pL4kR8tN";
const ACCESS_KEY: &str = "ak-secret-H3jW6yB1cV5nM0qS";
const SECRET_KEY: &str = "sk-secret-T9fD2gK7rP4xL1zE";
const SECRETS: [&str; 3] = [GATEWAY_KEY, ACCESS_KEY, SECRET_KEY];

/// Every answer of one visit to the API, as text: status line, headers and body.
async fn visit_everything(bff: &Bff) -> Vec<String> {
    let http = &bff.http;
    let mut answers = Vec::new();
    let keep = |what: String, resp: reqwest::Response| async move {
        let head = format!("{what} -> {} {:?}", resp.status(), resp.headers());
        let body = resp
            .bytes()
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        format!("{head}\n{}", body.unwrap_or_default())
    };
    let get = |path: &str| http.get(format!("{}{path}", bff.url)).send();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{}{path}", bff.url)).json(&body).send()
    };
    let created = post(
        "/kling/v1/images/omni-image",
        json!({"prompt": "a lighthouse"}),
    )
    .await
    .unwrap();
    let body: serde_json::Value = created.json().await.unwrap();
    answers.push(body.to_string());
    let id = body["data"]["task_id"]
        .as_str()
        .unwrap_or("none")
        .to_owned();
    bff.wait_done(&id).await;
    let gets = [
        "/".to_owned(),
        "/index.html".into(),
        "/image".into(),
        "/healthz".into(),
        "/api/v1/config".into(),
        "/api/v1/session".into(),
        "/api/v1/tasks".into(),
        format!("/api/v1/tasks/{id}"),
        format!("/api/v1/tasks/{id}/events"),
        format!("/api/v1/tasks/{id}/files/images/0"),
        format!("/api/v1/tasks/{id}/files.zip"),
        format!("/kling/v1/images/omni-image/{id}"),
        "/kling/v1/images/omni-image?pageNum=1&pageSize=10".into(),
        "/kling/v1/general/custom-elements?pageNum=1&pageSize=10".into(),
        "/kling/v1/general/presets-elements?pageNum=1&pageSize=10".into(),
        "/api/v1/tasks/no-such-task".into(),
        "/api/v1/media/no-such-task/0.png".into(),
        "/kling/v1/nothing/here".into(),
    ];
    for path in gets {
        let resp = get(&path).await.unwrap();
        answers.push(keep(format!("GET {path}"), resp).await);
    }
    let posts = [
        ("/kling/v1/images/omni-image", json!({"prompt": ""})),
        (
            "/kling/v1/videos/omni-video",
            json!({"prompt": "x", "duration": "99"}),
        ),
        (
            "/api/v1/images/generations",
            json!({"prompt": "a harbour", "num_images": 1}),
        ),
        ("/api/v1/callbacks/not-a-token", json!({"task_id": id})),
        ("/api/v1/session", json!({"token": "wrong"})),
        (
            "/kling/v1/general/delete-elements",
            json!({"element_id": 1}),
        ),
        (
            "/kling/v1/images/omni-image",
            json!({"prompt": "busy [sim:code=1303]"}),
        ),
    ];
    for (path, body) in posts {
        let resp = post(path, body).await.unwrap();
        answers.push(keep(format!("POST {path}"), resp).await);
    }
    answers
}

/// Files under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds an upstream secret");
    }
    // A signed JWT is a credential too: its header always encodes as `eyJhbGciOi`.
    assert!(!text.contains("eyJhbGciOi"), "{what} holds a JWT");
}

#[tokio::test]
async fn no_answer_log_line_or_app_file_holds_an_upstream_secret() {
    let sim = Simulator::start(GATEWAY_KEY);
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    let mut dist_args = Vec::new();
    if dist.join("index.html").exists() {
        dist_args = vec!["--dist".to_owned(), dist.display().to_string()];
    } else {
        // `cargo xtask test` builds the app first; a bare `cargo test` may not have.
        assert!(
            std::env::var_os("OMNI_TEST_REQUIRE_DIST").is_none(),
            "dist/ is missing"
        );
    }
    let dist_args: Vec<&str> = dist_args.iter().map(String::as_str).collect();

    // A gateway key, then the official JWT keys (which this simulator refuses: the
    // error paths are searched too), then the upstream gone altogether.
    let gateway = [&["--upstream", sim.url.as_str()][..], &dist_args].concat();
    let bff = Bff::process_with(
        temp_dir("secrets-gw"),
        &gateway,
        &[
            ("OMNI_UPSTREAM_API_KEY", GATEWAY_KEY),
            ("OMNI_LOG", "trace"),
            ("OMNI_LOG_FORMAT", "json"),
        ],
    );
    let mut answers = visit_everything(&bff).await;
    let log = std::fs::read_to_string(Bff::log_path(&bff.data_dir)).unwrap();
    drop(bff);
    let official = [&["--upstream", sim.url.as_str()][..], &dist_args].concat();
    let bff = Bff::process_with(
        temp_dir("secrets-jwt"),
        &official,
        &[
            ("KLING_ACCESS_KEY", ACCESS_KEY),
            ("KLING_SECRET_KEY", SECRET_KEY),
            ("OMNI_LOG", "trace"),
        ],
    );
    let refused = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "a lighthouse"}),
        )
        .await;
    assert!(
        refused.0 >= 400,
        "the simulator wants the gateway key: {refused:?}"
    );
    answers.push(refused.1.to_string());
    let log2 = std::fs::read_to_string(Bff::log_path(&bff.data_dir)).unwrap();
    drop(bff);
    let gone = format!("http://127.0.0.1:{}", free_port());
    let unreachable = [&["--upstream", gone.as_str()][..], &dist_args].concat();
    let bff = Bff::process_with(
        temp_dir("secrets-gone"),
        &unreachable,
        &[
            ("OMNI_UPSTREAM_API_KEY", GATEWAY_KEY),
            ("OMNI_LOG", "trace"),
        ],
    );
    let failed = bff
        .post(
            "/kling/v1/images/omni-image",
            &json!({"prompt": "a lighthouse"}),
        )
        .await;
    answers.push(failed.1.to_string());
    let log3 = std::fs::read_to_string(Bff::log_path(&bff.data_dir)).unwrap();

    assert!(answers.len() > 25, "every route was visited");
    assert!(log.lines().count() > 10, "the log was written: {log}");
    for (i, a) in answers.iter().enumerate() {
        assert_clean(
            &format!("answer {i}: {}", a.lines().next().unwrap_or("")),
            a,
        );
    }
    for (name, text) in [
        ("gateway log", &log),
        ("official log", &log2),
        ("unreachable log", &log3),
    ] {
        assert_clean(name, text);
    }
    for file in files(&dist) {
        let bytes = std::fs::read(&file).unwrap();
        assert_clean(
            &file.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
}
