//! Finished tasks' answers, made once and served from memory.
//!
//! A task that ended and whose result copies have settled no longer changes, so the
//! bytes of its answer (the `data` of `GET /api/v1/tasks/{id}`, its request summarised)
//! and its ETag are kept: a read is a map lookup and one copy into the envelope, a
//! 304 a comparison of tags, and neither touches the database. An answer is trusted for
//! `FRESH_MS`, because another instance's retention can still remove a copy (the
//! URL then goes back to the upstream's); this instance's retention forgets it at once.

use crate::clock;
use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a kept answer is trusted.
const FRESH_MS: i64 = 60_000;
/// Answers per generation: at most twice this many are kept (a few KB each).
const GENERATION: usize = 4096;

/// One task's answer: the serialised `data` and the tag of the task's state.
#[derive(Debug)]
pub struct Answer {
    task_id: String,
    pub data: Bytes,
    pub etag: HeaderValue,
    until: i64,
}

impl Answer {
    /// `data` as the envelope carries it; `state` the JSON of what can change (the task
    /// without its request), so a full and a summarised answer share their tag.
    pub fn new(task_id: &str, data: Vec<u8>, state: &[u8]) -> Answer {
        let digest = Sha256::digest(state);
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        // Weak: the same state has two representations (request in full or summarised).
        let etag = HeaderValue::from_str(&format!("W/\"{hex}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("W/\"\""));
        Answer {
            task_id: task_id.to_owned(),
            data: Bytes::from(data),
            etag,
            until: clock::now_ms() + FRESH_MS,
        }
    }

    /// 304 when the client holds this state, else the envelope around the kept bytes.
    pub fn respond(&self, held: &IfNoneMatch) -> Response {
        if held.names(&self.etag) {
            return (
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, self.etag.clone())],
            )
                .into_response();
        }
        let body = crate::request_log::with_current(|id| envelope(id, &self.data));
        let mut resp = Response::new(Body::from(body));
        let h = resp.headers_mut();
        // Room for every header the answer gets on its way out (these, the length, the
        // security headers, the request id), so the map is not grown and rehashed.
        h.reserve(12);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::ETAG, self.etag.clone());
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        resp
    }
}

/// The request's `If-None-Match`, taken alone (the `HeaderMap` extractor copied every
/// header of every read).
#[derive(Debug, Default)]
pub struct IfNoneMatch(pub Option<HeaderValue>);

impl IfNoneMatch {
    /// Whether it names `etag` (weak comparison, as RFC 9110 asks for it).
    pub fn names(&self, etag: &HeaderValue) -> bool {
        let ours = strip_weak(etag.to_str().unwrap_or(""));
        self.0
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .map(str::trim)
                    .any(|t| t == "*" || strip_weak(t) == ours)
            })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch(
            parts.headers.get(header::IF_NONE_MATCH).cloned(),
        ))
    }
}

