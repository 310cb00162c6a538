//! The model catalog: which models each kind offers and what each accepts (values,
//! ranges, reference limits, feature switches, prices, deprecations), as data.
//!
//! The built-in catalog (`catalog.json` beside this file) holds the documented facts; an
//! operator file changes it without a build ([`Catalog::apply`]). The validators read
//! every number from the entry of the request's model, so the form and the BFF, given the
//! same catalog, cannot disagree; structural rules (placeholders, frames, scenarios, shot
//! sums) stay code.

use crate::choice::choice;
use crate::common::{AspectRatio, Resolution};
use crate::error::Violations;
use crate::ids::ModelName;
use crate::problem::{Feature, Problem};
use crate::rules::{check_range, check_subset};
use crate::vocab::{Mode, Scenario, ShotType, TaskKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

choice!(
    /// What an element is made from (kling-3.md section 7): several images of a subject,
    /// or a video of a character (kling-v3-omni only).
    ElementKind { ImageRefer = "image_refer", VideoRefer = "video_refer" }
);

/// Every kind's models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub omni_image: KindCatalog,
    pub omni_video: KindCatalog,
    pub image_generation: KindCatalog,
    pub all_in_one: KindCatalog,
    /// The resource pack's concurrency per pool: the BFF's queue sends no more at once
    /// (`--max-in-flight` overrides it).
    #[serde(default)]
    pub concurrency: crate::queue::Concurrency,
}

/// One kind's models, in the order forms list them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KindCatalog {
    /// What the form starts with.
    pub default_model: ModelName,
    /// What the upstream uses when a request names no model (its documented default).
    pub upstream_default: ModelName,
    pub models: Vec<ModelSpec>,
}

/// What one model accepts. Absent lists and switches mean "not offered".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: ModelName,
    /// Set when the vendor retires (or has retired) the model: still listed, flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aspect_ratios: Vec<AspectRatio>,
    /// Image resolutions (`1k`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolutions: Vec<Resolution>,
    /// Video modes (`std`, `pro`, `4k`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<Mode>,
    /// Video modes when a reference video is given (no 4k there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes_with_video: Vec<Mode>,
    /// Image count `n` (or `num_images`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Span>,
    /// `result_type: series` and its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<SeriesSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationSpec>,
    #[serde(default)]
    pub references: RefLimits,
    /// `sound: on` (native audio).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sound: bool,
    /// Storyboards: `multi_shot`, `shot_type`, `multi_prompt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_shot: Option<MultiShotSpec>,
    /// Image Generation: `image_reference` / `human_fidelity` (subject or face).
    #[serde(default, skip_serializing_if = "is_false")]
    pub image_reference: bool,
    /// Image Generation: the reference image is required (kling-v1-5 with an image needs
    /// `image_reference`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub image_reference_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An inclusive range of whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Deprecation {
    /// `YYYY-MM-DD`: when the vendor retires it.
    pub date: String,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SeriesSpec {
    pub min: i64,
    pub max: i64,
    /// `series_amount: "auto"` (the model picks the count).
    #[serde(default)]
    pub auto: bool,
    /// How many a series has when `series_amount` is absent.
    pub default: u32,
}

/// Video seconds: a range, narrower with a reference video, and on some models only a
/// few values in some scenarios (O1: 5 or 10 for text-to-video and frames).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DurationSpec {
    pub min: u32,
    pub max: u32,
    pub default: u32,
    pub max_with_video: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_in: Vec<Scenario>,
}

impl DurationSpec {
    /// The seconds `scenario` takes, in order (`None`: the duration is ignored, as in a
    /// video edit whose length is the input's).
    pub fn allowed(&self, scenario: Scenario) -> Option<Vec<u32>> {
        if scenario == Scenario::VideoEdit {
            return None;
        }
        if !self.only.is_empty() && self.only_in.contains(&scenario) {
            return Some(self.only.clone());
        }
        let max = match scenario {
            Scenario::VideoReference => self.max.min(self.max_with_video),
            _ => self.max,
        };
        Some((self.min..=max).collect())
    }
}

/// How many references a request may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefLimits {
    /// Images plus elements (without a reference video).
    #[serde(default)]
    pub max: usize,
    /// Images plus elements with a reference video.
    #[serde(default)]
    pub max_with_video: usize,
    #[serde(default)]
    pub max_videos: usize,
    /// Whether `element_list` is taken at all.
    #[serde(default)]
    pub elements: bool,
    /// Which kinds of element it takes (for the element picker; a request carries only
    /// ids, so the upstream is the one to check an element's kind).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_kinds: Vec<ElementKind>,
    /// Elements when a first frame is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_elements_with_first_frame: Option<usize>,
    /// Elements when first and end frames are given (O1: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_elements_with_end_frame: Option<usize>,
    /// Images in all when one is an end frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_images_with_end_frame: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MultiShotSpec {
    pub max_shots: usize,
    pub max_shot_chars: usize,
    pub min_shot_seconds: u32,
    pub shot_types: Vec<ShotType>,
}

