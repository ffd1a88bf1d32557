#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""More Spark-made conformance fixtures for mlscore: the stages that had none.

Covers the feature transformers PCA, ChiSqSelector / UnivariateFeatureSelector /
VarianceThresholdSelector, VectorSlicer, VectorIndexer, ElementwiseProduct,
PolynomialExpansion, DCT, Word2Vec and FeatureHasher; the regressors
GeneralizedLinearRegression, AFTSurvivalRegression and IsotonicRegression; the classifiers
MultilayerPerceptron, FMClassifier / FMRegressor and OneVsRest; GaussianMixture; ALS
(transform, plus recommendForUserSubset / recommendForItemSubset in recommendations.jsonl);
and old RDD-based `org.apache.spark.mllib` models saved with `model.save(sc, path)`.

Spark is the oracle, as in gen_fixtures.py: every expected value comes from the model loaded
back from disk. The output format and directory layout are the ones of gen_fixtures.py
(tests/spark/README.md); this script imports gen_fixtures.py (its sibling) for the value
encoding and for the row-error attribution of `Gen.score`, so the two cannot drift.

Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_more.py \
        --out tests/spark/fixtures-more/spark-<ver> [--only case1,case2]

Two additions to the format:

* mllib cases (`mllib_*`): the model is an old mllib model (`model/metadata/part-*` has
  `"class": "org.apache.spark.mllib..."`); the "transform" is the JVM model's
  `predict(features)` called row by row. input rows are `{_id, features}`, expected rows
  `{_id, features, prediction}` (a double; an int for KMeans) or `{_id, _error}` when
  `predict` raises.
* ALS cases also write `recommendations.jsonl`: one line per requested id,
  `{"for": "user"|"item", "id": n, "k": 5, "ids": [...], "ratings": [...]}` from the loaded
  model's `recommendForUserSubset` / `recommendForItemSubset` (ids best first; an id without
  factors gives empty lists, since Spark returns no row for it).
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import gen_fixtures as gf  # noqa: E402  (sibling module: encoding + scoring machinery)
except ImportError:
    sys.exit("gen_fixtures_more.py needs gen_fixtures.py next to it (or on PYTHONPATH)")

import pyspark  # noqa: E402
from pyspark.sql.types import (BooleanType, IntegerType, StructField,  # noqa: E402
                               StructType)
from pyspark.ml import Pipeline, PipelineModel  # noqa: E402
from pyspark.ml.feature import (DCT, PCA, ChiSqSelector, ElementwiseProduct,  # noqa: E402
                                FeatureHasher, PolynomialExpansion,
                                UnivariateFeatureSelector, VarianceThresholdSelector,
                                VectorIndexer, VectorSlicer, Word2Vec)
from pyspark.ml.classification import (FMClassifier, LinearSVC,  # noqa: E402
                                       LogisticRegression, MultilayerPerceptronClassifier,
                                       OneVsRest)
from pyspark.ml.regression import (AFTSurvivalRegression, FMRegressor,  # noqa: E402
                                   GeneralizedLinearRegression, IsotonicRegression)
from pyspark.ml.clustering import GaussianMixture  # noqa: E402
from pyspark.ml.recommendation import ALS  # noqa: E402
from pyspark.mllib.common import _py2java  # noqa: E402
from pyspark.mllib.linalg import Vectors as MLlibVectors  # noqa: E402
from pyspark.mllib.regression import LabeledPoint  # noqa: E402

D, I, S, V, A = gf.D, gf.I, gf.S, gf.V, gf.A
dv, sv, r3 = gf.dv, gf.sv, gf.r3
NAN, INF, NINF = gf.NAN, gf.INF, gf.NINF


def B(n):
    return StructField(n, BooleanType(), True)


EXCLUDED_RULES = "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation"


def suspects(fields, rows):
    """Rows likely to raise: a NULL anywhere, or a vector whose size differs from the most
    common size of its column. Only a guess; Gen.score verifies it."""
    out = set()
    for k, f in enumerate(fields):
        sizes = {}
        for r in rows:
            v = r[k]
            if hasattr(v, "size") and hasattr(v, "toArray"):
                sizes[v.size] = sizes.get(v.size, 0) + 1
        common = max(sizes, key=lambda n: sizes[n]) if sizes else None
        for i, r in enumerate(rows):
            v = r[k]
            if v is None or (common is not None and hasattr(v, "toArray") and v.size != common):
                out.add(i)
    return out


class Gen(gf.Gen):
    """gen_fixtures.Gen with fewer Spark jobs when some rows raise (most cases here have a few:
    wrong sizes, null vectors), and the same expected output.

    gf.Gen.score bisects sets of one-row partitions with a job per set: tens of jobs per case,
    slow on a loaded 2-core machine. Here, when the whole DataFrame raises, each suspect row
    (see `suspects`) is transformed alone as a one-row DataFrame in its own job (it is _error
    iff that raises), then all the other rows together in one job. Only if that job raises too
    (a guess missed a raising row) does it fall back to gf.Gen.score's bisection.
    """

    def score(self, model, fields, rows):
        jmodel = model._to_java()
        schema = StructType([StructField("_id", IntegerType(), False)] + list(fields))
        data = [tuple([i] + list(r)) for i, r in enumerate(rows)]
        results = {}
        state = {"ofields": None}
        try:
            self._collect_into(jmodel, schema, data, results, state)
            return self._finish(data, results, state, "whole")
        except Exception as e:
            first = gf.java_error_message(e)[:60]
        results.clear()
        errors = {}
        for i in sorted(suspects(fields, rows)):
            row = data[i]
            try:
                self._collect_into(jmodel, schema, [row], results, state)
            except Exception as e:
                errors[row[0]] = gf.java_error_message(e)
        rest = [r for r in data if r[0] not in errors and r[0] not in results]
        try:
            if rest:
                self._collect_into(jmodel, schema, rest, results, state)
        except Exception:
            print("  (a row outside the suspects raises: bisecting)", flush=True)
            return gf.Gen.score(self, model, fields, rows)
        for i, msg in errors.items():
            results[i] = {"_id": i, "_error": msg}
        return self._finish(data, results, state, "per-row (%s)" % first)

    @staticmethod
    def _finish(data, results, state, mode):
        expected = [results.get(r[0], {"_id": r[0], "_skipped": True}) for r in data]
        ofields = state["ofields"]
        if ofields is None:
            ofields = []
            print("  WARNING: no row succeeded; outputs unknown", file=sys.stderr)
        return ofields, expected, mode


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ----------------------------------------------------------------------------
# Shared data
# ----------------------------------------------------------------------------

def gauss_vecs(seed, n, size, scale=1.5):
    rng = random.Random(seed)
    return [[r3(rng.gauss(0, scale)) for _ in range(size)] for _ in range(n)]


def edges(size):
    """Edge vectors of `size`: zeros (dense and sparse), sparse with explicit zero, NaN,
    +-Inf, overflow, tiny, wrong sizes (short dense, long sparse), null."""
    e = [dv(*([0.0] * size)), sv(size, [], []), sv(size, [0, size - 1], [0.0, -2.5]),
         sv(size, [1], [3.0]), dv(*([NAN] + [1.0] * (size - 1))),
         dv(*([1.0] * (size - 1) + [INF])), dv(*([NINF] + [0.0] * (size - 1))),
         dv(*([INF] * size)), dv(*([1e300] * size)), dv(*([-1e300] + [0.5] * (size - 1))),
         dv(*([1e-300] * size)), dv(*([-0.0] * size)),
         dv(*([1.0] * (size - 1))), sv(size + 2, [size + 1], [1.0]), None]
    return e


