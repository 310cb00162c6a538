//! Responses: the envelope, the task object, list pages, callbacks, and the studio's
//! own task shape (a task plus its kind and the request that made it).

use crate::catalog::{Catalog, Estimate};
use crate::error::{FieldError, Violations, Warning};
use crate::ids::{ModelName, TaskId};
use crate::image_generation::ImageGenerationRequest;
use crate::json::Reader;
use crate::multi_shot::MultiShotRequest;
use crate::omni_image::OmniImageRequest;
use crate::omni_video::OmniVideoRequest;
use serde::{Deserialize, Serialize};

pub use crate::vocab::{ResultSet, TaskKind, TaskStatus};

/// The response envelope of every upstream and BFF route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    pub code: i64,
    pub message: String,
    #[serde(default)]
    pub request_id: String,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// On an accepted create: fields forwarded unchecked, a deprecated model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

fn none<T>() -> Option<T> {
    None
}

/// An error answer: the envelope without data, plus every field error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: i64,
    pub message: String,
    #[serde(default)]
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// `task_info` of a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_video: Option<ResultVideo>,
}

/// One result image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultImage {
    #[serde(default)]
    pub index: u32,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_url: Option<String>,
}

/// One result video; `duration` is a string of seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultVideo {
    #[serde(default)]
    pub id: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// A still image for the player (the studio's own addition; absent upstream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
}

/// What a finished task produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskResult {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ResultImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_images: Vec<ResultImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub videos: Vec<ResultVideo>,
}

impl TaskResult {
    pub fn is_empty(&self) -> bool {
        self.images.is_empty() && self.series_images.is_empty() && self.videos.is_empty()
    }
}

/// The upstream task object (create and read answers, list items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub task_id: TaskId,
    pub task_status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_status_msg: Option<String>,
    #[serde(default)]
    pub task_info: TaskInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark_info: Option<crate::common::WatermarkInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_unit_deduction: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub created_at: i64,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "TaskResult::is_empty")]
    pub task_result: TaskResult,
}

/// A task as the studio's own routes answer: the task, its kind, and the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudioTask {
    pub kind: TaskKind,
    #[serde(flatten)]
    pub task: Task,
    /// The original request, so a result can be re-run or edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<TaskRequest>,
    /// The name of the access token that created it (absent without named tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Present while the upstream does not have the task yet: it waits in the BFF's
    /// queue (with its place) or is being sent. Its `task_id` is then its
    /// `external_task_id`, which goes on finding it once the upstream has made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<crate::queue::QueueState>,
}

impl StudioTask {
    /// A task as its create answered (the `/kling` create routes answer the upstream's
    /// task object): its prompt stands for the request, as on a history page, until the
    /// task is read.
    pub fn created(kind: TaskKind, task: Task, prompt: &str) -> StudioTask {
        StudioTask {
            kind,
            task,
            request: Some(TaskRequest::summary(prompt)),
            created_by: None,
            queue: None,
        }
    }
}

/// The request that made a task, exactly as it went upstream: every field, the ones no
/// request type models too, in their order, so running it again sends the same thing.
/// [`typed`](Self::typed) reads it as its kind's request type; the fields the studio's
/// views need have readers of their own, so no caller digs in the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TaskRequest(pub serde_json::Value);

impl TaskRequest {
    /// The stand-in a history page carries: the prompt only (requests can hold
    /// megabytes of images; the whole one is read with the task).
    pub fn summary(prompt: &str) -> Self {
        TaskRequest(serde_json::json!({ "prompt": prompt }))
    }

    /// The request as its kind's type.
    pub fn typed(&self, kind: TaskKind) -> Result<UpstreamRequest, serde_json::Error> {
        UpstreamRequest::from_stored(kind, &self.0)
    }

    /// The prompt (multi-shot requests have none).
    pub fn prompt(&self) -> Option<&str> {
        self.text("prompt")
    }

    /// A top-level text field, such as `aspect_ratio`.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.0.get(field)?.as_str()
    }

    /// The same request as a new task: without its `external_task_id`, which would
    /// answer this task again.
    pub fn for_new_task(&self) -> serde_json::Value {
        let mut body = self.0.clone();
        if let Some(o) = body.as_object_mut() {
            // shift_remove keeps the order of the other fields, as the user sent them.
            o.shift_remove("external_task_id");
        }
        body
    }

    /// The JSON, for a view that shows every field.
    pub fn json(&self) -> &serde_json::Value {
        &self.0
    }
}

/// One page of `GET /api/v1/tasks`. Each task's `request` is a summary (its prompt):
/// requests can hold megabytes of images, and the whole one is at `/api/v1/tasks/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskPage {
    pub tasks: Vec<StudioTask>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A validated create request for any upstream kind.
#[derive(Debug, Clone, PartialEq)]
pub enum UpstreamRequest {
    OmniImage(OmniImageRequest),
    OmniVideo(OmniVideoRequest),
    ImageGeneration(ImageGenerationRequest),
    MultiShot(MultiShotRequest),
}

impl UpstreamRequest {
    pub fn kind(&self) -> TaskKind {
        match self {
            UpstreamRequest::OmniImage(_) => TaskKind::OmniImage,
            UpstreamRequest::OmniVideo(_) => TaskKind::OmniVideo,
            UpstreamRequest::ImageGeneration(_) => TaskKind::ImageGeneration,
            UpstreamRequest::MultiShot(_) => TaskKind::MultiShot,
        }
    }

    /// Reads a body of `kind`, collecting every type and rule violation, with the limits
    /// of `catalog`.
    pub fn parse(
        kind: TaskKind,
        body: &serde_json::Value,
        catalog: &Catalog,
    ) -> Result<Self, Violations> {
        Self::parse_tracked(kind, body, catalog).0
    }

