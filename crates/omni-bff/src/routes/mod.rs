//! The router: API routes in the envelope, then the built app with an SPA fallback.

pub mod app_config;
pub mod body;
pub mod callbacks;
pub mod elements;
pub mod events;
pub mod files;
pub mod front;
pub mod health;
pub mod idempotency;
pub mod kling;
pub mod media;
pub mod openapi;
pub mod params;
pub mod session;
pub mod spend;
pub mod static_files;
pub mod studio;
pub mod uploads;

use crate::error::ApiError;
use crate::security;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use omni_api::{Envelope, TaskKind};
use serde::Serialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the BFF. Each API route is registered with its OpenAPI description
/// (`routes!`), so `/api/openapi.json` describes exactly what is served.
pub fn router(state: Arc<AppState>) -> Router {
    let (kling, kling_doc) = OpenApiRouter::new()
        .routes(routes!(elements::list_own, elements::create))
        .routes(routes!(elements::list_presets))
        .routes(routes!(elements::delete))
        .routes(routes!(kling::list, kling::create))
        .routes(routes!(kling::read))
        .split_for_parts();
    let (api, api_doc) = OpenApiRouter::new()
        .routes(routes!(studio::create_aio))
        .routes(routes!(studio::history))
        .routes(routes!(studio::read))
        .routes(routes!(events::stream))
        .routes(routes!(callbacks::receive))
        .routes(routes!(media::serve))
        .routes(routes!(uploads::upload))
        .routes(routes!(uploads::serve))
        .routes(routes!(files::all))
        .routes(routes!(files::one))
        .routes(routes!(studio::config))
        .routes(routes!(studio::cancel))
        .routes(routes!(spend::spend))
        .routes(routes!(spend::account))
        .routes(routes!(
            session::status,
            session::sign_in,
            session::sign_out
        ))
        .split_for_parts();
    let (root, root_doc) = OpenApiRouter::new()
        .routes(routes!(app_config::serve))
        .routes(routes!(health::alive))
        .routes(routes!(health::ready))
        .split_for_parts();
    let (metrics, metrics_doc) = OpenApiRouter::new()
        .routes(routes!(crate::metrics::serve))
        .split_for_parts();
    let mut doc = <openapi::Frame as utoipa::OpenApi>::openapi();
    for part in [root_doc, metrics_doc, kling_doc, api_doc] {
        doc.merge(part);
    }
    doc.paths.paths.insert(
        "/api/openapi.json".into(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .tag("operations")
                .operation_id(Some("openapi"))
                .summary(Some("This document"))
                .response("200", utoipa::openapi::Response::new("OpenAPI 3.1 JSON")),
        ),
    );
    let doc = axum::body::Bytes::from(
        serde_json::to_vec(&openapi::finish(doc, &state.catalog)).unwrap_or_default(),
    );
    // Deep links such as /tasks/abc get index.html; the app's router takes it from there.
    let app = static_files::service(&state);
    // One flat router, every route by its whole path: nested routers rebuilt each
    // request's URI without their prefix and added a layer of services (a tenth of a
    // task read's instructions, measured with callgrind).
    // Unknown paths under the API prefixes answer in the envelope, never HTML.
    let unknown_api = security::API_PREFIXES
        .into_iter()
        .fold(Router::new(), |r, prefix| {
            r.route(prefix, any(no_route))
                .route(&format!("{prefix}/"), any(no_route))
                .route(&format!("{prefix}/{{*rest}}"), any(no_route))
        });
    Router::new()
        .merge(unknown_api)
        .merge(kling)
        .merge(api)
        .merge(root)
        .merge(metrics)
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
            }),
        )
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // No `DefaultBodyLimit` layer: every body is read by `body::JsonBody` or the
        // upload route, each with its own limit, and a layer costs every request.
        .fallback_service(app)
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge))
        .with_state(state)
}

async fn no_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// The router's one middleware (after routing, so the route is known): the front door
/// ([`front::door`]) every request passes. One layer rather than one each: every
/// layer boxes and clones per request (three no-op layers took 30% of a bare route's
/// throughput here; merging ours raised task reads by a sixth).
async fn edge(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    // Set by the router before its middleware runs.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("(app)", MatchedPath::as_str);
    front::door(&state, route, req, |req| next.run(req)).await
}

/// The kind served at `/v1/{group}/{name}`.
pub fn kind_of(group: &str, name: &str) -> Result<TaskKind, ApiError> {
    TaskKind::from_path(&format!("{group}/{name}"))
        .ok_or_else(|| ApiError::NotFound(format!("no such endpoint /v1/{group}/{name}")))
}

/// A 200 answer in the envelope.
pub fn ok<T: Serialize>(data: &T) -> Response {
    ok_with(data, Vec::new())
}

/// A 200 answer in the envelope, with warnings for the client (an accepted create).
pub fn ok_with<T: Serialize>(data: &T, warnings: Vec<omni_api::Warning>) -> Response {
    Json(Envelope {
        code: 0,
        message: "SUCCEED".into(),
        request_id: crate::request_log::current(),
        data: Some(data),
        warnings,
    })
    .into_response()
}
