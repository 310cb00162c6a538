//! Prompts: length rules and the `<<<image_1>>>` placeholder language.
//!
//! The parser returns segments with byte ranges so the editor can mark them in place,
//! and `remap` rewrites placeholders when references are removed or reordered.

use crate::choice::Choice;
use crate::error::Violations;
use crate::problem::Problem;
use std::ops::Range;

pub use crate::vocab::{Malformed, RefKind};

/// Upper bound on prompt and negative-prompt length, in Unicode scalar values.
pub const MAX_PROMPT_CHARS: usize = 2500;

const OPEN: &str = "<<<";
const CLOSE: &str = ">>>";
/// How far past `<<<` we look for a closing `>>>` before calling the token unclosed.
const MAX_TOKEN_BODY: usize = 40;

/// A well-formed placeholder, `<<<kind_index>>>`, with `index` counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Placeholder {
    pub kind: RefKind,
    pub index: usize,
}

impl Placeholder {
    /// The text of the placeholder as it appears in a prompt.
    pub fn token(self) -> String {
        format!("{OPEN}{}_{}{CLOSE}", self.kind.as_str(), self.index)
    }

    /// The short label used on chips: `image_1`.
    pub fn label(self) -> String {
        format!("{}_{}", self.kind.as_str(), self.index)
    }
}

/// A piece of a prompt, with its byte range in the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(Range<usize>),
    Placeholder(Range<usize>, Placeholder),
    Malformed(Range<usize>, Malformed),
}

impl Segment {
    /// The byte range of this segment.
    pub fn range(&self) -> Range<usize> {
        match self {
            Segment::Text(r) | Segment::Placeholder(r, _) | Segment::Malformed(r, _) => r.clone(),
        }
    }
}

/// Splits a prompt into text, placeholders and near-miss tokens.
pub fn parse(prompt: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    while let Some(found) = prompt[at..].find(OPEN) {
        let start = at + found;
        // `<<<<image_1>>>`: the token starts at the last `<` of the run.
        let body_start = start + OPEN.len();
        if prompt[body_start..].starts_with('<') {
            at = start + 1;
            continue;
        }
        let (end, token) = read_token(prompt, body_start);
        if text_start < start {
            out.push(Segment::Text(text_start..start));
        }
        out.push(match token {
            Ok(p) => Segment::Placeholder(start..end, p),
            Err(m) => Segment::Malformed(start..end, m),
        });
        text_start = end;
        at = end;
    }
    if text_start < prompt.len() {
        out.push(Segment::Text(text_start..prompt.len()));
    }
    out
}

/// Reads the body after `<<<`; returns where the token ends and what it is.
fn read_token(prompt: &str, body_start: usize) -> (usize, Result<Placeholder, Malformed>) {
    let rest = &prompt[body_start..];
    let limit = rest
        .char_indices()
        .take_while(|(_, c)| !c.is_whitespace() && *c != '<')
        .take(MAX_TOKEN_BODY)
        .last()
        .map_or(0, |(i, c)| i + c.len_utf8());
    let window = &rest[..limit];
    let Some(close) = window.find(CLOSE) else {
        // Mark up to the end of the word so the editor can underline what was typed.
        return (body_start + limit, Err(Malformed::Unclosed));
    };
    let end = body_start + close + CLOSE.len();
    let body = &window[..close];
    let (kind, idx) = body.rsplit_once('_').unwrap_or((body, ""));
    let Some(kind) = RefKind::parse(kind) else {
        return (end, Err(Malformed::UnknownKind(kind.to_owned())));
    };
    match idx.parse::<usize>() {
        Ok(index) if index >= 1 && !idx.starts_with('0') => (end, Ok(Placeholder { kind, index })),
        _ => (end, Err(Malformed::BadIndex(idx.to_owned()))),
    }
}

/// The placeholders of a prompt, in order, with their byte ranges.
pub fn placeholders(prompt: &str) -> impl Iterator<Item = (Range<usize>, Placeholder)> {
    parse(prompt).into_iter().filter_map(|s| match s {
        Segment::Placeholder(r, p) => Some((r, p)),
        _ => None,
    })
}

