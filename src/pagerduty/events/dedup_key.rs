//! The dedup key as PagerDuty accepts it: at most 255 characters.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::limits::MAX_DEDUP_KEY_CHARS;

/// A dedup key PagerDuty accepts: as given up to 255 characters, else a stable shorter form.
pub(crate) fn bounded(key: &str) -> Cow<'_, str> {
    if key.len() <= MAX_DEDUP_KEY_CHARS || key.chars().count() <= MAX_DEDUP_KEY_CHARS {
        return Cow::Borrowed(key);
    }
    let prefix: String = key.chars().take(190).collect();
    Cow::Owned(format!("{prefix}#{}", hex::encode(Sha256::digest(key.as_bytes()))))
}
