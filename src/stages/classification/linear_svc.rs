//! `org.apache.spark.ml.classification.LinearSVCModel` (spark-format.md 9.6), written by 2.2+:
//! data `coefficients`, `intercept`. `m = dot(x, coefficients) + intercept`, rawPrediction
//! `[-m, m]`, prediction `m > threshold` (default 0.0). No probability column.

use crate::error::{LoadError, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::Metadata;
use crate::stages::predictor::{self, ClassifierOutputs, Coefficients};
use crate::stages::regression::linear_regression::read_linear;

#[derive(Debug, Clone)]
pub struct LinearSvcStep {
    pub features: SlotIndex,
    pub coefficients: Coefficients,
    pub intercept: f64,
    pub threshold: f64,
    pub outputs: ClassifierOutputs,
    pub scratch: SlotIndex,
    pub blas: Blas,
}

impl LinearSvcStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != self.coefficients.size {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let m = self.coefficients.dot(&x.vec, self.blas) + self.intercept;
        let mut raw = take_slot_vec(slots, self.scratch);
        raw.reset_dense(2);
        if let [r0, r1] = raw.values.as_mut_slice() {
            *r0 = -m;
            *r1 = m;
        }
        // `raw2prediction` and `predict` agree: rawPrediction(1) = m > threshold.
        let prediction = if m > self.threshold { 1.0 } else { 0.0 };
        predictor::write_outputs(slots, &self.outputs, &raw.values, &raw.values, prediction);
        put_slot_vec(slots, self.scratch, raw);
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (coefficients, intercept) = read_linear(c, meta)?;
    let threshold = meta.f64_or("threshold", 0.0)?;
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), coefficients.size.to_string()),
            ("threshold".into(), threshold.to_string()),
        ],
    )?;
    let blas = Blas::for_version(c.semantics());
    let features = predictor::features_input(c, meta, Some(coefficients.size))?;
    let outputs = predictor::classifier_outputs(c, meta, 2, false)?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::LinearSvc(LinearSvcStep {
        features,
        coefficients,
        intercept,
        threshold,
        outputs,
        scratch,
        blas,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spark::SparkVector;

    fn step(threshold: f64) -> LinearSvcStep {
        LinearSvcStep {
            features: 0,
            coefficients: Coefficients::from_vector(&SparkVector {
                size: 2,
                indices: None,
                values: vec![1.0, -2.0],
            }),
            intercept: 0.5,
            threshold,
            outputs: ClassifierOutputs {
                raw: Some(1),
                probability: None,
                prediction: Some(2),
            },
            scratch: 3,
            blas: Blas::F2j,
        }
    }

    fn score(s: &LinearSvcStep, x: &[f64]) -> (StepResult, Vec<Slot>) {
        let mut slots = vec![Slot::default(); 4];
        slots[0].null = false;
        slots[0].vec.set_dense(x);
        let r = s.run(&mut slots);
        (r, slots)
    }

    #[test]
    fn raw_is_minus_and_plus_margin_and_threshold_is_strict() {
        // m = 3 - 4 + 0.5 = -0.5
        let (r, slots) = score(&step(0.0), &[3.0, 2.0]);
        assert!(r.is_ok());
        assert_eq!(slots[1].vec.values, vec![0.5, -0.5]);
        assert_eq!(slots[2].num, 0.0);
        let (_, slots) = score(&step(-0.5), &[3.0, 2.0]);
        assert_eq!(slots[2].num, 0.0, "m > threshold is strict");
        let (_, slots) = score(&step(-0.6), &[3.0, 2.0]);
        assert_eq!(slots[2].num, 1.0);
        let (r, _) = score(&step(0.0), &[3.0]);
        assert!(r.is_err(), "BLAS.dot requires equal sizes");
    }
}
