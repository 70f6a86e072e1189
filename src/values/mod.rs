//! The small values every layer shares: the owners' ids, a body kept whole as JSON text, and
//! the texts of an event lent from its body.

pub(crate) mod id;
pub(crate) mod raw_json;
pub(crate) mod text;
