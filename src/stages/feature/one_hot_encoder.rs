//! One-hot encoding (spark-format.md 7.3, 7.4):
//! - `org.apache.spark.ml.feature.OneHotEncoderModel`, fitted by `OneHotEncoderEstimator`
//!   (writers 2.3–2.4, `inputCols`/`outputCols` only) and by `OneHotEncoder` (3.0+, also
//!   `inputCol`/`outputCol`). Data: `categorySizes: array<int>`.
//! - `org.apache.spark.ml.feature.OneHotEncoder`, the stateless 2.0–2.4 transformer (no data
//!   directory). Its vector size comes from the input column's nominal attribute, which Spark
//!   propagates at transform time; without one Spark scans the data, which a row scorer cannot
//!   do, so loading fails. Written by 3.0+ the class is the estimator, not a model.
//!
//! Both UDFs take a primitive `Double`, so a NULL input yields a NULL vector (section 4.4).
//! Output vectors are always sparse.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{
    ColumnType, Compiler, Fault, Flow, NameRun, Nominal, Slot, SlotIndex, Step, StepResult, Want,
};
use crate::spark::{limits, parquet, Metadata};

#[derive(Debug, Clone)]
pub struct EncodedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// Categories seen at fit (`categorySizes`): valid labels are `0 <= label < categories`.
    pub categories: f64,
    /// Output vector size after `dropLast` / `handleInvalid = keep` (`getConfigedCategorySizes`).
    pub size: usize,
}

impl EncodedColumn {
    /// Whether `label` is a category seen at fit; NaN fails `label >= 0`, so it is invalid
    /// like an unseen value.
    #[inline]
    pub fn is_valid(&self, label: f64) -> bool {
        label >= 0.0 && label < self.categories
    }

    /// The slot index `index` sets, `None` past the vector (the dropped last category).
    /// `idx.toInt`: truncation toward zero (1.5 → slot 1); `index >= 0` here.
    #[inline]
    pub fn slot(&self, index: f64) -> Option<u32> {
        (index < self.size as f64).then_some(index as u32)
    }
}

/// `OneHotEncoderModel.transform`.
#[derive(Debug, Clone)]
pub struct OneHotEncoderStep {
    pub columns: Vec<EncodedColumn>,
    /// `handleInvalid = keep`: invalid labels (NaN, negative, too large) map to slot
    /// `categories`, which is only inside the vector when `dropLast` is false.
    pub keep_invalid: bool,
}

impl OneHotEncoderStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            produce(slots, col.output, |slots, out| {
                let src = slot(slots, col.input);
                if src.null {
                    out.set_null();
                    return Ok(());
                }
                let label = src.num;
                let index = if col.is_valid(label) {
                    label
                } else if self.keep_invalid {
                    col.categories
                } else {
                    let kind = if label < 0.0 {
                        ScoreErrorKind::InvalidValue
                    } else {
                        ScoreErrorKind::UnseenCategory
                    };
                    return Err(Fault::new(kind, col.input));
                };
                out.null = false;
                out.vec.reset_sparse(col.size);
                if let Some(i) = col.slot(index) {
                    out.vec.indices.push(i);
                    out.vec.values.push(1.0);
                }
                Ok(())
            })?;
        }
        Ok(Flow::Continue)
    }
}

/// The 2.x `OneHotEncoder` transformer.
#[derive(Debug, Clone)]
pub struct LegacyOneHotEncoderStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// Number of categories minus one with `dropLast`.
    pub size: usize,
}

impl LegacyOneHotEncoderStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            if src.null {
                out.set_null();
                return Ok(Flow::Continue);
            }
            match legacy_index(src.num, self.size) {
                Ok(index) => {
                    out.null = false;
                    out.vec.reset_sparse(self.size);
                    if let Some(i) = index {
                        out.vec.indices.push(i);
                        out.vec.values.push(1.0);
                    }
                    Ok(Flow::Continue)
                }
                Err(kind) => Err(Fault::new(kind, self.input)),
            }
        })
    }
}

/// 2.x: `if (label < size) Vectors.sparse(size, Array(label.toInt), one) else empty`. The
/// dropped last category, larger labels, +∞ and NaN give the empty vector; a label that
/// truncates to a negative index makes `SparseVector`'s validation throw.
fn legacy_index(label: f64, size: usize) -> Result<Option<u32>, ScoreErrorKind> {
    // NaN fails the comparison too.
    let below = label < size as f64;
    if !below {
        return Ok(None);
    }
    // Java `(int) label`: truncation, saturating at Int.MinValue for -∞.
    let index = label as i32;
    match u32::try_from(index) {
        Ok(i) if (i as usize) < size => Ok(Some(i)),
        _ => Err(ScoreErrorKind::InvalidValue),
    }
}

