//! What each Spark class means, and how it lowers into plan steps. One Spark family per file,
//! grouped as Spark groups them; this file only dispatches on the metadata `class` and walks
//! the containers (PipelineModel, CrossValidatorModel, TrainValidationSplitModel).

pub mod classification;
pub mod clustering;
pub mod feature;
pub mod fpm;
pub mod mllib;
pub mod predictor;
pub mod recommendation;
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
    "org.apache.spark.ml.feature.VectorSlicer",
    "org.apache.spark.ml.feature.ChiSqSelectorModel",
    "org.apache.spark.ml.feature.UnivariateFeatureSelectorModel",
    "org.apache.spark.ml.feature.VarianceThresholdSelectorModel",
    "org.apache.spark.ml.feature.PCAModel",
    "org.apache.spark.ml.feature.VectorIndexerModel",
    "org.apache.spark.ml.feature.ElementwiseProduct",
    "org.apache.spark.mllib.classification.LogisticRegressionModel",
    "org.apache.spark.mllib.classification.SVMModel",
    "org.apache.spark.mllib.regression.LinearRegressionModel",
    "org.apache.spark.mllib.regression.LassoModel",
    "org.apache.spark.mllib.regression.RidgeRegressionModel",
    "org.apache.spark.mllib.classification.NaiveBayesModel",
    "org.apache.spark.ml.recommendation.ALSModel",
    "org.apache.spark.ml.regression.GeneralizedLinearRegressionModel",
    "org.apache.spark.ml.regression.AFTSurvivalRegressionModel",
    "org.apache.spark.ml.regression.IsotonicRegressionModel",
    "org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel",
    "org.apache.spark.ml.classification.FMClassificationModel",
    "org.apache.spark.ml.regression.FMRegressionModel",
    "org.apache.spark.ml.classification.OneVsRestModel",
    "org.apache.spark.ml.feature.PolynomialExpansion",
    "org.apache.spark.ml.feature.DCT",
    "org.apache.spark.ml.feature.Word2VecModel",
    "org.apache.spark.ml.clustering.GaussianMixtureModel",
    "org.apache.spark.ml.feature.FeatureHasher",
    "org.apache.spark.mllib.tree.DecisionTreeModel",
    "org.apache.spark.mllib.clustering.KMeansModel",
    "org.apache.spark.mllib.tree.model.RandomForestModel",
    "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel",
    "org.apache.spark.ml.regression.LinearRegressionModel",
    "org.apache.spark.ml.classification.LinearSVCModel",
    "org.apache.spark.ml.classification.NaiveBayesModel",
    "org.apache.spark.ml.classification.DecisionTreeClassificationModel",
    "org.apache.spark.ml.regression.DecisionTreeRegressionModel",
    "org.apache.spark.ml.classification.RandomForestClassificationModel",
    "org.apache.spark.ml.regression.RandomForestRegressionModel",
    "org.apache.spark.ml.classification.GBTClassificationModel",
    "org.apache.spark.ml.regression.GBTRegressionModel",
    "org.apache.spark.ml.clustering.KMeansModel",
    "org.apache.spark.ml.feature.OneHotEncoderModel",
    "org.apache.spark.ml.feature.OneHotEncoder",
    "org.apache.spark.ml.feature.IndexToString",
    "org.apache.spark.ml.feature.VectorSizeHint",
    "org.apache.spark.ml.feature.StandardScalerModel",
    "org.apache.spark.ml.feature.MinMaxScalerModel",
    "org.apache.spark.ml.feature.MaxAbsScalerModel",
    "org.apache.spark.ml.feature.RobustScalerModel",
    "org.apache.spark.ml.feature.Normalizer",
    "org.apache.spark.ml.feature.Binarizer",
    "org.apache.spark.ml.feature.Bucketizer",
    "org.apache.spark.ml.feature.ImputerModel",
    // Text stages.
    "org.apache.spark.ml.feature.Tokenizer",
    "org.apache.spark.ml.feature.RegexTokenizer",
    "org.apache.spark.ml.feature.StopWordsRemover",
    "org.apache.spark.ml.feature.NGram",
    "org.apache.spark.ml.feature.HashingTF",
    "org.apache.spark.ml.feature.CountVectorizerModel",
    "org.apache.spark.ml.feature.IDFModel",
    "org.apache.spark.ml.feature.SQLTransformer",
    // RFormula, Interaction, TargetEncoder, LSH.
    "org.apache.spark.ml.feature.RFormulaModel",
    "org.apache.spark.ml.feature.VectorAttributeRewriter",
    "org.apache.spark.ml.feature.ColumnPruner",
    "org.apache.spark.ml.feature.Interaction",
    "org.apache.spark.ml.feature.TargetEncoderModel",
    "org.apache.spark.ml.feature.MinHashLSHModel",
    "org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel",
    // Clustering and old mllib models.
    "org.apache.spark.ml.clustering.BisectingKMeansModel",
    "org.apache.spark.mllib.clustering.BisectingKMeansModel",
    "org.apache.spark.ml.clustering.LocalLDAModel",
    "org.apache.spark.ml.clustering.DistributedLDAModel",
    "org.apache.spark.mllib.clustering.LocalLDAModel",
    "org.apache.spark.mllib.clustering.GaussianMixtureModel",
    "org.apache.spark.mllib.recommendation.MatrixFactorizationModel",
    "org.apache.spark.mllib.feature.Word2VecModel",
    "org.apache.spark.ml.fpm.FPGrowthModel",
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
        "org.apache.spark.ml.PipelineModel" | "pyspark.ml.pipeline.PipelineModel" => {
            lower_pipeline(c, meta)
        }
        "org.apache.spark.ml.tuning.CrossValidatorModel"
        | "org.apache.spark.ml.tuning.TrainValidationSplitModel" => {
            lower_nested(c, meta, "bestModel")
        }
        "org.apache.spark.ml.feature.StringIndexerModel" => feature::string_indexer::lower(c, meta),
        "org.apache.spark.ml.feature.VectorAssembler" => feature::vector_assembler::lower(c, meta),
        "org.apache.spark.ml.classification.LogisticRegressionModel" => {
            classification::logistic_regression::lower(c, meta)
        }
        "org.apache.spark.ml.feature.VectorSlicer" => feature::vector_slicer::lower_slicer(c, meta),
        "org.apache.spark.ml.feature.ChiSqSelectorModel"
        | "org.apache.spark.ml.feature.UnivariateFeatureSelectorModel"
        | "org.apache.spark.ml.feature.VarianceThresholdSelectorModel" => {
            feature::vector_slicer::lower_selector(c, meta)
        }
        "org.apache.spark.ml.feature.PCAModel" => feature::pca::lower(c, meta),
        "org.apache.spark.ml.feature.VectorIndexerModel" => feature::vector_indexer::lower(c, meta),
        "org.apache.spark.ml.feature.ElementwiseProduct" => {
            feature::elementwise_product::lower(c, meta)
        }
        "org.apache.spark.mllib.classification.LogisticRegressionModel"
        | "org.apache.spark.mllib.classification.SVMModel"
        | "org.apache.spark.mllib.regression.LinearRegressionModel"
        | "org.apache.spark.mllib.regression.LassoModel"
        | "org.apache.spark.mllib.regression.RidgeRegressionModel" => mllib::linear::lower(c, meta),
        "org.apache.spark.mllib.classification.NaiveBayesModel" => {
            mllib::naive_bayes::lower(c, meta)
        }
        "org.apache.spark.ml.recommendation.ALSModel" => recommendation::als::lower(c, meta),
        "org.apache.spark.ml.regression.GeneralizedLinearRegressionModel" => {
            regression::generalized_linear_regression::lower(c, meta)
        }
        "org.apache.spark.ml.regression.AFTSurvivalRegressionModel" => {
            regression::aft_survival_regression::lower(c, meta)
        }
        "org.apache.spark.ml.regression.IsotonicRegressionModel" => {
            regression::isotonic_regression::lower(c, meta)
        }
        "org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel" => {
            classification::multilayer_perceptron::lower(c, meta)
        }
        "org.apache.spark.ml.classification.FMClassificationModel" => {
            classification::factorization_machines::lower(c, meta, true)
        }
        "org.apache.spark.ml.regression.FMRegressionModel" => {
            classification::factorization_machines::lower(c, meta, false)
        }
        "org.apache.spark.ml.classification.OneVsRestModel" => {
            classification::one_vs_rest::lower(c, meta)
        }
        "org.apache.spark.ml.feature.PolynomialExpansion" => {
            feature::polynomial_expansion::lower(c, meta)
        }
        "org.apache.spark.ml.feature.DCT" => feature::dct::lower(c, meta),
        "org.apache.spark.ml.feature.Word2VecModel" => feature::word2vec::lower(c, meta),
        "org.apache.spark.ml.clustering.GaussianMixtureModel" => {
            clustering::gaussian_mixture::lower(c, meta)
        }
        "org.apache.spark.ml.regression.LinearRegressionModel" => {
            regression::linear_regression::lower(c, meta)
        }
        "org.apache.spark.ml.classification.LinearSVCModel" => {
            classification::linear_svc::lower(c, meta)
        }
        "org.apache.spark.ml.classification.NaiveBayesModel" => {
            classification::naive_bayes::lower(c, meta)
        }
        "org.apache.spark.ml.classification.DecisionTreeClassificationModel" => {
            tree::decision_tree::lower_classifier(c, meta)
        }
        "org.apache.spark.ml.regression.DecisionTreeRegressionModel" => {
            tree::decision_tree::lower_regressor(c, meta)
        }
        "org.apache.spark.ml.classification.RandomForestClassificationModel" => {
            tree::random_forest::lower_classifier(c, meta)
        }
        "org.apache.spark.ml.regression.RandomForestRegressionModel" => {
            tree::random_forest::lower_regressor(c, meta)
        }
        "org.apache.spark.ml.classification.GBTClassificationModel" => {
            tree::gbt::lower_classifier(c, meta)
        }
        "org.apache.spark.ml.regression.GBTRegressionModel" => tree::gbt::lower_regressor(c, meta),
        // The RDD mllib KMeansModel scores with the same code (ml's model wraps it).
        "org.apache.spark.ml.clustering.KMeansModel"
        | "org.apache.spark.mllib.clustering.KMeansModel" => clustering::kmeans::lower(c, meta),
        "org.apache.spark.ml.feature.OneHotEncoderModel" => {
            feature::one_hot_encoder::lower_model(c, meta)
        }
        "org.apache.spark.ml.feature.OneHotEncoder" => {
            feature::one_hot_encoder::lower_transformer(c, meta)
        }
        "org.apache.spark.ml.feature.IndexToString" => feature::index_to_string::lower(c, meta),
        "org.apache.spark.ml.feature.VectorSizeHint" => feature::vector_size_hint::lower(c, meta),
        "org.apache.spark.ml.feature.StandardScalerModel" => {
            feature::standard_scaler::lower(c, meta)
        }
        "org.apache.spark.ml.feature.MinMaxScalerModel" => feature::min_max_scaler::lower(c, meta),
        "org.apache.spark.ml.feature.MaxAbsScalerModel" => feature::max_abs_scaler::lower(c, meta),
        "org.apache.spark.ml.feature.RobustScalerModel" => feature::robust_scaler::lower(c, meta),
        "org.apache.spark.ml.feature.Normalizer" => feature::normalizer::lower(c, meta),
        "org.apache.spark.ml.feature.Binarizer" => feature::binarizer::lower(c, meta),
        "org.apache.spark.ml.feature.Bucketizer" => feature::bucketizer::lower(c, meta),
        "org.apache.spark.ml.feature.ImputerModel" => feature::imputer::lower(c, meta),
        // Text stages.
        "org.apache.spark.ml.feature.Tokenizer" => feature::tokenizer::lower(c, meta),
        "org.apache.spark.ml.feature.RegexTokenizer" => feature::regex_tokenizer::lower(c, meta),
        "org.apache.spark.ml.feature.StopWordsRemover" => {
            feature::stop_words_remover::lower(c, meta)
        }
        "org.apache.spark.ml.feature.NGram" => feature::ngram::lower(c, meta),
        "org.apache.spark.ml.feature.HashingTF" => feature::hashing_tf::lower(c, meta),
        "org.apache.spark.ml.feature.CountVectorizerModel" => {
            feature::count_vectorizer::lower(c, meta)
        }
        "org.apache.spark.ml.feature.IDFModel" => feature::idf::lower(c, meta),
        "org.apache.spark.ml.feature.SQLTransformer" => feature::sql::lower(c, meta),
        "org.apache.spark.ml.feature.FeatureHasher" => feature::feature_hasher::lower(c, meta),
        "org.apache.spark.mllib.tree.DecisionTreeModel"
        | "org.apache.spark.mllib.tree.model.RandomForestModel"
        | "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel" => {
            mllib::tree::lower(c, meta)
        }
        // RFormula, Interaction, TargetEncoder, LSH.
        "org.apache.spark.ml.feature.RFormulaModel" => feature::rformula::lower_model(c, meta),
        "org.apache.spark.ml.feature.VectorAttributeRewriter" => {
            feature::rformula::lower_attribute_rewriter(c, meta)
        }
        "org.apache.spark.ml.feature.ColumnPruner" => {
            feature::rformula::lower_column_pruner(c, meta)
        }
        "org.apache.spark.ml.feature.Interaction" => feature::interaction::lower(c, meta),
        "org.apache.spark.ml.feature.TargetEncoderModel" => feature::target_encoder::lower(c, meta),
        "org.apache.spark.ml.feature.MinHashLSHModel" => feature::lsh::lower_min_hash(c, meta),
        "org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel" => {
            feature::lsh::lower_bucketed_random_projection(c, meta)
        }
        // Clustering and old mllib models.
        "org.apache.spark.ml.clustering.BisectingKMeansModel" => {
            clustering::bisecting_kmeans::lower(c, meta, false)
        }
        "org.apache.spark.mllib.clustering.BisectingKMeansModel" => {
            clustering::bisecting_kmeans::lower(c, meta, true)
        }
        "org.apache.spark.ml.clustering.LocalLDAModel" => {
            clustering::lda::lower(c, meta, clustering::lda::Flavour::MlLocal)
        }
        "org.apache.spark.ml.clustering.DistributedLDAModel" => {
            clustering::lda::lower(c, meta, clustering::lda::Flavour::MlDistributed)
        }
        "org.apache.spark.mllib.clustering.LocalLDAModel" => {
            clustering::lda::lower(c, meta, clustering::lda::Flavour::MllibLocal)
        }
        "org.apache.spark.mllib.clustering.GaussianMixtureModel" => {
            clustering::gaussian_mixture::lower_mllib(c, meta)
        }
        "org.apache.spark.mllib.recommendation.MatrixFactorizationModel" => {
            mllib::matrix_factorization::lower(c, meta)
        }
        "org.apache.spark.mllib.feature.Word2VecModel" => mllib::word2vec::lower(c, meta),
        "org.apache.spark.ml.fpm.FPGrowthModel" => fpm::fp_growth::lower(c, meta),
        other => Err(unsupported(meta, other)),
    };
    result.map_err(|e| e.in_stage(&meta.uid, &meta.class))
}

