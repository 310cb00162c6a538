//! Small field rules that several endpoints share.

use crate::choice::Choice;
use crate::common::one_of_message;
use crate::error::{Rule, Violations};
use crate::media::check_http_url;

/// Longest `external_task_id` we accept (the upstream documents none; this keeps ids sane).
pub const MAX_EXTERNAL_ID_CHARS: usize = 64;

/// `value` within `lo..=hi` when present.
pub fn check_range(field: &str, value: Option<i64>, lo: i64, hi: i64, v: &mut Violations) {
    if let Some(n) = value {
        if !(lo..=hi).contains(&n) {
            v.push(
                field,
                Rule::Range,
                format!("must be from {lo} to {hi} (got {n})"),
            );
        }
    }
}

/// A fraction within `0..=1` when present.
pub fn check_unit(field: &str, value: Option<f64>, v: &mut Violations) {
    if let Some(x) = value {
        if !(0.0..=1.0).contains(&x) {
            v.push(field, Rule::Range, format!("must be from 0 to 1 (got {x})"));
        }
    }
}

/// A value of a closed set that this endpoint (or model) only partly allows.
pub fn check_subset<T: Choice>(field: &str, value: Option<T>, allowed: &[T], v: &mut Violations) {
    if let Some(x) = value {
        if !allowed.contains(&x) {
            let msg = format!(
                "{:?} is not allowed here; {}",
                x.as_str(),
                one_of_message(allowed)
            );
            v.push(field, Rule::OneOf, msg);
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
            Rule::MaxChars,
            format!("at most {MAX_EXTERNAL_ID_CHARS} characters (this one has {n})"),
        );
    }
    if id
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%'))
    {
        v.push(
            "external_task_id",
            Rule::Type,
            "may not contain spaces, control characters or / ? # %",
        );
    }
}

/// A field that must not be set in this situation, with the reason.
pub fn forbid<T>(field: &str, value: &Option<T>, rule: Rule, why: &str, v: &mut Violations) {
    if value.is_some() {
        v.push(field, rule, why);
    }
}
