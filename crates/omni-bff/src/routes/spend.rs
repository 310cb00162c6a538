//! `/api/v1/spend` (charged units by day, person and model, as JSON or CSV) and
//! `/api/v1/account` (the upstream account's remaining units).

use super::ok;
use super::params::choice_param;
use crate::error::ApiError;
use crate::store::SpendQuery;
use crate::{clock, AppState};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use omni_api::config::UpstreamKind;
use omni_api::spend::{SpendRange, SpendReport};
use omni_api::{Choice, Violations};
use std::collections::HashMap;
use std::sync::Arc;

/// `GET /api/v1/spend?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=MINUTES&person=NAME&format=csv`.
#[utoipa::path(get, operation_id = "spend", path = "/api/v1/spend", tag = "studio",
    summary = "Charged units summed by day, person and model (JSON, or CSV with format=csv)",
    params(("from" = Option<String>, Query, description = "first day, YYYY-MM-DD [default: 29 days before `to`]"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD [default: today]"),
           ("tz" = Option<i32>, Query, description = "minutes east of UTC the days are counted in [default: 0]"),
           ("person" = Option<String>, Query, description = "only tasks made with access tokens of this name"),
           ("format" = Option<String>, Query, description = "`json` (default) or `csv`")),
    responses((status = 200, body = omni_api::Envelope<omni_api::spend::SpendReport>), crate::routes::openapi::Errors))
]
pub async fn spend(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (query, csv) = read_query(&q)?;
    let rows = state.store.spend(&query).await?;
    let report = SpendReport {
        from: query.from,
        to: query.to,
        offset_minutes: query.offset_minutes,
        rows,
        people: state.security.access.people(),
    };
    if !csv {
        return Ok(ok(&report));
    }
    let name = format!(
        "attachment; filename=\"omni-spend-{}-{}.csv\"",
        report.from, report.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        report.to_csv(),
    )
        .into_response())
}

/// What the report is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

impl Choice for Format {
    const ALL: &'static [Format] = &[Format::Json, Format::Csv];
    fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

/// The report asked for, every parameter checked (all problems named at once).
fn read_query(q: &HashMap<String, String>) -> Result<(SpendQuery, bool), ApiError> {
    let mut v = Violations::default();
    let given = |key: &str| q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty());
    let range = SpendRange::read(
        given("from"),
        given("to"),
        given("tz"),
        clock::now_ms(),
        &mut v,
    );
    let csv = choice_param(q, "format", &mut v) == Some(Format::Csv);
    v.into_result().map_err(ApiError::Invalid)?;
    let query = SpendQuery {
        from: range.from,
        to: range.to,
        offset_minutes: range.offset_minutes,
        created_by: given("person").map(str::to_owned),
    };
    Ok((query, csv))
}

/// `GET /api/v1/account`: remaining units over the account's packs in force.
#[utoipa::path(get, operation_id = "account", path = "/api/v1/account", tag = "studio",
    summary = "The upstream account's remaining resource-pack units (asked at most once a minute)",
    responses((status = 200, body = omni_api::Envelope<omni_api::spend::AccountUnits>), crate::routes::openapi::Errors))
]
pub async fn account(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    if state.upstream_kind == UpstreamKind::Gateway {
        return Err(ApiError::NotFound(
            "account units come from the official service's /account/costs; a gateway does not offer them".into(),
        ));
    }
    let units = state.account.get(&state.upstream).await?;
    Ok(ok(&units))
}
