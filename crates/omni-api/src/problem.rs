//! What exactly is wrong with a field, with the numbers and names involved: the typed
//! parameters behind every [`FieldError`](crate::FieldError). Each problem belongs to one
//! [`Rule`]; its English sentence is written here once (the BFF's envelope), and the app
//! renders its own sentence for the same problem in the reader's language.

use crate::choice::choice;
use crate::vocab::{FrameType, Malformed, RefKind, Rule, Scenario};
use crate::Choice;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One broken rule's specifics. Serialised as serde's default enum form,
/// `{"max_chars": {"max": 2500, "got": 2613}}` or `"required"`: an internally tagged form
/// would cost the app some 75 KB of wasm to read back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A JSON value of the wrong type.
    WrongType {
        expected: Expected,
    },
    /// `external_task_id` with spaces, control characters or `/ ? # %`.
    IdCharacters,
    Required,
    /// `aspect_ratio` for a video whose shape is not given by an input.
    RequiredFor {
        scenario: Scenario,
    },
    /// An ai-multi-shot all-in-one task without its subject image.
    SubjectImageNeeded,
    /// kling-v1-5 image-to-image without `image_reference`.
    ImageReferenceNeeded,
    Blank,
    MaxChars {
        max: usize,
        got: usize,
    },
    CharsBetween {
        min: usize,
        max: usize,
        got: usize,
    },
    /// A header value outside `A-Z a-z 0-9 - _`.
    KeyCharacters,
    /// A paging cursor this server did not issue.
    NotACursor,
    NotOneOf {
        got: String,
        allowed: Vec<String>,
    },
    /// A video length the model does not make in this scenario; `allowed` in order.
    DurationFor {
        scenario: Scenario,
        got: u32,
        allowed: Vec<u32>,
    },
    Range {
        min: f64,
        max: f64,
        got: f64,
    },
    /// `aspect_ratio` for a video that takes its shape from its input.
    FollowsInput {
        scenario: Scenario,
    },
    NegativePromptWithImage,
    SeriesAmountWithoutSeries,
    TooManyImages {
        max: usize,
        got: usize,
    },
    /// Omni Image: reference images plus elements.
    TooManyReferences {
        max: usize,
        got: usize,
    },
    /// Omni Video: images plus elements, whose limit depends on a reference video.
    TooManyVideoReferences {
        max: usize,
        got: usize,
        with_video: bool,
    },
    TooManyVideos {
        max: usize,
    },
    TooManyFurtherImages {
        max: usize,
        got: usize,
    },
    TooFewFurtherImages {
        min: usize,
    },
    DuplicateFrame {
        frame: FrameType,
    },
    DuplicateTag {
        tag: String,
    },
    UrlInvalid,
    UrlScheme {
        scheme: String,
    },
    FileExtension {
        ext: String,
        allowed: Vec<String>,
    },
    EmptyDataUrl,
    NotUrlOrBase64,
    NotJpegOrPng,
    DamagedImage {
        format: String,
    },
    ImageFormat {
        format: String,
    },
    ImageTooLarge {
        bytes: u64,
        max: u64,
    },
    ImageTooSmall {
        width: u32,
        height: u32,
        min: u32,
    },
    ImageAspectRatio {
        width: u32,
        height: u32,
    },
    PlaceholderMalformed {
        token: String,
        at: usize,
        why: Malformed,
    },
    /// A placeholder kind this endpoint does not take (`allowed` may be empty).
    PlaceholderKind {
        token: String,
        at: usize,
        allowed: Vec<RefKind>,
    },
    PlaceholderDangling {
        token: String,
        at: usize,
        kind: RefKind,
        have: usize,
    },
    EndFrameWithoutFirstFrame,
    EndFrameWithManyImages {
        max: usize,
    },
    FrameWithVideoEdit,
    /// Elements beyond the model's limit when frames are given (O1: none with an end frame).
    TooManyElementsWithFrames {
        max: usize,
        got: usize,
        end_frame: bool,
    },
    /// `sound: on` together with a reference video.
    SoundWithVideo,
    /// An end frame in a storyboard (a first frame is fine).
    EndFrameWithMultiShot,
    TooManyShots {
        max: usize,
        got: usize,
    },
    /// Storyboard shots whose seconds do not add up to `duration`.
    ShotSum {
        sum: u32,
        duration: u32,
    },
    /// A field the request's model does not take (from the catalog).
    NotForModel {
        feature: Feature,
        model: String,
    },
    /// A field this studio does not know, refused (`--unknown-fields reject`).
    UnknownField,
    // The video problems carry their limits, so every language says the same numbers
    // as the rule that was checked.
    VideoDuration {
        seconds: f64,
        min: f64,
        max: f64,
    },
    VideoResolution {
        width: u32,
        height: u32,
        min: u32,
        max: u32,
    },
    VideoFrameRate {
        fps: f64,
        min: f64,
        max: f64,
    },
    VideoTooLarge {
        bytes: u64,
        max: u64,
    },
    /// The first day of a range after its last.
    AfterEnd {
        end: String,
    },
    /// A range of days longer than a report covers.
    TooManyDays {
        max: u32,
    },
    /// More tasks than one batch makes.
    BatchTooLarge {
        max: usize,
        got: usize,
    },
    /// A problem this build does not know (sent by a newer BFF): only its message is shown.
    #[default]
    Other,
}

