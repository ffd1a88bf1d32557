//! Output columns shared by Spark's predictors (spark-format.md section 8.1): the features
//! input, and `rawPrediction`, `probability`, `prediction` appended in that order, each only
//! when its column name is non-empty. Also `thresholds` and the probability → prediction rule.

use crate::error::LoadError;
use crate::plan::{ColumnType, Compiler, Nominal, Slot, SlotIndex, VecBuf, Want};
use crate::spark::{Metadata, SparkVersion};

/// The features vector column of a predictor.
pub fn features_input(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    num_features: Option<usize>,
) -> Result<SlotIndex, LoadError> {
    let name = meta.str_or("featuresCol", "features")?;
    c.input(meta, &name, Want::Vector(num_features))
}

/// Output slots of a classifier; `None` where the user set the column name to "".
#[derive(Debug, Clone, Copy)]
pub struct ClassifierOutputs {
    pub raw: Option<SlotIndex>,
    pub probability: Option<SlotIndex>,
    pub prediction: Option<SlotIndex>,
}

fn named(meta: &Metadata, param: &str, default: &str) -> Result<Option<String>, LoadError> {
    let name = meta.str_or(param, default)?;
    Ok(if name.is_empty() { None } else { Some(name) })
}

pub fn classifier_outputs(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    num_classes: usize,
    probabilistic: bool,
) -> Result<ClassifierOutputs, LoadError> {
    let raw = match named(meta, "rawPredictionCol", "rawPrediction")? {
        Some(n) => Some(c.output(meta, &n, ColumnType::Vector, Some(num_classes))?),
        None => None,
    };
    let probability = match probabilistic
        .then(|| named(meta, "probabilityCol", "probability"))
        .transpose()?
        .flatten()
    {
        Some(n) => Some(c.output(meta, &n, ColumnType::Vector, Some(num_classes))?),
        None => None,
    };
    let prediction = match named(meta, "predictionCol", "prediction")? {
        Some(n) => {
            let slot = c.output(meta, &n, ColumnType::Double, None)?;
            c.set_nominal(
                slot,
                Nominal {
                    num_values: num_classes,
                    labels: None,
                },
            );
            Some(slot)
        }
        None => None,
    };
    c.last_raw_prediction = raw;
    Ok(ClassifierOutputs {
        raw,
        probability,
        prediction,
    })
}

pub fn regressor_output(
    c: &mut Compiler<'_>,
    meta: &Metadata,
) -> Result<Option<SlotIndex>, LoadError> {
    match named(meta, "predictionCol", "prediction")? {
        Some(n) => Ok(Some(c.output(meta, &n, ColumnType::Double, None)?)),
        None => Ok(None),
    }
}

/// `thresholds` if defined, checked against the class count as Spark does at transform.
pub fn thresholds(meta: &Metadata, num_classes: usize) -> Result<Option<Vec<f64>>, LoadError> {
    let Some(t) = meta.opt_f64_array("thresholds")? else {
        return Ok(None);
    };
    if t.len() != num_classes {
        return Err(meta.error(
            crate::error::LoadErrorKind::BadMetadata,
            format!(
                "`thresholds` has {} entries but the model has {num_classes} classes",
                t.len()
            ),
        ));
    }
    Ok(Some(t))
}

/// Writes a classifier's outputs (those whose column is produced); rawPrediction and
/// probability are always dense.
#[inline]
pub fn write_outputs(
    slots: &mut [Slot],
    o: &ClassifierOutputs,
    raw: &[f64],
    prob: &[f64],
    prediction: f64,
) {
    if let Some(s) = o.raw.and_then(|i| slots.get_mut(i)) {
        s.null = false;
        s.vec.set_dense(raw);
    }
    if let Some(s) = o.probability.and_then(|i| slots.get_mut(i)) {
        s.null = false;
        s.vec.set_dense(prob);
    }
    if let Some(s) = o.prediction.and_then(|i| slots.get_mut(i)) {
        s.set_num(prediction);
    }
}

/// Index of the first maximum (Spark's `argmax`: starts from index 0 and takes strictly
/// greater values, so a later NaN never wins and a leading NaN is never beaten).
#[inline]
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    let mut max = f64::NEG_INFINITY;
    for (i, &x) in v.iter().enumerate() {
        if x > max || (i == 0 && x.is_nan()) {
            max = x;
            best = i;
        }
    }
    best
}

/// `probability2prediction` (section 8.1): argmax without thresholds; with thresholds the
/// first strictly largest `p_i / t_i`. Spark 2.x forced `t_i == 0` classes to +∞.
#[inline]
pub fn probability_to_prediction(
    p: &[f64],
    thresholds: Option<&[f64]>,
    semantics: SparkVersion,
) -> f64 {
    let Some(t) = thresholds else {
        return argmax(p) as f64;
    };
    let mut best = 0usize;
    let mut max = f64::NEG_INFINITY;
    for (i, (&pi, &ti)) in p.iter().zip(t).enumerate() {
        let scaled = if ti == 0.0 && !semantics.at_least(3, 0) {
            f64::INFINITY
        } else {
            pi / ti
        };
        if scaled > max {
            max = scaled;
            best = i;
        }
    }
    best as f64
}

