//! Reference media rules: image URLs and base64 images (inspected down to their pixel
//! size), and reference videos.

use crate::error::Violations;
use crate::problem::Problem;
use base64::Engine as _;

/// Largest decoded image, in bytes.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Smallest allowed shorter side, in pixels.
pub const MIN_IMAGE_SIDE: u32 = 300;
/// The widest (and, inverted, the tallest) allowed image: 2.5 : 1.
pub const MAX_IMAGE_RATIO: (u32, u32) = (5, 2);
/// Extensions an image URL may end with (a URL without one passes).
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png"];
/// Extensions a reference video URL may end with.
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "mov"];
/// Largest reference video, in bytes.
pub const MAX_VIDEO_BYTES: u64 = 200 * 1024 * 1024;
/// Allowed reference video duration, in seconds.
pub const VIDEO_SECONDS: (f64, f64) = (3.0, 10.0);
/// Allowed shorter side of a reference video, in pixels.
pub const VIDEO_SIDE: (u32, u32) = (720, 2160);
/// Allowed reference video frame rate.
pub const VIDEO_FPS: (f64, f64) = (24.0, 60.0);

/// An image format recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
    Bmp,
}

impl ImageFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Webp => "WebP",
            ImageFormat::Bmp => "BMP",
        }
    }

    /// Whether the upstream takes this format.
    pub fn accepted(self) -> bool {
        matches!(self, ImageFormat::Png | ImageFormat::Jpeg)
    }

    /// The MIME type, for data URLs and downloads.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Bmp => "image/bmp",
        }
    }
}

/// What an image's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    /// Size of the whole file in bytes.
    pub bytes: usize,
}

/// Why an image's bytes could not be inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectError {
    /// Not an image format we recognise at all.
    Unknown,
    /// A recognised format whose header is cut short or corrupt.
    Truncated(ImageFormat),
}

/// Reads format and pixel size from an image's first bytes (PNG and JPEG fully; other
/// formats are recognised so the error can name them).
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, InspectError> {
    let format = sniff(bytes).ok_or(InspectError::Unknown)?;
    let dims = match format {
        ImageFormat::Png => png_size(bytes),
        ImageFormat::Jpeg => jpeg_size(bytes),
        _ => Some((0, 0)),
    };
    let (width, height) = dims.ok_or(InspectError::Truncated(format))?;
    Ok(ImageInfo {
        format,
        width,
        height,
        bytes: bytes.len(),
    })
}

fn sniff(b: &[u8]) -> Option<ImageFormat> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(ImageFormat::Webp)
    } else if b.starts_with(b"BM") && b.len() >= 26 {
        Some(ImageFormat::Bmp)
    } else {
        None
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// PNG: the IHDR chunk must come first, width and height at bytes 16..24.
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// JPEG: walk the marker segments to the first start-of-frame.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 | 0xDA => return None,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let h = be16(b, at + 5)?;
                let w = be16(b, at + 7)?;
                return Some((u32::from(w), u32::from(h)));
            }
            _ => at += 2 + usize::from(be16(b, at + 2)?),
        }
    }
}

/// Checks the decoded bytes of an image against every rule: format, size, pixels, shape.
pub fn check_image_bytes(field: &str, bytes: &[u8], v: &mut Violations) -> Option<ImageInfo> {
    check_image_head(field, bytes, bytes.len(), v)
}

/// `check_image_bytes` on the first bytes of an image of `total` bytes (the header
/// says format and pixels; the size comes from `total`).
pub fn check_image_head(
    field: &str,
    head: &[u8],
    total: usize,
    v: &mut Violations,
) -> Option<ImageInfo> {
    let info = match inspect(head) {
        Ok(info) => ImageInfo {
            bytes: total,
            ..info
        },
        Err(InspectError::Unknown) => {
            v.push(field, Problem::NotJpegOrPng);
            return None;
        }
        Err(InspectError::Truncated(f)) => {
            v.push(
                field,
                Problem::DamagedImage {
                    format: f.name().to_owned(),
                },
            );
            return None;
        }
    };
    if !info.format.accepted() {
        v.push(
            field,
            Problem::ImageFormat {
                format: info.format.name().to_owned(),
            },
        );
        return Some(info);
    }
    check_image_size(field, info.bytes as u64, v);
    check_image_dimensions(field, info.width, info.height, v);
    Some(info)
}

/// At most [`MAX_IMAGE_BYTES`].
pub fn check_image_size(field: &str, bytes: u64, v: &mut Violations) {
    if bytes > MAX_IMAGE_BYTES as u64 {
        v.push(
            field,
            Problem::ImageTooLarge {
                bytes,
                max: MAX_IMAGE_BYTES as u64,
            },
        );
    }
}

