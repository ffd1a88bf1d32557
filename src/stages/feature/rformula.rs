//! `org.apache.spark.ml.feature.RFormulaModel` and the two stages only its embedded pipeline
//! uses, `org.apache.spark.ml.feature.VectorAttributeRewriter` and
//! `org.apache.spark.ml.feature.ColumnPruner` (spark-format.md 7.33; writers 2.x–4.x).
//!
//! The model's `pipelineModel/` holds ordinary stages (StringIndexerModel per string term,
//! VectorSizeHint per vector term, OneHotEncoderModel, Interaction, VectorAssembler), then the
//! rewriter (renames slot attributes of `featuresCol`: no value changes; it re-selects the
//! column last, where the assembler already put it), the pruner (drops the temporary
//! `stridx_…`, `onehot_…`, `interaction_…` columns), and, for a string label or
//! `forceIndexLabel`, a StringIndexerModel writing `labelCol` — which Spark 3+ skips when the
//! label column is absent, as at prediction time (`LoadOptions::available_inputs`).
//!
//! `RFormulaModel.transform` then handles a numeric label (`transformLabel`): when the output
//! has no `labelCol` yet and the label column is present, it appends `labelCol` as the label
//! cast to double; an absent label is ignored. Data `label, terms, hasIntercept`
//! (resolvedFormula) only matters for the label name: the pipeline already encodes the terms.

use crate::error::{LoadError, LoadErrorKind};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

/// `labelCol` as the label column cast to double.
#[derive(Debug, Clone)]
pub struct RFormulaLabelStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
}

impl RFormulaLabelStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let src = slot(slots, self.input);
        let (null, num) = (src.null, src.num);
        if let Some(out) = slots.get_mut(self.output) {
            if null {
                out.set_null();
            } else {
                out.set_num(num);
            }
        }
        Ok(Flow::Continue)
    }
}

pub fn lower_model(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let features_col = meta.str_or("featuresCol", "features")?;
    let label_col = meta.str_or("labelCol", "label")?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let label = table.decode(row, "label", |d| {
        if d.is_null() {
            Ok(String::new())
        } else {
            d.as_str().map(str::to_string)
        }
    })?;
    let stage = c.begin_stage(
        meta,
        vec![
            ("formula".into(), meta.str_or("formula", "")?),
            ("featuresCol".into(), features_col.clone()),
            ("labelCol".into(), label_col.clone()),
        ],
    )?;
    // `checkCanTransform`: Spark refuses a DataFrame that already has the features column.
    if c.lookup(&features_col).is_some() || c.available.is_some_and(|a| a.contains(&features_col)) {
        return Err(meta
            .error(LoadErrorKind::Schema, "features column already exists")
            .in_column(&features_col));
    }
    super::super::lower_nested(c, meta, "pipelineModel")?;
    c.resume_stage(stage, meta);
    // `transformLabel`.
    let has_label_col = c.lookup(&label_col).is_some()
        || label == label_col
        || c.available.is_some_and(|a| a.contains(&label_col));
    if label.is_empty() || has_label_col || c.is_absent(&label) {
        return Ok(());
    }
    let input = c.input(meta, &label, Want::Numeric)?;
    let output = c.output(meta, &label_col, ColumnType::Double, None)?;
    c.push(Step::RFormulaLabel(RFormulaLabelStep { input, output }));
    Ok(())
}

/// Renames attributes only; checks that the column exists.
pub fn lower_attribute_rewriter(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let vector_col = table.decode(row, "vectorCol", |d| d.as_str().map(str::to_string))?;
    c.begin_stage(meta, vec![("vectorCol".into(), vector_col.clone())])?;
    if c.lookup(&vector_col).is_none() {
        return Err(meta
            .error(
                LoadErrorKind::Schema,
                "no earlier stage produces this column",
            )
            .in_column(&vector_col));
    }
    Ok(())
}

/// Drops the listed columns from the output (absent ones are ignored, as `filter` does).
pub fn lower_column_pruner(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let columns = table.decode(row, "columnsToPrune", |d| d.str_list())?;
    c.begin_stage(meta, vec![("columnsToPrune".into(), columns.join(","))])?;
    for name in &columns {
        c.drop_column(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_is_copied_with_nulls() {
        let step = RFormulaLabelStep {
            input: 0,
            output: 1,
        };
        let mut slots = vec![Slot::default(); 2];
        slots[0].set_num(2.5);
        step.run(&mut slots).unwrap();
        assert_eq!((slots[1].null, slots[1].num), (false, 2.5));
        slots[0].set_null();
        step.run(&mut slots).unwrap();
        assert!(slots[1].null);
    }
}
