//! Image and video rules, with headers built byte by byte.

mod common;
use common::{b64, data_url, jpeg, png};
use omni_api::media::{
    self, check_image, check_video_meta, classify, inspect, ImageFormat, ImageInput, VideoMeta,
};
use omni_api::{Rule, Violations};

fn image(value: &str) -> Violations {
    let mut v = Violations::default();
    check_image("image", value, &mut v);
    v
}

#[test]
fn reads_png_and_jpeg_sizes() {
    let info = inspect(&png(640, 480, 0)).unwrap();
    assert_eq!(
        (info.format, info.width, info.height),
        (ImageFormat::Png, 640, 480)
    );
    let info = inspect(&jpeg(800, 600)).unwrap();
    assert_eq!(
        (info.format, info.width, info.height),
        (ImageFormat::Jpeg, 800, 600)
    );
}

#[test]
fn other_formats_and_garbage_get_a_format_error() {
    let gif = b"GIF89a\x10\x00\x10\x00".to_vec();
    let v = image(&b64(&gif));
    assert!(v.has("image", Rule::ImageFormat));
    assert!(v.iter().next().unwrap().message.contains("GIF"));
    let mut webp = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    webp.resize(40, 0);
    assert!(image(&b64(&webp))
        .iter()
        .next()
        .unwrap()
        .message
        .contains("WebP"));
    assert!(image(&b64(b"hello world, not an image")).has("image", Rule::ImageFormat));
    assert!(image("!!!not base64!!!").has("image", Rule::Base64));
    // A PNG cut off before its size.
    assert!(image(&b64(&png(400, 400, 0)[..14])).has("image", Rule::ImageFormat));
}

#[test]
fn ten_megabytes_exactly_passes_one_byte_more_fails() {
    assert!(image(&b64(&png(400, 400, media::MAX_IMAGE_BYTES))).is_empty());
    assert!(
        image(&b64(&png(400, 400, media::MAX_IMAGE_BYTES + 1))).has("image", Rule::ImageTooLarge)
    );
}

#[test]
fn shorter_side_at_least_300_pixels() {
    assert!(image(&b64(&png(300, 300, 0))).is_empty());
    assert!(image(&b64(&png(299, 400, 0))).has("image", Rule::ImageTooSmall));
    assert!(image(&b64(&png(400, 299, 0))).has("image", Rule::ImageTooSmall));
}

#[test]
fn aspect_ratio_between_1_to_2_5_and_2_5_to_1_inclusive() {
    assert!(image(&b64(&png(750, 300, 0))).is_empty(), "exactly 2.5:1");
    assert!(image(&b64(&png(300, 750, 0))).is_empty(), "exactly 1:2.5");
    assert!(image(&b64(&png(751, 300, 0))).has("image", Rule::ImageAspectRatio));
    assert!(image(&b64(&png(300, 751, 0))).has("image", Rule::ImageAspectRatio));
}

#[test]
fn data_urls_are_checked_and_normalised_to_raw_base64() {
    let bytes = png(400, 400, 0);
    assert!(image(&data_url(&bytes)).is_empty());
    assert_eq!(media::normalize_image(&data_url(&bytes)), b64(&bytes));
    assert!(matches!(
        classify("data:image/png;base64,AAAA"),
        ImageInput::Base64("AAAA")
    ));
    assert!(image("data:image/png;base64,").has("image", Rule::Base64));
    // Line-wrapped base64 (as some encoders write it) still decodes.
    let wrapped: String = b64(&bytes)
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(image(&wrapped).is_empty());
}

#[test]
fn urls_http_only_with_an_image_extension_or_none() {
    for ok in [
        "https://example.com/a.jpg",
        "http://example.com/a.JPEG",
        "https://x.com/a.png?w=1#f",
        "https://x.com/image",
        "https://x.com/dir.v2/image",
    ] {
        assert!(image(ok).is_empty(), "{ok}");
    }
    assert!(image("ftp://example.com/a.png").has("image", Rule::UrlScheme));
    assert!(image("javascript://x.com/a.png").has("image", Rule::UrlScheme));
    assert!(image("https:///a.png").has("image", Rule::UrlInvalid));
    assert!(image("https://example.com/a.gif").has("image", Rule::FileExtension));
    assert!(image("https://example.com/a.webp?x=1").has("image", Rule::FileExtension));
}

