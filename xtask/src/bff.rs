//! Starting omni-bff: in the foreground for `run`, and on a free port behind the
//! end-to-end tests.

use crate::process::{cmd, root, run_checked};
use crate::tools::CHROMIUM;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Runs omni-bff until it exits (Ctrl-C reaches it directly and it shuts down cleanly).
pub fn run_foreground(bin: &std::path::Path, args: &[String]) -> Result<(), String> {
    let mut c = Command::new(bin);
    c.current_dir(root()).args(args);
    if !args
        .iter()
        .any(|a| a == "--dist" || a.starts_with("--dist="))
    {
        c.args(["--dist", "dist"]);
    }
    let status = c
        .status()
        .map_err(|e| format!("cannot start omni-bff: {e}"))?;
    // 130 = stopped by Ctrl-C, which is how a person ends `run`.
    if status.success() || status.code() == Some(130) || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("omni-bff exited with {status}"))
    }
}

/// A omni-bff child that is killed when dropped, so a failing test leaves nothing behind.
pub struct Server {
    child: Child,
    pub url: String,
    /// The built-in simulator's base URL, so tests can ask what the upstream received.
    pub sim_url: String,
    pub data_dir: std::path::PathBuf,
    /// Whether the data dir is ours to remove.
    owns_data: bool,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.owns_data {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// Starts omni-bff on a free loopback port with a fresh data dir and waits for its URL.
pub fn start(bin: &std::path::Path, extra: &[&str]) -> Result<Server, String> {
    start_with(bin, extra, &[])
}

/// `start`, with extra environment variables (secrets such as access tokens).
pub fn start_with(
    bin: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Result<Server, String> {
    spawn(&[], bin, fresh_data_dir(), true, extra, env)
}

/// `start`, run by `prefix` (`valgrind --tool=callgrind ...`).
pub fn start_under(
    prefix: &[String],
    bin: &std::path::Path,
    extra: &[&str],
) -> Result<Server, String> {
    spawn(prefix, bin, fresh_data_dir(), true, extra, &[])
}

/// An empty data dir of this process's own, a new one each call.
fn fresh_data_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let data_dir = std::env::temp_dir().join(format!("omni-e2e-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    data_dir
}

/// Starts omni-bff on the data dir `dir`, which it keeps (the bench fills it).
pub fn start_in(
    bin: &std::path::Path,
    dir: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Result<Server, String> {
    spawn(&[], bin, dir.to_path_buf(), false, extra, env)
}

/// `omni-bff simulate` in a process of its own, demanding `api_key` like a gateway:
/// the BFF's memory can then be measured without the simulator's.
pub struct Simulator {
    child: Child,
    pub url: String,
}

impl Simulator {
    pub fn start(bin: &std::path::Path, api_key: &str) -> Result<Simulator, String> {
        let mut child = Command::new(bin)
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .env("OMNI_SIM_API_KEY", api_key)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        let url = listening_url(&mut child, "simulator listening on ")?;
        Ok(Simulator { child, url })
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// omni-bff (run by `prefix` when there is one) on `data_dir`, once it says its URL.
fn spawn(
    prefix: &[String],
    bin: &std::path::Path,
    data_dir: std::path::PathBuf,
    owns_data: bool,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Result<Server, String> {
    // A free port for the simulator (the BFF would pick one, but tests need to know it).
    let sim_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let sim_listen = format!("127.0.0.1:{sim_port}");
    let mut child = crate::process::under(prefix, bin)
        .current_dir(root())
        .args(["--listen", "127.0.0.1:0", "--dist", "dist", "--data-dir"])
        .arg(&data_dir)
        .args(["--sim-listen", &sim_listen])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start omni-bff: {e}"))?;
    let url = listening_url(&mut child, "omni-bff listening on ")?;
    Ok(Server {
        child,
        url,
        data_dir,
        owns_data,
        sim_url: format!("http://{sim_listen}"),
    })
}

/// The access token of the e2e sign-in server (a test value, not a secret).
const E2E_TOKEN: &str = "e2e-access-token-not-a-secret";
/// Two named tokens on the same server, for spend per person (test values).
const ANN_TOKEN: &str = "e2e-ann-token-not-a-secret";
const BO_TOKEN: &str = "e2e-bo-token-not-a-secret";

/// The end-to-end suite: Node's test runner drives Debian's Chromium with Playwright
/// against a real omni-bff serving the release build.
pub fn e2e(bin: &std::path::Path, files: &[String]) -> Result<(), String> {
    // A dashboard on another loopback origin embeds the studio: it may frame it.
    let embed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let dashboard = format!("http://127.0.0.1:{embed_port}");
    let server = start(bin, &["--frame-ancestors", &dashboard])?;
    // A second one that demands an access token, for the sign-in tests.
    let tokens = format!("{E2E_TOKEN},ann: {ANN_TOKEN},bo: {BO_TOKEN}");
    let secure = start_with(bin, &[], &[("OMNI_ACCESS_TOKENS", &tokens)])?;
    // A third whose operator catalog removes kling-v3-omni.
    let catalog = root().join("e2e/fixtures/o1-only.toml");
    let narrow = start(bin, &["--catalog", &catalog.display().to_string()])?;
    // A fourth that sends one task at a time, so creates wait in its queue.
    let queued = start(bin, &["--max-in-flight", "1"])?;
    let static_host = static_host(&server.url)?;
    println!(
        "xtask: end-to-end tests against {} (and {} with sign-in, and {}/tools/studio/ \
         from nginx)",
        server.url, secure.url, static_host.url
    );
    run_checked(
        cmd("node")
            .args(["--test", "--test-concurrency=1"])
            .args(if files.is_empty() {
                vec!["e2e/".to_owned()]
            } else {
                files.to_vec()
            })
            .env("OMNI_URL", &server.url)
            .env("OMNI_EMBED_HOST_PORT", embed_port.to_string())
            .env(
                "OMNI_STATIC_URL",
                format!("{}/tools/studio/", static_host.url),
            )
            .env("OMNI_SIM_URL", &server.sim_url)
            .env("OMNI_SECURE_URL", &secure.url)
            .env("OMNI_SECURE_TOKEN", E2E_TOKEN)
            .env("OMNI_ANN_TOKEN", ANN_TOKEN)
            .env("OMNI_BO_TOKEN", BO_TOKEN)
            .env("OMNI_CATALOG_URL", &narrow.url)
            .env("OMNI_QUEUE_URL", &queued.url)
            .env("CHROMIUM", CHROMIUM),
    )
}

/// The README's static hosting, for real: nginx serves the unchanged dist/ under
/// `/tools/studio/`, with a config.json beside it that puts the BFF at `/bff/`, which
/// nginx forwards to omni-bff.
fn static_host(bff_url: &str) -> Result<crate::nginx::Nginx, String> {
    let dist = root().join("dist");
    let bff = bff_url.trim_start_matches("http://").to_owned();
    crate::nginx::Nginx::start(
        "static",
        |dir| {
            std::fs::create_dir_all(dir.join("www/tools")).map_err(|e| e.to_string())?;
            std::os::unix::fs::symlink(&dist, dir.join("www/tools/studio"))
                .map_err(|e| e.to_string())?;
            std::fs::write(dir.join("config.json"), r#"{"api_base": "/bff/"}"#)
                .map_err(|e| e.to_string())
        },
        |dir| {
            format!(
                "gzip_static on; brotli_static on; gzip_vary on;\n\
                 location = /tools/studio/config.json {{ alias {d}/config.json; add_header Cache-Control no-cache; }}\n\
                 location ~ \"^/tools/studio/[^/]+-[0-9a-f]{{16}}(_bg)?\\.({hashed})$\" {{ root {d}/www;\n\
                   add_header Cache-Control \"public, max-age=31536000, immutable\"; }}\n\
                 location /tools/studio/ {{ root {d}/www; try_files $uri /tools/studio/index.html;\n\
                   add_header Cache-Control no-cache; }}\n\
                 location /bff/ {{ proxy_pass http://{bff}/; proxy_http_version 1.1;\n\
                   proxy_set_header Host $http_host; proxy_buffering off; proxy_read_timeout 1h;\n\
                   client_max_body_size 140m; }}",
                d = dir.display(),
                hashed = crate::split::HASHED_EXTENSIONS.join("|"),
            )
        },
    )
}

/// Reads the child's stdout up to the line `prefix URL` and answers the URL; the rest of
/// its output is drained in the background so it never blocks on a full pipe.
fn listening_url(child: &mut Child, prefix: &str) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix(prefix) {
                    break url.trim().to_owned();
                }
            }
            _ => {
                let _ = child.kill();
                return Err(format!("exited before printing {prefix:?}"));
            }
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(url)
}
