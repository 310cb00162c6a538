//! The studio's own routes under `/api/v1`: the all-in-one create, tasks of every kind in
//! one shape (with their request), history, and the app's configuration.

use super::params::{choice_param, int_param};
use super::{ok, ok_with};
use crate::answers::{Answer, IfNoneMatch};
use crate::config::UnknownFields;
use crate::error::ApiError;
use crate::routes::body::JsonBody;
use crate::routes::idempotency::IdempotencyKey;
use crate::security::access::Person;
use crate::store::HistoryQuery;
use crate::tasks::{Outgoing, RequestPart};
use crate::{media, AppState};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use omni_api::all_in_one::AioRequest;
use omni_api::json::Reader;
use omni_api::{
    Problem, TaskKind, TaskPage, TaskStatus, UpstreamRequest, Violations, Warning, WarningRule,
};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// Largest history page.
pub const MAX_PAGE: i64 = 100;

/// `POST /api/v1/images/generations`: the all-in-one body, mapped onto its upstream kind.
#[utoipa::path(post, operation_id = "create_all_in_one", path = "/api/v1/images/generations", tag = "studio", summary = "All-in-one create: one body for every kind",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = omni_api::all_in_one::AioRequest,
    responses((status = 200, body = omni_api::Envelope<omni_api::Task>), (status = 409, body = omni_api::ErrorBody), crate::routes::openapi::Errors))
]
pub async fn create_aio(
    State(state): Shared,
    IdempotencyKey(key): IdempotencyKey,
    by: Person,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (upstream, mut warnings) = check_aio(&state, &body)?;
    // The request holds everything now; a body of base64 images is large.
    drop(body);
    let kind = upstream.kind();
    warnings.extend(super::kling::deprecation(
        &state.catalog,
        kind,
        upstream.model_name(),
    ));
    let created_by = by.0.clone();
    let created =
        crate::creates::create(&state, Outgoing::typed(&upstream), key.as_deref(), by).await?;
    // The request is not echoed: it can be 130 MB of images the client already has.
    Ok(ok_with(&created.studio(kind, created_by), warnings))
}

/// Every rule of an all-in-one body and the unknown-field policy; the upstream request
/// it maps onto, and warnings for what it cannot carry on.
fn check_aio(
    state: &AppState,
    body: &serde_json::Value,
) -> Result<(UpstreamRequest, Vec<Warning>), ApiError> {
    let mut v = Violations::default();
    let Some(r) = Reader::root(body, &mut v) else {
        return Err(ApiError::Invalid(v));
    };
    let req = AioRequest::read(&r, &mut v);
    let unknown = r.unread(body);
    v.extend_new_fields(req.validate(&state.catalog));
    if state.unknown_fields == UnknownFields::Reject {
        for field in &unknown {
            v.push(field.clone(), Problem::UnknownField);
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    // This route's body maps onto another kind's: what it does not model cannot go on.
    let warnings = unknown
        .into_iter()
        .map(|field| Warning {
            field,
            rule: WarningRule::NotForwarded,
            message: "the all-in-one route does not model this field, so it was not sent; \
                      use the /kling routes to send it"
                .into(),
        })
        .collect();
    Ok((req.to_upstream(&state.catalog), warnings))
}

/// `GET /api/v1/tasks/{id}?request=full`: any kind, its request summarised to its prompt
/// unless asked for in full; a weak ETag of the task's state (the same for both), so an
/// unchanged poll is a 304. A finished task's answer is made once and kept in memory.
#[utoipa::path(get, operation_id = "read_studio_task", path = "/api/v1/tasks/{id}", tag = "studio", summary = "Any task, with its request; result URLs point at copies",
    params(("id" = String, Path, description = "task_id or external_task_id"),
           ("request" = Option<String>, Query, description = "`full`: the request as sent; else (`summary`) only its prompt")),
    responses((status = 200, body = omni_api::Envelope<omni_api::StudioTask>), (status = 304, description = "Unchanged since If-None-Match"), crate::routes::openapi::Errors))
]
pub async fn read(
    State(state): Shared,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    held: IfNoneMatch,
) -> Result<Response, ApiError> {
    let part = request_part(&q)?;
    if part == RequestPart::Summary {
        if let Some(kept) = state.answers.get(&id) {
            return Ok(kept.respond(&held));
        }
    }
    let mut task = crate::tasks::read(&state, &id, part).await?;
    let settled = media::rewrite_stored(&state, &mut task.task).await;
    let data = serde_json::to_vec(&task).map_err(ApiError::internal)?;
    let task_state = serde_json::to_vec(&task.task).map_err(ApiError::internal)?;
    let answer = Arc::new(Answer::new(task.task.task_id.as_str(), data, &task_state));
    if part == RequestPart::Summary && settled && task.task.task_status.is_terminal() {
        state.answers.put(&id, answer.clone());
    }
    Ok(answer.respond(&held))
}

fn request_part(q: &HashMap<String, String>) -> Result<RequestPart, ApiError> {
    let mut v = Violations::default();
    let part = choice_param(q, "request", &mut v);
    v.into_result().map_err(ApiError::Invalid)?;
    Ok(part.unwrap_or(RequestPart::Summary))
}

