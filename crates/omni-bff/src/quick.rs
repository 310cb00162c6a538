//! Answers from memory without hyper: a connection is read here first, and each request
//! whose head alone makes it one the service answers from memory ([`Quick`], a kept
//! task read) is parsed, answered through the service's own door and written here. At
//! the first request that is not (another method or path, a body, HTTP/1.0,
//! `Connection: close`, an upgrade, a head that does not parse or is very long), the
//! connection and every byte read from it so far go to hyper for the rest of its life.
//!
//! Why: callgrind counted 21,000 instructions for a kept read served by hyper and the
//! door, against nginx's 11,300 for the same JSON; hyper's own share (its dispatcher,
//! head parsing into `Parts`, encoding, the header-timeout timer it arms per request)
//! was ~9,000 of them. Here a read is httparse (what hyper parses with), a request built
//! over the head's bytes without copying them, the door, and one `writev`.
//!
//! What hyper did that is kept: a client has the header timeout to send a head, counted
//! from the end of the answer before it (or the connection's start) and not extended by
//! a head's partial bytes (slowloris); an idle connection is closed as long after its
//! last answer; pipelined requests are answered in order; a closing server closes a
//! connection between requests; every answer has `date` and `content-length`. The timer
//! behind the timeout is armed once per connection and moved only when its deadline
//! has moved by a thirtieth of the timeout, not once per request.

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri, Version};
use axum::response::Response;
use bytes::{Buf as _, BytesMut};
use http_body_util::BodyExt as _;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Requests a service answers from memory, from their head alone. Not a `dyn` trait:
/// the answer's future lives in the connection's, not in a box per request.
pub trait Quick: Send + Sync + 'static {
    /// The answer to `req` (a `GET` without a body, its peer as `ConnectInfo`) when it is
    /// one of them, else `None`: hyper then reads it again and the service answers.
    fn take(&self, req: Request<()>) -> Option<impl Future<Output = Response> + Send + 'static>;
}

/// No requests answered before hyper (the metrics listener, tests).
pub struct Nothing;

impl Quick for Nothing {
    fn take(&self, _: Request<()>) -> Option<impl Future<Output = Response> + Send + 'static> {
        None::<std::future::Ready<Response>>
    }
}

/// What `server::run` takes for a service without a [`Quick`].
pub const NOTHING: Option<std::sync::Arc<Nothing>> = None;

/// A head longer than this goes to hyper (which allows ~400 KB and answers 431 beyond).
pub(crate) const LONGEST_HEAD: usize = 16 * 1024;
/// Headers httparse is given room for; a head with more goes to hyper (100).
const MOST_HEADERS: usize = 48;
/// What a connection's buffer starts with: a browser's head with its cookie fits.
const FIRST_BUFFER: usize = 2048;

/// The connection as [`serve`] leaves it to hyper: the bytes it read and did not answer
/// come first.
pub struct Handover {
    read: Bytes,
    stream: TcpStream,
}

/// Serves `stream` while its requests are `quick`'s to answer. Answers the connection to
/// hand to hyper, or `None` when it is done with (closed by the client, timed out, the
/// server closing, or an error writing).
pub async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    quick: &impl Quick,
    closing: impl std::future::Future<Output = ()>,
    timeout: Duration,
) -> Option<Handover> {
    let mut closing = std::pin::pin!(closing);
    let grain = timeout / 30;
    let mut deadline = std::pin::pin!(tokio::time::sleep(timeout));
    let mut buf = BytesMut::with_capacity(FIRST_BUFFER);
    let mut out = Vec::with_capacity(512);
    loop {
        match scan(&buf) {
            Scan::Plain(head) => {
                let bytes = buf.split_to(head.len).freeze();
                let Some(req) = head.request(&bytes, peer) else {
                    return Some(handover(bytes, buf, stream));
                };
                let Some(answer) = quick.take(req) else {
                    return Some(handover(bytes, buf, stream));
                };
                let answer = answer.await;
                if write(&mut stream, answer, &mut out).await.is_err() {
                    return None;
                }
                // The next head's time starts now (moved coarsely: see the module).
                let next = Instant::now() + timeout;
                if next > deadline.deadline() + grain {
                    deadline.as_mut().reset(next);
                }
                continue;
            }
            Scan::Other => return Some(handover(Bytes::new(), buf, stream)),
            Scan::Partial => {}
        }
        if buf.capacity() - buf.len() < FIRST_BUFFER / 4 {
            buf.reserve(FIRST_BUFFER);
        }
        match stream.try_read_buf(&mut buf) {
            Ok(0) => return None,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return None,
        }
        tokio::select! {
            biased;
            ready = stream.readable() => if ready.is_err() { return None },
            () = &mut deadline => return None,
            // Between requests, or in a head's middle: hyper's graceful shutdown closes
            // such a connection too.
            () = &mut closing => return None,
        }
    }
}

