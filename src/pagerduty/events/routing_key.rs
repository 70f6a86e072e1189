//! The Events API v2 integration key, which must never show in logs.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::error::AlertError;

/// An Events API v2 integration key. `Debug` shows no part of it.
///
/// ```
/// use sauce_webhooks::pagerduty::RoutingKey;
/// let key = RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?;
/// assert_eq!(format!("{key:?}"), "RoutingKey(<redacted>)");
/// assert!(RoutingKey::new("too-short").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoutingKey(Arc<Key>);

/// The key and its short hash, shared by every alert of the rules that hold it (an alert
/// clones a pointer, not the key), and wiped when the last one drops.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    key: String,
    /// The first 8 bytes of its SHA-256, in hex: what names it where the key must not show
    /// (a rate limit, a ledger's namespace).
    short_hash: String,
}

impl Drop for Key {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl RoutingKey {
    /// Checks a routing key: exactly 32 ASCII letters and digits.
    ///
    /// # Errors
    /// [`AlertError::RoutingKey`] otherwise.
    pub fn new(key: impl Into<String>) -> Result<Self, AlertError> {
        let mut key = key.into();
        if key.len() == 32 && key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let short_hash = hex::encode(&Sha256::digest(key.as_bytes())[..8]);
            Ok(Self(Arc::new(Key { key, short_hash })))
        } else {
            let len = key.chars().count();
            key.zeroize();
            Err(AlertError::RoutingKey { len })
        }
    }

    /// The key itself, to store it.
    pub fn expose(&self) -> &str {
        &self.0.key
    }

    /// 16 hex digits of the key's SHA-256: a name for it that does not give it away.
    pub(crate) fn short_hash(&self) -> &str {
        &self.0.short_hash
    }
}

impl Serialize for RoutingKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl fmt::Debug for RoutingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoutingKey(<redacted>)")
    }
}