/// Prediction of a probabilistic classifier (section 8.1): with `thresholds`, the thresholded
/// probability; else `argmax(raw)`, or `argmax(probability)` when only the probability column
/// is produced (Spark derives prediction from whichever column it just wrote). `prob` is only
/// read when thresholds are set or the raw column is absent.
#[inline]
pub fn prediction_from(
    o: &ClassifierOutputs,
    thresholds: Option<&[f64]>,
    semantics: SparkVersion,
    raw: &[f64],
    prob: &[f64],
) -> f64 {
    match thresholds {
        Some(t) => probability_to_prediction(prob, Some(t), semantics),
        None if o.raw.is_none() && o.probability.is_some() => argmax(prob) as f64,
        None => argmax(raw) as f64,
    }
}

/// Whether a probabilistic classifier must compute probabilities for a row: for the column,
/// or to apply thresholds. Spark computes nothing else, so e.g. a zero vector only fails to
/// normalise when one of these asks for it.
#[inline]
pub fn needs_probability(o: &ClassifierOutputs, thresholds: Option<&[f64]>) -> bool {
    o.probability.is_some() || thresholds.is_some()
}

/// Coefficients of a linear model as stored (dense, or sparse as Spark may save them), for
/// `BLAS.dot(features, coefficients)` in Spark's order for each representation pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficients {
    pub size: usize,
    /// Dense values (always filled: sparse coefficients densified).
    pub dense: Vec<f64>,
    /// Stored entries when Spark saved the vector sparse.
    pub sparse: Option<(Vec<u32>, Vec<f64>)>,
}

impl Coefficients {
    pub fn from_vector(v: &crate::spark::SparkVector) -> Coefficients {
        Coefficients {
            size: v.size,
            dense: v.to_dense(),
            sparse: v.indices.as_ref().map(|i| (i.clone(), v.values.clone())),
        }
    }

    /// `BLAS.dot(x, coefficients)`; the caller has checked `x.size == self.size`.
    #[inline]
    pub fn dot(&self, x: &VecBuf, blas: crate::kernels::blas::Blas) -> f64 {
        use crate::kernels::vector::{dot_sparse_dense, dot_sparse_sparse};
        match (&self.sparse, x.sparse) {
            (None, false) => blas.ddot(&x.values, &self.dense),
            (None, true) => dot_sparse_dense(&x.indices, &x.values, &self.dense),
            (Some((i, v)), false) => dot_sparse_dense(i, v, &x.values),
            (Some((i, v)), true) => dot_sparse_sparse(&x.indices, &x.values, i, v),
        }
    }
}

/// Spark 3.1+ `softmax` (section 8.3), in place. At the first +∞ Spark scales the whole
/// vector by 0.0 (BLAS `dscal`) and sets that entry to 1.0, so other infinite or NaN entries
/// become NaN, not 0 (seen in Spark 3.5.9 and 4.3.0 output). Otherwise max-shifted
/// exponentials scaled by the reciprocal of their sum.
#[inline]
pub fn softmax_in_place(v: &mut [f64]) {
    if let Some(k) = v.iter().position(|x| *x == f64::INFINITY) {
        for x in v.iter_mut() {
            *x *= 0.0;
        }
        if let Some(x) = v.get_mut(k) {
            *x = 1.0;
        }
        return;
    }
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    let inv = 1.0 / sum;
    for x in v.iter_mut() {
        *x *= inv;
    }
}

/// `normalizeToProbabilitiesInPlace` (section 8.2). 3.0+ rejects negative entries and a zero
/// sum; 2.x leaves a zero vector unchanged. Returns false where Spark 3+ raises.
#[inline]
pub fn normalize_in_place(v: &mut [f64], semantics: SparkVersion) -> bool {
    let mut sum = 0.0;
    for &x in v.iter() {
        // Spark 3's `require(value >= 0)` also rejects NaN.
        if semantics.at_least(3, 0) && (x < 0.0 || x.is_nan()) {
            return false;
        }
        sum += x;
    }
    if semantics.at_least(3, 0) && (sum <= 0.0 || sum.is_nan()) {
        return false;
    }
    if sum == 0.0 {
        return !semantics.at_least(3, 0);
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        // Spark's `DenseVector.argmax` starts from values(0): a leading NaN is never beaten.
        assert_eq!(argmax(&[f64::NAN, 1.0]), 0);
        assert_eq!(argmax(&[1.0, f64::NAN, 2.0]), 2);
    }

    #[test]
    fn thresholds_scale_probabilities() {
        let v = SparkVersion::new(3, 5);
        assert_eq!(
            probability_to_prediction(&[0.6, 0.4], Some(&[0.9, 0.1]), v),
            1.0
        );
        assert_eq!(probability_to_prediction(&[0.6, 0.4], None, v), 0.0);
    }

    #[test]
    fn softmax_handles_infinity() {
        let mut v = [1.0, f64::INFINITY, 2.0];
        softmax_in_place(&mut v);
        assert_eq!(v, [0.0, 1.0, 0.0]);
        let mut v = [f64::INFINITY, f64::INFINITY, f64::NAN, f64::NEG_INFINITY];
        softmax_in_place(&mut v);
        assert_eq!(v[0], 1.0);
        assert!(v[1..].iter().all(|x| x.is_nan()));
    }
}
