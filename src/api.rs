//! The one place that talks HTTP: a typed client of the same-origin BFF.

use gloo_net::http::{Request, Response};
use omni_api::omni_image::OmniImageRequest;
use omni_api::{Envelope, ErrorBody, FieldError, StudioTask, Task};
use serde::de::DeserializeOwned;

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

    /// One sentence for the user.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network(m) => format!("Cannot reach the server: {m}"),
            ApiError::Api { status, body } => {
                format!("{} (HTTP {status}, code {})", body.message, body.code)
            }
            ApiError::Decode(m) => format!("Unexpected answer from the server: {m}"),
        }
    }
}

/// Creates an Omni Image task.
pub async fn create_omni_image(req: &OmniImageRequest) -> Result<Task, ApiError> {
    let call = Request::post("/kling/v1/images/omni-image")
        .json(req)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    decode(call.send().await).await
}

/// Reads a task of any kind, with the request that made it.
pub async fn get_task(id: &str) -> Result<StudioTask, ApiError> {
    let url = format!("/api/v1/tasks/{}", encode_segment(id));
    decode(Request::get(&url).send().await).await
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
            .ok_or_else(|| ApiError::Decode("the answer has no data".into()))
    } else {
        let body: ErrorBody = serde_json::from_str(&text)
            .map_err(|_| ApiError::Decode(format!("HTTP {status} without an error envelope")))?;
        Err(ApiError::Api { status, body })
    }
}

/// Percent-encodes one path segment.
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
