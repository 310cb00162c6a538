//! One route component per file.

pub mod history;
pub mod image;
pub mod not_found;
pub mod task;
