//! `org.apache.spark.ml.classification.LogisticRegressionModel` (spark-format.md 9.1).
//! Reads the 2.0 layout (`intercept`, `coefficients`) and the 2.1+ layout (`interceptVector`,
//! `coefficientMatrix`, `isMultinomial`). Probabilities follow the writer's formula: per-entry
//! sigmoid and conditional max-shift before 3.1; `1 - p0` and softmax from 3.1.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{produce, put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf};
use crate::spark::{parquet, Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone)]
pub struct LogisticRegressionStep {
    pub features: SlotIndex,
    pub num_features: usize,
    pub num_classes: usize,
    pub multinomial: bool,
    /// Row-major numClasses × numFeatures (one row for binomial).
    pub coefficients: Vec<f64>,
    pub intercepts: Vec<f64>,
    /// Binomial decision threshold (`getThreshold`).
    pub threshold: f64,
    /// The same threshold on the margin, `ln(t / (1 - t))` (±∞ at 0 and 1), computed once.
    pub raw_threshold: f64,
    pub thresholds: Option<Vec<f64>>,
    pub outputs: ClassifierOutputs,
    /// Holds the raw margins while probabilities and prediction are derived.
    pub scratch: SlotIndex,
    pub prob_scratch: SlotIndex,
    pub blas: Blas,
    pub semantics: SparkVersion,
}

#[inline]
fn margin(blas: Blas, x: &VecBuf, w: &[f64]) -> f64 {
    if x.sparse {
        x.dot(w)
    } else {
        blas.ddot(&x.values, w)
    }
}

