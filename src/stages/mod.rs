//! What each Spark class means, and how it lowers into plan steps. One Spark family per file,
//! grouped as Spark groups them; this file only dispatches on the metadata `class` and walks
//! the containers (PipelineModel, CrossValidatorModel, TrainValidationSplitModel).

pub mod classification;
pub mod clustering;
pub mod feature;
pub mod predictor;
pub mod regression;
pub mod tree;

use std::path::Path;

use crate::error::{LoadError, LoadErrorKind};
use crate::plan::Compiler;
use crate::spark::Metadata;

/// Every class `lower` accepts, as `mlscore inspect --supported` lists them.
pub const SUPPORTED_CLASSES: &[&str] = &[
    "org.apache.spark.ml.PipelineModel",
    "org.apache.spark.ml.tuning.CrossValidatorModel",
    "org.apache.spark.ml.tuning.TrainValidationSplitModel",
    "org.apache.spark.ml.feature.StringIndexerModel",
    "org.apache.spark.ml.feature.VectorAssembler",
    "org.apache.spark.ml.classification.LogisticRegressionModel",
    // Text stages.
    "org.apache.spark.ml.feature.Tokenizer",
    "org.apache.spark.ml.feature.RegexTokenizer",
    "org.apache.spark.ml.feature.StopWordsRemover",
    "org.apache.spark.ml.feature.NGram",
    "org.apache.spark.ml.feature.HashingTF",
    "org.apache.spark.ml.feature.CountVectorizerModel",
    "org.apache.spark.ml.feature.IDFModel",
];

/// Reads the stage in `dir` and lowers it (recursively for containers).
pub fn lower_dir(c: &mut Compiler<'_>, dir: &Path) -> Result<Metadata, LoadError> {
    let meta = Metadata::read(&c.read, dir)?;
    lower(c, &meta)?;
    Ok(meta)
}

/// Dispatches on the Spark class name.
pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let result = match meta.class.as_str() {
        "org.apache.spark.ml.PipelineModel" | "pyspark.ml.pipeline.PipelineModel" => lower_pipeline(c, meta),
        "org.apache.spark.ml.tuning.CrossValidatorModel"
        | "org.apache.spark.ml.tuning.TrainValidationSplitModel" => lower_nested(c, meta, "bestModel"),
        "org.apache.spark.ml.feature.StringIndexerModel" => feature::string_indexer::lower(c, meta),
        "org.apache.spark.ml.feature.VectorAssembler" => feature::vector_assembler::lower(c, meta),
        "org.apache.spark.ml.classification.LogisticRegressionModel" => {
            classification::logistic_regression::lower(c, meta)
        }
        // Text stages.
        "org.apache.spark.ml.feature.Tokenizer" => feature::tokenizer::lower(c, meta),
        "org.apache.spark.ml.feature.RegexTokenizer" => feature::regex_tokenizer::lower(c, meta),
        "org.apache.spark.ml.feature.StopWordsRemover" => feature::stop_words_remover::lower(c, meta),
        "org.apache.spark.ml.feature.NGram" => feature::ngram::lower(c, meta),
        "org.apache.spark.ml.feature.HashingTF" => feature::hashing_tf::lower(c, meta),
        "org.apache.spark.ml.feature.CountVectorizerModel" => feature::count_vectorizer::lower(c, meta),
        "org.apache.spark.ml.feature.IDFModel" => feature::idf::lower(c, meta),
        other => Err(unsupported(meta, other)),
    };
    result.map_err(|e| e.in_stage(&meta.uid, &meta.class))
}

fn lower_nested(c: &mut Compiler<'_>, meta: &Metadata, sub: &str) -> Result<(), LoadError> {
    enter(c, meta)?;
    let dir = meta.dir.join(sub);
    if !dir.is_dir() {
        return Err(meta.error(LoadErrorKind::MissingFile, format!("`{sub}/` directory is missing")));
    }
    lower_dir(c, &dir)?;
    c.depth -= 1;
    Ok(())
}

fn enter(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    c.depth += 1;
    crate::spark::limits::check("pipeline nesting depth", u64::from(c.depth), u64::from(c.limits().max_nesting))
        .map_err(|e| e.in_file(&meta.file))
}

