//! The BFF's defences, applied as middleware: security headers on every answer, and
//! on every API route the cross-site check, the per-client rate limit and the access
//! policy, in that order (a refused request costs as little as possible).

pub mod access;
pub mod headers;
pub mod host;
pub mod origin;
pub mod peer;
pub mod rate;
pub mod ssrf;

use crate::clock;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// What the defences need, built once at start-up.
pub struct Security {
    pub access: access::Access,
    pub rate: Option<rate::RateLimit>,
    /// Origins besides our own whose browsers may change things (a static host).
    pub allowed_origins: Vec<String>,
    /// The Content-Security-Policy, kept in step with the served index.html.
    pub csp: headers::Policy,
    /// Names served without tokens (DNS rebinding).
    pub hosts: host::Hosts,
}

/// Routes a signed-out browser must reach: the session itself, and the upstream's
/// callbacks (which carry their own per-task secret).
fn open_route(path: &str) -> bool {
    path == "/v1/session" || path.starts_with("/v1/callbacks/")
}

/// The client a rate limit counts against: its session, else its address.
fn client_key(req: &Request) -> String {
    if let Some(id) = access::session_cookie(req.headers()) {
        return format!("s:{}", access::session_hash(id));
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| format!("a:{}", c.0.ip()))
}

/// Middleware for `/api` and `/kling` (paths here are below the prefix).
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let sec = &state.security;
    if let Some(why) = origin::refuse_cross_site(req.method(), req.headers(), &sec.allowed_origins)
    {
        return ApiError::Forbidden(why).into_response();
    }
    if let Some(limit) = &sec.rate {
        if let Err(wait_ms) = limit.take(&client_key(&req), clock::now_ms()) {
            return ApiError::TooManyRequests(wait_ms).into_response();
        }
    }
    if !open_route(req.uri().path()) && !sec.access.allows(&state.store, req.headers()).await {
        return ApiError::Unauthorized(
            "sign in first: POST /api/v1/session with an access token, or send Authorization: Bearer TOKEN".into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// Middleware for everything: without access tokens, only this machine's names (and
/// the operator's `--allowed-hosts`) are served, so DNS rebinding finds nothing.
pub async fn host(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let sec = &state.security;
    if !sec.access.required() {
        if let Some(why) = sec.hosts.refuse(req.headers()) {
            return ApiError::MisdirectedHost(why).into_response();
        }
    }
    next.run(req).await
}

/// Middleware for everything: the security headers.
pub async fn headers(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        state.security.csp.current(),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}
