//! `org.apache.spark.ml.feature.VectorAssembler` (spark-format.md 7.5), metadata only.
//! `handleInvalid` exists since 2.4; older writers fail on null and let NaN through.

use super::HandleInvalid;
use crate::error::{LoadError, ScoreErrorKind};
use crate::kernels::compress::{compress, CompressRule};
use crate::plan::step::{produce, return_scratch, slot, take_scratch};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, NameRun, RunNames, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::Metadata;

#[derive(Debug, Clone, Copy)]
pub struct AssembledInput {
    pub slot: SlotIndex,
    pub is_vector: bool,
    /// Width used for a NULL vector in keep mode (from upstream metadata).
    pub width: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct VectorAssemblerStep {
    pub inputs: Vec<AssembledInput>,
    pub output: SlotIndex,
    pub handle_invalid: HandleInvalid,
    /// Writers before 2.4 had no handleInvalid: NaN scalars pass even in error mode.
    pub nan_is_error: bool,
    pub scratch: SlotIndex,
    /// `.compressed` chooses sparse vs dense by the scoring version's rule.
    pub compress_rule: CompressRule,
}

impl VectorAssemblerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        // Validity first: skip and error act before any output is built.
        for input in &self.inputs {
            let s = slot(slots, input.slot);
            let invalid_nan = !input.is_vector && !s.null && s.num.is_nan();
            if s.null || (invalid_nan && self.nan_is_error) {
                match self.handle_invalid {
                    HandleInvalid::Skip => return Ok(Flow::Skip),
                    HandleInvalid::Error => {
                        let kind = if s.null {
                            ScoreErrorKind::NullValue
                        } else {
                            ScoreErrorKind::NanValue
                        };
                        return Err(Fault::new(kind, input.slot));
                    }
                    HandleInvalid::Keep => {
                        if s.null && input.is_vector && input.width.is_none() {
                            return Err(Fault::new(ScoreErrorKind::BadVectorSize, input.slot));
                        }
                    }
                }
            }
        }
        let mut scratch = take_scratch(slots, self.scratch);
        let r = produce(slots, self.output, |slots, out| {
            let v = &mut out.vec;
            v.reset_sparse(0);
            let mut offset = 0usize;
            for input in &self.inputs {
                let s = slot(slots, input.slot);
                if input.is_vector {
                    if s.null {
                        let w = input.width.unwrap_or(0);
                        for k in 0..w {
                            v.indices.push((offset + k) as u32);
                            v.values.push(f64::NAN);
                        }
                        offset += w;
                    } else {
                        s.vec.for_each_active(|i, x| {
                            if x != 0.0 {
                                v.indices.push((offset + i) as u32);
                                v.values.push(x);
                            }
                        });
                        offset += s.vec.size;
                    }
                } else {
                    let x = if s.null { f64::NAN } else { s.num };
                    if x != 0.0 {
                        v.indices.push(offset as u32);
                        v.values.push(x);
                    }
                    offset += 1;
                }
            }
            v.size = offset;
            // Every stored value is non-zero (NaN included), so the count `.compressed` needs
            // is the length; only a vector it stores dense needs `compress`.
            if !self.compress_rule.wants_sparse(v.values.len(), v.size) {
                compress(v, &mut scratch, self.compress_rule);
            }
            out.null = false;
            Ok(Flow::Continue)
        });
        return_scratch(slots, self.scratch, scratch);
        r
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let names = meta.opt_str_array("inputCols")?.unwrap_or_default();
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let handle_invalid = HandleInvalid::parse(meta, "error")?;
    let nan_is_error = c
        .semantics_override
        .or(meta.spark_version)
        .is_none_or(|v| v.at_least(2, 4));
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), names.join(",")),
            ("outputCol".into(), output.clone()),
            ("handleInvalid".into(), handle_invalid.name().into()),
        ],
    )?;
    let mut inputs = Vec::with_capacity(names.len());
    let mut total = Some(0usize);
    // Slot attributes Spark carries into the output: a nominal double stays nominal (kept only
    // when some slot is nominal, for Interaction downstream).
    let mut slot_values: Option<Vec<usize>> = Some(Vec::new());
    let mut any_nominal = false;
    // Slot names as Spark's transform gives them (for VectorSlicer `names`): a number is named
    // after its column; a vector's slots `<column>_<slot name>`, or `<column>_<index>` when
    // the slot has no name. Unknown when a vector's width is.
    let mut slot_names: Option<Vec<NameRun>> = Some(Vec::new());
    for name in &names {
        let slot = c.input(meta, name, Want::NumericOrVector)?;
        let (is_vector, width) = match c.column(slot) {
            Some(col) if col.ty == ColumnType::Vector => (true, col.width),
            _ => (false, Some(1)),
        };
        if let Some(out) = slot_names.as_mut() {
            let known = c.column(slot).and_then(|col| col.slot_names.as_ref());
            match (is_vector, known, width) {
                (false, _, _) => out.push(NameRun::listed(vec![name.clone()])),
                (true, Some(k), _) => {
                    let mut first = 0;
                    for r in k {
                        out.push(NameRun {
                            prefix: format!("{name}_{}", r.prefix),
                            // An unnamed slot is named by its index within this vector.
                            names: match &r.names {
                                RunNames::Unnamed => RunNames::Indexed { first },
                                other => other.clone(),
                            },
                            width: r.width,
                        });
                        first += r.width;
                    }
                }
                (true, None, Some(w)) => out.push(NameRun {
                    prefix: format!("{name}_"),
                    names: RunNames::Indexed { first: 0 },
                    width: w,
                }),
                _ => slot_names = None,
            }
        }
        if let (Some(values), Some(col)) = (slot_values.as_mut(), c.column(slot)) {
            match (&col.slot_values, col.nominal.as_ref(), width) {
                (Some(v), _, _) if is_vector => {
                    any_nominal = true;
                    values.extend_from_slice(v);
                }
                (_, Some(n), _) if !is_vector => {
                    any_nominal |= n.num_values > 1;
                    values.push(n.num_values);
                }
                (_, _, Some(w)) if is_vector => {
                    crate::spark::limits::check(
                        "vector width",
                        (values.len() + w) as u64,
                        c.limits().max_vector_width,
                    )?;
                    values.resize(values.len() + w, 1);
                }
                (_, _, Some(_)) => values.push(1),
                (_, _, None) => slot_values = None,
            }
        }
        total = total.zip(width).map(|(t, w)| t + w);
        inputs.push(AssembledInput {
            slot,
            is_vector,
            width,
        });
    }
    let out = c.output(meta, &output, ColumnType::Vector, total)?;
    if let (true, Some(values)) = (any_nominal, slot_values) {
        c.set_slot_values(out, values);
    }
    let named: Option<usize> = slot_names.as_ref().map(|r| r.iter().map(|r| r.width).sum());
    if let (Some(slot_names), true) = (slot_names, named == total) {
        c.set_slot_names(out, slot_names);
    }
    let scratch = c.hidden(ColumnType::Vector);
    let compress_rule = CompressRule::for_version(c.semantics());
    c.push(Step::VectorAssembler(VectorAssemblerStep {
        inputs,
        output: out,
        handle_invalid,
        nan_is_error,
        scratch,
        compress_rule,
    }));
    Ok(())
}