pub(crate) fn lower_nested(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    sub: &str,
) -> Result<(), LoadError> {
    enter(c, meta)?;
    let dir = meta.dir.join(sub);
    if !dir.is_dir() {
        return Err(meta.error(
            LoadErrorKind::MissingFile,
            format!("`{sub}/` directory is missing"),
        ));
    }
    lower_dir(c, &dir)?;
    c.depth -= 1;
    Ok(())
}

fn enter(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    c.depth += 1;
    crate::spark::limits::check(
        "pipeline nesting depth",
        u64::from(c.depth),
        u64::from(c.limits().max_nesting),
    )
    .map_err(|e| e.in_file(&meta.file))
}

/// `stages/<idx>_<uid>`, idx zero-padded to the digit count of the stage count (section 1.4).
fn lower_pipeline(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    enter(c, meta)?;
    let uids = meta.opt_str_array("stageUids")?.ok_or_else(|| {
        meta.error(
            LoadErrorKind::BadMetadata,
            "PipelineModel metadata has no `stageUids`",
        )
    })?;
    crate::spark::limits::check("stage count", uids.len() as u64, c.limits().max_stages)
        .map_err(|e| e.in_file(&meta.file))?;
    let width = uids.len().to_string().len();
    let stages_dir = meta.dir.join("stages");
    for (i, uid) in uids.iter().enumerate() {
        let dir = stages_dir.join(format!("{i:0width$}_{uid}"));
        let dir = if dir.is_dir() {
            dir
        } else {
            find_stage_dir(&stages_dir, i, uid).unwrap_or(dir)
        };
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
    (
        "com.linkedin.relevance.isolationforest",
        "LinkedIn isolation-forest",
    ),
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
    if let Some((_, lib)) = THIRD_PARTY
        .iter()
        .find(|(prefix, _)| class.starts_with(prefix))
    {
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
    let mut supported: Vec<String> = SUPPORTED_CLASSES
        .iter()
        .map(|c| match c.strip_prefix("org.apache.spark.") {
            Some(rest) if rest.starts_with("mllib.") => {
                format!("mllib {}", crate::error::short_class(rest))
            }
            _ => crate::error::short_class(c).to_string(),
        })
        .collect();
    supported.sort();
    supported.dedup();
    meta.error(
        LoadErrorKind::UnsupportedStage,
        format!(
            "unsupported Spark class {class}; mlscore supports: {}",
            supported.join(", ")
        ),
    )
}

/// Spark estimators whose fitted form is a `…Model` class.
fn is_estimator_name(short: &str) -> bool {
    const ESTIMATORS: &[&str] = &[
        "LogisticRegression",
        "LinearRegression",
        "LinearSVC",
        "NaiveBayes",
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "GBTClassifier",
        "GBTRegressor",
        "KMeans",
        "BisectingKMeans",
        "GaussianMixture",
        "LDA",
        "ALS",
        "StringIndexer",
        "OneHotEncoderEstimator",
        "StandardScaler",
        "MinMaxScaler",
        "MaxAbsScaler",
        "RobustScaler",
        "Imputer",
        "CountVectorizer",
        "IDF",
        "Word2Vec",
        "PCA",
        "ChiSqSelector",
        "VectorIndexer",
        "QuantileDiscretizer",
        "RFormula",
        "MultilayerPerceptronClassifier",
        "OneVsRest",
        "GeneralizedLinearRegression",
        "AFTSurvivalRegression",
        "IsotonicRegression",
        "FMClassifier",
        "FMRegressor",
        "FPGrowth",
        "UnivariateFeatureSelector",
        "VarianceThresholdSelector",
        "TargetEncoder",
        "MinHashLSH",
        "BucketedRandomProjectionLSH",
    ];
    ESTIMATORS.contains(&short)
}
