//! The accept loop: each connection served by hyper's HTTP/1.1 connection directly.
//!
//! `axum::serve` goes through hyper-util's protocol-detecting builder, which holds about
//! 9 KB more per connection than hyper's own HTTP/1.1 connection (measured: 19 KB
//! against 11 KB for an idle event stream). A BFF with 10,000 browsers following tasks
//! keeps 10,000 connections open, so that is 90 MB. The studio speaks HTTP/1.1 only
//! (axum's `http2` feature is off), so nothing is lost.
//!
//! Connections are served on [`Lanes`] (a runtime per core, see `lanes`); the service
//! decides what runs elsewhere (see `routes::front`). With a [`Quick`], a connection is
//! read by `quick` first, and hyper gets it at its first request `quick` does not answer.
//!
//! A client has [`HEADER_READ_TIMEOUT`] to send a request's head, and an idle
//! keep-alive connection is closed after as long (hyper starts the timer whenever the
//! connection waits for a head): without it, a client sending a header a minute
//! (slowloris) held a connection and its task for ever. A response being written, an
//! event stream included, is not waiting for a head, so it is never cut.

use crate::lanes::Lanes;
use crate::quick::{self, Handover, Quick};
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// How long a client has to send a request's head, and an idle connection stays open
/// (nginx allows 60 s for a head and 75 s idle; browsers open a new connection when an
/// idle one was closed).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` (the BFF's [`crate::routes::front::Studio`], or a bare router) on
/// `listener` until `closing` turns true, then lets each connection finish its request
/// in flight (hyper's graceful shutdown) and returns once all have closed. Each request
/// carries its peer address as `ConnectInfo<SocketAddr>`; `header_timeout` is
/// [`HEADER_READ_TIMEOUT`] but in tests. `lanes`: how many lane threads serve the
/// connections (0: all on the caller's runtime). `quick`: the requests `app` answers
/// from memory, read and answered before hyper sees a connection (see `quick`).
pub async fn run<S, Q: Quick>(
    listener: TcpListener,
    app: S,
    quick: Option<Arc<Q>>,
    mut closing: watch::Receiver<bool>,
    header_timeout: Duration,
    lanes: usize,
) where
    S: tower_service::Service<
            hyper::Request<Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    let lanes = Lanes::start(lanes).unwrap_or_else(|e| {
        tracing::warn!("cannot start the connection lanes, serving on one runtime: {e}");
        Lanes::none()
    });
    // Every connection's task holds a sender; all dropped means all closed.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, mostly: wait for some to close rather than
                    // spin; a connection reset before it was taken is nothing.
                    if !is_connection_error(&e) {
                        tracing::error!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = closed(&mut closing) => break,
        };
        // Event streams write small frames; they should not wait for the peer's ACK.
        let _ = stream.set_nodelay(true);
        // A socket belongs to the runtime that polls it: handed over as a plain one.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!("a connection could not be handed to a lane: {e}");
                continue;
            }
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            tower_service::Service::call(&mut app.clone(), req)
        });
        let mut closing = closing.clone();
        let held = open_tx.clone();
        let quick = quick.clone();
        lanes.next().spawn(async move {
            let _held = held;
            let stream = match TcpStream::from_std(stream) {
                Ok(stream) => stream,
                Err(e) => return tracing::warn!("a lane could not take a connection: {e}"),
            };
            let io = match quick {
                None => Handover::fresh(stream),
                Some(quick) => {
                    let closed = closed(&mut closing);
                    // Boxed: its state (a read's answer being made, the buffers) is gone
                    // once hyper has the connection, which then holds it for hours
                    // (an event stream); unboxed it sized every connection's task.
                    let reads = quick::serve(stream, peer, &*quick, closed, header_timeout);
                    match Box::pin(reads).await {
                        Some(rest) => rest,
                        None => return,
                    }
                }
            };
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                () = closed(&mut closing) => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(open_tx);
    let _ = open_rx.recv().await;
}

/// Returns once the server is closing (the flag's guard is not held across awaits).
async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const TIMEOUT: Duration = Duration::from_millis(300);

    /// What a server with `/` (a short answer) and `/slow` (a body written over three
    /// timeouts) sends back for `request` until it closes the connection (failing after
    /// 5 s), and how long that took.
    async fn exchange(request: &[u8]) -> (String, Duration) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "hello" })).route(
            "/slow",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |n| async move {
                    if n == 3 {
                        return None;
                    }
                    tokio::time::sleep(TIMEOUT).await;
                    Some((Ok::<_, std::io::Error>(format!("part{n};")), n + 1))
                });
                Body::from_stream(chunks)
            }),
        );
        let (_closing, closing) = watch::channel(false);
        tokio::spawn(run(listener, app, quick::NOTHING, closing, TIMEOUT, 2));
        talk(addr, &[request], Duration::ZERO).await
    }

    /// Writes `parts` to `addr` with `pause` between them, then reads until the server
    /// closes the connection (failing after 5 s): what came back and how long the whole
    /// took.
    async fn talk(
        addr: std::net::SocketAddr,
        parts: &[&[u8]],
        pause: Duration,
    ) -> (String, Duration) {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(pause).await;
            }
            // The server may have closed already (that is what some tests look for).
            if conn.write_all(part).await.is_err() {
                break;
            }
        }
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut got))
            .await
            .expect("the server closed the connection");
        (
            String::from_utf8_lossy(&got).into_owned(),
            started.elapsed(),
        )
    }

    #[tokio::test]
    async fn a_head_sent_too_slowly_loses_its_connection() {
        let (answer, took) = exchange(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
        assert!(took >= TIMEOUT, "closed after {took:?}");
        assert!(!answer.contains("hello"), "{answer}");
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_after_its_answer() {
        let (answer, _) = exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn a_long_answer_is_not_cut() {
        let (answer, _) = exchange(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
        for part in ["part0;", "part1;", "part2;"] {
            assert!(answer.contains(part), "{answer}");
        }
    }

    #[tokio::test]
    async fn connections_are_served_on_the_lanes_in_turn() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = || async { std::thread::current().name().unwrap_or_default().to_owned() };
        let app = Router::new().route("/where", get(thread));
        let (_closing, closing) = watch::channel(false);
        tokio::spawn(run(listener, app, quick::NOTHING, closing, TIMEOUT, 2));
        for lane in ["omni-lane-0", "omni-lane-1", "omni-lane-0"] {
            let mut conn = TcpStream::connect(addr).await.unwrap();
            conn.write_all(b"GET /where HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut got = Vec::new();
            conn.read_to_end(&mut got).await.unwrap();
            let answer = String::from_utf8_lossy(&got);
            assert!(
                answer.starts_with("HTTP/1.1 200") && answer.ends_with(lane),
                "{answer}"
            );
        }
    }

    /// A server with a [`Quick`]: what `quick` answers, and what it leaves to hyper. Here
    /// rather than in `quick` (which `server` uses) so the modules do not import each other.
    mod quick_tests {
        use super::{talk, TIMEOUT};
        use crate::quick::LONGEST_HEAD;
        use crate::server::*;
        use axum::body::Body;
        use axum::http::Request;
        use axum::response::Response;
        use axum::routing::get;
        use axum::Router;
        use std::future::Future;
        use std::net::SocketAddr;
        use std::sync::Arc;
        use std::time::Instant;
        use tokio::io::AsyncReadExt as _;
        use tokio::io::AsyncWriteExt as _;
        use tokio::net::TcpListener;
        use tokio::sync::watch;

        /// Answers `GET /kept…` from "memory", naming what it saw; the router answers the
        /// same path as "router", so a test sees who answered.
        struct Memory;

        impl Quick for Memory {
            fn take(
                &self,
                req: Request<()>,
            ) -> Option<impl Future<Output = Response> + Send + 'static> {
                if req.uri().path() != "/kept" {
                    return None;
                }
                let peer = req
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip());
                let note = req.headers().get("x-note").cloned();
                let seen = format!("[memory {} {note:?} {peer:?}]", req.uri());
                Some(async move { Response::new(Body::from(seen)) })
            }
        }

        async fn server() -> (SocketAddr, watch::Sender<bool>) {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = Router::new()
                .route("/kept", get(|| async { "[router kept]" }))
                .route("/other", get(|| async { "[router other]" }));
            let (closing, closing_rx) = watch::channel(false);
            tokio::spawn(run(
                listener,
                app,
                Some(Arc::new(Memory)),
                closing_rx,
                TIMEOUT,
                2,
            ));
            (addr, closing)
        }

        /// The bodies in `answer`, in order (each ends with `]`).
        fn bodies(answer: &str) -> Vec<&str> {
            answer
                .split("\r\n\r\n")
                .skip(1)
                .filter_map(|rest| rest.split_inclusive(']').next())
                .collect()
        }

        #[tokio::test]
        async fn kept_requests_are_answered_in_order_until_hyper_takes_the_connection() {
            let (addr, _closing) = server().await;
            let requests: &[&[u8]] = &[
                b"GET /kept?a HTTP/1.1\r\nHost: x\r\nX-Note: one\r\n\r\nGET /kept?b HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /other HTTP/1.1\r\nHost: x\r\n\r\nGET /kept HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ];
            let (answer, _) = talk(addr, requests, Duration::from_millis(50)).await;
            assert_eq!(
                bodies(&answer),
                [
                    "[memory /kept?a Some(\"one\") Some(127.0.0.1)]",
                    "[memory /kept?b None Some(127.0.0.1)]",
                    "[router other]",
                    "[router kept]",
                ],
                "{answer}"
            );
            let first = answer.split("\r\n\r\n").next().unwrap();
            assert!(first.starts_with("HTTP/1.1 200 OK\r\n"), "{first}");
            let length = "[memory /kept?a Some(\"one\") Some(127.0.0.1)]".len();
            assert!(
                first.contains(&format!("\r\ncontent-length: {length}")),
                "{first}"
            );
            assert!(
                first.contains("\r\ndate: ") && first.contains(" GMT"),
                "{first}"
            );
        }

        #[tokio::test]
        async fn a_head_in_pieces_is_answered_here() {
            let (addr, _closing) = server().await;
            let parts: &[&[u8]] = &[b"GET /ke", b"pt HTTP/1.1\r\nHo", b"st: x\r\n\r\n"];
            let (answer, _) = talk(addr, parts, Duration::from_millis(30)).await;
            assert_eq!(
                bodies(&answer),
                ["[memory /kept None Some(127.0.0.1)]"],
                "{answer}"
            );
        }

        #[tokio::test]
        async fn what_is_not_a_plain_kept_read_is_hypers() {
            let (addr, _closing) = server().await;
            let long = format!(
                "GET /kept HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\nConnection: close\r\n\r\n",
                "y".repeat(LONGEST_HEAD)
            );
            for request in [
                "GET /kept HTTP/1.0\r\n\r\n",
                "GET /kept HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /kept HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
                "GET /kept HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: close\r\n\r\n",
                &long,
            ] {
                let (answer, _) = talk(addr, &[request.as_bytes()], Duration::ZERO).await;
                assert_eq!(
                    bodies(&answer),
                    ["[router kept]"],
                    "{request:.80}: {answer}"
                );
            }
            let bad = b"GET /kept HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n";
            let (answer, _) = talk(addr, &[bad], Duration::ZERO).await;
            assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        }

        #[tokio::test]
        async fn a_head_sent_too_slowly_loses_its_connection() {
            let (addr, _closing) = server().await;
            let trickle: Vec<&[u8]> = b"GET /kept HTTP/1.1\r\n".chunks(1).collect();
            // A byte every 50 ms: the head would take a second, three times the timeout.
            let (answer, took) = talk(addr, &trickle, Duration::from_millis(50)).await;
            assert!(answer.is_empty(), "{answer}");
            assert!(
                took >= TIMEOUT && took < TIMEOUT * 3,
                "closed after {took:?}"
            );
        }

        #[tokio::test]
        async fn an_idle_connection_is_closed_a_timeout_after_its_answer() {
            let (addr, _closing) = server().await;
            let parts: &[&[u8]] = &[
                b"GET /kept?a HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /kept?b HTTP/1.1\r\nHost: x\r\n\r\n",
            ];
            // The second request comes after most of the first's timeout: it counts anew.
            let pause = TIMEOUT * 2 / 3;
            let (answer, took) = talk(addr, parts, pause).await;
            assert_eq!(bodies(&answer).len(), 2, "{answer}");
            assert!(took >= pause + TIMEOUT * 29 / 30, "closed after {took:?}");
        }

        #[tokio::test]
        async fn a_closing_server_closes_a_connection_between_requests() {
            let (addr, closing) = server().await;
            let mut conn = TcpStream::connect(addr).await.unwrap();
            conn.write_all(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut got = [0; 512];
            let n = conn.read(&mut got).await.unwrap();
            assert!(got[..n].starts_with(b"HTTP/1.1 200 OK"));
            closing.send_replace(true);
            let started = Instant::now();
            let n = tokio::time::timeout(TIMEOUT, conn.read(&mut got)).await;
            assert!(
                matches!(n, Ok(Ok(0))),
                "{n:?} after {:?}",
                started.elapsed()
            );
        }
    }
}
