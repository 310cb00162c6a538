//! The BFF's defences, each with a test that fails without it: the access policy and
//! its session cookie, cross-site refusal, rate limits, per-route body limits, security
//! headers, the server-side fetch guard, and secrets that never leave the server.

mod support;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::{free_port, temp_dir, Bff};

const TOKEN: &str = "studio-access-token-0123456789";
const OMNI_IMAGE: &str = "/kling/v1/images/omni-image";

/// Starts omni-bff and answers (first stdout line or exit status, stderr).
fn try_start(args: &[&str], env: &[(&str, &str)]) -> (Option<String>, String) {
    let dir = temp_dir("policy");
    let mut child = Command::new(env!("CARGO_BIN_EXE_omni-bff"))
        .arg("--data-dir")
        .arg(&dir)
        .args(args)
        .env_remove("OMNI_ACCESS_TOKENS")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok);
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (first, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn beyond_loopback_omni_bff_needs_an_access_policy() {
    let (first, stderr) = try_start(&["--listen", "0.0.0.0:0"], &[]);
    assert_eq!(first, None, "it did not start");
    assert!(stderr.contains("without an access policy"), "{stderr}");
    let (first, _) = try_start(&["--listen", "0.0.0.0:0"], &[("OMNI_ACCESS_TOKENS", TOKEN)]);
    assert!(first.unwrap().starts_with("omni-bff listening on"));
    let (first, _) = try_start(&["--listen", "0.0.0.0:0", "--open-access"], &[]);
    assert!(first.unwrap().starts_with("omni-bff listening on"));
    // Loopback needs nothing; a short token is refused.
    let (first, _) = try_start(&["--listen", "127.0.0.1:0"], &[]);
    assert!(first.unwrap().starts_with("omni-bff listening on"));
    let (first, stderr) = try_start(
        &["--listen", "127.0.0.1:0"],
        &[("OMNI_ACCESS_TOKENS", "short")],
    );
    assert_eq!(first, None);
    assert!(stderr.contains("at least 16 characters"), "{stderr}");
}

#[tokio::test]
async fn with_tokens_every_api_route_needs_a_session_or_the_token() {
    let bff = Bff::start_with(temp_dir("tokens"), &[], &[("OMNI_ACCESS_TOKENS", TOKEN)]);
    let http = &bff.http;
    let url = |p: &str| format!("{}{p}", bff.url);
    for path in [
        "/api/v1/tasks",
        "/api/v1/config",
        "/kling/v1/images/omni-image/x",
        "/api/v1/media/x/y.png",
    ] {
        let resp = http.get(url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], 1000, "{path}: {body}");
    }
    let (status, _) = bff.post(OMNI_IMAGE, &json!({"prompt": "x"})).await;
    assert_eq!(status, 401);
    // The app, the health check and the sign-in itself stay reachable.
    assert_eq!(
        http.get(url("/")).send().await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(
        http.get(url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let (_, s) = bff.get("/api/v1/session").await;
    assert_eq!(s["data"], json!({"required": true, "signed_in": false}));

    let (status, body) = bff
        .post(
            "/api/v1/session",
            &json!({"token": "wrong-token-wrong-token"}),
        )
        .await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(1000)));
    let (status, body) = bff.post("/api/v1/session", &json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "token");

    let resp = http
        .post(url("/api/v1/session"))
        .json(&json!({"token": TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains(TOKEN),
        "the cookie is a session, not the token"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = |p: &str| http.get(url(p)).header("cookie", session.clone());
    assert_eq!(
        with_cookie("/api/v1/config")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let s: serde_json::Value = with_cookie("/api/v1/session")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["data"]["signed_in"], true);
    // API clients use the token itself.
    let bearer = http
        .get(url("/api/v1/tasks"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status().as_u16(), 200);
    let create = http
        .post(url(OMNI_IMAGE))
        .bearer_auth(TOKEN)
        .json(&json!({"prompt": "signed in"}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status().as_u16(), 200);

    // Sign out: the cookie stops working.
    let out = http
        .delete(url("/api/v1/session"))
        .header("cookie", session.clone())
        .send()
        .await
        .unwrap();
    assert!(out.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        with_cookie("/api/v1/config")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn a_token_taken_off_the_list_ends_its_sessions() {
    const OTHER: &str = "another-access-token-9876543210";
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let both = format!("{TOKEN},{OTHER}");
    let bff = Bff::process_with(
        temp_dir("token-off"),
        &["--listen", &listen],
        &[("OMNI_ACCESS_TOKENS", &both)],
    );
    let sign_in = |token: &'static str| {
        let http = bff.http.clone();
        let url = bff.url.clone();
        async move {
            let resp = http
                .post(format!("{url}/api/v1/session"))
                .json(&json!({ "token": token }))
                .send()
                .await
                .unwrap();
            let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
            cookie.split(';').next().unwrap().to_owned()
        }
    };
    let (gone, kept) = (sign_in(TOKEN).await, sign_in(OTHER).await);
    let status = |bff_url: String, cookie: String| async move {
        reqwest::Client::new()
            .get(format!("{bff_url}/api/v1/tasks"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status(bff.url.clone(), gone.clone()).await, 200);
    // The operator takes TOKEN off the list and restarts.
    let dir = bff.kill();
    let bff = Bff::process_with(
        dir,
        &["--listen", &listen],
        &[("OMNI_ACCESS_TOKENS", OTHER)],
    );
    assert_eq!(
        status(bff.url.clone(), gone).await,
        401,
        "made with the removed token"
    );
    assert_eq!(
        status(bff.url.clone(), kept).await,
        200,
        "made with a listed token"
    );
}

#[tokio::test]
async fn media_behind_sign_in_is_never_kept_by_shared_caches() {
    let bff = Bff::start_with(temp_dir("private"), &[], &[("OMNI_ACCESS_TOKENS", TOKEN)]);
    let get = |path: String| {
        bff.http
            .get(format!("{}{path}", bff.url))
            .bearer_auth(TOKEN)
            .send()
    };
    let created: serde_json::Value = bff
        .http
        .post(format!("{}{OMNI_IMAGE}", bff.url))
        .bearer_auth(TOKEN)
        .json(&json!({"prompt": "private"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["data"]["task_id"].as_str().unwrap().to_owned();
    let mut copy = None;
    for _ in 0..100 {
        let task: serde_json::Value = get(format!("/api/v1/tasks/{id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = task["data"]["task_result"]["images"][0]["url"]
            .as_str()
            .unwrap_or("");
        if url.starts_with("/api/v1/media/") {
            copy = Some(url.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let resp = get(copy.expect("the result was copied")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let cache = resp.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.starts_with("private"), "{cache}");
    let pass = get(format!("/api/v1/tasks/{id}/files/images/0"))
        .await
        .unwrap();
    assert!(pass.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
}

/// A chunked body announces no length: the limit must hold while reading, or 100 MB
/// sent to a 4 KB route reachable without signing in is buffered first.
#[test]
fn a_chunked_body_stops_at_the_routes_limit() {
    let bff = Bff::process(temp_dir("chunked"), &[]);
    // Let start-up settle, then measure the peak from here.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = bff.peak_rss_kb();
    for path in [
        "/api/v1/session",
        "/api/v1/callbacks/0123456789abcdef0123456789abcdef",
    ] {
        let status = bff.post_chunked(path, 100 * 1024 * 1024);
        assert!(matches!(status, Some(413) | None), "{path}: {status:?}");
    }
    let grown_mb = (bff.peak_rss_kb() - before) / 1024;
    assert!(grown_mb < 30, "the peak grew by {grown_mb} MB");
}

#[tokio::test]
async fn result_links_to_private_addresses_are_never_fetched() {
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let bff = Bff::process(temp_dir("ssrf"), &["--sim-listen", &listen]);
    let (status, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "hostile [sim:hostile]", "n": 3}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    let done = bff.wait_done(&id).await;
    assert!(done["task_result"]["images"][0]["url"]
        .as_str()
        .unwrap()
        .contains("169.254.169.254"));
    // The metadata address, a redirect from the (trusted) upstream to another loopback
    // address, and a name that resolves to loopback: all refused, in the envelope.
    for index in [0, 1, 2] {
        let (status, body) = bff
            .get(&format!("/api/v1/tasks/{id}/files/images/{index}"))
            .await;
        assert_eq!(status, 502, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("will not fetch"),
            "{body}"
        );
    }
    // The copier refuses them too: reads keep pointing at the upstream's links.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (_, read) = bff.get(&format!("/api/v1/tasks/{id}")).await;
    assert!(!read.to_string().contains("/api/v1/media/"), "{read}");
    let log = std::fs::read_to_string(Bff::log_path(&bff.data_dir)).unwrap();
    assert!(log.contains("private or local"), "the refusal is logged");
}

/// A proxy resolves names itself: the fetch guard's resolver would never see the
/// hostile `localhost` link, so server-side fetches never use one.
#[tokio::test]
async fn server_side_fetches_ignore_proxy_settings() {
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    proxy.set_nonblocking(true).unwrap();
    let bff = Bff::process_with(
        temp_dir("proxy"),
        &[],
        &[
            ("HTTP_PROXY", proxy_url.as_str()),
            ("http_proxy", proxy_url.as_str()),
            ("HTTPS_PROXY", proxy_url.as_str()),
            // The upstream API itself (the simulator) is reached directly.
            ("NO_PROXY", "127.0.0.1"),
        ],
    );
    let (_, body) = bff
        .post(
            OMNI_IMAGE,
            &json!({"prompt": "hostile [sim:hostile]", "n": 3}),
        )
        .await;
    let id = body["data"]["task_id"].as_str().unwrap().to_owned();
    bff.wait_done(&id).await;
    for index in [0, 1, 2] {
        let (status, _) = bff
            .get(&format!("/api/v1/tasks/{id}/files/images/{index}"))
            .await;
        assert_eq!(status, 502);
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(proxy.accept().is_err(), "nothing went through the proxy");
}
