//! Cross-site requests may not change anything: a browser on another site could
//! otherwise make a signed-in user's browser create tasks or delete elements. Browsers
//! say where a request comes from (Sec-Fetch-Site, Origin); clients that are not
//! browsers (SDKs, curl, the upstream's callbacks) send neither and are judged by the
//! access policy alone.

use axum::http::{header, HeaderMap, Method};

/// Why a request is refused, or `None` when it may go on. `allowed` are extra origins
/// (e.g. a static host on the same site) whose requests are accepted.
pub fn refuse_cross_site(
    method: &Method,
    headers: &HeaderMap,
    allowed: &[String],
) -> Option<String> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let origin = text(header::ORIGIN.as_str());
    if origin.is_some_and(|o| allowed.iter().any(|a| a == o)) {
        return None;
    }
    if let Some(site) = text("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Some(format!("a {site} request may not change anything here"));
        }
    }
    if let Some(origin) = origin {
        let host = text(header::HOST.as_str()).unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin == "null" || origin_host != host {
            return Some(format!(
                "requests from {origin} may not change anything here"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        let post = Method::POST;
        let ok = [
            headers(&[]),
            headers(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
            ]),
            headers(&[("sec-fetch-site", "none")]),
            headers(&[
                ("origin", "http://studio.example.com"),
                ("host", "studio.example.com"),
            ]),
        ];
        for h in ok {
            assert_eq!(refuse_cross_site(&post, &h, &[]), None, "{h:?}");
        }
    }

    #[test]
    fn cross_site_writes_are_refused_and_reads_are_not() {
        let evil = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(refuse_cross_site(&Method::POST, &evil, &[]).is_some());
        assert!(refuse_cross_site(&Method::DELETE, &evil, &[]).is_some());
        assert_eq!(refuse_cross_site(&Method::GET, &evil, &[]), None);
        // An old browser without Sec-Fetch-Site: the Origin decides.
        let old = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(refuse_cross_site(&Method::POST, &old, &[]).is_some());
        let null = headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]);
        assert!(refuse_cross_site(&Method::POST, &null, &[]).is_some());
        // Unless that origin is on the allow-list.
        let allowed = ["https://evil.example".to_owned()];
        assert_eq!(refuse_cross_site(&Method::POST, &evil, &allowed), None);
    }
}
