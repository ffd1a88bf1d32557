#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made conformance fixtures for RFormula (with its internal VectorAttributeRewriter and
ColumnPruner stages and its label handling), Interaction, TargetEncoder (Spark 4.x) and the
LSH models MinHashLSH / BucketedRandomProjectionLSH.

Spark is the oracle, as in gen_fixtures.py: every expected value comes from the model loaded
back from disk. Format and layout are those of gen_fixtures.py (tests/spark/README.md); this
script imports gen_fixtures.py for the value encoding and gen_fixtures_more.py for the
row-error attribution, so they cannot drift. LSH `hashes` outputs are `array<vector>`: a JSON
array of dense vectors (each of one element).

Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_formula.py \
        --out tests/spark/fixtures-formula/spark-<ver> [--only case1,case2]
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402
import gen_fixtures_more as gm  # noqa: E402

import pyspark  # noqa: E402
from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml.feature import (BucketedRandomProjectionLSH, Interaction,  # noqa: E402
                                MinHashLSH, OneHotEncoder, RFormula, StringIndexer,
                                VectorAssembler)
from pyspark.ml.classification import LogisticRegression  # noqa: E402

D, I, S, V = gf.D, gf.I, gf.S, gf.V
dv, sv, r3 = gf.dv, gf.sv, gf.r3
NAN, INF = gf.NAN, gf.INF

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def major():
    return int(pyspark.__version__.split(".")[0])


# ----------------------------------------------------------------------------
# RFormula
# ----------------------------------------------------------------------------

CATS_A = ["x"] * 6 + ["y"] * 4 + ["z"] * 3 + ["w"] * 2
CATS_D = ["p"] * 5 + ["q"] * 5 + ["r"] * 3


