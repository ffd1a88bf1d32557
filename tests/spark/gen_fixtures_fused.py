#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made fixtures for the fused linear chain (src/plan/fuse.rs).

With selected outputs, mlscore runs `[OneHotEncoder →] VectorAssembler → [StandardScaler →]
LogisticRegression` and `[OneHotEncoder →] VectorAssembler → tree model` as one step each, with
a fast path for the usual row and the original steps for every other row. These pipelines put rows on each side of every fast-path condition: NULL and
NaN numbers, unseen and NULL categories (handleInvalid error, keep and skip), one-hot `keep`
slots, assembled vectors that `.compressed` stores dense or sparse, vector inputs stored
dense, sparse or too wide, a constant feature (scale 0), and an assembled vector that a second
model also reads (which must stop the fusion). The Rust harness scores every case with all
outputs and with only the last stage's (tests/conformance.rs), so both paths meet Spark.

Spark is the oracle, as in gen_fixtures.py; format and layout are those of gen_fixtures.py
(tests/spark/README.md). Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_fused.py \
        --out tests/spark/fixtures-fused/spark-<ver> [--only case1,case2]
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402
import gen_fixtures_more as gm  # noqa: E402

from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml.classification import (GBTClassifier, LogisticRegression,  # noqa: E402
                                       RandomForestClassifier)
from pyspark.ml.regression import DecisionTreeRegressor  # noqa: E402
from pyspark.ml.feature import (OneHotEncoder, StandardScaler, StringIndexer,  # noqa: E402
                                VectorAssembler, VectorSizeHint)

D, S, V = gf.D, gf.S, gf.V
dv, sv = gf.dv, gf.sv
NAN = gf.NAN

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


COLORS = ["red", "green", "blue"]
SHAPES = ["box", "ball", "cone", "ring"]
FIELDS = [S("color"), S("shape"), D("x"), D("y"), D("z"), D("label")]


def rows(seed, n, zeros=0.5):
    """Random rows; each number is 0.0 with probability `zeros`, so assembled vectors fall on
    both sides of the sparse/dense choice."""
    rng = random.Random(seed)

    def num():
        return 0.0 if rng.random() < zeros else round(rng.uniform(-4, 4), 3)

    return [(rng.choice(COLORS), rng.choice(SHAPES), num(), num(), num(),
             float(rng.random() < 0.4)) for _ in range(n)]


# Rows off the fast path, then ordinary ones.
SPECIAL = [
    ("red", "box", 1.0, 2.0, 3.0, 0.0),        # every slot non-zero: stored dense
    ("green", "ball", 0.0, 0.0, 0.0, 1.0),     # only one-hot slots: sparse
    ("blue", "ring", 0.0, 0.0, 0.0, 0.0),      # dropped last categories: (nearly) empty
    ("purple", "box", 1.0, 0.0, 0.0, 0.0),     # unseen color
    (None, "cone", 0.5, 0.0, 0.0, 1.0),        # NULL color
    ("red", "star", 0.0, 1.5, 0.0, 0.0),       # unseen shape
    ("green", "box", None, 1.0, 0.0, 0.0),     # NULL number
    ("blue", "ball", NAN, 0.0, 0.0, 1.0),      # NaN number
    ("red", "cone", 0.0, float("inf"), 0.0, 0.0),  # infinite number
    ("green", "ring", -0.0, 0.0, 2.5, 1.0),    # negative zero
]


def encoders(indexer, **one_hot):
    """StringIndexer (color, shape → ci, si; handleInvalid `indexer`) → OneHotEncoder
    (ci, si → cv, sv)."""
    return [StringIndexer(inputCols=["color", "shape"], outputCols=["ci", "si"],
                          handleInvalid=indexer),
            OneHotEncoder(inputCols=["ci", "si"], outputCols=["cv", "sv"], **one_hot)]


def fit(g, stages, train):
    return Pipeline(stages=stages).fit(g.df(FIELDS, train))


