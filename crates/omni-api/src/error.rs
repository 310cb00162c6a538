//! Field errors: where a request breaks a rule, which rule, and why.

use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::vocab::Rule;

/// Why a create that was accepted carries a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningRule {
    /// Forwarded as sent, but the catalog does not model it, so nothing checked it.
    NotValidated,
    /// Not sent on: the route maps its body onto another (the all-in-one route).
    NotForwarded,
    /// The model is deprecated or retired (the catalog's note says when).
    Deprecated,
}

/// Something a successful create wants the client to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    pub field: String,
    pub rule: WarningRule,
    pub message: String,
}

impl Warning {
    /// A field the catalog does not model, forwarded unchecked.
    pub fn not_validated(field: String) -> Self {
        Warning {
            field,
            rule: WarningRule::NotValidated,
            message: "forwarded as sent; this studio does not check it".into(),
        }
    }
}

/// One violated rule at one place in a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path into the request, e.g. `image_list[1].image`.
    pub field: String,
    pub rule: Rule,
    /// An English sentence without the field name, e.g. `at most 2500 characters`.
    pub message: String,
    /// The specifics (limits, counts, names) the message was made from; the app words
    /// them in the reader's language.
    #[serde(default, deserialize_with = "crate::problem::lenient")]
    // Described as any value: serde's externally tagged enum (`"required"` or
    // `{"max_chars": {...}}`) defeats common client generators; `rule` is the enum to
    // switch on.
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub problem: Problem,
}

impl FieldError {
    /// Whether this error is on `field` or anything under it (`image_list` covers
    /// `image_list[0].image`).
    pub fn is_under(&self, field: &str) -> bool {
        self.field == field
            || self
                .field
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    }

    pub fn new(field: impl Into<String>, problem: Problem) -> FieldError {
        FieldError {
            field: field.into(),
            rule: problem.rule(),
            message: problem.to_string(),
            problem,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every violation found in one request, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Violations(pub Vec<FieldError>);

impl Violations {
    /// Records one broken rule.
    pub fn push(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.push(FieldError::new(field, problem));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The errors on exactly this field.
    pub fn on<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldError> + 'a {
        self.0.iter().filter(move |e| e.field == field)
    }

    /// Whether a rule was broken anywhere (handy in tests).
    pub fn has(&self, field: &str, rule: Rule) -> bool {
        self.0.iter().any(|e| e.field == field && e.rule == rule)
    }

    /// Moves `other`'s errors in, skipping fields that already have one (a type error
    /// on a field makes later checks of the same field noise).
    pub fn extend_new_fields(&mut self, other: Violations) {
        let typed: Vec<String> = self.0.iter().map(|e| e.field.clone()).collect();
        self.0
            .extend(other.0.into_iter().filter(|e| !typed.contains(&e.field)));
    }

    /// `Ok(())` when nothing was broken.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// One line naming the first violation and how many more there are.
    pub fn summary(&self) -> String {
        match self.0.as_slice() {
            [] => String::new(),
            [one] => one.to_string(),
            [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
        }
    }
}

/// Joins a field path and a key: `join("image_list[0]", "image")`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Appends an index: `index("image_list", 1)` is `image_list[1]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
