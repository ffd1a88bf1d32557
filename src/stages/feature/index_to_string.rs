//! `org.apache.spark.ml.feature.IndexToString` (spark-format.md 7.2), metadata only, every
//! writer version. Labels come from the `labels` param; when it is unset or empty Spark reads
//! the input column's nominal attribute values, which an upstream stage (StringIndexer) sets.
//!
//! Up to 4.0 a UDF on a primitive `Double`: NULL gives NULL; the index is Java's `(int) value`
//! (truncation toward zero, NaN → 0, saturating); out of range raises "Unseen index".
//! From 4.1 (SPARK-51963; read from the 4.0.1, 4.1.0 and 4.3.0 jars) SQL expressions:
//! `CAST(x AS INT)` under ANSI (4.x's default) raises for NaN and out-of-int values, and a NULL
//! index falls through to `raise_error("Unseen index: null ??")`.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct IndexToStringStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub labels: Vec<String>,
    /// 4.1+: NULL and NaN raise instead of giving NULL and `labels[0]`.
    pub strict: bool,
}

impl IndexToStringStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            out.text.clear();
            if src.null {
                if self.strict {
                    return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
                }
                out.set_null();
                return Ok(Flow::Continue);
            }
            if self.strict && src.num.is_nan() {
                return Err(Fault::new(ScoreErrorKind::NanValue, self.input));
            }
            match label_at(&self.labels, src.num) {
                Some(label) => {
                    out.text.push_str(label);
                    out.null = false;
                    Ok(Flow::Continue)
                }
                None => Err(Fault::new(ScoreErrorKind::InvalidValue, self.input)),
            }
        })
    }
}

/// `values(index.toInt)` when `0 <= idx < values.length`.
fn label_at(labels: &[String], index: f64) -> Option<&str> {
    // Rust's float → int cast is Java's d2i: truncating, NaN → 0, saturating.
    let idx = usize::try_from(index as i32).ok()?;
    labels.get(idx).map(String::as_str)
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let name = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    let explicit = meta.opt_str_array("labels")?.filter(|l| !l.is_empty());
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), name.clone()),
            ("outputCol".into(), output.clone()),
            (
                "labels".into(),
                explicit
                    .as_ref()
                    .map_or_else(|| "(from input metadata)".into(), |l| l.join(",")),
            ),
        ],
    )?;
    let input = c.input(meta, &name, Want::Numeric)?;
    let labels = match explicit {
        Some(labels) => labels,
        None => c
            .column(input)
            .and_then(|col| col.nominal.as_ref())
            .and_then(|n| n.labels.clone())
            .ok_or_else(|| {
                meta.error(
                    LoadErrorKind::Schema,
                    "`labels` is not set and no earlier stage gives the input column nominal \
                     labels (as StringIndexer does), so Spark could not map indices to strings",
                )
                .in_column(&name)
            })?,
    };
    let output = c.output(meta, &output, ColumnType::String, None)?;
    let strict = c.semantics().at_least(4, 1);
    c.push(Step::IndexToString(IndexToStringStep {
        input,
        output,
        labels,
        strict,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_truncates_like_java() {
        let labels: Vec<String> = ["low", "mid", "high"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(label_at(&labels, 2.9), Some("high"));
        assert_eq!(label_at(&labels, -0.5), Some("low"));
        assert_eq!(label_at(&labels, -0.0), Some("low"));
        assert_eq!(label_at(&labels, f64::NAN), Some("low"));
        assert_eq!(label_at(&labels, 3.0), None);
        assert_eq!(label_at(&labels, -1.0), None);
        assert_eq!(label_at(&labels, 1e300), None);
    }

    #[test]
    fn null_gives_null() {
        let step = IndexToStringStep {
            input: 0,
            output: 1,
            labels: vec!["a".into()],
            strict: false,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].set_null();
        step.run(&mut slots).unwrap();
        assert!(slots[1].null);
        slots[0].set_num(5.0);
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::InvalidValue
        );
    }

    #[test]
    fn strict_from_4_1_raises_on_null_and_nan() {
        let step = IndexToStringStep {
            input: 0,
            output: 1,
            labels: vec!["a".into()],
            strict: true,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].set_null();
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::NullValue
        );
        slots[0].set_num(f64::NAN);
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::NanValue
        );
        slots[0].set_num(0.7);
        step.run(&mut slots).unwrap();
        assert_eq!(slots[1].text, "a");
    }
}
