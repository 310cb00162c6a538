//! Hooks: reactive helpers named `use_*`, one per file.

pub mod use_form;
pub mod use_generation_form;
pub mod use_task;
