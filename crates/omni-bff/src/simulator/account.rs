//! `GET /account/costs`: the account's resource packs, as the official service lists
//! them. The simulator's account holds one pack, charged for every task it finished.

use super::{envelope, error, lock, Shared};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use omni_api::codes;
use omni_api::spend::Units;
use std::collections::HashMap;

/// The simulated pack's size, in units.
const PACK_UNITS: i64 = 1000;

pub(super) async fn costs(
    State(sim): Shared,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = sim.check_auth(&headers) {
        return error(code);
    }
    // Both bounds are required, in milliseconds, as documented.
    let bound = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok());
    let (Some(start), Some(end)) = (bound("start_time"), bound("end_time")) else {
        return error(codes::INVALID_PARAMS);
    };
    if start > end {
        return error(codes::INVALID_PARAMS);
    }
    let used: i64 = lock(&sim.tasks)
        .values()
        .filter_map(|t| t.task.final_unit_deduction.as_deref())
        .filter_map(Units::parse)
        .map(|u| u.0)
        .sum();
    let remaining = (Units(PACK_UNITS * 1_000_000 - used).as_f64()).max(0.0);
    envelope(
        200,
        0,
        "SUCCEED",
        Some(serde_json::json!({
            "code": 0,
            "msg": "SUCCEED",
            "resource_pack_subscribe_infos": [{
                "resource_pack_name": "Simulated video pack",
                "resource_pack_id": "sim-pack-1",
                "resource_pack_type": "decreasing_total",
                "total_quantity": PACK_UNITS as f64,
                "remaining_quantity": remaining,
                "purchase_time": 0,
                "effective_time": 0,
                "invalid_time": 4_102_444_800_000i64,
                "status": if remaining > 0.0 { "online" } else { "runOut" },
            }],
        })),
    )
}
