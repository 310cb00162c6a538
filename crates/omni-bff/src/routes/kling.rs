//! The gateway-compatible surface: the official paths under `/kling`, the official
//! bodies and answers, so a Kling client only changes its base URL.

use super::{kind_of, ok, ok_with};
use crate::answers::{Answer, IfNoneMatch};
use crate::config::UnknownFields;
use crate::error::ApiError;
use crate::routes::body::JsonBody;
use crate::routes::idempotency::IdempotencyKey;
use crate::security::access::Person;
use crate::store::HistoryQuery;
use crate::tasks::Outgoing;
use crate::{tasks, AppState};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use omni_api::{Problem, Task, TaskKind, UpstreamRequest, Violations, Warning, WarningRule};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// `POST /kling/v1/{group}/{name}`: validate with omni-api and the catalog in force,
/// forward the client's own object (see `omni_api::forward`), store, answer; fields the
/// catalog does not model go through and are named under `warnings`.
#[utoipa::path(post, operation_id = "create_task", path = "/kling/v1/{group}/{name}", tag = "kling",
    summary = "Create a task (Omni Image, Omni Video, Image Generation, multi-shot)",
    description = "Validated with the catalog's rules, stored, then forwarded as sent (documented mappings only). Fields the catalog does not model are listed under `warnings` (or refused with --unknown-fields reject).",
    params(("group" = String, Path, description = "`images` or `videos`"), ("name" = String, Path, description = "`omni-image`, `generations`, `omni-video` or `multi-image2video`"),
           ("Idempotency-Key" = Option<String>, Header, description = "The same key and request again answer the first task")),
    request_body(content = inline(crate::routes::openapi::KindRequest), description = "The kind's request, as the upstream documents it"),
    responses((status = 200, description = "The task, as the upstream made it", body = omni_api::Envelope<omni_api::Task>), (status = 409, description = "The external_task_id belongs to another request", body = omni_api::ErrorBody), crate::routes::openapi::Errors))
]
pub async fn create(
    State(state): Shared,
    Path((group, name)): Path<(String, String)>,
    IdempotencyKey(key): IdempotencyKey,
    by: Person,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let kind = kind_of(&group, &name)?;
    let (outgoing, warnings) = accept(&state, kind, body)?;
    let created = crate::creates::create(&state, outgoing, key.as_deref(), by).await?;
    Ok(ok_with(&created.task(), warnings))
}

/// Checks a create body of `kind`: every rule, then the unknown-field policy. Answers
/// what to send upstream and the warnings for the client.
pub fn accept(
    state: &AppState,
    kind: TaskKind,
    body: serde_json::Value,
) -> Result<(Outgoing, Vec<Warning>), ApiError> {
    let (parsed, unknown) = UpstreamRequest::parse_tracked(kind, &body, &state.catalog);
    let req = parsed.map_err(ApiError::Invalid)?;
    if state.unknown_fields == UnknownFields::Reject && !unknown.is_empty() {
        let mut v = Violations::default();
        for field in unknown {
            v.push(field, Problem::UnknownField);
        }
        return Err(ApiError::Invalid(v));
    }
    let mut warnings: Vec<Warning> = unknown.into_iter().map(Warning::not_validated).collect();
    warnings.extend(deprecation(&state.catalog, kind, req.model_name()));
    // The typed copy was for checking; what goes upstream is the client's own object.
    drop(req);
    let body = omni_api::forward::upstream_body(kind, body);
    Ok((Outgoing { kind, body }, warnings))
}

/// A warning when the request's model is deprecated in the catalog.
pub fn deprecation(
    catalog: &omni_api::Catalog,
    kind: TaskKind,
    model: Option<&omni_api::ModelName>,
) -> Option<Warning> {
    let spec = catalog.kind(kind)?.spec_for(model)?;
    let (name, note) = (&spec.name, spec.deprecated.as_ref()?);
    Some(Warning {
        field: "model_name".into(),
        rule: WarningRule::Deprecated,
        message: format!("{name} is deprecated (from {}): {}", note.date, note.note),
    })
}

/// `GET /kling/v1/{group}/{name}/{id}`: one task, by task id or external task id.
#[utoipa::path(get, operation_id = "read_task", path = "/kling/v1/{group}/{name}/{id}", tag = "kling", summary = "Read a task by task id or external_task_id",
    params(("group" = String, Path), ("name" = String, Path), ("id" = String, Path, description = "task_id or external_task_id")),
    responses((status = 200, body = omni_api::Envelope<omni_api::Task>), (status = 304, description = "Unchanged since If-None-Match"), crate::routes::openapi::Errors))
]
pub async fn read(
    State(state): Shared,
    Path((group, name, id)): Path<(String, String, String)>,
    held: IfNoneMatch,
) -> Result<Response, ApiError> {
    let kind = kind_of(&group, &name)?;
    let task = tasks::read(&state, &id, tasks::RequestPart::Summary).await?;
    if task.kind != kind {
        return Err(ApiError::NotFound(format!(
            "no {} task with id {id:?}",
            kind.path()
        )));
    }
    let data = serde_json::to_vec(&task.task).map_err(ApiError::internal)?;
    let answer = Answer::new(task.task.task_id.as_str(), data.clone(), &data);
    Ok(answer.respond(&held))
}

/// `GET /kling/v1/{group}/{name}?pageNum=&pageSize=`: this kind's tasks, newest first.
/// The creates still waiting in the queue come first (newer than any made task, and
/// `submitted` under the external id their clients were answered), so a client that
/// lists sees every task it was given; the pages run on through the stored tasks.
#[utoipa::path(get, operation_id = "list_tasks", path = "/kling/v1/{group}/{name}", tag = "kling", summary = "A page of this kind's tasks, newest first (waiting creates first)",
    params(("group" = String, Path), ("name" = String, Path), ("pageNum" = Option<u32>, Query, minimum = 1, maximum = 1000), ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = omni_api::Envelope<Vec<omni_api::Task>>), crate::routes::openapi::Errors))
]
pub async fn list(
    State(state): Shared,
    Path((group, name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&group, &name)?;
    let mut v = Violations::default();
    let page_num = super::params::int_param(&q, "pageNum", 1, 1, 1000, &mut v);
    let page_size = super::params::int_param(&q, "pageSize", 30, 1, 500, &mut v);
    v.into_result().map_err(ApiError::Invalid)?;
    let (offset, size) = ((page_num - 1) * page_size, page_size);
    let all = state.store.queued_all().await?;
    let waiting: Vec<_> = all.iter().filter(|w| w.attempt.kind == kind).collect();
    let waiting_count = waiting.len() as i64;
    let mut page: Vec<Task> = waiting
        .iter()
        .skip(offset as usize)
        .take(size as usize)
        .map(|w| crate::queue::waiting_task(&w.attempt))
        .collect();
    let rest = size - page.len() as i64;
    if rest > 0 {
        let rows = state
            .store
            .history(&HistoryQuery {
                kind: Some(kind),
                limit: rest as u32,
                offset: (offset - waiting_count).max(0) as u32,
                ..Default::default()
            })
            .await?;
        page.extend(rows.into_iter().map(|r| r.task.task));
    }
    Ok(ok(&page))
}
