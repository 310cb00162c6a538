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

/// A sign-in body is a token and nothing else.
pub const SESSION_BODY_LIMIT: usize = 4 * 1024;

/// `GET`: whether sign-in is required and whether this browser is signed in.
pub async fn status(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let access = &state.security.access;
    let signed_in = access.required()
        && !matches!(
            access.who(&state.store, &headers).await,
            access::Who::Nobody
        );
    ok(&serde_json::json!({ "required": access.required(), "signed_in": signed_in }))
}

/// `POST {"token": "..."}`: a new session for a valid token.
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
        return Ok(ok(
            &serde_json::json!({ "required": false, "signed_in": false }),
        ));
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
    let mut resp = ok(&serde_json::json!({ "required": true, "signed_in": true }));
    if let Ok(cookie) = set_cookie(Some(&id)).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(resp)
}

/// `DELETE`: ends this browser's session.
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
    let mut resp = ok(&serde_json::json!({ "signed_in": false })).into_response();
    if let Ok(cookie) = set_cookie(None).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(resp)
}
