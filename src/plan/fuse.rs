//! Step fusion. When the caller selects outputs (`LoadOptions::select_outputs`), columns that
//! only feed the next stage need not exist. `fuse` then replaces the census-style chain
//!
//!   [OneHotEncoder →] VectorAssembler → [StandardScaler (scale only) →] LogisticRegression
//!
//! (binomial) by one `SparseLinearStep` that sums the margin straight from the raw columns,
//! without building the one-hot, assembled or scaled vectors.
//!
//! Exactness: the fused step keeps the original steps. Its fast path covers the usual row:
//! no NULL or NaN, valid one-hot labels, an assembled vector that Spark's `.compressed` stores
//! sparse. There it performs Spark's operations in Spark's order (`x * scale[i]`, then the
//! sparse dot `sum += v * w[i]` over the active entries, ascending), so the margin has the
//! same bits. Any other row runs the original steps unchanged, so every error, skip and
//! dense-vector sum is the unfused one, and each error names its own stage.

use super::step::{Fault, Flow, StepResult};
use super::{Plan, Slot, SlotIndex, Step};
use crate::stages::classification::logistic_regression::LogisticRegressionStep;
use crate::stages::feature::one_hot_encoder::OneHotEncoderStep;
use crate::stages::feature::standard_scaler::{ScaleKernel, StandardScalerStep};
use crate::stages::feature::vector_assembler::VectorAssemblerStep;

/// How the fast path reads one VectorAssembler input.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// A numeric column.
    Scalar(SlotIndex),
    /// A vector column, read as stored.
    Vector(SlotIndex),
    /// A one-hot column of the fused encoder, read from the encoder's label column:
    /// `categories` valid labels, `size` slots.
    OneHot {
        label: SlotIndex,
        categories: f64,
        size: usize,
    },
}

/// A fused `[OneHotEncoder →] VectorAssembler → [StandardScaler →] LogisticRegression`.
#[derive(Debug, Clone)]
pub struct SparseLinearStep {
    one_hot: Option<(OneHotEncoderStep, u32)>,
    assembler: (VectorAssemblerStep, u32),
    scaler: Option<(StandardScalerStep, u32)>,
    model: (LogisticRegressionStep, u32),
    parts: Vec<Part>,
}

impl SparseLinearStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        match self.margin(slots) {
            Some(m) => {
                self.model.0.finish_binomial(slots, m);
                Ok(Flow::Continue)
            }
            None => self.run_unfused(slots),
        }
    }

    /// The original steps, each fault attributed to its own stage.
    #[cold]
    fn run_unfused(&self, slots: &mut [Slot]) -> StepResult {
        if let Some((s, stage)) = &self.one_hot {
            if s.run(slots).map_err(|f| f.in_stage(*stage))? == Flow::Skip {
                return Ok(Flow::Skip);
            }
        }
        let (a, stage) = &self.assembler;
        if a.run(slots).map_err(|f| f.in_stage(*stage))? == Flow::Skip {
            return Ok(Flow::Skip);
        }
        if let Some((s, stage)) = &self.scaler {
            if s.run(slots).map_err(|f| f.in_stage(*stage))? == Flow::Skip {
                return Ok(Flow::Skip);
            }
        }
        let (m, stage) = &self.model;
        m.run(slots).map_err(|f: Fault| f.in_stage(*stage))
    }

    /// The margin when the row stays on the fast path (see the module comment).
    #[inline]
    fn margin(&self, slots: &[Slot]) -> Option<f64> {
        let scale = self.scaler.as_ref().and_then(|(s, _)| match s.kernel {
            ScaleKernel::Scale => Some(s.scale.as_slice()),
            _ => None,
        });
        let w = self.model.0.coefficients.as_slice();
        let mut sum = 0.0;
        let mut nnz = 0usize;
        let mut offset = 0usize;
        let mut add = |i: usize, x: f64| -> Option<()> {
            let v = match scale {
                Some(scale) => x * scale.get(i)?,
                None => x,
            };
            sum += v * w.get(i)?;
            nnz += 1;
            Some(())
        };
        for part in &self.parts {
            match *part {
                Part::Scalar(slot) => {
                    let s = slots.get(slot)?;
                    if s.null || s.num.is_nan() {
                        return None;
                    }
                    if s.num != 0.0 {
                        add(offset, s.num)?;
                    }
                    offset += 1;
                }
                Part::Vector(slot) => {
                    let s = slots.get(slot)?;
                    if s.null {
                        return None;
                    }
                    let v = &s.vec;
                    if v.sparse {
                        for (&i, &x) in v.indices.iter().zip(&v.values) {
                            if x != 0.0 {
                                add(offset + i as usize, x)?;
                            }
                        }
                    } else {
                        for (i, &x) in v.values.iter().enumerate() {
                            if x != 0.0 {
                                add(offset + i, x)?;
                            }
                        }
                    }
                    offset += v.size;
                }
                Part::OneHot {
                    label,
                    categories,
                    size,
                } => {
                    let s = slots.get(label)?;
                    // NaN fails the first comparison: the encoder's invalid-label path.
                    if s.null || !(s.num >= 0.0 && s.num < categories) {
                        return None;
                    }
                    if s.num < size as f64 {
                        add(offset + s.num as usize, 1.0)?;
                    }
                    offset += size;
                }
            }
        }
        let (a, _) = &self.assembler;
        let sized = offset == self.model.0.num_features
            && self
                .scaler
                .as_ref()
                .is_none_or(|(s, _)| s.required_size.is_none_or(|n| n == offset));
        (sized && a.compress_rule.wants_sparse(nnz, offset)).then(|| sum + self.model.0.intercept())
    }
}

