//! `org.apache.spark.ml.feature.Binarizer` (spark-format.md 7.12), metadata only, every writer
//! version; multi-column `inputCols`/`outputCols`/`thresholds` since 3.0 (used when
//! `inputCols` is set; `thresholds` defaults to `threshold` for every column).
//!
//! Double input: up to 3.5 a primitive UDF `x > t ? 1.0 : 0.0` (NULL → NULL, NaN → 0.0);
//! from 4.0 the SQL expression `when(!isnan(x) && x > t, 1.0).otherwise(0.0)`, so NULL → 0.0
//! (read from the 4.0.1 and 4.3.0 jars; the 4.3.0 fixtures show it).
//! Vector input with `t >= 0`: 1.0 at each stored entry `> t`, built sparse, `.compressed`.
//! Vector input with `t < 0` (3.0+): implicit zeros are above the threshold, so start from all
//! ones, zero each stored entry `<= t` (NaN stays 1.0), `.compressed`. Before 3.0 the sparse
//! rule applied for every threshold. A NULL vector raises. `compressed` follows the scoring
//! version's rule (`kernels::compress`).

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::compress::{compress, CompressRule};
use crate::plan::step::{produce, return_scratch, slot, take_scratch};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Nominal, Slot, SlotIndex, Step, StepResult, VecBuf, Want,
};
use crate::spark::Metadata;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinarizeKind {
    Double,
    /// Sparse build from stored entries above the threshold.
    VectorAbove,
    /// 3.0+ negative threshold: dense ones minus stored entries at or below it.
    VectorOnesBelow,
}

#[derive(Debug, Clone)]
pub struct BinarizedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub threshold: f64,
    pub kind: BinarizeKind,
}

#[derive(Debug, Clone)]
pub struct BinarizerStep {
    pub columns: Vec<BinarizedColumn>,
    /// 4.0+: a NULL double binarizes to 0.0 instead of staying NULL.
    pub null_as_zero: bool,
    pub compress: CompressRule,
    /// Buffer for `compressed`.
    pub scratch: SlotIndex,
}

impl BinarizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            let src = slot(slots, col.input);
            if col.kind == BinarizeKind::Double {
                let value = if src.null {
                    self.null_as_zero.then_some(0.0)
                } else {
                    Some(if src.num > col.threshold { 1.0 } else { 0.0 })
                };
                produce(slots, col.output, |_, out| match value {
                    Some(v) => out.set_num(v),
                    None => out.set_null(),
                });
                continue;
            }
            if src.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, col.input));
            }
            let mut scratch = take_scratch(slots, self.scratch);
            produce(slots, col.output, |slots, out| {
                let x = &slot(slots, col.input).vec;
                out.null = false;
                binarize_vector(
                    x,
                    col.threshold,
                    col.kind,
                    &mut out.vec,
                    &mut scratch,
                    self.compress,
                );
            });
            return_scratch(slots, self.scratch, scratch);
        }
        Ok(Flow::Continue)
    }
}