/// `GET /api/v1/tasks?kind=&status=&q=&person=&limit=&cursor=`: history, newest first.
#[utoipa::path(get, operation_id = "history", path = "/api/v1/tasks", tag = "studio", summary = "History, newest first; requests summarised to their prompt",
    params(("kind" = Option<omni_api::TaskKind>, Query), ("status" = Option<omni_api::TaskStatus>, Query), ("q" = Option<String>, Query, description = "prompt contains"),
           ("person" = Option<String>, Query, description = "made with access tokens of this name"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 100), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = omni_api::Envelope<omni_api::TaskPage>), crate::routes::openapi::Errors))
]
pub async fn history(
    State(state): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let mut v = Violations::default();
    let kind = choice_param::<TaskKind>(&q, "kind", &mut v);
    let status = choice_param::<TaskStatus>(&q, "status", &mut v);
    let limit = int_param(&q, "limit", 20, 1, MAX_PAGE, &mut v);
    let before = q.get("cursor").filter(|c| !c.is_empty()).and_then(|c| {
        let decoded = decode_cursor(c);
        if decoded.is_none() {
            v.push("cursor", Problem::NotACursor);
        }
        decoded
    });
    v.into_result().map_err(ApiError::Invalid)?;
    let text = |key: &str| {
        q.get(key)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let (search, created_by) = (text("q"), text("person"));
    let (search_rows, person_rows) = (search.clone(), created_by.clone());
    // One extra row tells whether there is a next page.
    let mut rows = state
        .store
        .history(&HistoryQuery {
            kind,
            status,
            search: search_rows,
            created_by: person_rows,
            before,
            limit: limit as u32 + 1,
            offset: 0,
        })
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| encode_cursor(r.task.task.created_at, r.task.task.task_id.as_str()))
        })
        .flatten();
    let mut tasks = Vec::with_capacity(rows.len());
    // The first page starts with the creates the upstream does not have yet (waiting in
    // the queue or being sent): newer than any task, and `submitted`.
    if q.get("cursor").is_none_or(|c| c.is_empty())
        && status.is_none_or(|s| s == TaskStatus::Submitted)
    {
        let text = search.as_deref().map(str::to_lowercase);
        for w in state.store.queued_all().await? {
            let a = &w.attempt;
            let shown = kind.is_none_or(|k| k == a.kind)
                && created_by
                    .as_ref()
                    .is_none_or(|p| a.created_by.as_ref() == Some(p))
                && text
                    .as_ref()
                    .is_none_or(|t| w.prompt.to_lowercase().contains(t));
            if shown {
                tasks.push(crate::queue::view(&w, None));
            }
        }
    }
    for r in rows {
        let mut t = r.task;
        media::rewrite_stored(&state, &mut t.task).await;
        tasks.push(t);
    }
    Ok(ok(&TaskPage { tasks, next_cursor }))
}

/// `POST /api/v1/tasks/{id}/cancel`: a create still waiting in the queue becomes a
/// failed task ("cancelled before it was sent upstream"); nothing is sent.
#[utoipa::path(post, operation_id = "cancel_task", path = "/api/v1/tasks/{id}/cancel", tag = "studio",
    summary = "Cancel a create that waits in the queue (409 once it is being sent or made)",
    params(("id" = String, Path, description = "the task's id while it waits: its external_task_id")),
    responses((status = 200, body = omni_api::Envelope<omni_api::StudioTask>), (status = 409, body = omni_api::ErrorBody), crate::routes::openapi::Errors))
]
pub async fn cancel(State(state): Shared, Path(id): Path<String>) -> Result<Response, ApiError> {
    let task = crate::creates::cancel(&state, &id).await?;
    Ok(ok(&task))
}

/// `GET /api/v1/config`: what the app needs to render its forms.
#[utoipa::path(get, operation_id = "studio_config", path = "/api/v1/config", tag = "studio", summary = "Upstream mode, limits and the catalog in force",
    responses((status = 200, body = omni_api::Envelope<omni_api::config::StudioConfig>), crate::routes::openapi::Errors))
]
pub async fn config(State(state): Shared) -> Response {
    ok(&studio_config(&state))
}

/// The configuration this BFF serves: fixed for the life of the process (the catalog,
/// the mode, the people and the lanes are read at start), so omni-bff can also write it
/// into the index.html it serves (`static_files`).
pub fn studio_config(state: &AppState) -> omni_api::config::StudioConfig {
    let mut config =
        omni_api::config::StudioConfig::new(state.upstream_kind, (*state.catalog).clone());
    config.local_videos = state.public_url().is_some();
    config.people = state.security.access.people();
    config.concurrency = state.queue.limits();
    config
}

fn encode_cursor(created_at: i64, task_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}:{task_id}"))
}

fn decode_cursor(c: &str) -> Option<(i64, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    let (at, id) = text.split_once(':')?;
    Some((at.parse().ok()?, id.to_owned()))
}
