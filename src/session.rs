//! `Session`: per-thread scratch for one model. Setting inputs and scoring reuse the slot
//! buffers, so once every buffer has grown to its working size a call allocates nothing.

use crate::error::{BatchError, ScoreError, ScoreErrorKind, NO_INDEX};
use crate::model::{FlatInput, FlatLayout, Model};
use crate::plan::{ColumnType, Flow, Plan, Slot, TokenBuf, VecBuf};

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
    /// `array<vector>` (LSH `hashes`), in Spark's order.
    Vectors(&'a [VecBuf]),
}

/// An owned input value, e.g. a row parsed once and scored many times (benchmarks, tests).
#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    Null,
    Num(f64),
    Str(String),
    Vector(VecBuf),
    Tokens(Vec<String>),
}

/// A number type the flat API reads and writes (`f64`, or `f32` for callers whose arrays are
/// float; scoring itself always runs in f64, as Spark does).
pub trait FlatNum: Copy {
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl FlatNum for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl FlatNum for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

pub struct Session {
    model: Model,
    slots: Vec<Slot>,
    /// The model's input slots and types, copied here so a setter reads them without going
    /// through the shared model (one dependent load less per call).
    inputs: Vec<(usize, ColumnType)>,
}

impl Session {
    pub fn new(model: Model) -> Session {
        let mut slots = Vec::new();
        slots.resize_with(model.plan().columns.len(), Slot::default);
        for s in &mut slots {
            s.null = true;
        }
        let inputs = model.input_slots().to_vec();
        Session {
            model,
            slots,
            inputs,
        }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    #[inline]
    fn input_slot(
        &self,
        input: usize,
        want: impl Fn(ColumnType) -> bool,
    ) -> Result<usize, ScoreError> {
        let out_of_range = ScoreError::argument(ScoreErrorKind::IndexOutOfRange);
        let &(slot, ty) = self.inputs.get(input).ok_or(out_of_range)?;
        if want(ty) {
            Ok(slot)
        } else {
            Err(ScoreError::new(
                ScoreErrorKind::WrongInputType,
                NO_INDEX,
                slot as u32,
            ))
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
    pub fn set_sparse(
        &mut self,
        input: usize,
        size: usize,
        indices: &[u32],
        values: &[f64],
    ) -> Result<(), ScoreError> {
        let slot = self.input_slot(input, |t| t == ColumnType::Vector)?;
        if indices.len() != values.len() {
            return Err(ScoreError::new(
                ScoreErrorKind::BadLength,
                NO_INDEX,
                slot as u32,
            ));
        }
        let ordered = indices.windows(2).all(|w| w[0] < w[1]);
        let in_range = indices.last().is_none_or(|&i| (i as usize) < size);
        if !ordered || !in_range {
            return Err(ScoreError::new(
                ScoreErrorKind::BadSparseVector,
                NO_INDEX,
                slot as u32,
            ));
        }
        let s = &mut self.slots[slot];
        s.null = false;
        s.vec.reset_sparse(size);
        s.vec.indices.extend_from_slice(indices);
        s.vec.values.extend_from_slice(values);
        Ok(())
    }

    /// Sets input `input` from an owned value.
    pub fn set_input(&mut self, input: usize, v: &InputValue) -> Result<(), ScoreError> {
        match v {
            InputValue::Null => self.set_null(input),
            InputValue::Num(x) => self.set_f64(input, *x),
            InputValue::Str(t) => self.set_str(input, t),
            InputValue::Vector(b) if b.sparse => {
                self.set_sparse(input, b.size, &b.indices, &b.values)
            }
            InputValue::Vector(b) => self.set_dense(input, &b.values),
            InputValue::Tokens(t) => self.set_tokens(input, t.iter().map(String::as_str)),
        }
    }

    /// Sets every input from a row of owned values (one per `Model::inputs` entry).
    pub fn set_inputs(&mut self, row: &[InputValue]) -> Result<(), ScoreError> {
        for (k, v) in row.iter().enumerate() {
            self.set_input(k, v)?;
        }
        Ok(())
    }

    /// Sets every column to NULL, as a new session starts; buffers keep their capacity.
    pub fn reset(&mut self) {
        for s in &mut self.slots {
            s.null = true;
        }
    }

    pub fn set_tokens<'a>(
        &mut self,
        input: usize,
        tokens: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ScoreError> {
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
        run_plan(self.model.plan(), &mut self.slots)
    }

    /// Scores one flat numeric row (see `FlatLayout`): `row.len()` must be the flat input
    /// width and `out.len()` the flat output width. `out` is written only when the row is
    /// scored; a skipped row leaves it untouched.
    pub fn score_flat<T: FlatNum>(
        &mut self,
        row: &[T],
        out: &mut [T],
    ) -> Result<Outcome, ScoreError> {
        let layout = self.model.flat()?;
        if row.len() != layout.input_width || out.len() != layout.output_width {
            return Err(ScoreError::argument(ScoreErrorKind::BadLength));
        }
        score_flat_row(layout, self.model.plan(), &mut self.slots, row, out)
    }

    /// Scores `n_rows` flat rows: row `i` starts at `rows[i * row_stride]`, its outputs at
    /// `out[i * out_stride]` (strides in elements, at least the widths). A skipped row's
    /// outputs are set to NaN. `each(i, outcome)` is called after every scored or skipped row.
    /// Stops at the first failing row; rows before it are written.
    pub fn score_batch<T: FlatNum>(
        &mut self,
        rows: &[T],
        n_rows: usize,
        row_stride: usize,
        out: &mut [T],
        out_stride: usize,
        mut each: impl FnMut(usize, Outcome),
    ) -> Result<(), BatchError> {
        let whole = |error| BatchError { row: 0, error };
        let layout = self.model.flat().map_err(whole)?;
        let bad_length = whole(ScoreError::argument(ScoreErrorKind::BadLength));
        let fits = |len: usize, stride: usize, width: usize| {
            n_rows == 0
                || (stride >= width
                    && (n_rows - 1)
                        .checked_mul(stride)
                        .and_then(|n| n.checked_add(width))
                        .is_some_and(|n| n <= len))
        };
        if !fits(rows.len(), row_stride, layout.input_width)
            || !fits(out.len(), out_stride, layout.output_width)
        {
            return Err(bad_length);
        }
        let plan = self.model.plan();
        for i in 0..n_rows {
            let (r, o) = (i * row_stride, i * out_stride);
            let (Some(row), Some(dst)) = (
                rows.get(r..r + layout.input_width),
                out.get_mut(o..o + layout.output_width),
            ) else {
                return Err(bad_length);
            };
            match score_flat_row(layout, plan, &mut self.slots, row, dst) {
                Ok(outcome) => {
                    if outcome == Outcome::Skipped {
                        dst.fill(T::from_f64(f64::NAN));
                    }
                    each(i, outcome);
                }
                Err(error) => return Err(BatchError { row: i, error }),
            }
        }
        Ok(())
    }

    /// The value of any column slot (inputs, outputs) for the current row.
    pub fn slot_value(&self, slot: usize) -> Value<'_> {
        let Some(col) = self.model.plan().columns.get(slot) else {
            return Value::Null;
        };
        let Some(s) = self.slots.get(slot) else {
            return Value::Null;
        };
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
            ColumnType::VectorArray => Value::Vectors(s.vecs.as_slice()),
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

/// Runs every step; the error names the stage of the failing step.
#[inline]
fn run_plan(plan: &Plan, slots: &mut [Slot]) -> Result<Outcome, ScoreError> {
    for (i, step) in plan.steps.iter().enumerate() {
        match step.run(slots) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Skip) => return Ok(Outcome::Skipped),
            Err(f) => {
                let stage = match f.stage {
                    NO_INDEX => plan.step_stage.get(i).copied().unwrap_or(NO_INDEX),
                    named => named,
                };
                return Err(ScoreError::new(f.kind, stage, f.column));
            }
        }
    }
    Ok(Outcome::Scored)
}

/// Loads a flat row into the input slots, scores, and writes the flat outputs. Widths were
/// checked by the caller. Every output vector's size is checked before `out` is touched.
#[inline]
fn score_flat_row<T: FlatNum>(
    layout: &FlatLayout,
    plan: &Plan,
    slots: &mut [Slot],
    row: &[T],
    out: &mut [T],
) -> Result<Outcome, ScoreError> {
    match &layout.input {
        FlatInput::Scalars(inputs) => {
            for (&slot, &x) in inputs.iter().zip(row) {
                if let Some(s) = slots.get_mut(slot) {
                    s.set_num(x.to_f64());
                }
            }
        }
        FlatInput::Vector(slot) => {
            if let Some(s) = slots.get_mut(*slot) {
                s.null = false;
                s.vec.size = row.len();
                s.vec.sparse = false;
                s.vec.indices.clear();
                s.vec.values.clear();
                s.vec.values.extend(row.iter().map(|x| x.to_f64()));
            }
        }
    }
    if run_plan(plan, slots)? == Outcome::Skipped {
        return Ok(Outcome::Skipped);
    }
    for col in &layout.outputs {
        let s = crate::plan::step::slot(slots, col.slot);
        if col.vector && !s.null && s.vec.size != col.width {
            return Err(ScoreError::new(
                ScoreErrorKind::BadVectorSize,
                col.stage,
                col.slot as u32,
            ));
        }
    }
    for col in &layout.outputs {
        let s = crate::plan::step::slot(slots, col.slot);
        let Some(dst) = out.get_mut(col.offset..col.offset + col.width) else {
            continue;
        };
        if s.null {
            dst.fill(T::from_f64(f64::NAN));
        } else if !col.vector {
            if let Some(d) = dst.first_mut() {
                *d = T::from_f64(s.num);
            }
        } else if s.vec.sparse {
            dst.fill(T::from_f64(0.0));
            for (&i, &x) in s.vec.indices.iter().zip(&s.vec.values) {
                if let Some(d) = dst.get_mut(i as usize) {
                    *d = T::from_f64(x);
                }
            }
        } else {
            for (d, &x) in dst.iter_mut().zip(&s.vec.values) {
                *d = T::from_f64(x);
            }
        }
    }
    Ok(Outcome::Scored)
}