choice!(
    /// What a model may or may not offer, for [`Problem::NotForModel`].
    Feature {
        Sound = "sound",
        MultiShot = "multi_shot",
        Elements = "elements",
        Series = "series",
        SeriesAuto = "series_auto",
        ImageReference = "image_reference",
        ReferenceImage = "reference_image",
    }
);

/// The JSON types a field can expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    JsonObject,
    String,
    WholeNumber,
    Number,
    Boolean,
    Object,
    Array,
    ElementId,
    /// A calendar day, `YYYY-MM-DD`.
    Date,
}

impl Problem {
    /// The rule this problem breaks.
    pub fn rule(&self) -> Rule {
        use Problem::*;
        match self {
            WrongType { .. } | IdCharacters | KeyCharacters | NotACursor => Rule::Type,
            Required | RequiredFor { .. } | SubjectImageNeeded | ImageReferenceNeeded => {
                Rule::Required
            }
            Blank => Rule::Blank,
            MaxChars { .. } | CharsBetween { .. } => Rule::MaxChars,
            NotOneOf { .. } | DurationFor { .. } => Rule::OneOf,
            Range { .. } | AfterEnd { .. } => Rule::Range,
            TooManyDays { .. } | BatchTooLarge { .. } => Rule::TooMany,
            FollowsInput { .. }
            | NegativePromptWithImage
            | SeriesAmountWithoutSeries
            | SoundWithVideo
            | EndFrameWithMultiShot => Rule::NotAllowed,
            TooManyElementsWithFrames { .. } | TooManyShots { .. } => Rule::TooMany,
            ShotSum { .. } => Rule::ShotSum,
            NotForModel { .. } => Rule::ModelFeature,
            UnknownField => Rule::UnknownField,
            TooManyImages { .. }
            | TooManyReferences { .. }
            | TooManyVideoReferences { .. }
            | TooManyVideos { .. }
            | TooManyFurtherImages { .. } => Rule::TooMany,
            TooFewFurtherImages { .. } => Rule::TooFew,
            DuplicateFrame { .. } | DuplicateTag { .. } => Rule::Duplicate,
            UrlInvalid => Rule::UrlInvalid,
            UrlScheme { .. } => Rule::UrlScheme,
            FileExtension { .. } => Rule::FileExtension,
            EmptyDataUrl | NotUrlOrBase64 => Rule::Base64,
            NotJpegOrPng | DamagedImage { .. } | ImageFormat { .. } => Rule::ImageFormat,
            ImageTooLarge { .. } => Rule::ImageTooLarge,
            ImageTooSmall { .. } => Rule::ImageTooSmall,
            ImageAspectRatio { .. } => Rule::ImageAspectRatio,
            PlaceholderMalformed { .. } => Rule::PlaceholderMalformed,
            PlaceholderKind { .. } => Rule::PlaceholderKind,
            PlaceholderDangling { .. } => Rule::PlaceholderDangling,
            EndFrameWithoutFirstFrame => Rule::EndFrameWithoutFirstFrame,
            EndFrameWithManyImages { .. } => Rule::EndFrameWithManyImages,
            FrameWithVideoEdit => Rule::FrameWithVideoEdit,
            VideoDuration { .. } => Rule::VideoDuration,
            VideoResolution { .. } => Rule::VideoResolution,
            VideoFrameRate { .. } => Rule::VideoFrameRate,
            VideoTooLarge { .. } => Rule::VideoTooLarge,
            Other => Rule::Unknown,
        }
    }
}

/// Reads a problem, or [`Problem::Other`] for one this build does not know, so a newer
/// peer's errors still read (their English message is shown).
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Problem, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(Problem::deserialize(value).unwrap_or_default())
}

