#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark 2.x conformance fixtures: models written and scored by a real Spark 2.4.8.

mlscore scores a model the way the Spark version that wrote it would ("version-exact
semantics"). Between 2.x and 3.x many formulas changed (LogisticRegression and NaiveBayes
probabilities, MinMaxScaler, MaxAbsScaler, AFT quantiles, HashingTF's string hash, ...) and so
did the saved formats (StringIndexer `labels`, OneHotEncoderEstimator, IDF without docFreq,
MLP with `layers` in its data, tree NodeData without rawCount). This script runs the cases of
gen_fixtures.py and gen_fixtures_more.py that Spark 2.4 can fit, with their own functions and
data (so the 2.4.8 set and the 3.x sets score the same inputs), plus a few 2.x-only ones, and
writes `fixtures-v2/spark-2.4.8/` in the layout of tests/spark/README.md. Spark is the oracle:
every expected value comes from Spark 2.4.8 transforming the model loaded back from disk.

What 2.4 lacks is adapted here and only here:

* the 3.x classes gen_fixtures*.py import (RobustScaler, UnivariateFeatureSelector, ...) are
  placeholders, so the modules import; no case run here uses them;
* `OneHotEncoder` in gen_fixtures.py's cases is 2.4's `OneHotEncoderEstimator` (the estimator
  that 3.0 renamed; it fits the same `OneHotEncoderModel`), single-column calls made
  multi-column;
* the tree pipelines index `color` and `shape` with two single-column StringIndexers (2.4 has
  no multi-column StringIndexer); the assembled features are the same.

Needs the patched pyspark 2.4.8 venv described in tests/spark/README.md ("Spark 2.4.8") and
Java 17, on which Spark 2.4 runs with the module opens set below. Usage (repository root):

    /opt/pyspark-2.4.8/bin/python tests/spark/gen_fixtures_v2.py \
        --out tests/spark/fixtures-v2/spark-2.4.8 [--only case1,case2]
"""

import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pyspark  # noqa: E402

if pyspark.__version__.startswith("2."):
    # Spark 2.4 reaches into JDK internals by reflection (Platform's DirectByteBuffer,
    # SizeEstimator walking whatever a broadcast model holds: BigInteger, Locale, ...); Java 17
    # allows that only for opened packages, so every package of java.base is opened. The
    # `java` launcher reads JDK_JAVA_OPTIONS, so the driver JVM that pyspark starts gets the
    # flags without touching gf.make_spark's options.
    import subprocess  # noqa: E402
    _java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") \
        if os.environ.get("JAVA_HOME") else "java"
    _pkgs = sorted(set(
        (w[2] if w[0] == "qualified" else w[1])
        for w in (line.split() for line in subprocess.run(
            [_java, "--describe-module", "java.base"], check=True, capture_output=True,
            text=True).stdout.splitlines())
        if w and w[0] in ("exports", "contains", "qualified")))
    os.environ["JDK_JAVA_OPTIONS"] = " ".join(
        "--add-opens=java.base/%s=ALL-UNNAMED" % p for p in _pkgs)
    import pyspark.ml.classification as _cls  # noqa: E402
    import pyspark.ml.feature as _feat  # noqa: E402
    import pyspark.ml.regression as _reg  # noqa: E402

    def _placeholder(name):
        def init(self, *a, **kw):
            raise NotImplementedError("%s is not in Spark %s" % (name, pyspark.__version__))
        return type(name, (object,), {"__init__": init})

    for _mod, _names in ((_feat, ("RobustScaler", "UnivariateFeatureSelector",
                                  "VarianceThresholdSelector")),
                         (_cls, ("FMClassifier",)), (_reg, ("FMRegressor",))):
        for _n in _names:
            if not hasattr(_mod, _n):
                setattr(_mod, _n, _placeholder(_n))

import gen_fixtures as gf  # noqa: E402
import gen_fixtures_more as gm  # noqa: E402

from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml.classification import LogisticRegression  # noqa: E402
from pyspark.ml.feature import (Binarizer, StringIndexer, VectorAssembler)  # noqa: E402

D, I, S, V = gf.D, gf.I, gf.S, gf.V
dv, sv, r3 = gf.dv, gf.sv, gf.r3
NAN, INF, NINF = gf.NAN, gf.INF, gf.NINF

if pyspark.__version__.startswith("2."):
    from pyspark.ml.feature import OneHotEncoderEstimator  # noqa: E402

    def one_hot_encoder(inputCol=None, outputCol=None, **kw):
        """3.x `OneHotEncoder(...)` as 2.4's OneHotEncoderEstimator (multi-column only)."""
        if inputCol is not None:
            kw["inputCols"], kw["outputCols"] = [inputCol], [outputCol]
        return OneHotEncoderEstimator(**kw)

    def tree_pipeline_stages(predictor):
        """gf.tree_pipeline_stages with one StringIndexer per column."""
        return [
            StringIndexer(inputCol="color", outputCol="color_idx", handleInvalid="keep"),
            StringIndexer(inputCol="shape", outputCol="shape_idx", handleInvalid="keep"),
            VectorAssembler(inputCols=["color_idx", "shape_idx", "x1", "x2"],
                            outputCol="features", handleInvalid="keep"),
            predictor,
        ]

    gf.OneHotEncoder = one_hot_encoder
    gf.tree_pipeline_stages = tree_pipeline_stages


# The cases of the 3.x generators that 2.4 can fit, by name (each runs its own function).
# Left out: multi-column Bucketizer / QuantileDiscretizer (no Python API in 2.4), and
# CrossValidator / TrainValidationSplit over a Pipeline (2.4's Python cannot pass a
# Pipeline estimator's param maps to the JVM; the *_bare cases below tune a bare estimator).
REUSED_GF = """
string_indexer_frequency_desc_keep_bare string_indexer_frequency_asc_error
string_indexer_alphabet_desc_skip string_indexer_alphabet_asc_keep
string_indexer_numeric_double string_indexer_numeric_int
index_to_string_explicit_labels index_to_string_labels_from_metadata
one_hot_encoder_drop_last_error one_hot_encoder_keep_no_drop_last one_hot_encoder_keep_drop_last
vector_assembler_error vector_assembler_skip vector_assembler_keep_size_hint_optimistic
vector_assembler_compressed_boundaries vector_size_hint_error vector_size_hint_skip
standard_scaler_combinations standard_scaler_sparse_std_only_bare
min_max_scaler_default_and_custom_range max_abs_scaler normalizer_p_norms binarizer_vector
bucketizer_infinite_splits_error bucketizer_finite_splits_keep
imputer_mean_multi_column imputer_median_custom_missing_value
tokenizer_ngram regex_tokenizer_variants stop_words_remover hashing_tf_variants
count_vectorizer_variants idf_hashing_and_count_vectorizer
logistic_regression_binomial_bare logistic_regression_binomial_threshold
logistic_regression_binomial_thresholds logistic_regression_multinomial
logistic_regression_multinomial_thresholds logistic_regression_multinomial_family_two_classes
linear_regression_squared_and_huber linear_svc_with_scaler
naive_bayes_multinomial_bare naive_bayes_bernoulli
decision_tree_classifier_categorical decision_tree_regressor_categorical
random_forest_classifier_bare random_forest_regressor_categorical
gbt_classifier_categorical gbt_regressor_bare
kmeans_euclidean kmeans_cosine_bare
text_tfidf_logistic_regression imputer_quantile_onehot_logistic_regression
label_indexer_pipeline_with_index_to_string
""".split()

REUSED_GM = """
pca_k3 chi_sq_selector_top3 vector_slicer_indices
vector_indexer_error vector_indexer_skip vector_indexer_keep
elementwise_product polynomial_expansion_degree_2_and_3 dct_forward_and_inverse word2vec
feature_hasher_numeric_string_boolean_categorical
glr_gaussian_identity glr_binomial_logit glr_poisson_log glr_gamma_inverse
glr_tweedie_power_1_5_link_0_5
aft_survival_regression_quantiles
isotonic_regression_double_feature isotonic_regression_vector_feature_antitonic
multilayer_perceptron_4_6_3 one_vs_rest_logistic_regression one_vs_rest_linear_svc
gaussian_mixture_k3
""".split()

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ----------------------------------------------------------------------------
# 2.x-only cases
# ----------------------------------------------------------------------------

@case
def binarizer_double_single_columns(g):
    """Two single-column Binarizers on doubles (2.x has no multi-column Binarizer), thresholds
    0.5 and -1.0, on gen_fixtures' binarizer_double_multi_column rows: values exactly on the
    threshold, one ulp either side, NaN, null (the 2.x UDF on a primitive double returns
    null), +-Inf, -0.0."""
    p = Pipeline(stages=[Binarizer(inputCol="a", outputCol="a_bin", threshold=0.5),
                         Binarizer(inputCol="b", outputCol="b_bin", threshold=-1.0)])
    rows = [(0.5, -1.0), (0.5000000000000001, -0.9999999999999999),
            (0.4999999999999999, -1.0000000000000002), (0.0, 0.0), (-0.0, -0.0), (1.0, -2.0),
            (NAN, NAN), (INF, NINF), (NINF, INF), (None, 0.0), (1.0, None), (1e300, -1e300),
            (1e-300, -1e-300)]
    model = p.fit(g.df([D("a"), D("b")], rows))
    g.emit(model, [D("a"), D("b")], rows)


def margin_rows(w):
    """Rows t * w / |w|^2 (margin t - b for a model with coefficients w): margins where the
    sigmoid, its complement and exp overflow/underflow part ways."""
    n2 = sum(c * c for c in w)
    ts = [0.0, 1e-12, -1e-12, 0.5, -0.5, 5.0, -5.0, 17.0, -17.0, 20.0, -20.0, 30.0, -30.0,
          36.0, -36.0, 37.5, -37.5, 40.0, -40.0, 100.0, -100.0, 700.0, -700.0, 710.0, -710.0,
          745.0, -745.0, 800.0, -800.0, 1e5, -1e5]
    return [(dv(*[t * c / n2 for c in w]),) for t in ts]


@case
def logistic_regression_binomial_large_margins(g):
    """Bare binomial LogisticRegressionModel scored at margins from 0 through +-17, +-37.5 (where
    1 - sigmoid rounds to 0), +-710 and +-745 (exp overflow / underflow) to +-1e5: 2.x computes
    each probability as its own sigmoid, 3.1+ p0 = 1/(1+e^m), p1 = 1 - p0."""
    rows = gf.lin_data(301, 60)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y, _ in rows])
    model = LogisticRegression(maxIter=50, regParam=0.01).fit(train)
    w = model.coefficients.toArray().tolist()
    g.emit(model, [V("features")], margin_rows(w) + gf.vec_feature_edges(4))


