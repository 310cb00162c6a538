//! `cargo xtask bench`: the figures that say where the studio stands, measured side by
//! side in one run on this machine, printed as one table and written to
//! bench/results.md. Tools come from Debian (wrk, nginx, gzip, brotli), installed with
//! apt when missing.

use crate::bff;
use crate::build;
use crate::nginx::Nginx;
use crate::process::{cmd, root, run_checked};
use crate::tools::apt_install;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One row of the table.
struct Row {
    area: &'static str,
    what: String,
    value: String,
}

/// The sections, by the names `cargo xtask bench NAME...` takes.
const SECTIONS: [&str; 7] = [
    "first-load",
    "browser",
    "reads",
    "coalescing",
    "load",
    "big-create",
    "history",
];

/// Runs every section (and writes bench/results.md), or only the named ones (printed).
pub fn bench(only: &[String]) -> Result<(), String> {
    if let Some(unknown) = only.iter().find(|n| !SECTIONS.contains(&n.as_str())) {
        return Err(format!(
            "bench: no section {unknown:?}; sections: {}",
            SECTIONS.join(", ")
        ));
    }
    let wanted = |name: &str| only.is_empty() || only.iter().any(|n| n == name);
    let present =
        |bins: &'static [&'static str]| move || bins.iter().all(|b| Path::new(b).exists());
    apt_install("wrk", &["wrk"], &present(&["/usr/bin/wrk"]))?;
    apt_install("nginx", &["nginx"], &present(&["/usr/sbin/nginx"]))?;
    apt_install("brotli", &["brotli"], &present(&["/usr/bin/brotli"]))?;
    crate::tools::ensure_build_tools()?;
    build::app()?;
    let bin = build::bff("server")?;
    let mut rows = Vec::new();
    if wanted("first-load") {
        first_load(&mut rows)?;
    }
    if wanted("reads") || wanted("coalescing") || wanted("load") || wanted("browser") {
        let server = bff::start(&bin, &["--rate-limit", "off"])?;
        if wanted("browser") {
            browser(&server, &mut rows)?;
        }
        if wanted("reads") {
            bff_figures(&server, &mut rows)?;
        }
        if wanted("coalescing") {
            coalescing(&server, &mut rows)?;
        }
        if wanted("load") {
            load(&server, &mut rows)?;
        }
    }
    if wanted("big-create") {
        big_create(&bin, &mut rows)?;
    }
    if wanted("history") {
        history(&bin, &mut rows)?;
    }
    report(&rows, only.is_empty())
}

