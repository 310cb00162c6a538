//! Image Generation: `POST /v1/images/generations` (api-docs/image-generations.md).

use crate::catalog::{Catalog, Estimate};
use crate::choice::choice;
use crate::common::{AspectRatio, Resolution, WatermarkInfo};
use crate::error::Violations;
use crate::ids::ModelName;
use crate::json::Reader;
use crate::media::{check_image, normalize_image};
use crate::omni_image::ElementItem;
use crate::problem::{Feature, Problem};
use crate::prompt::{check_length, check_placeholders, check_prompt, RefCounts, RefKind};
use crate::rules::{check_callback, check_external_id, check_unit};
use serde::{Deserialize, Serialize};

choice!(
    /// What of a reference image to keep (kling-v1-5 only).
    ImageReference { Subject = "subject", Face = "face" }
);

pub const DEFAULT_RESOLUTION: Resolution = Resolution::K1;
pub const DEFAULT_N: u32 = 1;
pub const DEFAULT_ASPECT_RATIO: AspectRatio = AspectRatio::R16x9;

/// The body of an Image Generation create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageGenerationRequest {
    /// `None`: the upstream's default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<ModelName>,
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
    /// Elements (kling-v3): `<<<element_N>>>` in the prompt points at them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_list: Vec<ElementItem>,
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
    /// Fields this studio does not model, kept so a draft or a re-run sends them as
    /// they were (the BFF forwards the client's own object and warns about them).
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for ImageGenerationRequest {
    fn default() -> Self {
        ImageGenerationRequest {
            model_name: None,
            prompt: String::new(),
            negative_prompt: None,
            image: None,
            image_reference: None,
            image_fidelity: None,
            human_fidelity: None,
            element_list: Vec::new(),
            resolution: None,
            n: None,
            aspect_ratio: None,
            watermark_info: None,
            callback_url: None,
            external_task_id: None,
            other: serde_json::Map::new(),
        }
    }
}

impl ImageGenerationRequest {
    /// Reads a request body, collecting type errors.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        ImageGenerationRequest {
            model_name: r.string("model_name", v).map(ModelName),
            prompt: r.text("prompt", v).unwrap_or_default(),
            negative_prompt: r.string("negative_prompt", v),
            image: r.string("image", v).map(|s| normalize_image(&s)),
            image_reference: r.choice("image_reference", v),
            image_fidelity: r.number("image_fidelity", v),
            human_fidelity: r.number("human_fidelity", v),
            element_list: r
                .objects("element_list", v)
                .iter()
                .filter_map(|item| {
                    item.element_id("element_id", v)
                        .map(|element_id| ElementItem { element_id })
                })
                .collect(),
            resolution: r.choice("resolution", v),
            n: r.int("n", v).map(|n| n.clamp(0, u32::MAX.into()) as u32),
            aspect_ratio: r.choice("aspect_ratio", v),
            watermark_info: r.object("watermark_info", v).map(|w| WatermarkInfo {
                enabled: w.boolean("enabled", v).unwrap_or(false),
            }),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
            other: serde_json::Map::new(),
        }
    }

    /// Every documented rule, with the numbers of the request's model in `catalog`; all
    /// violations, not only the first.
    pub fn validate(&self, catalog: &Catalog) -> Violations {
        let mut v = Violations::default();
        // Only element placeholders, and only with elements: the one image is not named.
        let refs = RefCounts {
            elements: self.element_list.len(),
            ..RefCounts::default()
        };
        let kinds: &[RefKind] = if self.element_list.is_empty() {
            &[]
        } else {
            &[RefKind::Element]
        };
        check_prompt("prompt", Some(&self.prompt), kinds, refs, &mut v);
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
        check_unit("image_fidelity", self.image_fidelity, &mut v);
        check_unit("human_fidelity", self.human_fidelity, &mut v);
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        let Some(spec) =
            catalog
                .image_generation
                .resolve("model_name", self.model_name.as_ref(), &mut v)
        else {
            return v;
        };
        match (self.image.is_some(), self.image_reference) {
            (true, None) if spec.image_reference_required => {
                v.push("image_reference", Problem::ImageReferenceNeeded)
            }
            (_, Some(_)) if !spec.image_reference => {
                v.push("image_reference", spec.refuses(Feature::ImageReference))
            }
            _ => {}
        }
        if self.image.is_some() && spec.references.max == 0 {
            v.push("image", spec.refuses(Feature::ReferenceImage));
        }
        if !self.element_list.is_empty() && !spec.references.elements {
            v.push("element_list", spec.refuses(Feature::Elements));
        }
        let refs = usize::from(self.image.is_some()) + self.element_list.len();
        if refs > spec.references.max.max(1) {
            v.push(
                "element_list",
                Problem::TooManyReferences {
                    max: spec.references.max,
                    got: refs,
                },
            );
        }
        spec.check_output(self.resolution, ("n", self.n), self.aspect_ratio, &mut v);
        v
    }

    /// The estimate from the model's price table: per image, times `n`.
    pub fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        let spec = catalog
            .image_generation
            .spec_for(self.model_name.as_ref())?;
        spec.price
            .as_ref()?
            .images(self.resolution(), self.image_count())
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
