//! `org.apache.spark.ml.regression.AFTSurvivalRegressionModel` (spark-format.md 10.4). Data:
//! `coefficients, intercept, scale`. prediction `λ = exp(x·β + intercept)`; quantiles (when
//! `quantilesCol` is set) `λ·exp(log(-log1p(-p))·scale)` from 3.0, `λ·exp(log(-log(1-p))/k)`
//! with `k = 1/scale` before.

use crate::error::{LoadError, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct AftStep {
    pub features: SlotIndex,
    pub prediction: Option<SlotIndex>,
    pub quantiles: Option<SlotIndex>,
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    /// Precomputed quantile factors (3.0+) or exponent terms (2.x), one per probability.
    pub factors: Vec<f64>,
    pub legacy: bool,
}

impl AftStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != self.coefficients.len() {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let lambda = (x.vec.dot(&self.coefficients) + self.intercept).exp();
        if let Some(s) = self.prediction.and_then(|p| slots.get_mut(p)) {
            s.set_num(lambda);
        }
        if let Some(s) = self.quantiles.and_then(|p| slots.get_mut(p)) {
            s.null = false;
            s.vec.reset_dense(self.factors.len());
            for (q, f) in s.vec.values.iter_mut().zip(&self.factors) {
                *q = if self.legacy {
                    lambda * f.exp()
                } else {
                    lambda * f
                };
            }
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let coefficients = table.decode(row, "coefficients", |d| {
        Ok(d.to_vector(c.limits().max_vector_width)?.to_dense())
    })?;
    let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
    let scale = table.decode(row, "scale", |d| d.as_f64())?;
    let probabilities = meta
        .opt_f64_array("quantileProbabilities")?
        .unwrap_or_else(|| vec![0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]);
    c.begin_stage(meta, vec![("scale".into(), scale.to_string())])?;
    let legacy = !c.semantics().at_least(3, 0);
    let factors = probabilities
        .iter()
        .map(|&p| {
            if legacy {
                (-(1.0 - p).ln()).ln() / (1.0 / scale)
            } else {
                ((-(-p).ln_1p()).ln() * scale).exp()
            }
        })
        .collect::<Vec<_>>();
    let features = crate::stages::predictor::features_input(c, meta, Some(coefficients.len()))?;
    let prediction = crate::stages::predictor::regressor_output(c, meta)?;
    let quantiles = match meta.opt_str("quantilesCol")?.filter(|s| !s.is_empty()) {
        Some(name) => Some(c.output(meta, &name, ColumnType::Vector, Some(factors.len()))?),
        None => None,
    };
    c.push(Step::Aft(AftStep {
        features,
        prediction,
        quantiles,
        coefficients,
        intercept,
        factors,
        legacy,
    }));
    Ok(())
}
