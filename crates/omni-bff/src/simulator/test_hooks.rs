//! Routes only tests use: traffic counts, a redirect anywhere, and expiring tasks.

use super::{lock, Shared, Stats};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

pub(super) async fn stats(State(sim): Shared) -> Json<Stats> {
    Json(lock(&sim.stats).clone())
}

/// `GET /sim/redirect?to=URL`: a 302 to anywhere (see `[sim:hostile]`).
pub(super) async fn redirect(Query(q): Query<HashMap<String, String>>) -> Response {
    let to = q.get("to").cloned().unwrap_or_default();
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// `POST /sim/expire[?task_id=ID]`: forgets every finished task (or just that one,
/// finished or not) and its files, as the upstream does 30 days on (reads and file
/// links answer 404).
pub(super) async fn expire(
    State(sim): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let only = q.get("task_id");
    let gone: Vec<String> = {
        let mut tasks = lock(&sim.tasks);
        let gone: Vec<String> = tasks
            .iter()
            .filter(|(id, t)| match only {
                Some(o) => o == *id,
                None => t.task.task_status.is_terminal(),
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &gone {
            tasks.remove(id);
        }
        gone
    };
    lock(&sim.files).retain(|key, _| {
        !gone
            .iter()
            .any(|id| key.split('/').next() == Some(id.as_str()))
    });
    Json(serde_json::json!({ "expired": gone.len() }))
}
