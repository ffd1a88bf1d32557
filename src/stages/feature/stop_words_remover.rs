//! `org.apache.spark.ml.feature.StopWordsRemover` (spark-format.md 7.24): metadata only.
//! Writers 2.0–2.3 put every param (defaults included) in `paramMap`; 2.4+ add `locale` and
//! `defaultParamMap` (where the default English list lives); 3.0+ add `inputCols`/`outputCols`.
//! Case-sensitive: drop tokens in the set. Otherwise Spark lower-cases both the stop words and
//! each token with `toLowerCase(new Locale(locale))` and compares. A NULL array raises.

use rustc_hash::FxHashSet;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::java_text::{java_lowercase, LowerRules};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::Metadata;

/// `StopWordsRemover.loadDefaultStopWords("english")`, copied from the `defaultParamMap` of
/// models written by Spark 2.4.4–3.5.x (181 words), for files that carry no list.
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
    "i'll",
    "you'll",
    "he'll",
    "she'll",
    "we'll",
    "they'll",
    "i'd",
    "you'd",
    "he'd",
    "she'd",
    "we'd",
    "they'd",
    "i'm",
    "you're",
    "he's",
    "she's",
    "it's",
    "we're",
    "they're",
    "i've",
    "we've",
    "you've",
    "they've",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "haven't",
    "hasn't",
    "hadn't",
    "don't",
    "doesn't",
    "didn't",
    "won't",
    "wouldn't",
    "shan't",
    "shouldn't",
    "mustn't",
    "can't",
    "couldn't",
    "cannot",
    "could",
    "here's",
    "how's",
    "let's",
    "ought",
    "that's",
    "there's",
    "what's",
    "when's",
    "where's",
    "who's",
    "why's",
    "would",
];

#[derive(Debug, Clone, Copy)]
pub struct StopWordsColumn {
    pub input: SlotIndex,
    pub output: SlotIndex,
}

#[derive(Debug, Clone)]
pub struct StopWordsRemoverStep {
    pub columns: Vec<StopWordsColumn>,
    /// The stop words, already lower-cased when matching is case-insensitive.
    pub words: FxHashSet<String>,
    pub case_sensitive: bool,
    pub rules: LowerRules,
}

impl StopWordsRemoverStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        for col in &self.columns {
            produce(slots, col.output, |slots, out| {
                let src = slot(slots, col.input);
                if src.null {
                    return Err(Fault::new(ScoreErrorKind::NullValue, col.input));
                }
                // The output slot's `text` is scratch for each lower-cased token.
                let Slot {
                    text, tokens, null, ..
                } = out;
                tokens.clear();
                for token in src.tokens.iter() {
                    let stop = if self.case_sensitive {
                        self.words.contains(token)
                    } else {
                        text.clear();
                        java_lowercase(token, self.rules, text);
                        self.words.contains(text.as_str())
                    };
                    if !stop {
                        tokens.push(token);
                    }
                }
                *null = false;
                Ok(Flow::Continue)
            })?;
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    // Spark: the single form when `inputCol` is set, else `inputCols`/`outputCols` (3.0+);
    // `checkSingleVsMultiColumnParams` makes every transform fail when both are set.
    if meta.is_set("inputCol") && meta.is_set("inputCols") {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            "both `inputCol` and `inputCols` are set, which Spark refuses to transform",
        ));
    }
    let (inputs, outputs) = if meta.is_set("inputCol") || !meta.is_set("inputCols") {
        let input = meta.required_str("inputCol")?;
        (
            vec![input],
            vec![meta.str_or("outputCol", &format!("{}__output", meta.uid))?],
        )
    } else {
        (
            meta.opt_str_array("inputCols")?.unwrap_or_default(),
            meta.opt_str_array("outputCols")?.unwrap_or_default(),
        )
    };
    if inputs.len() != outputs.len() || inputs.is_empty() {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!(
                "{} input columns but {} output columns",
                inputs.len(),
                outputs.len()
            ),
        ));
    }
    let case_sensitive = meta.bool_or("caseSensitive", false)?;
    // Writers before 2.4 have no `locale`; their JVM default is assumed not to be tr/az/lt.
    let locale = meta.opt_str("locale")?;
    let rules = locale
        .as_deref()
        .map_or(LowerRules::Root, LowerRules::for_spark_locale);
    let list = meta.opt_str_array("stopWords")?;
    // The list came from the metadata JSON, whose size `max_metadata_bytes` already bounds.
    let list_len = list.as_ref().map_or(ENGLISH_STOP_WORDS.len(), Vec::len);
    let mut words = FxHashSet::default();
    let mut add = |w: &str| {
        if case_sensitive {
            words.insert(w.to_string());
        } else {
            let mut lowered = String::with_capacity(w.len());
            java_lowercase(w, rules, &mut lowered);
            words.insert(lowered);
        }
    };
    match &list {
        Some(list) => list.iter().for_each(|w| add(w)),
        None => ENGLISH_STOP_WORDS.iter().for_each(|w| add(w)),
    }
    c.begin_stage(
        meta,
        vec![
            ("inputCols".into(), inputs.join(",")),
            ("outputCols".into(), outputs.join(",")),
            ("caseSensitive".into(), case_sensitive.to_string()),
            ("locale".into(), locale.unwrap_or_default()),
            (
                "stopWords".into(),
                format!(
                    "{} words{}",
                    list_len,
                    if list.is_none() {
                        " (default English)"
                    } else {
                        ""
                    }
                ),
            ),
        ],
    )?;
    let mut columns = Vec::with_capacity(inputs.len());
    for (input, output) in inputs.iter().zip(&outputs) {
        let input = c.input(meta, input, Want::StringArray)?;
        let output = c.output(meta, output, ColumnType::StringArray, None)?;
        columns.push(StopWordsColumn { input, output });
    }
    c.push(Step::StopWordsRemover(StopWordsRemoverStep {
        columns,
        words,
        case_sensitive,
        rules,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remove(
        words: &[&str],
        case_sensitive: bool,
        rules: LowerRules,
        tokens: &[&str],
    ) -> Vec<String> {
        let words = words
            .iter()
            .map(|w| {
                let mut s = String::new();
                if case_sensitive {
                    s.push_str(w);
                } else {
                    java_lowercase(w, rules, &mut s);
                }
                s
            })
            .collect();
        let step = StopWordsRemoverStep {
            columns: vec![StopWordsColumn {
                input: 0,
                output: 1,
            }],
            words,
            case_sensitive,
            rules,
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
    fn default_list_is_case_insensitive() {
        let out = remove(
            ENGLISH_STOP_WORDS,
            false,
            LowerRules::Root,
            &["a", "an", "THE", "I", "i", "the", "quick", "Don't"],
        );
        assert_eq!(out, vec!["quick"]);
        assert_eq!(ENGLISH_STOP_WORDS.len(), 181);
    }

    #[test]
    fn case_sensitive_list() {
        let out = remove(
            &["The", "X", "über"],
            true,
            LowerRules::Root,
            &["x", "X", "über", "Über", "The", "the", ""],
        );
        assert_eq!(out, vec!["x", "Über", "the", ""]);
    }

    #[test]
    fn turkish_locale_lowercases_dotted_i() {
        // With locale "tr", "I" lower-cases to dotless "ı", so "IN" does not match "in".
        assert_eq!(
            remove(&["in"], false, LowerRules::Turkic, &["IN", "in"]),
            vec!["IN"]
        );
        assert!(remove(&["in"], false, LowerRules::Root, &["IN", "in"]).is_empty());
    }
}
