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

pub async fn alive() -> Response {
    ok(&serde_json::json!({"status": "ok"}))
}

pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let store = match tokio::time::timeout(LIMIT, state.store.ready()).await {
        Ok(Ok(version)) => Ok(format!("ok (schema {version})")),
        Ok(Err(why)) => Err(why),
        Err(_) => Err(format!("no answer within {} s", LIMIT.as_secs())),
    };
    let upstream = format!("{:?}", state.upstream_kind).to_lowercase();
    let body = serde_json::json!({
        "status": if store.is_ok() { "ready" } else { "not ready" },
        "store": store.as_ref().unwrap_or_else(|e| e),
        "upstream": upstream,
    });
    let mut resp = ok(&body);
    if store.is_err() {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    resp.into_response()
}