/// List prices for estimates (kling-3.md section 11): per second of video by mode (sound
/// off, sound on, with a reference video), or per image by resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub currency: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_second: BTreeMap<Mode, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_second_sound: BTreeMap<Mode, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_second_video: BTreeMap<Mode, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_image: BTreeMap<Resolution, f64>,
}

/// What a task is expected to cost, before it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub amount: f64,
    pub currency: String,
}

impl Estimate {
    /// The amount to three decimals at most, trailing zeros left out (`2.1`, `0.028`,
    /// `3`), written from whole thousandths: Rust's float formatting is large, and in
    /// the app the estimate is the only float the first page writes, so the browser
    /// compiled all of that code before the form could be used.
    pub fn amount_text(&self) -> String {
        let thousandths = (self.amount.abs() * 1000.0).round() as u64;
        let sign = if self.amount < 0.0 && thousandths != 0 {
            "-"
        } else {
            ""
        };
        let (whole, mut fraction) = (thousandths / 1000, thousandths % 1000);
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let mut digits = 3;
        while fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        format!("{sign}{whole}.{fraction:0digits$}")
    }
}

/// What a video costs depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoCost {
    pub mode: Mode,
    pub seconds: u32,
    pub sound: bool,
    pub with_video: bool,
}

impl Price {
    /// The price of a video, when the table has its rate.
    pub fn video(&self, c: VideoCost) -> Option<Estimate> {
        let table = match (c.with_video, c.sound) {
            (true, _) => &self.per_second_video,
            (false, true) => &self.per_second_sound,
            (false, false) => &self.per_second,
        };
        let rate = table.get(&c.mode)?;
        Some(self.amount(rate * f64::from(c.seconds)))
    }

    /// The price of `count` images at `resolution`.
    pub fn images(&self, resolution: Resolution, count: u32) -> Option<Estimate> {
        let rate = self.per_image.get(&resolution)?;
        Some(self.amount(rate * f64::from(count)))
    }

    fn amount(&self, x: f64) -> Estimate {
        // Prices have at most three decimals: round away float noise.
        Estimate {
            amount: (x * 1000.0).round() / 1000.0,
            currency: self.currency.clone(),
        }
    }
}

const BUILTIN: &str = include_str!("catalog.json");

impl Catalog {
    /// The documented facts, as shipped.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let c: Catalog = serde_json::from_str(BUILTIN).expect("catalog.json is valid");
            debug_assert!(c.check().is_ok(), "catalog.json is consistent");
            c
        })
    }

    /// The models of `kind` (ai-multi-shot has none).
    pub fn kind(&self, kind: TaskKind) -> Option<&KindCatalog> {
        match kind {
            TaskKind::OmniImage => Some(&self.omni_image),
            TaskKind::OmniVideo => Some(&self.omni_video),
            TaskKind::ImageGeneration => Some(&self.image_generation),
            TaskKind::MultiShot => None,
        }
    }

    fn kinds_mut(&mut self) -> [(&'static str, &mut KindCatalog); 4] {
        [
            ("omni_image", &mut self.omni_image),
            ("omni_video", &mut self.omni_video),
            ("image_generation", &mut self.image_generation),
            ("all_in_one", &mut self.all_in_one),
        ]
    }

    /// This catalog changed by an operator file (already parsed into JSON): per kind,
    /// `remove` names models to drop, `default_model` picks the form's default, and each
    /// entry of `models` either changes the model it names (only the fields given; nested
    /// tables merge) or, with `like = "other"`, adds a model that starts as a copy of
    /// another. Mistakes are refused with the place and the reason.
    pub fn apply(&self, file: &Value) -> Result<Catalog, CatalogError> {
        let mut out = self.clone();
        let Value::Object(top) = file else {
            return Err(CatalogError::at(
                "",
                "the catalog file must be a table of kinds",
            ));
        };
        for key in top.keys() {
            if !matches!(
                key.as_str(),
                "omni_image" | "omni_video" | "image_generation" | "all_in_one" | "concurrency"
            ) {
                return Err(CatalogError::at(
                    key,
                    "unknown kind; the kinds are omni_image, omni_video, image_generation, all_in_one (and concurrency)",
                ));
            }
        }
        if let Some(c) = top.get("concurrency") {
            // Only the pools given change.
            let mut merged = serde_json::to_value(out.concurrency).unwrap_or_default();
            merge(&mut merged, c.clone());
            out.concurrency = serde_json::from_value(merged).map_err(|e| {
                CatalogError::at(
                    "concurrency",
                    &format!("must be {{ image = N, video = N }}: {e}"),
                )
            })?;
            if out.concurrency.image == 0 || out.concurrency.video == 0 {
                return Err(CatalogError::at(
                    "concurrency",
                    "each pool needs at least 1",
                ));
            }
        }
        for (name, kind) in out.kinds_mut() {
            if let Some(changes) = top.get(name) {
                apply_kind(name, kind, changes)?;
            }
        }
        out.check()?;
        Ok(out)
    }

    /// Consistency: every kind has a model, its default exists, names are unique, ranges
    /// are ordered.
    pub fn check(&self) -> Result<(), CatalogError> {
        let kinds = [
            ("omni_image", &self.omni_image),
            ("omni_video", &self.omni_video),
            ("image_generation", &self.image_generation),
            ("all_in_one", &self.all_in_one),
        ];
        for (name, kind) in kinds {
            if kind.models.is_empty() {
                return Err(CatalogError::at(name, "no models left; keep at least one"));
            }
            if kind.model(kind.default_model.as_str()).is_none() {
                return Err(CatalogError::model(
                    name,
                    kind.default_model.as_str(),
                    "default_model names no model of this kind",
                ));
            }
            for (i, m) in kind.models.iter().enumerate() {
                if kind.models[..i].iter().any(|o| o.name == m.name) {
                    return Err(CatalogError::model(name, m.name.as_str(), "listed twice"));
                }
                m.check()
                    .map_err(|why| CatalogError::model(name, m.name.as_str(), &why))?;
            }
        }
        Ok(())
    }
}

