//! `org.apache.spark.ml.classification.NaiveBayesModel` (spark-format.md 9.5). Reads the
//! 1.6–2.4 layout (`pi`, `theta`) and the 3.0+ layout (`pi`, `theta`, `sigma`); model types
//! multinomial and bernoulli (all versions), complement and gaussian (3.0+).
//!
//! Writer-version rules: 3.0+ checks features at scoring (multinomial/complement: stored
//! non-zero values must be > 0, so negatives and NaN raise; bernoulli: must be 1.0), 2.x checks
//! bernoulli only (stored values 0 or 1). Bernoulli precomputes `log1p(-exp(θ))` from 3.0,
//! `log(1 - exp(θ))` before. Probabilities: 3.1+ `softmax`; earlier `exp(raw - max) / sum`.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf};
use crate::spark::{parquet, Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    Multinomial,
    Bernoulli,
    Complement,
    Gaussian,
}

#[derive(Debug, Clone)]
pub struct NaiveBayesStep {
    pub features: SlotIndex,
    pub model_type: ModelType,
    pub num_classes: usize,
    pub num_features: usize,
    pub pi: Vec<f64>,
    /// Row-major numClasses × numFeatures: θ (multinomial, complement, gaussian means) or
    /// `θ - log(1 - exp(θ))` (bernoulli).
    pub theta: Vec<f64>,
    /// Gaussian: row-major variances. Empty otherwise.
    pub sigma: Vec<f64>,
    /// Bernoulli: `Σ_j log(1 - exp(θ_ij))` per class; gaussian: `Σ_j log σ_ij`.
    pub row_sum: Vec<f64>,
    /// Whether feature values are checked at scoring (3.0+, and bernoulli in 2.x).
    pub check_values: bool,
    pub thresholds: Option<Vec<f64>>,
    pub outputs: ClassifierOutputs,
    pub raw_scratch: SlotIndex,
    pub prob_scratch: SlotIndex,
    pub blas: Blas,
    pub semantics: SparkVersion,
}

