//! `org.apache.spark.ml.feature.VectorSizeHint` (spark-format.md 7.6), metadata only, writers
//! 2.3+. It leaves the values alone and sets the size attribute of its input column, which
//! later stages (VectorAssembler with `handleInvalid = keep`) read. `error` raises on NULL or a
//! vector of another size, `skip` drops such rows, `optimistic` checks nothing.
//! Spark refuses a hint that contradicts a size the column already carries.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{Compiler, Fault, Flow, Slot, SlotIndex, StepResult, Want};
use crate::spark::{limits, Metadata};

#[derive(Debug, Clone)]
pub struct VectorSizeHintStep {
    pub input: SlotIndex,
    pub size: usize,
    /// `skip` drops invalid rows; otherwise (`error`) they raise.
    pub skip: bool,
}

impl VectorSizeHintStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let v = slot(slots, self.input);
        if !v.null && v.vec.size == self.size {
            return Ok(Flow::Continue);
        }
        if self.skip {
            return Ok(Flow::Skip);
        }
        let kind = if v.null {
            ScoreErrorKind::NullValue
        } else {
            ScoreErrorKind::BadVectorSize
        };
        Err(Fault::new(kind, self.input))
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let size = meta
        .opt_i64("size")?
        .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "param `size` is not set"))?;
    let size = u64::try_from(size).map_err(|_| {
        meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `size` is negative ({size})"),
        )
    })?;
    limits::check("VectorSizeHint size", size, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&meta.file))?;
    let size = size as usize;
    let handle_invalid = meta.str_or("handleInvalid", "error")?;
    let skip = match handle_invalid.as_str() {
        "error" => Some(false),
        "skip" => Some(true),
        "optimistic" => None,
        other => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                format!("handleInvalid `{other}` is not error, skip or optimistic"),
            ))
        }
    };
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("size".into(), size.to_string()),
            ("handleInvalid".into(), handle_invalid),
        ],
    )?;
    let input = c.input(meta, &name, Want::Vector(None))?;
    if let Some(have) = c.column(input).and_then(|col| col.width) {
        if have != size {
            return Err(meta
                .error(
                    LoadErrorKind::Schema,
                    format!("trying to set the vector size to {size} but it is already {have}"),
                )
                .in_column(&name));
        }
    }
    // Records the size on the column for the stages after this one.
    c.input(meta, &name, Want::Vector(Some(size)))?;
    if let Some(skip) = skip {
        c.push(crate::plan::Step::VectorSizeHint(VectorSizeHintStep {
            input,
            size,
            skip,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_null_and_size() {
        let mut slots = vec![Slot::default()];
        slots[0].null = false;
        slots[0].vec.set_dense(&[1.0, 2.0, 3.0]);
        let error = VectorSizeHintStep {
            input: 0,
            size: 3,
            skip: false,
        };
        let skip = VectorSizeHintStep {
            input: 0,
            size: 3,
            skip: true,
        };
        assert_eq!(error.run(&mut slots), Ok(Flow::Continue));
        slots[0].vec.reset_sparse(5);
        assert_eq!(
            error.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::BadVectorSize
        );
        assert_eq!(skip.run(&mut slots), Ok(Flow::Skip));
        slots[0].set_null();
        assert_eq!(
            error.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::NullValue
        );
        assert_eq!(skip.run(&mut slots), Ok(Flow::Skip));
    }
}
