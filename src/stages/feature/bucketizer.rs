//! `org.apache.spark.ml.feature.Bucketizer` (spark-format.md 7.13), metadata only, every writer
//! version; also what a fitted `QuantileDiscretizer` saves. Single column (`inputCol`,
//! `splits`) or, when `inputCols` is set (2.3+), one `splitsArray` entry per column.
//!
//! `handleInvalid = skip` first drops rows whose inputs hold NULL or NaN (`na.drop(inputCols)`);
//! then per value: NULL → NULL (primitive UDF); NaN → extra bucket `len(splits) - 1` with
//! `keep`, else an error; `x == splits.last` → last bucket; otherwise Java's
//! `Arrays.binarySearch` (−0.0 sorts below 0.0), where a value outside the splits raises even
//! with keep or skip. The output carries a nominal attribute with one value per bucket.
//!
//! Gap: 2.1–2.2 `skip` dropped rows with NULL/NaN in *any* column of the dataset
//! (`na.drop()`), which depends on columns this stage cannot see; we apply the 2.3+ rule.

use super::HandleInvalid;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::search::java_binary_search;
use crate::plan::step::{produce, slot};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Nominal, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::Metadata;
use crate::stages::feature::cast::java_double_to_string;

#[derive(Debug, Clone)]
pub struct BucketedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub splits: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct BucketizerStep {
    pub columns: Vec<BucketedColumn>,
    pub handle_invalid: HandleInvalid,
}

impl BucketizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        if self.handle_invalid == HandleInvalid::Skip {
            for col in &self.columns {
                let s = slot(slots, col.input);
                if s.null || s.num.is_nan() {
                    return Ok(Flow::Skip);
                }
            }
        }
        let keep = self.handle_invalid == HandleInvalid::Keep;
        for col in &self.columns {
            produce(slots, col.output, |slots, out| {
                let s = slot(slots, col.input);
                if s.null {
                    out.set_null();
                    return Ok(());
                }
                let bucket = bucket_of(&col.splits, s.num, keep)
                    .map_err(|kind| Fault::new(kind, col.input))?;
                out.set_num(bucket);
                Ok(())
            })?;
        }
        Ok(Flow::Continue)
    }
}

/// `Bucketizer.binarySearchForBuckets`.
pub fn bucket_of(splits: &[f64], x: f64, keep_invalid: bool) -> Result<f64, ScoreErrorKind> {
    let n = splits.len();
    if x.is_nan() {
        return if keep_invalid {
            Ok((n - 1) as f64)
        } else {
            Err(ScoreErrorKind::NanValue)
        };
    }
    if splits.last() == Some(&x) {
        return Ok(n.saturating_sub(2) as f64);
    }
    match java_binary_search(splits, x) {
        Ok(i) => Ok(i as f64),
        Err(insert) if insert == 0 || insert == n => Err(ScoreErrorKind::InvalidValue),
        Err(insert) => Ok((insert - 1) as f64),
    }
}

/// `Bucketizer.checkSplits`: at least 3 values, strictly increasing, no NaN.
fn valid_splits(splits: &[f64]) -> bool {
    splits.len() >= 3
        && splits.windows(2).all(|w| matches!(w, [a, b] if a < b))
        && !splits.iter().any(|s| s.is_nan())
}

