//! `org.apache.spark.ml.feature.CountVectorizerModel` (spark-format.md 7.27). Data
//! `vocabulary: array<string>` (one row), the same in writers 2.0–4.x; params `minTF` (1.0)
//! and `binary` (false). Counts in-vocabulary tokens; `minTF >= 1` is an absolute count,
//! otherwise a fraction of the document's token count, OOV tokens included. Output
//! `Vectors.sparse(dict.size, …)`. A NULL array raises.

use rustc_hash::FxHashMap;

use super::hashing_tf::sparse_term_counts;
use super::tokenizer::unary_columns;
use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct CountVectorizerStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    /// Hidden slot whose `vec.indices` holds the row's vocabulary hits before counting.
    pub scratch: SlotIndex,
    pub vocabulary: FxHashMap<String, u32>,
    /// `dict.size`: distinct vocabulary words.
    pub size: usize,
    pub min_tf: f64,
    pub binary: bool,
}

impl CountVectorizerStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        if slot(slots, self.input).null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
        }
        let mut scratch = take_slot_vec(slots, self.scratch);
        let r = produce(slots, self.output, |slots, out| {
            let src = slot(slots, self.input);
            scratch.indices.clear();
            for term in src.tokens.iter() {
                if let Some(&i) = self.vocabulary.get(term) {
                    scratch.indices.push(i);
                }
            }
            let token_count = src.tokens.len() as f64;
            let threshold = if self.min_tf >= 1.0 {
                self.min_tf
            } else {
                token_count * self.min_tf
            };
            sparse_term_counts(
                &mut scratch.indices,
                self.size,
                threshold,
                self.binary,
                &mut out.vec,
            );
            // Only a vocabulary with duplicate words has indices past `dict.size`; Spark's
            // `Vectors.sparse` then throws for rows that hit them.
            if out
                .vec
                .indices
                .last()
                .is_some_and(|&i| i as usize >= self.size)
            {
                return Err(Fault::new(ScoreErrorKind::InvalidValue, self.input));
            }
            out.null = false;
            Ok(Flow::Continue)
        });
        put_slot_vec(slots, self.scratch, scratch);
        r
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (input, output) = unary_columns(meta)?;
    let min_tf = meta.f64_or("minTF", 1.0)?;
    // NaN fails too, as Spark's `gtEq(0)` validator does.
    if min_tf.is_nan() || min_tf < 0.0 {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("param `minTF` is {min_tf}, below 0"),
        ));
    }
    let binary = meta.bool_or("binary", false)?;
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let words = table.decode(row, "vocabulary", |d| {
        let list = d.as_list()?;
        crate::spark::limits::check(
            "vocabulary size",
            list.len() as u64,
            c.limits().max_vector_width,
        )?;
        list.iter()
            .map(|w| w.as_str().map(str::to_string))
            .collect::<Result<Vec<_>, _>>()
    })?;
    // `vocabulary.zipWithIndex.toMap`: a repeated word keeps its last index.
    let mut vocabulary = FxHashMap::default();
    vocabulary.reserve(words.len());
    for (i, w) in words.into_iter().enumerate() {
        let i = u32::try_from(i)
            .map_err(|_| meta.error(LoadErrorKind::BadData, "vocabulary too large"))?;
        vocabulary.insert(w, i);
    }
    let size = vocabulary.len();
    c.begin_stage(
        meta,
        vec![
            ("inputCol".into(), input.clone()),
            ("outputCol".into(), output.clone()),
            ("vocabularySize".into(), size.to_string()),
            ("minTF".into(), min_tf.to_string()),
            ("binary".into(), binary.to_string()),
        ],
    )?;
    let input = c.input(meta, &input, Want::StringArray)?;
    let output = c.output(meta, &output, ColumnType::Vector, Some(size))?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::CountVectorizer(CountVectorizerStep {
        input,
        output,
        scratch,
        vocabulary,
        size,
        min_tf,
        binary,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::VecBuf;

    fn count(vocab: &[&str], min_tf: f64, binary: bool, tokens: &[&str]) -> VecBuf {
        let vocabulary: FxHashMap<String, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), i as u32))
            .collect();
        let size = vocabulary.len();
        let step = CountVectorizerStep {
            input: 0,
            output: 1,
            scratch: 2,
            vocabulary,
            size,
            min_tf,
            binary,
        };
        let mut slots = vec![Slot::default(), Slot::default(), Slot::default()];
        slots[0].null = false;
        for t in tokens {
            slots[0].tokens.push(t);
        }
        step.run(&mut slots).unwrap();
        slots[1].vec.clone()
    }

    #[test]
    fn counts_and_thresholds() {
        let vocab = ["alpha", "beta", "gamma"];
        let v = count(&vocab, 1.0, false, &["beta", "alpha", "beta", "oov"]);
        assert_eq!(
            (v.size, v.indices, v.values),
            (3, vec![0, 1], vec![1.0, 2.0])
        );
        let v = count(&vocab, 2.0, false, &["beta", "alpha", "beta"]);
        assert_eq!((v.indices, v.values), (vec![1], vec![2.0]));
        // Fraction of all tokens, OOV included: 0.3 * 7 = 2.1 keeps only counts >= 3.
        let v = count(
            &vocab,
            0.3,
            false,
            &["alpha", "alpha", "alpha", "beta", "oov", "oov", "oov"],
        );
        assert_eq!((v.indices, v.values), (vec![0], vec![3.0]));
        let v = count(&vocab, 1.0, true, &["gamma", "gamma"]);
        assert_eq!((v.indices, v.values), (vec![2], vec![1.0]));
        let v = count(&vocab, 1.0, false, &[]);
        assert!(v.sparse && v.indices.is_empty());
    }
}
