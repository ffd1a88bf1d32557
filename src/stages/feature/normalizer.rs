//! `org.apache.spark.ml.feature.Normalizer` (spark-format.md 7.11), metadata only, every
//! writer version (it delegates to mllib's `Normalizer` and `Vectors.norm`).
//!
//! The p-norm runs over the stored values in order: p = 1 `Σ|v|`; p = 2 `sqrt(Σ v·v)` (no
//! scaling, so 1e300 overflows to ∞ and 1e-300 underflows to 0); p = ∞ `max|v|` (NaN never
//! wins the comparison); otherwise `(Σ |v|^p)^(1/p)`. A non-zero norm divides every stored
//! value, keeping the representation; a zero norm returns the input unchanged. `p < 1` is
//! rejected as Spark's param validator does.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct NormalizerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub p: f64,
}

impl NormalizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        if slot(slots, self.input).null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        produce(slots, self.output, |slots, out| {
            let x = &slot(slots, self.input).vec;
            let norm = p_norm(&x.values, self.p);
            out.null = false;
            out.vec.copy_from(x);
            if norm != 0.0 {
                for v in out.vec.values.iter_mut() {
                    *v /= norm;
                }
            }
        });
        Ok(Flow::Continue)
    }
}

/// mllib `Vectors.norm` over the stored values.
pub fn p_norm(values: &[f64], p: f64) -> f64 {
    if p == 1.0 {
        let mut sum = 0.0;
        for v in values {
            sum += v.abs();
        }
        sum
    } else if p == 2.0 {
        let mut sum = 0.0;
        for v in values {
            sum += v * v;
        }
        sum.sqrt()
    } else if p == f64::INFINITY {
        let mut max = 0.0;
        for v in values {
            let a = v.abs();
            if a > max {
                max = a;
            }
        }
        max
    } else {
        let mut sum = 0.0;
        for v in values {
            sum += v.abs().powf(p);
        }
        sum.powf(1.0 / p)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let p = meta.f64_or("p", 2.0)?;
    // NaN fails the comparison, so it is rejected too.
    let valid = p >= 1.0;
    if !valid {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `p` must be at least 1, found {p}"),
        ));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("p".into(), p.to_string()),
        ],
    )?;
    let input = c.input(meta, &name, Want::Vector(None))?;
    let width = c.column(input).and_then(|col| col.width);
    let output = c.output(meta, &output, ColumnType::Vector, width)?;
    c.push(Step::Normalizer(NormalizerStep { input, output, p }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms() {
        let v = [3.0, -4.0];
        assert_eq!(p_norm(&v, 1.0), 7.0);
        assert_eq!(p_norm(&v, 2.0), 5.0);
        assert_eq!(p_norm(&v, f64::INFINITY), 4.0);
        assert!((p_norm(&v, 3.0) - 91f64.powf(1.0 / 3.0)).abs() < 1e-15);
        assert_eq!(p_norm(&[1e300, 1e300], 2.0), f64::INFINITY);
        assert_eq!(p_norm(&[1e-300], 2.0), 0.0);
        assert_eq!(p_norm(&[f64::NAN, 2.0], f64::INFINITY), 2.0);
        assert!(p_norm(&[f64::NAN, 2.0], 2.0).is_nan());
    }

    #[test]
    fn zero_norm_returns_input() {
        let step = NormalizerStep {
            input: 0,
            output: 1,
            p: 2.0,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].vec.reset_sparse(4);
        step.run(&mut slots).unwrap();
        assert!(slots[1].vec.sparse && slots[1].vec.size == 4 && slots[1].vec.values.is_empty());
        slots[0].vec.set_dense(&[0.0, 2.0]);
        step.run(&mut slots).unwrap();
        assert_eq!(slots[1].vec.values, vec![0.0, 1.0]);
    }
}
