//! Headless Chromium against the release build: time to interactive and a keystroke.

use super::{cmd_output, Row};
use crate::bff;
use crate::process::cmd;

/// Headless Chromium against the release build: time to interactive (median of 20
/// loads) and one keystroke's validation with a 2500-character prompt and ten images.
pub(super) fn browser(server: &bff::Server, rows: &mut Vec<Row>) -> Result<(), String> {
    crate::tools::ensure_browser()?;
    let out = cmd_output(
        cmd("node")
            .arg("e2e/bench/browser.mjs")
            .env("OMNI_URL", &server.url)
            .env("CHROMIUM", crate::tools::CHROMIUM),
    )?;
    let figure = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or("?")
            .to_owned()
    };
    rows.push(Row {
        area: "browser",
        goal: "median ≤ 150 ms",
        what: "time to interactive, /image, 30 loads: median / p90".into(),
        value: format!("{} / {} ms", figure("tti_median_ms"), figure("tti_p90_ms")),
    });
    rows.push(Row {
        area: "browser",
        goal: "",
        what: "the same form as static HTML (no app), 30 loads alternating with the app's: median; the app's time as a multiple of it".into(),
        value: format!(
            "{} ms; {}x",
            figure("static_tti_median_ms"),
            figure("tti_ratio")
        ),
    });
    rows.push(Row {
        area: "browser",
        goal: "",
        what: "code Chromium compiled before /image was ready (it compiles a function when it first runs): bytes of function bodies, functions; of the main module's"
            .into(),
        value: format!(
            "{} B, {} functions; of {} B, {}",
            figure("startup_code_bytes"),
            figure("startup_functions"),
            figure("main_code_bytes"),
            figure("main_functions")
        ),
    });
    rows.push(Row {
        area: "browser",
        goal: "",
        what: "code the whole visit to /image ran (until the network was quiet, a second more): bytes of function bodies, functions; of the main module's"
            .into(),
        value: format!(
            "{} B, {} functions; of {} B, {}",
            figure("visit_code_bytes"),
            figure("visit_functions"),
            figure("main_code_bytes"),
            figure("main_functions")
        ),
    });
    rows.push(Row {
        area: "browser",
        goal: "median ≤ 2 ms",
        what: "one keystroke validated and shown, 2500-character prompt, 10 images: median / p90"
            .into(),
        value: format!(
            "{} / {} ms",
            figure("keystroke_median_ms"),
            figure("keystroke_p90_ms")
        ),
    });
    for line in out.lines() {
        let Some((route, rest)) = line
            .strip_prefix("route_bytes ")
            .and_then(|l| l.split_once('='))
        else {
            continue;
        };
        let (bytes, files) = rest.split_once(" files=").unwrap_or((rest, "?"));
        rows.push(Row {
            area: "first load by route",
            goal: if route == "/image" { "≤ 150 KB" } else { "" },
            what: format!("a fresh visit to {route}, all it fetches: bytes on the wire (html, css, js, wasm as served), files"),
            value: format!("{bytes}, {files} files"),
        });
    }
    Ok(())
}
