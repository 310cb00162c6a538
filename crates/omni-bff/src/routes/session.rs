//! `/api/v1/session`: signing a browser in with an access token (answered with an
//! HttpOnly session cookie), asking whether it is signed in, and signing out.

use super::body::JsonBody;
use super::ok;
use crate::clock;
use crate::error::ApiError;
use crate::security::access::{self, session_cookie, session_hash, set_cookie};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use omni_api::json::Reader;
use omni_api::{Problem, Violations};
use std::sync::Arc;

/// Whether sign-in is required, and whether this browser is signed in.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    pub signed_in: bool,
}

/// A sign-in: one of the configured access tokens.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the body is read by omni-api's reader; this describes it
pub struct SignIn {
    pub token: String,
}

/// A sign-in body is a token and nothing else.
pub const SESSION_BODY_LIMIT: usize = 4 * 1024;

/// `GET`: whether sign-in is required and whether this browser is signed in.
#[utoipa::path(get, operation_id = "session_status", path = "/api/v1/session", tag = "studio", summary = "Whether sign-in is required and this browser is signed in",
    responses((status = 200, body = omni_api::Envelope<SessionState>), crate::routes::openapi::Errors))
]
pub async fn status(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let access = &state.security.access;
    let signed_in = access.required()
        && !matches!(
            access.who(&state.store, &headers).await,
            access::Who::Nobody
        );
    ok(&SessionState {
        required: Some(access.required()),
        signed_in,
    })
}

/// `POST {"token": "..."}`: a new session for a valid token.
#[utoipa::path(post, operation_id = "sign_in", path = "/api/v1/session", tag = "studio", summary = "Sign in with an access token: answers an HttpOnly session cookie",
    request_body = SignIn,
    responses((status = 200, body = omni_api::Envelope<SessionState>), crate::routes::openapi::Errors))
]
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    JsonBody(body): JsonBody<SESSION_BODY_LIMIT>,
) -> Result<Response, ApiError> {
    let mut v = Violations::default();
    let token = Reader::root(&body, &mut v)
        .and_then(|r| r.string("token", &mut v))
        .unwrap_or_default();
    if token.trim().is_empty() && v.0.is_empty() {
        v.push("token", Problem::Required);
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let access = &state.security.access;
    if !access.required() {
        return Ok(ok(&SessionState {
            required: Some(false),
            signed_in: false,
        }));
    }
    if !access.token_ok(&token) {
        return Err(ApiError::Unauthorized(
            "this access token is not valid".into(),
        ));
    }
    let id = crate::tasks::new_token()? + &crate::tasks::new_token()?;
    let now = clock::now_ms();
    state
        .store
        .insert_session(
            &session_hash(&id),
            &access::Access::token_digest(&token),
            now,
            now + access::SESSION_MS,
        )
        .await?;
    let mut resp = ok(&SessionState {
        required: Some(true),
        signed_in: true,
    });
    if let Ok(cookie) = set_cookie(Some(&id)).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(resp)
}

/// `DELETE`: ends this browser's session.
#[utoipa::path(delete, operation_id = "sign_out", path = "/api/v1/session", tag = "studio", summary = "Sign out",
    responses((status = 200, body = omni_api::Envelope<SessionState>), crate::routes::openapi::Errors))
]
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(id) = session_cookie(&headers) {
        state
            .store
            .delete_session(&session_hash(id), clock::now_ms())
            .await?;
        state.security.access.forget(id);
    }
    let mut resp = ok(&SessionState {
        required: None,
        signed_in: false,
    })
    .into_response();
    if let Ok(cookie) = set_cookie(None).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(resp)
}
