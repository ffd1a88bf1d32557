#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made conformance fixtures for mlscore: clustering and old mllib models.

Covers BisectingKMeansModel, LocalLDAModel and DistributedLDAModel, FPGrowthModel (ml), and the
old RDD-based `org.apache.spark.mllib` models MatrixFactorizationModel, Word2VecModel,
GaussianMixtureModel, BisectingKMeansModel and LocalLDAModel saved with `model.save(sc, path)`.

Spark is the oracle, as in gen_fixtures.py: every expected value comes from the model loaded
back from disk. Output format and layout are those of gen_fixtures.py (tests/spark/README.md);
this script imports gen_fixtures.py and gen_fixtures_more.py (its siblings) for the value
encoding, the row-error attribution and the mllib conventions.

Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_models.py \
        --out tests/spark/fixtures-models/spark-<ver> [--only case1,case2]

mllib cases (`mllib_*`) call the JVM model loaded back with its `load(sc, path)`, row by row:

* GaussianMixtureModel, BisectingKMeansModel: input `{_id, features}`, expected
  `{_id, features, prediction}` with `prediction` an int (`predict(Vector)`).
* LocalLDAModel: input `{_id, features}`, expected `{_id, features, topicDistribution}`
  (`topicDistribution(Vector)`).
* MatrixFactorizationModel: input `{_id, user, product}` (two int columns), expected
  `{_id, user, product, prediction}` (a double, `predict(user, product)`); an id without
  factors raises. A null id cannot be passed to the JVM method: such rows are `_error`.
* Word2VecModel: input `{_id, word}` (a string), expected `{_id, word, vector}`
  (`transform(word)`, a dense vector); a word outside the vocabulary raises.
* A row on which the call raises is `{_id, _error}`.

LDA seeds. Spark initialises the variational parameter gamma with Gamma draws from a
MersenneTwister seeded with the old `mllib.clustering.LocalLDAModel`'s `seed` field:
* ml LocalLDAModel sets it in its constructor to its own `seed` param's *default*
  (`"org.apache.spark.ml.clustering.LocalLDAModel".hashCode` = 1421925485), before the
  reader sets the saved params: transform is deterministic.
* ml DistributedLDAModel scores through `oldDistributedModel.toLocal`, an mllib model whose
  seed is `Utils.random.nextLong()`: random on every load. Calling the ml model's `toLocal()`
  hands that cached local model to an ml LocalLDAModel constructor, which sets the seed above.
  The generator calls `toLocal()` on the loaded model before transform, so the expected
  output is the one of a deterministic Spark; mlscore uses the same seed.
* mllib LocalLDAModel: `Utils.random.nextLong()` on load as well; the generator calls
  `setSeed(1421925485)` (the seed of the ml LocalLDAModel wrapping it), as mlscore does.