impl ModelSpec {
    /// The problem for a field this model does not take.
    pub fn refuses(&self, feature: Feature) -> Problem {
        Problem::NotForModel {
            feature,
            model: self.name.0.clone(),
        }
    }

    /// The output an image request asks for: its resolution, count (`n`, or
    /// `num_images` on the all-in-one route) and aspect ratio, against this model's.
    pub fn check_output(
        &self,
        resolution: Option<Resolution>,
        (count_field, count): (&str, Option<u32>),
        aspect_ratio: Option<AspectRatio>,
        v: &mut Violations,
    ) {
        check_subset("resolution", resolution, &self.resolutions, v);
        if let Some(span) = self.count {
            check_range(count_field, count.map(i64::from), span.min, span.max, v);
        }
        check_subset("aspect_ratio", aspect_ratio, &self.aspect_ratios, v);
    }

    fn check(&self) -> Result<(), String> {
        if self.name.as_str().trim().is_empty() {
            return Err("a model needs a name".into());
        }
        let spans = [
            ("count", self.count),
            (
                "series",
                self.series.map(|s| Span {
                    min: s.min,
                    max: s.max,
                }),
            ),
        ];
        for (what, span) in spans {
            if let Some(s) = span {
                if s.min > s.max || s.min < 0 {
                    return Err(format!("{what}: min must be from 0 to max"));
                }
            }
        }
        if let Some(d) = &self.duration {
            if d.min == 0 || d.min > d.max || !(d.min..=d.max).contains(&d.default) {
                return Err("duration: needs 0 < min <= default <= max".into());
            }
        }
        if let Some(m) = &self.multi_shot {
            if m.max_shots == 0 || m.shot_types.is_empty() {
                return Err("multi_shot: needs max_shots > 0 and at least one shot type".into());
            }
        }
        Ok(())
    }
}

fn apply_kind(name: &str, kind: &mut KindCatalog, changes: &Value) -> Result<(), CatalogError> {
    let Value::Object(changes) = changes else {
        return Err(CatalogError::at(name, "must be a table"));
    };
    for (key, value) in changes {
        match (key.as_str(), value) {
            ("remove", Value::Array(names)) => {
                for n in names {
                    let n = n.as_str().unwrap_or_default();
                    let before = kind.models.len();
                    kind.models.retain(|m| m.name != *n);
                    if kind.models.len() == before {
                        return Err(CatalogError::model(
                            name,
                            n,
                            "cannot be removed: no such model",
                        ));
                    }
                }
            }
            ("default_model", Value::String(m)) => kind.default_model = ModelName(m.clone()),
            ("upstream_default", Value::String(m)) => kind.upstream_default = ModelName(m.clone()),
            ("models", Value::Array(entries)) => {
                for entry in entries {
                    apply_model(name, kind, entry)?;
                }
            }
            ("remove" | "models", _) => {
                return Err(CatalogError::at(&format!("{name}.{key}"), "must be a list"))
            }
            ("default_model" | "upstream_default", _) => {
                return Err(CatalogError::at(
                    &format!("{name}.{key}"),
                    "must be a model name",
                ))
            }
            _ => {
                return Err(CatalogError::at(
                    &format!("{name}.{key}"),
                    "unknown key; use remove, default_model, upstream_default or models",
                ))
            }
        }
    }
    Ok(())
}

