//! Reading a request out of a JSON object while collecting every type error with its
//! field path, instead of stopping at serde's first one.
//!
//! Empty strings count as absent: the upstream's own examples send `"resolution": ""`.

use crate::choice::Choice;
use crate::error::{index, join, Violations};
use crate::ids::ElementId;
use crate::problem::{Expected, Problem};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

/// A JSON object being read at `path`, recording problems into `v`.
///
/// Every key looked at is remembered (for the whole tree of readers), so what a request
/// type does not read is known without a second list of its fields: [`Reader::unread`].
pub struct Reader<'a> {
    map: &'a Map<String, Value>,
    path: String,
    seen: Rc<RefCell<Seen>>,
}

/// The object paths opened and the field paths looked at.
#[derive(Default)]
struct Seen {
    objects: BTreeSet<String>,
    fields: BTreeSet<String>,
}

impl<'a> Reader<'a> {
    /// Reads the top-level object of a request; anything else is one `type` error.
    pub fn root(value: &'a Value, v: &mut Violations) -> Option<Reader<'a>> {
        match value {
            Value::Object(map) => {
                let seen = Rc::new(RefCell::new(Seen::default()));
                seen.borrow_mut().objects.insert(String::new());
                Some(Reader {
                    map,
                    path: String::new(),
                    seen,
                })
            }
            _ => {
                v.push(
                    "body",
                    Problem::WrongType {
                        expected: Expected::JsonObject,
                    },
                );
                None
            }
        }
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn child(&self, map: &'a Map<String, Value>, path: String) -> Reader<'a> {
        self.seen.borrow_mut().objects.insert(path.clone());
        Reader {
            map,
            path,
            seen: Rc::clone(&self.seen),
        }
    }

    /// The raw value, with `null` treated as absent.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.seen.borrow_mut().fields.insert(self.at(key));
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The paths of every field in `root` (the value this reader tree was made from) that
    /// no reader looked at, inside the objects that were read: what the request type does
    /// not model. `null`s count too: they were sent.
    pub fn unread(&self, root: &Value) -> Vec<String> {
        let seen = self.seen.borrow();
        let mut out = Vec::new();
        walk(root, String::new(), &seen, &mut out);
        out
    }

    /// An optional string; `""` is absent.
    pub fn string(&self, key: &str, v: &mut Violations) -> Option<String> {
        match self.raw(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                v.push(
                    self.at(key),
                    Problem::WrongType {
                        expected: Expected::String,
                    },
                );
                None
            }
        }
    }

    /// A required image (URL or base64) that the upstream also accepts under `alias`;
    /// data URLs become raw base64. Missing: a `required` error on `key`, and `""`.
    pub fn image(&self, key: &str, alias: &str, v: &mut Violations) -> String {
        match self.string(key, v).or_else(|| self.string(alias, v)) {
            Some(s) => {
                let image = crate::media::normalize_image(&s);
                // An empty result is reported here: the rules take "" as reported.
                if image.is_empty() {
                    v.push(self.at(key), Problem::EmptyDataUrl);
                }
                image
            }
            None => {
                v.push(self.at(key), Problem::Required);
                String::new()
            }
        }
    }

    /// A string that may be empty (the prompt: an empty one is a `blank` error, not absent).
    pub fn text(&self, key: &str, v: &mut Violations) -> Option<String> {
        match self.raw(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                v.push(
                    self.at(key),
                    Problem::WrongType {
                        expected: Expected::String,
                    },
                );
                None
            }
        }
    }

    /// An optional member of a closed set, reported with the allowed values.
    pub fn choice<T: Choice>(&self, key: &str, v: &mut Violations) -> Option<T> {
        let s = self.string(key, v)?;
        let parsed = T::parse(&s);
        if parsed.is_none() {
            v.push(
                self.at(key),
                Problem::NotOneOf {
                    got: s.to_owned(),
                    allowed: T::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
                },
            );
        }
        parsed
    }

    /// An optional whole number (a JSON integer, or a string of digits as some clients send).
    pub fn int(&self, key: &str, v: &mut Violations) -> Option<i64> {
        let parsed = match self.raw(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.is_empty() => return None,
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            v.push(
                self.at(key),
                Problem::WrongType {
                    expected: Expected::WholeNumber,
                },
            );
        }
        parsed
    }

    /// An optional number.
    pub fn number(&self, key: &str, v: &mut Violations) -> Option<f64> {
        let parsed = match self.raw(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.is_empty() => return None,
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            v.push(
                self.at(key),
                Problem::WrongType {
                    expected: Expected::Number,
                },
            );
        }
        parsed
    }

    /// An optional boolean.
    pub fn boolean(&self, key: &str, v: &mut Violations) -> Option<bool> {
        match self.raw(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                v.push(
                    self.at(key),
                    Problem::WrongType {
                        expected: Expected::Boolean,
                    },
                );
                None
            }
        }
    }

    /// An element id: a JSON integer or a decimal string, kept as an exact u64.
    pub fn element_id(&self, key: &str, v: &mut Violations) -> Option<ElementId> {
        let Some(raw) = self.raw(key) else {
            v.push(self.at(key), Problem::Required);
            return None;
        };
        let parsed = match raw {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            v.push(
                self.at(key),
                Problem::WrongType {
                    expected: Expected::ElementId,
                },
            );
        }
        parsed.map(ElementId)
    }

    /// An optional nested object.
    pub fn object(&self, key: &str, v: &mut Violations) -> Option<Reader<'a>> {
        match self.raw(key)? {
            Value::Object(map) => Some(self.child(map, self.at(key))),
            _ => {
                v.push(
                    self.at(key),
                    Problem::WrongType {
                        expected: Expected::Object,
                    },
                );
                None
            }
        }
    }

    /// An optional array of objects: one reader per item (non-objects are reported).
    pub fn objects(&self, key: &str, v: &mut Violations) -> Vec<Reader<'a>> {
        let Some(items) = self.array(key, v) else {
            return Vec::new();
        };
        let path = self.at(key);
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::Object(map) => Some(self.child(map, index(&path, i))),
                _ => {
                    v.push(
                        index(&path, i),
                        Problem::WrongType {
                            expected: Expected::Object,
                        },
                    );
                    None
                }
            })
            .collect()
    }

    /// An optional array of strings, with each non-string reported.
    pub fn strings(&self, key: &str, v: &mut Violations) -> Vec<String> {
        let Some(items) = self.array(key, v) else {
            return Vec::new();
        };
        let path = self.at(key);
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::String(s) => Some(s.clone()),
                _ => {
                    v.push(
                        index(&path, i),
                        Problem::WrongType {
                            expected: Expected::String,
                        },
                    );
                    None
                }
            })
            .collect()
    }

    fn array(&self, key: &str, v: &mut Violations) -> Option<&'a Vec<Value>> {
        match self.raw(key)? {
            Value::Array(items) => Some(items),
            _ => {
                v.push(
                    self.at(key),
                    Problem::WrongType {
                        expected: Expected::Array,
                    },
                );
                None
            }
        }
    }
}

fn walk(value: &Value, path: String, seen: &Seen, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if seen.objects.contains(&path) => {
            for (key, v) in map {
                let at = join(&path, key);
                if seen.fields.contains(&at) {
                    walk(v, at, seen, out);
                } else {
                    out.push(at);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, index(&path, i), seen, out);
            }
        }
        _ => {}
    }
}
