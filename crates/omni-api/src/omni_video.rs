//! Omni Video: `POST /v1/videos/omni-video` (api-docs/omni-video.md), and the scenario
//! a request's inputs make, which decides the fields it may carry.

use crate::choice::choice;
use crate::common::{AspectRatio, WatermarkInfo};
use crate::error::{index, Violations};
use crate::json::Reader;
use crate::media::{check_image, check_media_url, VIDEO_EXTENSIONS};
use crate::omni_image::ElementItem;
pub use crate::problem::scenario_words;
use crate::problem::Problem;
use crate::prompt::{check_prompt, RefCounts, RefKind};
use crate::rules::{check_callback, check_external_id, check_subset};
use serde::{Deserialize, Serialize};

choice!(
    /// Models that serve Omni Video.
    OmniVideoModel { KlingVideoO1 = "kling-video-o1" }
);

choice!(
    /// Generation mode: standard or professional quality.
    Mode { Std = "std", Pro = "pro" }
);

choice!(
    /// The role of a reference image.
    FrameType { FirstFrame = "first_frame", EndFrame = "end_frame" }
);

choice!(
    /// How a reference video is used: as a style/feature reference, or as the base to edit.
    ReferType { Feature = "feature", Base = "base" }
);

choice!(
    /// Whether an edited video keeps its sound.
    YesNo { Yes = "yes", No = "no" }
);

choice!(
    /// What a request's inputs make of it; each scenario allows different fields.
    Scenario {
        TextToVideo = "text_to_video",
        FirstFrame = "first_frame",
        FirstEndFrame = "first_end_frame",
        Reference = "reference",
        VideoReference = "video_reference",
        VideoEdit = "video_edit",
    }
);

/// Placeholder kinds an Omni Video prompt may use: all three.
pub const PLACEHOLDER_KINDS: &[RefKind] = &[RefKind::Image, RefKind::Element, RefKind::Video];
pub const ASPECT_RATIOS: &[AspectRatio] =
    &[AspectRatio::R16x9, AspectRatio::R9x16, AspectRatio::R1x1];
/// Images plus elements with a reference video.
pub const MAX_REFS_WITH_VIDEO: usize = 4;
/// Images plus elements without a reference video.
pub const MAX_REFS: usize = 7;
pub const MAX_VIDEOS: usize = 1;
pub const DEFAULT_MODEL: OmniVideoModel = OmniVideoModel::KlingVideoO1;
pub const DEFAULT_MODE: Mode = Mode::Pro;
/// Durations for text-to-video and first-frame videos.
pub const FRAME_DURATIONS: &[u32] = &[5, 10];
/// Durations for reference videos.
pub const REFERENCE_DURATIONS: (u32, u32) = (3, 10);

/// A reference image, optionally a first or end frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoImageItem {
    pub image_url: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<FrameType>,
}

/// The one reference video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoItem {
    pub video_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refer_type: Option<ReferType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_original_sound: Option<YesNo>,
}

/// The body of an Omni Video create request, as forwarded upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OmniVideoRequest {
    #[serde(default = "default_model")]
    pub model_name: OmniVideoModel,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_list: Vec<VideoImageItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub element_list: Vec<ElementItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_list: Vec<VideoItem>,
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
}

fn default_model() -> OmniVideoModel {
    DEFAULT_MODEL
}

mod duration_string {
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
            model_name: DEFAULT_MODEL,
            prompt: String::new(),
            image_list: Vec::new(),
            element_list: Vec::new(),
            video_list: Vec::new(),
            mode: None,
            aspect_ratio: None,
            duration: None,
            watermark_info: None,
            callback_url: None,
            external_task_id: None,
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

