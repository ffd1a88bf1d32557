//! `org.apache.spark.ml.feature.MaxAbsScalerModel` (spark-format.md 7.9), data `maxAbs`.
//!
//! 3.0+: `StandardScalerModel.getTransformFunc` with scale `maxAbs == 0 ? 1 : 1/maxAbs`
//! (multiplication, representation kept, no size check beyond array bounds).
//! 2.x: breeze `x / maxAbs'` with zeros replaced by 1 (division, representation kept;
//! breeze requires equal lengths).

use super::standard_scaler::{read_vector, ScaleKernel, StandardScalerStep};
use crate::error::LoadError;
use crate::plan::{ColumnType, Compiler, Step, Want};
use crate::spark::{parquet, Metadata};

/// 3.0+ multipliers.
fn multipliers(max_abs: &[f64]) -> Vec<f64> {
    max_abs
        .iter()
        .map(|&v| if v == 0.0 { 1.0 } else { 1.0 / v })
        .collect()
}

/// 2.x divisors.
fn divisors(max_abs: &[f64]) -> Vec<f64> {
    max_abs
        .iter()
        .map(|&v| if v == 0.0 { 1.0 } else { v })
        .collect()
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let max_abs = read_vector(c, &table, row, "maxAbs")?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("numFeatures".into(), max_abs.len().to_string()),
        ],
    )?;
    let legacy = !c.semantics().at_least(3, 0);
    let n = max_abs.len();
    let input = c.input(meta, &name, Want::Vector(None))?;
    let output = c.output(meta, &output, ColumnType::Vector, (!legacy).then_some(n))?;
    let (scale, kernel) = if legacy {
        (divisors(&max_abs), ScaleKernel::Divide)
    } else {
        (multipliers(&max_abs), ScaleKernel::Scale)
    };
    c.push(Step::StandardScaler(StandardScalerStep {
        input,
        output,
        shift: Vec::new(),
        scale,
        kernel,
        required_size: legacy.then_some(n),
        dense_only: false,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_max_abs_leaves_feature_alone() {
        assert_eq!(multipliers(&[4.0, 0.0, -2.0]), vec![0.25, 1.0, -0.5]);
        assert_eq!(divisors(&[4.0, 0.0]), vec![4.0, 1.0]);
        // x * (1/3) and x / 3 differ in the last bit for some x: why the version matters.
        let x = 5.0;
        assert_ne!(x * (1.0 / 3.0), x / 3.0);
    }
}
