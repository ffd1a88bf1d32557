//! `org.apache.spark.ml.feature.TargetEncoderModel` (Spark 4.0+, spark-format.md 7.32).
//! Data: one row per input column, `index, categories, counts, stats`; the category
//! `2147483647.0` (Int.MaxValue) holds the global count and statistic, `-1.0` the rows whose
//! category was NULL at fit.
//!
//! Encodings are computed at load exactly as `transform` does (same operation order): with
//! `w = count / (count + smoothing)`, binary `w * (stat / count) + (1 - w) * (S / N)`,
//! continuous `w * stat + (1 - w) * S`, where (N, S) is the global entry's. Scoring is Spark's
//! CASE expression: NULL → the NULL category's encoding if fitted, else the global one (keep) or
//! an error; a value equal (SQL `=`, so -0.0 = 0.0) to a fitted category → its encoding; any
//! other value, including -1 and Int.MaxValue themselves and NaN → global (keep) or error.

use super::HandleInvalid;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, Nominal, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::{parquet, Metadata};

/// `TargetEncoder.UNSEEN_CATEGORY`: the global statistics.
const UNSEEN_CATEGORY: f64 = 2_147_483_647.0;
/// `TargetEncoder.NULL_CATEGORY`.
const NULL_CATEGORY: f64 = -1.0;

#[derive(Debug, Clone)]
pub struct EncodedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// Fitted categories (NULL and global entries excluded), ascending, with their encodings.
    pub categories: Vec<(f64, f64)>,
    /// Encoding of a NULL input, if the NULL category was fitted.
    pub null_encoding: Option<f64>,
    pub global_encoding: f64,
}

#[derive(Debug, Clone)]
pub struct TargetEncoderStep {
    pub columns: Vec<EncodedColumn>,
    pub keep_invalid: bool,
}

impl TargetEncoderStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            let src = slot(slots, col.input);
            let found = if src.null {
                col.null_encoding
            } else {
                let x = src.num;
                col.categories
                    .binary_search_by(|(c, _)| c.total_cmp(&(x + 0.0)))
                    .ok()
                    .and_then(|k| col.categories.get(k))
                    .map(|&(_, e)| e)
            };
            let value = match found {
                Some(e) => e,
                None if self.keep_invalid => col.global_encoding,
                None => {
                    let kind = if src.null {
                        ScoreErrorKind::NullValue
                    } else {
                        ScoreErrorKind::UnseenCategory
                    };
                    return Err(Fault::new(kind, col.input));
                }
            };
            if let Some(out) = slots.get_mut(col.output) {
                out.set_num(value);
            }
        }
        Ok(Flow::Continue)
    }
}

