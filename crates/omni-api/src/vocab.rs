//! The vocabulary: every closed set the rest of the crate speaks in (task kinds and
//! statuses, the rule names, Omni Video's modes and scenarios, placeholder kinds). It
//! sits at the bottom of the crate and depends on nothing in it but the `choice!` macro,
//! so the error types, the catalog and the endpoint modules can all use it.

use crate::choice::{choice, Choice};
use serde::{Deserialize, Serialize};
use std::fmt;

choice!(
    /// The four upstream task kinds.
    TaskKind {
        OmniImage = "omni-image",
        OmniVideo = "omni-video",
        ImageGeneration = "image-generation",
        MultiShot = "multi-shot",
    }
);

choice!(
    /// Where a task is in its life.
    TaskStatus {
        Submitted = "submitted",
        Processing = "processing",
        Succeed = "succeed",
        Failed = "failed",
    }
);

impl TaskKind {
    /// The upstream path under `/v1/` for create, read and list.
    pub fn path(self) -> &'static str {
        match self {
            TaskKind::OmniImage => "images/omni-image",
            TaskKind::OmniVideo => "videos/omni-video",
            TaskKind::ImageGeneration => "images/generations",
            TaskKind::MultiShot => "general/ai-multi-shot",
        }
    }

    /// The kind served at an upstream path (`images/omni-image`).
    pub fn from_path(path: &str) -> Option<TaskKind> {
        TaskKind::ALL.iter().copied().find(|k| k.path() == path)
    }
}

impl TaskStatus {
    /// Succeed or failed: nothing will change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Succeed | TaskStatus::Failed)
    }
}

choice!(
    /// Generation mode: standard (720p), professional (1080p) or 4k (kling-v3-omni).
    Mode { Std = "std", Pro = "pro", K4 = "4k" }
);

choice!(
    /// Native sound (kling-v3-omni).
    OnOff { On = "on", Off = "off" }
);

choice!(
    /// How a storyboard is made: shot by shot, or split by the model from the prompt.
    ShotType { Customize = "customize", Intelligence = "intelligence" }
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

choice!(
    /// A list of result files of a task, as named in the studio's file addresses
    /// (`/api/v1/tasks/{id}/files/{set}/{index}`); `covers` are the videos' covers.
    ResultSet {
        Images = "images",
        SeriesImages = "series_images",
        Videos = "videos",
        Covers = "covers",
    }
);

impl ResultSet {
    /// The sets that hold a task's own results (covers only illustrate videos).
    pub const RESULTS: [ResultSet; 3] = [
        ResultSet::Images,
        ResultSet::SeriesImages,
        ResultSet::Videos,
    ];
}

choice!(
    /// What a placeholder points at: an item of `image_list`, `element_list` or `video_list`.
    RefKind { Image = "image", Element = "element", Video = "video" }
);

impl RefKind {
    /// The request list that holds items of this kind.
    pub fn list_field(self) -> &'static str {
        match self {
            RefKind::Image => "image_list",
            RefKind::Element => "element_list",
            RefKind::Video => "video_list",
        }
    }
}

/// Why a `<<<...` token is not a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Malformed {
    /// `<<<image_1>>` or `<<<image_1` with no `>>>` nearby.
    Unclosed,
    /// `<<<img_1>>>`: the kind is not image, element or video.
    UnknownKind(String),
    /// `<<<image_0>>>`, `<<<image_x>>>`: the index is not a number from 1.
    BadIndex(String),
}

/// A stable, snake_case name for every rule the crate checks; the app localises by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A value of the wrong JSON type (a number where a string belongs, ...).
    Type,
    Required,
    Blank,
    MaxChars,
    OneOf,
    Range,
    NotAllowed,
    TooMany,
    TooFew,
    Duplicate,
    UrlScheme,
    UrlInvalid,
    FileExtension,
    Base64,
    ImageFormat,
    ImageTooLarge,
    ImageTooSmall,
    ImageAspectRatio,
    PlaceholderMalformed,
    PlaceholderDangling,
    PlaceholderKind,
    EndFrameWithoutFirstFrame,
    EndFrameWithManyImages,
    FrameWithVideoEdit,
    VideoDuration,
    VideoResolution,
    VideoFrameRate,
    VideoTooLarge,
    ModelFeature,
    ShotSum,
    UnknownField,
    /// A rule name this build does not know (sent by a newer BFF).
    #[serde(other)]
    Unknown,
}

impl Rule {
    /// The wire name, as serialised.
    pub fn as_str(self) -> &'static str {
        use Rule::*;
        match self {
            Type => "type",
            Required => "required",
            Blank => "blank",
            MaxChars => "max_chars",
            OneOf => "one_of",
            Range => "range",
            NotAllowed => "not_allowed",
            TooMany => "too_many",
            TooFew => "too_few",
            Duplicate => "duplicate",
            UrlScheme => "url_scheme",
            UrlInvalid => "url_invalid",
            FileExtension => "file_extension",
            Base64 => "base64",
            ImageFormat => "image_format",
            ImageTooLarge => "image_too_large",
            ImageTooSmall => "image_too_small",
            ImageAspectRatio => "image_aspect_ratio",
            PlaceholderMalformed => "placeholder_malformed",
            PlaceholderDangling => "placeholder_dangling",
            PlaceholderKind => "placeholder_kind",
            EndFrameWithoutFirstFrame => "end_frame_without_first_frame",
            EndFrameWithManyImages => "end_frame_with_many_images",
            FrameWithVideoEdit => "frame_with_video_edit",
            VideoDuration => "video_duration",
            VideoResolution => "video_resolution",
            VideoFrameRate => "video_frame_rate",
            VideoTooLarge => "video_too_large",
            ModelFeature => "model_feature",
            ShotSum => "shot_sum",
            UnknownField => "unknown_field",
            Unknown => "unknown",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
