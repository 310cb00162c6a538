//! Protocol faults on a fraction of upstream calls (`--sim-faults`, `POST /sim/faults`),
//! in every way the real service or the network can fail: 5xx, 429 / 1303, an answer
//! that never comes, malformed JSON and a dropped connection. The last three happen
//! *after* the call was carried out, so a create may have made its task while the
//! caller learns nothing: the case that makes or breaks idempotent creates.

use super::{dropped_connection, error, Sim};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use omni_api::codes;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Longer than any of the BFF's upstream time-outs (the longest, a create's, is 120 s).
const HANG: Duration = Duration::from_secs(130);

/// One way a call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// 500 with code 5000, before anything happened.
    ServerError,
    /// 503 with code 5001 (maintenance), before anything happened.
    Unavailable,
    /// 429 with code 1303 (concurrency limit), before anything happened.
    TooMany,
    /// Done, but the answer comes after the caller has given up.
    Hang,
    /// Done, but the answer is cut-off JSON.
    Malformed,
    /// Done, but the connection drops before the answer.
    Dropped,
}

const ALL: [Fault; 6] = [
    Fault::ServerError,
    Fault::Unavailable,
    Fault::TooMany,
    Fault::Hang,
    Fault::Malformed,
    Fault::Dropped,
];

/// Picks a fault for this call, or none, at the simulator's current rate.
fn roll(rate: f64) -> Option<Fault> {
    if rate <= 0.0 {
        return None;
    }
    let r = crate::clock::jitter_u64();
    let hit = (r % 1_000_000) as f64 / 1_000_000.0 < rate;
    hit.then(|| ALL[((r / 1_000_000) % ALL.len() as u64) as usize])
}

/// The middleware: only the upstream API (`/v1/...`) is faulty, never `/sim/...`.
pub async fn layer(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let rate = f64::from_bits(sim.fault_rate.load(Ordering::Relaxed));
    let fault = match roll(rate) {
        Some(f) if req.uri().path().starts_with("/v1/") => f,
        _ => return next.run(req).await,
    };
    super::lock(&sim.stats).faults += 1;
    match fault {
        Fault::ServerError => error(codes::INTERNAL),
        Fault::Unavailable => error(codes::MAINTENANCE),
        Fault::TooMany => error(codes::CONCURRENCY),
        Fault::Hang => {
            let answer = next.run(req).await;
            tokio::time::sleep(HANG).await;
            answer
        }
        Fault::Malformed => {
            let _ = next.run(req).await;
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from(r#"{"code":0,"message":"SUCCEED","data":{"task_id":"#),
            )
                .into_response()
        }
        Fault::Dropped => {
            let _ = next.run(req).await;
            dropped_connection()
        }
    }
}

/// `POST /sim/faults?rate=0.2`: changes the fault rate while running.
pub async fn set(
    State(sim): State<Arc<Sim>>,
    axum::extract::Query(q): axum::extract::Query<RateQuery>,
) -> Response {
    if !(0.0..=1.0).contains(&q.rate) {
        return (StatusCode::BAD_REQUEST, "rate must be from 0 to 1").into_response();
    }
    sim.fault_rate.store(q.rate.to_bits(), Ordering::Relaxed);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(serde::Deserialize)]
pub struct RateQuery {
    rate: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_fault_comes_up_at_about_the_rate() {
        let mut seen = std::collections::HashSet::new();
        let mut hits = 0;
        for _ in 0..20_000 {
            if let Some(f) = roll(0.2) {
                hits += 1;
                seen.insert(format!("{f:?}"));
            }
        }
        assert_eq!(seen.len(), ALL.len());
        assert!((3_000..5_000).contains(&hits), "{hits} of 20000 at 20%");
        assert_eq!(roll(0.0), None);
    }
}
