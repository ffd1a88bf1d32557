//! `org.apache.spark.ml.feature.Interaction` (spark-format.md 7.18), metadata only: the
//! product of every combination of its inputs' encoded values.
//!
//! Each input is encoded from its ML attribute, which Spark propagates at transform time: a
//! numeric double is one value; a nominal double with k values (StringIndexer output) is a
//! one-hot of k (every category, none dropped; the value must be an integral index below k);
//! a vector gives its stored entries (`foreachActive`, so explicit zeros too), which needs an
//! attribute group with per-slot attributes (OneHotEncoder and VectorAssembler outputs have
//! them; a raw vector column does not, and Spark fails). Spark walks the inputs from the
//! LAST to the first: an entry's index is `prevIndex + i * prevSize`, so the last input varies
//! fastest. The result is `Vectors.sparse(size, …).compressed`. NULL inputs raise.
//!
//! Nominal slots inside a vector input (a VectorAssembler over a StringIndexer output) are
//! one-hot expanded too: VectorAssembler records them in `ColumnSpec::slot_values`.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::compress::{compress, CompressRule};
use crate::plan::step::{produce, put_slot_vec, slot, take_slot_vec};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Role, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::{limits, Metadata};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// A numeric double: one output carrying the value.
    Numeric,
    /// A nominal double with this many values: a one-hot of that size.
    Nominal(usize),
    /// A vector of this size whose slots are all numeric.
    Vector(usize),
    /// A vector with nominal slots: per slot (values, first output), 1 value = numeric;
    /// `size` is the sum of the slots' values (Spark's `outputSize`).
    Slots {
        slots: Vec<(usize, usize)>,
        size: usize,
    },
}

impl Encoding {
    fn size(&self) -> usize {
        match self {
            Encoding::Numeric => 1,
            Encoding::Nominal(k) | Encoding::Vector(k) => *k,
            Encoding::Slots { size, .. } => *size,
        }
    }
}

/// Spark's `d >= 0.0 && d == d.toInt && d < k` for a nominal value (NaN fails too).
#[inline]
fn is_index(d: f64, k: usize) -> bool {
    d >= 0.0 && d < k as f64 && d.fract() == 0.0
}

#[derive(Debug, Clone)]
pub struct InteractionInput {
    pub slot: SlotIndex,
    pub encoding: Encoding,
}

#[derive(Debug, Clone)]
pub struct InteractionStep {
    pub inputs: Vec<InteractionInput>,
    pub output: SlotIndex,
    /// Hidden vector slot: the second buffer of the product's ping-pong.
    pub scratch: SlotIndex,
    pub compress_rule: CompressRule,
}

