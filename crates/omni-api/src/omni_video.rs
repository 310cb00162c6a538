//! Omni Video: `POST /v1/videos/omni-video` (api-docs/omni-video.md), and the scenario
//! a request's inputs make, which decides the fields it may carry.

use crate::catalog::{Catalog, Estimate, ModelSpec, VideoCost};
use crate::common::{AspectRatio, WatermarkInfo};
use crate::error::{index, Violations};
use crate::ids::ModelName;
use crate::json::Reader;
use crate::media::{check_image, check_media_url, VIDEO_EXTENSIONS};
use crate::omni_image::ElementItem;
pub use crate::problem::scenario_words;
use crate::problem::{Feature, Problem};
use crate::prompt::{
    char_count, check_length, check_placeholders, check_prompt, RefCounts, RefKind,
};
use crate::rules::{check_callback, check_external_id, check_subset};
use serde::{Deserialize, Serialize};

pub use crate::vocab::{FrameType, Mode, OnOff, ReferType, Scenario, ShotType, YesNo};

/// Placeholder kinds an Omni Video prompt may use: all three.
pub const PLACEHOLDER_KINDS: &[RefKind] = &[RefKind::Image, RefKind::Element, RefKind::Video];
pub const ASPECT_RATIOS: &[AspectRatio] =
    &[AspectRatio::R16x9, AspectRatio::R9x16, AspectRatio::R1x1];
pub const DEFAULT_MODE: Mode = Mode::Pro;

/// A reference image, optionally a first or end frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoImageItem {
    pub image_url: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<FrameType>,
}

/// The one reference video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoItem {
    pub video_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refer_type: Option<ReferType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_original_sound: Option<YesNo>,
}

/// The body of an Omni Video create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OmniVideoRequest {
    /// `None`: the upstream's default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<ModelName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_shot: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shot_type: Option<ShotType>,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub multi_prompt: Vec<Shot>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_list: Vec<VideoImageItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_list: Vec<ElementItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_list: Vec<VideoItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<OnOff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    /// Seconds, sent as a string as the upstream documents (`"5"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "duration_string"
    )]
    pub duration: Option<u32>,
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

/// One storyboard shot; `duration` is seconds, a string on the wire like `duration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    pub prompt: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "duration_string"
    )]
    pub duration: Option<u32>,
}

