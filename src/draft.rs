//! Hand-over between pages: "edit and run again" and "use as reference" leave a draft in
//! session storage that the right form picks up when it opens.

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

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Leaves a request for `form` to open with.
pub fn put<T: Serialize>(form: Form, request: &T) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(request)) {
        let _ = s.set_item(&form.key(), &json);
    }
}

/// Takes the request left for `form`, if any.
pub fn take<T: DeserializeOwned>(form: Form) -> Option<T> {
    let s = storage()?;
    let json = s.get_item(&form.key()).ok()??;
    let _ = s.remove_item(&form.key());
    serde_json::from_str(&json).ok()
}

/// Leaves an image URL to be added as a new reference by the next form that opens.
pub fn add_reference(url: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(REFERENCE, url);
    }
}

/// Takes the image URL left as a new reference, if any.
pub fn take_reference() -> Option<String> {
    let s = storage()?;
    let url = s.get_item(REFERENCE).ok()??;
    let _ = s.remove_item(REFERENCE);
    Some(url)
}