/// One input column's encodings as read from the data row.
#[derive(Debug, Clone)]
struct Fitted {
    categories: Vec<(f64, f64)>,
    null_encoding: Option<f64>,
    global_encoding: f64,
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let inputs = meta.columns("inputCol", "inputCols")?;
    let outputs = if meta.is_set("outputCol") || meta.is_set("outputCols") {
        meta.columns("outputCol", "outputCols")?
    } else {
        inputs.iter().map(|i| format!("{i}_indexed")).collect()
    };
    if inputs.len() != outputs.len() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            "inputCols and outputCols differ in length",
        ));
    }
    let keep_invalid = match HandleInvalid::parse(meta, "error")? {
        HandleInvalid::Keep => true,
        HandleInvalid::Error => false,
        HandleInvalid::Skip => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                "handleInvalid `skip` is not error or keep",
            ))
        }
    };
    let binary = match meta.str_or("targetType", "binary")?.as_str() {
        "binary" => true,
        "continuous" => false,
        other => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                format!("targetType `{other}` is not binary or continuous"),
            ))
        }
    };
    let smoothing = meta.f64_or("smoothing", 0.0)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let bad = |msg: String| meta.error(LoadErrorKind::BadData, msg).in_file(&table.file);
    if table.rows.len() != inputs.len() {
        return Err(bad(format!(
            "{} encoding rows for {} input columns",
            table.rows.len(),
            inputs.len()
        )));
    }
    let mut per_column: Vec<Option<Fitted>> = vec![None; inputs.len()];
    for row in 0..table.rows.len() {
        let index = table.decode(row, "index", |d| d.as_i64())?;
        let categories = table.decode(row, "categories", |d| d.f64_list())?;
        let counts = table.decode(row, "counts", |d| d.f64_list())?;
        let stats = table.decode(row, "stats", |d| d.f64_list())?;
        if counts.len() != categories.len() || stats.len() != categories.len() {
            return Err(bad(format!(
                "row {row}: categories, counts and stats differ in length"
            )));
        }
        let Some(entry) = usize::try_from(index)
            .ok()
            .and_then(|i| per_column.get_mut(i))
        else {
            return Err(bad(format!("row {row}: column index {index} out of range")));
        };
        let Some(g) = categories.iter().position(|&c| c == UNSEEN_CATEGORY) else {
            return Err(bad(format!("row {row}: no global (2147483647) category")));
        };
        let (global_count, global_stat) = (
            counts.get(g).copied().unwrap_or(0.0),
            stats.get(g).copied().unwrap_or(0.0),
        );
        let encode = |count: f64, stat: f64| {
            let weight = count / (count + smoothing);
            if binary {
                weight * (stat / count) + (1.0 - weight) * (global_stat / global_count)
            } else {
                weight * stat + (1.0 - weight) * global_stat
            }
        };
        let mut fitted = Vec::with_capacity(categories.len());
        let mut null_encoding = None;
        for ((&cat, &count), &stat) in categories.iter().zip(&counts).zip(&stats) {
            let e = encode(count, stat);
            if cat == NULL_CATEGORY {
                null_encoding = Some(e);
            } else if cat != UNSEEN_CATEGORY {
                fitted.push((cat + 0.0, e));
            }
        }
        fitted.sort_by(|a, b| a.0.total_cmp(&b.0));
        fitted.dedup_by(|a, b| a.0 == b.0);
        *entry = Some(Fitted {
            categories: fitted,
            null_encoding,
            global_encoding: encode(global_count, global_stat),
        });
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            (
                "handleInvalid".into(),
                if keep_invalid { "keep" } else { "error" }.into(),
            ),
            (
                "targetType".into(),
                if binary { "binary" } else { "continuous" }.into(),
            ),
            ("smoothing".into(), smoothing.to_string()),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for ((name, output), fit) in inputs.iter().zip(&outputs).zip(per_column) {
        let Some(Fitted {
            categories,
            null_encoding,
            global_encoding,
        }) = fit
        else {
            return Err(bad(format!("no encoding row for column `{name}`")));
        };
        let input = c.input(meta, name, Want::Numeric)?;
        let out = c.output(meta, output, ColumnType::Double, None)?;
        // Spark tags the output nominal with one value per distinct encoding.
        let mut distinct: Vec<f64> = categories.iter().map(|&(_, e)| e).collect();
        distinct.extend(null_encoding);
        distinct.push(global_encoding);
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        c.set_nominal(
            out,
            Nominal {
                num_values: distinct.len(),
                labels: None,
            },
        );
        columns.push(EncodedColumn {
            input,
            output: out,
            categories,
            null_encoding,
            global_encoding,
        });
    }
    c.push(Step::TargetEncoder(TargetEncoderStep {
        columns,
        keep_invalid,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(keep: bool) -> TargetEncoderStep {
        TargetEncoderStep {
            columns: vec![EncodedColumn {
                input: 0,
                output: 1,
                categories: vec![(0.0, 0.25), (2.0, 0.75)],
                null_encoding: None,
                global_encoding: 0.5,
            }],
            keep_invalid: keep,
        }
    }

    #[test]
    fn seen_unseen_and_null() {
        let mut slots = vec![Slot::default(); 2];
        slots[0].set_num(-0.0);
        step(false).run(&mut slots).unwrap();
        assert_eq!(slots[1].num, 0.25);
        slots[0].set_num(3.0);
        assert!(step(false).run(&mut slots).is_err());
        step(true).run(&mut slots).unwrap();
        assert_eq!(slots[1].num, 0.5);
        slots[0].set_null();
        assert!(step(false).run(&mut slots).is_err());
        step(true).run(&mut slots).unwrap();
        assert_eq!(slots[1].num, 0.5);
    }
}