@case
def fused_census_chain_error(g):
    """StringIndexer (keep) → OneHotEncoder (error, dropLast) → VectorAssembler (error) →
    StandardScaler (std) → LogisticRegression: the census_lr shape. An unseen or NULL
    category gets the keep index, which the encoder rejects; NULL and NaN numbers fail in the
    assembler; an infinite number is a value."""
    stages = encoders("keep") + [
        VectorAssembler(inputCols=["cv", "sv", "x", "y", "z"], outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features"),
        LogisticRegression(maxIter=30, regParam=0.01)]
    g.emit(fit(g, stages, rows(1, 80)), FIELDS, SPECIAL + rows(2, 40))


@case
def fused_onehot_keep_assembler_keep(g):
    """OneHotEncoder (keep, no dropLast) → VectorAssembler (keep) → LogisticRegression with
    a threshold, no scaler: unseen categories take the encoder's extra slot; NULL numbers
    become NaN in the assembled vector."""
    stages = encoders("keep", handleInvalid="keep", dropLast=False) + [
        VectorAssembler(inputCols=["x", "cv", "y", "sv", "z"], outputCol="features",
                        handleInvalid="keep"),
        LogisticRegression(maxIter=30, regParam=0.05, threshold=0.3)]
    g.emit(fit(g, stages, rows(3, 80)), FIELDS, SPECIAL + rows(4, 40))


@case
def fused_skip_identity_scaler(g):
    """StringIndexer (skip) → OneHotEncoder → VectorAssembler (skip) → StandardScaler
    (neither mean nor std: the identity) → LogisticRegression: unseen categories and NULL or
    NaN numbers drop the row."""
    stages = encoders("skip") + [
        VectorAssembler(inputCols=["cv", "x", "sv", "y", "z"], outputCol="raw",
                        handleInvalid="skip"),
        StandardScaler(inputCol="raw", outputCol="features", withStd=False),
        LogisticRegression(maxIter=30)]
    g.emit(fit(g, stages, rows(5, 80)), FIELDS, SPECIAL + rows(6, 40))


VFIELDS = [D("x"), V("v"), D("label")]


def vrows(seed, n):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        vals = [0.0 if rng.random() < 0.6 else round(rng.uniform(-2, 2), 3) for _ in range(6)]
        vals[5] = 1.0  # a constant slot: std 0, scale 0
        v = sv(6, [k for k in range(6) if vals[k] != 0.0], [x for x in vals if x != 0.0]) \
            if i % 2 else dv(*vals)
        out.append((0.0 if rng.random() < 0.5 else round(rng.uniform(-3, 3), 3), v,
                    float(rng.random() < 0.5)))
    return out


VSPECIAL = [
    (1.0, sv(6, [0, 5], [2.0, 1.0]), 0.0),
    (0.0, dv(0.0, 0.0, 0.0, 0.0, 0.0, 0.0), 1.0),        # dense, all zero: explicit zeros
    (2.0, dv(1.0, NAN, 0.0, 0.0, 0.0, 1.0), 0.0),       # NaN inside a vector
    (0.5, sv(6, [1, 3], [0.0, 4.0]), 1.0),               # an explicit zero in a sparse vector
    (1.0, None, 0.0),                                    # NULL vector
    (1.0, dv(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0), 1.0),   # too wide
    (1.0, dv(1.0, 2.0), 0.0),                            # too short
    (-1.5, dv(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), 1.0),       # dense, every slot non-zero
]


@case
def fused_vector_input_constant_feature(g):
    """VectorAssembler (error) over a number and a raw vector (dense or sparse rows) →
    StandardScaler (std; one constant slot, so scale 0) → LogisticRegression. Explicit zeros,
    a NaN inside the vector, NULL, too wide and too short vectors."""
    stages = [VectorAssembler(inputCols=["x", "v"], outputCol="raw"),
              StandardScaler(inputCol="raw", outputCol="features"),
              LogisticRegression(maxIter=30, regParam=0.01)]
    model = Pipeline(stages=stages).fit(g.df(VFIELDS, vrows(7, 80)))
    g.emit(model, VFIELDS, VSPECIAL + vrows(8, 40))


@case
def fused_assembled_vector_read_twice(g):
    """The assembled vector feeds a StandardScaler → LogisticRegression and a second
    LogisticRegression: the chain must not fuse away a column another stage reads."""
    stages = encoders("keep", handleInvalid="keep") + [
        VectorAssembler(inputCols=["cv", "sv", "x", "y", "z"], outputCol="raw",
                        handleInvalid="keep"),
        StandardScaler(inputCol="raw", outputCol="features"),
        LogisticRegression(maxIter=30, regParam=0.01),
        LogisticRegression(featuresCol="raw", maxIter=30, regParam=0.1,
                           predictionCol="p2", rawPredictionCol="r2",
                           probabilityCol="q2")]
    g.emit(fit(g, stages, rows(9, 80)), FIELDS, SPECIAL + rows(10, 40))


@case
def fused_tree_gbt_error(g):
    """StringIndexer (keep) → OneHotEncoder (error) → VectorAssembler (error) →
    GBTClassifier: the census_gbt shape, with NULL, NaN and infinite numbers and unseen
    categories."""
    stages = encoders("keep") + [
        VectorAssembler(inputCols=["cv", "sv", "x", "y", "z"], outputCol="features"),
        GBTClassifier(maxIter=8, maxDepth=3, seed=3)]
    g.emit(fit(g, stages, rows(11, 80)), FIELDS, SPECIAL + rows(12, 40))


@case
def fused_tree_forest_vector_keep(g):
    """VectorSizeHint (optimistic, 6) → VectorAssembler (keep) over a number and a raw vector
    → RandomForestClassifier: NULL numbers become NaN, vectors dense or sparse, too wide or
    too short, a NULL vector (six NaNs)."""
    stages = [VectorSizeHint(inputCol="v", size=6, handleInvalid="optimistic"),
              VectorAssembler(inputCols=["x", "v"], outputCol="features",
                              handleInvalid="keep"),
              RandomForestClassifier(numTrees=5, maxDepth=4, seed=5)]
    model = Pipeline(stages=stages).fit(g.df(VFIELDS, vrows(13, 80)))
    g.emit(model, VFIELDS, VSPECIAL + [(None, dv(1.0, 0.0, 2.0, 0.0, 3.0, 1.0), 0.0)]
           + vrows(14, 30))


@case
def fused_tree_decision_tree_skip(g):
    """StringIndexer (skip) → OneHotEncoder (keep, no dropLast) → VectorAssembler (skip) →
    DecisionTreeRegressor: unseen categories and NULL or NaN numbers drop the row."""
    stages = encoders("skip", handleInvalid="keep", dropLast=False) + [
        VectorAssembler(inputCols=["x", "cv", "sv", "y", "z"], outputCol="features",
                        handleInvalid="skip"),
        DecisionTreeRegressor(maxDepth=4, labelCol="x")]
    g.emit(fit(g, stages, rows(15, 80)), FIELDS, SPECIAL + rows(16, 40))


def main():
    gm.run_topic(CASES, "fused", __doc__)


if __name__ == "__main__":
    main()
