//! The BFF under load: task reads against nginx, coalescing, many pollers, a big
//! create, and history search at 100,000 tasks.

use super::measure::{create, finished_task, http, json_num, peak_kib, rss_kib, wrk, Wrk};
use super::{cmd_output, Row};
use crate::bff;
use crate::nginx::Nginx;
use crate::process::run_checked;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs of wrk per side and connection count in the read comparison.
const READ_ROUNDS: usize = 3;

/// The run with the median throughput, carrying every run's errors.
fn median_run(mut runs: Vec<Wrk>) -> Wrk {
    let errors: Vec<String> = runs
        .iter()
        .map(|r| r.errors.clone())
        .filter(|e| e != "none")
        .collect();
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let mut median = runs.swap_remove(runs.len() / 2);
    median.errors = if errors.is_empty() {
        "none".into()
    } else {
        errors.join("; ")
    };
    median
}

/// Task reads on the BFF against nginx serving the same JSON, at 32 and 256
/// connections; idle memory.
pub(super) fn bff_figures(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    rows.push(Row {
        area: "BFF",
        goal: "",
        what: "idle RSS".into(),
        value: format!("{} KiB", rss_kib(server.pid())),
    });
    let path = finished_task(&addr)?;
    let json = http(&addr, "GET", &path, "")?;
    let nginx = Nginx::start(
        "bench",
        |dir| {
            std::fs::create_dir_all(dir.join("www")).map_err(|e| e.to_string())?;
            std::fs::write(dir.join("www/task.json"), &json).map_err(|e| e.to_string())
        },
        |dir| format!("default_type application/json; root {}/www;", dir.display()),
    )?;
    for c in [32, 256] {
        // One 10 s run of either side varied by a sixth from run to run on this
        // machine: three rounds, the two taking turns, and each side's median run.
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..READ_ROUNDS {
            ours.push(wrk(&format!("{}{path}", server.url), c, 10)?);
            theirs.push(wrk(&format!("{}/task.json", nginx.url), c, 10)?);
        }
        let (ours, theirs) = (median_run(ours), median_run(theirs));
        rows.push(Row {
            area: "BFF",
            // #18 sets the tail's goal at 32 connections only; at 256 both servers
            // queue (nginx's p99 there is ~7-8 ms on this machine).
            goal: if c == 32 { "p99 ≤ 5 ms" } else { "" },
            what: format!(
                "task reads, {c} connections, median of {READ_ROUNDS} runs: req/s (p50 / p99), errors"
            ),
            value: format!(
                "{:.0} ({} / {}), {}",
                ours.rps, ours.p50, ours.p99, ours.errors
            ),
        });
        rows.push(Row {
            area: "BFF",
            goal: "",
            what: format!(
                "nginx, same JSON, {c} connections, median of {READ_ROUNDS} runs: req/s (p50 / p99)"
            ),
            value: format!("{:.0} ({} / {})", theirs.rps, theirs.p50, theirs.p99),
        });
        rows.push(Row {
            area: "BFF",
            goal: "≥ 1.0",
            what: format!("BFF / nginx throughput at {c} connections"),
            value: format!("{:.2}", ours.rps / theirs.rps.max(1.0)),
        });
    }
    rows.push(Row {
        area: "BFF",
        goal: "",
        what: "RSS after the read runs".into(),
        value: format!("{} KiB", rss_kib(server.pid())),
    });
    Ok(())
}

/// Upstream reads per second for one unfinished task polled by 1, 100, 1000 clients.
pub(super) fn coalescing(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    let sim = server.sim_url.trim_start_matches("http://").to_owned();
    for clients in [1u32, 100, 1000] {
        let id = create(&addr, &format!("coalesce {clients} [sim:delay=60000]"))?;
        // Past the first ten seconds, when young tasks are read every second.
        let reads = |s: &str| json_num(s, &id).unwrap_or(0);
        let before = reads(&http(&sim, "GET", "/sim/stats", "")?);
        let started = Instant::now();
        let run = wrk(&format!("{}/api/v1/tasks/{id}", server.url), clients, 10)?;
        let secs = started.elapsed().as_secs_f64();
        let after = reads(&http(&sim, "GET", "/sim/stats", "")?);
        rows.push(Row {
            area: "coalescing",
            goal: "",
            what: format!("{clients} clients polling one task: upstream reads/s (client req/s)"),
            value: format!("{:.2} ({:.0})", (after - before) as f64 / secs, run.rps),
        });
    }
    Ok(())
}

/// 256 pollers of one running task for 60 s: errors, and memory sampled throughout.
pub(super) fn load(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    let id = create(&addr, "load [sim:delay=120000]")?;
    let pid = server.pid();
    let sampler = std::thread::spawn(move || {
        let mut samples = Vec::new();
        for _ in 0..13 {
            samples.push(rss_kib(pid));
            std::thread::sleep(Duration::from_secs(5));
        }
        samples
    });
    let run = wrk(&format!("{}/api/v1/tasks/{id}", server.url), 256, 60)?;
    let samples = sampler.join().unwrap_or_default();
    let (lo, hi) = (
        samples.iter().min().copied().unwrap_or(0),
        samples.iter().max().copied().unwrap_or(0),
    );
    rows.push(Row {
        area: "load",
        goal: "",
        what: "256 pollers, 60 s: req/s (p99), errors".into(),
        value: format!("{:.0} ({}), {}", run.rps, run.p99, run.errors),
    });
    rows.push(Row {
        area: "load",
        goal: "",
        what: "RSS during the run, every 5 s: first / min / max / last".into(),
        value: format!(
            "{} / {lo} / {hi} / {} KiB",
            samples.first().copied().unwrap_or(0),
            samples.last().copied().unwrap_or(0)
        ),
    });
    Ok(())
}

