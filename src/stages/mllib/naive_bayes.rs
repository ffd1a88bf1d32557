//! mllib `classification.NaiveBayesModel` (format 1.0: multinomial only; 2.0 adds
//! `modelType`). Data: `labels, pi, theta` (theta as nested arrays). `predict` returns the
//! label of the first maximal `pi + theta·x` (bernoulli: with the negated-theta terms).
//! Bernoulli rejects values other than 0 and 1; multinomial checks nothing (verified with
//! Spark 3.5.9 and 4.3.0: negative and NaN features are scored).

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct MllibNaiveBayesStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub num_features: usize,
    pub labels: Vec<f64>,
    /// Per class: pi (plus the negated-theta sum for bernoulli).
    pub bias: Vec<f64>,
    /// Row-major classes × features: theta, or theta − log1p(−exp(theta)) for bernoulli.
    pub weights: Vec<f64>,
    pub bernoulli: bool,
}

impl MllibNaiveBayesStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.input);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        if x.vec.size != self.num_features {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
        }
        // Only bernoulli checks its input (`foreachNonZero`: value != 1.0 raises); multinomial
        // `predict` takes negative and NaN features as they are (unlike ml's NaiveBayes).
        if self.bernoulli {
            let mut invalid = false;
            x.vec
                .for_each_active(|_, v| invalid |= v != 0.0 && v != 1.0);
            if invalid {
                return Err(Fault::new(ScoreErrorKind::InvalidValue, self.input));
            }
        }
        let mut best = 0usize;
        let mut max = f64::NEG_INFINITY;
        for (k, &b) in self.bias.iter().enumerate() {
            let row = self
                .weights
                .get(k * self.num_features..(k + 1) * self.num_features)
                .unwrap_or(&[]);
            let p = x.vec.dot(row) + b;
            if k == 0 || p > max {
                max = p;
                best = k;
            }
        }
        let label = self.labels.get(best).copied().unwrap_or(f64::NAN);
        if let Some(s) = slots.get_mut(self.output) {
            s.set_num(label);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let labels = table.decode(row, "labels", |d| d.f64_list())?;
    let pi = table.decode(row, "pi", |d| d.f64_list())?;
    let theta: Vec<Vec<f64>> = table.decode(row, "theta", |d| {
        d.as_list()?.iter().map(|r| r.f64_list()).collect()
    })?;
    let model_type = if table.has_column("modelType") {
        table.decode(row, "modelType", |d| d.as_str().map(str::to_string))?
    } else {
        "multinomial".to_string()
    };
    let bernoulli = match model_type.as_str() {
        "multinomial" => false,
        "bernoulli" => true,
        other => {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    format!("unknown modelType `{other}`"),
                )
                .in_column("modelType"))
        }
    };
    let num_features = theta.first().map_or(0, Vec::len);
    if labels.len() != pi.len()
        || theta.len() != pi.len()
        || theta.iter().any(|r| r.len() != num_features)
    {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                "labels, pi and theta disagree on the class or feature count",
            )
            .in_file(&table.file));
    }
    let mut bias = pi;
    let mut weights = Vec::with_capacity(theta.len() * num_features);
    for (k, r) in theta.iter().enumerate() {
        for &t in r {
            if bernoulli {
                let neg = (-t.exp()).ln_1p();
                if let Some(b) = bias.get_mut(k) {
                    *b += neg;
                }
                weights.push(t - neg);
            } else {
                weights.push(t);
            }
        }
    }
    c.begin_stage(
        meta,
        vec![
            ("modelType".into(), model_type),
            ("numClasses".into(), labels.len().to_string()),
        ],
    )?;
    let (input, output) = super::columns(c, meta, Some(num_features))?;
    c.push(Step::MllibNaiveBayes(MllibNaiveBayesStep {
        input,
        output,
        num_features,
        labels,
        bias,
        weights,
        bernoulli,
    }));
    Ok(())
}
