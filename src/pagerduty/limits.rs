//! What PagerDuty's Events API v2 accepts.

/// Largest body PagerDuty accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Longest summary PagerDuty keeps, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1024;
/// Longest dedup key PagerDuty accepts, in characters.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;
