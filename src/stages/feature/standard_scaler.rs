//! `org.apache.spark.ml.feature.StandardScalerModel` (spark-format.md 7.7), data `std, mean`.
//! Also home of `StandardScalerStep`, the shift-and-scale kernel that Spark 3.0+ shares with
//! RobustScalerModel and MaxAbsScalerModel (`StandardScalerModel.getTransformFunc`).
//!
//! 3.0+: `scale_i = std_i == 0 ? 0 : 1/std_i`; with mean (centering) the output is dense
//! `(x - shift) * scale` or `x - shift`; scale only keeps the input's representation
//! (sparse: stored values times `scale[index]`); neither returns the input as is. There is
//! no size check: Spark loops over the *input's* values and only fails (index out of bounds)
//! when the input reaches past the model's arrays; shorter inputs give shorter outputs.
//! 2.x delegated to mllib's StandardScalerModel: `require(mean.size == vector.size)` first,
//! and with mean and std a constant feature (`std == 0`) is exactly 0.0. Before 2.1
//! (SPARK-17001) centering threw "Do not support vector type" for sparse input.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf, Want,
};
use crate::spark::{parquet, Metadata};

/// Which of `getTransformFunc`'s four functions (plus the 2.x variants) a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleKernel {
    /// Dense `(x - shift) * scale`.
    CenterScale,
    /// 2.x: dense `(x - mean) * (1/std)`, but exactly 0.0 where `std == 0` (`scale == 0`).
    CenterScaleZeroConstant,
    /// Dense `x - shift`.
    Center,
    /// `x * scale`, representation kept.
    Scale,
    /// 2.x MaxAbsScaler: breeze `x / divisor`; dense stays dense, sparse stays sparse minus
    /// zero quotients (breeze's `SparseVector / DenseVector` drops them).
    Divide,
    /// The input vector itself.
    Identity,
}

#[derive(Debug, Clone)]
pub struct StandardScalerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub shift: Vec<f64>,
    /// Multipliers, or divisors for `Divide`.
    pub scale: Vec<f64>,
    pub kernel: ScaleKernel,
    /// 2.x checks `vector.size` against the model before anything else.
    pub required_size: Option<usize>,
    /// 2.0: centering accepts dense vectors only.
    pub dense_only: bool,
}

impl StandardScalerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.input);
        if x.null {
            // Only 3.x's identity function hands NULL back; every other path dereferences it.
            if self.kernel == ScaleKernel::Identity && self.required_size.is_none() {
                produce(slots, self.output, |_, out| out.set_null());
                return Ok(Flow::Continue);
            }
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        if self.required_size.is_some_and(|n| n != x.vec.size) {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
        }
        if self.dense_only && x.vec.sparse {
            return Err(Fault::new(ScoreErrorKind::InvalidValue, self.input));
        }
        let ok = produce(slots, self.output, |slots, out| {
            let x = &slot(slots, self.input).vec;
            out.null = false;
            apply(self.kernel, &self.shift, &self.scale, x, &mut out.vec)
        });
        if ok {
            Ok(Flow::Continue)
        } else {
            Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input))
        }
    }
}

/// Writes `x`'s values densely into `out`.
pub fn densify_into(x: &VecBuf, out: &mut VecBuf) {
    if x.sparse {
        out.reset_dense(x.size);
        for (&i, &v) in x.indices.iter().zip(&x.values) {
            if let Some(o) = out.values.get_mut(i as usize) {
                *o = v;
            }
        }
    } else {
        out.set_dense(&x.values);
    }
}

