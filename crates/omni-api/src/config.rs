//! What `GET /api/v1/config` tells the app: models, allowed values and limits per
//! endpoint, built from this crate's own constants so the two can never disagree.

use crate::choice::Choice;
use crate::common::{AspectRatio, Resolution};
use crate::{all_in_one, image_generation, media, omni_image, omni_video, prompt};
use serde::{Deserialize, Serialize};

/// How the BFF reaches the generation service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamKind {
    Simulate,
    Official,
    Gateway,
}

/// One endpoint's choices, for rendering its form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointConfig {
    pub models: Vec<String>,
    pub default_model: String,
    pub aspect_ratios: Vec<String>,
    pub resolutions: Vec<String>,
    /// Inclusive range of the image count (`n` / `num_images`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<(i64, i64)>,
    /// Reference images plus elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_references: Option<usize>,
}

/// Limits shared by every endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct StudioConfig {
    pub upstream: UpstreamKind,
    pub limits: Limits,
    pub omni_image: EndpointConfig,
    pub omni_video: EndpointConfig,
    pub image_generation: EndpointConfig,
    pub all_in_one: EndpointConfig,
}

fn strings<T: Choice>(set: &[T]) -> Vec<String> {
    set.iter().map(|c| c.as_str().to_owned()).collect()
}

impl StudioConfig {
    /// The configuration for a BFF talking to `upstream`.
    pub fn new(upstream: UpstreamKind) -> Self {
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
            omni_image: EndpointConfig {
                models: strings(omni_image::OmniImageModel::ALL),
                default_model: omni_image::DEFAULT_MODEL.as_str().into(),
                aspect_ratios: strings(omni_image::ASPECT_RATIOS),
                resolutions: strings(Resolution::ALL),
                count: Some(omni_image::N_RANGE),
                max_references: Some(omni_image::MAX_REFERENCES),
            },
            omni_video: EndpointConfig {
                models: strings(omni_video::OmniVideoModel::ALL),
                default_model: omni_video::DEFAULT_MODEL.as_str().into(),
                aspect_ratios: strings(omni_video::ASPECT_RATIOS),
                resolutions: Vec::new(),
                count: None,
                max_references: Some(omni_video::MAX_REFS),
            },
            image_generation: EndpointConfig {
                models: strings(image_generation::ImageGenerationModel::ALL),
                default_model: image_generation::DEFAULT_MODEL.as_str().into(),
                aspect_ratios: strings(image_generation::ASPECT_RATIOS),
                resolutions: strings(Resolution::STANDARD),
                count: Some(image_generation::N_RANGE),
                max_references: Some(1),
            },
            all_in_one: EndpointConfig {
                models: strings(all_in_one::AioModel::ALL),
                default_model: all_in_one::DEFAULT_MODEL.as_str().into(),
                aspect_ratios: strings(AspectRatio::ALL),
                resolutions: strings(Resolution::STANDARD),
                count: Some(all_in_one::NUM_RANGE),
                max_references: Some(all_in_one::MAX_IMAGES),
            },
        }
    }
}
