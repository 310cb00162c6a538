//! Where this copy of the app lives and which BFF it talks to, learnt at start-up so one
//! `dist/` build serves every deployment: the path prefix from index.html's first
//! script (`window.__omniBase`, also set as `<base href>` for the assets), and the rest
//! from `config.json` beside index.html (absent: the BFF is this origin's root).

use serde::Deserialize;
use std::sync::OnceLock;

/// `config.json`. Every field is optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct Deployment {
    /// Where the BFF's `/api` and `/kling` routes are, ending in `/`: `/` (this origin),
    /// a path such as `/bff/` that a proxy forwards to omni-bff.
    pub api_base: String,
    /// Origins of pages that may embed the studio, receive its task events and send it
    /// commands, e.g. `https://ops.example.com`.
    pub embed_origins: Vec<String>,
    /// Always run embedded (no own navigation), as `?embed=1` does.
    pub embed: bool,
    /// Whether the API needs a sign-in, when the BFF that serves the page says so
    /// (`Some(false)`: the studio shows at once, without asking for a session first).
    pub access_required: Option<bool>,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            api_base: "/".into(),
            embed_origins: Vec::new(),
            embed: false,
            access_required: None,
        }
    }
}

static DEPLOYMENT: OnceLock<Deployment> = OnceLock::new();

/// The text of the JSON data block `id` that omni-bff wrote into the page it serves
/// (`<script type=application/json id=...>`), if there is one.
pub fn page_data(id: &str) -> Option<String> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .text_content()
}

/// Reads `config.json` (once, before the app mounts): from the page when omni-bff wrote
/// it there (no request before the app can start), else from the file beside
/// index.html. A missing or unreadable file leaves the defaults (a static host without
/// one answers 404).
pub async fn load() {
    let url = format!("{}config.json", base_path());
    let inline = page_data("omni-deployment");
    let read = async {
        let text = match inline {
            Some(text) => text,
            None => {
                let resp = gloo_net::http::Request::get(&url).send().await.ok()?;
                if !resp.ok() {
                    return None;
                }
                resp.text().await.ok()?
            }
        };
        match serde_json::from_str::<Deployment>(&text) {
            Ok(r) => Some(r),
            Err(e) => {
                web_sys::console::warn_1(&format!("{url} ignored: {e}").into());
                None
            }
        }
    };
    let mut deployment = read.await.unwrap_or_default();
    if !deployment.api_base.ends_with('/') {
        deployment.api_base.push('/');
    }
    // Task messages go to exactly these origins: `*` (any page that frames the studio)
    // or anything that is not an origin would hand them to whoever embeds it.
    deployment.embed_origins.retain(|o| {
        let ok = is_origin(o);
        if !ok {
            web_sys::console::warn_1(
                &format!("config.json: embed_origins {o:?} ignored: not an origin like https://ops.example.com").into(),
            );
        }
        ok
    });
    let _ = DEPLOYMENT.set(deployment);
}

/// `https://host[:port]`: a scheme, a host, nothing after, never `*`.
pub fn is_origin(o: &str) -> bool {
    let Some((scheme, host)) = o.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The settings in force.
pub fn get() -> &'static Deployment {
    DEPLOYMENT.get_or_init(Deployment::default)
}

/// The path the app is served under, with its final `/`: `/`, or `/tools/studio/`.
pub fn base_path() -> String {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__omniBase".into()).ok())
        .and_then(|v| v.as_string())
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && b.ends_with('/'))
        .unwrap_or_else(|| "/".into())
}

/// The router's base: the path prefix without its final `/` (empty at the root).
pub fn router_base() -> String {
    base_path().trim_end_matches('/').to_owned()
}

/// A page of the app (`/image`, `/tasks/ID`) as an address under the app's prefix.
pub fn page(path: &str) -> String {
    format!("{}{path}", router_base())
}

/// A BFF route (`/api/v1/...`, `/kling/v1/...`, or a link the BFF returned) under the
/// configured API base.
pub fn api(path: &str) -> String {
    join(&get().api_base, path)
}

/// An address for another window: this origin, and a BFF link under the API base.
pub fn absolute(url: &str) -> String {
    let path = if url.starts_with("/api/") || url.starts_with("/kling/") {
        api(url)
    } else {
        url.to_owned()
    };
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .map_or_else(|| path.clone(), |o| format!("{o}{path}"))
}

fn join(base: &str, path: &str) -> String {
    format!("{base}{}", path.trim_start_matches('/'))
}
