//! Test helpers: image bytes built by hand, and request parsing shortcuts.
#![allow(dead_code)]

use omni_api::media::encode_base64;
use omni_api::{TaskKind, UpstreamRequest, Violations};

/// A PNG header for `w` x `h`, padded with zeros to `total` bytes (at least the header).
pub fn png(w: u32, h: u32, total: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, 2, 0, 0, 0]);
    b.resize(total.max(b.len()), 0);
    b
}

/// A JPEG with an APP0 segment, then a baseline start-of-frame for `w` x `h`.
pub fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend([0xFF, 0xC0, 0x00, 0x11, 0x08]);
    b.extend(h.to_be_bytes());
    b.extend(w.to_be_bytes());
    b.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend([0xFF, 0xD9]);
    b
}

pub fn b64(bytes: &[u8]) -> String {
    encode_base64(bytes)
}

pub fn data_url(bytes: &[u8]) -> String {
    format!("data:image/png;base64,{}", encode_base64(bytes))
}

/// Parses and validates a JSON body of `kind` as the BFF does.
pub fn check(kind: TaskKind, body: serde_json::Value) -> Result<UpstreamRequest, Violations> {
    UpstreamRequest::parse(kind, &body, omni_api::Catalog::builtin())
}

/// The `(field, rule)` pairs of a failed check.
pub fn rules(kind: TaskKind, body: serde_json::Value) -> Vec<(String, String)> {
    match check(kind, body) {
        Ok(_) => Vec::new(),
        Err(v) => v
            .iter()
            .map(|e| (e.field.clone(), e.rule.as_str().to_owned()))
            .collect(),
    }
}

pub fn has(kind: TaskKind, body: serde_json::Value, field: &str, rule: &str) -> bool {
    rules(kind, body)
        .iter()
        .any(|(f, r)| f == field && r == rule)
}
