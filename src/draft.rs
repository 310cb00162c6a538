//! Hand-over between pages: "edit and run again" and "use as reference" leave a draft in
//! session storage that the right form picks up when it opens.

use crate::storage::{self, Area};
use omni_api::TaskKind;
use serde::de::DeserializeOwned;
use serde::Serialize;

const REFERENCE: &str = "omni.draft.reference";

/// The forms that can be opened with a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    OmniImage,
    OmniVideo,
    ImageGeneration,
    AllInOne,
}

impl Form {
    /// The form that edits a task of `kind` (multi-shot is made from the all-in-one form).
    pub fn for_kind(kind: TaskKind) -> Form {
        match kind {
            TaskKind::OmniImage => Form::OmniImage,
            TaskKind::OmniVideo => Form::OmniVideo,
            TaskKind::ImageGeneration => Form::ImageGeneration,
            TaskKind::MultiShot => Form::AllInOne,
        }
    }

    /// The route of the form.
    pub fn path(self) -> &'static str {
        match self {
            Form::OmniImage => "/image",
            Form::OmniVideo => "/video",
            Form::ImageGeneration => "/generate",
            Form::AllInOne => "/quick",
        }
    }

    fn key(self) -> String {
        format!("omni.draft{}", self.path().replace('/', "."))
    }
}

/// Leaves a request for `form` to open with.
pub fn put<T: Serialize>(form: Form, request: &T) {
    storage::save(Area::Session, &form.key(), request);
}

/// Leaves a task's request for the form that makes its kind, to edit and send again;
/// answers that form (`None` when the task carries no request).
pub fn put_task(task: &omni_api::StudioTask) -> Option<Form> {
    let request = task.request.as_ref()?;
    let form = Form::for_kind(task.kind);
    if task.kind == TaskKind::MultiShot {
        // Multi-shot is made from the all-in-one form: its subject becomes the first image.
        // Read as a field, not as the typed request: the readers of every kind's request
        // would otherwise be in the code of each form page's recent-tasks column.
        let image = request.text("element_frontal_image").unwrap_or_default();
        let aio = omni_api::all_in_one::AioRequest {
            kind: Some(omni_api::all_in_one::AioType::AiMultiShot),
            images: vec![image.to_owned()],
            ..Default::default()
        };
        put(form, &aio);
    } else {
        put(form, request.json());
    }
    Some(form)
}

/// Bumped to build the current form again from its draft (a dashboard's command, a
/// "reuse" from the workspace column): context provided by the app.
#[derive(Clone, Copy)]
pub struct Reopen(pub leptos::prelude::RwSignal<u32>);

/// Takes the request left for `form`, if any.
pub fn take<T: DeserializeOwned>(form: Form) -> Option<T> {
    serde_json::from_str(&storage::take(Area::Session, &form.key())?).ok()
}

/// Leaves an image URL to be added as a new reference by the next form that opens.
pub fn add_reference(url: &str) {
    storage::set(Area::Session, REFERENCE, url);
}

/// Takes the image URL left as a new reference, if any.
pub fn take_reference() -> Option<String> {
    storage::take(Area::Session, REFERENCE)
}
