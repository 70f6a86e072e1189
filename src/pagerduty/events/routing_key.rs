//! The Events API v2 integration key, which must never show in logs.

use std::fmt;

use serde::Serialize;

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
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RoutingKey(String);

impl RoutingKey {
    /// Checks a routing key: exactly 32 ASCII letters and digits.
    ///
    /// # Errors
    /// [`AlertError::RoutingKey`] otherwise.
    pub fn new(key: impl Into<String>) -> Result<Self, AlertError> {
        let key = key.into();
        if key.len() == 32 && key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(key))
        } else {
            Err(AlertError::RoutingKey { len: key.chars().count() })
        }
    }

    /// The key itself, to store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RoutingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoutingKey(<redacted>)")
    }
}
