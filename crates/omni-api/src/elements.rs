//! Elements: reusable subjects (a character, a product, a prop) that `element_list` and
//! `<<<element_N>>>` refer to (upstream-facts.md, "Elements").

use crate::choice::{choice, Choice};
use crate::error::{index, Violations};
use crate::ids::ElementId;
use crate::json::Reader;
use crate::media::{check_image, normalize_image};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// Longest element name, in characters.
pub const MAX_NAME_CHARS: usize = 20;
/// Longest element description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 100;
/// Further reference images besides the frontal one.
pub const REFER_RANGE: (usize, usize) = (1, 3);

choice!(
    /// The documented element tags.
    ElementTag {
        Meme = "o_101",
        Person = "o_102",
        Animal = "o_103",
        Prop = "o_104",
        Clothing = "o_105",
        Scene = "o_106",
        Effect = "o_107",
        Other = "o_108",
    }
);

impl ElementTag {
    /// The tag in words.
    pub fn label(self) -> &'static str {
        match self {
            ElementTag::Meme => "meme",
            ElementTag::Person => "person",
            ElementTag::Animal => "animal",
            ElementTag::Prop => "prop",
            ElementTag::Clothing => "clothing",
            ElementTag::Scene => "scene",
            ElementTag::Effect => "effect",
            ElementTag::Other => "other",
        }
    }
}

/// A tag as the upstream sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagItem {
    pub tag_id: ElementTag,
}

/// A further reference image of an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferImage {
    pub image_url: String,
}

/// `POST /v1/general/custom-elements`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateElementRequest {
    pub element_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub element_description: String,
    pub element_frontal_image: String,
    pub element_refer_list: Vec<ReferImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_list: Vec<TagItem>,
}

impl CreateElementRequest {
    /// Reads a body, collecting type errors; data URLs become raw base64.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Self {
        let element_refer_list = r
            .objects("element_refer_list", v)
            .iter()
            .map(|item| ReferImage {
                image_url: item.image("image_url", "image", v),
            })
            .collect();
        let tag_list = r
            .objects("tag_list", v)
            .iter()
            .filter_map(|t| t.choice("tag_id", v).map(|tag_id| TagItem { tag_id }))
            .collect();
        CreateElementRequest {
            element_name: r.text("element_name", v).unwrap_or_default(),
            element_description: r.string("element_description", v).unwrap_or_default(),
            element_frontal_image: r
                .string("element_frontal_image", v)
                .map(|s| normalize_image(&s))
                .unwrap_or_default(),
            element_refer_list,
            tag_list,
        }
    }

    /// Every documented rule; all violations, not only the first.
    pub fn validate(&self) -> Violations {
        let mut v = Violations::default();
        let name = self.element_name.trim();
        if name.is_empty() {
            v.push("element_name", Problem::Required);
        }
        let n = self.element_name.chars().count();
        if n > MAX_NAME_CHARS {
            v.push(
                "element_name",
                Problem::MaxChars {
                    max: MAX_NAME_CHARS,
                    got: n,
                },
            );
        }
        let d = self.element_description.chars().count();
        if d > MAX_DESCRIPTION_CHARS {
            v.push(
                "element_description",
                Problem::MaxChars {
                    max: MAX_DESCRIPTION_CHARS,
                    got: d,
                },
            );
        }
        if self.element_frontal_image.is_empty() {
            v.push("element_frontal_image", Problem::Required);
        } else {
            check_image("element_frontal_image", &self.element_frontal_image, &mut v);
        }
        let count = self.element_refer_list.len();
        if count < REFER_RANGE.0 {
            v.push(
                "element_refer_list",
                Problem::TooFewFurtherImages { min: REFER_RANGE.0 },
            );
        } else if count > REFER_RANGE.1 {
            v.push(
                "element_refer_list",
                Problem::TooManyFurtherImages {
                    max: REFER_RANGE.1,
                    got: count,
                },
            );
        }
        for (i, item) in self
            .element_refer_list
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.image_url.is_empty())
        {
            check_image(
                &format!("{}.image_url", index("element_refer_list", i)),
                &item.image_url,
                &mut v,
            );
        }
        for (i, t) in self.tag_list.iter().enumerate() {
            if self.tag_list[..i].contains(t) {
                v.push(
                    format!("tag_list[{i}].tag_id"),
                    Problem::DuplicateTag {
                        tag: t.tag_id.as_str().to_owned(),
                    },
                );
            }
        }
        v
    }
}

/// An element as the upstream describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Element {
    pub element_id: ElementId,
    pub element_name: String,
    #[serde(default)]
    pub element_description: String,
    #[serde(default)]
    pub element_frontal_image: String,
    #[serde(default)]
    pub element_refer_list: Vec<ReferImage>,
    #[serde(default)]
    pub tag_list: Vec<TagItem>,
    /// Who owns it: the account's own, or the official presets.
    #[serde(default)]
    pub owned_by: String,
}

/// `POST /v1/general/delete-elements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteElementRequest {
    pub element_id: ElementId,
}

impl DeleteElementRequest {
    /// Reads a body: the id must be an exact 64-bit integer.
    pub fn read(r: &Reader<'_>, v: &mut Violations) -> Option<Self> {
        r.element_id("element_id", v)
            .map(|element_id| DeleteElementRequest { element_id })
    }
}
