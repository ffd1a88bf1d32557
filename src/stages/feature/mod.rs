//! Spark's `org.apache.spark.ml.feature` transformers and models.

pub mod cast;
pub mod dct;
pub mod elementwise_product;
pub mod feature_hasher;
pub mod pca;
pub mod polynomial_expansion;
pub mod string_indexer;
pub mod vector_assembler;
pub mod vector_indexer;
pub mod vector_slicer;
pub mod word2vec;
// Text stages.
pub mod count_vectorizer;
pub mod hashing_tf;
pub mod idf;
pub mod java_regex;
pub mod ngram;
pub mod regex_tokenizer;
pub mod stop_words_remover;
pub mod tokenizer;

pub mod binarizer;
pub mod bucketizer;
pub mod imputer;
pub mod index_to_string;
pub mod max_abs_scaler;
pub mod min_max_scaler;
pub mod normalizer;
pub mod one_hot_encoder;
pub mod robust_scaler;
pub mod sql;
pub mod standard_scaler;
pub mod vector_size_hint;
// RFormula, Interaction, TargetEncoder, LSH.
pub mod interaction;
pub mod lsh;
pub mod rformula;
pub mod target_encoder;

/// Spark's `handleInvalid` values, shared by many feature stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleInvalid {
    Error,
    Skip,
    Keep,
}

impl HandleInvalid {
    pub fn parse(
        meta: &crate::spark::Metadata,
        default: &str,
    ) -> Result<Self, crate::error::LoadError> {
        match meta.str_or("handleInvalid", default)?.as_str() {
            "error" => Ok(HandleInvalid::Error),
            "skip" => Ok(HandleInvalid::Skip),
            "keep" => Ok(HandleInvalid::Keep),
            other => Err(meta.error(
                crate::error::LoadErrorKind::BadMetadata,
                format!("handleInvalid `{other}` is not error, skip or keep"),
            )),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            HandleInvalid::Error => "error",
            HandleInvalid::Skip => "skip",
            HandleInvalid::Keep => "keep",
        }
    }
}
