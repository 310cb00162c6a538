//! Closed sets of wire strings as enums, with one macro so each set is written once.

/// A closed set of string values with a stable wire name per variant.
pub trait Choice: Sized + Copy + PartialEq + 'static {
    /// Every variant, in the order forms list them.
    const ALL: &'static [Self];
    /// The wire string.
    fn as_str(self) -> &'static str;
    /// The variant for a wire string.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
    /// The wire strings of `set`, joined for an error message: `16:9, 9:16, 1:1`.
    fn list(set: &[Self]) -> String {
        set.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a `Choice` enum with serde as its wire strings.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::choice::Choice for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::choice::Choice::as_str(*self))
            }
        }

        // The wire strings, as an OpenAPI string enum.
        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($wire),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {}

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::choice::Choice::as_str(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                <Self as $crate::choice::Choice>::parse(&s).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(
                        "unknown value {s:?}, expected one of: {}",
                        <Self as $crate::choice::Choice>::list(<Self as $crate::choice::Choice>::ALL)
                    ))
                })
            }
        }
    };
}
pub(crate) use choice;
