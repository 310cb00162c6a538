//! Elements, gateway-compatible: create, list and delete the account's own, list the
//! presets. Checked with omni-api, forwarded with the server's credentials.

use super::body::JsonBody;
use super::{ok, ok_with};
use crate::config::UnknownFields;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use omni_api::elements::{CreateElementRequest, DeleteElementRequest, Element};
use omni_api::json::Reader;
use omni_api::{Problem, Violations, Warning};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// `POST /kling/v1/general/custom-elements`
/// Forwards the client's own object, like task creates; unmodelled fields are warned
/// about (or refused with `--unknown-fields reject`).
#[utoipa::path(post, operation_id = "create_element", path = "/kling/v1/general/custom-elements", tag = "kling", summary = "Create an element (subject)",
    request_body = omni_api::elements::CreateElementRequest,
    responses((status = 200, body = omni_api::Envelope<omni_api::elements::Element>), crate::routes::openapi::Errors))
]
pub async fn create(State(state): Shared, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let warnings = check(&state, &body)?;
    let body = omni_api::forward::element_body(body);
    let element: Element = state
        .upstream
        .post("general/custom-elements", &body, false)
        .await?;
    Ok(ok_with(&element, warnings))
}

/// Every rule of an element create, then the unknown-field policy.
fn check(state: &AppState, body: &serde_json::Value) -> Result<Vec<Warning>, ApiError> {
    let mut v = Violations::default();
    let Some(r) = Reader::root(body, &mut v) else {
        return Err(ApiError::Invalid(v));
    };
    let req = CreateElementRequest::read(&r, &mut v);
    v.extend_new_fields(req.validate());
    let unknown = r.unread(body);
    if state.unknown_fields == UnknownFields::Reject {
        for field in &unknown {
            v.push(field.clone(), Problem::UnknownField);
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    Ok(unknown.into_iter().map(Warning::not_validated).collect())
}

/// `GET /kling/v1/general/custom-elements?pageNum=&pageSize=`
#[utoipa::path(get, operation_id = "list_elements", path = "/kling/v1/general/custom-elements", tag = "kling", summary = "Your elements",
    params(("pageNum" = Option<u32>, Query, minimum = 1, maximum = 1000), ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = omni_api::Envelope<Vec<omni_api::elements::Element>>), crate::routes::openapi::Errors))
]
pub async fn list_own(
    State(state): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(&state, "general/custom-elements", &q).await
}

/// `GET /kling/v1/general/presets-elements?pageNum=&pageSize=`
#[utoipa::path(get, operation_id = "list_preset_elements", path = "/kling/v1/general/presets-elements", tag = "kling", summary = "The upstream's preset elements",
    params(("pageNum" = Option<u32>, Query, minimum = 1, maximum = 1000), ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = omni_api::Envelope<Vec<omni_api::elements::Element>>), crate::routes::openapi::Errors))
]
pub async fn list_presets(
    State(state): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(&state, "general/presets-elements", &q).await
}

async fn list(
    state: &AppState,
    path: &str,
    q: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let mut v = Violations::default();
    let page_num = super::params::int_param(q, "pageNum", 1, 1, 1000, &mut v);
    let page_size = super::params::int_param(q, "pageSize", 30, 1, 500, &mut v);
    v.into_result().map_err(ApiError::Invalid)?;
    let elements: Vec<Element> = state
        .upstream
        .read(&format!("{path}?pageNum={page_num}&pageSize={page_size}"))
        .await?;
    Ok(ok(&elements))
}

/// `POST /kling/v1/general/delete-elements` with `{element_id}`.
/// A delete names element ids and nothing else.
pub const DELETE_BODY_LIMIT: usize = 64 * 1024;

#[utoipa::path(post, operation_id = "delete_elements", path = "/kling/v1/general/delete-elements", tag = "kling", summary = "Delete elements",
    request_body = omni_api::elements::DeleteElementRequest,
    responses((status = 200, body = omni_api::Envelope<serde_json::Value>), crate::routes::openapi::Errors))
]
pub async fn delete(
    State(state): Shared,
    JsonBody(body): JsonBody<DELETE_BODY_LIMIT>,
) -> Result<Response, ApiError> {
    let mut v = Violations::default();
    let req = Reader::root(&body, &mut v).and_then(|r| DeleteElementRequest::read(&r, &mut v));
    let Some(req) = req.filter(|_| v.is_empty()) else {
        return Err(ApiError::Invalid(v));
    };
    let body = serde_json::to_value(req).map_err(ApiError::internal)?;
    let answer: serde_json::Value = state
        .upstream
        .post("general/delete-elements", &body, true)
        .await?;
    Ok(ok(&answer))
}