pub(crate) mod duration_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            N(u32),
            S(String),
        }
        match Option::<Either>::deserialize(d)? {
            None => Ok(None),
            Some(Either::N(n)) => Ok(Some(n)),
            Some(Either::S(s)) if s.is_empty() => Ok(None),
            Some(Either::S(s)) => s.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

impl Default for OmniVideoRequest {
    fn default() -> Self {
        OmniVideoRequest {
            model_name: None,
            multi_shot: None,
            shot_type: None,
            prompt: String::new(),
            multi_prompt: Vec::new(),
            image_list: Vec::new(),
            element_list: Vec::new(),
            video_list: Vec::new(),
            sound: None,
            mode: None,
            aspect_ratio: None,
            duration: None,
            watermark_info: None,
            callback_url: None,
            external_task_id: None,
            other: serde_json::Map::new(),
        }
    }
}

impl Scenario {
    /// Whether `aspect_ratio` is required (`Some(true)`) or must be absent (`Some(false)`).
    pub fn needs_aspect_ratio(self) -> bool {
        matches!(
            self,
            Scenario::TextToVideo | Scenario::Reference | Scenario::VideoReference
        )
    }

    /// Whether images may be marked as first or end frames.
    pub fn allows_frames(self) -> bool {
        self != Scenario::VideoEdit
    }

    /// Whether a reference video is part of it.
    pub fn has_video(self) -> bool {
        matches!(self, Scenario::VideoReference | Scenario::VideoEdit)
    }
}

impl OmniVideoRequest {
    /// Reads a request body, collecting type errors.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        let image_list = r
            .objects("image_list", v)
            .iter()
            .map(|item| VideoImageItem {
                image_url: item.image("image_url", "image", v),
                frame: item.choice("type", v),
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
        let video_list = r
            .objects("video_list", v)
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let url = item.string("video_url", v);
                if url.is_none() {
                    v.push(format!("video_list[{i}].video_url"), Problem::Required);
                }
                VideoItem {
                    video_url: url.unwrap_or_default(),
                    refer_type: item.choice("refer_type", v),
                    keep_original_sound: item.choice("keep_original_sound", v),
                }
            })
            .collect();
        let multi_prompt = r
            .objects("multi_prompt", v)
            .iter()
            .map(|shot| Shot {
                index: shot.int("index", v).map(|n| n.clamp(0, 1000) as u32),
                prompt: shot.text("prompt", v).unwrap_or_default(),
                duration: shot.int("duration", v).map(|n| n.clamp(0, 1000) as u32),
            })
            .collect();
        OmniVideoRequest {
            model_name: r.string("model_name", v).map(ModelName),
            multi_shot: r.boolean("multi_shot", v),
            shot_type: r.choice("shot_type", v),
            prompt: r.text("prompt", v).unwrap_or_default(),
            multi_prompt,
            image_list,
            element_list,
            video_list,
            sound: r.choice("sound", v),
            mode: r.choice("mode", v),
            aspect_ratio: r.choice("aspect_ratio", v),
            duration: r.int("duration", v).map(|n| n.clamp(0, 1000) as u32),
            watermark_info: r.object("watermark_info", v).map(|w| WatermarkInfo {
                enabled: w.boolean("enabled", v).unwrap_or(false),
            }),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
            other: serde_json::Map::new(),
        }
    }

    /// What the inputs make of this request.
    pub fn scenario(&self) -> Scenario {
        let has_frame = |f| self.has_frame(f);
        match self.video_list.first() {
            Some(video) if video.refer_type == Some(ReferType::Base) => Scenario::VideoEdit,
            _ if has_frame(FrameType::FirstFrame) && has_frame(FrameType::EndFrame) => {
                Scenario::FirstEndFrame
            }
            _ if has_frame(FrameType::FirstFrame) => Scenario::FirstFrame,
            Some(_) => Scenario::VideoReference,
            None if !self.image_list.is_empty() || !self.element_list.is_empty() => {
                Scenario::Reference
            }
            None => Scenario::TextToVideo,
        }
    }

    fn has_frame(&self, f: FrameType) -> bool {
        self.image_list.iter().any(|i| i.frame == Some(f))
    }

    /// Whether this is a storyboard (`multi_shot: true`).
    pub fn is_storyboard(&self) -> bool {
        self.multi_shot == Some(true)
    }

    /// Whether the shots are written out (a customize storyboard).
    pub fn has_custom_shots(&self) -> bool {
        self.is_storyboard() && self.shot_type == Some(ShotType::Customize)
    }

    /// `duration`, or the model's default when absent: the length the shots must add up to.
    pub fn seconds(&self, spec: &ModelSpec) -> u32 {
        let default = spec.duration.as_ref().map_or(5, |d| d.default);
        self.duration.unwrap_or(default)
    }

    /// The seconds of each segment the video will have: a written-out storyboard's shots,
    /// else one segment of [`seconds`](Self::seconds). What the price and the
    /// simulator's render both go by.
    pub fn segments(&self, spec: &ModelSpec) -> Vec<u32> {
        let shots: Vec<u32> = self
            .multi_prompt
            .iter()
            .filter_map(|s| s.duration)
            .collect();
        if self.has_custom_shots() && shots.iter().sum::<u32>() > 0 {
            shots
        } else {
            vec![self.seconds(spec)]
        }
    }

    pub fn ref_counts(&self) -> RefCounts {
        RefCounts {
            images: self.image_list.len(),
            elements: self.element_list.len(),
            videos: self.video_list.len(),
        }
    }

    /// Every documented rule, with the numbers of the request's model in `catalog`; all
    /// violations, not only the first.
    pub fn validate(&self, catalog: &Catalog) -> Violations {
        let mut v = Violations::default();
        let scenario = self.scenario();
        self.check_prompts(&mut v);
        self.check_videos(&mut v);
        let Some(spec) = catalog
            .omni_video
            .resolve("model_name", self.model_name.as_ref(), &mut v)
        else {
            // Without the model's entry no limit is known; the structural rules ran.
            return v;
        };
        self.check_images(spec, scenario, &mut v);
        self.check_references(spec, scenario, &mut v);
        let modes = if scenario.has_video() {
            &spec.modes_with_video
        } else {
            &spec.modes
        };
        check_subset("mode", self.mode, modes, &mut v);
        check_subset(
            "aspect_ratio",
            self.aspect_ratio,
            &spec.aspect_ratios,
            &mut v,
        );
        match (scenario.needs_aspect_ratio(), self.aspect_ratio) {
            (true, None) => v.push("aspect_ratio", Problem::RequiredFor { scenario }),
            (false, Some(_)) => v.push("aspect_ratio", Problem::FollowsInput { scenario }),
            _ => {}
        }
        let allowed = spec.duration.as_ref().and_then(|d| d.allowed(scenario));
        if let (Some(d), Some(allowed)) = (self.duration, allowed) {
            if !allowed.contains(&d) {
                v.push(
                    "duration",
                    Problem::DurationFor {
                        scenario,
                        got: d,
                        allowed,
                    },
                );
            }
        }
        self.check_sound(spec, scenario, &mut v);
        self.check_storyboard(spec, &mut v);
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        v
    }

    /// The main prompt is required unless the shots are written out, where it is ignored
    /// (the official examples send `""`).
    fn check_prompts(&self, v: &mut Violations) {
        let refs = self.ref_counts();
        if !self.has_custom_shots() {
            check_prompt("prompt", Some(&self.prompt), PLACEHOLDER_KINDS, refs, v);
        } else if !self.prompt.is_empty() {
            check_length("prompt", &self.prompt, v);
            check_placeholders("prompt", &self.prompt, PLACEHOLDER_KINDS, refs, v);
        }
    }

    fn check_sound(&self, spec: &ModelSpec, scenario: Scenario, v: &mut Violations) {
        if self.sound != Some(OnOff::On) {
            return;
        }
        if !spec.sound {
            v.push("sound", spec.refuses(Feature::Sound));
        } else if scenario.has_video() {
            v.push("sound", Problem::SoundWithVideo);
        }
    }

    fn check_storyboard(&self, spec: &ModelSpec, v: &mut Violations) {
        if !self.is_storyboard() {
            return;
        }
        let Some(ms) = &spec.multi_shot else {
            v.push("multi_shot", spec.refuses(Feature::MultiShot));
            return;
        };
        match self.shot_type {
            None => v.push("shot_type", Problem::Required),
            Some(t) => check_subset("shot_type", Some(t), &ms.shot_types, v),
        }
        if let Some(i) = self
            .image_list
            .iter()
            .position(|i| i.frame == Some(FrameType::EndFrame))
        {
            v.push(
                format!("{}.type", index("image_list", i)),
                Problem::EndFrameWithMultiShot,
            );
        }
        if self.shot_type != Some(ShotType::Customize) {
            return;
        }
        let shots = &self.multi_prompt;
        if shots.is_empty() {
            v.push("multi_prompt", Problem::Required);
            return;
        }
        if shots.len() > ms.max_shots {
            v.push(
                "multi_prompt",
                Problem::TooManyShots {
                    max: ms.max_shots,
                    got: shots.len(),
                },
            );
        }
        let total = self.seconds(spec);
        let refs = self.ref_counts();
        for (i, shot) in shots.iter().enumerate() {
            let at = index("multi_prompt", i);
            let field = format!("{at}.prompt");
            if shot.prompt.trim().is_empty() {
                v.push(field, Problem::Blank);
            } else {
                let n = char_count(&shot.prompt);
                if n > ms.max_shot_chars {
                    v.push(
                        field.clone(),
                        Problem::MaxChars {
                            max: ms.max_shot_chars,
                            got: n,
                        },
                    );
                }
                check_placeholders(&field, &shot.prompt, PLACEHOLDER_KINDS, refs, v);
            }
            let field = format!("{at}.duration");
            match shot.duration {
                None => v.push(field, Problem::Required),
                Some(d) if d < ms.min_shot_seconds || d > total => v.push(
                    field,
                    Problem::Range {
                        min: f64::from(ms.min_shot_seconds),
                        max: f64::from(total),
                        got: f64::from(d),
                    },
                ),
                _ => {}
            }
        }
        let sum: u32 = shots.iter().filter_map(|s| s.duration).sum();
        if shots.iter().all(|s| s.duration.is_some()) && sum != total {
            // At the shot where the running sum passes the total, else the last one: the
            // place a person edits to fix it.
            let mut running = 0;
            let at = shots
                .iter()
                .position(|s| {
                    running += s.duration.unwrap_or(0);
                    running > total
                })
                .unwrap_or(shots.len() - 1);
            v.push(
                format!("{}.duration", index("multi_prompt", at)),
                Problem::ShotSum {
                    sum,
                    duration: total,
                },
            );
        }
    }

    fn check_images(&self, spec: &ModelSpec, scenario: Scenario, v: &mut Violations) {
        let firsts = self
            .image_list
            .iter()
            .filter(|i| i.frame == Some(FrameType::FirstFrame))
            .count();
        let max_with_end = spec.references.max_images_with_end_frame;
        for (i, item) in self.image_list.iter().enumerate() {
            let at = index("image_list", i);
            if !item.image_url.is_empty() {
                check_image(&format!("{at}.image_url"), &item.image_url, v);
            }
            let type_field = format!("{at}.type");
            match item.frame {
                Some(_) if !scenario.allows_frames() => {
                    v.push(type_field, Problem::FrameWithVideoEdit)
                }
                Some(FrameType::EndFrame) if firsts == 0 => {
                    v.push(type_field, Problem::EndFrameWithoutFirstFrame)
                }
                Some(FrameType::EndFrame)
                    if max_with_end.is_some_and(|max| self.image_list.len() > max) =>
                {
                    let max = max_with_end.unwrap_or_default();
                    v.push(type_field, Problem::EndFrameWithManyImages { max })
                }
                Some(frame)
                    if self
                        .image_list
                        .iter()
                        .take(i)
                        .any(|o| o.frame == Some(frame)) =>
                {
                    v.push(type_field, Problem::DuplicateFrame { frame })
                }
                _ => {}
            }
        }
    }

    fn check_references(&self, spec: &ModelSpec, scenario: Scenario, v: &mut Violations) {
        let limits = &spec.references;
        let with_video = !self.video_list.is_empty();
        if self.video_list.len() > limits.max_videos {
            v.push(
                "video_list",
                Problem::TooManyVideos {
                    max: limits.max_videos,
                },
            );
        }
        let elements = self.element_list.len();
        if elements > 0 && !limits.elements {
            v.push("element_list", spec.refuses(Feature::Elements));
        }
        let refs = self.image_list.len() + elements;
        let max = if with_video {
            limits.max_with_video
        } else {
            limits.max
        };
        if refs > max {
            v.push(
                "image_list",
                Problem::TooManyVideoReferences {
                    max,
                    got: refs,
                    with_video,
                },
            );
        }
        let (end_frame, frame_max) = match scenario {
            Scenario::FirstEndFrame => (true, limits.max_elements_with_end_frame),
            Scenario::FirstFrame => (false, limits.max_elements_with_first_frame),
            _ => (false, None),
        };
        if let Some(max) = frame_max.filter(|max| elements > *max) {
            v.push(
                "element_list",
                Problem::TooManyElementsWithFrames {
                    max,
                    got: elements,
                    end_frame,
                },
            );
        }
    }

    fn check_videos(&self, v: &mut Violations) {
        for (i, item) in self.video_list.iter().enumerate() {
            if !item.video_url.is_empty() {
                let field = format!("{}.video_url", index("video_list", i));
                check_media_url(&field, &item.video_url, VIDEO_EXTENSIONS, v);
            }
        }
    }

    /// The estimate from the model's price table, when it has one: per second by mode
    /// (default `pro`), with sound, or with a reference video.
    pub fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        let spec = catalog.omni_video.spec_for(self.model_name.as_ref())?;
        spec.price.as_ref()?.video(VideoCost {
            mode: self.mode.unwrap_or(DEFAULT_MODE),
            seconds: self.segments(spec).iter().sum(),
            sound: self.sound == Some(OnOff::On),
            with_video: !self.video_list.is_empty(),
        })
    }
}
