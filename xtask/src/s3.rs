//! An S3-compatible server for the media-storage tests: moto's server mode (PyPI,
//! pinned), installed into a virtualenv under target/ the first time, listening on a
//! free loopback port. MinIO would be closer to production but is a binary download,
//! which this machine cannot make.

use crate::process::{root, run_checked};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const MOTO: &str = "moto[server]==5.2.5";

pub struct S3 {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
}

fn venv() -> PathBuf {
    root().join("target").join("moto")
}

impl S3 {
    pub fn start() -> Result<S3, String> {
        let server = venv().join("bin").join("moto_server");
        if !server.exists() {
            println!("xtask: installing {MOTO} into {}", venv().display());
            run_checked(Command::new("python3").args(["-m", "venv"]).arg(venv()))?;
            run_checked(Command::new(venv().join("bin").join("pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                MOTO,
            ]))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
        // Werkzeug says where it runs on stderr once it accepts connections.
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("Running on") => break,
                Some(Ok(_)) => {}
                _ => {
                    let _ = child.kill();
                    return Err("moto_server exited before listening".into());
                }
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let endpoint = format!("http://127.0.0.1:{port}");
        println!("xtask: S3-compatible server (moto) on {endpoint}");
        Ok(S3 { child, endpoint })
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