fn cmd_output(c: &mut Command) -> Result<String, String> {
    let out = c.output().map_err(|e| format!("cannot run {c:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{c:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn compressed(path: &Path, tool: &str, level: &[&str]) -> Result<usize, String> {
    let out = Command::new(tool)
        .args(level)
        .arg("-c")
        .arg(path)
        .output()
        .map_err(|e| format!("{tool}: {e}"))?;
    Ok(out.stdout.len())
}

/// Bytes a first visit downloads: html + js + wasm + css, raw / gzip -9 / brotli -q 11.
fn first_load(rows: &mut Vec<Row>) -> Result<(), String> {
    let dist = root().join("dist");
    let mut total = (0, 0, 0);
    let mut files: Vec<_> = std::fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for path in files {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_owned();
        if !["html", "js", "wasm", "css"].contains(&ext.as_str()) {
            continue;
        }
        let raw = std::fs::metadata(&path)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let gz = compressed(&path, "gzip", &["-9"])?;
        let br = compressed(&path, "brotli", &["-q", "11"])?;
        total = (total.0 + raw, total.1 + gz, total.2 + br);
        rows.push(Row {
            area: "first load",
            what: format!("{ext} bytes (raw / gzip / brotli)"),
            value: format!("{raw} / {gz} / {br}"),
        });
    }
    rows.push(Row {
        area: "first load",
        what: "total bytes (raw / gzip / brotli)".into(),
        value: format!("{} / {} / {}", total.0, total.1, total.2),
    });
    wasm_by_crate(rows)
}

/// The wasm's code by crate (twiggy, on the module cargo built before wasm-bindgen and
/// wasm-opt: the shares, not the shipped bytes), so a size regression has a name.
fn wasm_by_crate(rows: &mut Vec<Row>) -> Result<(), String> {
    if !crate::process::cargo_bin().join("twiggy").exists() {
        println!("xtask: installing twiggy (a few minutes, once)");
        run_checked(cmd("cargo").args(["install", "--locked", "twiggy"]))?;
    }
    let wasm = root().join("target/wasm32-unknown-unknown/release/omni-studio.wasm");
    let csv = cmd_output(
        cmd("twiggy")
            .args(["top", "-n", "1000000", "-f", "csv"])
            .arg(&wasm),
    )?;
    let mut by_crate: std::collections::HashMap<String, u64> = Default::default();
    let mut code = 0;
    for line in csv.lines().skip(1) {
        // Name,ShallowSize,...: the name may hold commas, the four numbers do not.
        let mut cols = line.rsplitn(5, ',');
        let (Some(_), Some(_), Some(_), Some(size), Some(name)) = (
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
        ) else {
            continue;
        };
        let Ok(size) = size.parse::<u64>() else {
            continue;
        };
        let name = name.trim_matches('"');
        // Debug names and wasm-bindgen's own section are gone from the shipped file.
        if name.contains("subsection")
            || name.starts_with("custom section")
            || name.contains("__wbindgen_describe")
            || name.contains("WasmDescribe")
        {
            continue;
        }
        code += size;
        *by_crate.entry(crate_of(name)).or_default() += size;
    }
    let mut list: Vec<_> = by_crate.into_iter().collect();
    list.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    for (name, size) in list.into_iter().take(12) {
        rows.push(Row {
            area: "wasm code by crate (before wasm-opt)",
            what: name,
            value: format!(
                "{size} bytes ({:.1}%)",
                size as f64 * 100.0 / code.max(1) as f64
            ),
        });
    }
    Ok(())
}

/// The crate an item's path starts with: `<&mut serde_json::de::X as ...>::f` is
/// serde_json's, `core[1a2b]::fmt::write` is core's; `<T as tachys::...>::f` (a generic
/// self type) is the trait's crate's; data segments are `(data)`.
fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "(data)".into();
    }
    leading_crate(name)
        .or_else(|| {
            name.find(" as ")
                .and_then(|at| leading_crate(&name[at + 4..]))
        })
        .unwrap_or_else(|| "(other)".into())
}

fn leading_crate(path: &str) -> Option<String> {
    let path = path
        .trim_start_matches(['<', '&', '*', '('])
        .trim_start_matches("mut ")
        .trim_start_matches("const ")
        .trim_start_matches("dyn ");
    let end = path
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(path.len());
    let rest = &path[end..];
    (end > 0 && (rest.starts_with("::") || rest.starts_with('['))).then(|| path[..end].to_owned())
}

/// Headless Chromium against the release build: time to interactive (median of 20
/// loads) and one keystroke's validation with a 2500-character prompt and ten images.
fn browser(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    crate::tools::ensure_browser()?;
    let out = cmd_output(
        cmd("node")
            .arg("e2e/bench/browser.mjs")
            .env("OMNI_URL", &server.url)
            .env("CHROMIUM", crate::tools::CHROMIUM),
    )?;
    let figure = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or("?")
            .to_owned()
    };
    rows.push(Row {
        area: "browser",
        what: "time to interactive, /image, 20 loads: median / p90".into(),
        value: format!("{} / {} ms", figure("tti_median_ms"), figure("tti_p90_ms")),
    });
    rows.push(Row {
        area: "browser",
        what: "one keystroke validated and shown, 2500-character prompt, 10 images: median / p90"
            .into(),
        value: format!(
            "{} / {} ms",
            figure("keystroke_median_ms"),
            figure("keystroke_p90_ms")
        ),
    });
    Ok(())
}

/// A plain HTTP/1.1 request on loopback; answers the body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    let (_, body) = out.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
    Ok(body.to_owned())
}

/// The string value of `"key":"..."` in a JSON text (xtask has no JSON parser).
fn json_str(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("\"{key}\":\""))? + key.len() + 4;
    Some(text[at..].split('"').next()?.to_owned())
}

