//! Image header inspection and the base64 / data URL handling in front of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omni_api::media;
use omni_api::Violations;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = media::inspect(data) {
        assert_eq!(info.bytes, data.len());
    }
    let mut v = Violations::default();
    media::check_image_bytes("image", data, &mut v);
    // The same bytes as base64, a data URL and (when text) as whatever a user pasted.
    let b64 = media::encode_base64(data);
    assert_eq!(media::decode_base64(&b64).as_deref(), Some(data));
    media::check_image("image", &b64, &mut v);
    media::check_image("image", &format!("data:image/png;base64,{b64}"), &mut v);
    if let Ok(text) = std::str::from_utf8(data) {
        media::check_image("image", text, &mut v);
        let _ = media::normalize_image(text);
        let _ = media::split_url(text);
        let _ = media::url_extension(text);
    }
});