fn binarize_vector(
    x: &VecBuf,
    threshold: f64,
    kind: BinarizeKind,
    out: &mut VecBuf,
    scratch: &mut Vec<f64>,
    rule: CompressRule,
) {
    if kind == BinarizeKind::VectorOnesBelow {
        out.reset_dense(x.size);
        out.values.fill(1.0);
        x.for_each_active(|i, v| {
            if v <= threshold {
                if let Some(o) = out.values.get_mut(i) {
                    *o = 0.0;
                }
            }
        });
    } else {
        out.reset_sparse(x.size);
        x.for_each_active(|i, v| {
            if v > threshold {
                out.indices.push(i as u32);
                out.values.push(1.0);
            }
        });
    }
    compress(out, scratch, rule);
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let threshold = meta.f64_or("threshold", 0.0)?;
    let (inputs, outputs, thresholds) = if meta.is_set("inputCols") {
        let inputs = meta.opt_str_array("inputCols")?.unwrap_or_default();
        let outputs = meta
            .opt_str_array("outputCols")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "`outputCols` is not set"))?;
        let thresholds = if meta.is_set("thresholds") {
            meta.opt_f64_array("thresholds")?.unwrap_or_default()
        } else {
            vec![threshold; inputs.len()]
        };
        (inputs, outputs, thresholds)
    } else {
        let input = meta.required_str("inputCol")?;
        let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
        (vec![input], vec![output], vec![threshold])
    };
    if inputs.len() != outputs.len() || inputs.len() != thresholds.len() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!(
                "{} input columns, {} output columns and {} thresholds",
                inputs.len(),
                outputs.len(),
                thresholds.len()
            ),
        ));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("thresholds".into(), format!("{thresholds:?}")),
        ],
    )?;
    let semantics = c.semantics();
    let negative_rule = semantics.at_least(3, 0);
    let mut columns = Vec::with_capacity(inputs.len());
    for ((name, output), &threshold) in inputs.iter().zip(&outputs).zip(&thresholds) {
        let input = c.input(meta, name, Want::NumericOrVector)?;
        let (ty, width) = c
            .column(input)
            .map(|col| (col.ty, col.width))
            .unwrap_or((ColumnType::Double, None));
        let kind = match ty {
            ColumnType::Vector if threshold < 0.0 && negative_rule => BinarizeKind::VectorOnesBelow,
            ColumnType::Vector => BinarizeKind::VectorAbove,
            ColumnType::Double => BinarizeKind::Double,
            other => {
                return Err(meta
                    .error(
                        LoadErrorKind::Schema,
                        format!(
                            "Binarizer takes double or vector columns, not {}",
                            other.spark_name()
                        ),
                    )
                    .in_column(name))
            }
        };
        let slot = if kind == BinarizeKind::Double {
            let slot = c.output(meta, output, ColumnType::Double, None)?;
            // A binary attribute: two values, unnamed.
            c.set_nominal(
                slot,
                Nominal {
                    num_values: 2,
                    labels: None,
                },
            );
            slot
        } else {
            c.output(meta, output, ColumnType::Vector, width)?
        };
        columns.push(BinarizedColumn {
            input,
            output: slot,
            threshold,
            kind,
        });
    }
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::Binarizer(BinarizerStep {
        columns,
        null_as_zero: semantics.at_least(4, 0),
        compress: CompressRule::for_version(semantics),
        scratch,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &VecBuf, t: f64, kind: BinarizeKind) -> VecBuf {
        let mut out = VecBuf::default();
        binarize_vector(x, t, kind, &mut out, &mut Vec::new(), CompressRule::Ratio);
        out
    }

    #[test]
    fn positive_threshold_on_stored_entries() {
        let mut x = VecBuf::default();
        x.set_dense(&[0.5, 1.5, 0.0]);
        let out = run(&x, 1.0, BinarizeKind::VectorAbove);
        assert!(!out.sparse);
        assert_eq!(out.values, vec![0.0, 1.0, 0.0]);
        x.set_dense(&[f64::NAN, 0.0, 0.0, 0.0, 2.0, 0.0]);
        let out = run(&x, 0.5, BinarizeKind::VectorAbove);
        assert!(out.sparse);
        assert_eq!(
            (out.indices.as_slice(), out.values.as_slice()),
            (&[4u32][..], &[1.0][..])
        );
    }

    #[test]
    fn negative_threshold_counts_implicit_zeros() {
        let mut x = VecBuf::default();
        x.reset_sparse(4);
        x.indices.extend_from_slice(&[0, 3]);
        x.values.extend_from_slice(&[-1.0, f64::NAN]);
        let out = run(&x, -0.5, BinarizeKind::VectorOnesBelow);
        assert!(!out.sparse);
        assert_eq!(out.values, vec![0.0, 1.0, 1.0, 1.0]);
        // 2.x rule for the same input: only stored entries above -0.5.
        let out = run(&x, -0.5, BinarizeKind::VectorAbove);
        assert!(out.sparse && out.indices.is_empty());
    }

    #[test]
    fn doubles_propagate_null() {
        let step = BinarizerStep {
            columns: vec![BinarizedColumn {
                input: 0,
                output: 1,
                threshold: 0.5,
                kind: BinarizeKind::Double,
            }],
            null_as_zero: false,
            compress: CompressRule::Ratio,
            scratch: 2,
        };
        let mut slots = vec![Slot::default(), Slot::default(), Slot::default()];
        slots[0].set_null();
        step.run(&mut slots).unwrap();
        assert!(slots[1].null);
        for (x, y) in [
            (0.5, 0.0),
            (0.5000000000000001, 1.0),
            (f64::NAN, 0.0),
            (f64::INFINITY, 1.0),
        ] {
            slots[0].set_num(x);
            step.run(&mut slots).unwrap();
            assert_eq!(slots[1].num, y, "{x}");
        }
        // 4.0+: NULL is not above the threshold.
        let step = BinarizerStep {
            null_as_zero: true,
            ..step
        };
        slots[0].set_null();
        step.run(&mut slots).unwrap();
        assert!(!slots[1].null);
        assert_eq!(slots[1].num, 0.0);
    }
}
