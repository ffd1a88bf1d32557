//! Spark's `Vector.compressed` with the choice rule of the Spark version that scores
//! (spark-format.md 4.1). Up to 4.0 a vector becomes sparse iff `1.5 * (nnz + 1) < size`.
//! Spark 4.1 compares estimated byte sizes instead (`Vectors.getSparseSize(nnz) = 12 * nnz + 28`
//! against `Vectors.getDenseSize(size) = 8 * size + 12`, checked in the 4.0.1, 4.1.0 and 4.3.0
//! jars), which keeps a few more vectors dense: 2 non-zeros in 5 slots are sparse in 3.5 and
//! dense in 4.3 (fixture `vector_assembler_keep_size_hint_optimistic`, row 13).
//! `VecBuf::compress` applies the older rule; stages whose output is `.compressed` call this.

use crate::plan::VecBuf;
use crate::spark::SparkVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressRule {
    /// Spark ≤ 4.0: `1.5 * (nnz + 1.0) < size`.
    Ratio,
    /// Spark 4.1+: `12 * nnz + 28 < 8 * size + 12`.
    Bytes,
}

impl CompressRule {
    pub fn for_version(v: SparkVersion) -> CompressRule {
        if v.at_least(4, 1) {
            CompressRule::Bytes
        } else {
            CompressRule::Ratio
        }
    }

    /// Whether a vector of `size` with `nnz` non-zeros is stored sparse.
    #[inline]
    pub fn wants_sparse(self, nnz: usize, size: usize) -> bool {
        match self {
            CompressRule::Ratio => 1.5 * (nnz as f64 + 1.0) < size as f64,
            CompressRule::Bytes => {
                let sparse = (nnz as u128) * 12 + 28;
                let dense = (size as u128) * 8 + 12;
                sparse < dense
            }
        }
    }
}

/// `v.compressed` in place: sparse without explicit zeros, or dense. `scratch` lends its
/// capacity so no allocation happens once buffers have grown.
pub fn compress(v: &mut VecBuf, scratch: &mut Vec<f64>, rule: CompressRule) {
    let nnz = v.num_nonzeros();
    if !rule.wants_sparse(nnz, v.size) {
        v.densify(scratch);
        return;
    }
    if v.sparse && nnz == v.values.len() {
        // Already without explicit zeros (VectorAssembler builds it so): nothing to move.
        return;
    }
    if v.sparse {
        // Drop explicit zeros in place, keeping order.
        let mut kept = 0;
        for k in 0..v.values.len() {
            let (Some(&i), Some(&x)) = (v.indices.get(k), v.values.get(k)) else {
                break;
            };
            if x != 0.0 {
                if let (Some(di), Some(dx)) = (v.indices.get_mut(kept), v.values.get_mut(kept)) {
                    *di = i;
                    *dx = x;
                }
                kept += 1;
            }
        }
        v.indices.truncate(kept);
        v.values.truncate(kept);
    } else {
        v.indices.clear();
        scratch.clear();
        for (i, &x) in v.values.iter().enumerate() {
            if x != 0.0 {
                v.indices.push(i as u32);
                scratch.push(x);
            }
        }
        std::mem::swap(&mut v.values, scratch);
        v.sparse = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_differ_at_the_margin() {
        // nnz 2, size 5: 4.5 < 5 (sparse) vs 52 < 52 (dense).
        assert!(CompressRule::Ratio.wants_sparse(2, 5));
        assert!(!CompressRule::Bytes.wants_sparse(2, 5));
        assert!(CompressRule::Bytes.wants_sparse(2, 6));
        assert!(!CompressRule::Ratio.wants_sparse(3, 6));
        assert!(CompressRule::Bytes.wants_sparse(0, 3));
        assert!(!CompressRule::Bytes.wants_sparse(0, 2));
        assert_eq!(
            CompressRule::for_version(SparkVersion::new(4, 0)),
            CompressRule::Ratio
        );
        assert_eq!(
            CompressRule::for_version(SparkVersion::new(4, 3)),
            CompressRule::Bytes
        );
    }

    #[test]
    fn ratio_rule_picks_sparse_only_when_small() {
        let mut v = VecBuf::default();
        v.set_dense(&[0.0, 0.0, 5.0, 0.0]);
        compress(&mut v, &mut Vec::new(), CompressRule::Ratio);
        assert!(v.sparse);
        assert_eq!(
            (v.indices.as_slice(), v.values.as_slice()),
            (&[2u32][..], &[5.0][..])
        );
        v.set_dense(&[1.0, 0.0, 2.0, 3.0]);
        compress(&mut v, &mut Vec::new(), CompressRule::Ratio);
        assert!(!v.sparse, "1.5*(3+1)=6 >= 4 keeps dense");
    }

    #[test]
    fn sparse_input_drops_explicit_zeros_or_densifies() {
        let mut v = VecBuf::default();
        v.reset_sparse(5);
        v.indices.extend_from_slice(&[0, 1, 4]);
        v.values.extend_from_slice(&[0.0, 1.0, 7.0]);
        let mut w = v.clone();
        compress(&mut v, &mut Vec::new(), CompressRule::Ratio);
        assert!(v.sparse);
        assert_eq!(
            (v.indices.as_slice(), v.values.as_slice()),
            (&[1u32, 4][..], &[1.0, 7.0][..])
        );
        compress(&mut w, &mut Vec::new(), CompressRule::Bytes);
        assert!(!w.sparse);
        assert_eq!(w.values, vec![0.0, 1.0, 0.0, 0.0, 7.0]);
    }
}
