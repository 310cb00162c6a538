//! Hooks: reactive helpers named `use_*`, one per file.

pub mod use_task_polling;
