//! Locality-sensitive hashing models, scored by `LSHModel.transform` (Spark 2.1+): the output
//! column `hashes` is an `array<vector>` holding one single-element dense vector per hash table.
//! - `org.apache.spark.ml.feature.MinHashLSHModel`: data `randCoefficients: array<int>`, the
//!   (a, b) pairs flattened. Hash k is the minimum over the non-zero entries i of
//!   `((1 + i) * a_k + b_k) mod 2038074743` in 64-bit integers; a vector without a non-zero
//!   entry raises ("Must have at least 1 non zero entry").
//! - `org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel`: data `randUnitVectors:
//!   matrix` (numHashTables × dimension). Spark 3.x–4.x computes every hash with one
//!   `gemv(1 / bucketLength, randMatrix, x)` and floors each entry; the dimension must match
//!   (`BLAS.gemv` requires it). Spark 2.x divided each `dot(x, u)` by bucketLength instead.
//!
//! Both UDFs take a `Vector`, so a NULL input raises. Only `transform` is scored; the
//! similarity joins and nearest-neighbour search are not model outputs.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{limits, parquet, Metadata};

/// `MinHashLSH.HASH_PRIME`.
const HASH_PRIME: i64 = 2_038_074_743;

#[derive(Debug, Clone)]
pub struct MinHashLshStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// (a, b) per hash table.
    pub coefficients: Vec<(i64, i64)>,
}

impl MinHashLshStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            // `nonZeroIterator`: stored entries that are not 0.0 (NaN counts as non-zero).
            let mut any = false;
            x.vec.for_each_active(|_, v| any |= v != 0.0);
            if !any {
                return Err(Fault::new(ScoreErrorKind::InvalidValue, self.input));
            }
            out.null = false;
            out.vecs.clear();
            for &(a, b) in &self.coefficients {
                let mut min = i64::MAX;
                x.vec.for_each_active(|i, v| {
                    if v != 0.0 {
                        // Java long arithmetic; (1 + i) < 2^31 and a < 2^31, so no overflow.
                        let h = (1 + i as i64).wrapping_mul(a).wrapping_add(b) % HASH_PRIME;
                        min = min.min(h);
                    }
                });
                out.vecs.push_with(|v| v.set_dense(&[min as f64]));
            }
            Ok(Flow::Continue)
        })
    }
}

#[derive(Debug, Clone)]
pub struct BucketedRandomProjectionLshStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub dimension: usize,
    /// Row-major numHashTables × dimension.
    pub rand_unit_vectors: Vec<f64>,
    /// `1.0 / bucketLength`, the `alpha` Spark hands to gemv.
    pub alpha: f64,
    /// Spark 2.x: `floor(dot(x, u) / bucketLength)` per hash table instead of the gemv.
    pub divide_by: Option<f64>,
    pub blas: Blas,
}

impl BucketedRandomProjectionLshStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            if x.vec.size != self.dimension {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            out.vecs.clear();
            for row in self.rand_unit_vectors.chunks_exact(self.dimension.max(1)) {
                // Dense: dgemv "T" (randMatrix is row-major); sparse: Spark's own loop over the
                // stored entries, `sum * alpha + beta * y` with beta 0.
                let h = match (self.divide_by, x.vec.sparse) {
                    (Some(bucket_length), _) => x.vec.dot(row) / bucket_length,
                    (None, true) => x.vec.dot(row) * self.alpha + 0.0,
                    (None, false) => self.alpha * self.blas.gemv_row(row, &x.vec.values),
                };
                out.vecs.push_with(|v| v.set_dense(&[h.floor()]));
            }
            Ok(Flow::Continue)
        })
    }
}

fn columns(meta: &Metadata) -> Result<(String, String), LoadError> {
    Ok((
        meta.required_str("inputCol")?,
        meta.str_or("outputCol", &format!("{}__output", meta.uid))?,
    ))
}

pub fn lower_min_hash(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let flat = table.decode(row, "randCoefficients", |d| d.i64_list())?;
    let bad = |msg: String| {
        meta.error(LoadErrorKind::BadData, msg)
            .in_file(&table.file)
            .in_column("randCoefficients")
    };
    if flat.is_empty() || flat.len() % 2 != 0 {
        return Err(bad(format!(
            "{} coefficients: expected a non-empty list of (a, b) pairs",
            flat.len()
        )));
    }
    let coefficients: Vec<(i64, i64)> = flat
        .chunks_exact(2)
        .filter_map(|p| match p {
            [a, b] => Some((*a, *b)),
            _ => None,
        })
        .collect();
    if coefficients
        .iter()
        .any(|&(a, b)| i32::try_from(a).is_err() || i32::try_from(b).is_err())
    {
        return Err(bad("a coefficient does not fit a Java int".into()));
    }
    let (input_name, output_name) = columns(meta)?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input_name.clone()),
            ("outputCol".into(), output_name.clone()),
            ("numHashTables".into(), coefficients.len().to_string()),
        ],
    )?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    let output = c.output(meta, &output_name, ColumnType::VectorArray, None)?;
    c.push(Step::MinHashLsh(MinHashLshStep {
        input,
        output,
        coefficients,
    }));
    Ok(())
}

