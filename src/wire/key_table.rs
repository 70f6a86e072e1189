//! A fixed set of object keys, looked up in one hash and a compare or two: a `match` on a
//! string tries its arms one after another, so with a hundred keys every key of a body cost a
//! hundred length checks and several compares.

/// The keys a table holds at most: its slots are twice that, so probes stay short.
const MAX_KEYS: usize = 256;
const SLOTS: usize = MAX_KEYS * 2;

/// Keys to values, built at compile time from a list and never changed: the keys are ours,
/// so a body's keys cannot crowd a slot (a key that is not in the table ends its probe at the
/// first empty slot, within the few that our keys share).
pub(crate) struct KeyTable<T: Copy + 'static> {
    slots: [Option<(&'static str, T)>; SLOTS],
}

impl<T: Copy + 'static> KeyTable<T> {
    /// A table of the entries of `groups`, built in a constant: more than 256 keys, or a key
    /// listed twice, fail the build.
    pub(crate) const fn new(groups: &[&[(&'static str, T)]]) -> Self {
        let mut slots = [None; SLOTS];
        let (mut group, mut count) = (0, 0);
        while group < groups.len() {
            let mut entry = 0;
            while entry < groups[group].len() {
                let (key, value) = groups[group][entry];
                count += 1;
                assert!(count <= MAX_KEYS, "a key table holds at most 256 keys");
                let mut at = slot_of(key);
                while let Some((taken, _)) = slots[at] {
                    assert!(!same(taken, key), "a key listed twice");
                    at = (at + 1) % SLOTS;
                }
                slots[at] = Some((key, value));
                entry += 1;
            }
            group += 1;
        }
        Self { slots }
    }

    /// The value of `key`, if the table holds it.
    pub(crate) fn get(&self, key: &str) -> Option<T> {
        let mut at = slot_of(key);
        loop {
            match self.slots[at] {
                Some((held, value)) if held == key => return Some(value),
                Some(_) => at = (at + 1) % SLOTS,
                None => return None,
            }
        }
    }
}

/// `a == b`, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A slot for the key from its length and five of its bytes (the first two, the middle one
/// and the last two): one multiplication, where hashing every byte cost more than the rest of
/// reading the key. Keys alike in all of these share a probe, which stays a few slots long.
const fn slot_of(key: &str) -> usize {
    const fn at(bytes: &[u8], i: usize) -> u64 {
        if i < bytes.len() { bytes[i] as u64 } else { 0 }
    }
    let bytes = key.as_bytes();
    let len = bytes.len();
    let last = len.saturating_sub(1);
    let word = (len as u64)
        | at(bytes, 0) << 8
        | at(bytes, 1) << 16
        | at(bytes, len / 2) << 24
        | at(bytes, last.saturating_sub(1)) << 32
        | at(bytes, last) << 40;
    // The high bits of a Fibonacci hash mix best; the shift leaves exactly enough for a slot,
    // so the cast keeps every bit.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (word.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize;
    slot
}

#[cfg(test)]
mod tests {
    use super::KeyTable;

    #[test]
    fn every_key_is_found_and_no_other() {
        // Keys alike in length and in the bytes the slot is taken from share a probe.
        const KEYS: &[(&str, u8)] = &[("build", 0), ("buildId", 1), ("build_id", 2), ("buildUrl", 3), ("build_url", 4)];
        const MORE: &[(&str, u8)] = &[("bxild", 5), ("id", 6), ("i", 7), ("", 8)];
        static TABLE: KeyTable<u8> = KeyTable::new(&[KEYS, MORE]);
        for (key, value) in KEYS.iter().chain(MORE) {
            assert_eq!(TABLE.get(key), Some(*value), "{key}");
        }
        for missing in ["buil", "buildid", "Build", "build ", "bxxld", "ix", "d"] {
            assert_eq!(TABLE.get(missing), None, "{missing}");
        }
    }
}
