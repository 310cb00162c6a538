//! Omni Studio's shared crate: every upstream request and response type, and every
//! documented rule, written once and called by both the web form and the BFF.
//!
//! Depends on serde, serde_json and base64 only, and builds for wasm32 and native.

pub mod catalog;
mod choice;
pub mod codes;
pub mod common;
pub mod config;
pub mod elements;
pub mod error;
pub mod forward;
pub mod ids;
pub mod json;
pub mod media;
pub mod problem;
pub mod prompt;
pub mod queue;
pub mod rules;
pub mod snippets;
pub mod spend;
pub mod vocab;

pub mod all_in_one;
pub mod image_generation;
pub mod multi_shot;
pub mod omni_image;
pub mod omni_video;
pub mod task;

pub use catalog::Catalog;
pub use choice::Choice;
pub use common::{AspectRatio, Resolution, WatermarkInfo};
pub use error::{FieldError, Rule, Violations, Warning, WarningRule};
pub use ids::{ElementId, ModelName, TaskId};
pub use problem::{Expected, Feature, Problem};
pub use task::{
    Envelope, ErrorBody, ResultSet, StudioTask, Task, TaskKind, TaskPage, TaskResult, TaskStatus,
    UpstreamRequest,
};
