//! One route component per file.

pub mod elements;
pub mod generate;
pub mod history;
pub mod image;
pub mod not_found;
pub mod quick;
pub mod spend;
pub mod task;
pub mod video;
