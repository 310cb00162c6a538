//! A throwaway PostgreSQL server for the store's PostgreSQL tests: Debian's postgresql
//! package, a cluster in a temporary directory, listening on loopback only, trust auth,
//! fsync off (the data is thrown away). Stopped and removed when dropped.

use crate::process::run_checked;
use crate::tools::{apt_install, is_root};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    /// An admin URL (database `postgres`); tests create their own databases from it.
    pub url: String,
}

/// The newest installed server's bin directory.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Runs a server program, as the `postgres` user when we are root (PostgreSQL
/// refuses to run as root).
fn pg(bin: &Path, program: &str) -> Command {
    let path = bin.join(program);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Postgres {
    pub fn start() -> Result<Postgres, String> {
        apt_install("PostgreSQL server", &["postgresql"], &|| {
            server_bin().is_some()
        })?;
        let bin = server_bin().ok_or("no PostgreSQL server under /usr/lib/postgresql")?;
        let dir = std::env::temp_dir().join(format!("omni-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if is_root() {
            run_checked(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
            )?;
        }
        let data = dir.join("data");
        run_checked(
            pg(&bin, "initdb")
                .args(["-A", "trust", "-U", "omni", "-E", "UTF8", "--no-sync", "-D"])
                .arg(&data)
                .stdout(std::process::Stdio::null()),
        )?;
        let port = free_port()?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=300",
            dir.display()
        );
        run_checked(
            pg(&bin, "pg_ctl")
                .args(["-w", "-D"])
                .arg(&data)
                .args(["-l"])
                .arg(dir.join("server.log"))
                .args(["-o", &options, "start"])
                .stdout(std::process::Stdio::null()),
        )?;
        let url = format!("postgres://omni@127.0.0.1:{port}/postgres");
        println!("xtask: PostgreSQL listening on {url}");
        Ok(Postgres { dir, bin, url })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg(&self.bin, "pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