/// Shorter side at least [`MIN_IMAGE_SIDE`] px, shape between 1:2.5 and 2.5:1 inclusive.
/// The form calls this with what the browser measured for URL images.
pub fn check_image_dimensions(field: &str, width: u32, height: u32, v: &mut Violations) {
    if width.min(height) < MIN_IMAGE_SIDE {
        v.push(
            field,
            Problem::ImageTooSmall {
                width,
                height,
                min: MIN_IMAGE_SIDE,
            },
        );
    }
    let (num, den) = MAX_IMAGE_RATIO;
    // Integer cross-multiplication: 2.5:1 exactly passes, one pixel wider fails.
    let (long, short) = (u64::from(width.max(height)), u64::from(width.min(height)));
    if short > 0 && long * u64::from(den) > short * u64::from(num) {
        v.push(field, Problem::ImageAspectRatio { width, height });
    }
}

/// An image given as a URL or as base64 (raw, or a `data:` URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageInput<'a> {
    Url(&'a str),
    /// The raw base64 text (a data URL's prefix already removed).
    Base64(&'a str),
}

/// How far into a value its URL scheme's `://` may be.
const SCHEME_WITHIN: usize = 256;

/// Tells a URL from base64, stripping a data URL down to its base64 payload.
pub fn classify(value: &str) -> ImageInput<'_> {
    let t = value.trim();
    if let Some(rest) = t.strip_prefix("data:") {
        return ImageInput::Base64(rest.split_once(',').map_or("", |(_, b64)| b64));
    }
    // A URL's `://` ends its scheme, near the start; base64 has no `:` at all. Looking
    // only there keeps a keystroke from searching megabytes of images.
    let start = &t.as_bytes()[..t.len().min(SCHEME_WITHIN)];
    if start.windows(3).any(|w| w == b"://") || t.starts_with("//") {
        ImageInput::Url(t)
    } else {
        ImageInput::Base64(t)
    }
}

/// The value to forward upstream: data URLs become raw base64, as the upstream expects.
pub fn normalize_image(value: &str) -> String {
    match classify(value) {
        ImageInput::Url(u) => u.to_owned(),
        ImageInput::Base64(b) => b.to_owned(),
    }
}

/// Checks one image field of any endpoint.
pub fn check_image(field: &str, value: &str, v: &mut Violations) {
    match classify(value) {
        ImageInput::Url(url) => check_media_url(field, url, IMAGE_EXTENSIONS, v),
        ImageInput::Base64(b64) => {
            if b64.is_empty() {
                v.push(field, Problem::EmptyDataUrl);
                return;
            }
            match decode_head(b64) {
                Some((head, total)) => {
                    check_image_head(field, &head, total, v);
                }
                None => v.push(field, Problem::NotUrlOrBase64),
            }
        }
    }
}

/// Base64 characters decoded for a header, in steps: 3 KiB of image holds a PNG's
/// header and most JPEGs' frame header; 48 KiB one after a large EXIF block; one further
/// away falls back to a full decode. Multiples of 4, so each step is whole quanta.
const HEAD_STEPS: [usize; 2] = [4 * 1024, 64 * 1024];

/// The first bytes of a base64 image and its decoded size, or `None` when the text is
/// not valid base64 (exactly when a full decode fails). Decodes only the head: the form
/// runs this on every keystroke, on up to ten images of up to 10 MB each, and decoding
/// them whole was most of a keystroke's time.
pub fn decode_head(b64: &str) -> Option<(Vec<u8>, usize)> {
    let raw = b64.as_bytes();
    // Valid when every character but up to two final `=` is in the alphabet and the
    // last quantum decodes (which also rejects stray trailing bits), as a full decode.
    let body = raw
        .strip_suffix(b"==")
        .or_else(|| raw.strip_suffix(b"="))
        .unwrap_or(raw);
    // More padding than the last partial quantum needs: the full decoder judges it.
    let pads = raw.len() - body.len();
    if !all_in_alphabet(body) || pads > (4 - body.len() % 4) % 4 {
        // Line breaks are allowed (and rare): the full decoder knows what to do.
        return whole(b64);
    }
    if body.len() % 4 == 1 {
        return None;
    }
    // The last quantum, whole (4 characters) or partial (2 or 3).
    let tail = match body.len() % 4 {
        0 => 4.min(body.len()),
        partial => partial,
    };
    decode_compact(std::str::from_utf8(&body[body.len() - tail..]).ok()?)?;
    let total = body.len() / 4 * 3 + (body.len() % 4).saturating_sub(1);
    for chars in HEAD_STEPS {
        if chars >= body.len() {
            break;
        }
        let head = decode_compact(&b64[..chars])?;
        if !matches!(inspect(&head), Err(InspectError::Truncated(_))) {
            return Some((head, total));
        }
    }
    Some((decode_base64(b64)?, total))
}

/// A full decode, with its size.
fn whole(b64: &str) -> Option<(Vec<u8>, usize)> {
    decode_base64(b64).map(|all| {
        let n = all.len();
        (all, n)
    })
}

/// Whether every byte is in the standard base64 alphabet (`A-Z a-z 0-9 + /`). Eight
/// bytes at a time: a form checks up to ten images on every keystroke, and a byte-by-byte
/// table look-up over them was a third of a keystroke's time.
pub fn all_in_alphabet(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut ok = true;
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        ok &= word_in_alphabet(u64::from_le_bytes(word));
    }
    ok && words.remainder().iter().all(|&b| byte_in_alphabet(b))
}

const LANES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = LANES * 0x80;

