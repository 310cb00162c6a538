//! `dist/` as the browser gets it: the brotli or gzip copy made at build time when the
//! client accepts it (`Vary: Accept-Encoding`), hashed assets cached for a year as
//! immutable (a new build has new names), and index.html (also the answer to every deep
//! link) and config.json revalidated on each visit so a new build is seen at once.
//!
//! index.html goes out with a `<base href>` before its first asset: Chromium's preload
//! scanner reads ahead of the page's own script (which works the base out for static
//! hosts), so without it a deep link such as `/tasks/ID` fetches `/tasks/main-….css`
//! first. The base is the path of `--public-url` (a BFF behind a prefix), else `/`.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tower_http::services::ServeDir;

/// A year, the most a cache keeps anything: for files whose name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stored but checked each time (a cheap 304 when unchanged).
const REVALIDATE: &str = "no-cache";

/// The service for `state.dist`, with deep links answered by its index.html.
pub fn service(state: &Arc<AppState>) -> Router {
    let page = Arc::new(IndexPage::default());
    let index = {
        let state = state.clone();
        move |headers: HeaderMap| {
            let (state, page) = (state.clone(), page.clone());
            async move { page.serve(&state, accepts_gzip(&headers)).await }
        }
    };
    let files = ServeDir::new(&state.dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index.clone().into_service());
    Router::new()
        .route("/", get(index.clone()))
        .route("/index.html", get(index))
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers))
}

/// When index.html and config.json were last changed (`None`: absent).
type Stamp = (Option<SystemTime>, Option<SystemTime>);

/// index.html as served (with its `<base href>` and config.json), made once and made
/// again only when either file changes on disk (a new build, an edited config.json).
#[derive(Default)]
struct IndexPage {
    built: Mutex<Option<(Stamp, Built)>>,
}

/// The page, and its gzip copy: unlike the other files it is made at run time, so the
/// `.br`/`.gz` copies the build wrote are of another text (without the `<base>` and the
/// configuration written in), and it went out uncompressed (11 KB, 3.3 KB gzipped).
#[derive(Clone)]
struct Built {
    page: Bytes,
    gzip: Option<Bytes>,
}

impl Built {
    fn new(page: Bytes) -> Built {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Compressing into memory does not fail; if it did, the page goes out plain.
        let gzip = gz
            .write_all(&page)
            .and_then(|()| gz.finish())
            .map(Bytes::from)
            .ok();
        Built { page, gzip }
    }

    fn response(self, gzip: bool) -> Response {
        match self.gzip {
            Some(packed) if gzip => {
                let mut resp = html(packed);
                resp.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                resp
            }
            _ => html(self.page),
        }
    }
}

/// Whether the client takes gzip (`Accept-Encoding`, a `q=0` refusing it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

impl IndexPage {
    async fn serve(&self, state: &AppState, gzip: bool) -> Response {
        let modified = |name: &str| {
            let path = state.dist.join(name);
            async move {
                tokio::fs::metadata(path)
                    .await
                    .and_then(|m| m.modified())
                    .ok()
            }
        };
        let stamp = (modified("index.html").await, modified("config.json").await);
        let kept = self
            .built
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(at, _)| *at == stamp)
            .map(|(_, built)| built.clone());
        if let Some(built) = kept {
            return built.response(gzip);
        }
        let Ok(page) = tokio::fs::read_to_string(state.dist.join("index.html")).await else {
            return (
                axum::http::StatusCode::NOT_FOUND,
                "no index.html: build the app with `cargo xtask run`",
            )
                .into_response();
        };
        // The scripts this page carries are the ones the policy allows, from now on.
        state.security.csp.update(&page);
        let base = state.public_url().map_or("/", path_of);
        let deployment = super::app_config::deployment(state).await;
        // The stamp already says whether dist/ has a config.json.
        let studio = inline_config(state, stamp.1.is_some());
        let page = Bytes::from(with_head(&page, base, &deployment, studio.as_deref()));
        let built = Built::new(page);
        *self.built.lock().unwrap_or_else(|p| p.into_inner()) = Some((stamp, built.clone()));
        built.response(gzip)
    }
}

/// index.html, also under a deep link's address: checked on every visit, never kept as
/// immutable (not even under `/tasks/main-….css`, a preload scanner's wrong guess).
fn html(page: Bytes) -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static(REVALIDATE)),
        ],
        page,
    )
        .into_response()
}

/// The path of an absolute URL, ending in `/` (`https://h/tools/studio` -> `/tools/studio/`).
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) if rest[i..].ends_with('/') => &rest[i..],
        // Not ending in `/` (or no path): the root, rather than guess.
        _ => "/",
    }
}

