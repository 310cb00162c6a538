//! The front door: every request passes [`door`] (its id and log line, the security
//! checks, the security headers), either from the router's one middleware or, for the
//! most common request of all, before the router.
//!
//! A browser following a task polls `GET /api/v1/tasks/{id}`; once the task has ended,
//! its answer is kept in memory ([`crate::answers`]) and the read is a map lookup. Routed
//! through axum, such a read cost 31,500 instructions (callgrind), two thirds of them
//! the router, its layers and extractors; hyper alone answering from the map cost 12,600,
//! nginx serving the same JSON 11,400. So [`Studio`] answers a kept read itself, through
//! the same [`door`], and hands everything else (a task not kept, any other query, any
//! other route) to the router, which answers it exactly as before.
//!
//! Connections are served on lanes (`crate::lanes`): a kept read is answered on its
//! connection's lane; the router's requests, which wait on the store and the upstream or
//! parse large bodies, run on the shared runtime. Before hyper reads a connection at
//! all, `crate::quick` answers its kept reads from their heads ([`Studio`] is its
//! [`Quick`]), through the same door, until the first request that is not one.

use crate::answers::{Answer, IfNoneMatch};
use crate::quick::Quick;
use crate::request_log;
use crate::security;
use crate::AppState;
use axum::http::{header, Method, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::future::BoxFuture;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The route template of a task read, as the router names it in logs and metrics.
pub const READ_ROUTE: &str = "/api/v1/tasks/{id}";

/// What every request goes through, whoever routed it: its id and log line under
/// `route`, the host check and (for the API) the guard, then `inner`, and the security
/// headers on whatever the answer is.
pub async fn door<B, F>(
    state: &AppState,
    route: &str,
    req: Request<B>,
    inner: impl FnOnce(Request<B>) -> F,
) -> Response
where
    F: Future<Output = Response>,
{
    request_log::logged(route, req, |req| async move {
        let mut resp = match security::admit(state, req).await {
            Ok(req) => inner(req).await,
            Err(refused) => refused.into_response(),
        };
        security::set_headers(state, resp.headers_mut());
        resp
    })
    .await
}

/// The BFF's service: kept task reads answered at the door, the rest by the router.
#[derive(Clone)]
pub struct Studio {
    state: Arc<AppState>,
    router: Router,
    /// Where the router's requests run: the runtime the studio was made on.
    shared: tokio::runtime::Handle,
}

impl Studio {
    /// Made inside the runtime that is to run the router's requests.
    pub fn new(state: Arc<AppState>, router: Router) -> Studio {
        Studio {
            state,
            router,
            shared: tokio::runtime::Handle::current(),
        }
    }
}

/// The kept answer `req` asks for, when it is a plain task read the router would send to
/// `studio::read` with the request summarised: `GET`, one path segment with nothing to
/// decode, no query but `request=summary`. Anything else is the router's to answer
/// (HEAD, percent-encoded ids, other or invalid parameters, tasks not kept).
fn kept_read<B>(state: &AppState, req: &Request<B>) -> Option<Arc<Answer>> {
    if req.method() != Method::GET {
        return None;
    }
    let id = req.uri().path().strip_prefix("/api/v1/tasks/")?;
    if id.is_empty() || id.contains(['/', '%']) {
        return None;
    }
    if !matches!(req.uri().query(), None | Some("request=summary")) {
        return None;
    }
    state.answers.get(id)
}

impl<B> tower_service::Service<Request<B>> for Studio
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        match kept_read(&self.state, &req) {
            Some(kept) => {
                let answer = read_kept(self.state.clone(), req, kept);
                Box::pin(async move { Ok(answer.await) })
            }
            None => crate::lanes::on_shared(&self.shared, self.router.call(req)),
        }
    }
}

impl Quick for Studio {
    fn take(&self, req: Request<()>) -> Option<impl Future<Output = Response> + Send + 'static> {
        let kept = kept_read(&self.state, &req)?;
        Some(read_kept(self.state.clone(), req, kept))
    }
}

/// A kept read, through the door: a 304 when the client holds its tag.
async fn read_kept<B>(state: Arc<AppState>, req: Request<B>, kept: Arc<Answer>) -> Response {
    door(&state, READ_ROUTE, req, |req| {
        let held = IfNoneMatch(req.headers().get(header::IF_NONE_MATCH).cloned());
        std::future::ready(kept.respond(&held))
    })
    .await
}
