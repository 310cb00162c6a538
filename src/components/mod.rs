//! Reusable pieces shared by pages.

pub mod field_errors;
