//! The measuring tools every server section shares: plain HTTP on loopback, wrk, and
//! a process's memory.

use super::cmd_output;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// A plain HTTP/1.1 request on loopback; answers the body.
pub(super) fn http(addr: &str, method: &str, path: &str, body: &str) -> Result<String, String> {
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
pub(super) fn json_str(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("\"{key}\":\""))? + key.len() + 4;
    Some(text[at..].split('"').next()?.to_owned())
}

pub(super) fn json_num(text: &str, key: &str) -> Option<u64> {
    let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

pub(super) fn create(addr: &str, prompt: &str) -> Result<String, String> {
    let body = http(
        addr,
        "POST",
        "/kling/v1/images/omni-image",
        &format!("{{\"prompt\":\"{prompt}\"}}"),
    )?;
    json_str(&body, "task_id").ok_or(format!("no task id in {body}"))
}

/// A finished task's read path on the BFF at `addr`, once its results are copied: the
/// read that sees them so keeps its answer, and every read measured after it is one
/// answered from memory (a connection whose first read is not stays with hyper). The
/// simulator finishes it in seconds; under valgrind everything is slower.
pub(super) fn finished_task(addr: &str) -> Result<String, String> {
    let id = create(addr, "bench read")?;
    let path = format!("/api/v1/tasks/{id}");
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        let read = http(addr, "GET", &path, "")?;
        if read.contains("\"task_status\":\"succeed\"") && read.contains("\"url\":\"/api/v1/media/")
        {
            return Ok(path);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(format!("task {id} did not finish with its results copied"))
}

/// What wrk measured.
pub(super) struct Wrk {
    pub(super) rps: f64,
    /// Requests answered in the run (`N requests in 10.00s`).
    pub(super) requests: u64,
    pub(super) p50: String,
    pub(super) p99: String,
    pub(super) errors: String,
}

pub(super) fn wrk(url: &str, connections: u32, seconds: u32) -> Result<Wrk, String> {
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
    let requests = out
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(Wrk {
        rps,
        requests,
        p50: after("50%"),
        p99: after("99%"),
        errors,
    })
}

pub(super) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub(super) fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
