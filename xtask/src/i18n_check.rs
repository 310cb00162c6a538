//! The translation check, run by `cargo xtask test` with the native tests: every English
//! text the app passes to `t`, `tf` or `en!`, and every word-like closed-set value it
//! shows through `choice_label`, has its Chinese in src/i18n/zh.rs (compiled here as is).

#[path = "../../src/i18n/zh.rs"]
mod zh;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable source folder")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal starting at `text[0]` (a `"`), unescaped, and its length in bytes.
fn literal(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Literals that directly follow one of `calls` (each ending in `(`), where the call
/// name is not the tail of a longer identifier.
fn literals_after(source: &str, calls: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for call in calls {
        let mut from = 0;
        while let Some(at) = source[from..].find(call) {
            let start = from + at;
            from = start + call.len();
            let before = source[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if source[from..].starts_with('"') {
                found.extend(literal(&source[from..]));
            }
        }
    }
    found
}

/// The wire values of omni-api's closed sets that are words (`series`, `omni-image`),
/// which the app shows translated; names with digits (models, ratios) show as they are.
fn word_choices() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root().join("crates/omni-api/src"), &mut files);
    let mut words = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for block in source.split("choice!(").skip(1) {
            let block = &block[..block.find(");").unwrap_or(block.len())];
            for piece in block.split("= ").skip(1) {
                if let Some(value) = piece.starts_with('"').then(|| literal(piece)).flatten() {
                    if value.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                        words.push(value);
                    }
                }
            }
        }
        // Element tags are shown by their label.
        if let Some(start) = source.find("pub fn label(self)") {
            let body = &source[start..start + source[start..].find("\n    }\n").unwrap_or(0)];
            words.extend(literals_after(body, &["=> "]));
        }
    }
    words
}

#[test]
fn every_shown_text_has_its_chinese() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for text in literals_after(&source, &["t(", "tf(", "en!("]) {
            checked += 1;
            if zh::zh(&text).is_none() {
                missing.push(format!("{}: {text:?}", file.display()));
            }
        }
    }
    for word in word_choices() {
        checked += 1;
        if zh::zh(&word).is_none() {
            missing.push(format!("closed-set value {word:?}"));
        }
    }
    assert!(checked > 200, "the scan found only {checked} texts");
    assert!(
        missing.is_empty(),
        "no Chinese for:\n{}",
        missing.join("\n")
    );
}

#[test]
fn templates_keep_their_placeholders() {
    // A translated text must carry the same `{}` slots and `<<<...>>>` tokens.
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for text in literals_after(&source, &["t(", "tf(", "en!("]) {
            let Some(chinese) = zh::zh(&text) else {
                continue;
            };
            assert_eq!(
                text.matches("{}").count(),
                chinese.matches("{}").count(),
                "{text:?} and {chinese:?} differ in their {{}} slots"
            );
            let tokens = |s: &str| {
                let mut v: Vec<String> = s
                    .split("<<<")
                    .skip(1)
                    .filter_map(|p| p.split(">>>").next().map(str::to_owned))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(
                tokens(&text),
                tokens(chinese),
                "placeholders differ in {text:?}"
            );
        }
    }
}
