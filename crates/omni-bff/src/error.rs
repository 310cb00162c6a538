//! The one error type of every route: it becomes the upstream's envelope with the right
//! HTTP status, logs what the client may not see, and never leaks a credential.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use omni_api::{codes, ErrorBody, Violations};

/// Every way a request can fail.
#[derive(Debug)]
pub enum ApiError {
    /// Rules broken: 400 with every field error.
    Invalid(Violations),
    /// The body is not JSON (or not the JSON we need).
    Malformed(String),
    /// The body's Content-Type is not one the route takes (which ones it takes).
    UnsupportedMediaType(&'static str),
    PayloadTooLarge(usize),
    NotFound(String),
    /// The caller may not do this (e.g. a callback token used for another task).
    Forbidden(String),
    /// A `Host` this server does not answer for without access tokens (421).
    MisdirectedHost(String),
    /// Not signed in (or a wrong token).
    Unauthorized(String),
    /// Over the client's rate limit; try again after this many milliseconds.
    TooManyRequests(u64),
    MethodNotAllowed,
    /// Not possible in this server's state: an external_task_id another request holds,
    /// a local video without a public URL to serve it from.
    Conflict(String),
    /// The upstream answered with an error envelope; passed on as it is.
    Upstream {
        status: u16,
        code: i64,
        message: String,
    },
    /// The upstream could not be reached or answered garbage.
    Unavailable(String),
    /// A create is recorded but its outcome is not known yet (503, Retry-After): it
    /// will be finished, and the same request again gets its task.
    Pending(String),
    /// Our fault: logged, and the client gets a generic message.
    Internal(String),
}

/// The store's failures, at the route edge: a missing task is the client's 404, the
/// rest is ours (logged, a generic message out).
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::NoTask(id) => {
                ApiError::NotFound(format!("no task with id {id:?}"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl ApiError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }

    fn parts(&self) -> (StatusCode, i64, String) {
        match self {
            ApiError::Invalid(v) => (StatusCode::BAD_REQUEST, codes::INVALID_PARAMS, v.summary()),
            ApiError::Malformed(m) => (StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m.clone()),
            ApiError::UnsupportedMediaType(wanted) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::BAD_REQUEST,
                (*wanted).into(),
            ),
            ApiError::PayloadTooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::BAD_REQUEST,
                format!("request body is larger than {limit} bytes"),
            ),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, codes::NOT_FOUND, m.clone()),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, codes::NO_PERMISSION, m.clone()),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, codes::AUTH_FAILED, m.clone()),
            ApiError::MisdirectedHost(m) => (
                StatusCode::MISDIRECTED_REQUEST,
                codes::NO_PERMISSION,
                m.clone(),
            ),
            ApiError::TooManyRequests(ms) => (
                StatusCode::TOO_MANY_REQUESTS,
                codes::RATE_LIMIT,
                format!("too many requests from this client; try again in {ms} ms"),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                codes::INVALID_METHOD,
                "method not allowed on this route".into(),
            ),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, codes::BAD_REQUEST, m.clone()),
            ApiError::Upstream {
                status,
                code,
                message,
            } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
                *code,
                message.clone(),
            ),
            ApiError::Unavailable(m) => (StatusCode::BAD_GATEWAY, codes::TIMEOUT, m.clone()),
            ApiError::Pending(m) => (StatusCode::SERVICE_UNAVAILABLE, codes::TIMEOUT, m.clone()),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "internal error".into(),
            ),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (status, code, message) = self.parts();
        write!(f, "{status} code {code}: {message}")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let request_id = crate::request_log::current();
        match &self {
            ApiError::Internal(detail) => tracing::error!(%request_id, "internal error: {detail}"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%request_id, "upstream unavailable: {detail}")
            }
            _ => tracing::debug!(%request_id, "{status}: {message}"),
        }
        let retry_after = match &self {
            ApiError::TooManyRequests(ms) => Some(ms.div_ceil(1000).max(1)),
            ApiError::Pending(_) => Some(2),
            _ => None,
        };
        let errors = match self {
            ApiError::Invalid(v) => v.0,
            _ => Vec::new(),
        };
        let mut resp = (
            status,
            Json(ErrorBody {
                code,
                message,
                request_id,
                errors,
            }),
        )
            .into_response();
        if matches!(status, StatusCode::PAYLOAD_TOO_LARGE) {
            // The body was refused unread: the connection cannot carry another request,
            // and saying so keeps clients from reusing it.
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp
    }
}