@case
def logistic_regression_multinomial_large_margins(g):
    """Bare multinomial LogisticRegressionModel (3 classes) scored along each class's
    coefficient direction scaled from 0.01 to 1e4 (positive and negative) so margins range
    from tiny to beyond exp overflow, where 2.x's softmax (shifted by the max margin only when
    it is positive) and 3.x's (always shifted, scaled by 1/sum) part ways."""
    rows = gf.multiclass_data(302, 90, k=3)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in rows])
    model = LogisticRegression(maxIter=60, regParam=0.02, family="multinomial").fit(train)
    cm = model.coefficientMatrix.toArray().tolist()
    score = []
    for k in range(3):
        for s in (0.01, 1.0, 10.0, 100.0, 1000.0, 1e4, -1.0, -100.0, -1e4):
            score.append((dv(*[s * c for c in cm[k]]),))
    score += [(dv(0.0, 0.0, 0.0, 0.0),)] + gf.vec_feature_edges(4)
    g.emit(model, [V("features")], score)


@case
def string_indexer_then_old_one_hot_encoder(g):
    """StringIndexer(keep) -> the 2.x OneHotEncoder TRANSFORMER (deprecated, no fitted data:
    the vector size comes from the indexer's nominal metadata, incl. the keep slot), dropLast
    true and false; unseen and null categories. (Labels are non-empty: the transformer names
    its output slots after them and an empty name fails the whole transform.)"""
    from pyspark.ml.feature import OneHotEncoder
    train = g.df([S("color")], [(c,) for c, _ in gf.multi_col_rows(303)])
    p = Pipeline(stages=[
        StringIndexer(inputCol="color", outputCol="color_idx", handleInvalid="keep"),
        OneHotEncoder(inputCol="color_idx", outputCol="color_vec"),
        OneHotEncoder(inputCol="color_idx", outputCol="color_vec_all", dropLast=False),
    ]).fit(train)
    g.emit(p, [S("color")], [(c,) for c, _ in gf.MC_SCORE])