def rf_train(seed, n=40, string_label=False):
    """a: string (x most frequent, ties broken by name), d: string, b: double, c: int, y label."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a = rng.choice(CATS_A)
        d = rng.choice(CATS_D)
        b = r3(rng.gauss(0, 2))
        c = rng.randrange(5)
        y = r3(1.5 * b - 0.5 * c + {"x": 0.0, "y": 1.0, "z": -2.0, "w": 3.0}[a]
               + rng.gauss(0, 0.3))
        if string_label:
            y = "pos" if y > 0.5 else ("neg" if y < -1 else "mid")
        rows.append((a, d, b, c, y))
    return rows


RF_FIELDS = [S("a"), S("d"), D("b"), I("c")]


def rf_score(string_label=False, with_label=True):
    """Known categories, an unseen one, NULL strings, NaN / +-Inf / NULL numbers, 0 and -0.0."""
    rows = [("x", "p", 1.5, 2), ("y", "q", -0.25, 0), ("z", "r", 0.0, 4), ("w", "p", -0.0, 1),
            ("x", "r", 3.0, 3), ("v", "p", 1.0, 1), (None, "q", 1.0, 1), ("y", None, 1.0, 1),
            ("z", "q", NAN, 2), ("w", "r", INF, 0), ("x", "q", None, 2), ("y", "p", 2.0, None),
            ("", "p", 1.0, 1), ("X", "q", -1.0, 2)]
    if not with_label:
        return rows
    labels = (["pos", "neg", "mid", "pos", "neg", "mid", "pos", "neg", "mid", "pos", "pos",
               "neg", "zzz", None] if string_label
              else [1.0, -2.0, 0.5, NAN, 3.25, 1.0, 0.0, None, 2.0, 1.0, -1.0, 0.0, 1.0, 2.0])
    return [r + (y,) for r, y in zip(rows, labels)]


def rf_case(g, formula, string_label=False, with_label=True, pipeline_lr=False, **kw):
    train_fields = RF_FIELDS + [S("y") if string_label else D("y")]
    train = g.df(train_fields, rf_train(701, string_label=string_label))
    rf = RFormula(formula=formula, **kw)
    model = (Pipeline(stages=[rf, LogisticRegression(maxIter=20, regParam=0.01)]).fit(train)
             if pipeline_lr else rf.fit(train))
    fields = train_fields if with_label else RF_FIELDS
    g.emit(model, fields, rf_score(string_label, with_label))


@case
def rformula_string_numeric(g):
    """Bare RFormulaModel `y ~ a + b`: string a (StringIndexer frequencyDesc + OneHotEncoder
    dropLast) and double b assembled into features; numeric label y cast to double as `label`.
    handleInvalid error: unseen/NULL a and NULL b raise, NaN passes."""
    rf_case(g, "y ~ a + b")


@case
def rformula_dot_minus(g):
    """`y ~ . - c`: every column but the label, minus c (string a and d one-hot, double b);
    the internal columns are pruned by ColumnPruner. handleInvalid keep: unseen and NULL
    categories get the extra slot, NULL numbers give NaN in the assembler."""
    rf_case(g, "y ~ . - c", handleInvalid="keep")


@case
def rformula_dot(g):
    """`y ~ .` over string a, d, double b and int c; handleInvalid skip drops rows with an
    unseen/NULL category or a NULL/NaN number."""
    rf_case(g, "y ~ .", handleInvalid="skip")


@case
def rformula_interactions(g):
    """`y ~ a + b + a:b + b:c`: Interaction of the indexed string a (all categories, no drop)
    with b, and of two numbers; handleInvalid keep."""
    rf_case(g, "y ~ a + b + a:b + b:c", handleInvalid="keep")


@case
def rformula_no_intercept(g):
    """`y ~ a + d + b + 0`: without intercept the first string term keeps every category
    (dropLast false), the second drops its last; handleInvalid keep."""
    rf_case(g, "y ~ a + d + b + 0", handleInvalid="keep")


@case
def rformula_string_label_alphabet_asc(g):
    """String label indexed into `label` (stringIndexerOrderType alphabetAsc applies to the
    label and to the features); handleInvalid keep for features, the label indexer always
    errors on an unseen or NULL label."""
    rf_case(g, "y ~ a + c", string_label=True, stringIndexerOrderType="alphabetAsc",
            handleInvalid="keep")


@case
def rformula_frequency_asc_alphabet_desc(g):
    """`y ~ d:a + b` with stringIndexerOrderType frequencyAsc and custom featuresCol/labelCol
    names; handleInvalid error."""
    rf_case(g, "y ~ d:a + b", stringIndexerOrderType="frequencyAsc", featuresCol="feats",
            labelCol="target")


@case
def rformula_alphabet_desc_force_index(g):
    """Numeric label with forceIndexLabel (label indexed as strings, alphabetDesc) and
    `y ~ a + b:c`; handleInvalid skip."""
    rf_case(g, "y ~ a + b:c", stringIndexerOrderType="alphabetDesc", forceIndexLabel=True,
            handleInvalid="skip")


@case
def rformula_string_label_absent(g):
    """String-label model scored on rows WITHOUT the label column: Spark 3+ skips the label
    StringIndexer, so no `label` column is produced."""
    rf_case(g, "y ~ a + b", string_label=True, with_label=False, handleInvalid="keep")


@case
def rformula_numeric_label_absent(g):
    """Numeric-label model scored without the label column: no `label` column."""
    rf_case(g, "y ~ a + b + c", with_label=False, handleInvalid="keep")


@case
def rformula_logistic_regression(g):
    """Pipeline RFormula (`y ~ a + b + c`, string label, keep) -> LogisticRegression
    (multinomial over 3 label classes)."""
    rf_case(g, "y ~ a + b + c", string_label=True, pipeline_lr=True, handleInvalid="keep")


@case
def rformula_vector_term(g):
    """`y ~ a + v` with a vector term v (size 3): RFormula puts a VectorSizeHint (optimistic)
    on it and the assembler appends its values. Dense, sparse, zeros, NaN, a wrong-size vector
    and NULL (the assembler's handleInvalid error raises)."""
    rng = random.Random(705)
    fields = [S("a"), V("v"), D("y")]
    train = [(rng.choice(["x", "y", "z"]), dv(*[r3(rng.gauss(0, 1)) for _ in range(3)]),
              r3(rng.gauss(0, 1))) for _ in range(30)]
    model = RFormula(formula="y ~ a + v").fit(g.df(fields, train))
    rows = [("x", dv(1.0, 2.0, 3.0), 1.0), ("y", sv(3, [1], [5.0]), 0.0),
            ("z", dv(0.0, 0.0, 0.0), 2.0), ("x", sv(3, [], []), None),
            ("y", dv(NAN, 1.0, 0.0), 1.0), ("z", dv(1.0, 2.0, 3.0, 4.0), 1.0),
            ("x", None, 1.0), ("q", dv(1.0, 1.0, 1.0), 1.0)]
    g.emit(model, fields, rows)


# ----------------------------------------------------------------------------
# Interaction
# ----------------------------------------------------------------------------

@case
def interaction_numeric_vector_onehot(g):
    """Pipeline StringIndexer(cat, keep) -> OneHotEncoder -> VectorAssembler(v1, v2) ->
    Interaction(x, vec, cat_vec) and Interaction(cat_idx, x) (a nominal double is one-hot
    expanded over all its values). NULL x raises, NaN propagates, zeros are compressed away."""
    rng = random.Random(711)
    train = [(rng.choice(["a", "b", "c"]), r3(rng.gauss(0, 1)), r3(rng.gauss(0, 1)),
              r3(rng.gauss(0, 1))) for _ in range(20)]
    fields = [S("cat"), D("x"), D("v1"), D("v2")]
    pipe = Pipeline(stages=[
        StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid="keep"),
        OneHotEncoder(inputCol="cat_idx", outputCol="cat_vec"),
        VectorAssembler(inputCols=["v1", "v2"], outputCol="vec", handleInvalid="keep"),
        Interaction(inputCols=["x", "vec", "cat_vec"], outputCol="inter"),
        Interaction(inputCols=["cat_idx", "x"], outputCol="inter2")])
    model = pipe.fit(g.df(fields, train))
    rows = [("a", 1.5, 2.0, -1.0), ("b", -0.5, 0.0, 3.0), ("c", 2.0, 1.0, 1.0),
            ("a", 0.0, 1.0, 1.0), ("b", 1.0, 0.0, 0.0), ("zz", 1.0, 2.0, 3.0),
            (None, 2.0, 1.0, 1.0), ("c", NAN, 1.0, 1.0), ("a", 1.0, NAN, 1.0),
            ("b", None, 1.0, 1.0), ("c", 1.0, None, 1.0), ("a", INF, 1.0, 0.0),
            ("b", -0.0, -1.0, 2.0)]
    g.emit(model, fields, rows)


