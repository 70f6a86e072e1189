//! Enums that keep the values they do not know: `open_enum!` and the reader behind it.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Compares two words ignoring ASCII case and treating ` `, `_` and `-` alike, so that
/// `"PUBLIC RESTRICTED"`, `"public_restricted"` and `"public-restricted"` are one word.
pub(crate) fn same_word(input: &str, canonical: &str) -> bool {
    fn fold(b: u8) -> u8 {
        match b {
            b'_' | b'-' => b' ',
            _ => b.to_ascii_lowercase(),
        }
    }
    input.len() == canonical.len() && input.bytes().zip(canonical.bytes()).all(|(a, b)| fold(a) == fold(b))
}

/// An open enum read from its wire word; implemented by [`open_enum!`].
pub(crate) trait Word: Sized {
    fn from_wire(s: &str) -> Self;
}

/// An optional open-enum value: a string in any case, where `""` and `null` mean `None`. Known
/// values are matched on the borrowed text, so only unknown ones allocate.
pub(crate) fn word<'de, D: Deserializer<'de>, T: Word>(d: D) -> Result<Option<T>, D::Error> {
    struct WordVisitor<T>(std::marker::PhantomData<T>);
    impl<T: Word> Visitor<'_> for WordVisitor<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| T::from_wire(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(WordVisitor(std::marker::PhantomData))
}

/// Defines an open enum: the known wire values as variants, anything else kept in
/// `Other(String)`. Input matches any case, with ` `, `_` and `-` alike and surrounding
/// whitespace ignored; output is the canonical spelling, so parsing what we serialize gives the
/// same variant back.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as written on the wire: the canonical spelling, or the kept original.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s,
                }
            }
        }

        impl $crate::support::open_enum::Word for $name {
            fn from_wire(s: &str) -> Self {
                use $crate::support::open_enum::same_word;
                let word = s.trim();
                $( if same_word(word, $wire) $(|| same_word(word, $alias))* { return Self::$variant; } )+
                Self::Other(s.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($crate::support::open_enum::Word::from_wire(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::support::open_enum::word(d)?
                    .ok_or_else(|| serde::de::Error::custom("expected a string, found an empty value"))
            }
        }
    };
}
pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use super::same_word;

    #[test]
    fn same_word_folds_case_and_separators() {
        assert!(same_word("PUBLIC RESTRICTED", "public restricted"));
        assert!(same_word("public_restricted", "public restricted"));
        assert!(same_word("In-Progress", "in progress"));
        assert!(!same_word("public", "public restricted"));
        assert!(!same_word("publix", "public"));
    }
}