pub fn lower_bucketed_random_projection(
    c: &mut Compiler<'_>,
    meta: &Metadata,
) -> Result<(), LoadError> {
    let bucket_length = meta.opt_f64("bucketLength")?.ok_or_else(|| {
        meta.error(LoadErrorKind::BadMetadata, "`bucketLength` is not set")
            .in_column("bucketLength")
    })?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let m = table.decode(row, "randUnitVectors", |d| {
        d.to_matrix(c.limits().max_vector_width)
    })?;
    limits::check("vector width", m.cols as u64, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&table.file))?;
    if m.rows == 0 || m.cols == 0 {
        return Err(meta
            .error(LoadErrorKind::BadData, "random unit vector matrix is empty")
            .in_file(&table.file)
            .in_column("randUnitVectors"));
    }
    let (input_name, output_name) = columns(meta)?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input_name.clone()),
            ("outputCol".into(), output_name.clone()),
            ("numHashTables".into(), m.rows.to_string()),
            ("bucketLength".into(), bucket_length.to_string()),
        ],
    )?;
    let blas = Blas::for_version(c.semantics());
    let input = c.input(meta, &input_name, Want::Vector(Some(m.cols)))?;
    let output = c.output(meta, &output_name, ColumnType::VectorArray, None)?;
    c.push(Step::BucketedRandomProjectionLsh(
        BucketedRandomProjectionLshStep {
            input,
            output,
            dimension: m.cols,
            rand_unit_vectors: m.values,
            alpha: 1.0 / bucket_length,
            // The 2.x hash (a plain dot, in index order like F2J's ddot, then a division);
            // UNVERIFIED which 3.x release moved to the gemv, the 3.5 jar has it.
            divide_by: (!c.semantics().at_least(3, 0)).then_some(bucket_length),
            blas,
        },
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots_with(v: crate::plan::VecBuf) -> Vec<Slot> {
        let mut s = vec![Slot::default(), Slot::default()];
        s[0].null = false;
        s[0].vec = v;
        s
    }

    #[test]
    fn min_hash_takes_the_minimum_over_non_zeros() {
        let step = MinHashLshStep {
            input: 0,
            output: 1,
            coefficients: vec![(3, 5), (HASH_PRIME - 1, 0)],
        };
        let mut v = crate::plan::VecBuf::default();
        v.reset_sparse(10);
        v.indices.extend([1, 4, 6]);
        v.values.extend([1.0, 0.0, 1.0]);
        let mut s = slots_with(v);
        step.run(&mut s).unwrap();
        let hashes: Vec<f64> = s[1].vecs.as_slice().iter().map(|v| v.values[0]).collect();
        // (1+1)*3+5 = 11, (1+6)*3+5 = 26; index 4 holds an explicit zero and is skipped.
        let second = ((2 * (HASH_PRIME - 1)) % HASH_PRIME).min((7 * (HASH_PRIME - 1)) % HASH_PRIME);
        assert_eq!(hashes, vec![11.0, second as f64]);
    }

    #[test]
    fn min_hash_rejects_all_zero_vectors() {
        let step = MinHashLshStep {
            input: 0,
            output: 1,
            coefficients: vec![(3, 5)],
        };
        let mut v = crate::plan::VecBuf::default();
        v.reset_dense(3);
        let mut s = slots_with(v);
        assert!(step.run(&mut s).is_err());
    }

    #[test]
    fn random_projection_floors_scaled_dots() {
        let step = BucketedRandomProjectionLshStep {
            input: 0,
            output: 1,
            dimension: 2,
            rand_unit_vectors: vec![1.0, 0.0, 0.0, -1.0],
            alpha: 1.0 / 2.0,
            divide_by: None,
            blas: Blas::Java11,
        };
        let mut v = crate::plan::VecBuf::default();
        v.set_dense(&[3.0, 3.0]);
        let mut s = slots_with(v);
        step.run(&mut s).unwrap();
        let hashes: Vec<f64> = s[1].vecs.as_slice().iter().map(|v| v.values[0]).collect();
        assert_eq!(hashes, vec![1.0, -2.0]);
    }
}
