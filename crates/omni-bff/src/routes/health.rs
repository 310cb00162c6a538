//! `/healthz`: the process answers (for a supervisor's liveness check). `/readyz`: it
//! can do its work: the store answers with the schema this build needs, and an upstream
//! is configured (for a load balancer's readiness check). Both answer within two
//! seconds whatever the database does.

use super::ok;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);

#[utoipa::path(get, operation_id = "healthz", path = "/healthz", tag = "operations", summary = "The process answers",
    responses((status = 200, body = omni_api::Envelope<Health>)))
]
pub async fn alive() -> Response {
    ok(&Health { status: "ok" })
}

/// The process answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Whether this instance can do its work, and why not.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: &'static str,
    /// `ok (schema N)` or what is wrong with the store.
    pub store: String,
    /// `simulate`, `official` or `gateway`.
    pub upstream: String,
}

#[utoipa::path(get, operation_id = "readyz", path = "/readyz", tag = "operations", summary = "The store answers with this build's schema",
    responses((status = 200, body = omni_api::Envelope<Readiness>), (status = 503, body = omni_api::Envelope<Readiness>)))
]
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let store = match tokio::time::timeout(LIMIT, state.store.ready()).await {
        Ok(Ok(version)) => Ok(format!("ok (schema {version})")),
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("no answer within {} s", LIMIT.as_secs())),
    };
    let upstream = format!("{:?}", state.upstream_kind).to_lowercase();
    let body = Readiness {
        status: if store.is_ok() { "ready" } else { "not ready" },
        store: store.clone().unwrap_or_else(|e| e),
        upstream,
    };
    let mut resp = ok(&body);
    if store.is_err() {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    resp.into_response()
}
