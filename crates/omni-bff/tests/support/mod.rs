//! A real omni-bff per test, on a free loopback port with its own data dir, talking to
//! its built-in simulator over HTTP: served from a thread of the test's own process
//! (`Bff::start`, the usual case: no process to start), or as a child process
//! (`Bff::process`) where the test needs one: kill -9, signals, its log, its memory,
//! its environment. Stopped when dropped.
#![allow(dead_code)]

pub mod app;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Bff {
    runner: Runner,
    pub url: String,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty data dir for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("omni-bff-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How a `Bff` runs.
enum Runner {
    Process(Child),
    /// Served by a thread of this process; its state, to stop it.
    Thread(std::sync::Arc<omni_bff::AppState>),
}

/// The serve configuration the binary would build from `args` (after the listen,
/// data-dir and dist defaults) and `env` (nothing else of the test's environment is
/// read), with a placeholder page in `data_dir/dist`.
pub fn config(
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> omni_bff::config::Config {
    let dist = Bff::default_dist(data_dir);
    let mut all: Vec<String> = vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--dist".into(),
        dist.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let omni_bff::config::Command::Serve(cfg) =
        omni_bff::config::parse(&all, &lookup).expect("the options parse")
    else {
        panic!("not a serve command");
    };
    *cfg
}

impl Bff {
    /// Starts omni-bff with `args` (after the listen / data-dir / dist defaults).
    pub fn start(data_dir: PathBuf, args: &[&str]) -> Bff {
        Bff::start_with(data_dir, args, &[])
    }

    /// Serves omni-bff from a thread of this process, configured from `args` and `env`
    /// exactly as the binary is (the same parser), with its own runtime.
    pub fn start_with(data_dir: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Bff {
        let cfg = config(&data_dir, args, env);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let failed = tx.clone();
            let ready = move |addr, state: &std::sync::Arc<omni_bff::AppState>| {
                let _ = tx.send(Ok((addr, state.clone())));
            };
            if let Err(e) = runtime.block_on(omni_bff::serve_with(cfg, ready, false)) {
                let _ = failed.send(Err(format!("{e:#}")));
            }
        });
        let (addr, state) = rx
            .recv()
            .expect("omni-bff starts")
            .unwrap_or_else(|e| panic!("omni-bff failed to start: {e}"));
        Bff {
            runner: Runner::Thread(state),
            url: format!("http://{addr}"),
            data_dir,
            http: reqwest::Client::new(),
        }
    }

    /// A page for the app's routes to serve, unless the test brings its own `--dist`.
    pub fn default_dist(data_dir: &std::path::Path) -> PathBuf {
        let dist = data_dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!DOCTYPE html><title>Omni Studio</title>",
        )
        .unwrap();
        dist
    }

    /// Starts omni-bff as a child process with `args`.
    pub fn process(data_dir: PathBuf, args: &[&str]) -> Bff {
        Bff::process_with(data_dir, args, &[])
    }

    fn child(&self) -> &Child {
        match &self.runner {
            Runner::Process(c) => c,
            Runner::Thread(_) => panic!("this test needs Bff::process"),
        }
    }

    /// The log file of this process (its stderr).
    pub fn log_path(data_dir: &std::path::Path) -> PathBuf {
        data_dir.with_extension("log")
    }

    /// Starts omni-bff as a child process with `args` and extra environment variables;
    /// stderr goes to a log file.
    pub fn process_with(data_dir: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Bff {
        let dist = Bff::default_dist(&data_dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_omni-bff"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .arg("--dist")
            .arg(&dist)
            .args(args)
            .env("OMNI_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(Bff::log_path(&data_dir)).unwrap())
            .spawn()
            .expect("omni-bff starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("omni-bff printed its address").unwrap();
            if let Some(url) = line.strip_prefix("omni-bff listening on ") {
                break url.to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Bff {
            runner: Runner::Process(child),
            url,
            data_dir,
            http: reqwest::Client::new(),
        }
    }

    /// Sends the process a signal by name, e.g. `TERM`.
    pub fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child().id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Waits up to `limit` for the process to exit; answers its exit code, or `None`
    /// if it is still running.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<Option<i32>> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            let Runner::Process(child) = &mut self.runner else {
                panic!("this test needs Bff::process");
            };
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status.code());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    /// The process's peak resident memory so far, in kilobytes (Linux `VmHWM`).
    pub fn peak_rss_kb(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child().id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// Sends `total` bytes as a chunked body (no Content-Length) to `path` over a raw
    /// connection, stopping when the server stops reading; answers the status code, if
    /// one came.
    pub fn post_chunked(&self, path: &str, total: usize) -> Option<u16> {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if conn.write_all(&frame).is_err() {
                break;
            }
            sent += chunk.len();
        }
        let _ = conn.write_all(b"0\r\n\r\n");
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = conn.read(&mut buf) {
            if n == 0 || answer.len() > 64 * 1024 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&answer);
        text.strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
    }

    pub fn new() -> Bff {
        Bff::start(temp_dir("bff"), &[])
    }

    /// The state of a BFF served from a thread of this process.
    pub fn state(&self) -> &std::sync::Arc<omni_bff::AppState> {
        match &self.runner {
            Runner::Thread(state) => state,
            Runner::Process(_) => panic!("this test needs Bff::start"),
        }
    }

    /// Kills the process the hard way (SIGKILL), as a crash would.
    pub fn kill(mut self) -> PathBuf {
        let Runner::Process(child) = &mut self.runner else {
            panic!("this test needs Bff::process");
        };
        let _ = child.kill();
        let _ = child.wait();
        std::mem::take(&mut self.data_dir)
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A result URL as a browser resolves it: copies are same-origin paths.
    pub fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.url)
        } else {
            url.to_owned()
        }
    }

    /// The bytes at a result URL (resolved as `absolute` does).
    pub async fn download(&self, url: &str) -> Vec<u8> {
        let resp = self.http.get(self.absolute(url)).send().await.unwrap();
        resp.bytes().await.unwrap().to_vec()
    }

    /// Polls a task until it is succeed or failed.
    pub async fn wait_done(&self, id: &str) -> serde_json::Value {
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

/// The `field` of every error in an error envelope, in order.
pub fn error_fields(body: &serde_json::Value) -> Vec<String> {
    body["errors"].as_array().map_or(Vec::new(), |errors| {
        errors
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect()
    })
}

/// `omni-bff simulate` on its own, as a gateway stand-in.
pub struct Simulator {
    child: Child,
    pub url: String,
}

impl Simulator {
    pub fn start(api_key: &str) -> Simulator {
        Simulator::start_with(api_key, &[])
    }

    /// Starts it with more flags, e.g. `--sim-faults 0.2`.
    pub fn start_with(api_key: &str, args: &[&str]) -> Simulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_omni-bff"))
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("OMNI_SIM_API_KEY", api_key)
            .stdout(Stdio::piped())
            .spawn()
            .expect("simulator starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines
            .next()
            .expect("simulator printed its address")
            .unwrap();
        let url = line
            .strip_prefix("simulator listening on ")
            .expect("address line")
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        Simulator { child, url }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Bff {
    fn drop(&mut self) {
        match &mut self.runner {
            Runner::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // Stops taking requests; its runtime, and every task in it, ends with it.
            Runner::Thread(state) => {
                state.closing.send_replace(true);
            }
        }
        if !self.data_dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// A free loopback port (for a simulator whose stats a test reads).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One server-sent event as a browser would see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: serde_json::Value,
}

/// What one event-stream connection delivered before it ended.
#[derive(Debug, Default)]
pub struct SseRun {
    pub status: u16,
    pub events: Vec<SseEvent>,
    /// Comment lines (heartbeats).
    pub comments: usize,
}

/// Reads an event stream to its end (or `limit`), parsing it the way EventSource does.
pub async fn read_sse(
    http: &reqwest::Client,
    url: &str,
    last_event_id: Option<&str>,
    limit: std::time::Duration,
) -> SseRun {
    let mut req = http.get(url).header("accept", "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let mut resp = req.send().await.unwrap();
    let mut run = SseRun {
        status: resp.status().as_u16(),
        ..SseRun::default()
    };
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let chunk = match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(c))) => c,
            _ => break,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut ev = SseEvent::default();
            let mut data = String::new();
            for line in block.lines() {
                if line.starts_with(':') {
                    run.comments += 1;
                } else if let Some(v) = line.strip_prefix("id:") {
                    ev.id = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("event:") {
                    ev.event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                ev.data = serde_json::from_str(&data).expect("event data is JSON");
                run.events.push(ev);
            }
        }
    }
    run
}

/// The statuses of a run's events, in order.
pub fn statuses(run: &SseRun) -> Vec<String> {
    run.events
        .iter()
        .map(|e| e.data["task_status"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The simulator's record of what it was asked.
pub async fn sim_stats(http: &reqwest::Client, sim_url: &str) -> serde_json::Value {
    http.get(format!("{sim_url}/sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GETs `url` and reads its JSON body (panics on any failure: for tests).
pub async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}