/// Replaces every fusable chain in `plan.steps` (see the module comment). Runs after output
/// selection; without one every intermediate column is an output and nothing fuses.
pub fn fuse(plan: &mut Plan) {
    let mut i = 0;
    while i < plan.steps.len() {
        if let Some((first, len, step)) = chain_at(plan, i) {
            let stage = plan.step_stage.get(i).copied().unwrap_or(0);
            plan.steps.splice(
                first..first + len,
                std::iter::once(Step::SparseLinear(step)),
            );
            plan.step_stage
                .splice(first..first + len, std::iter::once(stage));
            i = first + 1;
        } else {
            i += 1;
        }
    }
}

/// The chain whose VectorAssembler is step `i`: (first step, number of steps, fused step).
fn chain_at(plan: &Plan, i: usize) -> Option<(usize, usize, Box<SparseLinearStep>)> {
    let stage_of = |k: usize| plan.step_stage.get(k).copied();
    let Some(Step::VectorAssembler(a)) = plan.steps.get(i) else {
        return None;
    };
    let mut next = i + 1;
    let scaler = match plan.steps.get(next) {
        Some(Step::StandardScaler(s))
            if s.input == a.output
                && matches!(s.kernel, ScaleKernel::Scale | ScaleKernel::Identity)
                && !s.dense_only =>
        {
            next += 1;
            Some((s.clone(), stage_of(i + 1)?))
        }
        _ => None,
    };
    let Some(Step::LogisticRegression(lr)) = plan.steps.get(next) else {
        return None;
    };
    let lr_stage = stage_of(next)?;
    let features = scaler.as_ref().map_or(a.output, |(s, _)| s.output);
    if lr.multinomial || lr.num_classes != 2 || lr.features != features {
        return None;
    }
    // The columns the chain skips must have no other reader.
    if let Some((s, stage)) = &scaler {
        if plan.read_elsewhere(a.output, *stage) || plan.read_elsewhere(s.output, lr_stage) {
            return None;
        }
    } else if plan.read_elsewhere(a.output, lr_stage) {
        return None;
    }
    let a_stage = stage_of(i)?;
    // The encoder just before joins when each of its columns feeds this assembler only.
    let one_hot = match i.checked_sub(1).and_then(|k| plan.steps.get(k)) {
        Some(Step::OneHotEncoder(o))
            if o.columns.iter().all(|c| {
                a.inputs.iter().any(|x| x.slot == c.output)
                    && !plan.read_elsewhere(c.output, a_stage)
            }) =>
        {
            Some((o.clone(), stage_of(i - 1)?))
        }
        _ => None,
    };
    let parts = a
        .inputs
        .iter()
        .map(|x| {
            let encoded = one_hot
                .as_ref()
                .and_then(|(o, _)| o.columns.iter().find(|c| c.output == x.slot));
            match encoded {
                Some(c) => Part::OneHot {
                    label: c.input,
                    categories: c.categories,
                    size: c.size,
                },
                None if x.is_vector => Part::Vector(x.slot),
                None => Part::Scalar(x.slot),
            }
        })
        .collect();
    let first = if one_hot.is_some() { i - 1 } else { i };
    Some((
        first,
        next + 1 - first,
        Box::new(SparseLinearStep {
            one_hot,
            assembler: (a.clone(), a_stage),
            scaler,
            model: (lr.clone(), lr_stage),
            parts,
        }),
    ))
}
