//! Helpers every layer shares, and none exports: the lenient readers behind the parsing rules,
//! the canonical time writers, open enums, and text clipping.

pub(crate) mod clip;
pub(crate) mod open_enum;
pub(crate) mod read;
pub(crate) mod time;