"""

import json
import os
import random
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import gen_fixtures as gf  # noqa: E402
    import gen_fixtures_more as gm  # noqa: E402
except ImportError:
    sys.exit("gen_fixtures_models.py needs gen_fixtures.py and gen_fixtures_more.py next to it")

from pyspark.ml.clustering import LDA, BisectingKMeans  # noqa: E402
from pyspark.mllib.common import _py2java  # noqa: E402
from pyspark.mllib.linalg import Vectors as MLlibVectors  # noqa: E402

V = gf.V
dv, sv, r3 = gf.dv, gf.sv, gf.r3
NAN, INF = gf.NAN, gf.INF

LDA_SEED = 1421925485  # "org.apache.spark.ml.clustering.LocalLDAModel".hashCode


class Gen(gm.Gen):
    """gen_fixtures_more.Gen with a hook run on the model loaded back from disk before it
    scores (DistributedLDAModel: `toLocal()` fixes its inference seed, see the docstring)."""

    prepare = None

    def score(self, model, fields, rows):
        if self.prepare is not None:
            self.prepare(model)
            self.prepare = None
        return gm.Gen.score(self, model, fields, rows)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def blobs(seed, centers, n, sd):
    rng = random.Random(seed)
    return [[r3(c + rng.gauss(0, sd)) for c in centers[rng.randrange(len(centers))]]
            for _ in range(n)]


# ============================================================================
# BisectingKMeans
# ============================================================================

BKM_CENTERS = [(0.0, 0.0, 0.0), (6.0, 0.0, 1.0), (0.0, 6.0, -1.0), (6.0, 6.0, 6.0),
               (-5.0, 3.0, 2.0)]
BKM_SCORE = [dv(0.1, 0.2, -0.1), dv(5.8, 0.3, 1.1), dv(0.2, 6.1, -0.9), dv(6.1, 5.9, 6.2),
             dv(-4.9, 3.1, 2.2), dv(3.0, 3.0, 3.0), dv(3.0, 0.0, 0.5), sv(3, [0], [6.0]),
             sv(3, [1, 2], [6.0, 6.0]), sv(3, [], []), dv(0.0, 0.0, 0.0), dv(-0.0, 1e-300, 0.0),
             dv(100.0, -100.0, 50.0), dv(NAN, 0.0, 0.0), dv(INF, 0.0, 0.0), dv(1e300, 1e300, 0.0),
             dv(1.0, 2.0), sv(5, [4], [1.0]), None]


@case
def bisecting_kmeans_k5(g):
    """Bare BisectingKMeansModel k=5 seed 402 on 3-d blobs (euclidean): prediction (int) walks
    the cluster tree from the root to the closest child at each level. Points near each
    center, between centers, dense/sparse zeros, NaN, Inf, 1e300, wrong sizes, null."""
    rows = [(dv(*x),) for x in blobs(401, BKM_CENTERS, 150, 0.7)]
    model = BisectingKMeans(k=5, seed=402, maxIter=20).fit(g.df([V("features")], rows))
    g.emit(model, [V("features")], [(v,) for v in BKM_SCORE])


@case
def bisecting_kmeans_cosine_pipeline(g):
    """BisectingKMeans k=4 distanceMeasure=cosine seed 404 in a pipeline: the tree walk uses
    cosine distance; a zero vector raises (cosine needs a non-zero norm)."""
    from pyspark.ml import Pipeline
    rows = [(dv(*x),) for x in blobs(403, BKM_CENTERS[1:], 120, 0.8)]
    est = BisectingKMeans(k=4, seed=404, maxIter=20, distanceMeasure="cosine")
    model = Pipeline(stages=[est]).fit(g.df([V("features")], rows))
    g.emit(model, [V("features")], [(v,) for v in BKM_SCORE])


# ============================================================================
# LDA
# ============================================================================

def lda_docs(seed, n, vocab=12, k=3):
    """Word-count documents from 3 topics over a 12-word vocabulary (one topic per 4 words
    mostly)."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        t = rng.randrange(k)
        counts = [0.0] * vocab
        for _ in range(rng.randrange(4, 15)):
            w = rng.randrange(4) + 4 * t if rng.random() < 0.8 else rng.randrange(vocab)
            counts[w] += 1.0
        docs.append(counts)
    return docs


def lda_score(seed):
    rows = [dv(*d) for d in lda_docs(seed, 6)]
    rows += [gm.sparse_of(d) for d in lda_docs(seed + 1, 4)]
    rows += [dv(*([0.0] * 12)), sv(12, [], []), sv(12, [3], [0.0]), sv(12, [0], [1.0]),
             dv(*([1.0] * 12)), sv(12, [11], [50.0]), dv(*([0.5] + [0.0] * 11)),
             dv(1.0, 2.0, 3.0), sv(20, [15], [1.0]), None]
    return [(v,) for v in rows]


@case
def lda_online_local(g):
    """Bare LocalLDAModel (optimizer online, k=3, maxIter 15, seed 411, 12-word vocabulary):
    topicDistribution from Spark's variational inference, whose gamma starts from Gamma(100,
    1/100) draws seeded with the default seed of the ml LocalLDAModel class. Dense and sparse
    count vectors, all-zero documents (zero vector), fractional counts, a single word, wrong
    sizes, null."""
    rows = [(dv(*d),) for d in lda_docs(410, 60)]
    model = LDA(k=3, maxIter=15, seed=411, optimizer="online").fit(g.df([V("features")], rows))
    g.emit(model, [V("features")], lda_score(412))


@case
def lda_online_local_asymmetric_pipeline(g):
    """LocalLDAModel in a pipeline: k=4, docConcentration [0.5, 0.3, 0.2, 0.1]
    (asymmetric), optimizeDocConcentration false, topicDistributionCol `topics`."""
    from pyspark.ml import Pipeline
    rows = [(dv(*d),) for d in lda_docs(413, 60)]
    est = LDA(k=4, maxIter=10, seed=414, optimizer="online", docConcentration=[0.5, 0.3, 0.2, 0.1],
              optimizeDocConcentration=False, topicDistributionCol="topics")
    model = Pipeline(stages=[est]).fit(g.df([V("features")], rows))
    g.emit(model, [V("features")], lda_score(415))


