//! HS256 JWTs for the official service: `iss` = access key, valid 30 minutes, `nbf`
//! five seconds in the past for clock skew. Tokens are cached and renewed early.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Mutex;

/// How long a token is valid, in seconds.
pub const LIFETIME_SECS: u64 = 1800;
/// How far `nbf` lies in the past, in seconds.
pub const SKEW_SECS: u64 = 5;
/// Renew a cached token when less than this is left, in seconds.
pub const RENEW_BEFORE_SECS: u64 = 300;

/// Signs a token for `access_key` at `now` (seconds since the epoch).
pub fn sign(access_key: &str, secret_key: &str, now: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    // Claims in the documented order (iss, exp, nbf), so a token is reproducible.
    let iss = serde_json::Value::from(access_key).to_string();
    let claims = format!(
        r#"{{"iss":{iss},"exp":{},"nbf":{}}}"#,
        now + LIFETIME_SECS,
        now.saturating_sub(SKEW_SECS)
    );
    let payload = URL_SAFE_NO_PAD.encode(claims);
    let signing_input = format!("{header}.{payload}");
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac(secret_key, &signing_input))
    )
}

fn mac(secret: &str, input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    m.update(input.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Why a token was refused, with the upstream's 100x code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum Rejection {
    /// Malformed or wrongly signed.
    Invalid = omni_api::codes::AUTH_INVALID,
    /// `nbf` in the future.
    NotYetValid = omni_api::codes::AUTH_NOT_YET_VALID,
    /// `exp` in the past.
    Expired = omni_api::codes::AUTH_EXPIRED,
}

/// Checks a token as the upstream would (the simulator uses this).
pub fn verify(token: &str, access_key: &str, secret_key: &str, now: u64) -> Result<(), Rejection> {
    let (signing_input, sig) = token.rsplit_once('.').ok_or(Rejection::Invalid)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Rejection::Invalid)?;
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).map_err(|_| Rejection::Invalid)?;
    m.update(signing_input.as_bytes());
    m.verify_slice(&sig).map_err(|_| Rejection::Invalid)?;
    let (_, payload) = signing_input.split_once('.').ok_or(Rejection::Invalid)?;
    let claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Rejection::Invalid)?;
    if claims["iss"] != access_key {
        return Err(Rejection::Invalid);
    }
    let (Some(exp), Some(nbf)) = (claims["exp"].as_u64(), claims["nbf"].as_u64()) else {
        return Err(Rejection::Invalid);
    };
    if now < nbf {
        return Err(Rejection::NotYetValid);
    }
    if now >= exp {
        return Err(Rejection::Expired);
    }
    Ok(())
}

/// A signer that keeps its last token until shortly before it expires.
pub struct JwtSigner {
    access_key: String,
    secret_key: String,
    cached: Mutex<Option<(String, u64)>>,
}

impl JwtSigner {
    pub fn new(access_key: String, secret_key: String) -> Self {
        JwtSigner {
            access_key,
            secret_key,
            cached: Mutex::new(None),
        }
    }

    /// A valid token at `now`, reusing the cached one while it has time left.
    pub fn token_at(&self, now: u64) -> String {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((token, exp)) = cached.as_ref() {
            if now + RENEW_BEFORE_SECS < *exp {
                return token.clone();
            }
        }
        let token = sign(&self.access_key, &self.secret_key, now);
        *cached = Some((token.clone(), now + LIFETIME_SECS));
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently with Python's hmac module for iss=ak-test, sk=sk-test, now=1700000000.
    const KNOWN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJhay10ZXN0IiwiZXhwIjoxNzAwMDAxODAwLCJuYmYiOjE2OTk5OTk5OTV9.tMljlG8Xy1G8AKj5WkEZRcRIADvbH0FP6wgzpwHAfs4";

    #[test]
    fn signs_the_known_vector() {
        assert_eq!(sign("ak-test", "sk-test", 1_700_000_000), KNOWN);
    }

    #[test]
    fn verifies_and_rejects() {
        let now = 1_700_000_000;
        assert_eq!(verify(KNOWN, "ak-test", "sk-test", now), Ok(()));
        assert_eq!(
            verify(KNOWN, "ak-test", "other", now),
            Err(Rejection::Invalid)
        );
        assert_eq!(
            verify(KNOWN, "ak-other", "sk-test", now),
            Err(Rejection::Invalid)
        );
        assert_eq!(
            verify(KNOWN, "ak-test", "sk-test", now - 6),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(
            verify(KNOWN, "ak-test", "sk-test", now + 1800),
            Err(Rejection::Expired)
        );
        assert_eq!(
            verify("garbage", "ak-test", "sk-test", now),
            Err(Rejection::Invalid)
        );
    }

    #[test]
    fn caches_until_close_to_expiry() {
        let s = JwtSigner::new("ak-test".into(), "sk-test".into());
        let t0 = s.token_at(1_700_000_000);
        assert_eq!(t0, KNOWN);
        assert_eq!(
            s.token_at(1_700_000_000 + 1000),
            t0,
            "reused while more than 5 minutes remain"
        );
        let renewed = s.token_at(1_700_000_000 + LIFETIME_SECS - RENEW_BEFORE_SECS);
        assert_ne!(renewed, t0, "renewed 5 minutes before expiry");
    }
}
