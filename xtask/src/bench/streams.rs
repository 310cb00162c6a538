//! Many open task event streams on one BFF: 10,000 browsers following running tasks,
//! each a real HTTP connection on loopback, with the process's memory sampled.

use super::measure::{create, http, rss_kib};
use super::Row;
use crate::bff;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How many streams the section opens.
const STREAMS: usize = 10_000;
/// Running tasks they follow (a stream per browser, tasks shared as on a team's screen).
const TASKS: usize = 100;

pub(super) fn streams(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    let addr = server.url.trim_start_matches("http://").to_owned();
    let ids = (0..TASKS)
        .map(|i| create(&addr, &format!("stream {i} [sim:delay=600000]")))
        .collect::<Result<Vec<_>, _>>()?;
    let before = rss_kib(server.pid());
    let started = Instant::now();
    let mut open = Vec::with_capacity(STREAMS);
    let mut errors = 0usize;
    for i in 0..STREAMS {
        match open_stream(&addr, &ids[i % TASKS]) {
            Ok(s) => open.push(s),
            Err(e) => {
                if errors == 0 {
                    eprintln!("bench: stream {i}: {e}");
                }
                errors += 1;
            }
        }
    }
    let opening = started.elapsed();
    // Let heartbeats and rechecks run over every stream before measuring.
    let mut samples = Vec::new();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_secs(5));
        samples.push(rss_kib(server.pid()));
    }
    let counted = http(&addr, "GET", "/metrics", "")?
        .lines()
        .find(|l| l.starts_with("omni_event_streams_open "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0);
    let alive = open.iter().filter(|s| still_open(s)).count();
    drop(open);
    rows.push(Row {
        area: "event streams",
        goal: "10,000 open, no errors",
        what: format!(
            "{STREAMS} streams on {TASKS} running tasks: opened in, open (BFF's count), errors"
        ),
        value: format!(
            "{:.1} s, {alive} ({counted:.0}), {}",
            opening.as_secs_f64(),
            if errors == 0 {
                "none".into()
            } else {
                errors.to_string()
            }
        ),
    });
    let max = samples.iter().max().copied().unwrap_or(0);
    rows.push(Row {
        area: "event streams",
        goal: "< 200 MB with the streams open",
        what: "BFF RSS before / with the streams open (max of 6 samples, 30 s)".into(),
        value: format!("{before} / {max} KiB"),
    });
    Ok(())
}

/// Opens one stream and reads its head; the connection stays open.
fn open_stream(addr: &str, id: &str) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let req = format!(
        "GET /api/v1/tasks/{id}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut byte).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before its head".into());
        }
        head.extend_from_slice(&byte[..n]);
    }
    if !head.starts_with(b"HTTP/1.1 200") {
        let line = String::from_utf8_lossy(&head);
        return Err(line.lines().next().unwrap_or("").to_owned());
    }
    Ok(s)
}

/// Whether the server still holds the stream (nothing read means it is open; a read of
/// 0 bytes means it closed).
fn still_open(mut s: &TcpStream) -> bool {
    s.set_nonblocking(true).ok();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
}
