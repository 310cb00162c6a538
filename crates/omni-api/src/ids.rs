//! Identifier newtypes. Element ids are 64-bit and never pass through an f64.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A task id as the upstream (or the simulator) issued it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TaskId(pub String);

impl TaskId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TaskId {
    fn from(s: &str) -> Self {
        TaskId(s.to_owned())
    }
}

/// An element (subject) id: a 64-bit integer, larger than a JavaScript number holds.
///
/// Serialised as a JSON number, exactly as the upstream expects; read from a number or a
/// decimal string, since browsers that cannot hold the number may send it as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElementId(pub u64);

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for ElementId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(ElementId)
    }
}

/// A JSON integer of 64 bits (clients that cannot hold it may send a decimal string).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ElementId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(1))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ElementId {}

impl Serialize for ElementId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ElementId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ElementId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive 64-bit integer")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ElementId, E> {
                Ok(ElementId(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ElementId, E> {
                u64::try_from(v)
                    .map(ElementId)
                    .map_err(|_| E::custom("element id must be positive"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ElementId, E> {
                v.parse()
                    .map_err(|_| E::custom("element id must be a decimal integer"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A model name (`kling-v3-omni`). Open, not an enum: which models exist is data, in the
/// [catalog](crate::catalog), so a deployment changes them with a file, not a build.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ModelName(pub String);

impl ModelName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ModelName {
    fn from(s: &str) -> Self {
        ModelName(s.to_owned())
    }
}

impl PartialEq<str> for ModelName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
