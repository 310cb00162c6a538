//! The BFF in this test's own process: its router built from a real configuration and
//! state (SQLite in a fresh data dir, the simulator on a loopback port) and called with
//! `oneshot`, no socket in front, with the background workers running as `serve` runs
//! them. For routing, validation, envelopes and headers; what
//! needs a process (restart, kill -9, signals, logs) uses `Bff`.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use tower::ServiceExt;

pub struct App {
    router: omni_bff::routes::front::Studio,
    pub state: std::sync::Arc<omni_bff::AppState>,
    pub data_dir: PathBuf,
}

impl App {
    /// A BFF with the default options.
    pub async fn new() -> App {
        App::start(&[]).await
    }

    /// A BFF with `args` after the data-dir and dist defaults (and `env` as its
    /// environment: nothing else of the test's is read).
    pub async fn start(args: &[&str]) -> App {
        App::start_with(args, &[]).await
    }

    pub async fn start_with(args: &[&str], env: &[(&str, &str)]) -> App {
        let data_dir = super::temp_dir("app");
        let cfg = super::config(&data_dir, args, env);
        cfg.check_access_policy().expect("an access policy");
        let state = omni_bff::state(&cfg).await.expect("the state builds");
        // The refresher, the copier and the change listener, as `serve` starts them.
        omni_bff::start_workers(&state);
        App {
            router: omni_bff::app(state.clone()),
            state,
            data_dir,
        }
    }

    /// A request to `path` (a client on loopback, `Host: 127.0.0.1`, unless set).
    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Vec::new(),
            peer: SocketAddr::from(([127, 0, 0, 1], 40_000)),
        }
    }

    pub fn get_req(&self, path: &str) -> Call<'_> {
        self.request(Method::GET, path)
    }

    pub fn post_req(&self, path: &str) -> Call<'_> {
        self.request(Method::POST, path)
    }

    /// `GET path`: the status and the JSON answer (`Null` when it is not JSON).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let a = self.get_req(path).send().await;
        (a.status.as_u16(), a.json_or_null())
    }

    /// `POST path` with a JSON body: the status and the JSON answer.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let a = self.post_req(path).json(body).send().await;
        (a.status.as_u16(), a.json_or_null())
    }

    /// Reads a task until it is succeed or failed (each read refreshes it from the
    /// simulator when due, as a browser's polling does).
    pub async fn wait_done(&self, id: &str) -> Value {
        for _ in 0..100 {
            let (_, body) = self.get(&format!("/api/v1/tasks/{id}")).await;
            let status = body["data"]["task_status"].as_str().unwrap_or("");
            if status == "succeed" || status == "failed" {
                return body["data"].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("task {id} did not finish");
    }
}

/// One request being built.
pub struct Call<'a> {
    app: &'a App,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    peer: SocketAddr,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).unwrap();
        if !self.headers.contains_key("content-type") {
            self = self.header("content-type", "application/json");
        }
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The client's address, as the connection would give it.
    pub fn from(mut self, peer: SocketAddr) -> Self {
        self.peer = peer;
        self
    }

    pub async fn send(self) -> Answer {
        let mut req = Request::builder().method(self.method).uri(&self.path);
        if !self.headers.contains_key("host") {
            req = req.header("host", "127.0.0.1");
        }
        let mut req = req.body(Body::from(self.body)).unwrap();
        req.headers_mut().extend(self.headers);
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let resp = self.app.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