#[test]
fn video_metadata_limits() {
    let ok = VideoMeta {
        seconds: 3.0,
        width: 1280,
        height: 720,
        bytes: 200 * 1024 * 1024,
        fps: Some(24.0),
    };
    let check = |m: VideoMeta| {
        let mut v = Violations::default();
        check_video_meta("video", &m, &mut v);
        v
    };
    assert!(check(ok).is_empty());
    assert!(check(VideoMeta {
        seconds: 10.0,
        width: 3840,
        height: 2160,
        fps: Some(60.0),
        ..ok
    })
    .is_empty());
    assert!(check(VideoMeta { seconds: 2.9, ..ok }).has("video", Rule::VideoDuration));
    assert!(check(VideoMeta {
        seconds: 10.1,
        ..ok
    })
    .has("video", Rule::VideoDuration));
    assert!(check(VideoMeta {
        width: 1280,
        height: 719,
        ..ok
    })
    .has("video", Rule::VideoResolution));
    assert!(check(VideoMeta {
        width: 4096,
        height: 2161,
        ..ok
    })
    .has("video", Rule::VideoResolution));
    assert!(check(VideoMeta {
        bytes: 200 * 1024 * 1024 + 1,
        ..ok
    })
    .has("video", Rule::VideoTooLarge));
    assert!(check(VideoMeta {
        fps: Some(23.0),
        ..ok
    })
    .has("video", Rule::VideoFrameRate));
}

#[test]
fn reading_only_the_head_of_big_base64_agrees_with_a_full_decode() {
    for total in [49_151, 49_152, 49_153, 49_154, 500_001, 500_002, 500_003] {
        let bytes = png(640, 480, total);
        let text = b64(&bytes);
        let (head, size) = media::decode_head(&text).unwrap();
        assert_eq!(size, total, "decoded size of {total} bytes");
        assert!(bytes.starts_with(&head));
        // Unpadded, as some encoders write it.
        assert_eq!(
            media::decode_head(text.trim_end_matches('=')).unwrap().1,
            total
        );
        assert!(image(&text).is_empty());
        // A bad character far beyond the head is still found.
        let mut bad = text.clone().into_bytes();
        bad[text.len() - 10] = b'!';
        assert!(image(&String::from_utf8(bad).unwrap()).has("image", Rule::Base64));
    }
    // Stray bits in the last character: the full decoder refuses it, so does the head path.
    let text = b64(&png(640, 480, 500_001));
    let mut stray = text.trim_end_matches('=').to_owned();
    let last = stray.pop().unwrap();
    stray.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        media::decode_base64(&stray).is_some(),
        media::decode_head(&stray).is_some()
    );
    // A JPEG whose frame header comes after 300 KB of APP segments: found by the fallback.
    let mut big = vec![0xFF, 0xD8];
    for _ in 0..5 {
        big.extend([0xFF, 0xE1, 0xFF, 0xFF]);
        big.extend(std::iter::repeat_n(0u8, 0xFFFF - 2));
    }
    big.extend(&jpeg(800, 600)[2..]);
    let (head, size) = media::decode_head(&b64(&big)).unwrap();
    assert_eq!(size, big.len());
    assert_eq!(inspect(&head).map(|i| (i.width, i.height)), Ok((800, 600)));
}

#[test]
fn the_alphabet_check_agrees_with_the_alphabet_for_every_byte_at_every_place() {
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    // 19 bytes: two whole 8-byte words and a remainder.
    let valid = b"QUJDZGVm+/0123456789".to_vec();
    assert!(media::all_in_alphabet(&valid));
    for b in 0..=255u8 {
        for at in 0..valid.len() {
            let mut bytes = valid.clone();
            bytes[at] = b;
            assert_eq!(
                media::all_in_alphabet(&bytes),
                alphabet(b),
                "{b:#04x} at {at}"
            );
        }
    }
}

#[test]
fn reading_the_head_of_small_base64_agrees_with_a_full_decode_on_every_edge() {
    let png_text = b64(&png(640, 480, 2_000));
    let mut texts = vec![png_text.clone(), png_text.trim_end_matches('=').to_owned()];
    for body in [
        "", "A", "AA", "AAA", "AAAA", "AB", "ABC", "ABCD", "QQ", "QUI", "QUJD",
    ] {
        for pad in ["", "=", "==", "==="] {
            texts.push(format!("{body}{pad}"));
            texts.push(format!("{png_text}{body}{pad}"));
        }
    }
    for text in texts {
        let full = media::decode_base64(&text);
        let head = media::decode_head(&text);
        assert_eq!(
            head.as_ref().map(|h| h.1),
            full.as_ref().map(Vec::len),
            "{:?}",
            &text[text.len().saturating_sub(8)..]
        );
        if let (Some((head, _)), Some(full)) = (head, full) {
            assert!(full.starts_with(&head));
        }
    }
}

#[test]
fn only_http_urls_and_own_paths_are_fit_for_a_page() {
    for ok in [
        "https://cdn.example.com/a.png",
        "http://example.com/x?y=1#z",
        "HTTPS://EXAMPLE.COM/A.PNG",
        "/api/v1/media/t1/image-0.png",
    ] {
        assert_eq!(media::safe_link(ok), Some(ok), "{ok}");
    }
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/png;base64,iVBORw0KGgo=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example.com/a.png",
        "/\\evil.example.com/a.png",
        "ftp://example.com/a.png",
        "https://exa mple.com/a.png",
        "",
    ] {
        assert_eq!(media::safe_link(bad), None, "{bad:?}");
    }
}
