//! Multi-shot: `POST /v1/general/ai-multi-shot` (upstream-facts.md): further,
//! character-consistent views of one subject image.

use crate::error::Violations;
use crate::json::Reader;
use crate::media::{check_image, normalize_image};
use crate::problem::Problem;
use crate::rules::{check_callback, check_external_id};
use serde::{Deserialize, Serialize};

/// How many views a multi-shot task produces.
pub const VIEWS: u32 = 3;

/// The body of a Multi-shot create request, as forwarded upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MultiShotRequest {
    pub element_frontal_image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_task_id: Option<String>,
}

impl MultiShotRequest {
    /// Reads a request body, collecting type errors.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        MultiShotRequest {
            element_frontal_image: r
                .string("element_frontal_image", v)
                .map(|s| normalize_image(&s))
                .unwrap_or_default(),
            callback_url: r.string("callback_url", v),
            external_task_id: r.string("external_task_id", v),
        }
    }

    /// Every documented rule.
    pub fn validate(&self) -> Violations {
        let mut v = Violations::default();
        if self.element_frontal_image.is_empty() {
            v.push("element_frontal_image", Problem::Required);
        } else {
            check_image("element_frontal_image", &self.element_frontal_image, &mut v);
        }
        check_callback(self.callback_url.as_deref(), &mut v);
        check_external_id(self.external_task_id.as_deref(), &mut v);
        v
    }
}
