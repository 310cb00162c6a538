//! Local image files: read, checked with omni-api's header inspection, and sized, before
//! they become references.

use super::refs::{next_key, ImageRef};
use crate::i18n::{field_message, tf};
use omni_api::media::{check_image_bytes, encode_base64};
use omni_api::Violations;

/// Reads a local image file and checks it; `Ok` is a reference ready to add.
pub(super) async fn read_file(file: web_sys::File) -> Result<ImageRef, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| tf("{}: the file could not be read", &[&file.name()]))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    checked(file.name(), bytes)
        .await
        .map_err(|e| e.to_string())?
}

crate::deferred::deferred! {
    /// A file's bytes checked by omni-api's header inspection and made a reference: in a
    /// module of its own in the release build, fetched with the first file a visit adds
    /// (most add none; a link or an element needs none of this).
    fn checked(name: String, bytes: Vec<u8>) -> Result<ImageRef, String> {
        let mut v = Violations::default();
        let info = check_image_bytes("file", &bytes, &mut v);
        let refused = v.iter().next().map(field_message);
        match (refused, info) {
            (Some(why), _) => Err(format!("{name}: {why}")),
            (None, None) => Err(tf("{}: not an image", &[&name])),
            (None, Some(info)) => Ok(ImageRef {
                key: next_key(),
                thumb: crate::components::request_summary::blob_url(&bytes, info.format.mime())
                    .unwrap_or_default(),
                value: encode_base64(&bytes),
                name,
                bytes: Some(bytes.len() as u64),
                size: Some((info.width, info.height)),
                problems: Vec::new(),
                frame: None,
            }),
        }
    }
}

pub(super) fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

pub(super) fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 {
        tf("{} MB", &[&format!("{:.1}", n as f64 / 1_048_576.0)])
    } else {
        tf("{} KB", &[&n.div_ceil(1024)])
    }
}
