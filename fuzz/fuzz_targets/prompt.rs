//! The prompt parser: segments tile the text exactly, offsets convert both ways, and
//! renumbering after a remove or a move keeps the text outside placeholders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omni_api::prompt::{self, RefCounts, RefKind};
use omni_api::{Choice, Violations};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut at = 0;
    for segment in prompt::parse(text) {
        let r = segment.range();
        assert_eq!(r.start, at, "segments must tile the prompt");
        assert!(r.end > r.start && text.is_char_boundary(r.end));
        at = r.end;
    }
    assert_eq!(at, text.len());
    for (byte, _) in text.char_indices() {
        assert_eq!(
            prompt::byte_offset(text, prompt::utf16_offset(text, byte)),
            byte
        );
    }
    let refs = RefCounts {
        images: 3,
        elements: 2,
        videos: 1,
    };
    let mut v = Violations::default();
    prompt::check_prompt("prompt", Some(text), RefKind::ALL, refs, &mut v);
    for kind in RefKind::ALL.iter().copied() {
        let _ = prompt::after_remove(text, kind, 1);
        let _ = prompt::after_move(text, kind, 1, 2);
    }
});
