//! `org.apache.spark.ml.regression.LinearRegressionModel` (spark-format.md 10.1). Reads the
//! ≤ 2.2 layout (`intercept`, `coefficients`) and the 2.3+ layout, which adds `scale` (the
//! Huber loss scale, not used by `predict`). prediction = `dot(x, coefficients) + intercept`.

use crate::error::{LoadError, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::slot;
use crate::plan::{Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata};
use crate::stages::predictor::{self, Coefficients};

#[derive(Debug, Clone)]
pub struct LinearRegressionStep {
    pub features: SlotIndex,
    pub coefficients: Coefficients,
    pub intercept: f64,
    pub prediction: SlotIndex,
    pub blas: Blas,
}

impl LinearRegressionStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        // `BLAS.dot` requires equal sizes.
        if x.vec.size != self.coefficients.size {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let p = self.coefficients.dot(&x.vec, self.blas) + self.intercept;
        if let Some(s) = slots.get_mut(self.prediction) {
            s.set_num(p);
        }
        Ok(Flow::Continue)
    }
}

/// Reads `intercept` and `coefficients` (shared with LinearSVC, whose data has the same two).
pub fn read_linear(c: &Compiler<'_>, meta: &Metadata) -> Result<(Coefficients, f64), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max = c.limits().max_vector_width;
    let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
    let v = table.decode(row, "coefficients", |d| d.to_vector(max))?;
    Ok((Coefficients::from_vector(&v), intercept))
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (coefficients, intercept) = read_linear(c, meta)?;
    let num_features = coefficients.size;
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), num_features.to_string()),
            ("intercept".into(), intercept.to_string()),
        ],
    )?;
    let blas = Blas::for_version(c.semantics());
    let features = predictor::features_input(c, meta, Some(num_features))?;
    let Some(prediction) = predictor::regressor_output(c, meta)? else {
        // Spark's transform is a no-op without a prediction column.
        return Ok(());
    };
    c.push(Step::LinearRegression(LinearRegressionStep {
        features,
        coefficients,
        intercept,
        prediction,
        blas,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::VecBuf;
    use crate::spark::SparkVector;

    #[test]
    fn dot_uses_each_representation() {
        let dense = Coefficients::from_vector(&SparkVector {
            size: 3,
            indices: None,
            values: vec![1.0, 0.0, 2.0],
        });
        let sparse = Coefficients::from_vector(&SparkVector {
            size: 3,
            indices: Some(vec![0, 2]),
            values: vec![1.0, 2.0],
        });
        let mut x = VecBuf::default();
        x.set_dense(&[3.0, f64::INFINITY, 1.0]);
        // Dense coefficients multiply the stored 0.0 by +Inf; sparse ones skip it, as Spark.
        assert!(dense.dot(&x, Blas::F2j).is_nan());
        assert_eq!(sparse.dot(&x, Blas::F2j), 5.0);
        x.reset_sparse(3);
        x.indices.extend([2]);
        x.values.extend([4.0]);
        assert_eq!(dense.dot(&x, Blas::Java11), 8.0);
        assert_eq!(sparse.dot(&x, Blas::Java11), 8.0);
    }
}
