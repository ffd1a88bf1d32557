//! Step fusion. When the caller selects outputs (`LoadOptions::select_outputs`), columns that
//! only feed the next stage need not exist. `fuse` then replaces two chains, both headed by
//! `[OneHotEncoder →] VectorAssembler` (`AssemblerHead`):
//!
//! - `… → [StandardScaler (scale only) →] LogisticRegression` (binomial) by one
//!   `SparseLinearStep` that sums the margin straight from the raw columns, without building
//!   the one-hot, assembled or scaled vectors;
//! - `… → decision tree, random forest or GBT` by one `DenseTreeStep` that writes the
//!   assembled vector dense straight from the raw columns (a tree reads values, not the
//!   representation), without the one-hot vectors, the sparse build and its compression.
//!
//! Exactness: a fused step keeps the original steps. Its fast path covers the usual row:
//! no NULL or NaN, valid one-hot labels and, for the linear chain, an assembled vector that
//! Spark's `.compressed` stores sparse. There it performs Spark's operations in Spark's order
//! (`x * scale[i]`, then the sparse dot `sum += v * w[i]` over the active entries,
//! ascending), so the margin has the same bits. Any other row runs the original steps
//! unchanged, so every error, skip and dense-vector sum is the unfused one, and each error
//! names its own stage.

use super::step::{produce, Fault, Flow, SlotRead, StepResult};
use super::{Plan, Slot, SlotIndex, Step};
use crate::stages::classification::logistic_regression::LogisticRegressionStep;
use crate::stages::feature::one_hot_encoder::{EncodedColumn, OneHotEncoderStep};
use crate::stages::feature::standard_scaler::{ScaleKernel, StandardScalerStep};
use crate::stages::feature::vector_assembler::VectorAssemblerStep;

/// How the fast path reads one VectorAssembler input.
#[derive(Debug, Clone)]
enum Part {
    /// A numeric column.
    Scalar(SlotIndex),
    /// A vector column, read as stored.
    Vector(SlotIndex),
    /// A one-hot column of the fused encoder, read from the encoder's label column.
    OneHot(EncodedColumn),
}

/// The head both fused chains share: `[OneHotEncoder →] VectorAssembler`, each with its stage.
#[derive(Debug, Clone)]
pub struct AssemblerHead {
    one_hot: Option<(OneHotEncoderStep, u32)>,
    assembler: (VectorAssemblerStep, u32),
    parts: Vec<Part>,
}

impl AssemblerHead {
    /// The original encoder and assembler steps, each fault attributed to its own stage.
    #[cold]
    fn run_unfused(&self, slots: &mut [Slot]) -> StepResult {
        if let Some((s, stage)) = &self.one_hot {
            if s.run(slots).map_err(|f| f.in_stage(*stage))? == Flow::Skip {
                return Ok(Flow::Skip);
            }
        }
        let (a, stage) = &self.assembler;
        a.run(slots).map_err(|f| f.in_stage(*stage))
    }

    /// Calls `add(index, value)` for every non-zero entry of the assembled vector, in index
    /// order, and returns its size and number of entries; `None` (fall back) on a NULL, a
    /// NaN number, an invalid one-hot label, or when `add` declines.
    #[inline]
    fn entries<S: SlotRead + ?Sized>(
        &self,
        slots: &S,
        mut add: impl FnMut(usize, f64) -> Option<()>,
    ) -> Option<(usize, usize)> {
        let mut nnz = 0usize;
        let mut offset = 0usize;
        let mut put = |i: usize, x: f64| {
            nnz += 1;
            add(i, x)
        };
        for part in &self.parts {
            match part {
                &Part::Scalar(slot) => {
                    let s = slots.read(slot);
                    if s.null || s.num.is_nan() {
                        return None;
                    }
                    if s.num != 0.0 {
                        put(offset, s.num)?;
                    }
                    offset += 1;
                }
                &Part::Vector(slot) => {
                    let s = slots.read(slot);
                    if s.null {
                        return None;
                    }
                    s.vec.try_for_each_active(|i, x| {
                        if x != 0.0 {
                            put(offset + i, x)
                        } else {
                            Some(())
                        }
                    })?;
                    offset += s.vec.size;
                }
                Part::OneHot(c) => {
                    let s = slots.read(c.input);
                    // An invalid label takes the encoder's own path (error or keep slot).
                    if s.null || !c.is_valid(s.num) {
                        return None;
                    }
                    if let Some(i) = c.slot(s.num) {
                        put(offset + i as usize, 1.0)?;
                    }
                    offset += c.size;
                }
            }
        }
        Some((offset, nnz))
    }
}

