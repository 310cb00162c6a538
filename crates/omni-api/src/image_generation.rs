//! Image Generation: `POST /v1/images/generations` (api-docs/image-generations.md).

use crate::choice::{choice, Choice};
use crate::common::{AspectRatio, Resolution, WatermarkInfo};
use crate::error::Violations;
use crate::json::Reader;
use crate::media::{check_image, normalize_image};
use crate::problem::Problem;
use crate::prompt::{check_length, check_placeholders, check_prompt, RefCounts};
use crate::rules::{check_callback, check_external_id, check_range, check_subset, check_unit};
use serde::{Deserialize, Serialize};

choice!(
    /// Models that serve Image Generation.
    ImageGenerationModel {
        KlingV1 = "kling-v1",
        KlingV1_5 = "kling-v1-5",
        KlingV2 = "kling-v2",
        KlingV2New = "kling-v2-new",
        KlingV2_1 = "kling-v2-1",
    }
);

choice!(
    /// What of a reference image to keep (kling-v1-5 only).
    ImageReference { Subject = "subject", Face = "face" }
);

pub const DEFAULT_MODEL: ImageGenerationModel = ImageGenerationModel::KlingV1;
pub const DEFAULT_RESOLUTION: Resolution = Resolution::K1;
pub const DEFAULT_N: u32 = 1;
pub const DEFAULT_ASPECT_RATIO: AspectRatio = AspectRatio::R16x9;
/// Every fixed ratio; Image Generation has no `auto`.
pub const ASPECT_RATIOS: &[AspectRatio] = AspectRatio::FIXED;
pub const N_RANGE: (i64, i64) = (1, 9);

/// The body of an Image Generation create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageGenerationRequest {
    #[serde(default = "default_model")]
    pub model_name: ImageGenerationModel,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_reference: Option<ImageReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_fidelity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_fidelity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_info: Option<WatermarkInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
}

fn default_model() -> ImageGenerationModel {
    DEFAULT_MODEL
}

impl Default for ImageGenerationRequest {
    fn default() -> Self {
        ImageGenerationRequest {
            model_name: DEFAULT_MODEL,
            prompt: String::new(),
            negative_prompt: None,
            image: None,
            image_reference: None,
            image_fidelity: None,
            human_fidelity: None,
            resolution: None,
            n: None,
            aspect_ratio: None,
            watermark_info: None,
            callback_url: None,
            external_task_id: None,
        }
    }
}

impl ImageGenerationRequest {
    /// Reads a request body, collecting type errors.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        ImageGenerationRequest {
            model_name: r.choice("model_name", v).unwrap_or(DEFAULT_MODEL),
            prompt: r.text("prompt", v).unwrap_or_default(),
            negative_prompt: r.string("negative_prompt", v),
            image: r.string("image", v).map(|s| normalize_image(&s)),
            image_reference: r.choice("image_reference", v),
            image_fidelity: r.number("image_fidelity", v),
            human_fidelity: r.number("human_fidelity", v),
            resolution: r.choice("resolution", v),
            n: r.int("n", v).map(|n| n.clamp(0, u32::MAX.into()) as u32),
            aspect_ratio: r.choice("aspect_ratio", v),
            watermark_info: r.object("watermark_info", v).map(|w| WatermarkInfo {
                enabled: w.boolean("enabled", v).unwrap_or(false),
            }),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
        }
    }

    /// Every documented rule; all violations, not only the first.
    pub fn validate(&self) -> Violations {
        let mut v = Violations::default();
        // This endpoint has no reference lists: any placeholder is reported.
        check_prompt(
            "prompt",
            Some(&self.prompt),
            &[],
            RefCounts::default(),
            &mut v,
        );
        if let Some(neg) = &self.negative_prompt {
            check_length("negative_prompt", neg, &mut v);
            check_placeholders("negative_prompt", neg, &[], RefCounts::default(), &mut v);
            if self.image.is_some() {
                v.push("negative_prompt", Problem::NegativePromptWithImage);
            }
        }
        if let Some(image) = &self.image {
            check_image("image", image, &mut v);
        }
        let v1_5 = self.model_name == ImageGenerationModel::KlingV1_5;
        match (v1_5, self.image.is_some(), self.image_reference) {
            (true, true, None) => v.push("image_reference", Problem::ImageReferenceNeeded),
            (false, _, Some(_)) => v.push(
                "image_reference",
                Problem::ImageReferenceModel {
                    model: self.model_name.as_str().to_owned(),
                },
            ),
            _ => {}
        }
        check_unit("image_fidelity", self.image_fidelity, &mut v);
        check_unit("human_fidelity", self.human_fidelity, &mut v);
        check_subset("resolution", self.resolution, Resolution::STANDARD, &mut v);
        check_range("n", self.n.map(i64::from), N_RANGE.0, N_RANGE.1, &mut v);
        check_subset("aspect_ratio", self.aspect_ratio, ASPECT_RATIOS, &mut v);
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        v
    }

    pub fn resolution(&self) -> Resolution {
        self.resolution.unwrap_or(DEFAULT_RESOLUTION)
    }

    pub fn aspect_ratio(&self) -> AspectRatio {
        self.aspect_ratio.unwrap_or(DEFAULT_ASPECT_RATIO)
    }

    pub fn image_count(&self) -> u32 {
        self.n.unwrap_or(DEFAULT_N)
    }
}
