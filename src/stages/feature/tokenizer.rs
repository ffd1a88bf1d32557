//! `org.apache.spark.ml.feature.Tokenizer` (spark-format.md 7.22): metadata only, the same
//! layout from writers 2.0 to 4.x. `text.toLowerCase().split("\\s")` — Java's split on each
//! single whitespace character, so interior empty tokens stay and trailing ones go; the text
//! without any whitespace (also `""`) is one token. A NULL text raises, as Spark's UDF does.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::java_text::{java_lowercase, split_java_space, LowerRules};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct TokenizerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
}

impl TokenizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            if src.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            // The output slot's `text` holds the lower-cased input; its tokens are slices of it.
            let Slot {
                text, tokens, null, ..
            } = out;
            text.clear();
            // Spark calls the JVM-default-locale `toLowerCase()`; Root equals every default
            // locale except tr/az/lt (spark-format.md 13.8).
            java_lowercase(&src.text, LowerRules::Root, text);
            tokens.clear();
            split_java_space(text, |piece| tokens.push(piece));
            *null = false;
            Ok(Flow::Continue)
        })
    }
}

/// Resolves a string input, refusing columns Spark's `validateInputType` rejects (the
/// tokenizers require `StringType`; no numeric cast as StringIndexer does).
pub(crate) fn string_input(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    name: &str,
) -> Result<SlotIndex, LoadError> {
    let known = c
        .lookup(name)
        .and_then(|s| c.column(s))
        .map(|col| col.ty)
        .or_else(|| c.declared.get(name).map(|d| d.0));
    if let Some(ty) = known {
        if ty != ColumnType::String {
            return Err(meta
                .error(
                    LoadErrorKind::Schema,
                    format!("input type must be string but got {}", ty.spark_name()),
                )
                .in_column(name));
        }
    }
    c.input(meta, name, Want::String)
}

/// Single `inputCol` / `outputCol` of a `UnaryTransformer`; the output defaults to
/// `<uid>__output`.
pub(crate) fn unary_columns(meta: &Metadata) -> Result<(String, String), LoadError> {
    let input = meta.required_str("inputCol")?;
    let output = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    Ok((input, output))
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
        ],
    )?;
    let input = string_input(c, meta, &input)?;
    let output = c.output(meta, &output, ColumnType::StringArray, None)?;
    c.push(Step::Tokenizer(TokenizerStep { input, output }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenize(text: &str) -> Vec<String> {
        let step = TokenizerStep {
            input: 0,
            output: 1,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].text = text.to_string();
        step.run(&mut slots).unwrap();
        slots[1].tokens.iter().map(str::to_string).collect()
    }

    #[test]
    fn splits_like_spark() {
        assert_eq!(
            tokenize("Hello  World\tFoo"),
            vec!["hello", "", "world", "foo"]
        );
        assert_eq!(
            tokenize("  leading spaces"),
            vec!["", "", "leading", "spaces"]
        );
        assert_eq!(tokenize("trailing spaces   "), vec!["trailing", "spaces"]);
        assert_eq!(tokenize(""), vec![""]);
        assert!(tokenize(" ").is_empty());
        assert_eq!(tokenize("ONE"), vec!["one"]);
        assert_eq!(
            tokenize("tab\tseparated\nnew line\r\nwindows"),
            vec!["tab", "separated", "new", "line", "", "windows"]
        );
    }

    #[test]
    fn null_text_raises() {
        let step = TokenizerStep {
            input: 0,
            output: 1,
        };
        let mut slots = vec![
            Slot {
                null: true,
                ..Slot::default()
            },
            Slot::default(),
        ];
        assert_eq!(
            step.run(&mut slots).unwrap_err().kind,
            ScoreErrorKind::NullValue
        );
    }
}