fn handover(answered: Bytes, rest: BytesMut, stream: TcpStream) -> Handover {
    let read = if answered.is_empty() {
        rest.freeze()
    } else {
        // A request taken back: its head again, then what followed it.
        let mut all = BytesMut::with_capacity(answered.len() + rest.len());
        all.extend_from_slice(&answered);
        all.extend_from_slice(&rest);
        all.freeze()
    };
    Handover { read, stream }
}

/// What the buffer starts with. On the stack, once per request: boxing the head's
/// offsets would be an allocation per read, which this module exists to save.
#[allow(clippy::large_enum_variant)]
enum Scan {
    /// A head this module answers if the service takes it.
    Plain(Head),
    /// The start of a head.
    Partial,
    /// Anything else: hyper's.
    Other,
}

/// Where a plain `GET`'s parts are in the buffer (offsets fit: a head is at most
/// [`LONGEST_HEAD`] long).
struct Head {
    len: usize,
    target: Span,
    headers: [(Span, Span); MOST_HEADERS],
    count: usize,
}

/// Where some bytes of a head are in it.
#[derive(Clone, Copy, Default)]
struct Span(u16, u16);

impl Span {
    fn range(self) -> Range<usize> {
        usize::from(self.0)..usize::from(self.1)
    }
}

fn scan(buf: &[u8]) -> Scan {
    let mut headers = [httparse::EMPTY_HEADER; MOST_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= LONGEST_HEAD => len,
        Ok(httparse::Status::Partial) if buf.len() < LONGEST_HEAD => return Scan::Partial,
        _ => return Scan::Other,
    };
    let (Some("GET"), Some(1), Some(target)) = (req.method, req.version, req.path) else {
        return Scan::Other;
    };
    if !target.starts_with('/') {
        return Scan::Other;
    }
    // Offsets into the head, which is at most LONGEST_HEAD (< 64 KiB) long.
    let at = |part: &[u8]| {
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        Span(start as u16, (start + part.len()) as u16)
    };
    let mut head = Head {
        len,
        target: at(target.as_bytes()),
        headers: [(Span::default(), Span::default()); MOST_HEADERS],
        count: req.headers.len(),
    };
    for (h, spans) in req.headers.iter().zip(&mut head.headers) {
        if !plain_header(h.name, h.value) {
            return Scan::Other;
        }
        *spans = (at(h.name.as_bytes()), at(h.value));
    }
    Scan::Plain(head)
}

/// Whether a header leaves a `GET` plain: no body, the connection kept, no upgrade.
fn plain_header(name: &str, value: &[u8]) -> bool {
    // By length first: every header of every read passes here.
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    match name.len() {
        6 => !is("expect"),
        7 => !is("upgrade"),
        10 => !is("connection") || value.eq_ignore_ascii_case(b"keep-alive"),
        14 => !is("content-length"),
        17 => !is("transfer-encoding"),
        _ => true,
    }
}

