//! Hand-over between pages: "edit and run again" and "use as reference" leave a draft in
//! session storage that the form picks up when it opens.

use omni_api::omni_image::OmniImageRequest;

const IMAGE_DRAFT: &str = "omni.draft.omni-image";
const REFERENCE: &str = "omni.draft.reference";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Leaves an Omni Image request for the form to open with.
pub fn put_image_request(req: &OmniImageRequest) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(req)) {
        let _ = s.set_item(IMAGE_DRAFT, &json);
    }
}

/// Takes the Omni Image request left for the form, if any.
pub fn take_image_request() -> Option<OmniImageRequest> {
    let s = storage()?;
    let json = s.get_item(IMAGE_DRAFT).ok()??;
    let _ = s.remove_item(IMAGE_DRAFT);
    serde_json::from_str(&json).ok()
}

/// Leaves an image URL to be added as a new reference.
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