/// Applies a kernel; false where Spark would index past the model's arrays.
pub fn apply(
    kernel: ScaleKernel,
    shift: &[f64],
    scale: &[f64],
    x: &VecBuf,
    out: &mut VecBuf,
) -> bool {
    match kernel {
        ScaleKernel::CenterScale | ScaleKernel::CenterScaleZeroConstant | ScaleKernel::Center => {
            densify_into(x, out);
            let n = out.values.len();
            let (Some(shift), Some(scale)) = (shift.get(..n), scale.get(..n)) else {
                return false;
            };
            match kernel {
                ScaleKernel::CenterScale => {
                    for ((v, m), s) in out.values.iter_mut().zip(shift).zip(scale) {
                        *v = (*v - m) * s;
                    }
                }
                ScaleKernel::CenterScaleZeroConstant => {
                    for ((v, m), s) in out.values.iter_mut().zip(shift).zip(scale) {
                        *v = if *s != 0.0 { (*v - m) * s } else { 0.0 };
                    }
                }
                _ => {
                    for (v, m) in out.values.iter_mut().zip(shift) {
                        *v -= m;
                    }
                }
            }
            true
        }
        ScaleKernel::Divide if x.sparse => {
            // breeze's SparseVector / DenseVector keeps only non-zero quotients.
            out.reset_sparse(x.size);
            for (&i, &v) in x.indices.iter().zip(&x.values) {
                let Some(&s) = scale.get(i as usize) else {
                    return false;
                };
                let q = v / s;
                if q != 0.0 {
                    out.indices.push(i);
                    out.values.push(q);
                }
            }
            true
        }
        ScaleKernel::Scale | ScaleKernel::Divide => {
            out.copy_from(x);
            let divide = kernel == ScaleKernel::Divide;
            if out.sparse {
                for (&i, v) in out.indices.iter().zip(out.values.iter_mut()) {
                    let Some(&s) = scale.get(i as usize) else {
                        return false;
                    };
                    *v *= s;
                }
            } else {
                let Some(scale) = scale.get(..out.values.len()) else {
                    return false;
                };
                for (v, &s) in out.values.iter_mut().zip(scale) {
                    *v = if divide { *v / s } else { *v * s };
                }
            }
            true
        }
        ScaleKernel::Identity => {
            out.copy_from(x);
            true
        }
    }
}

/// `std.map(v => if (v == 0) 0.0 else 1.0 / v)`, also RobustScaler's range.
pub fn inverse_or_zero(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .map(|&v| if v == 0.0 { 0.0 } else { 1.0 / v })
        .collect()
}

/// Chooses the kernel for (withShift, withScale).
pub fn kernel_for(with_shift: bool, with_scale: bool, legacy: bool) -> ScaleKernel {
    match (with_shift, with_scale) {
        (true, true) if legacy => ScaleKernel::CenterScaleZeroConstant,
        (true, true) => ScaleKernel::CenterScale,
        (true, false) => ScaleKernel::Center,
        (false, true) => ScaleKernel::Scale,
        (false, false) => ScaleKernel::Identity,
    }
}

