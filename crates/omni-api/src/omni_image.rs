//! Omni Image: `POST /v1/images/omni-image` (api-docs/omni-image.md, omni-image-schema.txt).

use crate::catalog::{Catalog, Estimate, ModelSpec};
use crate::choice::choice;
use crate::common::{AspectRatio, Resolution, WatermarkInfo};
use crate::error::{index, Violations};
use crate::ids::{ElementId, ModelName};
use crate::json::Reader;
use crate::media::check_image;
use crate::problem::{Feature, Problem};
use crate::prompt::{check_prompt, RefCounts, RefKind};
use crate::rules::{check_callback, check_external_id, check_range, forbid};
use serde::{Deserialize, Serialize};

choice!(
    /// One image (`n` of them) or a coherent series.
    ResultType { Single = "single", Series = "series" }
);

/// How many images a series has: a number, or `auto` (kling-v3-omni only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
pub const DEFAULT_RESOLUTION: Resolution = Resolution::K1;
pub const DEFAULT_N: u32 = 1;
/// A series' size when `series_amount` is absent or `auto` (what the simulator makes).
pub const DEFAULT_SERIES: u32 = 4;
pub const DEFAULT_ASPECT_RATIO: AspectRatio = AspectRatio::Auto;

/// A reference image: a URL or base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImageItem {
    pub image: String,
}

/// A reference to an element (a saved subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElementItem {
    pub element_id: ElementId,
}

/// The body of an Omni Image create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmniImageRequest {
    /// `None`: the upstream's default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<ModelName>,
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
    /// Fields this studio does not model, kept so a draft or a re-run sends them as
    /// they were (the BFF forwards the client's own object and warns about them).
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for OmniImageRequest {
    fn default() -> Self {
        OmniImageRequest {
            model_name: None,
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
            other: serde_json::Map::new(),
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
            model_name: r.string("model_name", v).map(ModelName),
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
            other: serde_json::Map::new(),
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

    /// Every documented rule, with the numbers of the request's model in `catalog`; all
    /// violations, not only the first.
    pub fn validate(&self, catalog: &Catalog) -> Violations {
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
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        let Some(spec) = catalog
            .omni_image
            .resolve("model_name", self.model_name.as_ref(), &mut v)
        else {
            return v;
        };
        let refs = self.image_list.len() + self.element_list.len();
        if refs > spec.references.max {
            v.push(
                "image_list",
                Problem::TooManyReferences {
                    max: spec.references.max,
                    got: refs,
                },
            );
        }
        if !self.element_list.is_empty() && !spec.references.elements {
            v.push("element_list", spec.refuses(Feature::Elements));
        }
        spec.check_output(self.resolution, ("n", self.n), self.aspect_ratio, &mut v);
        self.check_series(spec, &mut v);
        v
    }

    fn check_series(&self, spec: &ModelSpec, v: &mut Violations) {
        if self.result_type != Some(ResultType::Series) {
            forbid(
                "series_amount",
                &self.series_amount,
                Problem::SeriesAmountWithoutSeries,
                v,
            );
            return;
        }
        let Some(series) = spec.series else {
            v.push("result_type", spec.refuses(Feature::Series));
            return;
        };
        match self.series_amount {
            Some(SeriesAmount::Count(n)) => {
                check_range("series_amount", Some(n.into()), series.min, series.max, v)
            }
            Some(SeriesAmount::Auto(_)) if !series.auto => {
                v.push("series_amount", spec.refuses(Feature::SeriesAuto))
            }
            _ => {}
        }
    }

    /// The estimate from the model's price table: per image at the resolution, times
    /// the image count (or the series size).
    pub fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        let spec = catalog.omni_image.spec_for(self.model_name.as_ref())?;
        let count = match (self.is_series(), self.series_amount, spec.series) {
            (true, Some(SeriesAmount::Count(k)), _) => k,
            (true, _, Some(s)) => s.default,
            _ => self.n.unwrap_or(DEFAULT_N),
        };
        spec.price.as_ref()?.images(self.resolution(), count)
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
            (Some(ResultType::Series), _) => DEFAULT_SERIES,
            _ => self.n.unwrap_or(DEFAULT_N),
        }
    }

    /// Whether the result is a series (`series_images`) rather than single images.
    pub fn is_series(&self) -> bool {
        self.result_type == Some(ResultType::Series)
    }
}