/// `stages/<idx>_<uid>`, idx zero-padded to the digit count of the stage count (section 1.4).
fn lower_pipeline(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    enter(c, meta)?;
    let uids = meta.opt_str_array("stageUids")?.ok_or_else(|| {
        meta.error(LoadErrorKind::BadMetadata, "PipelineModel metadata has no `stageUids`")
    })?;
    crate::spark::limits::check("stage count", uids.len() as u64, c.limits().max_stages)
        .map_err(|e| e.in_file(&meta.file))?;
    let width = uids.len().to_string().len();
    let stages_dir = meta.dir.join("stages");
    for (i, uid) in uids.iter().enumerate() {
        let dir = stages_dir.join(format!("{i:0width$}_{uid}"));
        let dir = if dir.is_dir() { dir } else { find_stage_dir(&stages_dir, i, uid).unwrap_or(dir) };
        if !dir.is_dir() {
            return Err(LoadError::new(
                LoadErrorKind::MissingFile,
                format!("stage {i} ({uid}): stage directory is missing"),
            )
            .in_file(c.read.display(&dir)));
        }
        lower_dir(c, &dir)?;
    }
    c.depth -= 1;
    Ok(())
}

/// Tolerates other paddings (hand-copied models): any `<n>_<uid>` with n == i.
fn find_stage_dir(stages_dir: &Path, i: usize, uid: &str) -> Option<std::path::PathBuf> {
    let entries = std::fs::read_dir(stages_dir).ok()?;
    entries.flatten().map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.split_once('_')
                .is_some_and(|(idx, rest)| rest == uid && idx.parse::<usize>().ok() == Some(i))
        })
    })
}

/// Libraries whose stages show up in saved pipelines but are not Spark's.
const THIRD_PARTY: &[(&str, &str)] = &[
    ("com.linkedin.relevance.isolationforest", "LinkedIn isolation-forest"),
    ("ml.dmlc.xgboost4j", "XGBoost4J-Spark"),
    ("com.microsoft.azure.synapse.ml", "SynapseML"),
    ("com.microsoft.ml.spark", "MMLSpark (SynapseML)"),
    ("com.johnsnowlabs.nlp", "Spark NLP (John Snow Labs)"),
    ("org.apache.spark.ml.h2o", "H2O Sparkling Water"),
    ("ai.h2o", "H2O Sparkling Water"),
    ("ai.catboost", "CatBoost for Spark"),
    ("com.salesforce.op", "TransmogrifAI"),
    ("org.mlflow", "MLflow"),
];

fn unsupported(meta: &Metadata, class: &str) -> LoadError {
    if let Some((_, lib)) = THIRD_PARTY.iter().find(|(prefix, _)| class.starts_with(prefix)) {
        return meta.error(
            LoadErrorKind::UnsupportedStage,
            format!("class {class} belongs to the third-party library {lib}, which mlscore does not score"),
        );
    }
    if class.starts_with("pyspark.") || class.starts_with("__main__.") {
        return meta.error(
            LoadErrorKind::UnsupportedStage,
            format!("class {class} is a Python-only stage whose code is not saved with the model"),
        );
    }
    let short = crate::error::short_class(class);
    let estimator = class == "org.apache.spark.ml.Pipeline"
        || class.starts_with("org.apache.spark.ml.evaluation.")
        || class == "org.apache.spark.ml.tuning.CrossValidator"
        || class == "org.apache.spark.ml.tuning.TrainValidationSplit"
        || (class.starts_with("org.apache.spark.ml.")
            && !short.ends_with("Model")
            && !SUPPORTED_CLASSES.contains(&class)
            && !meta.dir.join("data").exists()
            && is_estimator_name(short));
    if estimator {
        return meta.error(
            LoadErrorKind::NotAModel,
            format!("{class} is an estimator, evaluator or unfitted Pipeline, not a fitted model: save the result of fit()"),
        );
    }
    let supported: Vec<&str> = SUPPORTED_CLASSES.iter().map(|c| crate::error::short_class(c)).collect();
    meta.error(
        LoadErrorKind::UnsupportedStage,
        format!("unsupported Spark class {class}; supported: {}", supported.join(", ")),
    )
}

/// Spark estimators whose fitted form is a `…Model` class.
fn is_estimator_name(short: &str) -> bool {
    const ESTIMATORS: &[&str] = &[
        "LogisticRegression", "LinearRegression", "LinearSVC", "NaiveBayes", "DecisionTreeClassifier",
        "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor", "GBTClassifier",
        "GBTRegressor", "KMeans", "BisectingKMeans", "GaussianMixture", "LDA", "ALS", "StringIndexer",
        "OneHotEncoderEstimator", "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler",
        "Imputer", "CountVectorizer", "IDF", "Word2Vec", "PCA", "ChiSqSelector", "VectorIndexer",
        "QuantileDiscretizer", "RFormula", "MultilayerPerceptronClassifier", "OneVsRest",
        "GeneralizedLinearRegression", "AFTSurvivalRegression", "IsotonicRegression", "FMClassifier",
        "FMRegressor", "FPGrowth", "UnivariateFeatureSelector", "VarianceThresholdSelector",
        "TargetEncoder", "MinHashLSH", "BucketedRandomProjectionLSH",
    ];
    ESTIMATORS.contains(&short)
}