/// Reads a one-row model's vector column, limits checked.
pub fn read_vector(
    c: &Compiler<'_>,
    table: &parquet::Table,
    row: usize,
    name: &str,
) -> Result<Vec<f64>, LoadError> {
    let max = c.limits().max_vector_width;
    table.decode(row, name, |d| Ok(d.to_vector(max)?.to_dense()))
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let with_mean = meta.bool_or("withMean", false)?;
    let with_std = meta.bool_or("withStd", true)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let std = read_vector(c, &table, row, "std")?;
    let mean = read_vector(c, &table, row, "mean")?;
    if std.len() != mean.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "`std` has {} values but `mean` has {}",
                    std.len(),
                    mean.len()
                ),
            )
            .in_file(&table.file));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("withMean".into(), with_mean.to_string()),
            ("withStd".into(), with_std.to_string()),
            ("numFeatures".into(), mean.len().to_string()),
        ],
    )?;
    let semantics = c.semantics();
    let legacy = !semantics.at_least(3, 0);
    let n = mean.len();
    let input = c.input(meta, &name, Want::Vector(None))?;
    // 3.0+ sets the output's attribute size to the model's; 2.x leaves it unknown.
    let output = c.output(meta, &output, ColumnType::Vector, (!legacy).then_some(n))?;
    c.push(Step::StandardScaler(StandardScalerStep {
        input,
        output,
        shift: mean,
        scale: inverse_or_zero(&std),
        kernel: kernel_for(with_mean, with_std, legacy),
        required_size: legacy.then_some(n),
        dense_only: with_mean && !semantics.at_least(2, 1),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(v: &[f64]) -> VecBuf {
        let mut b = VecBuf::default();
        b.set_dense(v);
        b
    }

    fn sparse(size: usize, idx: &[u32], vals: &[f64]) -> VecBuf {
        let mut b = VecBuf::default();
        b.reset_sparse(size);
        b.indices.extend_from_slice(idx);
        b.values.extend_from_slice(vals);
        b
    }

    #[test]
    fn center_scale_densifies() {
        let mut out = VecBuf::default();
        let shift = [1.0, 2.0, 3.0];
        let scale = inverse_or_zero(&[2.0, 0.0, 4.0]);
        assert!(apply(
            ScaleKernel::CenterScale,
            &shift,
            &scale,
            &sparse(3, &[2], &[7.0]),
            &mut out
        ));
        assert!(!out.sparse);
        assert_eq!(out.values, vec![-0.5, -0.0, 1.0]);
        // 3.x multiplies by 0 for a constant feature, so NaN / ∞ stay NaN.
        assert!(apply(
            ScaleKernel::CenterScale,
            &shift,
            &scale,
            &dense(&[1.0, f64::INFINITY, 3.0]),
            &mut out
        ));
        assert!(out.values[1].is_nan());
        assert!(apply(
            ScaleKernel::CenterScaleZeroConstant,
            &shift,
            &scale,
            &dense(&[1.0, f64::INFINITY, 3.0]),
            &mut out
        ));
        assert_eq!(out.values[1], 0.0);
    }

    #[test]
    fn no_size_check_but_bounds() {
        let mut out = VecBuf::default();
        let scale = [2.0, 3.0];
        assert!(apply(
            ScaleKernel::Scale,
            &[],
            &scale,
            &dense(&[1.0]),
            &mut out
        ));
        assert_eq!(out.values, vec![2.0]);
        assert!(!apply(
            ScaleKernel::Scale,
            &[],
            &scale,
            &dense(&[1.0, 1.0, 1.0]),
            &mut out
        ));
        // Sparse: only stored indices are looked up.
        assert!(apply(
            ScaleKernel::Scale,
            &[],
            &scale,
            &sparse(9, &[1], &[1.0]),
            &mut out
        ));
        assert!(out.sparse && out.size == 9 && out.values == vec![3.0]);
        assert!(!apply(
            ScaleKernel::Scale,
            &[],
            &scale,
            &sparse(9, &[4], &[1.0]),
            &mut out
        ));
        assert!(!apply(
            ScaleKernel::CenterScale,
            &scale,
            &scale,
            &dense(&[1.0, 1.0, 1.0]),
            &mut out
        ));
    }

    #[test]
    fn scale_keeps_explicit_zeros_and_divide_divides() {
        let mut out = VecBuf::default();
        assert!(apply(
            ScaleKernel::Scale,
            &[],
            &[0.5, 4.0],
            &sparse(2, &[0, 1], &[0.0, 2.0]),
            &mut out
        ));
        assert_eq!(
            (out.indices.as_slice(), out.values.as_slice()),
            (&[0u32, 1][..], &[0.0, 8.0][..])
        );
        assert!(apply(
            ScaleKernel::Divide,
            &[],
            &[4.0, 1.0],
            &dense(&[1.0, -3.0]),
            &mut out
        ));
        assert_eq!(out.values, vec![0.25, -3.0]);
        let x = sparse(2, &[0, 1], &[0.0, 1.0]);
        assert!(apply(ScaleKernel::Divide, &[], &[4.0, 2.0], &x, &mut out));
        assert!(out.sparse);
        assert_eq!(
            (out.indices.as_slice(), out.values.as_slice()),
            (&[1u32][..], &[0.5][..])
        );
    }

    #[test]
    fn identity_passes_null_in_3x_only() {
        let mut step = StandardScalerStep {
            input: 0,
            output: 1,
            shift: vec![],
            scale: vec![],
            kernel: ScaleKernel::Identity,
            required_size: None,
            dense_only: false,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].set_null();
        assert_eq!(step.run(&mut slots), Ok(Flow::Continue));
        assert!(slots[1].null);
        step.required_size = Some(2);
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::NullValue
        );
    }

    #[test]
    fn spark_2_0_centering_rejects_sparse() {
        let step = StandardScalerStep {
            input: 0,
            output: 1,
            shift: vec![1.0, 1.0],
            scale: vec![1.0, 1.0],
            kernel: ScaleKernel::CenterScaleZeroConstant,
            required_size: Some(2),
            dense_only: true,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec = sparse(2, &[1], &[3.0]);
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::InvalidValue
        );
        slots[0].vec = dense(&[0.0, 3.0]);
        step.run(&mut slots).unwrap();
        assert_eq!(slots[1].vec.values, vec![-1.0, 2.0]);
    }
}
