//! Reusable pieces shared by pages.

pub mod account_units;
pub mod api_snippets;
pub mod batch;
pub mod delivery_fields;
pub mod estimate;
pub mod field;
pub mod field_errors;
pub mod form_bits;
pub mod load_error;
pub mod prompt_editor;
pub mod reference_manager;
pub mod request_summary;
pub mod results;
pub mod shell_header;
pub mod sign_in;
pub mod spend_chart;
pub mod status_timeline;
pub mod storyboard;
pub mod task_row;
pub mod templates;
pub mod theme;
pub mod video_reference;
pub mod workspace;