impl NaiveBayesStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut raw = take_slot_vec(slots, self.raw_scratch);
        let mut prob = take_slot_vec(slots, self.prob_scratch);
        let result = self.compute(slot(slots, self.features), &mut raw, &mut prob);
        if result.is_ok() {
            let prediction = predictor::prediction_from(
                &self.outputs,
                self.thresholds.as_deref(),
                self.semantics,
                &raw.values,
                &prob.values,
            );
            predictor::write_outputs(slots, &self.outputs, &raw.values, &prob.values, prediction);
        }
        put_slot_vec(slots, self.raw_scratch, raw);
        put_slot_vec(slots, self.prob_scratch, prob);
        result.map(|()| Flow::Continue)
    }

    /// rawPrediction and probability of the features in `s`.
    fn compute(&self, s: &Slot, raw: &mut VecBuf, prob: &mut VecBuf) -> Result<(), Fault> {
        if s.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        let x = &s.vec;
        // gemv requires numCols == size; the gaussian loop only reads x(0..numFeatures).
        let size_ok = match self.model_type {
            ModelType::Gaussian => x.size >= self.num_features,
            _ => x.size == self.num_features,
        };
        if !size_ok {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        if self.check_values && !self.values_valid(x) {
            return Err(Fault::new(ScoreErrorKind::InvalidValue, self.features));
        }
        raw.reset_dense(self.num_classes);
        self.predict_raw(x, &mut raw.values);
        prob.copy_from(raw);
        raw_to_probability(&mut prob.values, self.semantics);
        Ok(())
    }

    /// Spark's `requireNonnegativeValues` (non-zeros must be > 0, so NaN fails) and
    /// `requireZeroOneBernoulliValues` (3.0+ non-zeros must be 1.0; 2.x every stored value 0
    /// or 1: the same verdict).
    fn values_valid(&self, x: &VecBuf) -> bool {
        match self.model_type {
            ModelType::Multinomial | ModelType::Complement => x.values.iter().all(|&v| v >= 0.0),
            ModelType::Bernoulli => x.values.iter().all(|&v| v == 0.0 || v == 1.0),
            ModelType::Gaussian => true,
        }
    }

    fn row<'a>(&self, m: &'a [f64], i: usize) -> &'a [f64] {
        m.get(i * self.num_features..(i + 1) * self.num_features)
            .unwrap_or(&[])
    }

    /// `θ_i · x` as `BLAS.gemv` computes it: dgemv on dense x, a loop over stored entries on
    /// sparse x.
    #[inline]
    fn theta_dot(&self, x: &VecBuf, i: usize) -> f64 {
        let row = self.row(&self.theta, i);
        if x.sparse {
            x.dot(row)
        } else {
            self.blas.gemv_row(row, &x.values)
        }
    }

    fn predict_raw(&self, x: &VecBuf, raw: &mut [f64]) {
        let modern = self.semantics.at_least(3, 0);
        match self.model_type {
            ModelType::Multinomial => {
                for (i, r) in raw.iter_mut().enumerate() {
                    *r = self.pi.get(i).copied().unwrap_or(0.0) + self.theta_dot(x, i);
                }
            }
            ModelType::Bernoulli => {
                for (i, r) in raw.iter_mut().enumerate() {
                    let pi = self.pi.get(i).copied().unwrap_or(0.0);
                    let neg = self.row_sum.get(i).copied().unwrap_or(0.0);
                    let dot = self.theta_dot(x, i);
                    // 3.0+: (pi + Σ negθ) + θ'·x; 2.x: (θ'·x + pi) + Σ negθ.
                    *r = if modern {
                        (pi + neg) + dot
                    } else {
                        (dot + pi) + neg
                    };
                }
            }
            ModelType::Complement => {
                for (i, r) in raw.iter_mut().enumerate() {
                    *r = self.theta_dot(x, i);
                }
                let max = scala_max(raw, self.semantics);
                let mut sum_exp = 0.0;
                for &s in raw.iter() {
                    sum_exp += (s - max).exp();
                }
                let log_sum_exp = sum_exp.ln() + max;
                for r in raw.iter_mut() {
                    *r -= log_sum_exp;
                }
            }
            ModelType::Gaussian => {
                for (i, r) in raw.iter_mut().enumerate() {
                    let mean = self.row(&self.theta, i);
                    let var = self.row(&self.sigma, i);
                    let mut s = 0.0;
                    for (j, (&m, &v)) in mean.iter().zip(var).enumerate() {
                        let d = x.get(j) - m;
                        s += d * d / v;
                    }
                    let pi = self.pi.get(i).copied().unwrap_or(0.0);
                    *r = pi - (s + self.row_sum.get(i).copied().unwrap_or(0.0)) / 2.0;
                }
            }
        }
    }
}

/// Scala's `Array[Double].max`: Spark 4 (Scala 2.13) orders NaN above everything; Spark ≤ 3
/// (Scala 2.12) reduces with IEEE `>=`, so a NaN is replaced by the next element.
fn scala_max(v: &[f64], semantics: SparkVersion) -> f64 {
    let mut it = v.iter().copied();
    let Some(first) = it.next() else {
        return f64::NEG_INFINITY;
    };
    if semantics.at_least(4, 0) {
        if v.iter().any(|x| x.is_nan()) {
            return f64::NAN;
        }
        return it.fold(first, f64::max);
    }
    it.fold(first, |acc, y| if acc >= y { acc } else { y })
}

