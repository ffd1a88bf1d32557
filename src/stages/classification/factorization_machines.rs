//! `FMClassificationModel` and `org.apache.spark.ml.regression.FMRegressionModel` (3.0+,
//! spark-format.md 9.8). Data: `intercept, linear: Vector, factors: Matrix` (numFeatures × k).
//! `y = intercept + x·linear + Σ_f 0.5·((Σ v)² − Σ v²)` with `v = factors[i,f]·x_i` over the
//! non-zero features. Classifier: raw `[-y, y]`, `p1 = sigmoid(y)`, `p0 = 1 − p1`.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone)]
pub struct FmStep {
    pub features: SlotIndex,
    pub intercept: f64,
    pub linear: Vec<f64>,
    /// Row-major numFeatures × k.
    pub factors: Vec<f64>,
    pub k: usize,
    /// `None` for the regressor.
    pub classifier: Option<(ClassifierOutputs, Option<Vec<f64>>, [SlotIndex; 2])>,
    pub prediction: Option<SlotIndex>,
    pub blas: Blas,
    pub semantics: SparkVersion,
}

impl FmStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != self.linear.len() {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let v = &x.vec;
        let dot = if v.sparse {
            v.dot(&self.linear)
        } else {
            self.blas.ddot(&v.values, &self.linear)
        };
        let mut y = self.intercept + dot;
        for f in 0..self.k {
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            v.for_each_active(|i, xi| {
                if xi != 0.0 {
                    let vx = self.factors.get(i * self.k + f).copied().unwrap_or(0.0) * xi;
                    sum_sq += vx * vx;
                    sum += vx;
                }
            });
            y += 0.5 * (sum * sum - sum_sq);
        }
        match &self.classifier {
            None => {
                if let Some(s) = self.prediction.and_then(|p| slots.get_mut(p)) {
                    s.set_num(y);
                }
            }
            Some((outputs, thresholds, scratch)) => {
                let mut raw = take_slot_vec(slots, scratch[0]);
                let mut prob = take_slot_vec(slots, scratch[1]);
                raw.set_dense(&[-y, y]);
                let p1 = 1.0 / (1.0 + (-y).exp());
                prob.set_dense(&[1.0 - p1, p1]);
                let prediction = if outputs.raw.is_none() && outputs.probability.is_some()
                    || thresholds.is_some()
                {
                    predictor::probability_to_prediction(
                        &prob.values,
                        thresholds.as_deref(),
                        self.semantics,
                    )
                } else {
                    predictor::argmax(&raw.values) as f64
                };
                predictor::write_outputs(slots, outputs, &raw.values, &prob.values, prediction);
                put_slot_vec(slots, scratch[0], raw);
                put_slot_vec(slots, scratch[1], prob);
            }
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata, classifier: bool) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max = c.limits().max_vector_width;
    let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
    let linear = table.decode(row, "linear", |d| Ok(d.to_vector(max)?.to_dense()))?;
    let factors = table.decode(row, "factors", |d| d.to_matrix(max))?;
    if factors.rows != linear.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                "factors rows differ from the linear weights' length",
            )
            .in_column("factors"));
    }
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), linear.len().to_string()),
            ("factorSize".into(), factors.cols.to_string()),
        ],
    )?;
    let semantics = c.semantics();
    let features = predictor::features_input(c, meta, Some(linear.len()))?;
    let (classifier, prediction) = if classifier {
        let outputs = predictor::classifier_outputs(c, meta, 2, true)?;
        let thresholds = predictor::thresholds(meta, 2)?;
        (
            Some((
                outputs,
                thresholds,
                [c.hidden(ColumnType::Vector), c.hidden(ColumnType::Vector)],
            )),
            None,
        )
    } else {
        (None, predictor::regressor_output(c, meta)?)
    };
    c.push(Step::Fm(FmStep {
        features,
        intercept,
        linear,
        k: factors.cols,
        factors: factors.values,
        classifier,
        prediction,
        blas: Blas::for_version(semantics),
        semantics,
    }));
    Ok(())
}