def sparse_of(x):
    """The same values as a sparse vector (zeros dropped)."""
    idx = [i for i, v in enumerate(x) if v != 0.0]
    return sv(len(x), idx, [x[i] for i in idx])


def score_vectors(seed, n, size, scale=1.5):
    """n random dense rows, their first half again as sparse, then the edges."""
    xs = gauss_vecs(seed, n, size, scale)
    out = [dv(*x) for x in xs]
    out += [sparse_of([v if j % 2 == 0 else 0.0 for j, v in enumerate(x)]) for x in xs[:n // 2]]
    return [(v,) for v in out + edges(size)]


def lin_rows(seed, n, w, b=0.3, noise=0.5):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x = [r3(rng.gauss(0, 1.0)) for _ in w]
        m = sum(a * c for a, c in zip(w, x)) + b + rng.gauss(0, noise)
        rows.append((x, m))
    return rows


def multiclass_rows(seed, n, k=3, d=4):
    rng = random.Random(seed)
    centers = [[r3(rng.uniform(-3, 3)) for _ in range(d)] for _ in range(k)]
    rows = []
    for _ in range(n):
        c = rng.randrange(k)
        rows.append(([r3(centers[c][j] + rng.gauss(0, 1.0)) for j in range(d)], float(c)))
    return rows


# ============================================================================
# Feature transformers
# ============================================================================

@case
def pca_k3(g):
    """Bare PCAModel k=3 fitted on 5-dimensional correlated data: y = pc^T x (dense: gemv, sparse:
    loop over stored entries). Scores dense and sparse rows, zero vectors, NaN, +-Inf, 1e300,
    -0.0, wrong sizes and null."""
    rng = random.Random(101)
    rows = []
    for _ in range(40):
        a, b = rng.gauss(0, 2), rng.gauss(0, 1)
        rows.append((dv(r3(a), r3(a * 0.5 + b), r3(b - a), r3(rng.gauss(0, 0.3)), r3(a + b)),))
    model = PCA(k=3, inputCol="features", outputCol="pca").fit(g.df([V("features")], rows))
    g.emit(model, [V("features")], score_vectors(102, 8, 5))


def selector_train(seed, n=60):
    """Features 0..5: 0 and 3 predict the label, 1 constant, 2/4/5 noise (small ints)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        y = rng.randrange(3)
        x = [float(y if rng.random() < 0.8 else rng.randrange(3)), 2.0,
             float(rng.randrange(4)), float((y * 2) % 3 if rng.random() < 0.7 else rng.randrange(3)),
             float(rng.randrange(2)), float(rng.randrange(5))]
        rows.append((dv(*x), float(y)))
    return rows


def selector_score(seed):
    return score_vectors(seed, 6, 6, scale=2.0)


@case
def chi_sq_selector_top3(g):
    """ChiSqSelector numTopFeatures=3 on small-integer features (label 3 classes): the model's
    selectedFeatures are sorted before slicing; dense stays dense, sparse is re-indexed. Edge
    rows: zeros, NaN, Inf, wrong sizes, null."""
    train = g.df([V("features"), D("label")], selector_train(111))
    model = Pipeline(stages=[ChiSqSelector(numTopFeatures=3, featuresCol="features",
                                           outputCol="selected", labelCol="label")]).fit(train)
    g.emit(model, [V("features")], selector_score(112))


@case
def univariate_feature_selector_anova(g):
    """UnivariateFeatureSelector featureType=continuous labelType=categorical (ANOVA F-test),
    selectionMode=numTopFeatures, threshold 2; bare model. Dense and sparse rows, edges."""
    train = g.df([V("features"), D("label")], selector_train(113))
    sel = UnivariateFeatureSelector(featuresCol="features", outputCol="selected",
                                    labelCol="label", selectionMode="numTopFeatures")
    sel.setFeatureType("continuous").setLabelType("categorical").setSelectionThreshold(2)
    g.emit(sel.fit(train), [V("features")], selector_score(114))


@case
def univariate_feature_selector_fregression_percentile(g):
    """UnivariateFeatureSelector featureType=continuous labelType=continuous (F-regression),
    selectionMode=percentile 0.5, in a pipeline."""
    rows = [(dv(*x), m) for x, m in lin_rows(115, 50, [1.2, 0.0, -0.8, 0.05, 2.0, 0.0])]
    train = g.df([V("features"), D("label")], rows)
    sel = UnivariateFeatureSelector(featuresCol="features", outputCol="selected",
                                    labelCol="label", selectionMode="percentile")
    sel.setFeatureType("continuous").setLabelType("continuous").setSelectionThreshold(0.5)
    g.emit(Pipeline(stages=[sel]).fit(train), [V("features")], selector_score(116))


@case
def variance_threshold_selector(g):
    """VarianceThresholdSelector varianceThreshold=1.0: feature 1 is constant, low-variance
    features are dropped; dense and sparse input, edges."""
    train = g.df([V("features")], [(x,) for x, _ in selector_train(117)])
    model = VarianceThresholdSelector(featuresCol="features", outputCol="selected",
                                      varianceThreshold=1.0).fit(train)
    g.emit(model, [V("features")], selector_score(118))


@case
def vector_slicer_indices(g):
    """Bare VectorSlicer indices=[4, 0, 2] (kept in the given order) on size-5 dense and
    sparse vectors (sparse slices are re-indexed); short / long vectors and null as Spark
    does them."""
    model = VectorSlicer(inputCol="features", outputCol="sliced", indices=[4, 0, 2])
    g.emit(model, [V("features")], score_vectors(121, 6, 5))


VI_CATS0 = [0.0, 1.0, 2.0]
VI_CATS2 = [-1.0, 2.0, 5.5]


def vector_indexer_train(seed, n=40):
    """f0 in {0,1,2}, f1 continuous, f2 in {-1, 2, 5.5} (0 is not a category), f3 in {0,1}."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        rows.append((dv(rng.choice(VI_CATS0), r3(rng.gauss(0, 2)), rng.choice(VI_CATS2),
                        float(rng.randrange(2))),))
    rows.append((dv(0.0, 0.5, -1.0, 0.0),))
    return rows


VI_SCORE = [
    dv(0.0, 1.5, -1.0, 0.0), dv(1.0, -2.25, 2.0, 1.0), dv(2.0, 0.0, 5.5, 1.0),
    dv(2.0, NAN, 2.0, 0.0),            # NaN in a continuous feature passes through
    dv(3.0, 0.0, 2.0, 0.0),            # unseen category in f0
    dv(1.0, 0.0, 0.0, 0.0),            # 0 is unseen for f2
    dv(NAN, 0.0, 2.0, 0.0),            # NaN category
    dv(-0.0, 1.0, 2.0, 1.0),           # -0.0 vs category 0.0
    dv(1.0, 1.0, 2.0, 2.0),            # unseen in f3
    dv(0.5, 1.0, 2.0, 1.0),            # fractional unseen
    sv(4, [1], [7.0]),                 # implicit zeros: f2 = 0 unseen
    sv(4, [0, 2], [1.0, 5.5]),         # implicit zeros in f1, f3
    sv(4, [0, 1, 2, 3], [2.0, 0.0, -1.0, 1.0]),
    sv(4, [2], [-1.0]),
    sv(4, [0, 2], [9.0, 2.0]),         # unseen stored value
    sv(4, [], []),
    dv(1.0, 2.0, 2.0),                 # wrong size
    sv(6, [0], [1.0]),                 # wrong size
    None,
]