/// A fused `[OneHotEncoder →] VectorAssembler → [StandardScaler →] LogisticRegression`.
#[derive(Debug, Clone)]
pub struct SparseLinearStep {
    head: AssemblerHead,
    scaler: Option<(StandardScalerStep, u32)>,
    model: (LogisticRegressionStep, u32),
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
        if self.head.run_unfused(slots)? == Flow::Skip {
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
        let (size, nnz) = self.head.entries(slots, |i, x| {
            let v = match scale {
                Some(scale) => x * scale.get(i)?,
                None => x,
            };
            sum += v * w.get(i)?;
            Some(())
        })?;
        let (a, _) = &self.head.assembler;
        let sized = size == self.model.0.num_features
            && self
                .scaler
                .as_ref()
                .is_none_or(|(s, _)| s.required_size.is_none_or(|n| n == size));
        (sized && a.compress_rule.wants_sparse(nnz, size)).then(|| sum + self.model.0.intercept())
    }
}

/// A fused `[OneHotEncoder →] VectorAssembler → tree model` (decision tree, random forest or
/// GBT). A tree reads feature values, never the vector's representation, so the fast path
/// writes the assembled vector dense, straight from the raw columns, instead of building the
/// one-hot vectors, a sparse vector, its `.compressed` form and the tree's dense copy. The
/// model step then runs unchanged.
#[derive(Debug, Clone)]
pub struct DenseTreeStep {
    head: AssemblerHead,
    model: (Step, u32),
}

impl DenseTreeStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let out = self.head.assembler.0.output;
        let filled = produce(slots, out, |slots, out| {
            let v = &mut out.vec;
            v.sparse = false;
            v.indices.clear();
            v.values.clear();
            let (size, _) = self.head.entries(slots, |i, x| {
                if v.values.len() <= i {
                    v.values.resize(i + 1, 0.0);
                }
                *v.values.get_mut(i)? = x;
                Some(())
            })?;
            v.values.resize(size, 0.0);
            v.size = size;
            out.null = false;
            Some(())
        });
        if filled.is_none() && self.head.run_unfused(slots)? == Flow::Skip {
            return Ok(Flow::Skip);
        }
        let (m, stage) = &self.model;
        m.run(slots).map_err(|f| f.in_stage(*stage))
    }
}

/// Replaces every fusable chain in `plan.steps` (see the module comment). Runs after output
/// selection; without one every intermediate column is an output and nothing fuses.
pub fn fuse(plan: &mut Plan) {
    let mut i = 0;
    while i < plan.steps.len() {
        if let Some((first, len, step)) = chain_at(plan, i) {
            let stage = plan.step_stage.get(i).copied().unwrap_or(0);
            plan.steps.splice(first..first + len, std::iter::once(step));
            plan.step_stage
                .splice(first..first + len, std::iter::once(stage));
            i = first + 1;
        } else {
            i += 1;
        }
    }
}

/// What a fused chain runs after its assembler head (boxed: the steps are large).
enum Tail {
    Linear(Box<LinearTail>),
    Tree(Box<(Step, u32)>),
}

struct LinearTail {
    scaler: Option<(StandardScalerStep, u32)>,
    model: (LogisticRegressionStep, u32),
}

