//! MurmurHash3 x86_32 as Spark's `Murmur3_x86_32` computes it over UTF-8 bytes, in the two
//! variants HashingTF uses (spark-format.md 7.26): `hashUnsafeBytes2` (standard murmur3, models
//! written by Spark ≥ 3.0) and the legacy `hashUnsafeBytes` (models written by Spark 2.x), which
//! mixes each tail byte separately, sign-extended, as if it were a whole block.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// The seed HashingTF and FeatureHasher use.
pub const SPARK_SEED: u32 = 42;

#[inline]
fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

#[inline]
fn mix_h1(h: u32, k: u32) -> u32 {
    (h ^ k)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

#[inline]
fn fmix(mut h: u32, len: u32) -> u32 {
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The 4-byte little-endian blocks both variants share; returns (h1, tail).
#[inline]
fn blocks(bytes: &[u8], seed: u32) -> (u32, &[u8]) {
    let mut h = seed;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        // chunks_exact(4) yields 4-byte slices, so the conversion always succeeds.
        let k = u32::from_le_bytes(c.try_into().unwrap_or([0; 4]));
        h = mix_h1(h, mix_k1(k));
    }
    (h, chunks.remainder())
}

/// Standard MurmurHash3_x86_32 (`Murmur3_x86_32.hashUnsafeBytes2`), as a Java `int`.
pub fn hash_bytes(bytes: &[u8], seed: u32) -> i32 {
    let (mut h, tail) = blocks(bytes, seed);
    let mut k = 0u32;
    for (shift, &b) in tail.iter().enumerate() {
        k ^= u32::from(b) << (8 * shift);
    }
    // mixK1(0) == 0, so an empty tail leaves h unchanged, as Spark's code does too.
    h ^= mix_k1(k);
    fmix(h, bytes.len() as u32) as i32
}

/// Spark 2.x `Murmur3_x86_32.hashUnsafeBytes`: every tail byte, sign-extended to an int (Java
/// `byte`), goes through the full block mix on its own.
pub fn hash_bytes_legacy(bytes: &[u8], seed: u32) -> i32 {
    let (mut h, tail) = blocks(bytes, seed);
    for &b in tail {
        h = mix_h1(h, mix_k1(b as i8 as i32 as u32));
    }
    fmix(h, bytes.len() as u32) as i32
}

/// Spark's `Utils.nonNegativeMod(x, m)` for `m > 0`: Java's truncated `%`, shifted up when
/// negative. Returns 0 for a non-positive `m` (callers check `m > 0` at load).
#[inline]
pub fn non_negative_mod(x: i32, m: i32) -> u32 {
    if m <= 0 {
        return 0;
    }
    let r = x % m;
    (if r < 0 { r + m } else { r }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(term: &str, n: i32, legacy: bool) -> u32 {
        let h = if legacy {
            hash_bytes_legacy(term.as_bytes(), SPARK_SEED)
        } else {
            hash_bytes(term.as_bytes(), SPARK_SEED)
        };
        non_negative_mod(h, n)
    }

    #[test]
    fn standard_murmur3_reference_vectors() {
        // Published MurmurHash3_x86_32 test vectors.
        assert_eq!(hash_bytes(b"", 0), 0);
        assert_eq!(hash_bytes(b"", 1) as u32, 0x514e_28b7);
        assert_eq!(hash_bytes(b"", 0xffff_ffff) as u32, 0x81f1_6f39);
        assert_eq!(hash_bytes(b"\0\0\0\0", 0) as u32, 0x2362_f9de);
        assert_eq!(hash_bytes(b"aaaa", 0x9747_b28c) as u32, 0x5a97_808a);
        assert_eq!(hash_bytes(b"abc", 0) as u32, 0xb3dd_93fa);
        assert_eq!(
            hash_bytes(b"Hello, world!", 0x9747_b28c) as u32,
            0x2488_4cba
        );
        assert_eq!(
            hash_bytes(b"The quick brown fox jumps over the lazy dog", 0x9747_b28c) as u32,
            0x2fa8_26cd
        );
    }

    #[test]
    fn spark3_hashing_tf_indices() {
        // spark-format.md 7.26 (VERIFIED-RUN on 4.3): numFeatures=16, terms a,b,a,c,zz.
        let mut idx: Vec<u32> = ["a", "b", "a", "c", "zz"]
            .iter()
            .map(|t| index(t, 16, false))
            .collect();
        idx.sort_unstable();
        idx.dedup();
        assert_eq!(idx, vec![3, 5, 8, 14]);
        assert_eq!(index("a", 16, false), index("a", 16, false));
        let mut idx: Vec<u32> = ["é", "日本", "abcde"]
            .iter()
            .map(|t| index(t, 1 << 20, false))
            .collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![557_727, 666_608, 1_017_957]);
        // PySpark 3.x HashingTF docstring: ["a","b","c"] → {5,7,8} (n=10), {0,2,3} (n=5).
        let mut idx: Vec<u32> = ["a", "b", "c"]
            .iter()
            .map(|t| index(t, 10, false))
            .collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![5, 7, 8]);
        let mut idx: Vec<u32> = ["a", "b", "c"].iter().map(|t| index(t, 5, false)).collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![0, 2, 3]);
    }

    #[test]
    fn spark2_legacy_hashing_tf_indices() {
        // PySpark 2.x HashingTF docstring: ["a","b","c"] → {0,1,2} for n=10 and for n=5.
        let mut idx: Vec<u32> = ["a", "b", "c"].iter().map(|t| index(t, 10, true)).collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![0, 1, 2]);
        let mut idx: Vec<u32> = ["a", "b", "c"].iter().map(|t| index(t, 5, true)).collect();
        idx.sort_unstable();
        assert_eq!(idx, vec![0, 1, 2]);
        // Both variants agree when the byte length is a multiple of 4.
        for t in ["", "abcd", "日本語xyz", "abcdefgh"] {
            assert_eq!(
                hash_bytes(t.as_bytes(), 42),
                hash_bytes_legacy(t.as_bytes(), 42),
                "{t}"
            );
        }
        assert_ne!(hash_bytes(b"abc", 42), hash_bytes_legacy(b"abc", 42));
    }

    #[test]
    fn non_negative_mod_is_javas() {
        assert_eq!(non_negative_mod(-1, 16), 15);
        assert_eq!(non_negative_mod(i32::MIN, 7), ((i32::MIN % 7) + 7) as u32);
        assert_eq!(non_negative_mod(33, 16), 1);
        assert_eq!(non_negative_mod(5, 0), 0);
    }
}
