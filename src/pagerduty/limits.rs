//! What PagerDuty's Events API v2 accepts.

/// Largest body PagerDuty accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Longest summary PagerDuty keeps, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// Longest dedup key PagerDuty accepts, in characters.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;
/// Longest text of the other fields the crate sends (source, component, group, class, client,
/// link and image texts), in characters: longer ones are cut, ending in `…`.
pub const MAX_FIELD_CHARS: usize = 1024;
/// Longest URL the crate sends (links, images, the client's), in bytes: a longer one is left
/// out (or refused, for an image).
pub const MAX_URL_BYTES: usize = 2048;
