//! What the reference manager holds: reference images and elements, each with a key
//! that stays the same while the list is reordered, and their chips for the prompt editor.

use crate::components::prompt_editor::RefChip;
use omni_api::media::safe_link;
use omni_api::omni_video::FrameType;
use omni_api::prompt::{Placeholder, RefKind};
use omni_api::{ElementId, FieldError};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

pub(super) fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// One reference image as the form holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    /// Stable identity across moves.
    pub key: u64,
    /// What goes into the request: the URL, or raw base64 of a local file.
    pub value: String,
    /// A file name or the URL's last segment.
    pub name: String,
    /// An `<img src>` for the thumbnail.
    pub thumb: String,
    pub bytes: Option<u64>,
    /// Pixel size, once known.
    pub size: Option<(u32, u32)>,
    /// Problems found in the browser (pixel size of a URL image).
    pub problems: Vec<FieldError>,
    /// Its role in a video: reference (none), first frame or end frame.
    pub frame: Option<FrameType>,
}

impl ImageRef {
    /// A reference to an image URL (its pixel size is learnt when it loads).
    pub fn from_url(url: &str) -> ImageRef {
        let name = url
            .rsplit('/')
            .next()
            .unwrap_or(url)
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .to_owned();
        ImageRef {
            key: next_key(),
            value: url.to_owned(),
            name,
            // Only an http(s) address is shown; whatever else was typed gets its error.
            thumb: safe_link(url).unwrap_or_default().to_owned(),
            bytes: None,
            size: None,
            problems: Vec::new(),
            frame: None,
        }
    }
}

/// One element (saved subject) by its 64-bit id, with its name and picture when picked
/// from the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementRef {
    pub key: u64,
    pub id: ElementId,
    pub name: Option<String>,
    pub thumb: Option<String>,
}

impl ElementRef {
    /// The form's elements for a request's `element_list`.
    pub fn list_of(items: &[omni_api::omni_image::ElementItem]) -> Vec<ElementRef> {
        items
            .iter()
            .map(|e| ElementRef::new(e.element_id))
            .collect()
    }

    /// A request's `element_list` for the form's elements.
    pub fn items(refs: Vec<ElementRef>) -> Vec<omni_api::omni_image::ElementItem> {
        refs.into_iter()
            .map(|e| omni_api::omni_image::ElementItem { element_id: e.id })
            .collect()
    }

    /// An element typed in by id.
    pub fn new(id: ElementId) -> ElementRef {
        ElementRef {
            key: next_key(),
            id,
            name: None,
            thumb: None,
        }
    }

    /// An element picked from the library.
    pub fn from_element(e: &omni_api::elements::Element) -> ElementRef {
        ElementRef {
            key: next_key(),
            id: e.element_id,
            name: Some(e.element_name.clone()),
            thumb: safe_link(&e.element_frontal_image).map(str::to_owned),
        }
    }
}

/// The prompt editor's chips for these images (`image_1` ...).
pub fn image_chips(images: &[ImageRef]) -> Vec<RefChip> {
    images
        .iter()
        .enumerate()
        .map(|(i, r)| RefChip {
            placeholder: Placeholder {
                kind: RefKind::Image,
                index: i + 1,
            },
            caption: r.name.clone(),
            thumb: Some(r.thumb.clone()),
        })
        .collect()
}

/// The prompt editor's chips for these elements (`element_1` ...).
pub fn element_chips(elements: &[ElementRef]) -> Vec<RefChip> {
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| RefChip {
            placeholder: Placeholder {
                kind: RefKind::Element,
                index: i + 1,
            },
            caption: e.name.clone().unwrap_or_else(|| e.id.to_string()),
            thumb: e.thumb.clone(),
        })
        .collect()
}
