//! `org.apache.spark.ml.feature.RegexTokenizer` (spark-format.md 7.23): metadata only, the
//! same params from writers 2.0 to 4.x (`pattern` `\s+`, `gaps` true, `minTokenLength` 1,
//! `toLowercase` true; 2.0–2.3 files carry all of them in `paramMap`). Optional lower-casing,
//! then Java `Pattern.split` (gaps) or every `find()` match, then tokens shorter than
//! `minTokenLength` UTF-16 units are dropped. The Java pattern is translated and compiled at
//! load (`java_regex`); one that cannot be fails the load naming `pattern`. NULL text raises.

use super::java_regex::JavaRegex;
use super::tokenizer::{string_input, unary_columns};
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::java_text::{java_lowercase, utf16_len, LowerRules};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct RegexTokenizerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub regex: JavaRegex,
    pub gaps: bool,
    pub min_length: usize,
    pub lowercase: bool,
}

impl RegexTokenizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            if src.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            // The output slot's `text` holds the lower-cased input when lower-casing.
            let Slot {
                text, tokens, null, ..
            } = out;
            let s: &str = if self.lowercase {
                text.clear();
                java_lowercase(&src.text, LowerRules::Root, text);
                text
            } else {
                &src.text
            };
            tokens.clear();
            let min = self.min_length;
            let keep = |t: &str| min == 0 || utf16_len(t) >= min;
            let r = if self.gaps {
                self.regex.split(s, |t| {
                    if keep(t) {
                        tokens.push(t)
                    }
                })
            } else {
                self.regex.find_all(s, |t| {
                    if keep(t) {
                        tokens.push(t)
                    }
                })
            };
            // Only fancy-regex's backtracking limit stops a match; Java would have finished.
            r.map_err(|_| Fault::new(ScoreErrorKind::InvalidValue, self.input))?;
            *null = false;
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    let pattern = meta.str_or("pattern", "\\s+")?;
    let gaps = meta.bool_or("gaps", true)?;
    let lowercase = meta.bool_or("toLowercase", true)?;
    let min_length = meta.i64_or("minTokenLength", 1)?;
    let min_length = usize::try_from(min_length).map_err(|_| {
        meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `minTokenLength` is {min_length}, below 0"),
        )
    })?;
    let regex = JavaRegex::compile(&pattern)
        .map_err(|e| meta.error(LoadErrorKind::BadMetadata, format!("param `pattern`: {e}")))?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
            ("pattern".into(), pattern),
            ("gaps".into(), gaps.to_string()),
            ("minTokenLength".into(), min_length.to_string()),
            ("toLowercase".into(), lowercase.to_string()),
        ],
    )?;
    let input = string_input(c, meta, &input)?;
    let output = c.output(meta, &output, ColumnType::StringArray, None)?;
    c.push(Step::RegexTokenizer(RegexTokenizerStep {
        input,
        output,
        regex,
        gaps,
        min_length,
        lowercase,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        pattern: &str,
        gaps: bool,
        min_length: usize,
        lowercase: bool,
        text: &str,
    ) -> Vec<String> {
        let regex = JavaRegex::compile(pattern).unwrap();
        let step = RegexTokenizerStep {
            input: 0,
            output: 1,
            regex,
            gaps,
            min_length,
            lowercase,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        slots[0].text = text.to_string();
        step.run(&mut slots).unwrap();
        slots[1].tokens.iter().map(str::to_string).collect()
    }

    #[test]
    fn default_params_split_on_whitespace_runs() {
        assert_eq!(
            run(r"\s+", true, 1, true, "  Hello  World\tFoo "),
            vec!["hello", "world", "foo"]
        );
        // The leading empty piece is dropped by minTokenLength 1, kept by 0.
        assert_eq!(run(r"\s+", true, 0, true, " a"), vec!["", "a"]);
        assert!(run(r"\s+", true, 1, true, "").is_empty());
        assert_eq!(run(r"\s+", true, 0, true, ""), vec![""]);
    }

    #[test]
    fn min_length_counts_utf16_units() {
        assert_eq!(run(r"\s+", true, 2, false, "🙂 é ab c"), vec!["🙂", "ab"]);
        assert_eq!(
            run("[A-Za-z]+", false, 3, false, "Ünïcödé Wörds ÀND MiXeD"),
            vec!["rds", "MiXeD"]
        );
        assert_eq!(
            run(r"[,;]\s*", true, 2, false, "a,b,,c;dd; ee"),
            vec!["dd", "ee"]
        );
    }
}
