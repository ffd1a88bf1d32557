//! `org.apache.spark.ml.feature.FeatureHasher` (2.3+, spark-format.md 7.30), params only:
//! `inputCols`, `numFeatures` (2^18), `categoricalCols`. Numeric columns add their value at
//! `hash(name)`; string and boolean columns, and numeric ones listed as categorical, add 1.0
//! at `hash(name + "=" + value)`; NULLs are skipped; collisions sum. Standard MurmurHash3
//! (seed 42) in every version. Output sparse, sorted by index.

use crate::error::{LoadError, LoadErrorKind};
use crate::kernels::murmur3::{self, hash_bytes};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Flow, Slot, SlotIndex, Step, StepResult, VecBuf, Want};
use crate::spark::Metadata;
use crate::stages::feature::cast::java_double_to_string;

const SEED: u32 = 42;

#[derive(Debug, Clone)]
pub enum HashedInput {
    /// Numeric, not categorical: value at a fixed index.
    Real { slot: SlotIndex, index: u32 },
    /// String column: `name=value`.
    Text { slot: SlotIndex, prefix: String },
    /// Numeric or boolean treated as a category: `name=value.toString`.
    NumberText {
        slot: SlotIndex,
        prefix: String,
        ty: ColumnType,
    },
}

#[derive(Debug, Clone)]
pub struct FeatureHasherStep {
    pub inputs: Vec<HashedInput>,
    pub output: SlotIndex,
    pub num_features: u32,
    /// Holds `name=value` while hashing, so no allocation once grown.
    pub text_scratch: SlotIndex,
}

fn non_negative_mod(h: i32, n: u32) -> u32 {
    murmur3::non_negative_mod(h, n as i32)
}

fn add(v: &mut VecBuf, index: u32, value: f64) {
    match v.indices.binary_search(&index) {
        Ok(k) => {
            if let Some(x) = v.values.get_mut(k) {
                *x += value;
            }
        }
        Err(k) => {
            v.indices.insert(k, index);
            v.values.insert(k, value);
        }
    }
}

impl FeatureHasherStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut text = slots
            .get_mut(self.text_scratch)
            .map(|s| std::mem::take(&mut s.text))
            .unwrap_or_default();
        let r = produce(slots, self.output, |slots, out| {
            out.null = false;
            out.vec.reset_sparse(self.num_features as usize);
            for input in &self.inputs {
                match input {
                    HashedInput::Real { slot: s, index } => {
                        let x = slot(slots, *s);
                        if !x.null {
                            add(&mut out.vec, *index, x.num);
                        }
                    }
                    HashedInput::Text { slot: s, prefix }
                    | HashedInput::NumberText {
                        slot: s, prefix, ..
                    } => {
                        let x = slot(slots, *s);
                        if x.null {
                            continue;
                        }
                        text.clear();
                        text.push_str(prefix);
                        match input {
                            HashedInput::NumberText {
                                ty: ColumnType::Bool,
                                ..
                            } => text.push_str(if x.num != 0.0 { "true" } else { "false" }),
                            HashedInput::NumberText {
                                ty: ColumnType::Int,
                                ..
                            } => {
                                use std::fmt::Write;
                                let _ = write!(text, "{}", x.num as i64);
                            }
                            HashedInput::NumberText { .. } => {
                                java_double_to_string(x.num, &mut text)
                            }
                            _ => text.push_str(&x.text),
                        }
                        let index =
                            non_negative_mod(hash_bytes(text.as_bytes(), SEED), self.num_features);
                        add(&mut out.vec, index, 1.0);
                    }
                }
            }
            Ok(Flow::Continue)
        });
        if let Some(s) = slots.get_mut(self.text_scratch) {
            s.text = text;
        }
        r
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let names = meta.opt_str_array("inputCols")?.unwrap_or_default();
    let categorical = meta.opt_str_array("categoricalCols")?.unwrap_or_default();
    let num_features = meta.i64_or("numFeatures", 1 << 18)?;
    let num_features = u32::try_from(num_features)
        .ok()
        .filter(|&n| n > 0 && n <= i32::MAX as u32 && u64::from(n) <= c.limits().max_vector_width)
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadMetadata,
                format!("numFeatures {num_features} is out of range"),
            )
        })?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(
        meta,
        vec![
            ("numFeatures".into(), num_features.to_string()),
            ("inputCols".into(), names.join(",")),
        ],
    )?;
    let mut inputs = Vec::with_capacity(names.len());
    for name in &names {
        let is_categorical = categorical.contains(name);
        // A raw column's type is not in the model: categorical ones default to string.
        let want = if is_categorical && c.lookup(name).is_none() && !c.declared.contains_key(name) {
            Want::String
        } else {
            Want::NumericOrString
        };
        let slot = c.input(meta, name, want)?;
        let ty = c.column(slot).map_or(ColumnType::Double, |col| col.ty);
        let prefix = format!("{name}=");
        inputs.push(match ty {
            ColumnType::String => HashedInput::Text { slot, prefix },
            ColumnType::Bool => HashedInput::NumberText { slot, prefix, ty },
            t if is_categorical => HashedInput::NumberText {
                slot,
                prefix,
                ty: t,
            },
            _ => HashedInput::Real {
                slot,
                index: non_negative_mod(hash_bytes(name.as_bytes(), SEED), num_features),
            },
        });
    }
    let output = c.output(
        meta,
        &output_name,
        ColumnType::Vector,
        Some(num_features as usize),
    )?;
    let text_scratch = c.hidden(ColumnType::String);
    c.push(Step::FeatureHasher(FeatureHasherStep {
        inputs,
        output,
        num_features,
        text_scratch,
    }));
    Ok(())
}
