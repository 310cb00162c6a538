//! Omni Image: `POST /v1/images/omni-image` (api-docs/omni-image.md, omni-image-schema.txt).

use crate::choice::{choice, Choice};
use crate::common::{AspectRatio, Resolution, WatermarkInfo};
use crate::error::{index, Violations};
use crate::ids::ElementId;
use crate::json::Reader;
use crate::media::check_image;
use crate::problem::Problem;
use crate::prompt::{check_prompt, RefCounts, RefKind};
use crate::rules::{check_callback, check_external_id, check_range, check_subset, forbid};
use serde::{Deserialize, Serialize};

choice!(
    /// Models that serve Omni Image.
    OmniImageModel { KlingImageO1 = "kling-image-o1", KlingV3Omni = "kling-v3-omni" }
);

choice!(
    /// One image (`n` of them) or a coherent series.
    ResultType { Single = "single", Series = "series" }
);

/// How many images a series has: a number, or `auto` (kling-v3-omni only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeriesAmount {
    Count(u32),
    Auto(AutoTag),
}

choice!(
    /// The literal `auto`.
    AutoTag { Auto = "auto" }
);

/// Placeholder kinds an Omni Image prompt may use.
pub const PLACEHOLDER_KINDS: &[RefKind] = &[RefKind::Image, RefKind::Element];
/// Reference images plus elements.
pub const MAX_REFERENCES: usize = 10;
/// Aspect ratios Omni Image takes.
pub const ASPECT_RATIOS: &[AspectRatio] = &[
    AspectRatio::R16x9,
    AspectRatio::R9x16,
    AspectRatio::R1x1,
    AspectRatio::R4x3,
    AspectRatio::R3x4,
    AspectRatio::R3x2,
    AspectRatio::R2x3,
    AspectRatio::R21x9,
    AspectRatio::Auto,
];
pub const DEFAULT_MODEL: OmniImageModel = OmniImageModel::KlingImageO1;
pub const DEFAULT_RESOLUTION: Resolution = Resolution::K1;
pub const DEFAULT_N: u32 = 1;
pub const DEFAULT_ASPECT_RATIO: AspectRatio = AspectRatio::Auto;
pub const N_RANGE: (i64, i64) = (1, 9);
pub const SERIES_RANGE: (i64, i64) = (2, 9);

/// A reference image: a URL or base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageItem {
    pub image: String,
}

/// A reference to an element (a saved subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementItem {
    pub element_id: ElementId,
}

/// The body of an Omni Image create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OmniImageRequest {
    #[serde(default = "default_model")]
    pub model_name: OmniImageModel,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_list: Vec<ImageItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_list: Vec<ElementItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_amount: Option<SeriesAmount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_info: Option<WatermarkInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
}

fn default_model() -> OmniImageModel {
    DEFAULT_MODEL
}

impl Default for OmniImageRequest {
    fn default() -> Self {
        OmniImageRequest {
            model_name: DEFAULT_MODEL,
            prompt: String::new(),
            image_list: Vec::new(),
            element_list: Vec::new(),
            resolution: None,
            n: None,
            result_type: None,
            series_amount: None,
            aspect_ratio: None,
            watermark_info: None,
            callback_url: None,
            external_task_id: None,
        }
    }
}

