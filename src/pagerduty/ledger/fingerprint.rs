//! Which result an event is, so that a repeated delivery is told from a new result.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::event::verdict::Verdict;

/// A result's fingerprint: a 64-bit hash of its identity and verdict, of our own (a multiply
/// and a shift per 8 bytes, FNV's constants), so that its value stays the same across
/// processes, Rust versions and versions of this crate, as stored states outlive all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

/// Builds a [`Fingerprint`] from the parts of a result's identity.
pub(crate) struct FingerprintHasher(u64);

impl FingerprintHasher {
    pub(crate) fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// Mixes in `bytes`, 8 at a time, then their length, so that `"ab"` and `"ab\0"` differ.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        let (words, tail) = bytes.as_chunks::<8>();
        for word in words {
            self.mix(u64::from_le_bytes(*word));
        }
        let mut last = [0u8; 8];
        last[..tail.len()].copy_from_slice(tail);
        self.mix(u64::from_le_bytes(last));
        self.mix(bytes.len() as u64);
    }

    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0x0000_0100_0000_01b3);
        self.0 ^= self.0 >> 29;
    }

    /// The hash so far.
    pub(crate) fn value(&self) -> u64 {
        self.0
    }

    pub(crate) fn finish(mut self, verdict: Verdict) -> Fingerprint {
        self.mix(verdict as u64);
        Fingerprint(self.0)
    }
}

/// How many of a key's latest results are remembered: a delivery of any of them again is a
/// repeat. It is the only thing that tells a replay of a result without a time of its own (a
/// visual build, an API Testing run without a date) from a new result, however late the
/// replay comes: relays retry for hours, and a visual build's branch may see dozens of builds
/// a day. 64 fingerprints are 512 bytes a key in memory, about 1.2 KB of JSON stored.
pub(crate) const REMEMBERED: usize = 64;

/// The fingerprints of the latest results applied to a key, newest first. Stored as a list of
/// 16 hex digits each: JSON numbers past 2^53 do not survive every database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recent {
    fingerprints: [u64; REMEMBERED],
    len: usize,
}

// By hand: arrays longer than 32 have no `Default`.
impl Default for Recent {
    fn default() -> Self {
        Self { fingerprints: [0; REMEMBERED], len: 0 }
    }
}

impl Recent {
    pub(crate) fn contains(&self, fingerprint: Fingerprint) -> bool {
        self.fingerprints[..self.len].contains(&fingerprint.0)
    }

    /// Remembers `fingerprint` as the newest, forgetting the oldest when full.
    pub(crate) fn push(&mut self, fingerprint: Fingerprint) {
        self.len = (self.len + 1).min(REMEMBERED);
        self.fingerprints.copy_within(..self.len - 1, 1);
        self.fingerprints[0] = fingerprint.0;
    }
}

impl Serialize for Recent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut list = s.serialize_seq(Some(self.len))?;
        for fingerprint in &self.fingerprints[..self.len] {
            list.serialize_element(&format!("{fingerprint:016x}"))?;
        }
        list.end()
    }
}

impl<'de> Deserialize<'de> for Recent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RecentVisitor;
        impl<'de> Visitor<'de> for RecentVisitor {
            type Value = Recent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a list of at most {REMEMBERED} fingerprints of 16 hex digits")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Recent, A::Error> {
                let mut recent = Recent::default();
                while let Some(hex) = seq.next_element::<String>()? {
                    let parsed = (hex.len() == 16).then(|| u64::from_str_radix(&hex, 16).ok()).flatten();
                    let fingerprint =
                        parsed.ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&hex), &self))?;
                    if recent.len == REMEMBERED {
                        return Err(de::Error::invalid_length(REMEMBERED + 1, &self));
                    }
                    recent.fingerprints[recent.len] = fingerprint;
                    recent.len += 1;
                }
                Ok(recent)
            }
        }
        d.deserialize_seq(RecentVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::{Fingerprint, FingerprintHasher, REMEMBERED, Recent, Verdict};

    #[test]
    fn fingerprints_do_not_change_between_versions() {
        // Stored states hold these: a change would make every stored result look new.
        let mut hash = FingerprintHasher::new();
        hash.write(b"run-1");
        assert_eq!(
            hash.finish(Verdict::Failure),
            Fingerprint(0xe1d8_6004_c6f0_3dac),
            "the hash of \"run-1\" and the verdict, as computed by hand"
        );
    }

    #[test]
    fn the_latest_results_are_remembered_newest_first() {
        let mut recent = Recent::default();
        let newest = REMEMBERED as u64 + 2;
        for n in 1..=newest {
            recent.push(Fingerprint(n));
        }
        assert!(recent.contains(Fingerprint(newest)) && recent.contains(Fingerprint(3)));
        assert!(!recent.contains(Fingerprint(2)), "the oldest is forgotten past {REMEMBERED}");
        let stored = serde_json::to_string(&recent).unwrap();
        assert!(stored.starts_with(r#"["0000000000000042","0000000000000041""#), "{stored}");
        assert_eq!(serde_json::from_str::<Recent>(&stored).unwrap(), recent);
        assert!(serde_json::from_str::<Recent>(r#"["12"]"#).is_err());
        let one_too_many = vec![r#""0000000000000001""#; REMEMBERED + 1].join(",");
        assert!(serde_json::from_str::<Recent>(&format!("[{one_too_many}]")).is_err());
    }
}
