//! `Idempotency-Key` on creates: a client that sends the same key again (after a lost
//! answer, a time-out, a restarted server) gets the task of the first send, never a
//! second one. It becomes the upstream's `external_task_id` when the body has none.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use omni_api::{Problem, Violations};

pub const HEADER: &str = "idempotency-key";
/// Long enough for a UUID or 32 hex digits with room to spare; with the `studio-`
/// prefix it stays within the 64 characters of an external_task_id.
pub const MAX_CHARS: usize = 48;

/// The key a create carried, if any.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(IdempotencyKey(None));
        };
        let key = value.to_str().unwrap_or("\u{fffd}");
        check(key).map_err(ApiError::Invalid)?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

fn check(key: &str) -> Result<(), Violations> {
    let mut v = Violations::default();
    if key.is_empty() || key.len() > MAX_CHARS {
        v.push(
            "Idempotency-Key",
            Problem::CharsBetween {
                min: 1,
                max: MAX_CHARS,
                got: key.chars().count(),
            },
        );
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        v.push("Idempotency-Key", Problem::KeyCharacters);
    }
    v.into_result()
}

/// The external_task_id a create goes upstream with: the user's own, else one made
/// from the client's key, else a random one, so every create can be retried safely.
pub fn external_id(own: Option<&str>, key: Option<&str>) -> Result<String, ApiError> {
    Ok(match (own, key) {
        (Some(own), _) => own.to_owned(),
        (None, Some(key)) => format!("studio-{key}"),
        (None, None) => format!("studio-{}", crate::tasks::new_token()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_plain() {
        assert!(check("3f2c9a1e-7b4d-4c1a-9e8f-0a1b2c3d4e5f").is_ok());
        assert!(check(&"a".repeat(MAX_CHARS)).is_ok());
        let long = check(&"a".repeat(MAX_CHARS + 1)).unwrap_err();
        use omni_api::Rule;
        assert!(long.has("Idempotency-Key", Rule::MaxChars));
        assert!(check("").is_err());
        assert!(check("a/b").unwrap_err().has("Idempotency-Key", Rule::Type));
        assert!(check("a b").is_err());
    }

    #[test]
    fn the_users_own_external_id_wins_then_the_key() {
        assert_eq!(external_id(Some("mine"), Some("k")).unwrap(), "mine");
        assert_eq!(external_id(None, Some("k1")).unwrap(), "studio-k1");
        let random = external_id(None, None).unwrap();
        assert!(random.starts_with("studio-") && random.len() == 7 + 32);
        assert_ne!(random, external_id(None, None).unwrap());
        // Always a valid external_task_id.
        let mut v = Violations::default();
        omni_api::rules::check_external_id(
            Some(&external_id(None, Some(&"x".repeat(MAX_CHARS))).unwrap()),
            &mut v,
        );
        assert!(v.is_empty());
    }
}
