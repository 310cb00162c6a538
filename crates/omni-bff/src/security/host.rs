//! DNS rebinding: a web page on `rebind.example` can re-point its own name at 127.0.0.1
//! and then talk to a BFF on loopback as its own origin, so the cross-site check sees a
//! same-origin request. Without access tokens nothing else stands in the way, so then
//! only requests whose `Host` names this machine (or a name the operator listed) are
//! served. Browsers always send the name they resolved; a rebinding page cannot forge it.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The names served without tokens besides loopback ones.
pub struct Hosts {
    allowed: Vec<String>,
}

impl Hosts {
    /// `allowed`: `--allowed-hosts` plus the `--public-url` host (the upstream calls back
    /// there), all lower case.
    pub fn new(mut allowed: Vec<String>, public_url: Option<&str>) -> Hosts {
        if let Some(host) = public_url
            .and_then(|u| u.split_once("://"))
            .map(|(_, rest)| {
                let authority = rest.split('/').next().unwrap_or("");
                name_of(authority).to_ascii_lowercase()
            })
        {
            allowed.push(host);
        }
        Hosts { allowed }
    }

    /// Why a request with these headers is refused, or `None` to serve it.
    pub fn refuse(&self, headers: &HeaderMap) -> Option<String> {
        // HTTP/1.0 clients may send no Host; browsers always do.
        let host = headers.get(axum::http::header::HOST)?;
        let Ok(host) = host.to_str() else {
            return Some("the Host header is not text".into());
        };
        // Compared without case and without a lower-cased copy (every request asks).
        let name = name_of(host);
        if is_loopback_name(name) || self.allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return None;
        }
        let name = name.to_ascii_lowercase();
        Some(format!(
            "this server answers for loopback names only (it has no access tokens), not \
             for {name:?}: open it as http://127.0.0.1 or http://localhost, or start it with \
             --allowed-hosts {name} behind a proxy that authenticates, or with access tokens"
        ))
    }
}

/// The name in a `Host` value, without its port: `[::1]:8080` is `[::1]`.
fn name_of(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    // A byte search: `rsplit_once(':')`'s char searcher was a fifth of this check.
    match host.bytes().rposition(|b| b == b':') {
        Some(colon) => &host[..colon],
        None => host,
    }
}

/// `localhost`, `*.localhost` (RFC 6761), a 127/8 address or `[::1]`, in any case.
fn is_loopback_name(name: &str) -> bool {
    // The names a browser on this machine uses, before parsing (every request asks).
    if name == "127.0.0.1" {
        return true;
    }
    const SUFFIX: &[u8] = b".localhost";
    let bytes = name.as_bytes();
    if name.eq_ignore_ascii_case("localhost")
        || bytes.len() > SUFFIX.len()
            && bytes[bytes.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX)
    {
        return true;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(axum::http::header::HOST, h.parse().unwrap());
        m
    }

    #[test]
    fn loopback_names_and_listed_names_only() {
        let hosts = Hosts::new(
            vec!["studio.internal".into()],
            Some("https://Studio.Example.com/base"),
        );
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "127.9.9.9:1",
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:3000",
            "App.LocalHost:3000",
            "[::1]:8080",
            "studio.internal:8443",
            "Studio.Internal",
            "studio.example.com",
        ] {
            assert_eq!(hosts.refuse(&host(ok)), None, "{ok}");
        }
        for bad in [
            "rebind.example:8080",
            "127.0.0.1.rebind.example",
            "localhost.evil.example",
            ".localhost.evil.example",
            "x.LOCALHOST.evil.example",
            "10.0.0.5:8080",
            "[::2]:8080",
            "studio.internal.evil.example",
        ] {
            let why = hosts.refuse(&host(bad)).expect(bad);
            assert!(why.contains("--allowed-hosts"), "{why}");
        }
        assert_eq!(hosts.refuse(&HeaderMap::new()), None);
    }
}
