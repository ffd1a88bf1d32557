//! Java's `Arrays.binarySearch(double[], double)`, which Spark's Bucketizer and isotonic
//! regression call: `<`/`>` first, then `doubleToLongBits` to order -0.0 before 0.0 and NaN
//! after everything. Returns `Ok(index)` on a hit, `Err(insertion point)` otherwise.

#[inline]
pub fn java_binary_search(a: &[f64], key: f64) -> Result<usize, usize> {
    let (mut low, mut high) = (0isize, a.len() as isize - 1);
    // Canonical NaN bits, as doubleToLongBits gives.
    let bits = |v: f64| {
        if v.is_nan() {
            0x7ff8_0000_0000_0000i64
        } else {
            v.to_bits() as i64
        }
    };
    while low <= high {
        let mid = ((low + high) as usize) >> 1;
        let mid_val = a.get(mid).copied().unwrap_or(f64::NAN);
        if mid_val < key {
            low = mid as isize + 1;
        } else if mid_val > key {
            high = mid as isize - 1;
        } else {
            let (mb, kb) = (bits(mid_val), bits(key));
            if mb == kb {
                return Ok(mid);
            } else if mb < kb {
                low = mid as isize + 1;
            } else {
                high = mid as isize - 1;
            }
        }
    }
    Err(low as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java_semantics() {
        let a = [-1.0, 0.0, 2.0, 5.0];
        assert_eq!(java_binary_search(&a, 2.0), Ok(2));
        assert_eq!(java_binary_search(&a, 3.0), Err(3));
        assert_eq!(java_binary_search(&a, -5.0), Err(0));
        assert_eq!(java_binary_search(&a, f64::NAN), Err(4));
        assert_eq!(java_binary_search(&a, -0.0), Err(1));
    }
}