def vector_indexer_case(g, handle):
    train = g.df([V("features")], vector_indexer_train(131))
    est = VectorIndexer(inputCol="features", outputCol="indexed", maxCategories=3,
                        handleInvalid=handle)
    g.emit(Pipeline(stages=[est]).fit(train), [V("features")], [(v,) for v in VI_SCORE])


@case
def vector_indexer_error(g):
    """VectorIndexer maxCategories=3, handleInvalid=error: f0 {0,1,2}, f2 {-1,2,5.5} and f3 {0,1}
    categorical, f1 continuous. Unseen values (3.0, 0.0 for f2, NaN, -0.0, 0.5, implicit sparse
    zeros of f2) raise; dense and sparse inputs; wrong sizes and null."""
    vector_indexer_case(g, "error")


@case
def vector_indexer_skip(g):
    """VectorIndexer maxCategories=3, handleInvalid=skip: rows with unseen category values are
    dropped (dense and sparse)."""
    vector_indexer_case(g, "skip")


@case
def vector_indexer_keep(g):
    """VectorIndexer maxCategories=3, handleInvalid=keep: unseen category values map to the
    feature's number of categories (dense and sparse)."""
    vector_indexer_case(g, "keep")


@case
def elementwise_product(g):
    """Bare ElementwiseProduct scalingVec=[2, 0, -1.5, 0.5]: dense x*w (0*Inf = NaN), sparse keeps
    its structure (stored values times w, zeros kept); wrong sizes and null."""
    model = ElementwiseProduct(scalingVec=dv(2.0, 0.0, -1.5, 0.5), inputCol="features",
                               outputCol="scaled")
    g.emit(model, [V("features")], score_vectors(141, 6, 4))


POLY_SCORE = [
    dv(2.0, 3.0, 5.0), dv(-1.5, 0.5, 0.0), dv(0.0, 0.0, 0.0), dv(1.0, -1.0, 1e-3),
    sv(3, [], []), sv(3, [1], [2.0]), sv(3, [0, 2], [-3.0, 0.5]), sv(3, [0, 1], [0.0, 4.0]),
    sv(3, [0, 1, 2], [1.0, 2.0, 3.0]),
    dv(NAN, 1.0, 2.0), dv(INF, 0.0, 1.0), dv(NINF, 2.0, 0.0), dv(1e200, 1e200, 1.0),
    dv(-0.0, 2.0, -0.0), dv(7.0), dv(1.5, -2.0), sv(2, [1], [3.0]), dv(*range(1, 6)),
    sv(5, [0, 4], [2.0, -1.0]), None,
]


@case
def polynomial_expansion_degree_2_and_3(g):
    """Two PolynomialExpansion stages on the same vector column (degree 2 -> poly2, degree 3 ->
    poly3). Dense stays dense, sparse stays sparse; vectors of size 1, 2, 3 and 5; explicit
    zeros in sparse input; NaN, +-Inf, overflow to Inf, -0.0; null."""
    model = PipelineModel(stages=[
        PolynomialExpansion(degree=2, inputCol="features", outputCol="poly2"),
        PolynomialExpansion(degree=3, inputCol="features", outputCol="poly3")])
    g.emit(model, [V("features")], [(v,) for v in POLY_SCORE])


@case
def dct_forward_and_inverse(g):
    """Two DCT stages on the same column: inverse=false -> dct, inverse=true -> idct (scaled
    DCT-II / DCT-III, orthonormal). Dense and sparse input of sizes 1, 2, 3, 4, 5, 8; NaN,
    overflow; empty vector; null. Infinite inputs are left out: which outputs become Inf and
    which NaN follows JTransforms' FFT butterflies, which mlscore does not reproduce (see
    src/stages/feature/dct.rs)."""
    model = PipelineModel(stages=[
        DCT(inverse=False, inputCol="features", outputCol="dct"),
        DCT(inverse=True, inputCol="features", outputCol="idct")])
    rows = [dv(1.0), dv(1.0, 2.0), dv(3.0, -1.0, 0.5), dv(1.0, 1.0, 1.0, 1.0),
            dv(*[r3(x) for x in gauss_vecs(151, 1, 8)[0]]), dv(0.0, 0.0, 0.0, 0.0, 0.0),
            sv(4, [], []), sv(5, [1, 3], [2.0, -4.0]), sv(8, [0], [1.0]),
            dv(NAN, 1.0, 2.0), dv(NAN, 1.0, 2.0, 3.0), dv(1e300, -1e300), dv(), None]
    g.emit(model, [V("features")], [(v,) for v in rows])


W2V_VOCAB = ["spark", "rust", "model", "score", "vector", "fast", "data", "train", "jvm",
             "parquet", "row", "column", "float", "double", "café"]


@case
def word2vec(g):
    """Word2Vec vectorSize=6, minCount=2, windowSize=3, maxIter=2, seed 7, one partition: the
    sentence vector is the mean of the in-vocabulary word vectors with OOV words counted;
    empty sentences give a zero sparse vector; all-OOV sentences; repeated words; null."""
    rng = random.Random(161)
    train = []
    for _ in range(60):
        n = rng.randrange(3, 9)
        train.append(([rng.choice(W2V_VOCAB[:12]) for _ in range(n)],))
    train.append((["double", "float"],))
    train.append((["café"],))  # seen once: below minCount
    model = Word2Vec(vectorSize=6, minCount=2, windowSize=3, maxIter=2, seed=7,
                     numPartitions=1, inputCol="words", outputCol="vec").fit(
                         g.df([A("words")], train))
    score = [["spark", "rust", "model"], ["data"], ["data", "data", "data"],
             ["spark", "unknown", "words"], ["unknown"], [], ["café", "spark"],
             ["float", "double", "row", "column", "jvm", "parquet", "train", "fast"],
             ["Spark"], [""], None]
    g.emit(model, [A("words")], [(s,) for s in score])


FH_FIELDS = [D("num"), I("cnt"), S("str"), B("flag"), D("cat_num"), I("cat_int")]
FH_ROWS = [
    (1.5, 3, "a", True, 1.0, 2),
    (0.0, 0, "", False, 0.0, 0),
    (-0.0, -1, "é", True, -0.0, -7),
    (NAN, 2147483647, "a b", False, NAN, 2147483647),
    (INF, -2147483648, "日本", None, INF, None),
    (NINF, None, None, True, NINF, 1),
    (None, 5, "zzz", False, None, 3),
    (1e300, 7, "A", True, 1e-5, 4),
    (2.0, 2, "2.0", False, 2.0, 2),
    (1e7, 1, "true", True, 1e7, 1),
    (0.1, 9, "=", True, 0.30000000000000004, 10),
    (None, None, None, None, None, None),
]