    /// The durations this scenario takes, or `None` when duration is ignored (video edit).
    pub fn durations(self) -> Option<Vec<u32>> {
        match self {
            Scenario::TextToVideo | Scenario::FirstFrame | Scenario::FirstEndFrame => {
                Some(FRAME_DURATIONS.to_vec())
            }
            Scenario::Reference | Scenario::VideoReference => {
                Some((REFERENCE_DURATIONS.0..=REFERENCE_DURATIONS.1).collect())
            }
            Scenario::VideoEdit => None,
        }
    }

    /// Whether images may be marked as first or end frames.
    pub fn allows_frames(self) -> bool {
        self != Scenario::VideoEdit
    }

    /// The most images plus elements this scenario takes.
    pub fn max_references(self) -> usize {
        match self {
            Scenario::VideoReference | Scenario::VideoEdit => MAX_REFS_WITH_VIDEO,
            _ => MAX_REFS,
        }
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
        OmniVideoRequest {
            model_name: r.choice("model_name", v).unwrap_or(DEFAULT_MODEL),
            prompt: r.text("prompt", v).unwrap_or_default(),
            image_list,
            element_list,
            video_list,
            mode: r.choice("mode", v),
            aspect_ratio: r.choice("aspect_ratio", v),
            duration: r.int("duration", v).map(|n| n.clamp(0, 1000) as u32),
            watermark_info: r.object("watermark_info", v).map(|w| WatermarkInfo {
                enabled: w.boolean("enabled", v).unwrap_or(false),
            }),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
        }
    }

    /// What the inputs make of this request.
    pub fn scenario(&self) -> Scenario {
        let has_frame = |f| self.image_list.iter().any(|i| i.frame == Some(f));
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

    pub fn ref_counts(&self) -> RefCounts {
        RefCounts {
            images: self.image_list.len(),
            elements: self.element_list.len(),
            videos: self.video_list.len(),
        }
    }

    /// Every documented rule; all violations, not only the first.
    pub fn validate(&self) -> Violations {
        let mut v = Violations::default();
        let scenario = self.scenario();
        check_prompt(
            "prompt",
            Some(&self.prompt),
            PLACEHOLDER_KINDS,
            self.ref_counts(),
            &mut v,
        );
        self.check_images(scenario, &mut v);
        self.check_videos(&mut v);
        let refs = self.image_list.len() + self.element_list.len();
        let max = scenario.max_references();
        if refs > max {
            v.push(
                "image_list",
                Problem::TooManyVideoReferences {
                    max,
                    got: refs,
                    with_video: !self.video_list.is_empty(),
                },
            );
        }
        check_subset("aspect_ratio", self.aspect_ratio, ASPECT_RATIOS, &mut v);
        match (scenario.needs_aspect_ratio(), self.aspect_ratio) {
            (true, None) => v.push("aspect_ratio", Problem::RequiredFor { scenario }),
            (false, Some(_)) => v.push("aspect_ratio", Problem::FollowsInput { scenario }),
            _ => {}
        }
        if let (Some(d), Some(allowed)) = (self.duration, scenario.durations()) {
            if !allowed.contains(&d) {
                v.push("duration", Problem::DurationFor { scenario, got: d });
            }
        }
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        v
    }

    fn check_images(&self, scenario: Scenario, v: &mut Violations) {
        let firsts = self
            .image_list
            .iter()
            .filter(|i| i.frame == Some(FrameType::FirstFrame))
            .count();
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
                Some(FrameType::EndFrame) if self.image_list.len() > 2 => {
                    v.push(type_field, Problem::EndFrameWithManyImages)
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

    fn check_videos(&self, v: &mut Violations) {
        if self.video_list.len() > MAX_VIDEOS {
            v.push("video_list", Problem::TooManyVideos { max: MAX_VIDEOS });
        }
        for (i, item) in self.video_list.iter().enumerate() {
            if !item.video_url.is_empty() {
                let field = format!("{}.video_url", index("video_list", i));
                check_media_url(&field, &item.video_url, VIDEO_EXTENSIONS, v);
            }
        }
    }
}