/// `raw2probabilityInPlace`: 3.1+ `softmax`; before, `exp(raw - max)` divided by the sum.
fn raw_to_probability(v: &mut [f64], semantics: SparkVersion) {
    if semantics.at_least(3, 1) {
        predictor::softmax_in_place(v);
        return;
    }
    let max = scala_max(v, semantics);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

fn parse_model_type(meta: &Metadata) -> Result<ModelType, LoadError> {
    match meta.str_or("modelType", "multinomial")?.as_str() {
        "multinomial" => Ok(ModelType::Multinomial),
        "bernoulli" => Ok(ModelType::Bernoulli),
        "complement" => Ok(ModelType::Complement),
        "gaussian" => Ok(ModelType::Gaussian),
        other => Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("unknown NaiveBayes modelType `{other}`"),
        )),
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let model_type = parse_model_type(meta)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max = c.limits().max_vector_width;
    let pi = table.decode(row, "pi", |d| Ok(d.to_vector(max)?.to_dense()))?;
    let theta = table.decode(row, "theta", |d| d.to_matrix(max))?;
    let bad = |col: &str, msg: String| {
        meta.error(LoadErrorKind::BadData, msg)
            .in_file(&table.file)
            .in_column(col)
    };
    if theta.rows != pi.len() {
        return Err(bad(
            "theta",
            format!(
                "theta has {} rows but pi has {} classes",
                theta.rows,
                pi.len()
            ),
        ));
    }
    let (num_classes, num_features) = (theta.rows, theta.cols);
    let sigma = if model_type == ModelType::Gaussian {
        if !table.has_column("sigma") {
            return Err(bad(
                "sigma",
                "a gaussian model needs `sigma` (written by Spark 3.0+)".into(),
            ));
        }
        let s = table.decode(row, "sigma", |d| d.to_matrix(max))?;
        if (s.rows, s.cols) != (num_classes, num_features) {
            return Err(bad(
                "sigma",
                format!(
                    "sigma is {}×{}, theta {num_classes}×{num_features}",
                    s.rows, s.cols
                ),
            ));
        }
        s.values
    } else {
        Vec::new()
    };
    let thresholds = predictor::thresholds(meta, num_classes)?;
    c.begin_stage(
        meta,
        vec![
            ("modelType".into(), format!("{model_type:?}").to_lowercase()),
            ("numClasses".into(), num_classes.to_string()),
            ("numFeatures".into(), num_features.to_string()),
        ],
    )?;
    let semantics = c.semantics();
    let blas = Blas::for_version(semantics);
    let modern = semantics.at_least(3, 0);
    let mut theta = theta.values;
    let mut row_sum = Vec::new();
    match model_type {
        ModelType::Bernoulli => {
            // negθ = log(1 - exp(θ)) (log1p from 3.0); θ' = θ - negθ; per-class Σ negθ as
            // gemv with a ones vector sums it.
            for chunk in theta.chunks_mut(num_features.max(1)) {
                let mut neg_row = Vec::with_capacity(chunk.len());
                for t in chunk.iter_mut() {
                    let neg = if modern {
                        (-t.exp()).ln_1p()
                    } else {
                        (1.0 - t.exp()).ln()
                    };
                    neg_row.push(neg);
                    *t -= neg;
                }
                let ones = vec![1.0; neg_row.len()];
                row_sum.push(blas.gemv_row(&neg_row, &ones));
            }
        }
        ModelType::Gaussian => {
            for r in sigma.chunks(num_features.max(1)) {
                let mut s = 0.0;
                for v in r {
                    s += v.ln();
                }
                row_sum.push(s);
            }
        }
        _ => {}
    }
    let features = predictor::features_input(c, meta, Some(num_features))?;
    let outputs = predictor::classifier_outputs(c, meta, num_classes, true)?;
    let raw_scratch = c.hidden(ColumnType::Vector);
    let prob_scratch = c.hidden(ColumnType::Vector);
    c.push(Step::NaiveBayes(NaiveBayesStep {
        features,
        model_type,
        num_classes,
        num_features,
        pi,
        theta,
        sigma,
        row_sum,
        check_values: modern || model_type == ModelType::Bernoulli,
        thresholds,
        outputs,
        raw_scratch,
        prob_scratch,
        blas,
        semantics,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scala_max_nan_rules() {
        let v = [1.0, f64::NAN, 0.5];
        assert_eq!(scala_max(&v, SparkVersion::new(3, 5)), 0.5);
        assert!(scala_max(&v, SparkVersion::new(4, 0)).is_nan());
        assert_eq!(scala_max(&[1.0, 3.0, 2.0], SparkVersion::new(2, 4)), 3.0);
    }

    #[test]
    fn old_probability_divides_by_sum() {
        let mut a = [0.0, (2.0f64).ln()];
        raw_to_probability(&mut a, SparkVersion::new(2, 4));
        assert!((a[0] - 1.0 / 3.0).abs() < 1e-15 && (a[1] - 2.0 / 3.0).abs() < 1e-15);
        let mut b = [0.0, (2.0f64).ln()];
        raw_to_probability(&mut b, SparkVersion::new(3, 5));
        assert!((b[0] - 1.0 / 3.0).abs() < 1e-15);
    }
}
