//! Debian's nginx on a free loopback port, for the bench (a static file beside the BFF)
//! and the end-to-end tests (the app under a path prefix, proxying to omni-bff).

use crate::tools::apt_install;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Nginx {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// A scratch directory of its own, removed on drop.
    pub dir: PathBuf,
}

/// Debian's module that serves a file's `.br` copy (`brotli_static on`).
const BROTLI_STATIC: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// Installs nginx and its brotli_static module when missing (as root).
pub fn ensure() -> Result<(), String> {
    apt_install(
        "nginx with brotli_static",
        &["nginx", "libnginx-mod-http-brotli-static"],
        &|| Path::new("/usr/sbin/nginx").exists() && Path::new(BROTLI_STATIC).exists(),
    )
}

impl Nginx {
    /// Its process (the master, or the only process when run under a prefix).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts nginx with `server` as the body of its one `server {}` block (after the
    /// `listen`); `prepare(dir)` first fills the scratch directory it may refer to.
    pub fn start(
        name: &str,
        prepare: impl FnOnce(&Path) -> Result<(), String>,
        server: impl FnOnce(&Path) -> String,
    ) -> Result<Nginx, String> {
        Nginx::start_under(&[], name, prepare, server)
    }

    /// `start`, run by `prefix` (`valgrind --tool=callgrind ...`) when it is not empty: then
    /// as one process (no master, one worker), so the prefix sees every request.
    pub fn start_under(
        prefix: &[String],
        name: &str,
        prepare: impl FnOnce(&Path) -> Result<(), String>,
        server: impl FnOnce(&Path) -> String,
    ) -> Result<Nginx, String> {
        ensure()?;
        let dir = std::env::temp_dir().join(format!("omni-nginx-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).map_err(|e| e.to_string())?;
        prepare(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let conf = format!(
            "load_module {BROTLI_STATIC};\n\
             daemon off; {processes} pid {d}/nginx.pid; error_log {d}/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{ access_log off; include /etc/nginx/mime.types;\n\
               client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;\n\
               uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
               server {{ listen 127.0.0.1:{port};\n{body}\n}} }}\n",
            d = dir.display(),
            body = server(&dir),
            processes = if prefix.is_empty() {
                "worker_processes 2;"
            } else {
                "master_process off; worker_processes 1;"
            },
        );
        std::fs::write(dir.join("nginx.conf"), conf).map_err(|e| e.to_string())?;
        let mut child = crate::process::under(prefix, "nginx")
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("nginx: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        // Under valgrind it takes seconds to start; a bad configuration ends it at once.
        for _ in 0..600 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Nginx { child, url, dir });
            }
            if child.try_wait().is_ok_and(|status| status.is_some()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "nginx did not start: {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
        ))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master then stops its workers, which would otherwise
        // live on holding the terminal's pipes open.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