/// Allowed seconds in words: `3 to 15` for a run, `5 or 10` otherwise; `sep` is the
/// language's "to", `or` its "or".
pub fn seconds_words(allowed: &[u32], to: &str, or: &str) -> String {
    let run = allowed.windows(2).all(|w| w[1] == w[0] + 1);
    match allowed {
        [] => String::new(),
        [one] => one.to_string(),
        [first, .., last] if run && allowed.len() > 2 => format!("{first}{to}{last}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u32::to_string).collect();
            format!("{}{or}{last}", init.join(", "))
        }
    }
}

/// A feature in words, for messages.
pub fn feature_words(f: Feature) -> &'static str {
    match f {
        Feature::Sound => "sound",
        Feature::MultiShot => "multi-shot storyboards",
        Feature::Elements => "elements",
        Feature::Series => "image series",
        Feature::SeriesAuto => "an automatic series size",
        Feature::ImageReference => "image_reference (subject or face)",
        Feature::ReferenceImage => "a reference image",
    }
}

/// The scenario in words, for messages.
pub fn scenario_words(s: Scenario) -> &'static str {
    match s {
        Scenario::TextToVideo => "text-to-video",
        Scenario::FirstFrame => "a first-frame video",
        Scenario::FirstEndFrame => "a first-and-end-frame video",
        Scenario::Reference => "an image or element reference video",
        Scenario::VideoReference => "a video reference",
        Scenario::VideoEdit => "a video edit",
    }
}

fn frame_words(f: FrameType) -> &'static str {
    match f {
        FrameType::FirstFrame => "first frame",
        FrameType::EndFrame => "end frame",
    }
}

fn malformed_words(why: &Malformed) -> String {
    match why {
        Malformed::Unclosed => "is not closed with >>>".into(),
        Malformed::UnknownKind(k) => {
            format!("uses unknown kind {k:?}; use image, element or video")
        }
        Malformed::BadIndex(i) if i.is_empty() => "has no number; numbering starts at 1".into(),
        Malformed::BadIndex(i) => format!("has index {i:?}; numbering starts at 1"),
    }
}

fn quoted_list(items: &[String]) -> String {
    items.join(", ")
}