fn apply_model(kind_name: &str, kind: &mut KindCatalog, entry: &Value) -> Result<(), CatalogError> {
    let Some(mut entry) = entry.as_object().cloned() else {
        return Err(CatalogError::at(
            &format!("{kind_name}.models"),
            "each model must be a table",
        ));
    };
    let Some(Value::String(name)) = entry.get("name").cloned() else {
        return Err(CatalogError::at(
            &format!("{kind_name}.models"),
            "each model needs a name",
        ));
    };
    let like = entry.shift_remove("like");
    let existing = kind.models.iter().position(|m| m.name == *name.as_str());
    let (base, slot) =
        match (&like, existing) {
            (Some(_), Some(_)) => {
                return Err(CatalogError::model(
                    kind_name,
                    &name,
                    "exists already; leave out `like` to change it",
                ))
            }
            (Some(Value::String(like)), None) => {
                let Some(base) = kind.model(like) else {
                    return Err(CatalogError::model(
                        kind_name,
                        &name,
                        &format!("is like {like:?}, which is no model of this kind"),
                    ));
                };
                (base.clone(), None)
            }
            (Some(_), None) => {
                return Err(CatalogError::model(
                    kind_name,
                    &name,
                    "`like` must be a model name",
                ))
            }
            (None, Some(i)) => (kind.models[i].clone(), Some(i)),
            (None, None) => return Err(CatalogError::model(
                kind_name,
                &name,
                "is no model of this kind; to add one, say which model it is like (like = \"...\")",
            )),
        };
    let mut merged = serde_json::to_value(&base).unwrap_or(Value::Null);
    merge(&mut merged, Value::Object(entry));
    let spec: ModelSpec = serde_json::from_value(merged)
        .map_err(|e| CatalogError::model(kind_name, &name, &e.to_string()))?;
    match slot {
        Some(i) => kind.models[i] = spec,
        None => kind.models.push(spec),
    }
    Ok(())
}

/// Tables merge key by key; anything else replaces.
fn merge(base: &mut Value, change: Value) {
    match (base, change) {
        (Value::Object(b), Value::Object(c)) => {
            for (k, v) in c {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl KindCatalog {
    pub fn model(&self, name: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.name == *name)
    }

    /// The entry a request naming `name` (or no model: the upstream's default) gets.
    pub fn spec_for(&self, name: Option<&ModelName>) -> Option<&ModelSpec> {
        self.model(name.unwrap_or(&self.upstream_default).as_str())
    }

    /// The model names, in order.
    pub fn names(&self) -> Vec<String> {
        self.models.iter().map(|m| m.name.0.clone()).collect()
    }

    /// The entry of a request's model (the upstream's default when it names none), or a
    /// problem on `field`.
    pub fn resolve(
        &self,
        field: &str,
        name: Option<&ModelName>,
        v: &mut Violations,
    ) -> Option<&ModelSpec> {
        let wanted = name.unwrap_or(&self.upstream_default);
        let found = self.model(wanted.as_str());
        if found.is_none() {
            let problem = match name {
                Some(n) => Problem::NotOneOf {
                    got: n.0.clone(),
                    allowed: self.names(),
                },
                // The upstream would pick a model this deployment does not offer.
                None => Problem::Required,
            };
            v.push(field, problem);
        }
        found
    }
}

/// A catalog mistake: where (kind, model) and why. The BFF turns `model` into a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// `omni_video` or `omni_video.models`.
    pub place: String,
    /// The model the mistake is in, when there is one.
    pub model: Option<String>,
    pub reason: String,
}

impl CatalogError {
    fn at(place: &str, reason: &str) -> Self {
        CatalogError {
            place: place.to_owned(),
            model: None,
            reason: reason.to_owned(),
        }
    }

    fn model(kind: &str, model: &str, reason: &str) -> Self {
        CatalogError {
            place: kind.to_owned(),
            model: Some(model.to_owned()),
            reason: reason.to_owned(),
        }
    }
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.model {
            Some(m) => write!(f, "{}: model {m:?} {}", self.place, self.reason),
            None => write!(f, "{}: {}", self.place, self.reason),
        }
    }
}

impl std::error::Error for CatalogError {}