/// Vector size Spark derives from the input's nominal attribute
/// (`OneHotEncoderCommon.transformOutputColumnSchema`).
fn size_from_attribute(values: usize, drop_last: bool, keep_invalid: bool) -> Option<usize> {
    match (drop_last, keep_invalid) {
        // Spark requires at least two values before dropping one.
        (true, false) => values.checked_sub(1).filter(|s| *s >= 1),
        (false, true) => values.checked_add(1),
        _ => Some(values),
    }
}

pub fn lower_model(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    // `getInOutCols`: the single-column form wins when it is set (3.0+).
    let (inputs, outputs) = if meta.is_set("inputCol") {
        let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
        (vec![meta.required_str("inputCol")?], vec![output])
    } else {
        let inputs = meta.opt_str_array("inputCols")?.ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadMetadata,
                "neither `inputCol` nor `inputCols` is set",
            )
        })?;
        let outputs = meta
            .opt_str_array("outputCols")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "`outputCols` is not set"))?;
        (inputs, outputs)
    };
    if inputs.len() != outputs.len() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!(
                "{} input columns but {} output columns",
                inputs.len(),
                outputs.len()
            ),
        ));
    }
    let drop_last = meta.bool_or("dropLast", true)?;
    let keep_invalid = match meta.str_or("handleInvalid", "error")?.as_str() {
        "error" => false,
        "keep" => true,
        other => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                format!("handleInvalid `{other}` is not error or keep"),
            ))
        }
    };
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let category_sizes = table.decode(row, "categorySizes", |d| d.i64_list())?;
    if category_sizes.len() != inputs.len() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "{} category sizes for {} input columns",
                    category_sizes.len(),
                    inputs.len()
                ),
            )
            .in_file(&table.file)
            .in_column("categorySizes"));
    }
    let max_width = c.limits().max_vector_width;
    let mut sizes = Vec::with_capacity(inputs.len());
    for (&n, name) in category_sizes.iter().zip(&inputs) {
        let bad = |msg: String| {
            meta.error(LoadErrorKind::BadData, msg)
                .in_file(&table.file)
                .in_column("categorySizes")
        };
        let n = u64::try_from(n)
            .map_err(|_| bad(format!("negative category size {n} for `{name}`")))?;
        // +1 for the keep slot.
        limits::check("category size", n.saturating_add(1), max_width)
            .map_err(|e| e.in_file(&table.file))?;
        let n = n as usize;
        // `getConfigedCategorySizes`.
        let size = match (keep_invalid, drop_last) {
            (true, false) => n + 1,
            (false, true) => n
                .checked_sub(1)
                .ok_or_else(|| bad(format!("column `{name}` has no category to drop")))?,
            _ => n,
        };
        sizes.push((n, size));
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("dropLast".into(), drop_last.to_string()),
            (
                "handleInvalid".into(),
                if keep_invalid { "keep" } else { "error" }.into(),
            ),
            ("categorySizes".into(), format!("{category_sizes:?}")),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for ((name, output), (categories, size)) in inputs.iter().zip(&outputs).zip(sizes) {
        let input = c.input(meta, name, Want::Numeric)?;
        // `verifyNumOfValues`: an input attribute must agree with the fitted size.
        if let Some(nominal) = c.column(input).and_then(|col| col.nominal.as_ref()) {
            let expected = size_from_attribute(nominal.num_values, drop_last, keep_invalid);
            if expected != Some(size) {
                return Err(meta
                    .error(
                        LoadErrorKind::Schema,
                        format!(
                            "the model expects {size} categorical values but the input column's \
                             metadata gives {} values",
                            nominal.num_values
                        ),
                    )
                    .in_column(name));
            }
        }
        let output = c.output(meta, output, ColumnType::Vector, Some(size))?;
        if let Some(names) = slot_names(
            c.column(input).and_then(|col| col.nominal.as_ref()),
            drop_last,
            keep_invalid,
            size,
        ) {
            c.set_slot_names(output, vec![NameRun::listed(names)]);
        }
        columns.push(EncodedColumn {
            input,
            output,
            categories: categories as f64,
            size,
        });
    }
    c.push(Step::OneHotEncoder(OneHotEncoderStep {
        columns,
        keep_invalid,
    }));
    Ok(())
}

/// The attribute names Spark gives the output slots (`OneHotEncoderCommon`): the input's
/// nominal labels (or `0..n` without labels), `invalidValues` appended under keep, then the
/// last dropped under dropLast. `None` without a nominal input (Spark names nothing then).
fn slot_names(
    nominal: Option<&Nominal>,
    drop_last: bool,
    keep_invalid: bool,
    size: usize,
) -> Option<Vec<String>> {
    let nominal = nominal?;
    let mut names: Vec<String> = match &nominal.labels {
        Some(labels) => labels.clone(),
        None => (0..nominal.num_values).map(|i| i.to_string()).collect(),
    };
    if keep_invalid {
        names.push("invalidValues".into());
    }
    if drop_last {
        names.pop();
    }
    (names.len() == size).then_some(names)
}

