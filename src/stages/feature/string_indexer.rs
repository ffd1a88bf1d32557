//! `org.apache.spark.ml.feature.StringIndexerModel` (spark-format.md 7.1). Reads `labels`
//! (writers ≤ 2.4) and `labelsArray` (3.0+, multi-column). Numeric inputs are cast to string
//! first (Compiler inserts the cast), as Spark does.

use super::HandleInvalid;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::string_map::StringMap;
use crate::plan::step::slot;
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Nominal, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct IndexedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub index: StringMap<f64>,
    /// Index given to NULL and unseen labels with `handleInvalid = keep`.
    pub unknown: f64,
}

#[derive(Debug, Clone)]
pub struct StringIndexerStep {
    pub columns: Vec<IndexedColumn>,
    pub handle_invalid: HandleInvalid,
}

impl StringIndexerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            // The index is found first and written after, so the output is set in place:
            // `produce` would move the whole output slot out and back just to write a number.
            let src = slot(slots, col.input);
            let found = if src.null {
                None
            } else {
                col.index.get(src.text.as_str())
            };
            let index = match (found, self.handle_invalid) {
                (Some(i), _) => i,
                (None, HandleInvalid::Keep) => col.unknown,
                (None, HandleInvalid::Skip) => return Ok(Flow::Skip),
                (None, HandleInvalid::Error) => {
                    let kind = if src.null {
                        ScoreErrorKind::NullValue
                    } else {
                        ScoreErrorKind::UnseenCategory
                    };
                    return Err(Fault::new(kind, col.input));
                }
            };
            if let Some(out) = slots.get_mut(col.output) {
                out.set_num(index);
            }
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let inputs = meta.columns("inputCol", "inputCols")?;
    let outputs = meta.columns("outputCol", "outputCols")?;
    if inputs.len() != outputs.len() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            "inputCols and outputCols differ in length",
        ));
    }
    let handle_invalid = HandleInvalid::parse(meta, "error")?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let labels_array: Vec<Vec<String>> = if table.has_column("labelsArray") {
        table.decode(row, "labelsArray", |d| {
            d.as_list()?.iter().map(|l| l.str_list()).collect()
        })?
    } else {
        vec![table.decode(row, "labels", |d| d.str_list())?]
    };
    if labels_array.len() != inputs.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "{} label arrays for {} input columns",
                    labels_array.len(),
                    inputs.len()
                ),
            )
            .in_file(&table.file));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("handleInvalid".into(), handle_invalid.name().into()),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for ((input, output), labels) in inputs.iter().zip(&outputs).zip(labels_array) {
        // Spark skips a column the DataFrame does not have (since 1.5, SPARK-8051; checked
        // on 2.4.8, 3.5.9 and 4.3.0): the label indexer of a pipeline scored without labels.
        if c.is_absent(input) {
            continue;
        }
        let input = c.input(meta, input, Want::String)?;
        let out = c.output(meta, output, ColumnType::Double, None)?;
        let mut index = StringMap::with_capacity(labels.len());
        for (i, label) in labels.iter().enumerate() {
            // Duplicate labels cannot come from Spark; the first position wins like indexOf.
            index.insert_first(label, i as f64);
        }
        let mut shown = labels.clone();
        if handle_invalid == HandleInvalid::Keep {
            shown.push("__unknown".into());
        }
        c.set_nominal(
            out,
            Nominal {
                num_values: shown.len(),
                labels: Some(shown),
            },
        );
        columns.push(IndexedColumn {
            input,
            output: out,
            index,
            unknown: labels.len() as f64,
        });
    }
    if !columns.is_empty() {
        c.push(Step::StringIndexer(StringIndexerStep {
            columns,
            handle_invalid,
        }));
    }
    Ok(())
}
