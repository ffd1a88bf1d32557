//! `org.apache.spark.ml.feature.MinMaxScalerModel` (spark-format.md 7.8), data
//! `originalMin, originalMax`, params `min` (0.0) and `max` (1.0).
//!
//! 3.0+: requires `size == numFeatures`; on the densified input, NaN stays NaN, otherwise
//! `(x - originalMin) * ((max - min) / range) + min`, or `(min + max) / 2` for a constant
//! feature (`range == 0`); the result is `Vectors.dense(..).compressed` (whose sparse/dense
//! rule changed in 4.1, see `kernels::compress`).
//! 2.x: `((x - originalMin) / range) * (max - min) + min`, constant features give
//! `0.5 * (max - min) + min`; dense output, not compressed; no size check (an input longer
//! than the model fails on the array bound, a shorter one is scaled as far as it goes).

use super::standard_scaler::{densify_into, read_vector};
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::compress::{compress, CompressRule};
use crate::plan::step::{produce, return_scratch, slot, take_scratch};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf, Want,
};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct MinMaxScalerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub original_min: Vec<f64>,
    /// 3.0+: `(max - min) / range` or 0 for constant features. 2.x: the range itself.
    pub factor: Vec<f64>,
    pub min: f64,
    pub max: f64,
    pub legacy: bool,
    pub compress: CompressRule,
    /// Buffer for `compressed`.
    pub scratch: SlotIndex,
}

impl MinMaxScalerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.input);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        let n = self.original_min.len();
        if (self.legacy && x.vec.size > n) || (!self.legacy && x.vec.size != n) {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
        }
        let mut scratch = take_scratch(slots, self.scratch);
        produce(slots, self.output, |slots, out| {
            let x = &slot(slots, self.input).vec;
            out.null = false;
            if self.legacy {
                rescale_2x(
                    &self.original_min,
                    &self.factor,
                    self.min,
                    self.max,
                    x,
                    &mut out.vec,
                );
            } else {
                rescale(
                    &self.original_min,
                    &self.factor,
                    self.min,
                    self.max,
                    x,
                    &mut out.vec,
                );
                compress(&mut out.vec, &mut scratch, self.compress);
            }
        });
        return_scratch(slots, self.scratch, scratch);
        Ok(Flow::Continue)
    }
}

/// 3.0+ formula into a dense `out` (before `compressed`).
fn rescale(original_min: &[f64], scale: &[f64], min: f64, max: f64, x: &VecBuf, out: &mut VecBuf) {
    let constant = (min + max) / 2.0;
    densify_into(x, out);
    for ((v, &lo), &s) in out.values.iter_mut().zip(original_min).zip(scale) {
        if !v.is_nan() {
            *v = if s != 0.0 {
                (*v - lo) * s + min
            } else {
                constant
            };
        }
    }
}

/// 2.x formula, dense.
fn rescale_2x(
    original_min: &[f64],
    range: &[f64],
    min: f64,
    max: f64,
    x: &VecBuf,
    out: &mut VecBuf,
) {
    let scale = max - min;
    densify_into(x, out);
    for ((v, &lo), &r) in out.values.iter_mut().zip(original_min).zip(range) {
        if !v.is_nan() {
            let raw = if r != 0.0 { (*v - lo) / r } else { 0.5 };
            *v = raw * scale + min;
        }
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let min = meta.f64_or("min", 0.0)?;
    let max = meta.f64_or("max", 1.0)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let original_min = read_vector(c, &table, row, "originalMin")?;
    let original_max = read_vector(c, &table, row, "originalMax")?;
    if original_min.len() != original_max.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "`originalMin` has {} values but `originalMax` has {}",
                    original_min.len(),
                    original_max.len()
                ),
            )
            .in_file(&table.file));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("min".into(), min.to_string()),
            ("max".into(), max.to_string()),
            ("numFeatures".into(), original_min.len().to_string()),
        ],
    )?;
    let legacy = !c.semantics().at_least(3, 0);
    let range = original_max
        .iter()
        .zip(&original_min)
        .map(|(hi, lo)| hi - lo);
    let factor: Vec<f64> = if legacy {
        range.collect()
    } else {
        let scale = max - min;
        range
            .map(|r| if r != 0.0 { scale / r } else { 0.0 })
            .collect()
    };
    let n = original_min.len();
    let input = c.input(meta, &name, Want::Vector(None))?;
    let output = c.output(meta, &output, ColumnType::Vector, (!legacy).then_some(n))?;
    let scratch = c.hidden(ColumnType::Vector);
    let compress = CompressRule::for_version(c.semantics());
    c.push(Step::MinMaxScaler(MinMaxScalerStep {
        input,
        output,
        original_min,
        factor,
        min,
        max,
        legacy,
        compress,
        scratch,
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

    #[test]
    fn formulas_per_version() {
        let lo = [0.0, 2.0, -1.0];
        let hi = [10.0, 2.0, 1.0];
        let x = dense(&[5.0, 7.0, f64::NAN]);
        let mut out = VecBuf::default();
        // [-1, 5]: scale 6.
        let factor: Vec<f64> = lo
            .iter()
            .zip(&hi)
            .map(|(l, h)| if h - l != 0.0 { 6.0 / (h - l) } else { 0.0 })
            .collect();
        rescale(&lo, &factor, -1.0, 5.0, &x, &mut out);
        assert_eq!(out.values[0], 2.0);
        assert_eq!(out.values[1], 2.0, "(min+max)/2");
        assert!(out.values[2].is_nan());
        let range: Vec<f64> = lo.iter().zip(&hi).map(|(l, h)| h - l).collect();
        rescale_2x(&lo, &range, -1.0, 5.0, &x, &mut out);
        assert_eq!(out.values[0], 2.0);
        assert_eq!(out.values[1], 2.0, "0.5*(max-min)+min");
        // The two orders round differently.
        let x = dense(&[0.1, 0.0, 0.0]);
        let lo = [0.0, 0.0, 0.0];
        let range = [0.3, 1.0, 1.0];
        rescale_2x(&lo, &range, 0.0, 3.0, &x, &mut out);
        assert_eq!(out.values[0], (0.1 / 0.3) * 3.0);
        rescale(&lo, &[3.0 / 0.3, 3.0, 3.0], 0.0, 3.0, &x, &mut out);
        assert_eq!(out.values[0], 0.1 * (3.0 / 0.3));
    }

    #[test]
    fn output_is_compressed_in_3x() {
        let step = MinMaxScalerStep {
            input: 0,
            output: 1,
            original_min: vec![0.0; 6],
            factor: vec![1.0; 6],
            min: 0.0,
            max: 1.0,
            legacy: false,
            compress: CompressRule::Ratio,
            scratch: 2,
        };
        let mut slots = vec![Slot::default(), Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec.set_dense(&[0.0, 0.0, 0.5, 0.0, 0.0, 0.0]);
        step.run(&mut slots).unwrap();
        assert!(slots[1].vec.sparse);
        slots[0].vec.set_dense(&[0.0; 5]);
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::BadVectorSize
        );
    }
}
