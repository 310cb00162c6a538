//! `dist/` as the browser gets it: the brotli or gzip copy made at build time when the
//! client accepts it (`Vary: Accept-Encoding`), hashed assets cached for a year as
//! immutable (a new build has new names), and index.html (also the answer to every deep
//! link) and config.json revalidated on each visit so a new build is seen at once.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::path::{Path, PathBuf};
use tower_http::services::{ServeDir, ServeFile};

/// A year, the most a cache keeps anything: for files whose name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stored but checked each time (a cheap 304 when unchanged).
const REVALIDATE: &str = "no-cache";

/// The service for `dist`, with deep links answered by its index.html.
pub fn service(dist: &Path) -> Router {
    let root = dist.to_path_buf();
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(move |req, next| {
            cache_headers(root.clone(), req, next)
        }))
}

async fn cache_headers(dist: PathBuf, req: Request, next: Next) -> Response {
    // Immutable only for the file itself: a hashed name under a deep link
    // (`/tasks/main-….css`, asked by a preload scanner before `<base>`) is answered
    // with index.html, which must not be cached under that name.
    let path = req.uri().path();
    let hashed = is_hashed(path)
        && !path.contains("..")
        && tokio::fs::metadata(dist.join(path.trim_start_matches('/')))
            .await
            .is_ok_and(|m| m.is_file());
    let mut resp = next.run(req).await;
    if resp.status().is_success() || resp.status().as_u16() == 304 {
        let policy = if hashed { IMMUTABLE } else { REVALIDATE };
        let h = resp.headers_mut();
        h.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    resp
}

/// Whether the file name carries Trunk's content hash: `NAME-<16 hex digits>` followed
/// by `.` or `_` (`omni-studio-1a2b3c4d5e6f7a8b_bg.wasm`, `main-1a2b3c4d5e6f7a8b.css`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.match_indices('-').any(|(i, _)| {
        let rest = &name[i + 1..];
        rest.len() > 16
            && rest[..16].bytes().all(|b| b.is_ascii_hexdigit())
            && matches!(rest.as_bytes()[16], b'.' | b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        for hashed in [
            "/omni-studio-30c5a5296f6e611d_bg.wasm",
            "/tools/studio/omni-studio-30c5a5296f6e611d.js",
            "/main-cbb3006634e04602.css",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/config.json",
            "/tasks/abc",
            "/tasks/task-0123456789abcdef",
            "/logo-0123456789abcdeg.png",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }
}