impl Head {
    /// The request, its header values sharing `bytes` (the head); `None` when one of its
    /// parts is not valid in `http`'s types (hyper then answers it).
    fn request(&self, bytes: &Bytes, peer: SocketAddr) -> Option<Request<()>> {
        let uri = Uri::from_maybe_shared(bytes.slice(self.target.range())).ok()?;
        let mut req = Request::new(());
        *req.method_mut() = Method::GET;
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        let headers = req.headers_mut();
        headers.reserve(self.count);
        for (name, value) in &self.headers[..self.count] {
            let name = HeaderName::from_bytes(&bytes[name.range()]).ok()?;
            let value = HeaderValue::from_maybe_shared(bytes.slice(value.range())).ok()?;
            headers.append(name, value);
        }
        req.extensions_mut().insert(ConnectInfo(peer));
        Some(req)
    }
}

/// Writes `answer` as HTTP/1.1: its head encoded into `out` (reused), then its body, in
/// one `writev` when the socket takes it all.
async fn write(stream: &mut TcpStream, answer: Response, out: &mut Vec<u8>) -> io::Result<()> {
    let (parts, body) = answer.into_parts();
    let body = whole(body).await?;
    out.clear();
    encode(&parts, body.len(), out);
    let (mut head, mut body) = (&out[..], &body[..]);
    while !head.is_empty() || !body.is_empty() {
        let n = stream
            .write_vectored(&[IoSlice::new(head), IoSlice::new(body)])
            .await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        let from_head = n.min(head.len());
        head = &head[from_head..];
        body = &body[n - from_head..];
    }
    Ok(())
}

/// A body in one piece (an answer from memory is one already: its one frame, as is).
/// Not `BodyExt::collect`: its list of frames cost ~500 more instructions per read
/// (callgrind, ~3% of a kept read).
async fn whole(mut body: Body) -> io::Result<Bytes> {
    let mut first: Option<Bytes> = None;
    let mut more = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(io::Error::other)?.into_data() else {
            continue;
        };
        match &first {
            None => first = Some(data),
            Some(_) => more.extend_from_slice(&data),
        }
    }
    let first = first.unwrap_or_default();
    if more.is_empty() {
        return Ok(first);
    }
    let mut all = BytesMut::from(&first[..]);
    all.extend_from_slice(&more);
    Ok(all.freeze())
}

/// The status line and headers, with `content-length` and `date` as hyper adds them.
fn encode(parts: &axum::http::response::Parts, body_len: usize, out: &mut Vec<u8>) {
    use axum::http::header::{CONTENT_LENGTH, DATE};
    let status = parts.status;
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    let (mut has_length, mut has_date) = (false, false);
    for (name, value) in &parts.headers {
        has_length |= name == CONTENT_LENGTH;
        has_date |= name == DATE;
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let bodiless = status == StatusCode::NOT_MODIFIED
        || status == StatusCode::NO_CONTENT
        || status.is_informational();
    if !bodiless && !has_length {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa(body_len, &mut [0; 20]));
        out.extend_from_slice(b"\r\n");
    }
    if !has_date {
        out.extend_from_slice(b"date: ");
        now_http_date(|date| out.extend_from_slice(date));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// `n` in decimal, written at the end of `digits`.
fn itoa(mut n: usize, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[at..];
        }
    }
}

/// `f` of the current time as an HTTP date, formatted once a second per thread.
fn now_http_date<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};
    thread_local! {
        static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != second {
            *at = second;
            *text = httpdate::fmt_http_date(now);
        }
        f(text.as_bytes())
    })
}

impl AsyncRead for Handover {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.read.is_empty() {
            return Pin::new(&mut self.stream).poll_read(cx, buf);
        }
        let n = buf.remaining().min(self.read.len());
        buf.put_slice(&self.read[..n]);
        self.read.advance(n);
        if self.read.is_empty() {
            // Let the buffer go (an event stream keeps its connection for hours).
            self.read = Bytes::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Handover {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Handover {
    /// A connection no request was read from yet.
    pub fn fresh(stream: TcpStream) -> Handover {
        Handover {
            read: Bytes::new(),
            stream,
        }
    }
}