impl OmniImageRequest {
    /// Reads a request body, collecting type errors; accepts `image_url` for `image`.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        let image_list = r
            .objects("image_list", v)
            .iter()
            .map(|item| ImageItem {
                image: item.image("image", "image_url", v),
            })
            .collect();
        let element_list = r
            .objects("element_list", v)
            .iter()
            .filter_map(|item| {
                item.element_id("element_id", v)
                    .map(|element_id| ElementItem { element_id })
            })
            .collect();
        let series_amount = match r.raw("series_amount") {
            Some(serde_json::Value::String(s)) if s == "auto" => {
                Some(SeriesAmount::Auto(AutoTag::Auto))
            }
            _ => r
                .int("series_amount", v)
                .map(|n| SeriesAmount::Count(n.clamp(0, u32::MAX.into()) as u32)),
        };
        OmniImageRequest {
            model_name: r.choice("model_name", v).unwrap_or(DEFAULT_MODEL),
            prompt: r.text("prompt", v).unwrap_or_default(),
            image_list,
            element_list,
            resolution: r.choice("resolution", v),
            n: r.int("n", v).map(|n| n.clamp(0, u32::MAX.into()) as u32),
            result_type: r.choice("result_type", v),
            series_amount,
            aspect_ratio: r.choice("aspect_ratio", v),
            watermark_info: r.object("watermark_info", v).map(|w| WatermarkInfo {
                enabled: w.boolean("enabled", v).unwrap_or(false),
            }),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
        }
    }

    /// How many references of each kind the prompt may point at.
    pub fn ref_counts(&self) -> RefCounts {
        RefCounts {
            images: self.image_list.len(),
            elements: self.element_list.len(),
            videos: 0,
        }
    }

    /// Every documented rule; all violations, not only the first.
    pub fn validate(&self) -> Violations {
        let mut v = Violations::default();
        check_prompt(
            "prompt",
            Some(&self.prompt),
            PLACEHOLDER_KINDS,
            self.ref_counts(),
            &mut v,
        );
        for (i, item) in self.image_list.iter().enumerate() {
            let field = format!("{}.image", index("image_list", i));
            if item.image.is_empty() {
                continue; // already reported as required when read
            }
            check_image(&field, &item.image, &mut v);
        }
        let refs = self.image_list.len() + self.element_list.len();
        if refs > MAX_REFERENCES {
            v.push(
                "image_list",
                Problem::TooManyReferences {
                    max: MAX_REFERENCES,
                    got: refs,
                },
            );
        }
        let resolutions: &[Resolution] = match self.model_name {
            OmniImageModel::KlingV3Omni => Resolution::ALL,
            OmniImageModel::KlingImageO1 => Resolution::STANDARD,
        };
        check_subset("resolution", self.resolution, resolutions, &mut v);
        check_range("n", self.n.map(i64::from), N_RANGE.0, N_RANGE.1, &mut v);
        check_subset("aspect_ratio", self.aspect_ratio, ASPECT_RATIOS, &mut v);
        match self.series_amount {
            _ if self.result_type != Some(ResultType::Series) => forbid(
                "series_amount",
                &self.series_amount,
                Problem::SeriesAmountWithoutSeries,
                &mut v,
            ),
            Some(SeriesAmount::Count(n)) => check_range(
                "series_amount",
                Some(n.into()),
                SERIES_RANGE.0,
                SERIES_RANGE.1,
                &mut v,
            ),
            Some(SeriesAmount::Auto(_)) if self.model_name != OmniImageModel::KlingV3Omni => {
                v.push("series_amount", Problem::AutoSeriesNeedsV3)
            }
            _ => {}
        }
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        v
    }

    /// The effective resolution (documented default `1k`).
    pub fn resolution(&self) -> Resolution {
        self.resolution.unwrap_or(DEFAULT_RESOLUTION)
    }

    /// The effective aspect ratio (documented default `auto`).
    pub fn aspect_ratio(&self) -> AspectRatio {
        self.aspect_ratio.unwrap_or(DEFAULT_ASPECT_RATIO)
    }

    /// How many images the task will produce: `n` (default 1), or the series size.
    pub fn image_count(&self) -> u32 {
        match (self.result_type, self.series_amount) {
            (Some(ResultType::Series), Some(SeriesAmount::Count(k))) => k,
            (Some(ResultType::Series), _) => 4,
            _ => self.n.unwrap_or(DEFAULT_N),
        }
    }

    /// Whether the result is a series (`series_images`) rather than single images.
    pub fn is_series(&self) -> bool {
        self.result_type == Some(ResultType::Series)
    }
}
