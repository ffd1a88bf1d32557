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
//! Gap: nominal slots inside a vector input (a VectorAssembler over a StringIndexer output)
//! would be one-hot expanded by Spark; mlscore does not track per-slot attributes and treats
//! every vector slot as numeric.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::compress::{compress, CompressRule};
use crate::plan::step::{produce, put_slot_vec, slot, take_slot_vec};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Role, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::{limits, Metadata};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A numeric double: one output carrying the value.
    Numeric,
    /// A nominal double with this many values: a one-hot of that size.
    Nominal(usize),
    /// A vector of this size whose slots are all numeric.
    Vector(usize),
}

impl Encoding {
    fn size(self) -> usize {
        match self {
            Encoding::Numeric => 1,
            Encoding::Nominal(k) | Encoding::Vector(k) => k,
        }
    }
}

#[derive(Debug, Clone, Copy)]
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
                match input.encoding {
                    Encoding::Numeric => emit(0, src.num),
                    Encoding::Nominal(k) => {
                        let d = src.num;
                        // Spark asserts `d >= 0 && d == d.toInt && d < k`; NaN fails too.
                        if !(d >= 0.0 && d < k as f64 && d.fract() == 0.0) {
                            return Err(Fault::new(ScoreErrorKind::InvalidValue, input.slot));
                        }
                        emit(d as usize, 1.0);
                    }
                    Encoding::Vector(k) => {
                        if src.vec.size != k {
                            return Err(Fault::new(ScoreErrorKind::BadVectorSize, input.slot));
                        }
                        src.vec.for_each_active(&mut emit);
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
                (_, Some(w)) => Encoding::Vector(w),
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
