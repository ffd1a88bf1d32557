//! `org.apache.spark.ml.feature.ImputerModel` (spark-format.md 7.14), writers 2.2+. Columns:
//! `inputCols`/`outputCols`, or (3.0+) `inputCol`/`outputCol`, which wins when set. Data: one
//! row whose double columns are named after the input columns (the surrogates).
//!
//! Per column: `when(x IS NULL, surrogate).when(x === missingValue, surrogate).otherwise(x)`,
//! cast back to the input column's type. SQL equality holds for NaN = NaN and −0.0 = 0.0,
//! so the default `missingValue = NaN` replaces NaN; with another value NaN passes through.

use crate::error::{LoadError, LoadErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct ImputedColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub surrogate: f64,
    /// The input's type, which the result is cast back to.
    pub ty: ColumnType,
}

#[derive(Debug, Clone)]
pub struct ImputerStep {
    pub columns: Vec<ImputedColumn>,
    pub missing_value: f64,
}

impl ImputerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            produce(slots, col.output, |slots, out| {
                let x = slot(slots, col.input);
                let missing = x.null || sql_equal(x.num, self.missing_value);
                let value = if missing { col.surrogate } else { x.num };
                out.set_num(cast_to(value, col.ty));
            });
        }
        Ok(Flow::Continue)
    }
}

/// Spark SQL `===` on doubles: NaN equals NaN, and −0.0 equals 0.0.
fn sql_equal(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// `CAST(double AS type)`: float rounds to nearest; int truncates toward zero (the Rust cast
/// is Java's d2i: NaN → 0, saturating, as non-ANSI Spark does; surrogates of int columns are
/// always in range, so ANSI overflow errors cannot arise).
fn cast_to(value: f64, ty: ColumnType) -> f64 {
    match ty {
        ColumnType::Float => f64::from(value as f32),
        ColumnType::Int => f64::from(value as i32),
        _ => value,
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
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
    let missing_value = meta.f64_or("missingValue", f64::NAN)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let mut surrogates = Vec::with_capacity(inputs.len());
    for name in &inputs {
        let surrogate = table.decode(row, name, |d| d.as_f64())?;
        surrogates.push(surrogate);
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("missingValue".into(), missing_value.to_string()),
            ("surrogates".into(), format!("{surrogates:?}")),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for ((name, output), surrogate) in inputs.iter().zip(&outputs).zip(surrogates) {
        let input = c.input(meta, name, Want::Numeric)?;
        let ty = c.column(input).map_or(ColumnType::Double, |col| col.ty);
        if ty == ColumnType::Bool {
            return Err(meta
                .error(
                    LoadErrorKind::Schema,
                    "Imputer needs a numeric column, not boolean",
                )
                .in_column(name));
        }
        let output = c.output(meta, output, ty, None)?;
        columns.push(ImputedColumn {
            input,
            output,
            surrogate,
            ty,
        });
    }
    c.push(Step::Imputer(ImputerStep {
        columns,
        missing_value,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impute(step: &ImputerStep, x: Option<f64>) -> f64 {
        let mut slots = vec![Slot::default(), Slot::default()];
        match x {
            Some(v) => slots[0].set_num(v),
            None => slots[0].set_null(),
        }
        step.run(&mut slots).unwrap();
        slots[1].num
    }

    fn step(missing_value: f64, ty: ColumnType) -> ImputerStep {
        ImputerStep {
            columns: vec![ImputedColumn {
                input: 0,
                output: 1,
                surrogate: 2.75,
                ty,
            }],
            missing_value,
        }
    }

    #[test]
    fn nan_default_missing_value() {
        let s = step(f64::NAN, ColumnType::Double);
        assert_eq!(impute(&s, None), 2.75);
        assert_eq!(impute(&s, Some(f64::NAN)), 2.75);
        assert_eq!(impute(&s, Some(f64::INFINITY)), f64::INFINITY);
    }

    #[test]
    fn custom_missing_value_lets_nan_through() {
        let s = step(-1.0, ColumnType::Double);
        assert_eq!(impute(&s, Some(-1.0)), 2.75);
        assert!(impute(&s, Some(f64::NAN)).is_nan());
        assert_eq!(impute(&s, Some(-1.0000000000000002)), -1.0000000000000002);
        let zero = step(0.0, ColumnType::Double);
        assert_eq!(impute(&zero, Some(-0.0)), 2.75);
    }

    #[test]
    fn casts_back_to_input_type() {
        assert_eq!(impute(&step(f64::NAN, ColumnType::Int), None), 2.0);
        assert_eq!(impute(&step(f64::NAN, ColumnType::Int), Some(-7.0)), -7.0);
        assert_eq!(cast_to(-2.75, ColumnType::Int), -2.0);
        assert_eq!(cast_to(0.1, ColumnType::Float), f64::from(0.1f32));
    }
}