@case
def min_max_scaler_sparse_and_params(g):
    """MinMaxScalerModels min=0,max=1 and min=-3,max=-1 (feature 2 constant 0.0, feature 0
    constant 4.0) fitted on sparse vectors: 2.x always returns a dense vector, values at the
    training min/max, beyond them, NaN."""
    rng = random.Random(304)
    rows = []
    for _ in range(20):
        rows.append((sv(4, [0, 1, 3], [4.0, r3(rng.uniform(-2, 2)), r3(rng.uniform(0, 9))]),))
    p = Pipeline(stages=[
        gf.MinMaxScaler(inputCol="v", outputCol="mm"),
        gf.MinMaxScaler(inputCol="v", outputCol="mm_neg", min=-3.0, max=-1.0),
    ]).fit(g.df([V("v")], rows))
    score = rows[:8] + [(sv(4, [], []),), (sv(4, [2], [1.0]),), (dv(4.0, 0.0, 0.0, 0.0),),
                        (dv(5.0, 100.0, -1.0, -9.0),), (dv(NAN, 1.0, 0.0, 1.0),),
                        (dv(4.0, INF, 0.0, NINF),)]
    g.emit(p, [V("v")], score)


@case
def max_abs_scaler_sparse(g):
    """MaxAbsScalerModel fitted on sparse vectors (feature 1 never non-zero -> maxAbs 0 ->
    scale 1): 2.x divides by maxAbs and keeps sparse input sparse (explicit zeros kept)."""
    rng = random.Random(305)
    rows = [(sv(4, [0, 2, 3], [r3(rng.uniform(-5, 5)), r3(rng.uniform(-1, 1)),
                               r3(rng.uniform(0, 3))]),) for _ in range(20)]
    p = Pipeline(stages=[gf.MaxAbsScaler(inputCol="v", outputCol="scaled")]
                 ).fit(g.df([V("v")], rows))
    score = rows[:8] + [(sv(4, [], []),), (sv(4, [1, 2], [0.0, 7.0]),), (sv(4, [1], [3.0]),),
                        (dv(1.0, 2.0, 3.0, 4.0),), (dv(NAN, INF, NINF, -0.0),)]
    g.emit(p, [V("v")], score)