fn strip_weak(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// The success envelope (`omni_api::Envelope` with no warnings) around serialised data,
/// written directly so a kept answer is not parsed or serialised again.
/// Sized exactly: `Bytes` takes a full vector as it is, and allocates again for one
/// with room to spare.
fn envelope(request_id: &str, data: &[u8]) -> Vec<u8> {
    // A request id is plain (see `request_log`); anything else is escaped.
    let escaped;
    let id = if request_id.bytes().all(crate::request_log::plain) {
        request_id
    } else {
        escaped = serde_json::to_string(request_id).unwrap_or_else(|_| "\"\"".into());
        &escaped[1..escaped.len() - 1]
    };
    let head = br#"{"code":0,"message":"SUCCEED","request_id":""#;
    let middle = br#"","data":"#;
    let mut out = Vec::with_capacity(head.len() + id.len() + middle.len() + data.len() + 1);
    out.extend_from_slice(head);
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(middle);
    out.extend_from_slice(data);
    out.push(b'}');
    out
}

/// The kept answers, by the id they were asked by (task id or external task id). Two
/// generations bound the memory without a scan: when the young one is full the old one
/// is dropped, and an answer still being read moves up on its next read.
#[derive(Default)]
pub struct Answers {
    maps: Mutex<Generations>,
}

/// foldhash with a random seed per map, as hashbrown's default hasher: every kept read
/// hashes its id here, and SipHash (std's) was most of the lookup. Ids are made by us or
/// the upstream, or chosen by a client for tasks it created (each one a billed task).
type ById = HashMap<String, Arc<Answer>, foldhash::fast::RandomState>;

#[derive(Default)]
struct Generations {
    young: ById,
    old: ById,
}

impl Generations {
    fn insert(&mut self, id: String, a: Arc<Answer>) {
        if self.young.len() >= GENERATION {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(id, a);
    }
}

impl Answers {
    /// A kept answer still trusted.
    pub fn get(&self, id: &str) -> Option<Arc<Answer>> {
        let now = clock::now_ms();
        let mut maps = self.maps.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = maps.young.get(id) {
            return (a.until > now).then(|| a.clone());
        }
        let a = maps.old.remove(id)?;
        if a.until <= now {
            return None;
        }
        maps.insert(id.to_owned(), a.clone());
        Some(a)
    }

    pub fn put(&self, id: &str, answer: Arc<Answer>) {
        let mut maps = self.maps.lock().unwrap_or_else(|p| p.into_inner());
        maps.insert(id.to_owned(), answer);
    }

    /// Forgets every answer kept for `task_id` (under either of its ids).
    pub fn forget(&self, task_id: &str) {
        let mut maps = self.maps.lock().unwrap_or_else(|p| p.into_inner());
        maps.young.retain(|_, a| a.task_id != task_id);
        maps.old.retain(|_, a| a.task_id != task_id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let maps = self.maps.lock().unwrap_or_else(|p| p.into_inner());
        maps.young.len() + maps.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_the_one_serde_writes() {
        let data = serde_json::json!({"kind": "omni-image", "task": {"task_id": "t1"}});
        for id in ["req_1", "client-id.7:a", "a \"quoted\" \\ id"] {
            let written = envelope(id, &serde_json::to_vec(&data).unwrap());
            assert_eq!(written.len(), written.capacity(), "sized exactly");
            let expected = serde_json::to_vec(&omni_api::Envelope {
                code: 0,
                message: "SUCCEED".into(),
                request_id: id.into(),
                data: Some(data.clone()),
                warnings: Vec::new(),
            })
            .unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn tags_compare_weakly_and_in_lists() {
        let a = Answer::new("t", b"{}".to_vec(), b"state");
        let tag = a.etag.to_str().unwrap().to_owned();
        assert!(tag.starts_with("W/\""));
        assert!(!IfNoneMatch(None).names(&a.etag));
        assert!(IfNoneMatch(Some(tag.parse().unwrap())).names(&a.etag));
        let listed = IfNoneMatch(Some(
            format!("\"x\", {}", tag.trim_start_matches("W/"))
                .parse()
                .unwrap(),
        ));
        assert!(listed.names(&a.etag));
        assert!(!IfNoneMatch(Some("\"x\"".parse().unwrap())).names(&a.etag));
        assert_eq!(a.respond(&listed).status(), StatusCode::NOT_MODIFIED);
        // Same state, another representation: the same tag.
        assert_eq!(Answer::new("t", b"[1]".to_vec(), b"state").etag, a.etag);
    }

    #[test]
    fn memory_stays_bounded_and_forget_finds_either_id() {
        let answers = Answers::default();
        for i in 0..(GENERATION * 3) {
            answers.put(
                &format!("t{i}"),
                Arc::new(Answer::new("t", b"{}".to_vec(), b"")),
            );
        }
        assert!(answers.len() <= GENERATION * 2);
        let a = Arc::new(Answer::new("abc", b"{}".to_vec(), b"s"));
        answers.put("abc", a.clone());
        answers.put("my-external-id", a);
        assert!(answers.get("abc").is_some() && answers.get("my-external-id").is_some());
        answers.forget("abc");
        assert!(answers.get("abc").is_none() && answers.get("my-external-id").is_none());
    }
}
