//! mllib generalized linear models: `classification.LogisticRegressionModel` (binary and
//! multiclass), `classification.SVMModel`, `regression.LinearRegressionModel`, `LassoModel`,
//! `RidgeRegressionModel`. Data: `weights: Vector, intercept: double[, threshold: double]`.
//! `predict`: binary LR → sigmoid(margin) compared with `threshold` (or the score when the
//! threshold was cleared); SVM → margin compared with `threshold` (or the margin);
//! multiclass LR → the class with the largest positive margin over `numClasses - 1` weight
//! blocks (class 0 has margin 0); regression → margin.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinearKind {
    /// Logistic score, thresholded when a threshold is set.
    Logistic {
        threshold: Option<f64>,
    },
    /// Margin, thresholded when a threshold is set.
    Svm {
        threshold: Option<f64>,
    },
    Regression,
    /// `numClasses - 1` weight blocks of `block` entries (numFeatures, +1 with a bias).
    Multiclass {
        classes: usize,
        block: usize,
    },
}

#[derive(Debug, Clone)]
pub struct MllibLinearStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub num_features: usize,
    pub weights: Vec<f64>,
    pub intercept: f64,
    pub kind: LinearKind,
}

impl MllibLinearStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.input);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        if x.vec.size != self.num_features {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
        }
        let prediction = match self.kind {
            LinearKind::Multiclass { classes, block } => {
                let mut best = 0usize;
                let mut max_margin = 0.0;
                for i in 0..classes.saturating_sub(1) {
                    let w = self.weights.get(i * block..(i + 1) * block).unwrap_or(&[]);
                    let mut margin = 0.0;
                    x.vec.for_each_active(|j, v| {
                        if v != 0.0 {
                            margin += v * w.get(j).copied().unwrap_or(0.0);
                        }
                    });
                    if block == self.num_features + 1 {
                        margin += w.get(self.num_features).copied().unwrap_or(0.0);
                    }
                    if margin > max_margin {
                        max_margin = margin;
                        best = i + 1;
                    }
                }
                best as f64
            }
            kind => {
                let margin = x.vec.dot(&self.weights) + self.intercept;
                match kind {
                    LinearKind::Logistic { threshold } => {
                        let score = 1.0 / (1.0 + (-margin).exp());
                        match threshold {
                            Some(t) => f64::from(u8::from(score > t)),
                            None => score,
                        }
                    }
                    LinearKind::Svm { threshold: Some(t) } => f64::from(u8::from(margin > t)),
                    LinearKind::Svm { threshold: None } => margin,
                    _ => margin,
                }
            }
        };
        if let Some(s) = slots.get_mut(self.output) {
            s.set_num(prediction);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let weights = table.decode(row, "weights", |d| {
        Ok(d.to_vector(c.limits().max_vector_width)?.to_dense())
    })?;
    let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
    let threshold = if table.has_column("threshold") {
        table.decode(row, "threshold", |d| {
            if d.is_null() {
                Ok(None)
            } else {
                d.as_f64().map(Some)
            }
        })?
    } else {
        None
    };
    let short = meta.short_class();
    let num_classes = meta.extra_i64("numClasses")?.unwrap_or(2);
    let declared_features = meta.extra_i64("numFeatures")?;
    let (kind, num_features) = match short {
        "LogisticRegressionModel" if num_classes > 2 => {
            let classes = usize::try_from(num_classes).unwrap_or(2);
            let block = weights.len() / (classes - 1);
            let nf = declared_features
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(block);
            if block * (classes - 1) != weights.len() || (block != nf && block != nf + 1) {
                return Err(meta
                    .error(
                        LoadErrorKind::BadData,
                        format!(
                            "{} weights do not form {} blocks for {nf} features",
                            weights.len(),
                            classes - 1
                        ),
                    )
                    .in_column("weights"));
            }
            (LinearKind::Multiclass { classes, block }, nf)
        }
        "LogisticRegressionModel" => (LinearKind::Logistic { threshold }, weights.len()),
        "SVMModel" => (LinearKind::Svm { threshold }, weights.len()),
        _ => (LinearKind::Regression, weights.len()),
    };
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), num_features.to_string()),
            (
                "threshold".into(),
                threshold.map_or("none".into(), |t| t.to_string()),
            ),
        ],
    )?;
    let (input, output) = super::columns(c, meta, Some(num_features))?;
    c.push(Step::MllibLinear(MllibLinearStep {
        input,
        output,
        num_features,
        weights,
        intercept,
        kind,
    }));
    Ok(())
}