    /// [`parse`](Self::parse), and the paths of the fields the request type does not
    /// model (forwarded as they are, but not checked).
    pub fn parse_tracked(
        kind: TaskKind,
        body: &serde_json::Value,
        catalog: &Catalog,
    ) -> (Result<Self, Violations>, Vec<String>) {
        let mut v = Violations::default();
        let Some(r) = Reader::root(body, &mut v) else {
            return (Err(v), Vec::new());
        };
        let req = match kind {
            TaskKind::OmniImage => UpstreamRequest::OmniImage(OmniImageRequest::read(&r, &mut v)),
            TaskKind::OmniVideo => UpstreamRequest::OmniVideo(OmniVideoRequest::read(&r, &mut v)),
            TaskKind::ImageGeneration => {
                UpstreamRequest::ImageGeneration(ImageGenerationRequest::read(&r, &mut v))
            }
            TaskKind::MultiShot => UpstreamRequest::MultiShot(MultiShotRequest::read(&r, &mut v)),
        };
        let unread = r.unread(body);
        v.extend_new_fields(req.validate(catalog));
        (v.into_result().map(|()| req), unread)
    }

    /// Every rule of this kind, with the limits of `catalog`.
    pub fn validate(&self, catalog: &Catalog) -> Violations {
        match self {
            UpstreamRequest::OmniImage(r) => r.validate(catalog),
            UpstreamRequest::OmniVideo(r) => r.validate(catalog),
            UpstreamRequest::ImageGeneration(r) => r.validate(catalog),
            UpstreamRequest::MultiShot(r) => r.validate(),
        }
    }

    /// The cost estimate from the catalog's price table, when the model has one.
    pub fn estimate(&self, catalog: &Catalog) -> Option<Estimate> {
        match self {
            UpstreamRequest::OmniImage(r) => r.estimate(catalog),
            UpstreamRequest::OmniVideo(r) => r.estimate(catalog),
            UpstreamRequest::ImageGeneration(r) => r.estimate(catalog),
            UpstreamRequest::MultiShot(_) => None,
        }
    }

    /// The model the request names, if any.
    pub fn model_name(&self) -> Option<&ModelName> {
        match self {
            UpstreamRequest::OmniImage(r) => r.model_name.as_ref(),
            UpstreamRequest::OmniVideo(r) => r.model_name.as_ref(),
            UpstreamRequest::ImageGeneration(r) => r.model_name.as_ref(),
            UpstreamRequest::MultiShot(_) => None,
        }
    }

    /// The JSON body to send upstream.
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            UpstreamRequest::OmniImage(r) => serde_json::to_value(r),
            UpstreamRequest::OmniVideo(r) => serde_json::to_value(r),
            UpstreamRequest::ImageGeneration(r) => serde_json::to_value(r),
            UpstreamRequest::MultiShot(r) => serde_json::to_value(r),
        };
        // Plain data structs with string keys: serialisation cannot fail.
        v.unwrap_or(serde_json::Value::Null)
    }

    /// The JSON body as bytes, written straight from the request (fields in their
    /// declared order): no intermediate `Value` for a body of many base64 images.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let v = match self {
            UpstreamRequest::OmniImage(r) => serde_json::to_vec(r),
            UpstreamRequest::OmniVideo(r) => serde_json::to_vec(r),
            UpstreamRequest::ImageGeneration(r) => serde_json::to_vec(r),
            UpstreamRequest::MultiShot(r) => serde_json::to_vec(r),
        };
        // Plain data structs with string keys: serialisation cannot fail.
        v.unwrap_or_else(|_| b"null".to_vec())
    }

    /// The text prompt (the multi-shot endpoint has none).
    pub fn prompt(&self) -> &str {
        match self {
            UpstreamRequest::OmniImage(r) => &r.prompt,
            UpstreamRequest::OmniVideo(r) => &r.prompt,
            UpstreamRequest::ImageGeneration(r) => &r.prompt,
            UpstreamRequest::MultiShot(_) => "",
        }
    }

    pub fn external_task_id(&self) -> Option<&str> {
        match self {
            UpstreamRequest::OmniImage(r) => r.external_task_id.as_deref(),
            UpstreamRequest::OmniVideo(r) => r.external_task_id.as_deref(),
            UpstreamRequest::ImageGeneration(r) => r.external_task_id.as_deref(),
            UpstreamRequest::MultiShot(r) => r.external_task_id.as_deref(),
        }
    }

    pub fn callback_url(&self) -> Option<&str> {
        match self {
            UpstreamRequest::OmniImage(r) => r.callback_url.as_deref(),
            UpstreamRequest::OmniVideo(r) => r.callback_url.as_deref(),
            UpstreamRequest::ImageGeneration(r) => r.callback_url.as_deref(),
            UpstreamRequest::MultiShot(r) => r.callback_url.as_deref(),
        }
    }

    /// Reads back a stored request of `kind` (already validated when it was stored).
    pub fn from_stored(
        kind: TaskKind,
        body: &serde_json::Value,
    ) -> Result<Self, serde_json::Error> {
        let b = body.clone();
        Ok(match kind {
            TaskKind::OmniImage => UpstreamRequest::OmniImage(serde_json::from_value(b)?),
            TaskKind::OmniVideo => UpstreamRequest::OmniVideo(serde_json::from_value(b)?),
            TaskKind::ImageGeneration => {
                UpstreamRequest::ImageGeneration(serde_json::from_value(b)?)
            }
            TaskKind::MultiShot => UpstreamRequest::MultiShot(serde_json::from_value(b)?),
        })
    }
}
