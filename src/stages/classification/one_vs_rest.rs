//! `org.apache.spark.ml.classification.OneVsRestModel` (spark-format.md 9.9): `model_0 …
//! model_{k-1}` binary classifiers; the score of class i is element [1] of model i's
//! rawPrediction. rawPrediction (when its column is set) is those scores; prediction is the
//! index of the first maximum: `Vector.argmax` before Spark 4, Spark 4's `array_argmax`
//! (NaN scores skipped, -1.0 when no score beats -Inf; verified with 4.3.0 fixtures). The
//! sub-models' own columns are temporary, as in Spark.

use crate::error::{LoadError, LoadErrorKind};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Flow, Nominal, Slot, SlotIndex, Step, StepResult};
use crate::spark::Metadata;
use crate::stages::predictor;

#[derive(Debug, Clone)]
pub struct OneVsRestStep {
    /// rawPrediction slot of each sub-model.
    pub scores: Vec<SlotIndex>,
    pub raw: Option<SlotIndex>,
    pub prediction: Option<SlotIndex>,
    /// Spark 4's `array_argmax` (NaN skipped, -1 when nothing beats -Inf) instead of
    /// `Vector.argmax` (first maximum starting from element 0, which a NaN there keeps).
    pub sql_argmax: bool,
}

/// `org.apache.spark.ml.functions.array_argmax` (Spark 4): an `aggregate` keeping the first
/// value that is not NaN and is strictly above the best so far, starting from -Inf at index -1.
fn array_argmax(values: impl Iterator<Item = f64>) -> f64 {
    let (mut best, mut max) = (-1.0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if !v.is_nan() && v > max {
            max = v;
            best = i as f64;
        }
    }
    best
}

impl OneVsRestStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        if self.sql_argmax {
            let best = array_argmax(self.scores.iter().map(|&s| slot(slots, s).vec.get(1)));
            self.write_raw(slots);
            if let Some(p) = self.prediction.and_then(|p| slots.get_mut(p)) {
                p.set_num(best);
            }
            return Ok(Flow::Continue);
        }
        let mut best = 0usize;
        let mut max = f64::NEG_INFINITY;
        for (i, &s) in self.scores.iter().enumerate() {
            let v = slot(slots, s).vec.get(1);
            if i == 0 || v > max {
                max = v;
                best = i;
            }
        }
        self.write_raw(slots);
        if let Some(p) = self.prediction.and_then(|p| slots.get_mut(p)) {
            p.set_num(best as f64);
        }
        Ok(Flow::Continue)
    }

    fn write_raw(&self, slots: &mut [Slot]) {
        if let Some(r) = self.raw.and_then(|r| slots.get_mut(r)) {
            r.null = false;
            r.vec.reset_dense(0);
            r.vec.size = self.scores.len();
        }
        if let Some(r) = self.raw {
            for k in 0..self.scores.len() {
                let v = self
                    .scores
                    .get(k)
                    .map_or(0.0, |&s| slot(slots, s).vec.get(1));
                if let Some(out) = slots.get_mut(r) {
                    out.vec.values.push(v);
                }
            }
        }
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let num_classes = meta
        .extra_i64("numClasses")?
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadMetadata,
                "OneVsRestModel metadata has no valid `numClasses`",
            )
        })?;
    crate::spark::limits::check("numClasses", num_classes as u64, c.limits().max_stages)
        .map_err(|e| e.in_file(&meta.file))?;
    let stage = c.begin_stage(meta, vec![("numClasses".into(), num_classes.to_string())])?;
    let mut scores = Vec::with_capacity(num_classes);
    c.begin_private();
    for i in 0..num_classes {
        let dir = meta.dir.join(format!("model_{i}"));
        let sub = Metadata::read(&c.read, &dir)?;
        c.last_raw_prediction = None;
        super::super::lower(c, &sub)?;
        let raw = c.last_raw_prediction.take().ok_or_else(|| {
            sub.error(
                LoadErrorKind::Schema,
                "OneVsRest sub-model produces no rawPrediction",
            )
        })?;
        scores.push(raw);
    }
    c.end_private();
    c.resume_stage(stage, meta);
    let raw = match meta.str_or("rawPredictionCol", "rawPrediction")? {
        n if n.is_empty() => None,
        n => Some(c.output(meta, &n, ColumnType::Vector, Some(num_classes))?),
    };
    let prediction = predictor::regressor_output(c, meta)?;
    if let Some(p) = prediction {
        c.set_nominal(
            p,
            Nominal {
                num_values: num_classes,
                labels: None,
            },
        );
    }
    let sql_argmax = c.semantics().at_least(4, 0);
    c.push(Step::OneVsRest(OneVsRestStep {
        scores,
        raw,
        prediction,
        sql_argmax,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark4_argmax_skips_nan() {
        let am = |v: &[f64]| array_argmax(v.iter().copied());
        assert_eq!(am(&[f64::NAN, f64::NAN, f64::INFINITY]), 2.0);
        assert_eq!(am(&[f64::NAN, f64::NAN]), -1.0);
        assert_eq!(am(&[f64::NEG_INFINITY, f64::NEG_INFINITY]), -1.0);
        assert_eq!(am(&[1.0, 3.0, 3.0, f64::NAN]), 1.0);
    }
}
