//! Small field rules that several endpoints share.

use crate::choice::Choice;
use crate::error::Violations;
use crate::media::check_http_url;
use crate::problem::Problem;

/// Longest `external_task_id` we accept (the upstream documents none; this keeps ids sane).
pub const MAX_EXTERNAL_ID_CHARS: usize = 64;

/// `value` within `lo..=hi` when present.
pub fn check_range(field: &str, value: Option<i64>, lo: i64, hi: i64, v: &mut Violations) {
    if let Some(n) = value {
        if !(lo..=hi).contains(&n) {
            v.push(
                field,
                Problem::Range {
                    min: lo as f64,
                    max: hi as f64,
                    got: n as f64,
                },
            );
        }
    }
}

/// A fraction within `0..=1` when present.
pub fn check_unit(field: &str, value: Option<f64>, v: &mut Violations) {
    if let Some(x) = value {
        if !(0.0..=1.0).contains(&x) {
            v.push(
                field,
                Problem::Range {
                    min: 0.0,
                    max: 1.0,
                    got: x,
                },
            );
        }
    }
}

/// A value of a closed set that this endpoint (or model) only partly allows.
pub fn check_subset<T: Choice>(field: &str, value: Option<T>, allowed: &[T], v: &mut Violations) {
    if let Some(x) = value {
        if !allowed.contains(&x) {
            let problem = Problem::NotOneOf {
                got: x.as_str().to_owned(),
                allowed: allowed.iter().map(|c| c.as_str().to_owned()).collect(),
            };
            v.push(field, problem);
        }
    }
}

/// `callback_url`, when given, must be an http(s) URL.
pub fn check_callback(value: Option<&str>, v: &mut Violations) {
    if let Some(url) = value {
        check_http_url("callback_url", url, v);
    }
}

/// `external_task_id`, when given: printable, no slashes (it can stand in a read path).
pub fn check_external_id(value: Option<&str>, v: &mut Violations) {
    let Some(id) = value else { return };
    let n = id.chars().count();
    if n > MAX_EXTERNAL_ID_CHARS {
        v.push(
            "external_task_id",
            Problem::MaxChars {
                max: MAX_EXTERNAL_ID_CHARS,
                got: n,
            },
        );
    }
    if id
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%'))
    {
        v.push("external_task_id", Problem::IdCharacters);
    }
}

/// A field that must not be set in this situation, with the reason.
pub fn forbid<T>(field: &str, value: &Option<T>, why: Problem, v: &mut Violations) {
    if value.is_some() {
        v.push(field, why);
    }
}
