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
    let mut v = Violations::default();
    let info = check_image_bytes("file", &bytes, &mut v);
    if let Some(e) = v.iter().next() {
        return Err(format!("{}: {}", file.name(), field_message(e)));
    }
    let info = info.ok_or_else(|| tf("{}: not an image", &[&file.name()]))?;
    let b64 = encode_base64(&bytes);
    Ok(ImageRef {
        key: next_key(),
        thumb: crate::components::request_summary::blob_url(&bytes, info.format.mime())
            .unwrap_or_default(),
        value: b64,
        name: file.name(),
        bytes: Some(bytes.len() as u64),
        size: Some((info.width, info.height)),
        problems: Vec::new(),
        frame: None,
    })
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
