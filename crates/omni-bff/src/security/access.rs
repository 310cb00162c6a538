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

/// One configured access token: a line `TOKEN` or `NAME: TOKEN`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// Who holds it: tasks made with it record this name, and spend is summed by it.
    pub name: Option<String>,
    pub token: String,
}

/// Longest token name.
const MAX_NAME_CHARS: usize = 64;

impl AccessToken {
    /// Reads one line. A token itself never holds a colon, so the first one separates
    /// a name.
    pub fn parse(line: &str) -> Result<AccessToken, String> {
        let (name, token) = match line.split_once(':') {
            Some((name, token)) => (Some(name.trim()), token.trim()),
            None => (None, line.trim()),
        };
        if let Some(name) = name {
            if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                return Err(format!(
                    "an access token's name must be 1 to {MAX_NAME_CHARS} characters (`NAME: TOKEN`)"
                ));
            }
            if name.chars().any(char::is_control) {
                return Err("an access token's name must not hold control characters".into());
            }
        }
        if token.len() < 16 {
            return Err(format!(
                "access tokens must be at least 16 characters (one has {})",
                token.len()
            ));
        }
        Ok(AccessToken {
            name: name.map(str::to_owned),
            token: token.to_owned(),
        })
    }
}

/// The access policy in force.
pub struct Access {
    /// SHA-256 of every accepted token; empty when no tokens are configured.
    tokens: Vec<[u8; 32]>,
    /// Each token's name, in the same order.
    names: Vec<Option<String>>,
    /// Session hashes this instance checked recently: when to check again, and which
    /// token made the session.
    checked: Mutex<HashMap<String, (i64, usize)>>,
}

/// Who a request comes from, as far as the access policy can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// No policy is in force: anyone who reaches the BFF.
    Anyone,
    /// A valid bearer token (its place in the list).
    Token(usize),
    /// A live session: the hash of its cookie, and the token that made it.
    Session { hash: String, token: usize },
    /// A policy is in force and the request has nothing valid.
    Nobody,
}

/// The name of the token behind a request, put in its extensions by the guard so a
/// create can record who made it (an extractor: nobody when the guard did not run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Person {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Person>()
            .cloned()
            .unwrap_or_default())
    }
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
    pub fn new(tokens: &[AccessToken]) -> Access {
        Access {
            tokens: tokens.iter().map(|t| digest(&t.token)).collect(),
            names: tokens.iter().map(|t| t.name.clone()).collect(),
            checked: Mutex::default(),
        }
    }

    /// The name of the token behind `who`, if it has one.
    pub fn person(&self, who: &Who) -> Person {
        let index = match who {
            Who::Token(i) | Who::Session { token: i, .. } => *i,
            Who::Anyone | Who::Nobody => return Person(None),
        };
        Person(self.names.get(index).cloned().flatten())
    }

    /// Every token name, sorted, each once.
    pub fn people(&self) -> Vec<String> {
        let mut names: Vec<String> = self.names.iter().flatten().cloned().collect();
        names.sort();
        names.dedup();
        names
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

    /// Which listed token made a session, from its digest: a token taken off the list
    /// ends its sessions.
    fn listed_token(&self, token_digest: Option<&str>) -> Option<usize> {
        let d = token_digest?;
        self.tokens.iter().position(|t| hex(t) == d)
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
            .filter(|(until, _)| *until > now)
            .map(|(_, token)| Who::Session {
                token: *token,
                hash,
            })
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
        let live = self.listed_token(token.as_deref());
        let mut map = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        match live {
            Some(token) => map.insert(hash.clone(), (now + CACHE_MS, token)),
            None => map.remove(&hash),
        };
        // Keep the cache from growing without bound.
        if map.len() > 10_000 {
            map.retain(|_, (until, _)| *until > now);
        }
        match live {
            Some(token) => Who::Session { hash, token },
            None => Who::Nobody,
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
        let a = Access::new(&[
            AccessToken::parse("alpha-token-0123456").unwrap(),
            AccessToken::parse("beta-token-01234567").unwrap(),
        ]);
        assert!(a.required());
        assert!(a.token_ok("alpha-token-0123456") && a.token_ok("beta-token-01234567"));
        for wrong in ["", "alpha", "alpha-token-0123456 ", "ALPHA-TOKEN-0123456"] {
            assert!(!a.token_ok(wrong), "{wrong:?}");
        }
        assert!(!Access::new(&[]).required());
    }

    #[test]
    fn tokens_may_be_named() {
        let t = AccessToken::parse("Li Lei: lilei-token-0123456789").unwrap();
        assert_eq!(t.name.as_deref(), Some("Li Lei"));
        assert_eq!(t.token, "lilei-token-0123456789");
        assert_eq!(
            AccessToken::parse("plain-token-0123456789").unwrap().name,
            None
        );
        for (bad, says) in [
            (": lilei-token-0123456789", "1 to 64"),
            ("ann: short", "at least 16"),
            ("a\tb: lilei-token-0123456789", "control"),
        ] {
            let e = AccessToken::parse(bad).err().unwrap();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let a = Access::new(&[
            AccessToken::parse("ann: ann-token-0123456789").unwrap(),
            AccessToken::parse("anonymous-token-0123456789").unwrap(),
            AccessToken::parse("ann: ann-ci-token-0123456789").unwrap(),
        ]);
        assert_eq!(a.person(&Who::Token(0)).0.as_deref(), Some("ann"));
        assert_eq!(a.person(&Who::Token(1)).0, None);
        assert_eq!(a.people(), ["ann"]);
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
