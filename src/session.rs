//! `Session`: per-thread scratch for one model. Setting inputs and scoring reuse the slot
//! buffers, so once every buffer has grown to its working size a call allocates nothing.

use crate::error::{ScoreError, ScoreErrorKind, NO_INDEX};
use crate::model::Model;
use crate::plan::{ColumnType, Slot, TokenBuf, VecBuf};

/// Result of a successful score: the row was scored, or Spark would have dropped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Scored,
    Skipped,
}

/// A borrowed column value of the current row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Double(f64),
    Int(i64),
    Float(f32),
    Bool(bool),
    Str(&'a str),
    Vector(&'a VecBuf),
    Tokens(&'a TokenBuf),
}

pub struct Session {
    model: Model,
    slots: Vec<Slot>,
}

impl Session {
    pub fn new(model: Model) -> Session {
        let mut slots = Vec::new();
        slots.resize_with(model.plan().columns.len(), Slot::default);
        for s in &mut slots {
            s.null = true;
        }
        Session { model, slots }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    fn input_slot(&self, input: usize, want: fn(ColumnType) -> bool) -> Result<usize, ScoreError> {
        let plan = self.model.plan();
        let slot = *plan.inputs.get(input).ok_or(ScoreError::argument(ScoreErrorKind::BadLength))?;
        let ty = plan.columns.get(slot).map(|c| c.ty).ok_or(ScoreError::argument(ScoreErrorKind::BadLength))?;
        if want(ty) {
            Ok(slot)
        } else {
            Err(ScoreError::new(ScoreErrorKind::WrongInputType, NO_INDEX, slot as u32))
        }
    }

    /// Sets numeric input `input` (index into `Model::inputs`).
    pub fn set_f64(&mut self, input: usize, v: f64) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, ColumnType::is_numeric)?;
        self.slots[slot].set_num(v);
        Ok(())
    }

    pub fn set_null(&mut self, input: usize) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |_| true)?;
        self.slots[slot].set_null();
        Ok(())
    }

    pub fn set_str(&mut self, input: usize, v: &str) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |t| t == ColumnType::String)?;
        let s = &mut self.slots[slot];
        s.null = false;
        s.text.clear();
        s.text.push_str(v);
        Ok(())
    }

    /// Sets a vector input from dense values. A declared width is not enforced here: the
    /// stages check widths as Spark does.
    pub fn set_dense(&mut self, input: usize, values: &[f64]) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |t| t == ColumnType::Vector)?;
        let s = &mut self.slots[slot];
        s.null = false;
        s.vec.set_dense(values);
        Ok(())
    }

    /// Sets a vector input in sparse form; indices must be strictly increasing and below `size`.
    pub fn set_sparse(&mut self, input: usize, size: usize, indices: &[u32], values: &[f64]) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |t| t == ColumnType::Vector)?;
        let ordered = indices.windows(2).all(|w| w[0] < w[1]);
        let in_range = indices.last().is_none_or(|&i| (i as usize) < size);
        if indices.len() != values.len() || !ordered || !in_range {
            return Err(ScoreError::new(ScoreErrorKind::BadLength, NO_INDEX, slot as u32));
        }
        let s = &mut self.slots[slot];
        s.null = false;
        s.vec.reset_sparse(size);
        s.vec.indices.extend_from_slice(indices);
        s.vec.values.extend_from_slice(values);
        Ok(())
    }

    pub fn set_tokens<'a>(&mut self, input: usize, tokens: impl IntoIterator<Item = &'a str>) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |t| t == ColumnType::StringArray)?;
        let s = &mut self.slots[slot];
        s.null = false;
        s.tokens.clear();
        for t in tokens {
            s.tokens.push(t);
        }
        Ok(())
    }

    /// Runs the plan over the inputs set so far. Inputs keep their values between rows.
    pub fn score(&mut self) -> Result<Outcome, ScoreError> {
        let plan = self.model.plan();
        for (i, step) in plan.steps.iter().enumerate() {
            match step.run(&mut self.slots) {
                Ok(crate::plan::Flow::Continue) => {}
                Ok(crate::plan::Flow::Skip) => return Ok(Outcome::Skipped),
                Err(f) => {
                    let stage = plan.step_stage.get(i).copied().unwrap_or(NO_INDEX);
                    return Err(ScoreError::new(f.kind, stage, f.column));
                }
            }
        }
        Ok(Outcome::Scored)
    }

    /// The value of any column slot (inputs, outputs) for the current row.
    pub fn slot_value(&self, slot: usize) -> Value<'_> {
        let Some(col) = self.model.plan().columns.get(slot) else { return Value::Null };
        let Some(s) = self.slots.get(slot) else { return Value::Null };
        if s.null {
            return Value::Null;
        }
        match col.ty {
            ColumnType::Double => Value::Double(s.num),
            ColumnType::Int => Value::Int(s.num as i64),
            ColumnType::Float => Value::Float(s.num as f32),
            ColumnType::Bool => Value::Bool(s.num != 0.0),
            ColumnType::String => Value::Str(&s.text),
            ColumnType::Vector => Value::Vector(&s.vec),
            ColumnType::StringArray => Value::Tokens(&s.tokens),
        }
    }

    /// Output `k` (index into `Model::outputs`).
    pub fn output(&self, k: usize) -> Value<'_> {
        match self.model.plan().outputs.get(k) {
            Some(&slot) => self.slot_value(slot),
            None => Value::Null,
        }
    }
}
