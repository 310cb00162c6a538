//! Who may use the BFF. On loopback nobody else can reach it, so no policy is needed;
//! anywhere else omni-bff refuses to start without one: access tokens, or an explicit
//! `--open-access` (a proxy in front authenticates). With tokens, the app signs in once
//! (`POST /api/v1/session`) and gets an HttpOnly, Secure, SameSite=Strict session
//! cookie, so the token never sits in web storage; API clients may instead send
//! `Authorization: Bearer TOKEN`. Sessions live in the database, so every instance
//! honours them.

use crate::clock;
use crate::store::Store;
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// The session cookie's name.
pub const COOKIE: &str = "omni_session";
/// How long a session lasts.
pub const SESSION_MS: i64 = 30 * 86_400_000;
/// How long an instance trusts a session it has checked before asking the database
/// again (a sign-out elsewhere takes at most this long to reach it).
const CACHE_MS: i64 = 30_000;

/// The access policy in force.
pub struct Access {
    /// SHA-256 of every accepted token; empty when no tokens are configured.
    tokens: Vec<[u8; 32]>,
    /// Session hashes this instance checked recently, with when to check again.
    checked: Mutex<HashMap<String, i64>>,
}

/// Who a request comes from, as far as the access policy can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// No policy is in force: anyone who reaches the BFF.
    Anyone,
    /// A valid bearer token (its place in the list).
    Token(usize),
    /// A live session (the hash of its cookie).
    Session(String),
    /// A policy is in force and the request has nothing valid.
    Nobody,
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session id as stored: its hash, so a database leak holds no usable cookie.
pub fn session_hash(id: &str) -> String {
    hex(&digest(id))
}

impl Access {
    pub fn new(tokens: &[String]) -> Access {
        Access {
            tokens: tokens.iter().map(|t| digest(t)).collect(),
            checked: Mutex::default(),
        }
    }

    /// Whether requests must be signed in.
    pub fn required(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Which configured token `token` is, if any (compared as digests, every one of
    /// them, so the time taken says nothing about which came close).
    pub fn token_index(&self, token: &str) -> Option<usize> {
        let d = digest(token);
        self.tokens.iter().enumerate().fold(None, |found, (i, t)| {
            let same = t
                .iter()
                .zip(d.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
            if same {
                Some(i)
            } else {
                found
            }
        })
    }

    pub fn token_ok(&self, token: &str) -> bool {
        self.token_index(token).is_some()
    }

    /// What a session remembers of the token that made it: the token's digest, in hex.
    pub fn token_digest(token: &str) -> String {
        hex(&digest(token))
    }

    /// Whether a session made with the token of this digest may still be used: only
    /// while that token is on the list (a token taken off ends its sessions).
    fn token_still_listed(&self, token_digest: Option<&str>) -> bool {
        token_digest.is_some_and(|d| self.tokens.iter().any(|t| hex(t) == d))
    }

    /// Decides without the database when it can: no policy, a bearer token, a session
    /// this instance checked recently, or no credentials at all. `None`: a session
    /// cookie to look up (`who`).
    pub fn quick(&self, headers: &HeaderMap) -> Option<Who> {
        if !self.required() {
            return Some(Who::Anyone);
        }
        if let Some(token) = bearer(headers) {
            return Some(self.token_index(token).map_or(Who::Nobody, Who::Token));
        }
        let Some(id) = session_cookie(headers) else {
            return Some(Who::Nobody);
        };
        let hash = session_hash(id);
        let now = clock::now_ms();
        let map = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&hash)
            .is_some_and(|until| *until > now)
            .then_some(Who::Session(hash))
    }

    /// Who a request comes from, looking its session up when needed.
    pub async fn who(&self, store: &Store, headers: &HeaderMap) -> Who {
        match self.quick(headers) {
            Some(who) => who,
            None => self.look_up(store, headers).await,
        }
    }

    /// The database's word on a session cookie `quick` could not decide.
    pub async fn look_up(&self, store: &Store, headers: &HeaderMap) -> Who {
        let Some(id) = session_cookie(headers) else {
            return Who::Nobody;
        };
        let hash = session_hash(id);
        let now = clock::now_ms();
        let token = store.session_token(&hash, now).await.ok().flatten();
        let live = self.token_still_listed(token.as_deref());
        let mut map = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        if live {
            map.insert(hash.clone(), now + CACHE_MS);
        } else {
            map.remove(&hash);
        }
        // Keep the cache from growing without bound.
        if map.len() > 10_000 {
            map.retain(|_, until| *until > now);
        }
        if live {
            Who::Session(hash)
        } else {
            Who::Nobody
        }
    }

    /// Forgets a session this instance may have cached (sign-out).
    pub fn forget(&self, id: &str) {
        let mut map = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&session_hash(id));
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The session id from the request's cookies.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// The Set-Cookie value for a new session (or, with `None`, one that ends it).
pub fn set_cookie(id: Option<&str>) -> String {
    match id {
        Some(id) => format!(
            "{COOKIE}={id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
            SESSION_MS / 1000
        ),
        None => format!("{COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly() {
        let a = Access::new(&["alpha-token".into(), "beta-token".into()]);
        assert!(a.required());
        assert!(a.token_ok("alpha-token") && a.token_ok("beta-token"));
        for wrong in ["", "alpha", "alpha-token ", "ALPHA-TOKEN"] {
            assert!(!a.token_ok(wrong), "{wrong:?}");
        }
        assert!(!Access::new(&[]).required());
    }

    #[test]
    fn the_cookie_is_http_only_secure_and_strict() {
        let c = set_cookie(Some("abc"));
        for part in [
            "omni_session=abc",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(set_cookie(None).contains("Max-Age=0"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "theme=dark; omni_session=s3cr3t; x=1".parse().unwrap(),
        );
        assert_eq!(session_cookie(&h), Some("s3cr3t"));
    }
}