@case
def lda_em_distributed(g):
    """Bare DistributedLDAModel (optimizer em, k=3, maxIter 10, seed 421): Spark scores through
    the local model built from the term-topic counts of the saved graph (oldModel/); the
    generator calls toLocal() on the loaded model first so the inference seed is the ml
    LocalLDAModel default (see the module docstring)."""
    rows = [(dv(*d),) for d in lda_docs(420, 40)]
    model = LDA(k=3, maxIter=10, seed=421, optimizer="em").fit(g.df([V("features")], rows))
    g.prepare = lambda m: m._java_obj.toLocal()
    g.emit(model, [V("features")], lda_score(422))


# ============================================================================
# FPGrowth
# ============================================================================

FPG_ITEMS = ["milk", "bread", "eggs", "beer", "diapers", "jam", "tea", "café", "日本", "a b",
             "Milk", ""]


def fpg_train(seed, n):
    """Baskets of 1-7 items, biased so that itemsets of 2-4 items are frequent."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k = rng.randrange(1, 8)
        pool = FPG_ITEMS[:8] if rng.random() < 0.85 else FPG_ITEMS
        basket = rng.sample(pool[:5], min(k, 3)) + rng.sample(pool, max(0, k - 3))
        rows.append((list(dict.fromkeys(basket)),))
    return rows


FPG_SCORE = [["milk"], ["bread", "milk"], ["beer", "diapers", "tea"], ["jam", "eggs", "bread"],
             ["café"], ["日本", "a b"], ["tea", "tea", "milk"], ["Milk"], [""], ["unknown", "milk"],
             FPG_ITEMS[:8], FPG_ITEMS, ["eggs", "beer", "diapers", "jam"], [], None]


@case
def fp_growth_bare(g):
    """Bare FPGrowthModel minSupport 0.08, minConfidence 0.3 on 80 baskets (seed 480) of up to 7
    items (non-ASCII, a space, '' and case variants): prediction = consequents of the rules whose
    antecedent is in the row, minus the row, first occurrence kept, in the order Spark's
    association-rule join gives (enough keys to grow its hash map). Empty basket, duplicates,
    unknown items, null (empty prediction)."""
    from pyspark.ml.fpm import FPGrowth
    train = g.df([gf.A("items")], fpg_train(480, 80))
    model = FPGrowth(minSupport=0.08, minConfidence=0.3).fit(train)
    g.emit(model, [gf.A("items")], [(s,) for s in FPG_SCORE])


@case
def fp_growth_pipeline_high_confidence(g):
    """FPGrowth in a pipeline, itemsCol `basket`, predictionCol `suggested`, minSupport 0.1,
    minConfidence 0.6: fewer rules, multi-item antecedents."""
    from pyspark.ml import Pipeline
    from pyspark.ml.fpm import FPGrowth
    train = g.df([gf.A("basket")], fpg_train(481, 80))
    est = FPGrowth(itemsCol="basket", predictionCol="suggested", minSupport=0.1,
                   minConfidence=0.6)
    model = Pipeline(stages=[est]).fit(train)
    g.emit(model, [gf.A("basket")], [(s,) for s in FPG_SCORE])


# ============================================================================
# Old RDD-based mllib models
# ============================================================================

def jcls(g, name):
    return g.spark.sparkContext._jvm.java.lang.Class.forName(name)


def jload(g, cls, path):
    """`cls.load(sc, path)` invoked by reflection (the JVM loader, not pyspark's)."""
    sc = g.spark.sparkContext
    gw = sc._gateway
    sig = gw.new_array(gw.jvm.java.lang.Class, 2)
    sig[0] = jcls(g, "org.apache.spark.SparkContext")
    sig[1] = jcls(g, "java.lang.String")
    args = gw.new_array(gw.jvm.java.lang.Object, 2)
    args[0] = sc._jsc.sc()
    args[1] = path
    return jcls(g, cls).getMethod("load", sig).invoke(None, args)


def mllib_case(g, cls, save, inputs, outputs, rows, call):
    """Saves with `save(path)`, loads with the JVM loader of `cls`, and scores each row with
    `call(jmodel, row)` (row: dict of inputs); `outputs` lists (name, type) of every output
    column, inputs included, as the expected rows hold them."""
    t0 = time.time()
    d = os.path.join(g.out, g.name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    mpath = os.path.join(d, "model")
    save(mpath)
    jmodel = jload(g, cls, mpath)
    expected, n_err = [], 0
    for i, r in enumerate(rows):
        try:
            out = call(jmodel, r)
            obj = {"_id": i}
            for name, _ in outputs:
                obj[name] = gf.enc(r[name] if name in r else out)
            expected.append(obj)
        except Exception as e:  # the row raises
            expected.append({"_id": i, "_error": gf.java_error_message(e)})
            n_err += 1
    with open(os.path.join(d, "input.jsonl"), "w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            obj = {"_id": i}
            for name, _ in inputs:
                obj[name] = gf.enc(r[name])
            f.write(gf.dumps(obj) + "\n")
    with open(os.path.join(d, "expected.jsonl"), "w", encoding="utf-8") as f:
        for obj in expected:
            f.write(gf.dumps(obj) + "\n")
    schema = {
        "sparkVersion": g.version,
        "case": g.name,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": n, "type": t} for n, t in outputs],
        "description": " ".join(g.description.split()),
    }
    with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(schema, allow_nan=False, ensure_ascii=False, indent=1) + "\n")
    g.summary.append((g.name, len(rows), 0, n_err))
    print("  %-52s rows=%3d skipped= 0 errors=%2d  mllib  save+score %.1fs"
          % (g.name, len(rows), n_err, time.time() - t0), flush=True)


def jvec(g, v):
    return _py2java(g.spark.sparkContext, MLlibVectors.fromML(v))


def vector_call(g, method):
    """Calls `method(Vector)` on the JVM model; null cannot reach it (recorded as _error)."""
    def call(jm, r):
        if r["features"] is None:
            raise ValueError("null features (%s(Vector) cannot take null)" % method)
        out = getattr(jm, method)(jvec(g, r["features"]))
        if method == "predict":
            return int(out)
        return _java_vec(g, out)
    return call


def _java_vec(g, jv):
    """An mllib Vector from the JVM as an ml vector (dense or sparse, as Spark made it)."""
    from pyspark.mllib.common import _java2py
    v = _java2py(g.spark.sparkContext, jv)
    return v.asML()


def features_rows(vectors):
    return [{"features": v} for v in vectors]


@case
def mllib_matrix_factorization(g):
    """mllib ALS.train rank 3, 8 iterations, seed 431 on 10 users x 8 products: a
    MatrixFactorizationModel saved with save(sc, path) (data/user, data/product). predict(user,
    product) = dot of the two factor vectors; unknown user or product raises; null ids."""
    from pyspark.mllib.recommendation import ALS, Rating
    rng = random.Random(430)
    users, products = list(range(10)), [1, 2, 3, 5, 8, 13, 21, 34]
    ratings = [Rating(u, p, float(rng.randint(1, 5))) for u in users
               for p in rng.sample(products, 5)]
    m = ALS.train(g.spark.sparkContext.parallelize(ratings, 1), 3, iterations=8, seed=431)
    rows = [{"user": u, "product": p} for u in (0, 3, 9) for p in (1, 8, 34)]
    rows += [{"user": 5, "product": 2}, {"user": 99, "product": 1}, {"user": 0, "product": 4},
             {"user": -1, "product": -1}, {"user": None, "product": 1},
             {"user": 1, "product": None}]

    def call(jm, r):
        if r["user"] is None or r["product"] is None:
            raise ValueError("null id (MatrixFactorizationModel.predict takes int, int)")
        return float(jm.predict(r["user"], r["product"]))
    mllib_case(g, "org.apache.spark.mllib.recommendation.MatrixFactorizationModel",
               lambda p: m.save(g.spark.sparkContext, p),
               [("user", "int"), ("product", "int")],
               [("user", "int"), ("product", "int"), ("prediction", "double")], rows, call)


@case
def mllib_word2vec(g):
    """mllib Word2Vec vectorSize 5, minCount 2, seed 441, 1 partition: Word2VecModel saved with
    save(sc, path). transform(word) is the word's vector (floats widened to double); a word
    outside the vocabulary raises (case-sensitive, no trimming); null."""
    from pyspark.mllib.feature import Word2Vec
    rng = random.Random(440)
    vocab = gm.W2V_VOCAB[:10]
    sents = [[rng.choice(vocab) for _ in range(rng.randrange(3, 9))] for _ in range(60)]
    sents.append(["café"])
    m = Word2Vec().setVectorSize(5).setMinCount(2).setSeed(441).setNumPartitions(1) \
        .fit(g.spark.sparkContext.parallelize(sents, 1))
    words = vocab + ["Spark", "unknown", "", "café", " spark", None]
    rows = [{"word": w} for w in words]

    def call(jm, r):
        if r["word"] is None:
            raise ValueError("null word (Word2VecModel.transform takes a String)")
        return _java_vec(g, jm.transform(r["word"]))
    mllib_case(g, "org.apache.spark.mllib.feature.Word2VecModel",
               lambda p: m.save(g.spark.sparkContext, p), [("word", "string")],
               [("word", "string"), ("vector", "vector")], rows, call)


@case
def mllib_gaussian_mixture(g):
    """mllib GaussianMixture k=3 seed 451 on 2-d blobs: GaussianMixtureModel saved with
    save(sc, path) (data rows weight, mu, sigma). predict = index (int) of the largest
    posterior EPSILON + w*pdf. Near/between/far points, NaN, Inf, sparse, wrong size, null."""
    from pyspark.mllib.clustering import GaussianMixture
    pts = [MLlibVectors.dense(x) for x in blobs(450, [(0.0, 0.0), (4.0, 1.0), (1.0, 5.0)], 90,
                                                0.9)]
    m = GaussianMixture.train(g.spark.sparkContext.parallelize(pts, 1), 3, seed=451,
                              maxIterations=50)
    rows = [dv(0.1, -0.2), dv(3.9, 1.2), dv(1.1, 4.8), dv(2.0, 0.5), dv(0.5, 2.5),
            dv(30.0, -20.0), sv(2, [], []), sv(2, [1], [5.0]), dv(NAN, 0.0), dv(INF, 0.0),
            dv(1.0), None]
    mllib_case(g, "org.apache.spark.mllib.clustering.GaussianMixtureModel",
               lambda p: m.save(g.spark.sparkContext, p), [("features", "vector")],
               [("features", "vector"), ("prediction", "int")], features_rows(rows),
               vector_call(g, "predict"))


@case
def mllib_bisecting_kmeans(g):
    """mllib BisectingKMeans k=4 seed 461: BisectingKMeansModel saved with save(sc, path)
    (format 3.0: rootId, distanceMeasure; data rows index, size, center, norm, cost, height,
    children). predict walks the tree to a leaf (int)."""
    from pyspark.mllib.clustering import BisectingKMeans as OldBKM
    pts = [MLlibVectors.dense(x) for x in blobs(460, BKM_CENTERS[:4], 100, 0.7)]
    m = OldBKM.train(g.spark.sparkContext.parallelize(pts, 1), k=4, seed=461)
    mllib_case(g, "org.apache.spark.mllib.clustering.BisectingKMeansModel",
               lambda p: m._java_model.save(g.spark.sparkContext._jsc.sc(), p),
               [("features", "vector")], [("features", "vector"), ("prediction", "int")],
               features_rows(BKM_SCORE), vector_call(g, "predict"))


@case
def mllib_lda_local(g):
    """mllib LDA (online optimizer, k=3, seed 471): LocalLDAModel saved with save(sc, path)
    (data rows topic, index). topicDistribution(Vector) with the model's seed set to
    1421925485 (Spark draws a random one on load; see the module docstring)."""
    sc = g.spark.sparkContext
    docs = [[i, MLlibVectors.dense(d)] for i, d in enumerate(lda_docs(470, 50))]
    from pyspark.mllib.clustering import LDA as OldLDA
    m = OldLDA.train(sc.parallelize(docs, 1), k=3, maxIterations=15, seed=471,
                     optimizer="online")
    rows = [r[0] for r in lda_score(472)]
    call = vector_call(g, "topicDistribution")

    def seeded(jm, r):
        jm.setSeed(LDA_SEED)
        return call(jm, r)
    mllib_case(g, "org.apache.spark.mllib.clustering.LocalLDAModel",
               lambda p: m._java_model.save(sc._jsc.sc(), p),
               [("features", "vector")], [("features", "vector"), ("topicDistribution", "vector")],
               features_rows(rows), seeded)


# ============================================================================
# main
# ============================================================================

def main():
    gm.run_topic(CASES, "models", __doc__, Gen)


if __name__ == "__main__":
    main()
