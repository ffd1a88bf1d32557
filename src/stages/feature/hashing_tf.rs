//! `org.apache.spark.ml.feature.HashingTF` (spark-format.md 7.26): metadata only, params
//! `numFeatures` (2^18) and `binary` (false) in writers 2.0–4.x. Each term goes to
//! `nonNegativeMod(murmur3(utf8, 42), numFeatures)`; counts (or 1.0 when binary) form a sparse
//! vector sorted by index. Spark's reader keeps the Spark-2 hash (legacy tail mixing) for
//! models written before 3.0, so the hash follows the writer version, and a 2.x scoring
//! semantics uses the legacy hash too. A NULL array raises.

use super::tokenizer::unary_columns;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::murmur3::{hash_bytes, hash_bytes_legacy, non_negative_mod, SPARK_SEED};
use crate::plan::step::{produce, put_slot_vec, slot, take_slot_vec};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf, Want,
};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct HashingTFStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// Hidden slot whose `vec.indices` holds the row's term indices before counting.
    pub scratch: SlotIndex,
    pub num_features: i32,
    pub binary: bool,
    pub legacy_hash: bool,
}

/// Writes `Vectors.sparse(size, counts)` of the term indices in `hits` (sorted here in place)
/// into `out`, keeping runs whose count is at least `min_count`; values are the counts, or 1.0
/// when `binary`. Shared with CountVectorizerModel.
pub(crate) fn sparse_term_counts(
    hits: &mut [u32],
    size: usize,
    min_count: f64,
    binary: bool,
    out: &mut VecBuf,
) {
    hits.sort_unstable();
    out.reset_sparse(size);
    for run in hits.chunk_by(|a, b| a == b) {
        // Spark adds 1.0 per occurrence; integer counts are exact in f64.
        let count = run.len() as f64;
        if count >= min_count {
            if let Some(&index) = run.first() {
                out.indices.push(index);
                out.values.push(if binary { 1.0 } else { count });
            }
        }
    }
}

impl HashingTFStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        if slot(slots, self.input).null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        let mut scratch = take_slot_vec(slots, self.scratch);
        let r = produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            scratch.indices.clear();
            for term in src.tokens.iter() {
                let h = if self.legacy_hash {
                    hash_bytes_legacy(term.as_bytes(), SPARK_SEED)
                } else {
                    hash_bytes(term.as_bytes(), SPARK_SEED)
                };
                scratch.indices.push(non_negative_mod(h, self.num_features));
            }
            sparse_term_counts(
                &mut scratch.indices,
                self.num_features as usize,
                0.0,
                self.binary,
                &mut out.vec,
            );
            out.null = false;
            Ok(Flow::Continue)
        });
        put_slot_vec(slots, self.scratch, scratch);
        r
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    let n = meta.i64_or("numFeatures", 1 << 18)?;
    let num_features = i32::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
        meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `numFeatures` is {n}, not in 1..=2^31-1"),
        )
    })?;
    crate::spark::limits::check("numFeatures", n as u64, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&meta.file))?;
    let binary = meta.bool_or("binary", false)?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
            ("numFeatures".into(), n.to_string()),
            ("binary".into(), binary.to_string()),
        ],
    )?;
    let legacy_hash = meta.spark_version.is_some_and(|v| v.major < 3) || c.semantics().major < 3;
    let input = c.input(meta, &input, Want::StringArray)?;
    let output = c.output(
        meta,
        &output,
        ColumnType::Vector,
        Some(num_features as usize),
    )?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::HashingTF(HashingTFStep {
        input,
        output,
        scratch,
        num_features,
        binary,
        legacy_hash,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_tf(terms: &[&str], n: i32, binary: bool, legacy_hash: bool) -> VecBuf {
        let step = HashingTFStep {
            input: 0,
            output: 1,
            scratch: 2,
            num_features: n,
            binary,
            legacy_hash,
        };
        let mut slots = vec![Slot::default(), Slot::default(), Slot::default()];
        slots[0].null = false;
        for t in terms {
            slots[0].tokens.push(t);
        }
        step.run(&mut slots).unwrap();
        slots[1].vec.clone()
    }

    #[test]
    fn counts_sorted_by_index() {
        // spark-format.md 7.26, VERIFIED-RUN on 4.3.
        let v = hash_tf(&["a", "b", "a", "c", "zz"], 16, false, false);
        assert!(v.sparse);
        assert_eq!(
            (v.size, v.indices, v.values),
            (16, vec![3, 5, 8, 14], vec![2.0, 1.0, 1.0, 1.0])
        );
        let v = hash_tf(&["a", "a", "b"], 16, true, false);
        assert!(v.values.iter().all(|&x| x == 1.0));
        let v = hash_tf(&[], 16, false, false);
        assert!(v.sparse && v.indices.is_empty() && v.size == 16);
    }

    #[test]
    fn spark2_models_hash_with_the_legacy_tail() {
        let v = hash_tf(&["a", "b", "c"], 10, false, true);
        assert_eq!(v.indices, vec![0, 1, 2]);
        let v = hash_tf(&["a", "b", "c"], 10, false, false);
        assert_eq!(v.indices, vec![5, 7, 8]);
    }
}