/// The features column a tree model step reads.
fn tree_features(step: &Step) -> Option<SlotIndex> {
    Some(match step {
        Step::DecisionTreeClassifier(s) => s.features,
        Step::DecisionTreeRegressor(s) => s.features,
        Step::RandomForestClassifier(s) => s.features,
        Step::RandomForestRegressor(s) => s.features,
        Step::GbtClassifier(s) => s.boosted.features,
        Step::GbtRegressor(s) => s.boosted.features,
        _ => return None,
    })
}

/// The steps after the VectorAssembler `a` (step `i`) that fuse with it, and how many.
fn tail_at(plan: &Plan, i: usize, a: &VectorAssemblerStep) -> Option<(usize, Tail)> {
    let stage_of = |k: usize| plan.step_stage.get(k).copied();
    let next = plan.steps.get(i + 1)?;
    if tree_features(next) == Some(a.output) {
        let stage = stage_of(i + 1)?;
        return (!plan.read_elsewhere(a.output, stage))
            .then(|| (1, Tail::Tree(Box::new((next.clone(), stage)))));
    }
    let mut n = 1;
    let scaler = match next {
        Step::StandardScaler(s)
            if s.input == a.output
                && matches!(s.kernel, ScaleKernel::Scale | ScaleKernel::Identity)
                && !s.dense_only =>
        {
            n += 1;
            Some((s.clone(), stage_of(i + 1)?))
        }
        _ => None,
    };
    let Some(Step::LogisticRegression(lr)) = plan.steps.get(i + n) else {
        return None;
    };
    let lr_stage = stage_of(i + n)?;
    let features = scaler.as_ref().map_or(a.output, |(s, _)| s.output);
    if lr.multinomial || lr.num_classes != 2 || lr.features != features {
        return None;
    }
    // The columns the chain skips must have no other reader.
    let skipped_read = match &scaler {
        Some((s, stage)) => {
            plan.read_elsewhere(a.output, *stage) || plan.read_elsewhere(s.output, lr_stage)
        }
        None => plan.read_elsewhere(a.output, lr_stage),
    };
    (!skipped_read).then(|| {
        (
            n,
            Tail::Linear(Box::new(LinearTail {
                scaler,
                model: (lr.clone(), lr_stage),
            })),
        )
    })
}

/// The chain whose VectorAssembler is step `i`: (first step, number of steps, fused step).
fn chain_at(plan: &Plan, i: usize) -> Option<(usize, usize, Step)> {
    let Some(Step::VectorAssembler(a)) = plan.steps.get(i) else {
        return None;
    };
    let (after, tail) = tail_at(plan, i, a)?;
    let a_stage = plan.step_stage.get(i).copied()?;
    // The encoder just before joins when each of its columns feeds this assembler only.
    let one_hot = match i.checked_sub(1).and_then(|k| plan.steps.get(k)) {
        Some(Step::OneHotEncoder(o))
            if o.columns.iter().all(|c| {
                a.inputs.iter().any(|x| x.slot == c.output)
                    && !plan.read_elsewhere(c.output, a_stage)
            }) =>
        {
            Some((o.clone(), plan.step_stage.get(i - 1).copied()?))
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
                Some(c) => Part::OneHot(c.clone()),
                None if x.is_vector => Part::Vector(x.slot),
                None => Part::Scalar(x.slot),
            }
        })
        .collect();
    let first = if one_hot.is_some() { i - 1 } else { i };
    let head = AssemblerHead {
        one_hot,
        assembler: (a.clone(), a_stage),
        parts,
    };
    let step = match tail {
        Tail::Linear(t) => Step::SparseLinear(Box::new(SparseLinearStep {
            head,
            scaler: t.scaler,
            model: t.model,
        })),
        Tail::Tree(model) => Step::DenseTree(Box::new(DenseTreeStep {
            head,
            model: *model,
        })),
    };
    Some((first, i + after + 1 - first, step))
}