@case
def feature_hasher_numeric_string_boolean_categorical(g):
    """Two FeatureHashers on double, int, string, boolean columns, with cat_num (double) and
    cat_int (int) in categoricalCols (hashed as name=value.toString: '1.0', '2', 'NaN',
    'Infinity', '1.0E-5', '1.0E7'): numFeatures=16 (collisions sum) -> hashed16, default 2^18
    -> hashed. Nulls skipped; 0.0 and -0.0 numeric values; NaN/Inf values; booleans as
    'true'/'false'."""
    cols = ["num", "cnt", "str", "flag", "cat_num", "cat_int"]
    model = PipelineModel(stages=[
        FeatureHasher(inputCols=cols, outputCol="hashed16", numFeatures=16,
                      categoricalCols=["cat_num", "cat_int"]),
        FeatureHasher(inputCols=cols, outputCol="hashed", categoricalCols=["cat_num", "cat_int"]),
    ])
    g.emit(model, FH_FIELDS, FH_ROWS)


# ============================================================================
# Regression
# ============================================================================

def glr_rows(seed, n, family):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x = [r3(rng.uniform(0, 1)) for _ in range(3)]
        if family == "gaussian":
            y = 1.0 + 2.0 * x[0] - 1.5 * x[1] + 0.5 * x[2] + rng.gauss(0, 0.3)
        elif family == "binomial":
            m = -0.5 + 3.0 * x[0] - 2.0 * x[1] + x[2]
            y = 1.0 if rng.random() < 1.0 / (1.0 + math.exp(-m)) else 0.0
        elif family == "poisson":
            lam = math.exp(0.2 + 1.0 * x[0] + 0.5 * x[1] - 0.7 * x[2])
            # Knuth's Poisson sampler (small lambda)
            k, p, lim = 0, 1.0, math.exp(-lam)
            while True:
                p *= rng.random()
                if p <= lim:
                    break
                k += 1
            y = float(k)
        elif family == "gamma":
            mu = 1.0 / (0.5 + 0.8 * x[0] + 0.3 * x[1] + 0.2 * x[2])
            y = rng.gammavariate(4.0, mu / 4.0)
        else:  # tweedie-ish: positive, skewed
            mu = (0.8 + 1.2 * x[0] + 0.4 * x[1] + 0.3 * x[2]) ** 2
            y = rng.gammavariate(2.0, mu / 2.0) if rng.random() < 0.85 else 0.0
        rows.append((dv(*x), r3(y) if family != "binomial" else y))
    return rows


def glr_score(seed):
    rng = random.Random(seed)
    rows = [(dv(*[r3(rng.uniform(0, 1)) for _ in range(3)]),) for _ in range(8)]
    rows += [(dv(-3.0, 4.0, 0.0),), (dv(50.0, -50.0, 10.0),), (sv(3, [1], [0.25]),)]
    return rows + [(v,) for v in edges(3)]


def glr_case(g, family, seed, **kw):
    train = g.df([V("features"), D("label")], glr_rows(seed, 80, family))
    est = GeneralizedLinearRegression(family=family, maxIter=50, regParam=0.01,
                                      linkPredictionCol="eta", **kw)
    g.emit(est.fit(train), [V("features")], glr_score(seed + 1))


@case
def glr_gaussian_identity(g):
    """Bare GeneralizedLinearRegressionModel family=gaussian (default identity link),
    linkPredictionCol=eta: eta = x.w + b; prediction = eta, +-Inf projected to +-MaxValue.
    Dense, sparse, edges (NaN, +-Inf, 1e300, wrong sizes, null)."""
    glr_case(g, "gaussian", 201)


@case
def glr_binomial_logit(g):
    """GLR family=binomial link=logit, linkPredictionCol=eta: prediction = 1/(1+exp(-eta))
    clamped to [1e-16, 1-1e-16]; edges."""
    glr_case(g, "binomial", 203, link="logit")


@case
def glr_poisson_log(g):
    """GLR family=poisson link=log: prediction = max(exp(eta), 1e-16), Inf -> MaxValue; edges."""
    glr_case(g, "poisson", 205, link="log")


@case
def glr_gamma_inverse(g):
    """GLR family=gamma link=inverse: prediction = 1/eta, projected to >= 1e-16 (negative eta
    from extreme rows); edges."""
    glr_case(g, "gamma", 207, link="inverse")


@case
def glr_tweedie_power_1_5_link_0_5(g):
    """GLR family=tweedie variancePower=1.5 linkPower=0.5 (sqrt link): prediction = eta^2,
    projected to >= 1e-16; edges."""
    glr_case(g, "tweedie", 209, variancePower=1.5, linkPower=0.5)


@case
def glr_tweedie_power_1_5_default_link(g):
    """GLR family=tweedie variancePower=1.5 without linkPower: the default power link 1-p=-0.5,
    prediction = eta^(1/-0.5); edges."""
    glr_case(g, "tweedie", 211, variancePower=1.5)


@case
def aft_survival_regression_quantiles(g):
    """Bare AFTSurvivalRegressionModel with quantileProbabilities=[0.1, 0.5, 0.9, 0.99] and
    quantilesCol=quantiles: prediction = exp(x.w + b), quantiles = prediction * exp(log(-log1p(-p))
    * scale). Dense, sparse, edges."""
    rng = random.Random(221)
    rows = []
    for _ in range(60):
        x = [r3(rng.uniform(-1, 1)) for _ in range(3)]
        t = math.exp(0.5 + 0.8 * x[0] - 0.4 * x[1]) * rng.weibullvariate(1.0, 1.5)
        rows.append((dv(*x), r3(t) + 0.001, 1.0 if rng.random() < 0.7 else 0.0))
    train = g.df([V("features"), D("label"), D("censor")], rows)
    model = AFTSurvivalRegression(quantileProbabilities=[0.1, 0.5, 0.9, 0.99],
                                  quantilesCol="quantiles", maxIter=50).fit(train)
    g.emit(model, [V("features")], score_vectors(222, 6, 3, scale=0.8))


