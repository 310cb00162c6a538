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
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// What the defences need, built once at start-up.
pub struct Security {
    pub access: access::Access,
    pub rate: Option<rate::RateLimit>,
    /// Origins besides our own whose browsers may change things (a static host).
    pub allowed_origins: Vec<String>,
    /// The Content-Security-Policy, kept in step with the served index.html.
    pub csp: headers::Policy,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<peer::Cidr>,
    /// Names served without tokens (DNS rebinding).
    pub hosts: host::Hosts,
}

/// Routes a signed-out browser must reach: the session itself, and the upstream's
/// callbacks (which carry their own per-task secret).
fn open_route(path: &str) -> bool {
    // Uploads are fetched by the upstream, which has no credentials of ours (their
    // names are unguessable and expire).
    path == "/v1/session" || path.starts_with("/v1/callbacks/") || path.starts_with("/v1/uploads/")
}

/// Middleware for `/api` and `/kling` (paths here are below the prefix).
pub async fn guard(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let sec = &state.security;
    if let Some(why) = origin::refuse_cross_site(req.method(), req.headers(), &sec.allowed_origins)
    {
        return ApiError::Forbidden(why).into_response();
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let address = rate::Client::address(peer::client_ip(peer, req.headers(), &sec.trusted_proxies));
    let limit = |client: &rate::Client| match &sec.rate {
        Some(limit) => limit
            .take(client, clock::now_ms())
            .map_err(ApiError::TooManyRequests),
        None => Ok(()),
    };
    // Clients count as who they proved to be, else by address. A session cookie not
    // yet checked pays from its address's bucket before the lookup, so made-up cookies
    // buy neither buckets nor free database queries.
    let who = match sec.access.quick(req.headers()) {
        Some(who) => {
            let client = match &who {
                access::Who::Session { hash, .. } => rate::Client::Session(hash.clone()),
                access::Who::Token(i) => rate::Client::Token(*i),
                access::Who::Anyone | access::Who::Nobody => address,
            };
            if let Err(refused) = limit(&client) {
                return refused.into_response();
            }
            who
        }
        None => {
            if let Err(refused) = limit(&address) {
                return refused.into_response();
            }
            sec.access.look_up(&state.store, req.headers()).await
        }
    };
    if who == access::Who::Nobody && !open_route(req.uri().path()) {
        return ApiError::Unauthorized(
            "sign in first: POST /api/v1/session with an access token, or send Authorization: Bearer TOKEN".into(),
        )
        .into_response();
    }
    // Creates record the token's name.
    req.extensions_mut().insert(sec.access.person(&who));
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