fn json_num(text: &str, key: &str) -> Option<u64> {
    let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn create(addr: &str, prompt: &str) -> Result<String, String> {
    let body = http(
        addr,
        "POST",
        "/kling/v1/images/omni-image",
        &format!("{{\"prompt\":\"{prompt}\"}}"),
    )?;
    json_str(&body, "task_id").ok_or(format!("no task id in {body}"))
}

/// What wrk measured.
struct Wrk {
    rps: f64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, connections: u32, seconds: u32) -> Result<Wrk, String> {
    let out = cmd_output(Command::new("wrk").args([
        if connections > 1 { "-t2" } else { "-t1" },
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        url,
    ]))?;
    let after = |label: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    let rps = after("Requests/sec:").parse().unwrap_or(0.0);
    let errors = out
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .map_or_else(|| "none".to_owned(), |l| l.trim().to_owned());
    Ok(Wrk {
        rps,
        p50: after("50%"),
        p99: after("99%"),
        errors,
    })
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Task reads on the BFF against nginx serving the same JSON, at 32 and 256
/// connections; idle memory.
fn bff_figures(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    rows.push(Row {
        area: "BFF",
        what: "idle RSS".into(),
        value: format!("{} KiB", rss_kib(server.pid())),
    });
    let id = create(&addr, "bench read")?;
    std::thread::sleep(Duration::from_secs(4));
    let path = format!("/api/v1/tasks/{id}");
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
        let ours = wrk(&format!("{}{path}", server.url), c, 10)?;
        let theirs = wrk(&format!("{}/task.json", nginx.url), c, 10)?;
        rows.push(Row {
            area: "BFF",
            what: format!("task reads, {c} connections: req/s (p50 / p99), errors"),
            value: format!(
                "{:.0} ({} / {}), {}",
                ours.rps, ours.p50, ours.p99, ours.errors
            ),
        });
        rows.push(Row {
            area: "BFF",
            what: format!("nginx, same JSON, {c} connections: req/s (p50 / p99)"),
            value: format!("{:.0} ({} / {})", theirs.rps, theirs.p50, theirs.p99),
        });
        rows.push(Row {
            area: "BFF",
            what: format!("BFF / nginx throughput at {c} connections"),
            value: format!("{:.2}", ours.rps / theirs.rps.max(1.0)),
        });
    }
    rows.push(Row {
        area: "BFF",
        what: "RSS after the read runs".into(),
        value: format!("{} KiB", rss_kib(server.pid())),
    });
    Ok(())
}

/// Upstream reads per second for one unfinished task polled by 1, 100, 1000 clients.
fn coalescing(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
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
            what: format!("{clients} clients polling one task: upstream reads/s (client req/s)"),
            value: format!("{:.2} ({:.0})", (after - before) as f64 / secs, run.rps),
        });
    }
    Ok(())
}

/// 256 pollers of one running task for 60 s: errors, and memory sampled throughout.
fn load(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
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
        what: "256 pollers, 60 s: req/s (p99), errors".into(),
        value: format!("{:.0} ({}), {}", run.rps, run.p99, run.errors),
    });
    rows.push(Row {
        area: "load",
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
fn big_create(bin: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
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
        what: format!(
            "ten 10 MB images, {:.0} MB body: HTTP status, latency",
            size as f64 / 1e6
        ),
        value: format!("{code}, {secs} s"),
    });
    rows.push(Row {
        area: "big create",
        what: "BFF peak RSS before / after, growth as a multiple of the body".into(),
        value: format!(
            "{before} / {peak} KiB, {:.2}x",
            (peak.saturating_sub(before) * 1024) as f64 / size.max(1) as f64
        ),
    });
    Ok(())
}

fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// History queries with 100,000 stored tasks (rows written straight into SQLite).
fn history(bin: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
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
            what: format!("{label}: p50 / p99"),
            value: format!("{} / {}", run.p50, run.p99),
        });
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn report(rows: &[Row], write: bool) -> Result<(), String> {
    let machine = cmd_output(Command::new("uname").args(["-srm"])).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date =
        cmd_output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(md, "# Omni Studio benchmarks\n");
    let _ = writeln!(
        md,
        "Machine: {} ({cpus} CPUs); run {}",
        machine.trim(),
        date.trim()
    );
    let _ = writeln!(
        md,
        "Reproduce: `cargo xtask bench`. Everything on loopback, in one run.\n"
    );
    let _ = writeln!(md, "| area | figure | value |\n|---|---|---|");
    for r in rows {
        let _ = writeln!(md, "| {} | {} | {} |", r.area, r.what, r.value);
    }
    print!("{md}");
    if !write {
        return Ok(());
    }
    let dir = root().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.md"), md).map_err(|e| e.to_string())?;
    println!("xtask: wrote bench/results.md");
    Ok(())
}