pub fn lower_transformer(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    if meta.spark_version.is_some_and(|v| v.at_least(3, 0)) {
        return Err(meta.error(
            LoadErrorKind::NotAModel,
            "OneHotEncoder written by Spark 3.0+ is an estimator, not a fitted model: save the \
             OneHotEncoderModel that fit() returns",
        ));
    }
    if c.semantics().at_least(3, 0) {
        // Spark 3.0 removed this transformer: its PipelineModel reader refuses the stage
        // ("… was not a Transformer"), so no 3.x score exists to reproduce.
        return Err(meta.error(
            LoadErrorKind::UnsupportedStage,
            "Spark 3.0+ cannot load the 2.x OneHotEncoder transformer (removed in 3.0), so \
             this model has no score under the requested semantics; score it with the \
             writer's (2.x) semantics",
        ));
    }
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let drop_last = meta.bool_or("dropLast", true)?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            ("dropLast".into(), drop_last.to_string()),
        ],
    )?;
    let input = c.input(meta, &name, Want::Numeric)?;
    let values = c
        .column(input)
        .and_then(|col| col.nominal.as_ref())
        .map(|n| n.num_values)
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::Schema,
                "the 2.x OneHotEncoder takes its size from the input column's categorical \
                 metadata, and no earlier stage (StringIndexer, Bucketizer, …) produces it; Spark \
                 would scan the scored data for the largest index, which mlscore cannot do",
            )
            .in_column(&name)
        })?;
    let size = if drop_last {
        values.checked_sub(1).filter(|s| *s >= 1).ok_or_else(|| {
            meta.error(
                LoadErrorKind::Schema,
                "the input column should have at least two distinct values",
            )
            .in_column(&name)
        })?
    } else {
        values
    };
    let output = c.output(meta, &output, ColumnType::Vector, Some(size))?;
    c.push(Step::LegacyOneHotEncoder(LegacyOneHotEncoderStep {
        input,
        output,
        size,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(step: &OneHotEncoderStep, label: Option<f64>) -> Result<Slot, Fault> {
        let mut slots = vec![Slot::default(), Slot::default()];
        match label {
            Some(v) => slots[0].set_num(v),
            None => slots[0].set_null(),
        }
        step.run(&mut slots)?;
        Ok(slots.swap_remove(1))
    }

    fn step(categories: usize, size: usize, keep_invalid: bool) -> OneHotEncoderStep {
        OneHotEncoderStep {
            columns: vec![EncodedColumn {
                input: 0,
                output: 1,
                categories: categories as f64,
                size,
            }],
            keep_invalid,
        }
    }

    #[test]
    fn drop_last_error_mode() {
        let s = step(4, 3, false);
        let out = encode(&s, Some(1.5)).unwrap();
        assert!(out.vec.sparse);
        assert_eq!(
            (
                out.vec.size,
                out.vec.indices.as_slice(),
                out.vec.values.as_slice()
            ),
            (3, &[1u32][..], &[1.0][..])
        );
        let last = encode(&s, Some(3.0)).unwrap();
        assert!(last.vec.indices.is_empty() && last.vec.size == 3);
        assert_eq!(
            encode(&s, Some(-1.0)).unwrap_err().kind,
            ScoreErrorKind::InvalidValue
        );
        assert_eq!(
            encode(&s, Some(4.0)).unwrap_err().kind,
            ScoreErrorKind::UnseenCategory
        );
        assert_eq!(
            encode(&s, Some(f64::NAN)).unwrap_err().kind,
            ScoreErrorKind::UnseenCategory
        );
        assert!(encode(&s, None).unwrap().null);
    }

    #[test]
    fn keep_mode_uses_extra_slot() {
        let s = step(4, 5, true);
        for v in [4.0, f64::NAN, -1.0, f64::INFINITY] {
            let out = encode(&s, Some(v)).unwrap();
            assert_eq!(out.vec.indices, vec![4], "{v}");
        }
        // dropLast with keep: the extra slot is the dropped one.
        let s = step(4, 4, true);
        assert!(encode(&s, Some(7.0)).unwrap().vec.indices.is_empty());
    }

    #[test]
    fn legacy_truncates_and_rejects_negative() {
        assert_eq!(legacy_index(2.7, 4), Ok(Some(2)));
        assert_eq!(legacy_index(-0.5, 4), Ok(Some(0)));
        assert_eq!(legacy_index(4.0, 4), Ok(None));
        assert_eq!(legacy_index(f64::NAN, 4), Ok(None));
        assert_eq!(legacy_index(-1.0, 4), Err(ScoreErrorKind::InvalidValue));
        assert_eq!(
            legacy_index(f64::NEG_INFINITY, 4),
            Err(ScoreErrorKind::InvalidValue)
        );
    }

    #[test]
    fn attribute_sizes() {
        assert_eq!(size_from_attribute(5, true, false), Some(4));
        assert_eq!(size_from_attribute(1, true, false), None);
        assert_eq!(size_from_attribute(5, false, true), Some(6));
        assert_eq!(size_from_attribute(5, true, true), Some(5));
    }
}