/// How many items of each kind a request has, to resolve placeholders against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefCounts {
    pub images: usize,
    pub elements: usize,
    pub videos: usize,
}

impl RefCounts {
    pub fn of(self, kind: RefKind) -> usize {
        match kind {
            RefKind::Image => self.images,
            RefKind::Element => self.elements,
            RefKind::Video => self.videos,
        }
    }
}

/// Checks a required prompt: present, not blank, not too long, placeholders valid.
///
/// `allowed` lists the kinds this endpoint takes; placeholders of other kinds are errors.
pub fn check_prompt(
    field: &str,
    prompt: Option<&str>,
    allowed: &[RefKind],
    refs: RefCounts,
    v: &mut Violations,
) {
    let Some(prompt) = prompt else {
        v.push(field, Problem::Required);
        return;
    };
    if prompt.trim().is_empty() {
        v.push(field, Problem::Blank);
        return;
    }
    check_length(field, prompt, v);
    check_placeholders(field, prompt, allowed, refs, v);
}

/// At most [`MAX_PROMPT_CHARS`] Unicode characters.
pub fn check_length(field: &str, text: &str, v: &mut Violations) {
    let n = char_count(text);
    if n > MAX_PROMPT_CHARS {
        v.push(
            field,
            Problem::MaxChars {
                max: MAX_PROMPT_CHARS,
                got: n,
            },
        );
    }
}

/// Length as the upstream counts it: Unicode scalar values.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// Every placeholder problem in a prompt, one error each, with its character position.
pub fn check_placeholders(
    field: &str,
    prompt: &str,
    allowed: &[RefKind],
    refs: RefCounts,
    v: &mut Violations,
) {
    for seg in parse(prompt) {
        match seg {
            Segment::Text(_) => {}
            Segment::Malformed(r, why) => {
                let at = char_count(&prompt[..r.start]);
                v.push(
                    field,
                    Problem::PlaceholderMalformed {
                        token: prompt[r].to_owned(),
                        at,
                        why,
                    },
                );
            }
            Segment::Placeholder(r, p) => {
                let at = char_count(&prompt[..r.start]);
                if !allowed.contains(&p.kind) {
                    v.push(
                        field,
                        Problem::PlaceholderKind {
                            token: p.token(),
                            at,
                            allowed: allowed.to_vec(),
                        },
                    );
                } else if p.index > refs.of(p.kind) {
                    v.push(
                        field,
                        Problem::PlaceholderDangling {
                            token: p.token(),
                            at,
                            kind: p.kind,
                            have: refs.of(p.kind),
                        },
                    );
                }
            }
        }
    }
}

/// Rewrites the placeholders of one kind: `map(old_index)` gives the new index, or `None`
/// when that reference was removed (its placeholders are then taken out of the prompt).
pub fn remap(prompt: &str, kind: RefKind, map: impl Fn(usize) -> Option<usize>) -> String {
    let mut out = String::with_capacity(prompt.len());
    for seg in parse(prompt) {
        match seg {
            Segment::Placeholder(_, p) if p.kind == kind => {
                if let Some(index) = map(p.index) {
                    out.push_str(&Placeholder { kind, index }.token());
                }
            }
            other => out.push_str(&prompt[other.range()]),
        }
    }
    out
}

/// The prompt after item `removed` (from 1) of `kind` was taken out of its list.
pub fn after_remove(prompt: &str, kind: RefKind, removed: usize) -> String {
    remap(prompt, kind, |i| match i.cmp(&removed) {
        std::cmp::Ordering::Less => Some(i),
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(i - 1),
    })
}

/// The prompt after item `from` (from 1) of `kind` was moved to position `to`.
pub fn after_move(prompt: &str, kind: RefKind, from: usize, to: usize) -> String {
    remap(prompt, kind, |i| {
        Some(if i == from {
            to
        } else if from < to && i > from && i <= to {
            i - 1
        } else if to < from && i >= to && i < from {
            i + 1
        } else {
            i
        })
    })
}

/// The text position of a byte offset as JavaScript counts it (UTF-16 units), for carets.
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].encode_utf16().count()
}

/// The byte offset of a UTF-16 caret position (clamped to a char boundary).
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}