/// Bucket names of the output attribute: `"lo, hi"` with Scala's double formatting.
fn bucket_labels(splits: &[f64]) -> Vec<String> {
    splits
        .windows(2)
        .filter_map(|w| match w {
            [lo, hi] => {
                let mut s = String::new();
                java_double_to_string(*lo, &mut s);
                s.push_str(", ");
                java_double_to_string(*hi, &mut s);
                Some(s)
            }
            _ => None,
        })
        .collect()
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (inputs, outputs, splits) = if meta.is_set("inputCols") {
        let inputs = meta.opt_str_array("inputCols")?.unwrap_or_default();
        let outputs = meta
            .opt_str_array("outputCols")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "`outputCols` is not set"))?;
        let splits = meta
            .opt_f64_matrix("splitsArray")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "`splitsArray` is not set"))?;
        (inputs, outputs, splits)
    } else {
        let input = meta.required_str("inputCol")?;
        let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
        let splits = meta
            .opt_f64_array("splits")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "`splits` is not set"))?;
        (vec![input], vec![output], vec![splits])
    };
    if inputs.len() != outputs.len() || inputs.len() != splits.len() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!(
                "{} input columns, {} output columns and {} split arrays",
                inputs.len(),
                outputs.len(),
                splits.len()
            ),
        ));
    }
    if let Some(bad) = splits.iter().find(|s| !valid_splits(s)) {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("splits {bad:?} are not at least 3 strictly increasing numbers"),
        ));
    }
    let handle_invalid = HandleInvalid::parse(meta, "error")?;
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("splits".into(), format!("{splits:?}")),
            ("handleInvalid".into(), handle_invalid.name().into()),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for ((name, output), splits) in inputs.iter().zip(&outputs).zip(splits) {
        let input = c.input(meta, name, Want::Numeric)?;
        let output = c.output(meta, output, ColumnType::Double, None)?;
        let labels = bucket_labels(&splits);
        c.set_nominal(
            output,
            Nominal {
                num_values: labels.len(),
                labels: Some(labels),
            },
        );
        columns.push(BucketedColumn {
            input,
            output,
            splits,
        });
    }
    c.push(Step::Bucketizer(BucketizerStep {
        columns,
        handle_invalid,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn binary_search_matches_java() {
        let a = [-INF, -1.0, 0.0, 1.5, 10.0, INF];
        assert_eq!(java_binary_search(&a, 0.0), Ok(2));
        assert_eq!(java_binary_search(&a, -0.0), Err(2));
        assert_eq!(java_binary_search(&a, 1.0), Err(3));
        assert_eq!(java_binary_search(&a, -INF), Ok(0));
        assert_eq!(java_binary_search(&[0.0, 1.0], -5.0), Err(0));
        assert_eq!(java_binary_search(&[0.0, 1.0], 5.0), Err(2));
        assert_eq!(java_binary_search(&[-0.0, 1.0], 0.0), Err(1));
    }

    #[test]
    fn buckets() {
        let s = [-INF, -1.0, 0.0, 1.5, 10.0, INF];
        assert_eq!(bucket_of(&s, -1.0, false), Ok(1.0));
        assert_eq!(bucket_of(&s, -0.0, false), Ok(1.0), "-0.0 sorts below 0.0");
        assert_eq!(bucket_of(&s, 0.0, false), Ok(2.0));
        assert_eq!(bucket_of(&s, INF, false), Ok(4.0));
        assert_eq!(bucket_of(&s, -INF, false), Ok(0.0));
        assert_eq!(
            bucket_of(&s, f64::NAN, false),
            Err(ScoreErrorKind::NanValue)
        );
        assert_eq!(bucket_of(&s, f64::NAN, true), Ok(5.0));
        let f = [0.0, 1.0, 2.0, 5.0];
        assert_eq!(bucket_of(&f, 5.0, true), Ok(2.0));
        assert_eq!(
            bucket_of(&f, -0.0, true),
            Err(ScoreErrorKind::InvalidValue),
            "-0.0 is below 0.0"
        );
        assert_eq!(
            bucket_of(&f, 5.000000000000001, true),
            Err(ScoreErrorKind::InvalidValue)
        );
        assert_eq!(
            bucket_of(&f, -1e-300, true),
            Err(ScoreErrorKind::InvalidValue)
        );
    }

    #[test]
    fn splits_and_labels() {
        assert!(valid_splits(&[-INF, 0.0, INF]));
        assert!(!valid_splits(&[0.0, 1.0]));
        assert!(!valid_splits(&[0.0, 0.0, 1.0]));
        assert!(!valid_splits(&[0.0, f64::NAN, 1.0]));
        assert_eq!(
            bucket_labels(&[-INF, 0.5, INF]),
            vec!["-Infinity, 0.5", "0.5, Infinity"]
        );
    }
}