@case
def interaction_nominal_in_vector(g):
    """StringIndexer(cat, keep) -> VectorAssembler(x, cat_idx) -> Interaction(vec, y): the
    assembler keeps cat_idx's nominal attribute on its slot, so Interaction one-hot expands
    that slot inside the vector (4 values with keep); explicit zeros of x are visited."""
    rng = random.Random(713)
    fields = [S("cat"), D("x"), D("y")]
    train = [(rng.choice(["a", "b", "c"]), r3(rng.gauss(0, 1)), r3(rng.gauss(0, 1)))
             for _ in range(20)]
    pipe = Pipeline(stages=[
        StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid="keep"),
        VectorAssembler(inputCols=["x", "cat_idx"], outputCol="vec"),
        Interaction(inputCols=["vec", "y"], outputCol="inter")])
    model = pipe.fit(g.df(fields, train))
    rows = [("a", 1.5, 2.0), ("b", 0.0, 3.0), ("c", -2.0, 0.5), ("zz", 1.0, 1.0),
            (None, 1.0, -1.0), ("a", 2.0, 0.0), ("b", 1.0, NAN), ("c", 1.0, None)]
    g.emit(model, fields, rows)


# ----------------------------------------------------------------------------
# TargetEncoder (Spark 4.0+)
# ----------------------------------------------------------------------------

def te_train(seed, n=60, binary=True):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        c1 = float(rng.choice([0, 1, 1, 2, 2, 2, 3]))
        c2 = float(rng.choice([10, 20, 20, 30]))
        if binary:
            y = 1.0 if rng.random() < 0.2 + 0.2 * c1 else 0.0
        else:
            y = r3(c1 * 1.5 + c2 / 10 + rng.gauss(0, 1))
        rows.append((c1, c2, y))
    return rows


TE_SCORE = [(0.0, 10.0), (1.0, 20.0), (2.0, 30.0), (3.0, 20.0), (4.0, 10.0), (1.0, 40.0),
            (None, 20.0), (2.0, None), (NAN, 10.0), (-1.0, 30.0), (1.5, 20.0), (-0.0, 10.0),
            (2147483647.0, 20.0)]


