//! Per-row storage: one `Slot` per column of the compiled plan. Buffers keep their capacity
//! between rows, so after the first rows of a session scoring allocates nothing.

/// A vector value: dense (`values.len() == size`) or sparse (`indices`/`values` pairs,
/// indices strictly increasing), as Spark keeps both representations.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct VecBuf {
    pub size: usize,
    pub sparse: bool,
    pub indices: Vec<u32>,
    pub values: Vec<f64>,
}

impl VecBuf {
    /// Becomes a dense vector of `size` zeros.
    pub fn reset_dense(&mut self, size: usize) {
        self.size = size;
        self.sparse = false;
        self.indices.clear();
        self.values.clear();
        self.values.resize(size, 0.0);
    }

    /// Becomes an empty sparse vector of `size`.
    pub fn reset_sparse(&mut self, size: usize) {
        self.size = size;
        self.sparse = true;
        self.indices.clear();
        self.values.clear();
    }

    pub fn set_dense(&mut self, values: &[f64]) {
        self.size = values.len();
        self.sparse = false;
        self.indices.clear();
        self.values.clear();
        self.values.extend_from_slice(values);
    }

    pub fn copy_from(&mut self, other: &VecBuf) {
        self.size = other.size;
        self.sparse = other.sparse;
        self.indices.clear();
        self.indices.extend_from_slice(&other.indices);
        self.values.clear();
        self.values.extend_from_slice(&other.values);
    }

    /// Value at `i` (implicit zeros of a sparse vector included).
    pub fn get(&self, i: usize) -> f64 {
        if self.sparse {
            match self.indices.binary_search(&(i as u32)) {
                Ok(k) => self.values.get(k).copied().unwrap_or(0.0),
                Err(_) => 0.0,
            }
        } else {
            self.values.get(i).copied().unwrap_or(0.0)
        }
    }

    /// Calls `f(index, value)` for every stored entry (Spark's `foreachActive`).
    #[inline]
    pub fn for_each_active(&self, mut f: impl FnMut(usize, f64)) {
        if self.sparse {
            for (&i, &v) in self.indices.iter().zip(&self.values) {
                f(i as usize, v);
            }
        } else {
            for (i, &v) in self.values.iter().enumerate() {
                f(i, v);
            }
        }
    }

    /// `for_each_active` that stops at the first `None` from `f`, and returns it.
    #[inline]
    pub fn try_for_each_active(&self, mut f: impl FnMut(usize, f64) -> Option<()>) -> Option<()> {
        if self.sparse {
            for (&i, &v) in self.indices.iter().zip(&self.values) {
                f(i as usize, v)?;
            }
        } else {
            for (i, &v) in self.values.iter().enumerate() {
                f(i, v)?;
            }
        }
        Some(())
    }

    /// Number of stored entries whose value is not 0.0 (NaN counts as non-zero).
    pub fn num_nonzeros(&self) -> usize {
        self.values.iter().filter(|v| **v != 0.0).count()
    }

    /// Turns a sparse vector dense in place.
    pub fn densify(&mut self, scratch: &mut Vec<f64>) {
        if !self.sparse {
            return;
        }
        scratch.clear();
        scratch.resize(self.size, 0.0);
        for (&i, &v) in self.indices.iter().zip(&self.values) {
            if let Some(slot) = scratch.get_mut(i as usize) {
                *slot = v;
            }
        }
        std::mem::swap(&mut self.values, scratch);
        self.indices.clear();
        self.sparse = false;
    }

    /// Dot product with a dense weight vector, summed in stored-entry order (what Spark's
    /// sparse BLAS and the F2J dense `ddot` both do). Entries beyond `w` are ignored: the
    /// compiler has checked widths.
    #[inline]
    pub fn dot(&self, w: &[f64]) -> f64 {
        let mut sum = 0.0;
        if self.sparse {
            for (&i, &v) in self.indices.iter().zip(&self.values) {
                if let Some(&wi) = w.get(i as usize) {
                    sum += v * wi;
                }
            }
        } else {
            for (&v, &wi) in self.values.iter().zip(w) {
                sum += v * wi;
            }
        }
        sum
    }
}

/// An `array<string>` value stored flat: one text buffer plus end offsets, so a row of tokens
/// reuses two buffers instead of allocating a `String` per token.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TokenBuf {
    pub text: String,
    pub ends: Vec<usize>,
}

impl TokenBuf {
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
    pub fn push(&mut self, token: &str) {
        self.text.push_str(token);
        self.ends.push(self.text.len());
    }
    /// Appends the pieces of one token; `finish_token` closes it.
    pub fn push_part(&mut self, part: &str) {
        self.text.push_str(part);
    }
    pub fn finish_token(&mut self) {
        self.ends.push(self.text.len());
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn get(&self, k: usize) -> &str {
        let start = if k == 0 {
            0
        } else {
            self.ends.get(k - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(k).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(move |k| self.get(k))
    }
}

/// An `array<vector>` value. Vectors past `len` are kept, not freed, so the next row reuses
/// their buffers.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct VecArray {
    pub items: Vec<VecBuf>,
    pub len: usize,
}

impl VecArray {
    pub fn clear(&mut self) {
        self.len = 0;
    }
    /// Appends a vector filled by `fill`; allocates only while the array grows past its
    /// largest length so far.
    #[inline]
    pub fn push_with(&mut self, fill: impl FnOnce(&mut VecBuf)) {
        if self.len == self.items.len() {
            self.items.push(VecBuf::default());
        }
        if let Some(v) = self.items.get_mut(self.len) {
            fill(v);
            self.len += 1;
        }
    }
    pub fn as_slice(&self) -> &[VecBuf] {
        self.items.get(..self.len).unwrap_or(&[])
    }
}

/// One column's value for the current row. Which field is meaningful depends on the column's
/// `ColumnType`; numbers of every numeric type live in `num`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Slot {
    pub null: bool,
    pub num: f64,
    pub text: String,
    pub vec: VecBuf,
    pub tokens: TokenBuf,
    pub vecs: VecArray,
}

impl Slot {
    pub fn set_num(&mut self, v: f64) {
        self.null = false;
        self.num = v;
    }
    pub fn set_null(&mut self) {
        self.null = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densify_places_entries() {
        let mut v = VecBuf::default();
        let mut scratch = Vec::new();
        v.reset_sparse(4);
        v.indices.push(2);
        v.values.push(5.0);
        v.densify(&mut scratch);
        assert_eq!(v.values, vec![0.0, 0.0, 5.0, 0.0]);
    }

    #[test]
    fn tokens_round_trip() {
        let mut t = TokenBuf::default();
        t.push("hello");
        t.push("");
        t.push("world");
        assert_eq!(t.iter().collect::<Vec<_>>(), vec!["hello", "", "world"]);
    }
}
