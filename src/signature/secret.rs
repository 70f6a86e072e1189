//! A webhook's security token, kept only as keyed HMAC state.

use std::fmt;

use hmac::KeyInit;
use hmac::block_api::HmacCore;
use hmac::digest::block_api::{Buffer, FixedOutputCore, UpdateCore};
use hmac::digest::zeroize::ZeroizeOnDrop;
use sha2::Sha256;

use super::error::{SecretError, SecretPart};

/// Longest secret taken, in bytes (for Basic credentials, `user:password`): the longest a
/// sender's header may carry, and far past any token a sender makes.
pub const MAX_SECRET_BYTES: usize = 1024;

/// HMAC-SHA256 at the block level, whose finalization works in place (`&mut self`), so that the
/// copy a signature works on is dropped, and wiped, where it stands. `Hmac::finalize` takes its
/// state by value, which left the moved-from copy, outer-pad state included, on the stack; and
/// `HmacReset::finalize_reset` resets by a clone that left the inner-pad state there.
type HmacSha256 = HmacCore<Sha256>;

// `Secret` keeps only a keyed HMAC, whose key-derived part is SHA-256 states (the inner and
// outer pads). Those wipe themselves on drop when sha2's `zeroize` feature is on; this fails to
// compile if it ever were off. (`HmacCore` itself does not carry the marker trait.)
const _: () = {
    const fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<sha2::block_api::Sha256VarCore>();
};

/// A webhook's security token, ready to sign and verify with.
///
/// It keeps only the keyed HMAC state derived from the token (so each signature skips keying),
/// on the heap, so that moving a `Secret` or growing a list of them copies a pointer and not
/// the state; the state is wiped on drop. `Debug` shows nothing of it, and it has no `Display`
/// or `Serialize`.
///
/// What is wiped, and what is not: each signature works on a copy of the keyed state that is
/// wiped as soon as the signature is made, and after keying the stack just below is
/// overwritten, where the `hmac` crate leaves the padded key. Not wiped, as safe Rust cannot
/// reach them: the bytes you pass in (yours to wipe), the inner hash of each signature (a hash
/// of the body under the key, which does not give the key away), the working values SHA-256's
/// compression keeps in registers, and any copy the compiler makes of a value it moves.
///
/// ```
/// use sauce_webhooks::signature::{Secret, SecretError};
///
/// let secret = Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?;
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert_eq!(Secret::new("").unwrap_err(), SecretError::Empty);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Secret {
    keyed: Box<HmacSha256>,
}

impl Secret {
    /// Takes a security token as bytes (a `&str`, `String`, `&[u8]`, ...).
    ///
    /// Every sender's token is short text, so a token is at most [`MAX_SECRET_BYTES`] and,
    /// as text, holds no control character: a line break read from a file, or a tab pasted
    /// in, would make every request fail, and a secret sent in a header
    /// ([`SharedSecret`](super::SharedSecret)) could never match. Bytes that are not text (a
    /// binary key, for the schemes that sign the body) may be anything but NUL: HMAC pads a
    /// short key with NULs, so a token with NULs at its end would also take the token without
    /// them.
    ///
    /// ```
    /// use sauce_webhooks::signature::{Secret, SecretError, SecretPart};
    ///
    /// assert!(Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d").is_ok());
    /// let read_from_a_file = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d\n";
    /// assert_eq!(
    ///     Secret::new(read_from_a_file).unwrap_err(),
    ///     SecretError::Control { part: SecretPart::Secret, at: 36, character: '\n' }
    /// );
    /// ```
    ///
    /// # Errors
    /// [`SecretError::Empty`] for an empty token, [`SecretError::TooLong`] for one over
    /// [`MAX_SECRET_BYTES`], [`SecretError::Control`] for one holding a control character
    /// (a NUL, for bytes that are not text), saying where.
    pub fn new(token: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let token = token.as_ref();
        check_sendable(token, SecretPart::Secret)?;
        Self::from_key(token)
    }