def te_case(g, binary, **kw):
    if major() < 4:
        print("  (TargetEncoder needs Spark 4: skipped)")
        return
    from pyspark.ml.feature import TargetEncoder
    fields = [D("c1"), D("c2")]
    train = g.df(fields + [D("y")], te_train(721, binary=binary))
    te = TargetEncoder(inputCols=["c1", "c2"], outputCols=["e1", "e2"], labelCol="y",
                       targetType="binary" if binary else "continuous", **kw)
    g.emit(te.fit(train), fields, TE_SCORE)


@case
def target_encoder_binary_keep(g):
    """TargetEncoder binary target, smoothing 0, handleInvalid keep: unseen, NULL and NaN
    categories get the global encoding. Spark 4 only."""
    te_case(g, True, handleInvalid="keep")


@case
def target_encoder_binary_smoothing_error(g):
    """TargetEncoder binary target, smoothing 3.5, handleInvalid error. Spark 4 only."""
    te_case(g, True, smoothing=3.5, handleInvalid="error")


@case
def target_encoder_continuous_smoothing_keep(g):
    """TargetEncoder continuous target, smoothing 2.0, handleInvalid keep. Spark 4 only."""
    te_case(g, False, smoothing=2.0, handleInvalid="keep")


# ----------------------------------------------------------------------------
# LSH
# ----------------------------------------------------------------------------

@case
def minhash_lsh(g):
    """Bare MinHashLSHModel, 3 hash tables, on size-12 sparse binary vectors: hashes is
    array<vector> of one-element dense vectors, min over non-zero entries of
    ((1 + i) * a + b) mod 2038074743. An all-zero vector raises ("Must have at least 1 non
    zero entry"); dense input, explicit zeros, non-binary values and NULL too."""
    rng = random.Random(731)
    train = [(sv(12, sorted(rng.sample(range(12), 3)), [1.0] * 3),) for _ in range(10)]
    model = MinHashLSH(inputCol="features", outputCol="hashes", numHashTables=3,
                       seed=732).fit(g.df([V("features")], train))
    rows = [sv(12, [0, 5, 11], [1.0, 1.0, 1.0]), sv(12, [3], [1.0]), sv(12, [2, 7], [1.0, 1.0]),
            sv(12, [1, 4], [0.0, 1.0]), sv(12, [6], [2.5]), dv(*([0.0] * 5 + [1.0] + [0.0] * 6)),
            sv(12, [], []), dv(*([0.0] * 12)), sv(40, [39], [1.0]), None]
    g.emit(model, [V("features")], [(r,) for r in rows])


@case
def bucketed_random_projection_lsh(g):
    """Bare BucketedRandomProjectionLSHModel, 4 hash tables, bucketLength 1.5, dimension 4:
    hashes[k] = [floor(dot(x, u_k) / bucketLength)]. Dense, sparse, zeros, NaN, +-Inf,
    NULL."""
    rng = random.Random(741)
    train = [(dv(*[r3(rng.gauss(0, 2)) for _ in range(4)]),) for _ in range(10)]
    model = BucketedRandomProjectionLSH(inputCol="features", outputCol="hashes",
                                        numHashTables=4, bucketLength=1.5,
                                        seed=742).fit(g.df([V("features")], train))
    rows = [dv(1.0, 2.0, 3.0, 4.0), dv(-1.5, 0.25, 2.0, -3.0), dv(0.0, 0.0, 0.0, 0.0),
            sv(4, [1, 3], [2.0, -5.0]), sv(4, [], []), dv(NAN, 1.0, 1.0, 1.0),
            dv(INF, 0.0, 0.0, 0.0), dv(1e300, 1e300, 1e300, 1e300), dv(-0.0, 1e-300, 7.0, 0.5),
            None]
    rows += [(dv(*[r3(rng.gauss(0, 3)) for _ in range(4)])) for _ in range(5)]
    g.emit(model, [V("features")], [(r,) for r in rows])


# ============================================================================
# main
# ============================================================================

def main():
    gm.run_topic(CASES, "formula", __doc__)


if __name__ == "__main__":
    main()
