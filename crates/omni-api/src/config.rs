//! What `GET /api/v1/config` tells the app: the model catalog in force and the shared
//! media limits, so the form validates with exactly what the BFF validates with.

use crate::catalog::Catalog;
use crate::{media, prompt};
use serde::{Deserialize, Serialize};

/// How the BFF reaches the generation service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UpstreamKind {
    Simulate,
    Official,
    Gateway,
}

/// Limits shared by every endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    pub max_prompt_chars: usize,
    pub max_image_bytes: usize,
    pub min_image_side: u32,
    pub max_image_ratio: f64,
    pub image_extensions: Vec<String>,
    pub video_extensions: Vec<String>,
}

/// The whole answer of `GET /api/v1/config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudioConfig {
    pub upstream: UpstreamKind,
    pub limits: Limits,
    /// The catalog in force: the app validates with exactly this one.
    pub catalog: Catalog,
    /// Whether local videos can be referenced (`POST /api/v1/uploads`): only when the BFF
    /// has a public URL the upstream can fetch them from.
    #[serde(default)]
    pub local_videos: bool,
    /// Whether the upstream account's remaining units can be read (`GET /api/v1/account`):
    /// the official service and the simulator offer them, a gateway does not.
    #[serde(default)]
    pub account_units: bool,
    /// The names of the access tokens, for filtering history and spend by person.
    #[serde(default)]
    pub people: Vec<String>,
    /// The queue's limits in force (slots per pool sent at once).
    #[serde(default)]
    pub concurrency: crate::queue::Concurrency,
}

impl StudioConfig {
    /// The configuration for a BFF talking to `upstream` with `catalog`.
    pub fn new(upstream: UpstreamKind, catalog: Catalog) -> Self {
        let concurrency = catalog.concurrency;
        let (num, den) = media::MAX_IMAGE_RATIO;
        StudioConfig {
            upstream,
            limits: Limits {
                max_prompt_chars: prompt::MAX_PROMPT_CHARS,
                max_image_bytes: media::MAX_IMAGE_BYTES,
                min_image_side: media::MIN_IMAGE_SIDE,
                max_image_ratio: f64::from(num) / f64::from(den),
                image_extensions: media::IMAGE_EXTENSIONS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                video_extensions: media::VIDEO_EXTENSIONS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            catalog,
            local_videos: false,
            account_units: upstream != UpstreamKind::Gateway,
            people: Vec::new(),
            concurrency,
        }
    }
}
