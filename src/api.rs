//! The typed client of the same-origin BFF's JSON routes. (The event stream of a task is
//! read in `task_events`, and `config.json` in `deployment`.)

use crate::deployment;
use crate::i18n::{code_words, lang, tf, Lang};
use gloo_net::http::{Request, Response};
use omni_api::{
    Choice, Envelope, ErrorBody, FieldError, StudioTask, Task, TaskKind, TaskPage, TaskStatus,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a call to the BFF failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, connection refused, aborted.
    Network(String),
    /// The BFF answered with its error envelope.
    Api { status: u16, body: ErrorBody },
    /// An answer we could not read.
    Decode(String),
}

impl ApiError {
    /// The field errors the BFF reported, to show under their inputs.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            ApiError::Api { body, .. } => body.errors.clone(),
            _ => Vec::new(),
        }
    }

    /// Whether the server may have done what was asked after all: no answer, or a
    /// failure of the server or beyond it (5xx), unlike a refusal of the request (4xx).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Network(_) | ApiError::Decode(_) => true,
            ApiError::Api { status, .. } => *status >= 500,
        }
    }

    /// One sentence for the user, with the code explained in words. In Chinese the
    /// code's own words stand in for the BFF's English message.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network(m) => tf("Cannot reach the server: {}", &[m]),
            ApiError::Api { status, body } if lang() == Lang::Zh => {
                let (what, advice) = code_words(*status, body.code);
                format!("{what}（HTTP {status}，代码 {}）。{advice}", body.code)
            }
            ApiError::Api { status, body } => {
                let advice = omni_api::codes::info(body.code).advice;
                format!(
                    "{} (HTTP {status}, code {}). {advice}",
                    body.message, body.code
                )
            }
            ApiError::Decode(m) => tf("Unexpected answer from the server: {}", &[m]),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// So a failed read can be rendered inside an `ErrorBoundary`.
impl std::error::Error for ApiError {}

/// A fresh key for one submission: sent again with the same request (after a network
/// error or a server failure) it gets the task of the first send, never a second one.
pub fn new_idempotency_key() -> String {
    let part = || (js_sys::Math::random() * 4_294_967_296.0) as u32;
    format!(
        "{:x}-{:08x}{:08x}{:08x}",
        js_sys::Date::now() as u64,
        part(),
        part(),
        part()
    )
}

