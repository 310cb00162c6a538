//! Reusable pieces shared by pages.

pub mod field_errors;
pub mod request_summary;
pub mod results;
pub mod status_timeline;
