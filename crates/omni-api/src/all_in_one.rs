//! The all-in-one request (`POST /api/v1/images/generations`, aio-bff-image-o1.txt) and
//! its mapping onto an upstream request.

use crate::catalog::Catalog;
use crate::choice::choice;
use crate::common::{AspectRatio, Resolution};
use crate::error::{index, Violations};
use crate::ids::ModelName;
use crate::json::Reader;
use crate::media::{check_image, normalize_image};
use crate::multi_shot::MultiShotRequest;
use crate::omni_image::{ImageItem, OmniImageRequest};
use crate::problem::Problem;
use crate::prompt::{check_prompt, RefCounts, RefKind};
use crate::task::UpstreamRequest;
use serde::{Deserialize, Serialize};

choice!(
    /// What the all-in-one route makes.
    AioType { ImageToImage = "image-to-image", AiMultiShot = "ai-multi-shot" }
);

pub const DEFAULT_TYPE: AioType = AioType::ImageToImage;
pub const DEFAULT_ASPECT_RATIO: AspectRatio = AspectRatio::R1x1;
pub const DEFAULT_RESOLUTION: Resolution = Resolution::K1;
pub const DEFAULT_NUM_IMAGES: u32 = 1;

/// The all-in-one body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AioRequest {
    /// `None`: the catalog's `upstream_default` for the all-in-one route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelName>,
    pub prompt: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AioType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_images: Option<u32>,
}

impl AioRequest {
    /// Reads a request body, collecting type errors.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        AioRequest {
            model: r.string("model", v).map(ModelName),
            prompt: r.text("prompt", v).unwrap_or_default(),
            kind: r.choice("type", v),
            images: r
                .strings("images", v)
                .iter()
                .map(|s| normalize_image(s))
                .collect(),
            aspect_ratio: r.choice("aspect_ratio", v),
            resolution: r.choice("resolution", v),
            num_images: r
                .int("num_images", v)
                .map(|n| n.clamp(0, u32::MAX.into()) as u32),
        }
    }

    /// The effective type (documented default `image-to-image`).
    pub fn kind(&self) -> AioType {
        self.kind.unwrap_or(DEFAULT_TYPE)
    }

    /// Every documented rule; all violations, not only the first.
    pub fn validate(&self, catalog: &Catalog) -> Violations {
        let mut v = Violations::default();
        let refs = RefCounts {
            images: self.images.len(),
            ..RefCounts::default()
        };
        let kinds: &[RefKind] = match self.kind() {
            AioType::ImageToImage => &[RefKind::Image],
            AioType::AiMultiShot => &[],
        };
        check_prompt("prompt", Some(&self.prompt), kinds, refs, &mut v);
        for (i, image) in self.images.iter().enumerate() {
            check_image(&index("images", i), image, &mut v);
        }
        if self.kind() == AioType::AiMultiShot && self.images.is_empty() {
            v.push("images", Problem::SubjectImageNeeded);
        }
        let Some(spec) = catalog
            .all_in_one
            .resolve("model", self.model.as_ref(), &mut v)
        else {
            return v;
        };
        let max = spec.references.max;
        if self.images.len() > max {
            v.push(
                "images",
                Problem::TooManyImages {
                    max,
                    got: self.images.len(),
                },
            );
        }
        let count = ("num_images", self.num_images);
        spec.check_output(self.resolution, count, self.aspect_ratio, &mut v);
        v
    }

    /// The upstream request this maps onto: image-to-image is Omni Image (images become
    /// `image_list`, `num_images` becomes `n`); ai-multi-shot is Multi-shot from the first image.
    pub fn to_upstream(&self, catalog: &Catalog) -> UpstreamRequest {
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| catalog.all_in_one.upstream_default.clone());
        match self.kind() {
            AioType::ImageToImage => UpstreamRequest::OmniImage(OmniImageRequest {
                model_name: Some(model),
                prompt: self.prompt.clone(),
                image_list: self
                    .images
                    .iter()
                    .map(|image| ImageItem {
                        image: image.clone(),
                    })
                    .collect(),
                resolution: Some(self.resolution.unwrap_or(DEFAULT_RESOLUTION)),
                n: Some(self.num_images.unwrap_or(DEFAULT_NUM_IMAGES)),
                aspect_ratio: Some(self.aspect_ratio.unwrap_or(DEFAULT_ASPECT_RATIO)),
                ..OmniImageRequest::default()
            }),
            AioType::AiMultiShot => UpstreamRequest::MultiShot(MultiShotRequest {
                element_frontal_image: self.images.first().cloned().unwrap_or_default(),
                ..MultiShotRequest::default()
            }),
        }
    }
}