/// Creates a task of `kind` from a request body of that kind.
pub async fn create<B: Serialize>(kind: TaskKind, body: &B, key: &str) -> Result<Task, ApiError> {
    let call = Request::post(&deployment::api(&format!("/kling/v1/{}", kind.path())))
        .header("Idempotency-Key", key)
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// Creates a task through the all-in-one route; the answer says which kind it became.
pub async fn create_aio(
    body: &omni_api::all_in_one::AioRequest,
    key: &str,
) -> Result<StudioTask, ApiError> {
    let call = Request::post(&deployment::api("/api/v1/images/generations"))
        .header("Idempotency-Key", key)
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// Whether this BFF wants a sign-in, and whether this browser has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Session {
    pub required: bool,
    pub signed_in: bool,
}

/// Asks whether a sign-in is needed.
pub async fn get_session() -> Result<Session, ApiError> {
    decode(
        Request::get(&deployment::api("/api/v1/session"))
            .send()
            .await,
    )
    .await
}

/// Signs in with an access token; the BFF answers with an HttpOnly session cookie, so
/// the token is never kept by the app.
pub async fn sign_in(token: &str) -> Result<Session, ApiError> {
    let call = Request::post(&deployment::api("/api/v1/session"))
        .json(&serde_json::json!({ "token": token }))
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// The studio configuration: models, allowed values and limits.
pub async fn get_config() -> Result<omni_api::config::StudioConfig, ApiError> {
    decode(
        Request::get(&deployment::api("/api/v1/config"))
            .send()
            .await,
    )
    .await
}

/// What an uploaded local video became: the URL the upstream fetches it from.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Uploaded {
    pub url: String,
    pub expires_at: i64,
}

/// Stores a local video (MP4 or MOV) on the BFF for the upstream to fetch.
pub async fn upload_video(file: &web_sys::File, content_type: &str) -> Result<Uploaded, ApiError> {
    let call = Request::post(&deployment::api("/api/v1/uploads"))
        .header("Content-Type", content_type)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// The account's own elements (`presets` false) or the official presets.
pub async fn list_elements(presets: bool) -> Result<Vec<omni_api::elements::Element>, ApiError> {
    let which = if presets {
        "presets-elements"
    } else {
        "custom-elements"
    };
    decode(
        Request::get(&deployment::api(&format!(
            "/kling/v1/general/{which}?pageNum=1&pageSize=500"
        )))
        .send()
        .await,
    )
    .await
}

/// Creates an element.
pub async fn create_element(
    body: &omni_api::elements::CreateElementRequest,
) -> Result<omni_api::elements::Element, ApiError> {
    let call = Request::post(&deployment::api("/kling/v1/general/custom-elements"))
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// Deletes one of the account's elements.
pub async fn delete_element(id: omni_api::ElementId) -> Result<serde_json::Value, ApiError> {
    let body = omni_api::elements::DeleteElementRequest { element_id: id };
    let call = Request::post(&deployment::api("/kling/v1/general/delete-elements"))
        .json(&body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// What a conditional read brought.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    /// The task, with the ETag to send next time.
    Changed(Box<StudioTask>, Option<String>),
    /// 304: the task is as it was.
    NotModified,
}

/// Reads a task with `If-None-Match`, so an unchanged task costs a 304 and no body. The
/// request comes whole only when `full` (it can hold megabytes of images): otherwise it
/// is a summary holding the prompt. Both carry the same ETag.
pub async fn poll_task(id: &str, etag: Option<&str>, full: bool) -> Result<Polled, ApiError> {
    let url = task_url(id);
    let mut req = Request::get(&if full {
        format!("{url}?request=full")
    } else {
        url
    });
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if resp.status() == 304 {
        return Ok(Polled::NotModified);
    }
    let tag = resp.headers().get("etag");
    decode(Ok(resp))
        .await
        .map(|t| Polled::Changed(Box::new(t), tag))
}

/// Filters and position for the history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct HistoryQuery {
    pub kind: Option<TaskKind>,
    pub status: Option<TaskStatus>,
    pub search: String,
    /// Only tasks made with access tokens of this name (empty: everyone's).
    pub person: String,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// One page of history, newest first.
pub async fn list_tasks(q: &HistoryQuery) -> Result<TaskPage, ApiError> {
    let mut params = vec![format!("limit={}", q.limit.max(1))];
    if let Some(k) = q.kind {
        params.push(format!("kind={}", k.as_str()));
    }
    if let Some(s) = q.status {
        params.push(format!("status={}", s.as_str()));
    }
    if !q.search.trim().is_empty() {
        params.push(format!("q={}", encode(q.search.trim())));
    }
    if !q.person.is_empty() {
        params.push(format!("person={}", encode(&q.person)));
    }
    if let Some(c) = &q.cursor {
        params.push(format!("cursor={}", encode(c)));
    }
    decode(
        Request::get(&deployment::api(&format!(
            "/api/v1/tasks?{}",
            params.join("&")
        )))
        .send()
        .await,
    )
    .await
}

/// Cancels a create still waiting in the BFF's queue (it becomes a failed task).
pub async fn cancel_task(id: &str) -> Result<StudioTask, ApiError> {
    decode(
        Request::post(&format!("{}/cancel", task_url(id)))
            .send()
            .await,
    )
    .await
}

/// What a spend report covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpendQuery {
    pub range: (omni_api::spend::Day, omni_api::spend::Day),
    pub offset_minutes: i32,
    /// Only this person's tasks (empty: everyone's).
    pub person: String,
}

/// The report's address; `csv` for the file to download.
pub fn spend_url(q: &SpendQuery, csv: bool) -> String {
    let mut url = format!(
        "/api/v1/spend?from={}&to={}&tz={}",
        q.range.0, q.range.1, q.offset_minutes
    );
    if !q.person.is_empty() {
        url += &format!("&person={}", encode(&q.person));
    }
    if csv {
        url += "&format=csv";
    }
    deployment::api(&url)
}

/// Charged units by day, person and model.
pub async fn spend(q: &SpendQuery) -> Result<omni_api::spend::SpendReport, ApiError> {
    decode(Request::get(&spend_url(q, false)).send().await).await
}

/// The upstream account's remaining units.
pub async fn account() -> Result<omni_api::spend::AccountUnits, ApiError> {
    decode(
        Request::get(&deployment::api("/api/v1/account"))
            .send()
            .await,
    )
    .await
}

/// The same-origin address of one result file (`set` is images, series_images, videos or covers).
pub fn file_url(task_id: &str, set: omni_api::ResultSet, index: usize, watermark: bool) -> String {
    let variant = if watermark { "?variant=watermark" } else { "" };
    let set = set.as_str();
    format!("{}/files/{set}/{index}{variant}", task_url(task_id))
}

/// The address of every result of a task in one ZIP.
pub fn zip_url(task_id: &str) -> String {
    format!("{}/files.zip", task_url(task_id))
}

/// `/api/v1/tasks/{id}`, the id encoded.
pub fn task_url(id: &str) -> String {
    deployment::api(&format!("/api/v1/tasks/{}", encode(id)))
}

async fn decode<T: DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let resp = sent.map_err(|e| ApiError::Network(e.to_string()))?;
    let status = resp.status();
    // Read as text and parse with serde_json, so 64-bit ids never pass through a JS number.
    let text = resp
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        let env: Envelope<T> =
            serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))?;
        env.data
            .ok_or_else(|| ApiError::Decode(crate::i18n::t("the answer has no data").into()))
    } else {
        // Without the code to read the answer, what the server said is not known.
        Err(read_error(status, text).await.unwrap_or_else(|_| {
            ApiError::Network(crate::i18n::t("the code to read its answer did not arrive").into())
        }))
    }
}

crate::deferred::deferred! {
    /// The BFF's error envelope. Its field errors' reader (every `Problem`) is the
    /// largest function of the app, and a visit without an error never runs it.
    fn read_error(status: u16, text: String) -> ApiError {
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => ApiError::Api { status, body },
            Err(_) => ApiError::Decode(tf("HTTP {} without an error envelope", &[&status])),
        }
    }
}

/// Percent-encodes a path segment or query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