def isotonic_train(seed, n=30):
    """x with ties; y noisy and non-monotone so adjacent violators get pooled."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        x = float(rng.randrange(0, 15)) / 2.0
        rows.append((x, r3(x * 0.8 + rng.gauss(0, 1.5))))
    return rows


@case
def isotonic_regression_double_feature(g):
    """IsotonicRegression isotonic=true on a double featuresCol (ties and pooled blocks, so
    boundaries repeat): scores every boundary exactly, midpoints, values below the first and
    above the last boundary, -0.0, NaN, +-Inf and null."""
    rows = isotonic_train(231)
    train = g.df([D("x"), D("label")], [(x, y) for x, y in rows])
    model = Pipeline(stages=[IsotonicRegression(featuresCol="x", isotonic=True)]).fit(train)
    bounds = sorted(set(model.stages[0].boundaries.toArray().tolist()))
    score = list(bounds) + [(a + b) / 2.0 for a, b in zip(bounds, bounds[1:])]
    score += [bounds[0] - 1.0, bounds[-1] + 1.0, -0.0, 0.0, NAN, INF, NINF, None, 1e300]
    g.emit(model, [D("x")], [(v,) for v in score])


@case
def isotonic_regression_vector_feature_antitonic(g):
    """IsotonicRegression isotonic=false on a vector featuresCol with featureIndex=1: boundary,
    between, outside values in feature 1 (dense and sparse), NaN, +-Inf; short vectors and null."""
    rows = isotonic_train(233)
    rng = random.Random(234)
    train = g.df([V("features"), D("label")],
                 [(dv(r3(rng.uniform(-5, 5)), x, 1.0), -y) for x, y in rows])
    model = IsotonicRegression(featuresCol="features", featureIndex=1, isotonic=False).fit(train)
    bounds = sorted(set(model.boundaries.toArray().tolist()))
    xs = list(bounds) + [(a + b) / 2.0 for a, b in zip(bounds, bounds[1:])]
    xs += [bounds[0] - 0.5, bounds[-1] + 0.5, NAN, INF, NINF]
    score = [dv(9.0, x, 0.0) for x in xs]
    score += [sv(3, [1], [bounds[1]]), sv(3, [0], [2.0]), sv(3, [], []), dv(1.0), None]
    g.emit(model, [V("features")], [(v,) for v in score])


# ============================================================================
# Classification
# ============================================================================

def mc_score(seed, d=4):
    rows = [(dv(*x),) for x, _ in multiclass_rows(seed, 8, d=d)]
    rows += [(sparse_of([x[0], 0.0, x[2], 0.0]),) for x, _ in multiclass_rows(seed + 1, 3, d=d)]
    return rows + [(v,) for v in edges(d)]


@case
def multilayer_perceptron_4_6_3(g):
    """Bare MultilayerPerceptronClassificationModel layers [4, 6, 3] (sigmoid hidden, softmax
    output): rawPrediction, probability, prediction. Dense, sparse, edges."""
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in multiclass_rows(241, 90)])
    model = MultilayerPerceptronClassifier(layers=[4, 6, 3], maxIter=60, seed=242,
                                           blockSize=16).fit(train)
    g.emit(model, [V("features")], mc_score(243))


@case
def fm_classifier(g):
    """Bare FMClassificationModel factorSize=3: y = b + x.w + pairwise factor term; raw [-y, y],
    probability sigmoid. Dense, sparse, edges."""
    rows = lin_rows(251, 80, [1.5, -2.0, 0.7, 0.0])
    train = g.df([V("features"), D("label")], [(dv(*x), 1.0 if m > 0 else 0.0) for x, m in rows])
    model = FMClassifier(factorSize=3, maxIter=40, stepSize=0.1, seed=252).fit(train)
    g.emit(model, [V("features")], mc_score(253))


@case
def fm_regressor(g):
    """FMRegressionModel factorSize=3 in a pipeline: prediction y. Dense, sparse, edges."""
    rows = lin_rows(261, 80, [1.5, -2.0, 0.7, 0.3])
    train = g.df([V("features"), D("label")], [(dv(*x), r3(m + x[0] * x[1])) for x, m in rows])
    model = Pipeline(stages=[FMRegressor(factorSize=3, maxIter=40, stepSize=0.05,
                                         seed=262)]).fit(train)
    g.emit(model, [V("features")], mc_score(263))


@case
def one_vs_rest_logistic_regression(g):
    """OneVsRestModel over 3 LogisticRegression models: rawPrediction = each model's
    rawPrediction[1], prediction = argmax. Dense, sparse, edges (NaN scores)."""
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in multiclass_rows(271, 90)])
    model = OneVsRest(classifier=LogisticRegression(maxIter=30, regParam=0.01)).fit(train)
    g.emit(model, [V("features")], mc_score(272))


@case
def one_vs_rest_linear_svc(g):
    """OneVsRestModel over 3 LinearSVC models in a pipeline: margins as rawPrediction,
    prediction = argmax. Dense, sparse, edges."""
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in multiclass_rows(273, 90)])
    model = Pipeline(stages=[OneVsRest(classifier=LinearSVC(maxIter=30, regParam=0.01))]).fit(train)
    g.emit(model, [V("features")], mc_score(274))


# ============================================================================
# Clustering, recommendation
# ============================================================================

@case
def gaussian_mixture_k3(g):
    """Bare GaussianMixtureModel k=3 on 2-d data from 3 blobs (seed 282): probability (posterior
    vector) and prediction (int). Points near each mean, between means, far away (underflow),
    NaN, Inf, zero, sparse, wrong size, null."""
    rng = random.Random(281)
    centers = [(0.0, 0.0), (4.0, 1.0), (1.0, 5.0)]
    rows = []
    for _ in range(90):
        cx, cy = centers[rng.randrange(3)]
        rows.append((dv(r3(cx + rng.gauss(0, 0.8)), r3(cy + rng.gauss(0, 1.1))),))
    model = GaussianMixture(k=3, seed=282, maxIter=50).fit(g.df([V("features")], rows))
    score = [dv(0.1, -0.2), dv(3.9, 1.2), dv(1.1, 4.8), dv(2.0, 0.5), dv(0.5, 2.5), dv(2.5, 3.0),
             dv(30.0, -20.0), dv(-100.0, 100.0), sv(2, [], []), sv(2, [1], [5.0]),
             dv(NAN, 0.0), dv(INF, 0.0), dv(1e300, 1e300), dv(1.0), None]
    g.emit(model, [V("features")], [(v,) for v in score])


ALS_USERS = [0, 1, 2, 3, 5, 7, 8, 10, 12, 13, 20, 21]
ALS_ITEMS = [1, 2, 3, 4, 5, 6, 8, 9, 11, 14, 100]


def als_train(seed):
    rng = random.Random(seed)
    uf = {u: [rng.gauss(0, 1) for _ in range(3)] for u in ALS_USERS}
    itf = {i: [rng.gauss(0, 1) for _ in range(3)] for i in ALS_ITEMS}
    rows = []
    for u in ALS_USERS:
        for i in rng.sample(ALS_ITEMS, 6):
            r = 3.0 + sum(a * b for a, b in zip(uf[u], itf[i])) + rng.gauss(0, 0.3)
            rows.append((u, i, float(max(1.0, min(5.0, round(r * 2) / 2.0)))))
    return rows


ALS_SCORE = ([(u, i) for u in (0, 3, 12, 21) for i in (1, 5, 100)]
             + [(999, 1), (0, 999), (999, 999), (-1, 2), (2147483647, 3), (None, 1), (1, None),
                (7, 14), (8, 2)])


def als_case(g, strategy):
    train = g.df([I("user"), I("item"), D("rating")], als_train(291))
    model = ALS(rank=4, maxIter=6, regParam=0.1, seed=292, userCol="user", itemCol="item",
                ratingCol="rating", coldStartStrategy=strategy).fit(train)
    g.emit(model, [I("user"), I("item")], ALS_SCORE)
    # Top-5 from the model on disk, as recommendForUserSubset / recommendForItemSubset give it.
    loaded = type(model).load(os.path.join(g.out, g.name, "model"))
    lines = []
    for kind, col, ids, other in (("user", "user", [0, 3, 12, 21, 999], "item"),
                                  ("item", "item", [1, 5, 100, 999], "user")):
        df = g.spark.createDataFrame([(i,) for i in ids], StructType([I(col)]))
        recs = (loaded.recommendForUserSubset(df, 5) if kind == "user"
                else loaded.recommendForItemSubset(df, 5)).collect()
        by_id = {r[col]: r["recommendations"] for r in recs}
        for i in ids:
            rec = by_id.get(i, [])
            lines.append({"for": kind, "id": i, "k": 5, "ids": [int(x[other]) for x in rec],
                          "ratings": [gf.encf(x["rating"]) for x in rec]})
    with open(os.path.join(g.out, g.name, "recommendations.jsonl"), "w", encoding="utf-8") as f:
        for obj in lines:
            f.write(gf.dumps(obj) + "\n")


@case
def als_cold_start_nan(g):
    """ALSModel rank=4 coldStartStrategy=nan: prediction (float) is the float dot product of the
    user and item factors; unknown users/items (999, -1, Int.MaxValue) give NaN; null ids as
    Spark does them. recommendations.jsonl: top-5 items for users 0, 3, 12, 21, 999 and top-5
    users for items 1, 5, 100, 999."""
    als_case(g, "nan")


@case
def als_cold_start_drop(g):
    """ALSModel coldStartStrategy=drop: rows whose prediction is NaN (unknown ids) are dropped.
    recommendations.jsonl as in als_cold_start_nan."""
    als_case(g, "drop")


# ============================================================================
# Old RDD-based mllib models: model.save(sc, path); predict(features) row by row
# ============================================================================

MLLIB_LOADERS = {
    "lr": "org.apache.spark.mllib.classification.LogisticRegressionModel",
    "svm": "org.apache.spark.mllib.classification.SVMModel",
    "linreg": "org.apache.spark.mllib.regression.LinearRegressionModel",
    "nb": "org.apache.spark.mllib.classification.NaiveBayesModel",
    "dt": "org.apache.spark.mllib.tree.model.DecisionTreeModel",
    "rf": "org.apache.spark.mllib.tree.model.RandomForestModel",
    "gbt": "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel",
    "kmeans": "org.apache.spark.mllib.clustering.KMeansModel",
}


def jvm_class(g, name):
    return g.spark.sparkContext._jvm.java.lang.Class.forName(name)


def mllib_emit(g, kind, save, rows, int_prediction=False):
    """`save(path)` writes the model with the mllib writer; the model is then loaded back in the
    JVM and `predict(Vector)` is invoked per row (by reflection, so a null vector reaches it).
    rows: list of ml vectors or None."""
    sc = g.spark.sparkContext
    gw = sc._gateway
    t0 = time.time()
    d = os.path.join(g.out, g.name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    mpath = os.path.join(d, "model")
    save(mpath)
    cls = jvm_class(g, MLLIB_LOADERS[kind])
    sig = gw.new_array(gw.jvm.java.lang.Class, 2)
    sig[0] = jvm_class(g, "org.apache.spark.SparkContext")
    sig[1] = jvm_class(g, "java.lang.String")
    args = gw.new_array(gw.jvm.java.lang.Object, 2)
    args[0] = sc._jsc.sc()
    args[1] = mpath
    jmodel = cls.getMethod("load", sig).invoke(None, args)
    vsig = gw.new_array(gw.jvm.java.lang.Class, 1)
    vsig[0] = jvm_class(g, "org.apache.spark.mllib.linalg.Vector")
    predict = jmodel.getClass().getMethod("predict", vsig)
    expected = []
    n_err = 0
    for i, v in enumerate(rows):
        a = gw.new_array(gw.jvm.java.lang.Object, 1)
        a[0] = None if v is None else _py2java(sc, MLlibVectors.fromML(v))
        try:
            p = predict.invoke(jmodel, a)
            p = int(p) if int_prediction else float(p)
            expected.append({"_id": i, "features": gf.enc(v), "prediction": gf.enc(p)})
        except Exception as e:  # the row raises in predict
            expected.append({"_id": i, "_error": gf.java_error_message(e)})
            n_err += 1
    with open(os.path.join(d, "input.jsonl"), "w", encoding="utf-8") as f:
        for i, v in enumerate(rows):
            f.write(gf.dumps({"_id": i, "features": gf.enc(v)}) + "\n")
    with open(os.path.join(d, "expected.jsonl"), "w", encoding="utf-8") as f:
        for obj in expected:
            f.write(gf.dumps(obj) + "\n")
    schema = {
        "sparkVersion": g.version,
        "case": g.name,
        "inputs": [{"name": "features", "type": "vector"}],
        "outputs": [{"name": "features", "type": "vector"},
                    {"name": "prediction", "type": "int" if int_prediction else "double"}],
        "description": " ".join(g.description.split()),
    }
    with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(schema, allow_nan=False, ensure_ascii=False, indent=1) + "\n")
    g.summary.append((g.name, len(rows), 0, n_err))
    print("  %-52s rows=%3d skipped= 0 errors=%2d  predict  save+score %.1fs"
          % (g.name, len(rows), n_err, time.time() - t0), flush=True)


def labeled(g, rows):
    """Python RDD of LabeledPoint from (list, label) rows (one partition: deterministic)."""
    return g.spark.sparkContext.parallelize(
        [LabeledPoint(y, MLlibVectors.dense(x)) for x, y in rows], 1)


def jrdd(g, rdd):
    """The JVM RDD[LabeledPoint] of a Python RDD (as PySpark's MLlib wrappers pass it)."""
    return _py2java(g.spark.sparkContext, rdd).rdd()


def mllib_score(seed, d, n=8, scale=1.5):
    rows = [dv(*x) for x in gauss_vecs(seed, n, d, scale)]
    rows += [sparse_of([v if j % 2 else 0.0 for j, v in enumerate(x)])
             for x in gauss_vecs(seed + 1, 3, d, scale)]
    return rows + edges(d)


def bin_rows(seed, n, d=4):
    return [(x, 1.0 if m > 0 else 0.0) for x, m in lin_rows(seed, n, [1.5, -2.0, 0.7, 0.0][:d])]


def jsave(g, jmodel):
    return lambda path: jmodel.save(g.spark.sparkContext._jsc.sc(), path)


def psave(g, model):
    return lambda path: model.save(g.spark.sparkContext, path)


@case
def mllib_logistic_regression_lbfgs_binary(g):
    """mllib LogisticRegressionWithLBFGS (binary, intercept): LogisticRegressionModel saved with
    save(sc, path), threshold 0.5 -> prediction 0/1 from sigmoid(margin). Dense, sparse, edges
    (NaN margin, +-Inf, wrong sizes raise, null)."""
    from pyspark.mllib.classification import LogisticRegressionWithLBFGS
    m = LogisticRegressionWithLBFGS.train(labeled(g, bin_rows(301, 80)), iterations=50,
                                          intercept=True)
    mllib_emit(g, "lr", psave(g, m), mllib_score(302, 4))


@case
def mllib_logistic_regression_lbfgs_binary_no_threshold(g):
    """mllib binary LogisticRegressionModel with the threshold cleared (JVM clearThreshold before
    save): predict returns the probability sigmoid(margin)."""
    from pyspark.mllib.classification import LogisticRegressionWithLBFGS
    m = LogisticRegressionWithLBFGS.train(labeled(g, bin_rows(303, 80)), iterations=50,
                                          intercept=True)
    sc = g.spark.sparkContext
    jm = sc._jvm.org.apache.spark.mllib.classification.LogisticRegressionModel(
        _py2java(sc, m.weights), float(m.intercept), m.numFeatures, m.numClasses)
    jm.clearThreshold()
    mllib_emit(g, "lr", jsave(g, jm), mllib_score(304, 4))


@case
def mllib_logistic_regression_lbfgs_multiclass(g):
    """mllib LogisticRegressionWithLBFGS numClasses=3 (no intercept, the mllib default): weights
    hold 2 blocks; predict = class with the largest positive margin (class 0 margin 0)."""
    from pyspark.mllib.classification import LogisticRegressionWithLBFGS
    m = LogisticRegressionWithLBFGS.train(labeled(g, multiclass_rows(305, 90)), iterations=50,
                                          numClasses=3)
    mllib_emit(g, "lr", psave(g, m), mllib_score(306, 4))


@case
def mllib_logistic_regression_lbfgs_multiclass_intercept(g):
    """mllib LogisticRegressionWithLBFGS numClasses=3 with intercept=True: each weight block has
    numFeatures + 1 entries, the last the class intercept."""
    from pyspark.mllib.classification import LogisticRegressionWithLBFGS
    m = LogisticRegressionWithLBFGS.train(labeled(g, multiclass_rows(307, 90)), iterations=50,
                                          numClasses=3, intercept=True)
    mllib_emit(g, "lr", psave(g, m), mllib_score(308, 4))


@case
def mllib_svm_sgd(g):
    """mllib SVMWithSGD (intercept, full batch): SVMModel threshold 0.0 -> prediction 0/1 from the
    margin. Dense, sparse, edges."""
    from pyspark.mllib.classification import SVMWithSGD
    m = SVMWithSGD.train(labeled(g, bin_rows(311, 80)), iterations=50, step=1.0,
                         miniBatchFraction=1.0, intercept=True)
    mllib_emit(g, "svm", psave(g, m), mllib_score(312, 4))


@case
def mllib_svm_sgd_no_threshold(g):
    """mllib SVMModel with the threshold cleared: predict returns the raw margin."""
    from pyspark.mllib.classification import SVMWithSGD
    m = SVMWithSGD.train(labeled(g, bin_rows(313, 80)), iterations=50, step=1.0,
                         miniBatchFraction=1.0, intercept=True)
    sc = g.spark.sparkContext
    jm = sc._jvm.org.apache.spark.mllib.classification.SVMModel(_py2java(sc, m.weights),
                                                                float(m.intercept))
    jm.clearThreshold()
    mllib_emit(g, "svm", jsave(g, jm), mllib_score(314, 4))


@case
def mllib_linear_regression_sgd(g):
    """mllib LinearRegressionWithSGD (intercept, full batch): prediction = margin. Dense, sparse,
    edges."""
    from pyspark.mllib.regression import LinearRegressionWithSGD
    rows = lin_rows(321, 80, [1.5, -2.0, 0.7, 0.0])
    m = LinearRegressionWithSGD.train(labeled(g, rows), iterations=100, step=0.1,
                                      miniBatchFraction=1.0, intercept=True)
    mllib_emit(g, "linreg", psave(g, m), mllib_score(322, 4))


def nb_rows(seed, n, binary):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        y = rng.randrange(3)
        if binary:
            x = [1.0 if rng.random() < (0.2 + 0.3 * ((y + j) % 3)) else 0.0 for j in range(5)]
        else:
            x = [float(rng.randrange(0, 2 + 3 * ((y + j) % 3))) for j in range(5)]
        rows.append((x, float(y) * 2.0))  # labels 0, 2, 4
    return rows


NB_BIN_SCORE = [dv(1, 0, 1, 0, 1), dv(0, 0, 0, 0, 0), dv(1, 1, 1, 1, 1), sv(5, [], []),
                sv(5, [2, 4], [1.0, 1.0]), sv(5, [0, 1], [0.0, 1.0]), dv(0.5, 0, 0, 0, 0),
                dv(2, 0, 0, 0, 0), dv(-1, 0, 0, 0, 0), dv(NAN, 0, 0, 0, 0),
                dv(1, 0, 1, 0), None]
NB_MULTI_SCORE = [dv(1, 0, 3, 2, 0), dv(0, 0, 0, 0, 0), dv(5, 5, 5, 5, 5), sv(5, [], []),
                  sv(5, [1, 3], [4.0, 0.5]), dv(0.25, 1.5, 0, 0, 7), dv(-1, 0, 0, 0, 0),
                  sv(5, [2], [-0.5]), dv(NAN, 1, 1, 1, 1), dv(INF, 0, 0, 0, 0),
                  dv(1e300, 0, 0, 0, 0), dv(1, 2, 3), sv(7, [6], [1.0]), None]


@case
def mllib_naive_bayes_multinomial(g):
    """mllib NaiveBayes modelType=multinomial (labels 0, 2, 4) saved with save(sc, path):
    predict = label of argmax(pi + theta.x). Negative / NaN features as Spark does them;
    wrong sizes; null."""
    sc = g.spark.sparkContext
    jm = sc._jvm.org.apache.spark.mllib.classification.NaiveBayes.train(
        jrdd(g, labeled(g, nb_rows(331, 90, False))), 1.0, "multinomial")
    mllib_emit(g, "nb", jsave(g, jm), NB_MULTI_SCORE)


@case
def mllib_naive_bayes_bernoulli(g):
    """mllib NaiveBayes modelType=bernoulli (trained in the JVM: the Python wrapper would save it
    as multinomial): predict uses theta and log1p(-exp(theta)); values other than 0/1 as Spark
    does them."""
    sc = g.spark.sparkContext
    jm = sc._jvm.org.apache.spark.mllib.classification.NaiveBayes.train(
        jrdd(g, labeled(g, nb_rows(333, 90, True))), 1.0, "bernoulli")
    mllib_emit(g, "nb", jsave(g, jm), NB_BIN_SCORE)


def mllib_tree_rows(seed, n, classes=3):
    """x0 categorical {0,1,2}, x1..x3 continuous; label from both."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        c = float(rng.randrange(3))
        x = [c] + [r3(rng.gauss(0, 2)) for _ in range(3)]
        s = x[1] - 0.5 * x[2] + (1.5 if c == 1.0 else -0.5 if c == 2.0 else 0.0)
        if classes:
            y = float(min(classes - 1, max(0, int((s + 2.0) / 1.5))))
        else:
            y = r3(s + rng.gauss(0, 0.2))
        rows.append((x, y))
    return rows


def mllib_tree_score(model, seed, n=8):
    """Random rows, then rows on each split threshold (x <= t goes left) and one ulp above."""
    rows = [dv(*x) for x, _ in mllib_tree_rows(seed, n)]
    found = set()
    for mt in re.finditer(r"\(feature (\d+) <= ([^)\s]+)\)", model.toDebugString()):
        found.add((int(mt.group(1)), float(mt.group(2))))
    for f, t in gf.pick_spread(sorted(found), 6):
        base = [1.0, 0.0, 0.0, 0.0]
        base[f] = t
        rows.append(dv(*base))
        base = list(base)
        base[f] = math.nextafter(t, INF) if hasattr(math, "nextafter") else t + 1e-12
        rows.append(dv(*base))
    rows += [dv(3.0, 0.0, 0.0, 0.0), dv(-1.0, 0.0, 0.0, 0.0), dv(1.5, 0.0, 0.0, 0.0),
             sv(4, [2], [1.0]), sv(4, [], [])]
    return rows + edges(4)


@case
def mllib_decision_tree_classifier(g):
    """mllib DecisionTree.trainClassifier numClasses=3, x0 categorical (3 values), maxDepth 4:
    DecisionTreeModel (algo Classification) saved with save(sc, path). Rows on every split
    threshold, unseen categories (3, -1, 1.5), edges."""
    from pyspark.mllib.tree import DecisionTree
    m = DecisionTree.trainClassifier(labeled(g, mllib_tree_rows(341, 120)), numClasses=3,
                                     categoricalFeaturesInfo={0: 3}, maxDepth=4)
    mllib_emit(g, "dt", psave(g, m), mllib_tree_score(m, 342))


@case
def mllib_decision_tree_regressor(g):
    """mllib DecisionTree.trainRegressor (variance), x0 categorical, maxDepth 4."""
    from pyspark.mllib.tree import DecisionTree
    m = DecisionTree.trainRegressor(labeled(g, mllib_tree_rows(343, 120, classes=0)),
                                    categoricalFeaturesInfo={0: 3}, maxDepth=4)
    mllib_emit(g, "dt", psave(g, m), mllib_tree_score(m, 344))


@case
def mllib_random_forest_classifier(g):
    """mllib RandomForest.trainClassifier numClasses=3, 5 trees, seed 352: majority vote of the
    trees' predictions. Threshold rows, unseen categories, edges."""
    from pyspark.mllib.tree import RandomForest
    m = RandomForest.trainClassifier(labeled(g, mllib_tree_rows(351, 120)), numClasses=3,
                                     categoricalFeaturesInfo={0: 3}, numTrees=5, maxDepth=4,
                                     seed=352)
    mllib_emit(g, "rf", psave(g, m), mllib_tree_score(m, 353))


@case
def mllib_random_forest_regressor(g):
    """mllib RandomForest.trainRegressor 5 trees, seed 355: mean of the trees' predictions."""
    from pyspark.mllib.tree import RandomForest
    m = RandomForest.trainRegressor(labeled(g, mllib_tree_rows(354, 120, classes=0)),
                                    categoricalFeaturesInfo={0: 3}, numTrees=5, maxDepth=4,
                                    seed=355)
    mllib_emit(g, "rf", psave(g, m), mllib_tree_score(m, 356))


@case
def mllib_gradient_boosted_trees_classifier(g):
    """mllib GradientBoostedTrees.trainClassifier (log loss, 6 iterations, binary labels): predict
    = 1 if the weighted sum of tree outputs > 0 else 0."""
    from pyspark.mllib.tree import GradientBoostedTrees
    rows = [(x, 1.0 if y >= 1.0 else 0.0) for x, y in mllib_tree_rows(361, 120)]
    m = GradientBoostedTrees.trainClassifier(labeled(g, rows), categoricalFeaturesInfo={0: 3},
                                             numIterations=6, maxDepth=3)
    mllib_emit(g, "gbt", psave(g, m), mllib_tree_score(m, 362))


@case
def mllib_gradient_boosted_trees_regressor(g):
    """mllib GradientBoostedTrees.trainRegressor (squared error, 6 iterations, learning rate
    0.1): predict = weighted sum of tree outputs."""
    from pyspark.mllib.tree import GradientBoostedTrees
    m = GradientBoostedTrees.trainRegressor(labeled(g, mllib_tree_rows(363, 120, classes=0)),
                                            categoricalFeaturesInfo={0: 3}, numIterations=6,
                                            maxDepth=3)
    mllib_emit(g, "gbt", psave(g, m), mllib_tree_score(m, 364))


@case
def mllib_kmeans(g):
    """mllib KMeans.train k=3 seed 372: KMeansModel saved with save(sc, path); predict is the
    index (int) of the closest center. Dense, sparse, edges (NaN, Inf, wrong sizes, null)."""
    from pyspark.mllib.clustering import KMeans
    rng = random.Random(371)
    centers = [(0.0, 0.0, 0.0), (5.0, 5.0, 0.0), (0.0, 5.0, 5.0)]
    pts = [MLlibVectors.dense([r3(c + rng.gauss(0, 0.7)) for c in centers[rng.randrange(3)]])
           for _ in range(60)]
    m = KMeans.train(g.spark.sparkContext.parallelize(pts, 1), 3, maxIterations=20, seed=372)
    rows = [dv(0.1, 0.2, -0.1), dv(4.8, 5.1, 0.2), dv(0.0, 4.9, 5.2), dv(2.5, 2.5, 2.5),
            sv(3, [1], [5.0]), sv(3, [0, 1], [5.0, 5.0])] + edges(3)
    mllib_emit(g, "kmeans", psave(g, m), rows, int_prediction=True)


# ============================================================================
# main
# ============================================================================

def run_topic(cases, topic, doc, gen_class=None, reuse=False):
    """The main() of every topic generator (`gen_fixtures_<topic>.py`): `--out`/`--only`, a
    one-core session (`gf.make_spark`; FPGrowth's rule order and the row-error attribution
    want one partition), every case run and reported, exit status 1 if one failed.

    Case names are unique across the sets of one Spark version, because gen_cross.py writes
    every set's cases into one directory per version pair. `reuse=True` is for a set of Spark
    versions no other set is made with (fixtures-v2, Spark 2.x): it runs the other generators'
    case functions under their own names."""
    ver = pyspark.__version__
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--out", help="output directory (default tests/spark/fixtures-%s/"
                                  "spark-<ver>)" % topic)
    ap.add_argument("--only", help="comma-separated case names (default: all cases)")
    args = ap.parse_args()
    out = args.out or os.path.join(HERE, "fixtures-" + topic, "spark-%s" % ver)
    os.makedirs(out, exist_ok=True)
    # Python workers (RDD-based mllib training pickles LabeledPoints) must be this venv's python.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    t_start = time.time()
    spark = gf.make_spark("mlscore-fixtures-" + topic, cores=1)
    spark.sparkContext.setLogLevel("OFF")
    assert spark.version == ver, (spark.version, ver)
    g = (gen_class or Gen)(spark, out)
    print("Spark %s -> %s" % (spark.version, out), flush=True)

    only = set(args.only.split(",")) if args.only else None
    names = [fn.__name__ for fn in cases]
    assert len(names) == len(set(names))
    others = set(fn.__name__ for fn in gf.CASES)
    if cases is not CASES:
        others |= set(fn.__name__ for fn in CASES)
    clash = set(names) & others
    assert reuse or not clash, clash
    if only:
        unknown = only - set(names)
        assert not unknown, unknown
    failed = []
    for fn in cases:
        if only and fn.__name__ not in only:
            continue
        g.name = fn.__name__
        g.description = fn.__doc__
        try:
            fn(g)
        except Exception as e:  # keep going; report at the end
            msg = gf.java_error_message(e)
            print("  FAILED %s: %s" % (fn.__name__, msg), flush=True)
            traceback.print_exc()
            failed.append((fn.__name__, msg))
    print("%d cases written, %d failed" % (len(g.summary), len(failed)))
    for n, m in failed:
        print("  failed: %s: %s" % (n, m))
    print("total %.1fs" % (time.time() - t_start))
    spark.stop()
    if failed:
        sys.exit(1)


def main():
    run_topic(CASES, "more", __doc__)


if __name__ == "__main__":
    main()
