//! Instructions per cached task read, omni-bff against nginx serving the same JSON, each
//! under callgrind. Requests per second on loopback moved by a tenth between runs of the
//! same binary and by almost half between machines (nginx gained more from a machine's
//! faster system calls than omni-bff did); the user-space instructions a read costs are
//! the same from run to run, so a change to the read path shows here first.
//!
//! `OMNI_KEEP_CALLGRIND=1` keeps the profiles (`/tmp/omni-callgrind-PID/*.out.1`, the
//! path is printed) for `callgrind_annotate`: where a read's instructions go.

use super::measure::{finished_task, http, wrk};
use super::Row;
use crate::bff;
use crate::nginx::Nginx;
use crate::process::cmd;
use std::path::Path;

/// Connections and seconds of the counted run (after a warm-up as long).
const CONNECTIONS: u32 = 8;
const SECONDS: u32 = 5;

pub(super) fn instructions(bin: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    crate::tools::apt_install("valgrind", &["valgrind"], &|| {
        Path::new("/usr/bin/valgrind").exists()
    })?;
    let dir = std::env::temp_dir().join(format!("omni-callgrind-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = measure_both(bin, &dir, rows);
    if std::env::var_os("OMNI_KEEP_CALLGRIND").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("xtask: callgrind's profiles kept in {}", dir.display());
    }
    result
}

fn measure_both(bin: &Path, dir: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let (ours, json) = {
        let server = bff::start_under(
            &callgrind(&dir.join("bff.out")),
            bin,
            &["--rate-limit", "off"],
        )?;
        let addr = server.url.trim_start_matches("http://").to_owned();
        let path = finished_task(&addr)?;
        let json = http(&addr, "GET", &path, "")?;
        let per_read = counted(
            server.pid(),
            &format!("{}{path}", server.url),
            dir,
            "bff.out",
        )?;
        (per_read, json)
    };
    let theirs = {
        let nginx = Nginx::start_under(
            &callgrind(&dir.join("nginx.out")),
            "callgrind",
            |d| {
                std::fs::create_dir_all(d.join("www")).map_err(|e| e.to_string())?;
                std::fs::write(d.join("www/task.json"), &json).map_err(|e| e.to_string())
            },
            |d| format!("default_type application/json; root {}/www;", d.display()),
        )?;
        counted(
            nginx.pid(),
            &format!("{}/task.json", nginx.url),
            dir,
            "nginx.out",
        )?
    };
    rows.push(Row {
        area: "BFF",
        goal: "",
        what: format!(
            "instructions per cached read (callgrind, user space, {CONNECTIONS} connections): omni-bff / nginx, same JSON"
        ),
        value: format!(
            "{ours:.0} / {theirs:.0} ({:.2}x nginx's)",
            ours / theirs.max(1.0)
        ),
    });
    Ok(())
}

/// valgrind's arguments: callgrind, its dumps to `out` (`out.1` is the first on demand).
fn callgrind(out: &Path) -> Vec<String> {
    vec![
        "valgrind".into(),
        "--tool=callgrind".into(),
        "--dump-instr=no".into(),
        format!("--callgrind-out-file={}", out.display()),
    ]
}

/// Instructions per request of `url`, served by process `pid` under callgrind: a
/// warm-up, the counters zeroed, a counted wrk run, the counters dumped.
fn counted(pid: u32, url: &str, dir: &Path, out: &str) -> Result<f64, String> {
    wrk(url, CONNECTIONS, SECONDS)?;
    control(pid, "-z")?;
    let run = wrk(url, CONNECTIONS, SECONDS)?;
    control(pid, "-d")?;
    let dump = dir.join(format!("{out}.1"));
    let text = std::fs::read_to_string(&dump).map_err(|e| format!("{}: {e}", dump.display()))?;
    let total: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("summary:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or(format!("no summary in {}", dump.display()))?;
    if run.requests == 0 {
        return Err(format!("no request answered at {url} under callgrind"));
    }
    Ok(total / run.requests as f64)
}

fn control(pid: u32, what: &str) -> Result<(), String> {
    super::cmd_output(cmd("callgrind_control").args([what, &pid.to_string()])).map(|_| ())
}