@case
def cross_validator_logistic_regression_bare(g):
    """CrossValidatorModel (numFolds=2, grid regParam [0.01, 1.0], BinaryClassificationEvaluator,
    seed 11) over a bare LogisticRegression on a raw vector column (2.4's Python cannot tune a
    Pipeline): the 2.x tuning layout, bestModel a LogisticRegressionModel."""
    rows = gf.lin_data(306, 80)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y, _ in rows])
    lr = LogisticRegression(maxIter=30)
    grid = gf.ParamGridBuilder().addGrid(lr.regParam, [0.01, 1.0]).build()
    cv = gf.CrossValidator(estimator=lr, estimatorParamMaps=grid,
                           evaluator=gf.BinaryClassificationEvaluator(), numFolds=2, seed=11,
                           parallelism=1)
    score = [(dv(*x),) for x, _, _ in gf.lin_data(307, 12)] + gf.vec_feature_edges(4)
    g.emit(cv.fit(train), [V("features")], score)


@case
def train_validation_split_decision_tree_bare(g):
    """TrainValidationSplitModel (trainRatio 0.75, grid maxDepth [2, 4], seed 12) over a bare
    DecisionTreeClassifier on a raw vector column: bestModel a 2.x tree (NodeData without
    rawCount); rows exactly on its thresholds and one ulp above."""
    rows = gf.multiclass_data(308, 120, k=3)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in rows])
    dt = gf.DecisionTreeClassifier(seed=9)
    grid = gf.ParamGridBuilder().addGrid(dt.maxDepth, [2, 4]).build()
    tvs = gf.TrainValidationSplit(estimator=dt, estimatorParamMaps=grid,
                                  evaluator=gf.MulticlassClassificationEvaluator(),
                                  trainRatio=0.75, seed=12, parallelism=1)
    model = tvs.fit(train)
    base = [x for x, _ in gf.multiclass_data(309, 10, k=3)]
    score = [(dv(*x),) for x in base]
    for i, (f, t) in enumerate(gf.pick_spread(gf.tree_thresholds(model.bestModel), 8)):
        for val in (t, math.nextafter(t, INF)):
            x = list(base[i % len(base)])
            x[f] = val
            score.append((dv(*x),))
    g.emit(model, [V("features")], score + gf.vec_feature_edges(4))


def reused(module, names):
    out = []
    for n in names:
        fn = getattr(module, n)
        assert fn in module.CASES, n
        out.append(fn)
    return out


def main():
    cases = reused(gf, REUSED_GF) + reused(gm, REUSED_GM) + CASES
    gm.run_topic(cases, "v2", __doc__, reuse=True)


if __name__ == "__main__":
    main()
