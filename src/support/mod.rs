//! Helpers every layer shares, and none exports: the lenient readers behind the parsing rules,
//! the canonical time writers, open enums, text clipping and escaping, and how secret-bearing URLs show.

pub(crate) mod clip;
#[cfg(feature = "pagerduty")]
pub(crate) mod json_out;
pub(crate) mod lenient;
pub(crate) mod open_enum;
pub(crate) mod printable;
#[cfg(any(feature = "pagerduty", feature = "connector"))]
pub(crate) mod redact;
pub(crate) mod time;
