//! Request deserialisation and validation for every kind: never a panic, and a request
//! that passes reads back to itself from its own JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omni_api::task::{TaskKind, UpstreamRequest};
use omni_api::Choice;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for kind in TaskKind::ALL.iter().copied() {
        if let Ok(req) = UpstreamRequest::parse(kind, &body, omni_api::Catalog::builtin()) {
            let again = UpstreamRequest::parse(kind, &req.to_json(), omni_api::Catalog::builtin())
                .expect("a valid request stays valid after a round trip");
            assert_eq!(again, req);
        }
    }
});
