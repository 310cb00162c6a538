//! Query parameters read the same way on every route: absent or empty means the
//! default, anything else must be what the route takes, and each problem is named
//! under its parameter.

use omni_api::{Choice, Expected, Problem, Violations};
use std::collections::HashMap;

/// A whole-number query parameter within `lo..=hi`, with `default` when absent.
pub fn int_param(
    q: &HashMap<String, String>,
    key: &str,
    default: i64,
    lo: i64,
    hi: i64,
    v: &mut Violations,
) -> i64 {
    let Some(raw) = q.get(key).filter(|s| !s.is_empty()) else {
        return default;
    };
    match raw.parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => n,
        Ok(n) => {
            v.push(
                key,
                Problem::Range {
                    min: lo as f64,
                    max: hi as f64,
                    got: n as f64,
                },
            );
            default
        }
        Err(_) => {
            let expected = Expected::WholeNumber;
            v.push(key, Problem::WrongType { expected });
            default
        }
    }
}

/// One of a closed set of wire strings (surrounding spaces ignored), or `None` when
/// absent or empty.
pub fn choice_param<T: Choice>(
    q: &HashMap<String, String>,
    key: &str,
    v: &mut Violations,
) -> Option<T> {
    let raw = q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())?;
    let parsed = T::parse(raw);
    if parsed.is_none() {
        v.push(
            key,
            Problem::NotOneOf {
                got: raw.to_owned(),
                allowed: T::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
            },
        );
    }
    parsed
}