/// The studio configuration (`GET /api/v1/config`'s data) to write into the page, where
/// anyone may read it and it is the API's own: when the API needs no sign-in (it names
/// the people with access), and when no config.json in `dist/` sends the app to another
/// BFF. The app then starts with the catalog in force instead of the built-in one, and
/// does not ask for it (`src/studio_config.rs`).
fn inline_config(state: &AppState, operator_config_json: bool) -> Option<Vec<u8>> {
    if state.security.access.required() || operator_config_json {
        return None;
    }
    serde_json::to_vec(&super::studio::studio_config(state)).ok()
}

/// `page` with `<base href="base">`, config.json (`deployment`) and the studio
/// configuration when given (`studio`), as JSON data blocks the app reads instead of
/// fetching them, before its first script or link (where a page already has a
/// `<base>`, or has neither, it is left as it is).
fn with_head(page: &str, base: &str, deployment: &[u8], studio: Option<&[u8]>) -> String {
    let lower = page.to_ascii_lowercase();
    let first = [lower.find("<script"), lower.find("<link")]
        .into_iter()
        .flatten()
        .min();
    match first {
        Some(at) if !lower.contains("<base") => {
            let escaped = base.replace('&', "&amp;").replace('"', "&quot;");
            let data = json_data(deployment).unwrap_or_else(|| "{}".into());
            let studio = studio
                .and_then(json_data)
                .map(|data| {
                    format!("<script type=\"application/json\" id=\"omni-config\">{data}</script>")
                })
                .unwrap_or_default();
            format!(
                "{}<base href=\"{escaped}\"><script type=\"application/json\" id=\"omni-deployment\">{data}</script>{studio}{}",
                &page[..at],
                &page[at..]
            )
        }
        _ => page.to_owned(),
    }
}

/// `json` for a data block: valid JSON only, and `</` escaped so the data cannot close
/// its element.
fn json_data(json: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(json)
        .ok()
        .map(|v| v.to_string().replace("</", "<\\/"))
}

/// Files keep what their handler said (index.html says no-cache); any other file is
/// immutable when its name carries its content's hash, else checked on every visit.
async fn cache_headers(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    if resp.status().is_success() || resp.status().as_u16() == 304 {
        let h = resp.headers_mut();
        if !h.contains_key(CACHE_CONTROL) {
            let policy = if hashed { IMMUTABLE } else { REVALIDATE };
            h.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        }
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
    use super::{accepts_gzip, is_hashed, path_of, with_head};

    fn with_base(page: &str, base: &str) -> String {
        with_head(page, base, b"{}", None)
    }

    #[test]
    fn config_json_goes_in_as_inert_data() {
        let page = "<title>x</title><script>s()</script>";
        let out = with_head(
            page,
            "/",
            br#"{"api_base":"/bff/","x":"</script><script>alert(1)"}"#,
            None,
        );
        assert!(out.contains(r#"<script type="application/json" id="omni-deployment">{"api_base":"/bff/","x":"<\/script><script>alert(1)"}</script><script>s()"#), "{out}");
        assert!(with_head(page, "/", b"not json", None).contains(">{}</script>"));
        assert!(!out.contains("omni-config"), "{out}");
    }

    #[test]
    fn the_studio_configuration_follows_config_json_as_inert_data() {
        let page = "<title>x</title><script>s()</script>";
        let out = with_head(
            page,
            "/",
            b"{}",
            Some(br#"{"catalog":{"note":"</script><script>alert(1)"}}"#),
        );
        assert!(out.contains(r#"id="omni-deployment">{}</script><script type="application/json" id="omni-config">{"catalog":{"note":"<\/script><script>alert(1)"}}</script><script>s()"#), "{out}");
        // Not JSON: left out, so the app asks for it as before.
        let out = with_head(page, "/", b"{}", Some(b"not json"));
        assert!(!out.contains("omni-config"), "{out}");
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let asked = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(axum::http::header::ACCEPT_ENCODING, value.parse().unwrap());
            accepts_gzip(&headers)
        };
        assert!(asked("gzip, deflate, br, zstd"));
        assert!(asked("br;q=1.0, GZIP;q=0.5"));
        assert!(asked("*"));
        assert!(!asked("br"));
        assert!(!asked("gzip;q=0, br"));
        assert!(!asked("gzip; q=0.0"));
        assert!(!accepts_gzip(&axum::http::HeaderMap::new()));
    }

    #[test]
    fn the_base_comes_before_the_first_asset() {
        let page = "<!doctype html><meta charset=utf-8><title>x</title><script>s()</script><link href=./a.css rel=stylesheet>";
        let out = with_base(page, "/");
        assert!(
            out.contains("<title>x</title><base href=\"/\"><script type=\"application/json\""),
            "{out}"
        );
        assert_eq!(with_base(&out, "/other/"), out, "one base only");
        assert_eq!(
            path_of("https://studio.example.com/tools/studio/"),
            "/tools/studio/"
        );
        assert_eq!(path_of("http://127.0.0.1:8080"), "/");
        assert_eq!(path_of("https://h/x\"y/"), "/x\"y/");
        assert!(with_base(page, "/x\"y/").contains("<base href=\"/x&quot;y/\">"));
    }

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
