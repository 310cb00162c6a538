//! Local reference videos in the media storage (served by `routes::uploads`). A stored
//! upload is named `{expires_at}-{32 hex digits}.{mp4|mov}`: the name says when it
//! expires, so serving and the sweep need no database.

use crate::{clock, AppState};

/// How long an upload is served: the upstream fetches it when the task starts.
pub const KEEP_MS: i64 = 86_400_000;
/// Where uploads live in the media storage.
const PREFIX: &str = "uploads";

/// A fresh name for an upload with extension `ext`, and when it expires.
pub fn new_name(ext: &str) -> Result<(String, i64), getrandom::Error> {
    let mut token = [0u8; 16];
    getrandom::getrandom(&mut token)?;
    let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let expires_at = clock::now_ms() + KEEP_MS;
    Ok((format!("{expires_at}-{token}.{ext}"), expires_at))
}

/// Removes expired uploads (with the copier's sweeps).
pub async fn sweep(state: &AppState) {
    let Ok(keys) = state.media.storage.list(PREFIX).await else {
        return;
    };
    let now = clock::now_ms();
    for key in keys {
        let name = key.rsplit('/').next().unwrap_or("");
        if parse(name).is_some_and(|(at, _)| at <= now) {
            if let Err(e) = state.media.storage.delete(&key).await {
                tracing::warn!(key, "cannot remove an expired upload: {e}");
            }
        }
    }
}

pub fn key(name: &str) -> String {
    format!("{PREFIX}/{name}")
}

/// `(expires_at, extension)` of a well-formed upload name.
pub fn parse(name: &str) -> Option<(i64, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let (at, token) = stem.split_once('-')?;
    let plain = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    (plain && matches!(ext, "mp4" | "mov")).then_some(())?;
    Some((at.parse().ok()?, ext))
}

/// MP4 and MOV files start with a box whose type is at bytes 4..8.
pub fn is_video(head: &[u8]) -> Result<(), String> {
    match head.get(4..8) {
        Some(b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free" | b"skip") => Ok(()),
        _ => Err("file: not an MP4 or MOV video (no ftyp box at its start)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_names_are_served() {
        let token = "0123456789abcdef0123456789abcdef";
        assert_eq!(parse(&format!("1700-{token}.mp4")), Some((1700, "mp4")));
        assert_eq!(parse(&format!("1700-{token}.mov")), Some((1700, "mov")));
        for bad in [
            format!("1700-{token}.exe"),
            format!("x-{token}.mp4"),
            "1700-0123.mp4".to_owned(),
            format!("1700-{token}"),
            format!("../1700-{token}.mp4"),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
        assert!(is_video(b"\0\0\0\x18ftypmp42").is_ok());
        assert!(is_video(b"<html><body>").is_err());
    }
}