/// The lanes of `x` (each under 0x80) within `lo..=hi`, as their high bit. Adding
/// `0x80 - lo` sets a lane's high bit when it is at least `lo`, adding `0x7f - hi` when
/// it is over `hi`; neither carries into the next lane for 7-bit lanes.
const fn lanes_within(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = x.wrapping_add(LANES * (0x80 - lo as u64));
    let over_hi = x.wrapping_add(LANES * (0x7f - hi as u64));
    at_least_lo & !over_hi & HIGH
}

fn word_in_alphabet(x: u64) -> bool {
    x & HIGH == 0
        && (lanes_within(x, b'A', b'Z')
            | lanes_within(x, b'a', b'z')
            // `/` (0x2f) is just below the digits.
            | lanes_within(x, b'/', b'9')
            | lanes_within(x, b'+', b'+'))
            == HIGH
}

fn byte_in_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Decodes standard base64, tolerating line breaks and missing padding.
pub fn decode_base64(b64: &str) -> Option<Vec<u8>> {
    if b64.bytes().any(|b| matches!(b, b'\n' | b'\r' | b' ')) {
        let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        decode_compact(&compact)
    } else {
        decode_compact(b64)
    }
}

/// Decodes base64 without whitespace, padding optional.
fn decode_compact(b64: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(b64).ok()
}

/// Encodes bytes as standard base64 (what the upstream takes).
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The parts of an absolute http(s) URL this crate cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub path: &'a str,
}

/// A URL fit to put in a page (an image, a video, a link) or on the clipboard: an
/// absolute http(s) URL, or a path on this origin. `javascript:`, `data:`, `file:`,
/// protocol-relative `//host` and anything with spaces or control characters (which
/// browsers strip, turning `java\tscript:` into `javascript:`) answer `None`.
pub fn safe_link(url: &str) -> Option<&str> {
    if url.is_empty()
        || url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    if url.starts_with('/') {
        return (!url.starts_with("//")).then_some(url);
    }
    let parts = split_url(url)?;
    let scheme = parts.scheme.to_ascii_lowercase();
    (scheme == "http" || scheme == "https").then_some(url)
}

/// Splits `scheme://host/path?query#fragment`; `None` when it is not of that shape.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after = &rest[end..];
    let path = &after[..after.find(['?', '#']).unwrap_or(after.len())];
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:[]".contains(c));
    (valid_host && !scheme.is_empty()).then_some(UrlParts { scheme, host, path })
}

/// http or https with a host; nothing else can be fetched by the upstream. True when valid.
pub fn check_http_url(field: &str, url: &str, v: &mut Violations) -> bool {
    match split_url(url.trim()) {
        None => v.push(field, Problem::UrlInvalid),
        Some(p) if !is_http(p.scheme) => v.push(
            field,
            Problem::UrlScheme {
                scheme: p.scheme.to_owned(),
            },
        ),
        Some(_) => return true,
    }
    false
}

fn is_http(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// The lower-case extension of a URL's last path segment, if it has one.
pub fn url_extension(url: &str) -> Option<String> {
    let path = split_url(url.trim())?.path;
    let last = path.rsplit('/').next()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// A media URL: http(s), and if its path has an extension, one of `allowed`.
pub fn check_media_url(field: &str, url: &str, allowed: &[&str], v: &mut Violations) {
    if !check_http_url(field, url, v) {
        return;
    }
    if let Some(ext) = url_extension(url) {
        if !allowed.contains(&ext.as_str()) {
            v.push(
                field,
                Problem::FileExtension {
                    ext,
                    allowed: allowed.iter().map(|e| e.to_string()).collect(),
                },
            );
        }
    }
}

/// What a browser can read of a local video file before it is uploaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoMeta {
    pub seconds: f64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// Frames per second, when known.
    pub fps: Option<f64>,
}

/// Reference video limits: 3..10 s, shorter side 720..2160 px, 24..60 fps, at most 200 MB.
pub fn check_video_meta(field: &str, m: &VideoMeta, v: &mut Violations) {
    let (lo, hi) = VIDEO_SECONDS;
    if !(lo..=hi).contains(&m.seconds) {
        v.push(
            field,
            Problem::VideoDuration {
                seconds: m.seconds,
                min: lo,
                max: hi,
            },
        );
    }
    let short = m.width.min(m.height);
    if !(VIDEO_SIDE.0..=VIDEO_SIDE.1).contains(&short) {
        v.push(
            field,
            Problem::VideoResolution {
                width: m.width,
                height: m.height,
                min: VIDEO_SIDE.0,
                max: VIDEO_SIDE.1,
            },
        );
    }
    if let Some(fps) = m.fps {
        if !(VIDEO_FPS.0..=VIDEO_FPS.1).contains(&fps) {
            v.push(
                field,
                Problem::VideoFrameRate {
                    fps,
                    min: VIDEO_FPS.0,
                    max: VIDEO_FPS.1,
                },
            );
        }
    }
    if m.bytes > MAX_VIDEO_BYTES {
        v.push(
            field,
            Problem::VideoTooLarge {
                bytes: m.bytes,
                max: MAX_VIDEO_BYTES,
            },
        );
    }
}
