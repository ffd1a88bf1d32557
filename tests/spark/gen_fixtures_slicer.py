#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made conformance fixtures for VectorSlicer selecting by `names`.

Spark resolves names through the ML attributes of the input vector column, which exist at
transform time when the vector comes from a VectorAssembler in the same pipeline (numeric and
nominal inputs are named after their column; a vector input's slots are named
`<column>_<slot name>` or `<column>_<index>`; OneHotEncoder slots are named after the indexer's
labels). These cases build such pipelines, so the names resolve from the saved stages alone.
A raw input vector's slots are named from the scored DataFrame (its schema's attributes, or
`<column>_<index>` up to the first row's size), which a saved model cannot tell: mlscore
refuses names over such a vector at load, naming the column, unless the caller declares the
column's attributes. The `*_input_attributes` cases give the raw vector `ml_attr` metadata;
write_case records it in `input_attributes.json`, which the Rust harness declares.

Spark is the oracle, as in gen_fixtures.py; format and layout are those of gen_fixtures.py
(tests/spark/README.md). Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_slicer.py \
        --out tests/spark/fixtures-slicer/spark-<ver> [--only case1,case2]
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402
import gen_fixtures_more as gm  # noqa: E402

from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml.feature import (OneHotEncoder, StringIndexer, VectorAssembler,  # noqa: E402
                                VectorSlicer)
from pyspark.ml.classification import LogisticRegression  # noqa: E402
from pyspark.ml.linalg import VectorUDT  # noqa: E402
from pyspark.sql.types import StructField  # noqa: E402

D, I, S, V = gf.D, gf.I, gf.S, gf.V
dv, sv = gf.dv, gf.sv
NAN = gf.NAN

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def rows(seed, n, with_vec=False):
    rng = random.Random(seed)
    cats = ["red", "green", "blue", "teal"]
    out = []
    for i in range(n):
        r = [rng.choice(cats), round(rng.uniform(-3, 3), 3), float(rng.randint(0, 5)),
             float(i % 2)]
        if with_vec:
            r.insert(3, dv(rng.uniform(0, 1), 0.0, rng.uniform(-1, 1)))
        out.append(tuple(r))
    return out


FIELDS = [S("color"), D("x"), D("n"), D("label")]
FIELDS_VEC = [S("color"), D("x"), D("n"), V("v"), D("label")]
SCORE = [("green", 1.5, 2.0, 0.0), ("teal", -0.25, 0.0, 1.0), ("purple", 0.0, 1.0, 0.0),
         (None, 2.0, 3.0, 1.0), ("red", NAN, 4.0, 0.0)]


@case
def vector_slicer_names_after_assembler(g):
    """StringIndexer (keep) → OneHotEncoder (dropLast) → VectorAssembler(x, color_vec, n,
    color_idx) → VectorSlicer(names = n, color_vec_red, x) → LogisticRegression: names of a
    numeric column, a one-hot slot (indexer label) and a nominal column; unseen and NULL
    colors land in the keep slot."""
    train = g.df(FIELDS, rows(11, 60))
    si = StringIndexer(inputCol="color", outputCol="color_idx", handleInvalid="keep")
    ohe = OneHotEncoder(inputCols=["color_idx"], outputCols=["color_vec"])
    va = VectorAssembler(inputCols=["x", "color_vec", "n", "color_idx"], outputCol="all")
    vs = VectorSlicer(inputCol="all", outputCol="features",
                      names=["n", "color_vec_red", "x"])
    lr = LogisticRegression(maxIter=20, regParam=0.01)
    model = Pipeline(stages=[si, ohe, va, vs, lr]).fit(train)
    g.emit(model, FIELDS, SCORE + rows(12, 10))


@case
def vector_slicer_indices_and_names(g):
    """VectorSlicer with both indices [0] and names (color_vec_blue, n) after a
    VectorAssembler over a one-hot vector kept whole (dropLast false, handleInvalid keep:
    the extra slot is named invalidValues)."""
    train = g.df(FIELDS, rows(21, 60))
    si = StringIndexer(inputCol="color", outputCol="color_idx", handleInvalid="keep",
                       stringOrderType="alphabetAsc")
    ohe = OneHotEncoder(inputCols=["color_idx"], outputCols=["color_vec"], dropLast=False,
                        handleInvalid="keep")
    va = VectorAssembler(inputCols=["x", "color_vec", "n"], outputCol="all")
    vs = VectorSlicer(inputCol="all", outputCol="sliced", indices=[0],
                      names=["color_vec_invalidValues", "color_vec_blue", "n"])
    model = Pipeline(stages=[si, ohe, va, vs]).fit(train)
    g.emit(model, FIELDS, SCORE + rows(22, 10))


# A raw vector with ML attributes as a DataFrame may carry them: named numeric, nominal and
# binary slots, slot 3 without a name and slot 4 named "3".
V_ATTRS = {"ml_attr": {"num_attrs": 5, "attrs": {
    "numeric": [{"idx": 0, "name": "a"}, {"idx": 2, "name": "c"}],
    "nominal": [{"idx": 1, "name": "b", "vals": ["u", "w", "z"]}],
    "binary": [{"idx": 4, "name": "3", "vals": ["0", "1"]}]}}}
V_NAMED = StructField("v", VectorUDT(), True, V_ATTRS)


def attr_rows(seed, n):
    rng = random.Random(seed)
    return [(round(rng.uniform(-2, 2), 3),
             dv(*[round(rng.uniform(-1, 1), 3) for _ in range(5)])) for _ in range(n)]


ATTR_SCORE = [(0.5, sv(5, [1, 4], [2.0, -3.0])), (1.0, dv(1, 2, 3)), (1.5, None),
              (2.0, dv(1, 2, 3, 4, 5, 6)), (None, dv(0, 0, 0, 0, 0))]


@case
def vector_slicer_names_from_input_attributes(g):
    """Bare VectorSlicer(indices=[1], names=["3", "c", "a"]) over a raw vector whose ML
    attributes come with the DataFrame: output order is indices then names ([1, 4, 2, 0]);
    the name "3" is slot 4's attribute name, not slot 3 (which has none). A vector shorter
    than a selected index raises, a longer one is sliced; a NULL vector raises."""
    model = VectorSlicer(inputCol="v", outputCol="sliced", indices=[1], names=["3", "c", "a"])
    g.emit(model, [D("x"), V_NAMED], ATTR_SCORE + attr_rows(31, 8))


@case
def vector_slicer_names_after_assembler_of_input_attributes(g):
    """VectorAssembler(x, v) over a raw vector with ML attributes names its slots `v_<name>`
    and the unnamed slot 3 `v_3`, as is slot 4 (named "3"): VectorSlicer(names = v_3, x, v_b)
    then takes slot 4, the last of the repeated name, as Spark's attribute lookup does."""
    va = VectorAssembler(inputCols=["x", "v"], outputCol="all", handleInvalid="keep")
    vs = VectorSlicer(inputCol="all", outputCol="sliced", names=["v_3", "x", "v_b"])
    model = Pipeline(stages=[va, vs]).fit(g.df([D("x"), V_NAMED], attr_rows(41, 4)))
    g.emit(model, [D("x"), V_NAMED], ATTR_SCORE + attr_rows(42, 8))


def main():
    gm.run_topic(CASES, "slicer", __doc__)


if __name__ == "__main__":
    main()
