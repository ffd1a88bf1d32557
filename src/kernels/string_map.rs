//! `StringMap`: a map from strings to values for lookups on the scoring path (StringIndexer
//! labels). A key of up to 16 bytes is held as its length and two words, so a lookup hashes
//! three words and compares three words, with no byte loop or `memcmp` call; longer keys go
//! to an ordinary map. Both are `FxHashMap`s.

use rustc_hash::FxHashMap;

/// A key of at most 16 bytes: length plus two words that together cover every byte, so
/// equal (len, lo, hi) means equal strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ShortKey {
    len: u32,
    lo: u64,
    hi: u64,
}

#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

#[inline]
fn half(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, |w: [u8; 4]| u64::from(u32::from_le_bytes(w)))
}

impl ShortKey {
    /// `None` for a key longer than 16 bytes. The words overlap for lengths that are not 8
    /// or 16, which is harmless: both sides of a comparison have the same length.
    #[inline]
    fn of(s: &str) -> Option<ShortKey> {
        let b = s.as_bytes();
        let n = b.len();
        let (lo, hi) = match n {
            0 => (0, 0),
            1..=3 => {
                let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
                (at(0) | at(n / 2) << 8 | at(n - 1) << 16, 0)
            }
            4..=7 => (half(b, 0) | half(b, n - 4) << 32, 0),
            8..=16 => (word(b, 0), word(b, n - 8)),
            _ => return None,
        };
        Some(ShortKey {
            len: n as u32,
            lo,
            hi,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct StringMap<V> {
    short: FxHashMap<ShortKey, V>,
    long: FxHashMap<String, V>,
}

impl<V: Copy> StringMap<V> {
    pub fn with_capacity(n: usize) -> Self {
        StringMap {
            short: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            long: FxHashMap::default(),
        }
    }

    /// Inserts `key` unless present; returns whether it was new (the first value is kept).
    pub fn insert_first(&mut self, key: &str, value: V) -> bool {
        fn first<K: std::hash::Hash + Eq, V>(m: &mut FxHashMap<K, V>, k: K, v: V) -> bool {
            match m.entry(k) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(v);
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            }
        }
        match ShortKey::of(key) {
            Some(k) => first(&mut self.short, k, value),
            None => first(&mut self.long, key.to_string(), value),
        }
    }

    #[inline]
    pub fn get(&self, key: &str) -> Option<V> {
        match ShortKey::of(key) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(key).copied(),
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_and_near_miss_is_told_apart() {
        let mut keys: Vec<String> = (0..=40)
            .map(|n| (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect())
            .collect();
        keys.extend(
            ["é", "日本", "日", "e\u{301}", "a ", " a", "A", "ab\0", "ba"].map(String::from),
        );
        let mut m = StringMap::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            assert!(m.insert_first(k, i), "{k:?} inserted twice");
        }
        assert_eq!(m.len(), keys.len());
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.get(k), Some(i), "{k:?}");
            // The same length with one byte changed, at each position.
            for p in 0..k.len() {
                let mut b = k.clone().into_bytes();
                b[p] = b'#';
                let changed = String::from_utf8(b).unwrap_or_default();
                if !keys.contains(&changed) {
                    assert_eq!(m.get(&changed), None, "{changed:?}");
                }
            }
        }
        assert!(!m.insert_first("abc", 99));
        assert_eq!(m.get("abc"), Some(3));
    }
}
