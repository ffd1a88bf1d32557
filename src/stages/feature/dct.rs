//! `org.apache.spark.ml.feature.DCT`, params only: `inverse` (false). Spark calls JTransforms'
//! `DoubleDCT_1D.forward/inverse(values, scaled = true)`: the orthonormal DCT-II and its
//! inverse (DCT-III). Computed directly (O(n²)); JTransforms' FFT-based order differs in the
//! last bits, within the 1e-9 tolerance. Output dense; an empty vector raises, as in
//! JTransforms. Known difference: with an infinite input, which outputs are ±Inf and which
//! NaN follows JTransforms' butterflies (Spark 3.5.9 gives `[Inf, Inf, Inf, NaN]` for the
//! DCT-II of `[Inf, 1, 2, 3]`, the direct sum `[Inf, Inf, Inf, Inf]`); reproducing that would
//! mean porting JTransforms' split-radix and mixed-radix FFTs.

use crate::error::{LoadError, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct DctStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub inverse: bool,
}

impl DctStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let n = x.vec.size;
            if n == 0 {
                // JTransforms: "n must be greater than 0".
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            out.vec.reset_dense(n);
            let nf = n as f64;
            let pi = std::f64::consts::PI;
            for (k, y) in out.vec.values.iter_mut().enumerate() {
                let mut sum = 0.0;
                if self.inverse {
                    for j in 0..n {
                        let s = if j == 0 {
                            (1.0 / nf).sqrt()
                        } else {
                            (2.0 / nf).sqrt()
                        };
                        sum += s * x.vec.get(j) * (pi / nf * (k as f64 + 0.5) * j as f64).cos();
                    }
                } else {
                    for j in 0..n {
                        sum += x.vec.get(j) * (pi / nf * (j as f64 + 0.5) * k as f64).cos();
                    }
                    sum *= if k == 0 {
                        (1.0 / nf).sqrt()
                    } else {
                        (2.0 / nf).sqrt()
                    };
                }
                *y = sum;
            }
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let inverse = meta.bool_or("inverse", false)?;
    let input_name = meta.required_str("inputCol")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, vec![("inverse".into(), inverse.to_string())])?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    let width = c.column(input).and_then(|col| col.width);
    let output = c.output(meta, &output_name, ColumnType::Vector, width)?;
    c.push(Step::Dct(DctStep {
        input,
        output,
        inverse,
    }));
    Ok(())
}
