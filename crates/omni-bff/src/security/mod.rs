//! The BFF's defences, applied by the router's one middleware: the host check and the
//! security headers on every answer, and on every API path the cross-site check, the
//! per-client rate limit and the access policy, in that order (a refused request costs
//! as little as possible).

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
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue, Request};
use std::net::{IpAddr, SocketAddr};

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

/// Where the API lives: every path below these is behind the guard, and the router
/// answers unknown ones in the envelope.
pub const API_PREFIXES: [&str; 2] = ["/api", "/kling"];

/// Paths behind the guard: the API prefixes (any path below them, routes or not, so an
/// unknown API path costs a stranger as much as a real one) and the metrics.
fn guarded(path: &str) -> bool {
    let below = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    API_PREFIXES.into_iter().any(below) || path == "/metrics"
}

/// Routes a signed-out browser must reach: the session itself, and the upstream's
/// callbacks (which carry their own per-task secret).
fn open_route(path: &str) -> bool {
    // Uploads are fetched by the upstream, which has no credentials of ours (their
    // names are unguessable and expire).
    path == "/api/v1/session"
        || path.starts_with("/api/v1/callbacks/")
        || path.starts_with("/api/v1/uploads/")
}

/// Whether a request may go on: the host check for everything, then for the API and
/// the metrics the cross-site check, the rate limit and the access policy. Called by
/// the router's one middleware; a refusal is the answer.
pub async fn admit<B>(state: &AppState, req: Request<B>) -> Result<Request<B>, ApiError> {
    let sec = &state.security;
    // Without access tokens, only this machine's names (and the operator's
    // `--allowed-hosts`) are served, so DNS rebinding finds nothing.
    if !sec.access.required() {
        if let Some(why) = sec.hosts.refuse(req.headers()) {
            return Err(ApiError::MisdirectedHost(why));
        }
    }
    if guarded(req.uri().path()) {
        guard(state, req).await
    } else {
        Ok(req)
    }
}

async fn guard<B>(state: &AppState, mut req: Request<B>) -> Result<Request<B>, ApiError> {
    let sec = &state.security;
    if let Some(why) = origin::refuse_cross_site(req.method(), req.headers(), &sec.allowed_origins)
    {
        return Err(ApiError::Forbidden(why));
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
            limit(&client)?;
            who
        }
        None => {
            limit(&address)?;
            sec.access.look_up(&state.store, req.headers()).await
        }
    };
    if who == access::Who::Nobody && !open_route(req.uri().path()) {
        return Err(ApiError::Unauthorized(
            "sign in first: POST /api/v1/session with an access token, or send Authorization: Bearer TOKEN".into(),
        ));
    }
    // Creates record the token's name (none is what the extractor finds without one,
    // so nothing is put in for an unnamed caller: an insert costs every read).
    let person = sec.access.person(&who);
    if person.0.is_some() {
        req.extensions_mut().insert(person);
    }
    Ok(req)
}

/// The security headers, on every answer: a JSON answer is never a page, so it gets the
/// policy that allows nothing ([`headers::DATA_POLICY`]); everything else, the page's.
pub fn set_headers(state: &AppState, h: &mut HeaderMap) {
    let policy = if headers::is_json(h) {
        HeaderValue::from_static(headers::DATA_POLICY)
    } else {
        state.security.csp.value()
    };
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_prefixes_and_the_metrics_are_guarded() {
        for path in [
            "/api",
            "/api/v1/tasks/x",
            "/kling/v1/images/omni-image",
            "/kling",
            "/metrics",
        ] {
            assert!(guarded(path), "{path}");
        }
        for path in [
            "/",
            "/image",
            "/apiary",
            "/klingon/x",
            "/healthz",
            "/config.json",
            "/metrics/x",
        ] {
            assert!(!guarded(path), "{path}");
        }
        assert!(open_route("/api/v1/session") && !open_route("/kling/v1/session"));
    }
}