impl LogisticRegressionStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != self.num_features {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        if !self.multinomial {
            let x = &slot(slots, self.features).vec;
            let m = margin(self.blas, x, &self.coefficients) + self.intercept();
            self.finish_binomial(slots, m);
            return Ok(Flow::Continue);
        }
        produce(slots, self.scratch, |slots, scratch| {
            let x = &slot(slots, self.features).vec;
            let raw = &mut scratch.vec;
            raw.reset_dense(self.num_classes);
            {
                for (k, r) in raw.values.iter_mut().enumerate() {
                    let row = self
                        .coefficients
                        .get(k * self.num_features..(k + 1) * self.num_features)
                        .unwrap_or(&[]);
                    let dot = if x.sparse {
                        x.dot(row)
                    } else {
                        self.blas.gemv_row(row, &x.values)
                    };
                    *r = dot + self.intercepts.get(k).copied().unwrap_or(0.0);
                }
            }
        });
        self.finish(slots);
        Ok(Flow::Continue)
    }

    /// The binomial intercept.
    #[inline]
    pub fn intercept(&self) -> f64 {
        self.intercepts.first().copied().unwrap_or(0.0)
    }

    /// Writes a binomial model's outputs for margin `m` (a fused step computes `m` itself),
    /// from two-element arrays, without scratch vectors.
    #[inline]
    pub fn finish_binomial(&self, slots: &mut [Slot], m: f64) {
        let raw = [-m, m];
        let mut prob = raw;
        self.raw_to_probability(&mut prob);
        let prediction = self.prediction(&raw, &prob);
        predictor::write_outputs(slots, &self.outputs, &raw, &prob, prediction);
    }

    /// Spark derives the prediction from rawPrediction when that column is produced, else
    /// from probability.
    #[inline]
    fn prediction(&self, raw: &[f64], prob: &[f64]) -> f64 {
        if self.outputs.raw.is_none() && self.outputs.probability.is_some() {
            self.probability_to_prediction(prob)
        } else {
            self.raw_to_prediction(raw, prob)
        }
    }

    fn finish(&self, slots: &mut [Slot]) {
        let raw = take_slot_vec(slots, self.scratch);
        let mut prob = take_slot_vec(slots, self.prob_scratch);
        prob.copy_from(&raw);
        self.raw_to_probability(&mut prob.values);
        let prediction = self.prediction(&raw.values, &prob.values);
        predictor::write_outputs(slots, &self.outputs, &raw.values, &prob.values, prediction);
        put_slot_vec(slots, self.scratch, raw);
        put_slot_vec(slots, self.prob_scratch, prob);
    }

    fn raw_to_probability(&self, v: &mut [f64]) {
        let modern = self.semantics.at_least(3, 1);
        if !self.multinomial {
            if modern {
                let p0 = 1.0 / (1.0 + (-v[0]).exp());
                v[0] = p0;
                v[1] = 1.0 - p0;
            } else {
                for x in v.iter_mut() {
                    *x = 1.0 / (1.0 + (-*x).exp());
                }
            }
        } else if modern {
            predictor::softmax_in_place(v);
        } else {
            // The max margin is the one at Spark's `argmax`: a NaN first margin is never
            // beaten, so the max is NaN (not a later +Inf) and every probability NaN.
            let k = predictor::argmax(v);
            let max = v.get(k).copied().unwrap_or(f64::NAN);
            if max == f64::INFINITY {
                for (i, x) in v.iter_mut().enumerate() {
                    *x = if i == k { 1.0 } else { 0.0 };
                }
                return;
            }
            let mut sum = 0.0;
            for x in v.iter_mut() {
                *x = if max > 0.0 { (*x - max).exp() } else { x.exp() };
                sum += *x;
            }
            let inv = 1.0 / sum;
            for x in v.iter_mut() {
                *x *= inv;
            }
        }
    }

    fn raw_to_prediction(&self, raw: &[f64], prob: &[f64]) -> f64 {
        if self.multinomial {
            match &self.thresholds {
                Some(t) => predictor::probability_to_prediction(prob, Some(t), self.semantics),
                None => predictor::argmax(raw) as f64,
            }
        } else {
            if raw[1] > self.raw_threshold {
                1.0
            } else {
                0.0
            }
        }
    }

    fn probability_to_prediction(&self, prob: &[f64]) -> f64 {
        if self.multinomial {
            predictor::probability_to_prediction(prob, self.thresholds.as_deref(), self.semantics)
        } else if prob[1] > self.threshold {
            1.0
        } else {
            0.0
        }
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let num_classes = table.decode(row, "numClasses", |d| d.as_i64())?;
    let num_features = table.decode(row, "numFeatures", |d| d.as_i64())?;
    let (Ok(num_classes), Ok(num_features)) =
        (usize::try_from(num_classes), usize::try_from(num_features))
    else {
        return Err(meta
            .error(LoadErrorKind::BadData, "negative numClasses or numFeatures")
            .in_file(&table.file));
    };
    let max = c.limits().max_vector_width;
    crate::spark::limits::check("numFeatures", num_features as u64, max)
        .map_err(|e| e.in_file(&table.file))?;
    let (multinomial, intercepts, coefficients) = if table.has_column("coefficientMatrix") {
        let multinomial = table.decode(row, "isMultinomial", |d| d.as_bool())?;
        let intercepts =
            table.decode(row, "interceptVector", |d| Ok(d.to_vector(max)?.to_dense()))?;
        let m = table.decode(row, "coefficientMatrix", |d| d.to_matrix(max))?;
        if m.cols != num_features
            || (multinomial && m.rows != num_classes)
            || (!multinomial && m.rows != 1)
        {
            return Err(meta.error(
                LoadErrorKind::BadData,
                format!("coefficientMatrix is {}×{} for {num_classes} classes and {num_features} features", m.rows, m.cols),
            ).in_file(&table.file).in_column("coefficientMatrix"));
        }
        if intercepts.len() != m.rows {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    "interceptVector length does not match coefficientMatrix",
                )
                .in_file(&table.file)
                .in_column("interceptVector"));
        }
        (multinomial, intercepts, m.values)
    } else {
        // Spark 2.0: binary only.
        let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
        let coef = table.decode(row, "coefficients", |d| Ok(d.to_vector(max)?.to_dense()))?;
        if coef.len() != num_features {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    "coefficients length differs from numFeatures",
                )
                .in_file(&table.file)
                .in_column("coefficients"));
        }
        (false, vec![intercept], coef)
    };
    if !multinomial && num_classes != 2 && num_classes != 1 {
        return Err(meta.error(
            LoadErrorKind::BadData,
            format!("binomial model with {num_classes} classes"),
        ));
    }
    let num_classes = if multinomial { num_classes } else { 2 };
    let thresholds = predictor::thresholds(meta, num_classes)?;
    // Binary `getThreshold`: thresholds (if set) win over threshold.
    let threshold = match (&thresholds, multinomial) {
        (Some(t), false) => 1.0 / (1.0 + t[0] / t[1]),
        _ => meta.f64_or("threshold", 0.5)?,
    };
    c.begin_stage(
        meta,
        vec![
            ("numClasses".into(), num_classes.to_string()),
            ("numFeatures".into(), num_features.to_string()),
            ("isMultinomial".into(), multinomial.to_string()),
            ("threshold".into(), threshold.to_string()),
        ],
    )?;
    let semantics = c.semantics();
    let features = predictor::features_input(c, meta, Some(num_features))?;
    let outputs = predictor::classifier_outputs(c, meta, num_classes, true)?;
    let scratch = c.hidden(ColumnType::Vector);
    let prob_scratch = c.hidden(ColumnType::Vector);
    c.push(Step::LogisticRegression(LogisticRegressionStep {
        features,
        num_features,
        num_classes,
        multinomial,
        coefficients,
        intercepts,
        threshold,
        raw_threshold: if threshold == 0.0 {
            f64::NEG_INFINITY
        } else if threshold == 1.0 {
            f64::INFINITY
        } else {
            (threshold / (1.0 - threshold)).ln()
        },
        thresholds,
        outputs,
        scratch,
        prob_scratch,
        blas: Blas::for_version(semantics),
        semantics,
    }));
    Ok(())
}
