//! What PagerDuty's Events API v2 accepts.

/// Largest body sent to PagerDuty, in bytes. PagerDuty documents "512 KB" without saying
/// whether a kilobyte is 1,000 or 1,024 bytes: the smaller is taken, so that no body it could
/// refuse (and whose page would be lost) is sent.
pub const MAX_BODY_BYTES: usize = 512_000;
/// Longest summary PagerDuty keeps, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// Longest dedup key PagerDuty accepts, in characters.
pub(crate) const MAX_DEDUP_KEY_CHARS: usize = 255;
/// Longest text of the other fields the crate sends (source, component, group, class, client,
/// link and image texts), in characters: longer ones are cut, ending in `…`.
pub const MAX_FIELD_CHARS: usize = 1024;
/// Longest URL the crate sends (links, images, the client's), in bytes: a longer one is left
/// out (or refused, for an image).
pub const MAX_URL_BYTES: usize = 2048;