/// A create with ten 10 MB images as base64: latency, and the BFF's peak memory as a
/// multiple of the body.
pub(super) fn big_create(bin: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("omni-bench-big-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let body = dir.join("body.json");
    // 1800 x 1800 RGB noise, stored uncompressed: just under 10 MiB as a PNG.
    let script = format!(
        "import os, zlib, struct, base64, json\n\
         def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))\n\
         def png(w, h):\n\
         \traw = b''.join(b'\\x00' + os.urandom(w * 3) for _ in range(h))\n\
         \treturn b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 0)) + chunk(b'IEND', b'')\n\
         imgs = [base64.b64encode(png(1800, 1800)).decode() for _ in range(10)]\n\
         prompt = ' '.join('<<<image_%d>>>' % (i + 1) for i in range(10))\n\
         json.dump({{'prompt': prompt, 'image_list': [{{'image': b}} for b in imgs]}}, open({body:?}, 'w'))\n
",
        body = body.display().to_string()
    );
    run_checked(Command::new("python3").args(["-c", &script]))?;
    let size = std::fs::metadata(&body).map(|m| m.len()).unwrap_or(0);
    // The simulator runs apart, so the figure is the BFF's own memory.
    let sim = bff::Simulator::start(bin, "bench-gateway-key")?;
    let server = bff::start_in(
        bin,
        &dir,
        &["--rate-limit", "off", "--upstream", &sim.url],
        &[("OMNI_UPSTREAM_API_KEY", "bench-gateway-key")],
    )?;
    let before = peak_kib(server.pid());
    let out = cmd_output(Command::new("curl").args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{time_total}",
        "-H",
        "content-type: application/json",
        "--data-binary",
        &format!("@{}", body.display()),
        &format!("{}/kling/v1/images/omni-image", server.url),
    ]))?;
    let peak = peak_kib(server.pid());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let mut parts = out.split_whitespace();
    let (code, secs) = (parts.next().unwrap_or("?"), parts.next().unwrap_or("?"));
    rows.push(Row {
        area: "big create",
        goal: "",
        what: format!(
            "ten 10 MB images, {:.0} MB body: HTTP status, latency",
            size as f64 / 1e6
        ),
        value: format!("{code}, {secs} s"),
    });
    rows.push(Row {
        area: "big create",
        goal: "≤ 2.5x",
        what: "BFF peak RSS before / after, growth as a multiple of the body".into(),
        value: format!(
            "{before} / {peak} KiB, {:.2}x",
            (peak.saturating_sub(before) * 1024) as f64 / size.max(1) as f64
        ),
    });
    Ok(())
}

/// History queries with 100,000 stored tasks (rows written straight into SQLite).
pub(super) fn history(bin: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("omni-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // Start once so the schema exists, then fill it while the BFF is stopped.
    let db = dir.join("omni.db");
    {
        let s = bff::start_in(bin, &dir, &[], &[])?;
        drop(s);
    }
    let script = format!(
        "import sqlite3, json\n\
         db = sqlite3.connect({db:?})\n\
         rows = []\n\
         for i in range(100000):\n\
         \ttid = 'bench%07d' % i\n\
         \ttask = json.dumps({{'task_id': tid, 'task_status': 'succeed', 'created_at': 1700000000000 + i, 'updated_at': 1700000000000 + i}})\n\
         \trows.append((tid, 'omni-image', 'succeed', json.dumps({{'prompt': 'bench prompt %d' % i}}), 'h', task, 'bench prompt %d' % i, 1700000000000 + i, 1700000000000 + i))\n\
         db.executemany(\"INSERT INTO tasks (task_id, kind, status, request, request_hash, task, prompt, created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,1)\", rows)\n\
         db.commit()\n",
        db = db.display().to_string()
    );
    run_checked(Command::new("python3").args(["-c", &script]))?;
    let server = bff::start_in(bin, &dir, &["--rate-limit", "off"], &[])?;
    for (label, query) in [
        ("newest page (20)", "/api/v1/tasks?limit=20"),
        (
            "search, one match",
            "/api/v1/tasks?q=prompt%2099999&limit=20",
        ),
        (
            "kind filter, page 2 by cursor",
            "/api/v1/tasks?kind=omni-image&limit=20",
        ),
    ] {
        let run = wrk(&format!("{}{query}", server.url), 1, 5)?;
        rows.push(Row {
            area: "history (100,000 tasks)",
            goal: if label.starts_with("search") {
                "p50 ≤ 10 ms"
            } else {
                ""
            },
            what: format!("{label}: p50 / p99"),
            value: format!("{} / {}", run.p50, run.p99),
        });
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
