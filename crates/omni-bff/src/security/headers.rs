//! Security headers on every answer: for pages, a Content-Security-Policy without
//! 'unsafe-inline' for scripts (the WebAssembly needs 'wasm-unsafe-eval'; Trunk's
//! inline loader is allowed by its hash, computed from the index.html being served),
//! nosniff, a strict Referrer-Policy, and frame-ancestors from the configured
//! allow-list. Images and media may come from anywhere: reference images and videos
//! given by URL, and element pictures, live on the upstream's (or the user's) hosts;
//! scripts, styles and connections stay on our own origin. JSON answers are data, not
//! pages: their policy allows nothing.

use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::sync::RwLock;

/// The policy for the index.html being served. The page's server, which notices a new
/// build and reads its text anyway, hands that text here (`update`), so a new build
/// deployed under a running BFF gets its loader's hash at once; every answer takes the
/// policy as it stands, with no file-system call of its own.
pub struct Policy {
    frame_ancestors: Vec<String>,
    current: RwLock<HeaderValue>,
}

impl Policy {
    /// The origins besides the studio's own that may frame it.
    pub fn frame_ancestors(&self) -> &[String] {
        &self.frame_ancestors
    }

    /// The policy for `index_html` (the page as found at start; empty if there is none).
    pub fn new(index_html: &str, frame_ancestors: Vec<String>) -> Policy {
        let policy = Policy {
            frame_ancestors,
            current: RwLock::new(HeaderValue::from_static("default-src 'self'")),
        };
        policy.update(index_html);
        policy
    }

    /// A new index.html is being served: its inline scripts are the ones allowed.
    pub fn update(&self, index_html: &str) {
        let csp = content_security_policy(&inline_script_hashes(index_html), &self.frame_ancestors);
        if let Ok(value) = HeaderValue::from_str(&csp) {
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = value;
        }
    }

    /// The header value, for every answer.
    pub fn value(&self) -> HeaderValue {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The policy of an answer that is data, not a page (OWASP's for REST APIs): if one is
/// ever opened as a document, it may load, run and be framed by nothing. It is also a
/// tenth of the page's policy, which was over a third of a task read's answer (1,179
/// bytes then, 773 now).
pub const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Whether the answer with headers `h` is JSON (`application/json`, any parameters).
pub fn is_json(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE).is_some_and(|t| {
        let t = t.as_bytes();
        t.len() >= 16
            && t[..16].eq_ignore_ascii_case(b"application/json")
            && matches!(t.get(16), None | Some(b';' | b' '))
    })
}

/// The `'sha256-...'` source of every inline `<script>` in an HTML page.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = &after[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            out.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_start[close..];
    }
    out
}

/// The policy for the app and the API. `frame_ancestors` are origins allowed to embed
/// the studio ('self' always is).
pub fn content_security_policy(script_hashes: &[String], frame_ancestors: &[String]) -> String {
    let mut ancestors = vec!["'self'".to_owned()];
    ancestors.extend(frame_ancestors.iter().cloned());
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https: http:; \
         media-src 'self' blob: https: http:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors {ancestors}",
        hashes = script_hashes.join(" "),
        ancestors = ancestors.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<head><script type=module>init()</script><script src=/a.js></script>\
                    <script>\nx\n</script></head>";
        let hashes = inline_script_hashes(html);
        // echo -n 'init()' | openssl dgst -sha256 -binary | base64
        assert_eq!(hashes.len(), 2);
        assert_eq!(
            hashes[0],
            format!("'sha256-{}'", STANDARD.encode(Sha256::digest(b"init()")))
        );
        assert_eq!(
            hashes[1],
            format!("'sha256-{}'", STANDARD.encode(Sha256::digest(b"\nx\n")))
        );
    }

    #[test]
    fn json_is_told_from_other_types() {
        let with = |t: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("Application/JSON"));
        assert!(!with("application/jsonl"));
        assert!(!with("text/html; charset=utf-8"));
        assert!(!with("text/event-stream"));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn the_policy_never_allows_inline_scripts() {
        let csp = content_security_policy(
            &["'sha256-abc'".into()],
            &["https://ops.example.com".into()],
        );
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe-inline") && script.contains("'sha256-abc'"));
        assert!(script.contains("'wasm-unsafe-eval'"));
        assert!(csp.ends_with("frame-ancestors 'self' https://ops.example.com"));
    }
}
