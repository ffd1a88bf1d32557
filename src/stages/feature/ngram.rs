//! `org.apache.spark.ml.feature.NGram` (spark-format.md 7.25): metadata only, param `n`
//! (default 2) in writers 2.0–4.x. `tokens.iterator.sliding(n).withPartial(false)` joined with
//! single spaces: fewer than n tokens give an empty array; empty tokens take part. A NULL
//! array raises.

use super::tokenizer::unary_columns;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct NGramStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub n: usize,
}

impl NGramStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            if src.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            out.tokens.clear();
            let len = src.tokens.len();
            if len >= self.n {
                for start in 0..=len - self.n {
                    for k in 0..self.n {
                        if k > 0 {
                            out.tokens.push_part(" ");
                        }
                        out.tokens.push_part(src.tokens.get(start + k));
                    }
                    out.tokens.finish_token();
                }
            }
            out.null = false;
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    let n = meta.i64_or("n", 2)?;
    // Spark's validator: n >= 1.
    let n = usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
        meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `n` is {n}, below 1"),
        )
    })?;
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
            ("n".into(), n.to_string()),
        ],
    )?;
    let input = c.input(meta, &input, Want::StringArray)?;
    let output = c.output(meta, &output, ColumnType::StringArray, None)?;
    c.push(Step::NGram(NGramStep { input, output, n }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ngrams(n: usize, tokens: &[&str]) -> Vec<String> {
        let step = NGramStep {
            input: 0,
            output: 1,
            n,
        };
        let mut slots = vec![Slot::default(), Slot::default()];
        slots[0].null = false;
        for t in tokens {
            slots[0].tokens.push(t);
        }
        step.run(&mut slots).unwrap();
        slots[1].tokens.iter().map(str::to_string).collect()
    }

    #[test]
    fn sliding_windows() {
        assert_eq!(ngrams(2, &["a", "b", "c"]), vec!["a b", "b c"]);
        assert_eq!(ngrams(3, &["a", "b"]), Vec::<String>::new());
        assert_eq!(ngrams(2, &["hello", "", "world"]), vec!["hello ", " world"]);
        assert_eq!(ngrams(1, &["x"]), vec!["x"]);
        assert!(ngrams(2, &[]).is_empty());
    }
}