impl InteractionStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for input in &self.inputs {
            if slot(slots, input.slot).null {
                return Err(Fault::new(ScoreErrorKind::NullValue, input.slot));
            }
        }
        let mut next = take_slot_vec(slots, self.scratch);
        let r = produce(slots, self.output, |slots, out| {
            let cur = &mut out.vec;
            cur.reset_sparse(1);
            cur.indices.push(0);
            cur.values.push(1.0);
            for input in self.inputs.iter().rev() {
                let src = slot(slots, input.slot);
                let prev_size = cur.size;
                let size = prev_size * input.encoding.size();
                next.reset_sparse(size);
                let mut emit = |i: usize, a: f64| {
                    for (&pi, &pv) in cur.indices.iter().zip(&cur.values) {
                        next.indices.push(pi + (i * prev_size) as u32);
                        next.values.push(pv * a);
                    }
                };
                match &input.encoding {
                    Encoding::Numeric => emit(0, src.num),
                    Encoding::Nominal(k) => {
                        if !is_index(src.num, *k) {
                            return Err(Fault::new(ScoreErrorKind::InvalidValue, input.slot));
                        }
                        emit(src.num as usize, 1.0);
                    }
                    Encoding::Vector(k) => {
                        if src.vec.size != *k {
                            return Err(Fault::new(ScoreErrorKind::BadVectorSize, input.slot));
                        }
                        src.vec.for_each_active(&mut emit);
                    }
                    Encoding::Slots {
                        slots: per_slot, ..
                    } => {
                        if src.vec.size != per_slot.len() {
                            return Err(Fault::new(ScoreErrorKind::BadVectorSize, input.slot));
                        }
                        let mut valid = true;
                        src.vec.for_each_active(|i, v| {
                            let Some(&(k, offset)) = per_slot.get(i) else {
                                return;
                            };
                            if k <= 1 {
                                emit(offset, v);
                            } else if valid && is_index(v, k) {
                                emit(offset + v as usize, 1.0);
                            } else {
                                valid = false;
                            }
                        });
                        if !valid {
                            return Err(Fault::new(ScoreErrorKind::InvalidValue, input.slot));
                        }
                    }
                }
                std::mem::swap(cur, &mut next);
            }
            compress(cur, &mut next.values, self.compress_rule);
            out.null = false;
            Ok(Flow::Continue)
        });
        put_slot_vec(slots, self.scratch, next);
        r
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let names = meta.opt_str_array("inputCols")?.ok_or_else(|| {
        meta.error(LoadErrorKind::BadMetadata, "`inputCols` is not set")
            .in_column("inputCols")
    })?;
    if names.is_empty() {
        return Err(meta.error(LoadErrorKind::BadMetadata, "`inputCols` is empty"));
    }
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), names.join(",")),
            ("outputCol".into(), output_name.clone()),
        ],
    )?;
    let mut inputs = Vec::with_capacity(names.len());
    let mut size: u64 = 1;
    for name in &names {
        let slot = c.input(meta, name, Want::NumericOrVector)?;
        let Some(col) = c.column(slot) else {
            return Err(meta.error(LoadErrorKind::Schema, "internal: unknown slot"));
        };
        let encoding = if col.ty == ColumnType::Vector {
            match (col.role, col.width) {
                (Role::Input, _) | (_, None) => {
                    return Err(meta
                        .error(
                            LoadErrorKind::Schema,
                            "vector attributes must be defined for interaction: the vector \
                             must come from a stage that sets them (OneHotEncoder, \
                             VectorAssembler)",
                        )
                        .in_column(name))
                }
                (_, Some(w)) => match &col.slot_values {
                    Some(values) if values.len() == w => {
                        let mut slots = Vec::with_capacity(w);
                        let mut size = 0usize;
                        for &k in values {
                            slots.push((k, size));
                            size = size.saturating_add(k.max(1));
                        }
                        Encoding::Slots { slots, size }
                    }
                    _ => Encoding::Vector(w),
                },
            }
        } else {
            match col.nominal.as_ref() {
                // `math.max(1, numValues)`: a nominal with one value is numeric.
                Some(n) if n.num_values > 1 => Encoding::Nominal(n.num_values),
                _ => Encoding::Numeric,
            }
        };
        size = size.saturating_mul(encoding.size() as u64);
        inputs.push(InteractionInput { slot, encoding });
    }
    limits::check("vector width", size, c.limits().max_vector_width)?;
    let width = size as usize;
    let scratch = c.hidden(ColumnType::Vector);
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(width))?;
    c.push(Step::Interaction(InteractionStep {
        inputs,
        output,
        scratch,
        compress_rule: CompressRule::for_version(c.semantics()),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(v: &crate::plan::VecBuf) -> Vec<f64> {
        let mut d = vec![0.0; v.size];
        v.for_each_active(|i, x| d[i] = x);
        d
    }

    #[test]
    fn last_input_varies_fastest() {
        // inputs: nominal (3 values) = 2, vector [5, 0, 7]
        let step = InteractionStep {
            inputs: vec![
                InteractionInput {
                    slot: 0,
                    encoding: Encoding::Nominal(3),
                },
                InteractionInput {
                    slot: 1,
                    encoding: Encoding::Vector(3),
                },
            ],
            output: 2,
            scratch: 3,
            compress_rule: CompressRule::Ratio,
        };
        let mut slots = vec![Slot::default(); 4];
        slots[0].set_num(2.0);
        slots[1].null = false;
        slots[1].vec.set_dense(&[5.0, 0.0, 7.0]);
        step.run(&mut slots).unwrap();
        let d = dense(&slots[2].vec);
        assert_eq!(d, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 7.0]);
        assert!(slots[2].vec.sparse);
        assert_eq!(slots[2].vec.indices, vec![6, 8]);
    }

    #[test]
    fn nominal_slots_in_a_vector_are_one_hot() {
        // vector [x = 2.0, nominal with 3 values = 1.0]: outputs x at 0, category 1 at 2.
        let step = InteractionStep {
            inputs: vec![InteractionInput {
                slot: 0,
                encoding: Encoding::Slots {
                    slots: vec![(1, 0), (3, 1)],
                    size: 4,
                },
            }],
            output: 1,
            scratch: 2,
            compress_rule: CompressRule::Ratio,
        };
        let mut slots = vec![Slot::default(); 3];
        slots[0].null = false;
        slots[0].vec.set_dense(&[2.0, 1.0]);
        step.run(&mut slots).unwrap();
        assert_eq!(dense(&slots[1].vec), vec![2.0, 0.0, 1.0, 0.0]);
        slots[0].vec.set_dense(&[2.0, 3.0]);
        assert!(step.run(&mut slots).is_err());
    }

    #[test]
    fn non_integral_nominal_fails() {
        let step = InteractionStep {
            inputs: vec![InteractionInput {
                slot: 0,
                encoding: Encoding::Nominal(3),
            }],
            output: 1,
            scratch: 2,
            compress_rule: CompressRule::Ratio,
        };
        let mut slots = vec![Slot::default(); 3];
        slots[0].set_num(1.5);
        assert!(step.run(&mut slots).is_err());
    }
}