/// The English sentence, without the field name: `at most 2500 characters (...)`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Problem::*;
        match self {
            WrongType { expected } => f.write_str(match expected {
                Expected::JsonObject => "must be a JSON object",
                Expected::String => "must be a string",
                Expected::WholeNumber => "must be a whole number",
                Expected::Number => "must be a number",
                Expected::Boolean => "must be true or false",
                Expected::Object => "must be an object",
                Expected::Array => "must be an array",
                Expected::ElementId => "must be a positive whole number (a 64-bit id)",
                Expected::Date => "must be a date, YYYY-MM-DD",
            }),
            IdCharacters => f.write_str("may not contain spaces, control characters or / ? # %"),
            Required => f.write_str("is required"),
            RequiredFor { scenario } => write!(f, "is required for {}", scenario_words(*scenario)),
            SubjectImageNeeded => f.write_str("ai-multi-shot needs one subject image"),
            ImageReferenceNeeded => {
                f.write_str("is required with kling-v1-5 and an image: subject or face")
            }
            Blank => f.write_str("must not be blank"),
            MaxChars { max, got } => write!(f, "at most {max} characters (this one has {got})"),
            CharsBetween { min, max, got } => {
                write!(f, "must be {min} to {max} characters (this one has {got})")
            }
            KeyCharacters => f.write_str("may hold only the letters A-Z and a-z, digits, - and _"),
            NotACursor => f.write_str("is not a cursor this server issued"),
            NotOneOf { got, allowed } => write!(
                f,
                "{got:?} is not allowed here; must be one of: {}",
                quoted_list(allowed)
            ),
            DurationFor {
                scenario,
                got,
                allowed,
            } => write!(
                f,
                "must be {} seconds for {} (got {got})",
                seconds_words(allowed, " to ", " or "),
                scenario_words(*scenario)
            ),
            Range { min, max, got } => write!(f, "must be from {min} to {max} (got {got})"),
            AfterEnd { end } => write!(f, "must not be after the last day ({end})"),
            TooManyDays { max } => write!(f, "covers at most {max} days"),
            BatchTooLarge { max, got } => {
                write!(
                    f,
                    "makes at most {max} tasks in one batch (this one makes {got})"
                )
            }
            FollowsInput { scenario } => write!(
                f,
                "cannot be set for {}: the output follows the input",
                scenario_words(*scenario)
            ),
            NegativePromptWithImage => {
                f.write_str("is not supported when an image is given (image-to-image)")
            }
            SeriesAmountWithoutSeries => f.write_str("only applies when result_type is series"),
            TooManyImages { max, got } => write!(f, "at most {max} images (got {got})"),
            TooManyReferences { max, got } => {
                write!(
                    f,
                    "reference images plus elements: at most {max} (got {got})"
                )
            }
            TooManyVideoReferences {
                max,
                got,
                with_video,
            } => write!(
                f,
                "images plus elements: at most {max} {} a reference video (got {got})",
                if *with_video { "with" } else { "without" }
            ),
            TooManyVideos { max } => write!(f, "at most {max} reference video"),
            TooManyFurtherImages { max, got } => {
                write!(f, "at most {max} further reference images (got {got})")
            }
            TooFewFurtherImages { min } => {
                write!(f, "needs at least {min} further reference image")
            }
            DuplicateFrame { frame } => {
                write!(f, "only one image can be the {}", frame_words(*frame))
            }
            DuplicateTag { tag } => write!(f, "tag {tag} is listed twice"),
            UrlInvalid => f.write_str("must be an absolute http(s) URL"),
            UrlScheme { scheme } => write!(f, "must use http or https, not {scheme}"),
            FileExtension { ext, allowed } => {
                let dotted: Vec<String> = allowed.iter().map(|e| format!(".{e}")).collect();
                write!(f, "ends in .{ext}; only {} are accepted", dotted.join(", "))
            }
            EmptyDataUrl => f.write_str("is a data URL without base64 data after its comma"),
            NotUrlOrBase64 => f.write_str("is neither an http(s) URL nor valid base64"),
            NotJpegOrPng => f.write_str("is not a JPEG or PNG image"),
            DamagedImage { format } => write!(f, "is a damaged {format} image"),
            ImageFormat { format } => {
                write!(f, "is a {format} image; only JPEG and PNG are accepted")
            }
            ImageTooLarge { bytes, max } => {
                write!(f, "is {bytes} bytes; at most 10 MB ({max} bytes)")
            }
            ImageTooSmall { width, height, min } => write!(
                f,
                "is {width}x{height} px; the shorter side must be at least {min} px"
            ),
            ImageAspectRatio { width, height } => write!(
                f,
                "is {width}x{height} px; the aspect ratio must be between 1:2.5 and 2.5:1"
            ),
            PlaceholderMalformed { token, at, why } => {
                write!(f, "{token:?} at character {at} {}", malformed_words(why))
            }
            PlaceholderKind { token, at, allowed } if allowed.is_empty() => {
                write!(
                    f,
                    "{token} at character {at}: this endpoint takes no placeholders"
                )
            }
            PlaceholderKind { token, at, allowed } => write!(
                f,
                "{token} at character {at}: this endpoint takes only {}",
                RefKind::list(allowed)
            ),
            PlaceholderDangling {
                token,
                at,
                kind,
                have,
            } => write!(
                f,
                "{token} at character {at} points at nothing: {} has {have} item{}",
                kind.list_field(),
                if *have == 1 { "" } else { "s" }
            ),
            EndFrameWithoutFirstFrame => f.write_str("an end frame needs a first frame"),
            EndFrameWithManyImages { max } => {
                write!(f, "an end frame is only possible with at most {max} images")
            }
            FrameWithVideoEdit => f.write_str(
                "first and end frames cannot be set when editing a video (refer_type base)",
            ),
            VideoDuration { seconds, min, max } => {
                write!(f, "lasts {seconds:.1} s; must be {min} to {max} s")
            }
            VideoResolution {
                width,
                height,
                min,
                max,
            } => write!(
                f,
                "is {width}x{height} px; the shorter side must be {min} to {max} px"
            ),
            VideoFrameRate { fps, min, max } => {
                write!(f, "runs at {fps:.0} fps; must be {min} to {max}")
            }
            VideoTooLarge { bytes, max } => {
                write!(f, "is {bytes} bytes; at most {} MB", max / 1024 / 1024)
            }
            TooManyElementsWithFrames {
                max,
                got,
                end_frame,
            } => write!(
                f,
                "at most {max} elements with {} (got {got})",
                if *end_frame {
                    "first and end frames"
                } else {
                    "a first frame"
                }
            ),
            SoundWithVideo => f.write_str("must be off when a video is referenced"),
            EndFrameWithMultiShot => f.write_str(
                "a storyboard can start from a first frame but cannot have an end frame",
            ),
            TooManyShots { max, got } => write!(f, "at most {max} shots (got {got})"),
            ShotSum { sum, duration } => write!(
                f,
                "the shots add up to {sum} s but the video is {duration} s; they must be equal"
            ),
            NotForModel { feature, model } => {
                write!(f, "{model} does not offer {}", feature_words(*feature))
            }
            UnknownField => {
                f.write_str("is not a field this studio knows (unknown fields are refused here)")
            }
            Other => f.write_str("breaks a rule this version does not know"),
        }
    }
}
