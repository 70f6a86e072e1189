//! A webhook's security token, kept only as keyed HMAC state.

use std::fmt;

use hmac::digest::zeroize::ZeroizeOnDrop;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::error::SecretError;

type HmacSha256 = Hmac<Sha256>;

// `Secret` keeps only a keyed `Hmac<Sha256>`, whose key-derived part is two SHA-256 states
// (inner and outer pad). Those wipe themselves on drop when sha2's `zeroize` feature is on;
// this fails to compile if it ever were off. (`Hmac` itself does not carry the marker trait.)
const _: () = {
    const fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<sha2::block_api::Sha256VarCore>();
};

/// A webhook's security token, ready to sign and verify with.
///
/// It keeps only the keyed HMAC state derived from the token (so each signature skips keying),
/// on the heap, so that moving a `Secret` or growing a list of them copies a pointer and not
/// the state; the state is wiped on drop. `Debug` shows nothing of it, and it has no `Display`
/// or `Serialize`. The bytes you pass in stay yours to wipe, and so does what the `hmac` crate
/// leaves on the stack while keying, which no safe code can reach.
///
/// ```
/// use sauce_webhooks::signature::{Secret, SecretError};
///
/// let secret = Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?;
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert_eq!(Secret::new("").unwrap_err(), SecretError::Empty);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    keyed: Box<HmacSha256>,
}

impl Secret {
    /// Takes a security token as bytes (a `&str`, `String`, `&[u8]`, ...).
    ///
    /// # Errors
    /// [`SecretError::Empty`] for an empty token.
    pub fn new(token: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let token = token.as_ref();
        if token.is_empty() {
            return Err(SecretError::Empty);
        }
        // HMAC takes a key of any length, so this only fails on the empty key refused above.
        let keyed = HmacSha256::new_from_slice(token).map_err(|_| SecretError::Empty)?;
        Ok(Self { keyed: Box::new(keyed) })
    }

    /// The HMAC-SHA256 of `body` under this secret.
    pub(crate) fn mac(&self, body: &[u8]) -> [u8; 32] {
        // A copy on the stack, wiped when `finalize` drops it.
        let mut mac = HmacSha256::clone(&self.keyed);
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