    /// Keys a secret with `key` as it is, NULs included: for keys of random bytes (a Standard
    /// Webhooks secret), which are never sent, so that no shorter key can pass for them.
    pub(crate) fn from_key(key: &[u8]) -> Result<Self, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        let keyed = boxed(|| HmacSha256::new_from_slice(key).map_err(|_| SecretError::Empty));
        scrub_stack();
        Ok(Self { keyed: keyed? })
    }

    /// HTTP Basic credentials, for [`HttpBasic`](super::HttpBasic): `user:password`, of at
    /// most [`MAX_SECRET_BYTES`] together, neither holding a control character. The user name
    /// holds no `:` (RFC 7617): `("a:b", "c")` and `("a", "b:c")` would be one credential; it
    /// may be empty, the password not.
    ///
    /// ```
    /// use sauce_webhooks::signature::{Secret, SecretError, SecretPart};
    ///
    /// let credentials = Secret::basic("backtrace", "s3cret:with:colons")?;
    /// assert_eq!(Secret::basic("back:trace", "s3cret").unwrap_err(), SecretError::ColonInUserName { at: 4 });
    /// assert_eq!(Secret::basic("backtrace", "").unwrap_err(), SecretError::EmptyPassword);
    /// assert_eq!(
    ///     Secret::basic("backtrace", "s3\tcret").unwrap_err(),
    ///     SecretError::Control { part: SecretPart::Password, at: 2, character: '\t' }
    /// );
    /// # let _ = credentials;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SecretError::EmptyPassword`] when the password is empty,
    /// [`SecretError::ColonInUserName`] when the user name holds a `:`,
    /// [`SecretError::Control`] when either holds a control character (naming which, and
    /// where in it), [`SecretError::TooLong`] when `user:password` is over
    /// [`MAX_SECRET_BYTES`].
    pub fn basic(user: &str, password: &str) -> Result<Self, SecretError> {
        if password.is_empty() {
            return Err(SecretError::EmptyPassword);
        }
        if let Some(at) = user.find(':') {
            return Err(SecretError::ColonInUserName { at });
        }
        for (part, text) in [(SecretPart::User, user), (SecretPart::Password, password)] {
            if let Some((at, character)) = control(text.as_bytes()) {
                return Err(SecretError::Control { part, at, character });
            }
        }
        let credentials = zeroize::Zeroizing::new(format!("{user}:{password}"));
        if credentials.len() > MAX_SECRET_BYTES {
            let (part, len) = (SecretPart::Credentials, credentials.len());
            return Err(SecretError::TooLong { part, len, max: MAX_SECRET_BYTES });
        }
        Self::from_key(credentials.as_bytes())
    }

    /// The HMAC-SHA256 of `body` under this secret.
    pub(crate) fn mac(&self, body: &[u8]) -> [u8; 32] {
        self.mac_of(&[body])
    }

    /// The HMAC-SHA256 of `parts`, one after the other, under this secret.
    pub(crate) fn mac_of(&self, parts: &[&[u8]]) -> [u8; 32] {
        // Used in place and never moved, so that its drop at the end of this scope wipes the
        // very bytes that held the keyed state.
        let mut mac = HmacSha256::clone(&self.keyed);
        let mut buffer = Buffer::<HmacSha256>::default();
        for part in parts {
            buffer.digest_blocks(part, |blocks| mac.update_blocks(blocks));
        }
        let mut out = hmac::digest::Output::<HmacSha256>::default();
        mac.finalize_fixed_core(&mut buffer, &mut out);
        out.into()
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        let keyed = boxed(|| Ok::<_, SecretError>(HmacSha256::clone(&self.keyed)));
        scrub_stack();
        // Cloning cannot fail.
        Self { keyed: keyed.unwrap_or_else(|_| unreachable!()) }
    }
}

/// Whether `secret` could be a sender's secret: at most [`MAX_SECRET_BYTES`], and no control
/// character (see [`control`]).
fn check_sendable(secret: &[u8], part: SecretPart) -> Result<(), SecretError> {
    if secret.len() > MAX_SECRET_BYTES {
        return Err(SecretError::TooLong { part, len: secret.len(), max: MAX_SECRET_BYTES });
    }
    match control(secret) {
        Some((at, character)) => Err(SecretError::Control { part, at, character }),
        None => Ok(()),
    }
}

/// The first control character of `secret` and where it is: of text, any (`char::is_control`:
/// C0, DEL, C1); of bytes that are not text (a binary key), a NUL only.
fn control(secret: &[u8]) -> Option<(usize, char)> {
    match std::str::from_utf8(secret) {
        Ok(text) => text.char_indices().find(|(_, c)| c.is_control()),
        Err(_) => secret.iter().position(|&byte| byte == 0).map(|at| (at, '\0')),
    }
}

/// Makes the keyed state and moves it to the heap, in a frame of its own: the `hmac` crate's
/// keying is inlined, and its padded key, like the state on its way to the heap, then lies in
/// this frame, which [`scrub_stack`] overwrites once it returns. (HMAC takes a key of any
/// length, so keying fails only on the empty key, refused before.)
#[inline(never)]
fn boxed<E>(make: impl FnOnce() -> Result<HmacSha256, E>) -> Result<Box<HmacSha256>, E> {
    make().map(Box::new)
}

/// Overwrites the stack below the caller's frame, where [`boxed`] just left key material. A
/// best effort (it covers the frames just returned from), paid once per secret, never per
/// request; `tools/stack-probe` checks what the compiled code leaves.
#[inline(never)]
fn scrub_stack() {
    let mut zeros = [0u8; 4096];
    std::hint::black_box(&mut zeros);
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
