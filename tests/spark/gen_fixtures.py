#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made conformance fixtures for mlscore.

Spark is the oracle: every expected value written by this script comes from
running the saved model through real Spark (`Model.load(path).transform(df)`),
never from hand-written numbers.

Usage (see tests/spark/README.md for the exact commands):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures.py \
        --out tests/spark/fixtures/spark-<ver>
    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures.py --bench \
        --out tests/spark/fixtures/bench-<ver>

Every case is a function decorated with @case; its docstring is the case
description (also written to schema.json) and says what the case covers.
All data is generated from fixed seeds and every estimator gets a fixed seed,
so re-running with the same Spark version reproduces the same inputs and
(up to file names / timestamps inside the saved models) the same models.

Output per case (format documented in tests/spark/README.md):
    <case>/model/          exactly as model.write().overwrite().save(path) wrote it
    <case>/input.jsonl     one JSON object per scoring row: "_id" then raw inputs
    <case>/expected.jsonl  Spark's transform output per row, or _skipped / _error
    <case>/schema.json     input / output schema, Spark version, description
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

import pyspark
from pyspark.sql import SparkSession
from pyspark.sql import DataFrame
from pyspark.sql.types import (ArrayType, DoubleType, IntegerType, StringType,
                               StructField, StructType)
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.linalg import DenseVector, SparseVector, Vectors, VectorUDT
from pyspark.ml.feature import (Binarizer, Bucketizer, CountVectorizer, HashingTF,
                                IDF, Imputer, IndexToString, MaxAbsScaler,
                                MinMaxScaler, NGram, Normalizer, OneHotEncoder,
                                QuantileDiscretizer, RegexTokenizer, RobustScaler,
                                SQLTransformer, StandardScaler, StopWordsRemover,
                                StringIndexer, Tokenizer, VectorAssembler,
                                VectorSizeHint)
from pyspark.ml.classification import (DecisionTreeClassifier, GBTClassifier,
                                       LinearSVC, LogisticRegression, NaiveBayes,
                                       RandomForestClassifier)
from pyspark.ml.regression import (DecisionTreeRegressor, GBTRegressor,
                                   LinearRegression, RandomForestRegressor)
from pyspark.ml.clustering import KMeans
from pyspark.ml.evaluation import (BinaryClassificationEvaluator,
                                   MulticlassClassificationEvaluator)
from pyspark.ml.tuning import (CrossValidator, ParamGridBuilder,
                               TrainValidationSplit)

NAN = float("nan")
INF = float("inf")
NINF = float("-inf")


# ----------------------------------------------------------------------------
# JSON encoding (strict JSON: NaN / +-Infinity become strings)
# ----------------------------------------------------------------------------

def encf(x):
    """Encode a float: repr round-trips; NaN/inf become the strings of the format."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if x == INF:
        return "Infinity"
    if x == NINF:
        return "-Infinity"
    return x


def enc(v):
    """Encode one cell value (input or Spark output) per the fixture format."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return encf(v)
    if isinstance(v, str):
        return v
    if isinstance(v, DenseVector):
        return [encf(x) for x in v.toArray()]
    if isinstance(v, SparseVector):
        return {"size": int(v.size),
                "indices": [int(i) for i in v.indices],
                "values": [encf(x) for x in v.values]}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if hasattr(v, "item"):  # numpy scalar
        return enc(v.item())
    raise TypeError("cannot encode %r (%s)" % (v, type(v)))


def dumps(obj):
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)


# ----------------------------------------------------------------------------
# Schema helpers
# ----------------------------------------------------------------------------

def D(n):
    return StructField(n, DoubleType(), True)


def I(n):
    return StructField(n, IntegerType(), True)


def S(n):
    return StructField(n, StringType(), True)


def V(n):
    return StructField(n, VectorUDT(), True)


def A(n):
    return StructField(n, ArrayType(StringType(), True), True)


def dv(*xs):
    return Vectors.dense([float(x) for x in xs])


def sv(size, idx, vals):
    return Vectors.sparse(size, list(idx), [float(x) for x in vals])


def r3(x):
    return round(x, 3)


def java_error_message(e):
    """First line of the Java exception message of the root cause.

    Walks Throwable.getCause() to the deepest cause (the stage's own exception,
    below Spark's "Job aborted" / FAILED_EXECUTE_UDF wrappers). If that cause
    has no message (e.g. a NullPointerException deserialised from a task), its
    class name is used instead.
    """
    j = getattr(e, "java_exception", None)
    if j is None:
        j = getattr(e, "_origin", None)
    if j is None:
        s = str(e).strip()
        return s.splitlines()[0] if s else type(e).__name__
    chain = []
    t = j
    while t is not None and len(chain) < 50:
        chain.append(t)
        t = t.getCause()
    root = chain[-1]
    msg = root.getMessage()
    if msg is None or not str(msg).strip() or str(msg).strip() == "null":
        msg = root.getClass().getName()
    return str(msg).strip().splitlines()[0]


def tree_thresholds(model):
    """(featureIndex, threshold) of every continuous split, parsed from
    toDebugString (Scala prints thresholds with Double.toString, which
    round-trips exactly through Python float())."""
    out = set()
    for m in re.finditer(r"\(feature (\d+) <= ([^)\s]+)\)", model.toDebugString):
        out.add((int(m.group(1)), float(m.group(2))))
    return sorted(out)


def pick_spread(items, k):
    """Deterministically pick at most k items spread over a sorted list."""
    if len(items) <= k:
        return list(items)
    step = len(items) / float(k)
    return [items[int(i * step)] for i in range(k)]


# ----------------------------------------------------------------------------
# Generator context
# ----------------------------------------------------------------------------

CASES = []


def case(fn):
    """Register a fixture case; the function name is the case name and its
    docstring the description."""
    CASES.append(fn)
    return fn


class Gen(object):
    def __init__(self, spark, out):
        self.spark = spark
        self.out = out
        self.version = spark.version
        self.name = None
        self.description = None
        self.summary = []

    # training DataFrame (no _id)
    def df(self, fields, rows):
        return self.spark.createDataFrame([tuple(r) for r in rows], StructType(list(fields)))

    def _transform(self, jmodel, df):
        """Transform with the JVM model object (one py4j call) and collect."""
        out = DataFrame(jmodel.transform(df._jdf), self.spark)
        ofields = [(f.name(), f.dataType().simpleString()) for f in out._jdf.schema().fields()]
        return ofields, out.columns, out.collect()

    def _collect_into(self, jmodel, schema, chunk, results, state):
        """Transform `chunk` (list of rows incl. _id) as one DataFrame and store
        Spark's output rows in results; rows absent from the output are later
        reported as _skipped. Raises if Spark raises."""
        f1, cols, out = self._transform(jmodel, self.spark.createDataFrame(chunk, schema))
        if state["ofields"] is None:
            state["ofields"] = f1
        assert f1 == state["ofields"], (self.name, f1, state["ofields"])
        ids = set(r[0] for r in chunk)
        for r in out:
            i = r["_id"]
            assert i in ids and i not in results, (self.name, i)
            results[i] = {"_id": i}
            for c in cols:
                if c != "_id":
                    results[i][c] = enc(r[c])

    def score(self, model, fields, rows):
        """Score rows with Spark. Returns (output fields, expected objects, mode).

        1. Transform the whole input DataFrame and collect.
        2. If that raises: the scoring DataFrame has exactly one row per
           partition (spark.default.parallelism = number of rows, and
           ConvertToLocalRelation is disabled so nothing is evaluated on the
           driver), so each partition of the transformed DataFrame is computed
           in jobs over sets of partitions (JavaRDD.collectPartitions), bisecting
           sets that raise down to single partitions: a single partition that
           raises identifies a row that raises (_error). The remaining rows are
           then transformed together and collected.
        3. If the transform itself raises before any job runs, fall back to
           transforming every row alone as a one-row DataFrame.
        """
        jmodel = model._to_java()
        schema = StructType([StructField("_id", IntegerType(), False)] + list(fields))
        data = [tuple([i] + list(r)) for i, r in enumerate(rows)]
        for r in data:
            assert len(r) == len(schema.fields), (self.name, r)
        results = {}
        state = {"ofields": None}
        jconf = self.spark.sparkContext._jsc.sc().conf()
        old_par = jconf.get("spark.default.parallelism", "2")
        mode = "whole"
        try:
            try:
                self._collect_into(jmodel, schema, data, results, state)
            except Exception as e:
                mode = "per-partition (%s)" % java_error_message(e)[:60]
                results.clear()
                errors = {}
                # one row per partition of the scoring DataFrame
                jconf.set("spark.default.parallelism", str(max(1, len(data))))
                try:
                    df = self.spark.createDataFrame(data, schema)
                    jrdd = jmodel.transform(df._jdf).javaRDD()
                except Exception:
                    jrdd = None
                if jrdd is not None:
                    assert jrdd.getNumPartitions() == len(data), (self.name,
                                                                  jrdd.getNumPartitions())
                    gw = self.spark.sparkContext._gateway

                    def bisect(ks):
                        # one job over a set of partitions; it raises iff one of them does
                        arr = gw.new_array(gw.jvm.int, len(ks))
                        for j, k in enumerate(ks):
                            arr[j] = k
                        try:
                            jrdd.collectPartitions(arr)
                        except Exception as e2:
                            if len(ks) == 1:
                                errors[data[ks[0]][0]] = java_error_message(e2)
                            else:
                                bisect(ks[:len(ks) // 2])
                                bisect(ks[len(ks) // 2:])

                    ks = list(range(len(data)))
                    if len(ks) == 1:
                        bisect(ks)
                    else:  # the whole set is known to raise
                        bisect(ks[:len(ks) // 2])
                        bisect(ks[len(ks) // 2:])
                    ok_rows = [r for r in data if r[0] not in errors]
                    jconf.set("spark.default.parallelism", old_par)
                    if ok_rows:
                        self._collect_into(jmodel, schema, ok_rows, results, state)
                else:  # transform() itself raised: one-row DataFrames
                    mode = "per-row (%s)" % java_error_message(e)[:60]
                    for row in data:
                        try:
                            self._collect_into(jmodel, schema, [row], results, state)
                        except Exception as e2:
                            errors[row[0]] = java_error_message(e2)
                for i, msg in errors.items():
                    results[i] = {"_id": i, "_error": msg}
        finally:
            jconf.set("spark.default.parallelism", old_par)
        expected = [results.get(r[0], {"_id": r[0], "_skipped": True}) for r in data]
        ofields = state["ofields"]
        if ofields is None:
            ofields = []
            print("  WARNING: no row succeeded; outputs unknown", file=sys.stderr)
        return ofields, expected, mode

    def write_case(self, dirname, name, description, model, fields, rows, rows_file="input.jsonl",
                   score_rows=None):
        d = os.path.join(self.out, dirname)
        if os.path.exists(d):
            shutil.rmtree(d)
        os.makedirs(d)
        mpath = os.path.join(d, "model")
        model.write().overwrite().save(mpath)
        loaded = type(model).load(mpath)  # score exactly what is on disk
        srows = rows if score_rows is None else rows[:score_rows]
        ofields, expected, mode = self.score(loaded, fields, srows)
        with open(os.path.join(d, rows_file), "w", encoding="utf-8") as f:
            for i, r in enumerate(rows):
                obj = {"_id": i}
                for fld, v in zip(fields, r):
                    obj[fld.name] = enc(v)
                f.write(dumps(obj) + "\n")
        with open(os.path.join(d, "expected.jsonl"), "w", encoding="utf-8") as f:
            for obj in expected:
                f.write(dumps(obj) + "\n")
        in_schema = self.spark.createDataFrame([], StructType(list(fields)))._jdf.schema()
        schema = {
            "sparkVersion": self.version,
            "case": name,
            "inputs": [{"name": f.name(), "type": f.dataType().simpleString()}
                       for f in in_schema.fields()],
            "outputs": [{"name": n, "type": t} for n, t in ofields if n != "_id"],
            "description": " ".join(description.split()),
        }
        with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(schema, allow_nan=False, ensure_ascii=False, indent=1) + "\n")
        # ML attributes of input columns (StructField metadata `ml_attr`), which the saved
        # model does not hold: the caller declares them (LoadOptions::declare_vector_metadata)
        attrs = {f.name: f.metadata for f in fields if "ml_attr" in (f.metadata or {})}
        if attrs:
            with open(os.path.join(d, "input_attributes.json"), "w", encoding="utf-8") as f:
                f.write(json.dumps(attrs, allow_nan=False, ensure_ascii=False, indent=1) + "\n")
        n_skip = sum(1 for o in expected if o.get("_skipped"))
        n_err = sum(1 for o in expected if "_error" in o)
        return len(expected), n_skip, n_err, mode

    def emit(self, model, fields, rows):
        t0 = time.time()
        n, n_skip, n_err, mode = self.write_case(self.name, self.name, self.description, model,
                                                 fields, rows)
        dt = time.time() - t0
        self.summary.append((self.name, n, n_skip, n_err))
        print("  %-52s rows=%3d skipped=%2d errors=%2d  %s  save+score %.1fs"
              % (self.name, n, n_skip, n_err, mode, dt), flush=True)


# ============================================================================
# Shared data
# ============================================================================

# Categorical training values with controlled frequencies: a:5, b:3, c:3 (tie,
# broken alphabetically), '':2, B:2, é:2 (tie), d:1, 日本:1 (tie); nulls are
# ignored by StringIndexer.fit.
SI_TRAIN = (["a"] * 5 + ["b"] * 3 + ["c"] * 3 + [""] * 2 + ["B"] * 2 + ["é"] * 2 + ["d"]
            + ["日本"] + [None] * 2)
# Scoring: every known label, then unseen ones: near misses, null.
SI_SCORE = (["a", "b", "c", "", "B", "é", "d", "日本"]
            + ["zzz", None, " a", "A", "a ", "D", "e\u0301", "日"])


def si_rows(seed):
    rng = random.Random(seed)
    vals = list(SI_TRAIN)
    rng.shuffle(vals)
    return vals


def si_case(g, order, handle, bare):
    train = g.df([S("cat")], [(v,) for v in si_rows(1)])
    est = StringIndexer(inputCol="cat", outputCol="cat_idx", stringOrderType=order,
                        handleInvalid=handle)
    model = est.fit(train) if bare else Pipeline(stages=[est]).fit(train)
    g.emit(model, [S("cat")], [(v,) for v in SI_SCORE])


@case
def string_indexer_frequency_desc_keep_bare(g):
    """Bare StringIndexerModel (saved without a pipeline). stringOrderType=frequencyDesc with
    frequency ties (broken alphabetically); handleInvalid=keep: unseen strings (' a', 'A', 'a ',
    decomposed 'e\u0301'), null map to numLabels. Labels include the empty string, 'B' vs 'b',
    non-ASCII 'é' and '日本'."""
    si_case(g, "frequencyDesc", "keep", bare=True)


@case
def string_indexer_frequency_asc_error(g):
    """StringIndexer stringOrderType=frequencyAsc (ties alphabetical), handleInvalid=error:
    unseen labels and null raise; known labels (incl. '' and non-ASCII) are indexed."""
    si_case(g, "frequencyAsc", "error", bare=False)


@case
def string_indexer_alphabet_desc_skip(g):
    """StringIndexer stringOrderType=alphabetDesc (Java String compareTo order, UTF-16),
    handleInvalid=skip: rows with unseen labels or null are dropped."""
    si_case(g, "alphabetDesc", "skip", bare=False)


@case
def string_indexer_alphabet_asc_keep(g):
    """StringIndexer stringOrderType=alphabetAsc, handleInvalid=keep (unseen/null -> numLabels)."""
    si_case(g, "alphabetAsc", "keep", bare=False)


MC_COLORS = ["red"] * 6 + ["green"] * 4 + ["blue"] * 3 + ["black"] * 1
MC_SIZES = ["M"] * 5 + ["L"] * 4 + ["S"] * 3 + ["XL"] * 2


def multi_col_rows(seed):
    rng = random.Random(seed)
    c = list(MC_COLORS)
    s = list(MC_SIZES)
    rng.shuffle(c)
    rng.shuffle(s)
    return list(zip(c, s))


MC_SCORE = ([("red", "M"), ("green", "L"), ("blue", "S"), ("black", "XL"), ("red", "XL"),
             ("black", "S")]
            + [("purple", "M"), ("red", "XXL"), (None, "M"), ("red", None), (None, None),
               ("purple", "XXL"), ("", "M"), ("Red", "m")])


@case
def string_indexer_multi_column_skip(g):
    """Multi-column StringIndexer (inputCols/outputCols, one labels array per column) with
    handleInvalid=skip: a row is dropped when ANY of its columns is null or unseen."""
    train = g.df([S("color"), S("size")], multi_col_rows(2))
    est = StringIndexer(inputCols=["color", "size"], outputCols=["color_idx", "size_idx"],
                        handleInvalid="skip")
    g.emit(Pipeline(stages=[est]).fit(train), [S("color"), S("size")], MC_SCORE)


@case
def string_indexer_multi_column_keep(g):
    """Multi-column StringIndexer, stringOrderType=alphabetAsc, handleInvalid=keep: each column
    maps unseen/null independently to its own numLabels."""
    train = g.df([S("color"), S("size")], multi_col_rows(3))
    est = StringIndexer(inputCols=["color", "size"], outputCols=["color_idx", "size_idx"],
                        handleInvalid="keep", stringOrderType="alphabetAsc")
    g.emit(Pipeline(stages=[est]).fit(train), [S("color"), S("size")], MC_SCORE)


@case
def string_indexer_numeric_double(g):
    """StringIndexer on a DOUBLE column (handleInvalid=keep): Spark casts to string first, so
    labels are Spark's double->string rendering ('1.0', '1.0E10', '1.0E-5', '0.001', '1.0E7',
    '1.23456789E8', 'NaN', '-3.0'). Scoring covers 3.0 (unseen), -0.0 vs 0.0, 1e-4 vs 0.001
    formatting boundary, 1e7 boundary, 0.30000000000000004, +-Infinity, NaN, null."""
    vals = ([1.0] * 4 + [2.0] * 3 + [2.5] * 2 + [1e10] * 2 + [1e-5] * 2 + [0.1] + [123456789.0]
            + [-3.0] * 2 + [0.001] + [1e7] + [NAN] * 2 + [0.0] + [None])
    rng = random.Random(4)
    rng.shuffle(vals)
    train = g.df([D("x")], [(v,) for v in vals])
    est = StringIndexer(inputCol="x", outputCol="x_idx", handleInvalid="keep")
    score = [1.0, 2.0, 2.5, 1e10, 1e-5, 0.1, 123456789.0, -3.0, 0.001, 1e7, NAN, 0.0,
             3.0, -0.0, 1e-4, 9999999.0, 1234567.0, 1e21, 0.30000000000000004, INF, NINF, None,
             1.0000000000000002, 100.0, 1e-3 * 10]
    g.emit(Pipeline(stages=[est]).fit(train), [D("x")], [(v,) for v in score])


@case
def string_indexer_numeric_int(g):
    """StringIndexer on an INT column (cast to string: '1', '-7'), handleInvalid=error: unseen
    integers (0, 99, Int.MaxValue, Int.MinValue) and null raise."""
    vals = [1] * 4 + [2] * 3 + [3] * 2 + [-7] * 2 + [100] + [None]
    rng = random.Random(5)
    rng.shuffle(vals)
    train = g.df([I("n")], [(v,) for v in vals])
    est = StringIndexer(inputCol="n", outputCol="n_idx", handleInvalid="error")
    score = [1, 2, 3, -7, 100, 0, 99, 2147483647, -2147483648, None]
    g.emit(Pipeline(stages=[est]).fit(train), [I("n")], [(v,) for v in score])


# ----------------------------------------------------------------------------
# IndexToString
# ----------------------------------------------------------------------------

@case
def index_to_string_explicit_labels(g):
    """Bare IndexToString transformer with explicit labels ['low','mid','high']: index is
    truncated toward zero (2.9 -> 'high', -0.5 -> 'low'); out-of-range (-1, 3, 1e300) raises;
    NaN and null behaviour recorded as Spark does it."""
    model = IndexToString(inputCol="idx", outputCol="label", labels=["low", "mid", "high"])
    score = [0.0, 1.0, 2.0, 2.9, 0.999, -0.5, -1.0, 3.0, 1e300, NAN, None, -0.0]
    g.emit(model, [D("idx")], [(v,) for v in score])


@case
def index_to_string_labels_from_metadata(g):
    """Pipeline StringIndexer(keep) -> IndexToString WITHOUT labels: IndexToString takes the
    labels from the nominal attribute written by the upstream StringIndexer (incl. the
    '__unknown' slot for keep), so round-trips known strings and maps unseen/null to the
    unknown label."""
    train = g.df([S("cat")], [(v,) for v in si_rows(6)])
    p = Pipeline(stages=[
        StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid="keep"),
        IndexToString(inputCol="cat_idx", outputCol="cat_back"),
    ]).fit(train)
    g.emit(p, [S("cat")], [(v,) for v in SI_SCORE])


# ----------------------------------------------------------------------------
# OneHotEncoder
# ----------------------------------------------------------------------------

def ohe_train(g, seed):
    rng = random.Random(seed)
    rows = [(float(rng.randrange(4)), rng.randrange(3)) for _ in range(30)]
    rows += [(3.0, 2), (0.0, 0)]
    return g.df([D("a"), I("b")], rows)


OHE_SCORE = ([(0.0, 0), (1.0, 1), (2.0, 2), (3.0, 0), (3.0, 2)]
             + [(1.5, 1), (2.999, 0), (-0.0, 1), (4.0, 0), (0.0, 3), (-1.0, 0), (0.0, -1),
                (NAN, 0), (None, 1), (2.0, None), (1e300, 0), (INF, 0)])


@case
def one_hot_encoder_drop_last_error(g):
    """Bare OneHotEncoderModel, multi-column (double column a with 4 categories, INT column b with
    3), dropLast=true, handleInvalid=error: the last category encodes as an all-zero sparse
    vector, fractional indices truncate, negative / too-large / NaN indices raise."""
    model = OneHotEncoder(inputCols=["a", "b"], outputCols=["a_vec", "b_vec"], dropLast=True,
                          handleInvalid="error").fit(ohe_train(g, 7))
    g.emit(model, [D("a"), I("b")], OHE_SCORE)


@case
def one_hot_encoder_keep_no_drop_last(g):
    """OneHotEncoder multi-column, dropLast=false, handleInvalid=keep: vector size n+1, invalid
    indices (too large, NaN) go to the extra slot n; negative indices still raise."""
    model = Pipeline(stages=[OneHotEncoder(inputCols=["a", "b"], outputCols=["a_vec", "b_vec"],
                                           dropLast=False, handleInvalid="keep")]
                     ).fit(ohe_train(g, 8))
    g.emit(model, [D("a"), I("b")], OHE_SCORE)


@case
def one_hot_encoder_keep_drop_last(g):
    """OneHotEncoder multi-column, dropLast=true, handleInvalid=keep: size n (the invalid slot is
    the dropped last one, so invalid values encode as all-zero vectors)."""
    model = Pipeline(stages=[OneHotEncoder(inputCols=["a", "b"], outputCols=["a_vec", "b_vec"],
                                           dropLast=True, handleInvalid="keep")]
                     ).fit(ohe_train(g, 9))
    g.emit(model, [D("a"), I("b")], OHE_SCORE)


# ----------------------------------------------------------------------------
# VectorAssembler / VectorSizeHint
# ----------------------------------------------------------------------------

def va_rows(seed):
    rng = random.Random(seed)
    rows = [(1.0, 2, dv(0.5, 0.0, 2.0))]  # first row valid: Spark infers vector length 3 from it
    for _ in range(8):
        rows.append((r3(rng.uniform(-3, 3)), rng.randrange(-5, 6),
                     dv(r3(rng.uniform(-1, 1)), 0.0, r3(rng.uniform(0, 4)))))
    rows += [
        (0.0, 0, sv(3, [], [])),            # all zero -> sparse output
        (0.0, 0, dv(0.0, 0.0, 0.0)),        # dense zeros -> sparse output
        (-0.0, 0, dv(-0.0, 0.0, 0.0)),      # negative zeros are zeros
        (0.0, 0, sv(3, [1], [5.0])),
        (0.0, 1, sv(3, [0, 2], [0.0, 7.0])),  # explicit zero inside sparse input
        (1.0, 0, sv(3, [0], [0.0])),          # only an explicit zero
        (0.0, 0, sv(3, [0, 1, 2], [0.0, 0.0, 0.0])),  # all explicit zeros
        (0.0, 0, sv(3, [0, 1, 2], [0.0, 3.0, 0.0])),
        (NAN, 1, dv(1.0, 2.0, 3.0)),        # NaN scalar
        (None, 1, dv(1.0, 2.0, 3.0)),       # null scalar
        (1.0, None, dv(1.0, 2.0, 3.0)),     # null int
        (1.0, 1, None),                     # null vector
        (1.0, 1, dv(NAN, 1.0, 2.0)),        # NaN inside vector
        (INF, 1, dv(NINF, 0.0, 0.0)),
        (1e300, -5, dv(1e-300, 0.0, -1e300)),
        (2.0, 3, dv(1.0, 2.0)),             # wrong vector size (2)
        (2.0, 3, sv(5, [4], [1.0])),        # wrong vector size (5)
    ]
    return rows


VA_FIELDS = [D("x"), I("n"), V("v")]


@case
def vector_assembler_error(g):
    """Bare VectorAssembler(handleInvalid=error) over double, int and vector inputs (vector length
    inferred by Spark from the first row). Output is compressed (sparse iff 1.5*(nnz+1) < size).
    Covers all-zero rows, explicit zeros in sparse input, -0.0, null/NaN scalars (raise), null
    vector (raises), NaN inside a vector, +-Inf, wrong-size vectors."""
    model = VectorAssembler(inputCols=["x", "n", "v"], outputCol="features", handleInvalid="error")
    g.emit(model, VA_FIELDS, va_rows(10))


@case
def vector_assembler_skip(g):
    """VectorAssembler(handleInvalid=skip) in a pipeline: rows with null in any input or NaN in a
    scalar input are dropped; NaN inside a vector is kept."""
    model = PipelineModel(stages=[VectorAssembler(inputCols=["x", "n", "v"], outputCol="features",
                                                  handleInvalid="skip")])
    g.emit(model, VA_FIELDS, va_rows(10))


@case
def vector_assembler_keep_size_hint_optimistic(g):
    """VectorSizeHint(size=3, handleInvalid=optimistic) -> VectorAssembler(handleInvalid=keep):
    the hint supplies the vector length so null vectors become 3 NaNs and null scalars one NaN;
    optimistic does not check sizes, so wrong-size vectors reach the assembler."""
    model = PipelineModel(stages=[
        VectorSizeHint(inputCol="v", size=3, handleInvalid="optimistic"),
        VectorAssembler(inputCols=["x", "n", "v"], outputCol="features", handleInvalid="keep")])
    g.emit(model, VA_FIELDS, va_rows(10))


@case
def vector_assembler_compressed_boundaries(g):
    """Four VectorAssemblers (handleInvalid=keep) over the first 2, 5, 8 and 11 of eleven double
    columns; row k has its first k columns non-zero (k = 0..11), so every (size, nnz) pair is
    seen. Pins down the
    dense-vs-sparse choice of Vector.compressed at its boundary (sizes 2, 5, 8, 11 with nnz 0, 2,
    4, 6 are where Spark versions disagree), plus rows with NaN (counts as non-zero) and -0.0
    (counts as zero)."""
    cols = ["x%d" % i for i in range(11)]
    p = PipelineModel(stages=[
        VectorAssembler(inputCols=cols[:n], outputCol="v%d" % n, handleInvalid="keep")
        for n in (2, 5, 8, 11)])
    rows = [tuple([1.0] * k + [0.0] * (11 - k)) for k in range(12)]
    rows += [tuple([NAN, NAN] + [0.0] * 9), tuple([-0.0] * 11), tuple([0.0, 2.5] + [-0.0] * 9),
             tuple([0.0, 0.0, 0.0, 3.0, 4.0] + [0.0] * 6)]
    g.emit(p, [D(c) for c in cols], rows)


@case
def vector_size_hint_error(g):
    """VectorSizeHint(size=3, handleInvalid=error) -> VectorAssembler(keep): null or wrong-size
    vectors raise in the hint; dense and sparse vectors of size 3 pass unchanged."""
    model = PipelineModel(stages=[
        VectorSizeHint(inputCol="v", size=3, handleInvalid="error"),
        VectorAssembler(inputCols=["x", "v"], outputCol="features", handleInvalid="keep")])
    rows = [(x, v) for x, _, v in va_rows(11)]
    g.emit(model, [D("x"), V("v")], rows)


@case
def vector_size_hint_skip(g):
    """VectorSizeHint(size=3, handleInvalid=skip) -> VectorAssembler(keep): rows with null or
    wrong-size vectors are dropped."""
    model = PipelineModel(stages=[
        VectorSizeHint(inputCol="v", size=3, handleInvalid="skip"),
        VectorAssembler(inputCols=["x", "v"], outputCol="features", handleInvalid="keep")])
    rows = [(x, v) for x, _, v in va_rows(12)]
    g.emit(model, [D("x"), V("v")], rows)


# ----------------------------------------------------------------------------
# Scalers
# ----------------------------------------------------------------------------

def dense_train(seed, n, size, const_idx=None, const=5.0, zero_idx=None):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        vals = [r3(rng.gauss(i + 1.0, 1.0 + i)) for i in range(size)]
        if const_idx is not None:
            vals[const_idx] = const
        if zero_idx is not None:
            vals[zero_idx] = 0.0
        rows.append((dv(*vals),))
    return rows


def vec_edges(size, extra=True):
    """Edge vectors of a given size plus wrong-size ones."""
    e = [
        dv(*([0.0] * size)),
        sv(size, [], []),
        sv(size, [0, size - 1], [1.5, -2.0]),
        dv(*([NAN] + [1.0] * (size - 1))),
        dv(*([INF] + [1.0] * (size - 1))),
        dv(*([NINF] + [1.0] * (size - 1))),
        dv(*([NAN] * size)),
        dv(*([INF] * size)),
        dv(*([1e300] * size)),
        dv(*([1e-300] * size)),
        dv(*([-1e300] + [0.0] * (size - 1))),
        dv(*[-(i + 1.0) for i in range(size)]),
        dv(*[7.0] * size),
    ]
    if extra:
        e.append(dv(*([1.0] * (size - 1))))           # wrong size (short)
        e.append(sv(size + 2, [size + 1], [1.0]))    # wrong size (long)
        e.append(None)                               # null vector
    return [(v,) for v in e]


@case
def standard_scaler_combinations(g):
    """Three StandardScalerModels on the same dense vector column (feature 2 constant -> std 0):
    withMean+withStd, withStd only (default), withMean only. Scoring covers NaN, +-Inf, 1e300,
    1e-300, sparse input (withMean densifies, std-only stays sparse), wrong sizes, null."""
    train = g.df([V("v")], dense_train(13, 30, 4, const_idx=2))
    p = Pipeline(stages=[
        StandardScaler(inputCol="v", outputCol="s_mean_std", withMean=True, withStd=True),
        StandardScaler(inputCol="v", outputCol="s_std"),
        StandardScaler(inputCol="v", outputCol="s_mean", withMean=True, withStd=False),
    ]).fit(train)
    g.emit(p, [V("v")], dense_train(14, 10, 4, const_idx=2) + vec_edges(4))


@case
def standard_scaler_sparse_std_only_bare(g):
    """Bare StandardScalerModel (withStd only) fitted on SPARSE vectors of size 6 (feature 5
    never non-zero -> std 0): sparse input stays sparse with values * (1/std); dense rows
    dense."""
    rng = random.Random(15)
    rows = []
    for _ in range(30):
        idx = sorted(rng.sample(range(5), rng.randrange(1, 4)))
        rows.append((sv(6, idx, [r3(rng.uniform(-5, 5)) for _ in idx]),))
    model = StandardScaler(inputCol="v", outputCol="scaled").fit(g.df([V("v")], rows))
    score = rows[:10] + [(sv(6, [5], [3.0]),), (sv(6, [0, 3], [0.0, 1.0]),)] + vec_edges(6)
    g.emit(model, [V("v")], score)


@case
def min_max_scaler_default_and_custom_range(g):
    """Two MinMaxScalerModels on one column (feature 1 constant 2.0 -> maps to (min+max)/2):
    default [0,1] and custom min=-1,max=5. Output is compressed; values outside the training
    range extrapolate; NaN stays NaN; sparse input."""
    train = g.df([V("v")], dense_train(16, 25, 3, const_idx=1, const=2.0))
    p = Pipeline(stages=[
        MinMaxScaler(inputCol="v", outputCol="mm"),
        MinMaxScaler(inputCol="v", outputCol="mm_custom", min=-1.0, max=5.0),
    ]).fit(train)
    g.emit(p, [V("v")], dense_train(17, 10, 3, const_idx=1, const=2.0) + vec_edges(3))


@case
def max_abs_scaler(g):
    """MaxAbsScalerModel; feature 3 is always 0 in training (maxAbs 0 -> scale 1). Dense and
    sparse inputs (sparsity kept), negatives, values beyond training maxAbs."""
    train = g.df([V("v")], dense_train(18, 25, 4, zero_idx=3))
    p = Pipeline(stages=[MaxAbsScaler(inputCol="v", outputCol="scaled")]).fit(train)
    g.emit(p, [V("v")], dense_train(19, 10, 4) + vec_edges(4))


@case
def robust_scaler_variants(g):
    """Three RobustScalerModels: default (scaling by IQR only), withCentering+withScaling, and
    withCentering only. Feature 2 constant -> range 0 -> scale 0. Dense and sparse inputs."""
    train = g.df([V("v")], dense_train(20, 40, 3, const_idx=2, const=1.0))
    p = Pipeline(stages=[
        RobustScaler(inputCol="v", outputCol="rs"),
        RobustScaler(inputCol="v", outputCol="rs_center", withCentering=True),
        RobustScaler(inputCol="v", outputCol="rs_center_only", withCentering=True,
                     withScaling=False),
    ]).fit(train)
    g.emit(p, [V("v")], dense_train(21, 8, 3, const_idx=2, const=1.0) + vec_edges(3))


@case
def normalizer_p_norms(g):
    """Four Normalizers (p=1, 2, Infinity, 3) on the same column: dense/sparse input, all-zero
    vectors returned unchanged, NaN/Inf propagation, overflow (1e300) and underflow (1e-300)
    of the norm."""
    p = PipelineModel(stages=[
        Normalizer(inputCol="v", outputCol="n1", p=1.0),
        Normalizer(inputCol="v", outputCol="n2", p=2.0),
        Normalizer(inputCol="v", outputCol="ninf", p=INF),
        Normalizer(inputCol="v", outputCol="n3", p=3.0),
    ])
    g.emit(p, [V("v")], dense_train(22, 8, 4) + vec_edges(4, extra=False) + [(None,)])


# ----------------------------------------------------------------------------
# Binarizer / Bucketizer / QuantileDiscretizer
# ----------------------------------------------------------------------------

@case
def binarizer_double_multi_column(g):
    """Multi-column Binarizer on doubles, thresholds [0.5, -1.0]: x > t -> 1.0 (values exactly
    on the threshold -> 0.0), NaN -> 0.0, null, +-Inf, -0.0."""
    p = PipelineModel(stages=[Binarizer(inputCols=["a", "b"], outputCols=["a_bin", "b_bin"],
                                        thresholds=[0.5, -1.0])])
    rows = [(0.5, -1.0), (0.5000000000000001, -0.9999999999999999), (0.4999999999999999, -1.0000000000000002),
            (0.0, 0.0), (-0.0, -0.0), (1.0, -2.0), (NAN, NAN), (INF, NINF), (NINF, INF),
            (None, 0.0), (1.0, None), (1e300, -1e300), (1e-300, -1e-300)]
    g.emit(p, [D("a"), D("b")], rows)


@case
def binarizer_vector(g):
    """Binarizer on vector input with threshold 0.5 and with a NEGATIVE threshold -0.5 (implicit
    zeros of sparse input are > -0.5). Output built sparse then compressed."""
    p = PipelineModel(stages=[
        Binarizer(inputCol="v", outputCol="bin_pos", threshold=0.5),
        Binarizer(inputCol="v", outputCol="bin_neg", threshold=-0.5),
    ])
    rows = [(dv(0.5, 1.5, 0.0, -1.0),), (sv(4, [1], [2.0]),), (sv(4, [0, 3], [-1.0, 0.6]),),
            (sv(6, [], []),), (dv(0.0, 0.0, 0.0),), (dv(NAN, INF, NINF, -0.5),),
            (dv(0.5000000000000001, -0.5000000000000001, 1e-300, -1e-300),),
            (sv(10, [2, 7], [5.0, -5.0]),), (None,)]
    g.emit(p, [V("v")], rows)


BUCKET_EDGE = [-1.0, 0.0, 1.5, 10.0, -0.0, 1.4999999999999998, 1.5000000000000002, -1.0000000000000002,
               9.999999999999998, NINF, INF, -1e300, 1e300, 1e-300, NAN, None, 5.0, -0.5, 100.0]


@case
def bucketizer_infinite_splits_error(g):
    """Bare Bucketizer splits [-Inf,-1,0,1.5,10,Inf], handleInvalid=error: values exactly on
    splits go to the bucket starting there; -0.0 vs 0.0 (Java binarySearch puts -0.0 below
    0.0); +Inf lands in the last bucket; NaN raises; null behaviour recorded."""
    model = Bucketizer(splits=[NINF, -1.0, 0.0, 1.5, 10.0, INF], inputCol="x", outputCol="bucket",
                       handleInvalid="error")
    g.emit(model, [D("x")], [(v,) for v in BUCKET_EDGE])


@case
def bucketizer_finite_splits_keep(g):
    """Bucketizer finite splits [0,1,2,5], handleInvalid=keep: NaN -> extra bucket 3; exactly 5.0
    -> last bucket 2; values outside [0,5] raise even in keep mode."""
    model = PipelineModel(stages=[Bucketizer(splits=[0.0, 1.0, 2.0, 5.0], inputCol="x",
                                             outputCol="bucket", handleInvalid="keep")])
    vals = [0.0, 0.5, 1.0, 1.9999999999999998, 2.0, 4.999999999999999, 5.0, NAN, None, -0.0,
            -1e-300, 5.000000000000001, -1.0, 6.0, INF, NINF]
    g.emit(model, [D("x")], [(v,) for v in vals])


@case
def bucketizer_multi_column_skip(g):
    """Multi-column Bucketizer (splitsArray) with handleInvalid=skip: rows with NaN/null in any
    input are dropped, out-of-range values still raise; int input column cast to double."""
    model = PipelineModel(stages=[Bucketizer(
        splitsArray=[[NINF, 0.0, 1.0, INF], [0.0, 10.0, 20.0, 30.0]],
        inputCols=["x", "n"], outputCols=["x_b", "n_b"], handleInvalid="skip")])
    rows = [(0.0, 0), (0.5, 10), (1.0, 29), (-5.0, 30), (INF, 15), (NAN, 5), (None, 5), (0.5, None),
            (0.5, 31), (0.5, -1), (-0.0, 20), (NINF, 0)]
    g.emit(model, [D("x"), I("n")], rows)


@case
def bucketizer_multi_column_keep(g):
    """Multi-column Bucketizer with handleInvalid=keep: NaN goes to each column's extra bucket."""
    model = PipelineModel(stages=[Bucketizer(
        splitsArray=[[NINF, 0.0, 1.0, INF], [0.0, 10.0, 20.0, 30.0]],
        inputCols=["x", "y"], outputCols=["x_b", "y_b"], handleInvalid="keep")])
    rows = [(0.0, 0.0), (0.5, 10.0), (1.0, 29.9), (-5.0, 30.0), (INF, 15.0), (NAN, 5.0),
            (0.5, NAN), (NAN, NAN), (None, 5.0), (0.5, 30.5)]
    g.emit(model, [D("x"), D("y")], rows)


@case
def quantile_discretizer(g):
    """QuantileDiscretizer (fitted model is a Bucketizer with computed splits, -Inf/Inf ends):
    single-column numBuckets=4 keep, and multi-column numBucketsArray=[3,5] keep. Scoring
    includes every fitted split value exactly, NaN, null, +-Inf."""
    rng = random.Random(23)
    rows = [(r3(rng.expovariate(0.5)), r3(rng.gauss(0, 10))) for _ in range(200)]
    train = g.df([D("x"), D("y")], rows)
    p = Pipeline(stages=[
        QuantileDiscretizer(inputCol="x", outputCol="x_q", numBuckets=4, handleInvalid="keep"),
        QuantileDiscretizer(inputCols=["x", "y"], outputCols=["x_q2", "y_q5"],
                            numBucketsArray=[3, 5], handleInvalid="keep"),
    ]).fit(train)
    splits = set(p.stages[0].getSplits())
    for s in p.stages[1].getSplitsArray():
        splits |= set(s)
    finite = sorted(s for s in splits if not math.isinf(s))
    score = rows[:8]
    for s in finite:
        score.append((s, s))
    score += [(NAN, 0.0), (0.0, NAN), (None, None), (INF, NINF), (NINF, INF), (-1.0, 1e300)]
    g.emit(p, [D("x"), D("y")], score)


# ----------------------------------------------------------------------------
# Imputer
# ----------------------------------------------------------------------------

def imputer_train(seed, missing):
    rng = random.Random(seed)
    rows = []
    for i in range(25):
        a = r3(rng.uniform(0, 10))
        b = r3(rng.gauss(50, 20))
        if i % 7 == 0:
            a = missing
        if i % 5 == 0:
            b = None
        rows.append((a, b))
    return rows


@case
def imputer_mean_multi_column(g):
    """Imputer strategy=mean, missingValue=NaN (default), two double columns: NaN and null are
    replaced by the column mean; +-Inf are not missing."""
    rows = imputer_train(24, NAN)
    p = Pipeline(stages=[Imputer(inputCols=["a", "b"], outputCols=["a_imp", "b_imp"])]
                 ).fit(g.df([D("a"), D("b")], rows))
    score = rows[:10] + [(NAN, NAN), (None, None), (INF, NINF), (0.0, -0.0), (1e300, 1e-300)]
    g.emit(p, [D("a"), D("b")], score)


@case
def imputer_median_custom_missing_value(g):
    """Imputer strategy=median, missingValue=-1.0: -1.0 and null are replaced, NaN is NOT
    missing and passes through."""
    rows = imputer_train(25, -1.0)
    p = Pipeline(stages=[Imputer(inputCols=["a", "b"], outputCols=["a_imp", "b_imp"],
                                 strategy="median", missingValue=-1.0)]
                 ).fit(g.df([D("a"), D("b")], rows))
    score = rows[:10] + [(-1.0, -1.0), (NAN, NAN), (None, None), (-1.0000000000000002, -0.0)]
    g.emit(p, [D("a"), D("b")], score)


@case
def imputer_mode_int_column(g):
    """Imputer strategy=mode on an INT column and a double column (single inputCol/outputCol
    stage per column): surrogate cast back to the input column type; null and NaN replaced."""
    rng = random.Random(26)
    rows = []
    for i in range(30):
        n = rng.choice([1, 2, 2, 3, 3, 3, 7])
        x = rng.choice([0.5, 1.5, 1.5, 2.5])
        if i % 6 == 0:
            n = None
        if i % 8 == 0:
            x = NAN
        rows.append((n, x))
    p = Pipeline(stages=[
        Imputer(inputCol="n", outputCol="n_imp", strategy="mode"),
        Imputer(inputCol="x", outputCol="x_imp", strategy="mode"),
    ]).fit(g.df([I("n"), D("x")], rows))
    score = rows[:10] + [(None, NAN), (None, None), (0, 0.0), (-2147483648, INF)]
    g.emit(p, [I("n"), D("x")], score)


# ----------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------

TEXT_EDGE = [
    "Hello World",
    "Hello  World\tFoo",          # double space and tab: empty token kept
    "  leading spaces",
    "trailing spaces   ",
    "",
    " ",
    "ONE",
    "İstanbul ΟΔΟΣ Straße ǅemal",  # non-ASCII lower-casing (Locale.ROOT)
    "a b c d e",
    "tab\tseparated\nnew line\r\nwindows",
    "punctuation, stays; attached! (yes)",
    "x",
    "a\u00a0b c",                 # no-break space is not \s in Java
    None,
]


@case
def tokenizer_ngram(g):
    """Tokenizer (lower-case with Locale.ROOT, split on each single whitespace char, interior
    empty tokens kept, trailing dropped) -> NGram n=2 and n=3 (fewer tokens than n -> empty
    array). Null text raises."""
    p = PipelineModel(stages=[
        Tokenizer(inputCol="text", outputCol="tokens"),
        NGram(n=2, inputCol="tokens", outputCol="bigrams"),
        NGram(n=3, inputCol="tokens", outputCol="trigrams"),
    ])
    g.emit(p, [S("text")], [(t,) for t in TEXT_EDGE])


@case
def regex_tokenizer_variants(g):
    """Four RegexTokenizers: default (pattern \\s+, gaps=true, lower-case); gaps=false pattern
    \\w+; pattern '[,;]\\s*' with minTokenLength=2 and toLowercase=false; gaps=false
    pattern '[A-Za-z]+' minTokenLength=3 toLowercase=false. Leading empty token from a
    leading gap is recorded."""
    p = PipelineModel(stages=[
        RegexTokenizer(inputCol="text", outputCol="rt_default"),
        RegexTokenizer(inputCol="text", outputCol="rt_words", gaps=False, pattern="\\w+"),
        RegexTokenizer(inputCol="text", outputCol="rt_csv", pattern="[,;]\\s*", minTokenLength=2,
                       toLowercase=False),
        RegexTokenizer(inputCol="text", outputCol="rt_alpha", gaps=False, pattern="[A-Za-z]+",
                       minTokenLength=3, toLowercase=False),
    ])
    texts = [t for t in TEXT_EDGE if t is not None] + [
        "a,b,,c;dd; ee", ",leading comma", "Ünïcödé Wörds ÀND MiXeD", "x1 y22 z333 _under_"]
    g.emit(p, [S("text")], [(t,) for t in texts])


@case
def stop_words_remover(g):
    """StopWordsRemover with the default English list (caseSensitive=false) and with a custom list
    ['The','X','über'] caseSensitive=true, on an array<string> input column. Null array
    raises."""
    p = PipelineModel(stages=[
        StopWordsRemover(inputCol="words", outputCol="filtered"),
        StopWordsRemover(inputCol="words", outputCol="filtered_cs", stopWords=["The", "X", "über"],
                         caseSensitive=True),
    ])
    rows = [["The", "quick", "brown", "fox"], ["a", "an", "THE", "I", "i", "the"], [],
            ["don't", "won't", "Don't", "DON'T"], ["x", "X", "über", "Über"], [""],
            ["hello", "world"], ["themselves", "ourselves", "yours", "mustn't"], None]
    g.emit(p, [A("words")], [(r,) for r in rows])


@case
def hashing_tf_variants(g):
    """HashingTF (MurmurHash3 x86_32 seed 42 on UTF-8 bytes): default numFeatures 2^18, numFeatures
    16 (collisions summed) and binary=true numFeatures 32. Terms of every UTF-8 length mod 4,
    non-ASCII, empty string, repeated terms, empty array."""
    p = PipelineModel(stages=[
        HashingTF(inputCol="terms", outputCol="tf"),
        HashingTF(inputCol="terms", outputCol="tf16", numFeatures=16),
        HashingTF(inputCol="terms", outputCol="tf_bin", numFeatures=32, binary=True),
    ])
    rows = [["a", "b", "a", "c", "zz"], ["é", "日本", "abcde"], [], [""], ["abc", "abcd", "abcdefg"],
            ["spark", "spark", "spark", "ml"], ["The", "the", "THE"], ["🙂", "naïve", "ß"],
            ["a"] * 10 + ["b"], None]
    g.emit(p, [A("terms")], [(r,) for r in rows])


WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu"]


def docs(seed, n, lo=3, hi=9):
    rng = random.Random(seed)
    weights = [12, 9, 7, 6, 5, 4, 3, 3, 2, 2, 1, 1]
    return [rng.choices(WORDS, weights=weights, k=rng.randrange(lo, hi)) for _ in range(n)]


@case
def count_vectorizer_variants(g):
    """CountVectorizerModels fitted on the same docs: default minTF=1; minTF=2 (absolute count);
    minTF=0.3 (fraction of the document's token count, OOV tokens included in the count);
    binary=true. OOV tokens, empty docs."""
    train = g.df([A("tokens")], [(d,) for d in docs(27, 40)])
    p = Pipeline(stages=[
        CountVectorizer(inputCol="tokens", outputCol="cv"),
        CountVectorizer(inputCol="tokens", outputCol="cv_min2", minTF=2.0),
        CountVectorizer(inputCol="tokens", outputCol="cv_frac", minTF=0.3),
        CountVectorizer(inputCol="tokens", outputCol="cv_bin", binary=True, vocabSize=8),
    ]).fit(train)
    score = [(d,) for d in docs(28, 10)] + [
        ([],), (["oov", "unknown"],), (["alpha", "oov", "oov", "oov"],),
        (["alpha", "alpha", "beta", "oov", "oov", "oov", "oov"],), (["mu"] * 3,), (None,)]
    g.emit(p, [A("tokens")], score)


@case
def idf_hashing_and_count_vectorizer(g):
    """Tokenizer -> HashingTF(numFeatures=32) -> IDF(minDocFreq=3: rare terms get idf 0) and, in
    parallel, CountVectorizer -> IDF (default). IDF keeps the sparse structure."""
    train_docs = [" ".join(d) for d in docs(29, 30)]
    train = g.df([S("text")], [(t,) for t in train_docs])
    p = Pipeline(stages=[
        Tokenizer(inputCol="text", outputCol="tokens"),
        HashingTF(inputCol="tokens", outputCol="tf", numFeatures=32),
        IDF(inputCol="tf", outputCol="tfidf", minDocFreq=3),
        CountVectorizer(inputCol="tokens", outputCol="cv"),
        IDF(inputCol="cv", outputCol="cv_idf"),
    ]).fit(train)
    score = [(" ".join(d),) for d in docs(30, 10)] + [("",), ("OOV words only",),
                                                       ("ALPHA Alpha alpha",), ("mu mu mu mu",)]
    g.emit(p, [S("text")], score)


# ----------------------------------------------------------------------------
# Linear classifiers / regression
# ----------------------------------------------------------------------------

W4 = [1.5, -2.0, 0.7, 0.0]


def lin_data(seed, n, w=W4, b=0.3, noise=0.8):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x = [r3(rng.gauss(0, 1.5)) for _ in w]
        m = sum(a * c for a, c in zip(w, x)) + b + rng.gauss(0, noise)
        rows.append((x, 1.0 if m > 0 else 0.0, r3(m * 2.0 + 1.0)))
    return rows


def vec_feature_edges(size):
    """Vector edge inputs for predictors taking a raw vector column."""
    e = [dv(*([0.0] * size)), sv(size, [], []), sv(size, [1], [2.5]), dv(*([NAN] * size)),
         dv(*([1.0] * (size - 1) + [NAN])), dv(*([INF] + [0.0] * (size - 1))),
         dv(*([NINF] + [0.0] * (size - 1))), dv(*([INF] * size)), dv(*([1e300] * size)),
         dv(*([-1e300] + [0.0] * (size - 1))), dv(*([1e-300] * size)),
         dv(*[float(i + 1) * 100 for i in range(size)]),
         dv(*([1.0] * (size - 1))), dv(*([1.0] * (size + 1))), None]
    return [(v,) for v in e]


@case
def logistic_regression_binomial_bare(g):
    """Bare LogisticRegressionModel (binomial) on a raw dense vector column of size 4: dense and
    sparse inputs (dot product paths), all-zero, NaN, +-Inf (margin +-Inf and Inf-Inf=NaN),
    1e300 overflow, wrong sizes (raise), null vector."""
    rows = lin_data(31, 60)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y, _ in rows])
    model = LogisticRegression(maxIter=50, regParam=0.01).fit(train)
    score = [(dv(*x),) for x, _, _ in lin_data(32, 12)] + vec_feature_edges(4)
    g.emit(model, [V("features")], score)


def assemble_rows(rows, cols=("x0", "x1", "x2", "x3")):
    return [tuple(x[:len(cols)]) for x, _, _ in rows]


X4 = [D("x0"), D("x1"), D("x2"), D("x3")]
X4_EDGE = [(0.0, 0.0, 0.0, 0.0), (NAN, 0.0, 0.0, 0.0), (INF, 0.0, 0.0, 0.0),
           (NINF, 1.0, 1.0, 1.0), (INF, INF, 0.0, 0.0), (1e300, -1e300, 0.0, 0.0),
           (1e-300, 1e-300, 1e-300, 1e-300), (None, 1.0, 1.0, 1.0), (50.0, -50.0, 50.0, -50.0),
           (-0.0, -0.0, -0.0, -0.0)]


@case
def logistic_regression_binomial_threshold(g):
    """VectorAssembler(keep) -> binomial LogisticRegression with threshold=0.3 (prediction uses
    margin > log(t/(1-t))). Rows near the decision boundary, NaN/null -> NaN features, +-Inf."""
    rows = lin_data(33, 80)
    train = g.df(X4 + [D("label")], [tuple(x) + (y,) for x, y, _ in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="features",
                        handleInvalid="keep"),
        LogisticRegression(maxIter=50, regParam=0.05, threshold=0.3),
    ]).fit(train)
    g.emit(p, X4, assemble_rows(lin_data(34, 15)) + X4_EDGE)


@case
def logistic_regression_binomial_thresholds(g):
    """Binomial LogisticRegression with thresholds=[0.7, 0.3] set (binary model converts them to a
    single threshold 1/(1+t0/t1)). Raw dense vector input."""
    rows = lin_data(35, 80)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y, _ in rows])
    p = Pipeline(stages=[LogisticRegression(maxIter=50, regParam=0.01, thresholds=[0.7, 0.3])]
                 ).fit(train)
    score = [(dv(*x),) for x, _, _ in lin_data(36, 15)] + vec_feature_edges(4)
    g.emit(p, [V("features")], score)


def multiclass_data(seed, n, k=4, d=4):
    rng = random.Random(seed)
    centers = [[rng.uniform(-3, 3) for _ in range(d)] for _ in range(k)]
    rows = []
    for _ in range(n):
        c = rng.randrange(k)
        x = [r3(centers[c][j] + rng.gauss(0, 1.2)) for j in range(d)]
        rows.append((x, float(c)))
    return rows


@case
def logistic_regression_multinomial(g):
    """VectorAssembler -> multinomial LogisticRegression with 4 classes (elasticNet 0.3 so some
    coefficients are exactly zero; coefficient matrix may be stored sparse): softmax
    probabilities, argmax prediction, NaN/Inf rows."""
    rows = multiclass_data(37, 120)
    train = g.df(X4 + [D("label")], [tuple(x) + (y,) for x, y in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="features",
                        handleInvalid="keep"),
        LogisticRegression(maxIter=60, regParam=0.05, elasticNetParam=0.3, family="multinomial"),
    ]).fit(train)
    g.emit(p, X4, [tuple(x) for x, _ in multiclass_data(38, 15)] + X4_EDGE)


@case
def logistic_regression_multinomial_thresholds(g):
    """Bare multinomial LogisticRegressionModel (3 classes) with thresholds=[0.5, 0.2, 0.3]:
    prediction = argmax(p_i / t_i). Sparse and dense vector inputs."""
    rows = multiclass_data(39, 90, k=3)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in rows])
    model = LogisticRegression(maxIter=60, regParam=0.02, thresholds=[0.5, 0.2, 0.3]).fit(train)
    score = [(dv(*x),) for x, _ in multiclass_data(40, 15, k=3)] + vec_feature_edges(4)
    g.emit(model, [V("features")], score)


@case
def logistic_regression_multinomial_family_two_classes(g):
    """LogisticRegression family=multinomial on a BINARY label: isMultinomial=true with 2
    margins, scored through the softmax path (not the binomial sigmoid path)."""
    rows = lin_data(41, 80)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y, _ in rows])
    model = LogisticRegression(maxIter=50, regParam=0.01, family="multinomial").fit(train)
    score = [(dv(*x),) for x, _, _ in lin_data(42, 12)] + vec_feature_edges(4)
    g.emit(model, [V("features")], score)


@case
def linear_regression_squared_and_huber(g):
    """VectorAssembler -> LinearRegression (squared loss, elasticNet) and LinearRegression
    (loss=huber, so the saved scale != 1) in one pipeline (second writes prediction_huber)."""
    rows = lin_data(43, 80)
    train = g.df(X4 + [D("label")], [tuple(x) + (t,) for x, _, t in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="features",
                        handleInvalid="keep"),
        LinearRegression(maxIter=50, regParam=0.1, elasticNetParam=0.5),
        LinearRegression(maxIter=50, regParam=0.1, loss="huber",
                         predictionCol="prediction_huber"),
    ]).fit(train)
    g.emit(p, X4, assemble_rows(lin_data(44, 15)) + X4_EDGE)


@case
def linear_svc_with_scaler(g):
    """VectorAssembler -> StandardScaler(withMean, withStd) -> LinearSVC (rawPrediction [-m, m],
    prediction m > threshold 0.0; no probability column)."""
    rows = lin_data(45, 80)
    train = g.df(X4 + [D("label")], [tuple(x) + (y,) for x, y, _ in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="raw_features",
                        handleInvalid="keep"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=True),
        LinearSVC(maxIter=50, regParam=0.01),
    ]).fit(train)
    g.emit(p, X4, assemble_rows(lin_data(46, 15)) + X4_EDGE)


# ----------------------------------------------------------------------------
# NaiveBayes
# ----------------------------------------------------------------------------

def nb_counts(seed, n, k=3, d=5):
    rng = random.Random(seed)
    profiles = [[rng.uniform(0.2, 4.0) for _ in range(d)] for _ in range(k)]
    rows = []
    for _ in range(n):
        c = rng.randrange(k)
        x = [float(int(rng.expovariate(1.0 / profiles[c][j]))) for j in range(d)]
        rows.append((x, float(c)))
    return rows


NB_BAD = [(dv(1.0, -1.0, 0.0, 0.0, 0.0),), (dv(NAN, 0.0, 0.0, 0.0, 0.0),),
          (dv(0.0, 0.0, 0.0, 0.0, 0.0),), (sv(5, [], []),), (sv(5, [2], [3.0]),),
          (dv(0.5, 1.5, 2.5, 0.0, 0.0),), (dv(1e300, 0.0, 0.0, 0.0, 0.0),),
          (dv(INF, 0.0, 0.0, 0.0, 0.0),), (dv(1.0, 1.0, 1.0, 1.0),), (None,)]


@case
def naive_bayes_multinomial_bare(g):
    """Bare NaiveBayesModel modelType=multinomial, 3 classes: raw = pi + theta.x; negative or NaN
    feature values raise; fractional counts accepted; sparse input; all-zero row (prior only)."""
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in nb_counts(47, 90)])
    model = NaiveBayes(modelType="multinomial", smoothing=1.0).fit(train)
    score = [(dv(*x),) for x, _ in nb_counts(48, 12)] + NB_BAD
    g.emit(model, [V("features")], score)


@case
def naive_bayes_bernoulli(g):
    """NaiveBayes modelType=bernoulli: features must be exactly 0 or 1 (0.5, 2.0, -1, NaN raise)."""
    rows = [([1.0 if v > 0 else 0.0 for v in x], y) for x, y in nb_counts(49, 90)]
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in rows])
    p = Pipeline(stages=[NaiveBayes(modelType="bernoulli", smoothing=0.5)]).fit(train)
    score = [(dv(*x),) for x, _ in rows[:12]] + [(dv(1, 1, 1, 1, 1),), (sv(5, [0, 4], [1.0, 1.0]),)] \
        + NB_BAD + [(dv(2.0, 0, 0, 0, 0),)]
    g.emit(p, [V("features")], score)


@case
def naive_bayes_complement_text(g):
    """RegexTokenizer -> CountVectorizer -> NaiveBayes modelType=complement (raw = s - logsumexp
    (s)): realistic bag-of-words; empty and all-OOV documents."""
    rng = random.Random(50)
    texts, labels = [], []
    for d in docs(51, 60):
        c = float(rng.randrange(3))
        extra = {0.0: "spam offer", 1.0: "meeting agenda", 2.0: "family dinner"}[c]
        texts.append(" ".join(d) + " " + extra)
        labels.append(c)
    train = g.df([S("text"), D("label")], list(zip(texts, labels)))
    p = Pipeline(stages=[
        RegexTokenizer(inputCol="text", outputCol="tokens", pattern="\\W+"),
        CountVectorizer(inputCol="tokens", outputCol="features"),
        NaiveBayes(modelType="complement"),
    ]).fit(train)
    score = [(t,) for t in texts[:12]] + [("",), ("completely unknown words",),
                                           ("SPAM OFFER spam offer",), ("dinner",)]
    g.emit(p, [S("text")], score)


@case
def naive_bayes_gaussian(g):
    """VectorAssembler -> NaiveBayes modelType=gaussian (per-class means/variances in theta/sigma;
    negative features allowed), 3 classes; NaN/Inf/huge rows."""
    rows = multiclass_data(52, 90, k=3)
    train = g.df(X4 + [D("label")], [tuple(x) + (y,) for x, y in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="features",
                        handleInvalid="keep"),
        NaiveBayes(modelType="gaussian"),
    ]).fit(train)
    g.emit(p, X4, [tuple(x) for x, _ in multiclass_data(53, 15, k=3)] + X4_EDGE)


# ----------------------------------------------------------------------------
# Trees (categorical features come from StringIndexer metadata via VectorAssembler)
# ----------------------------------------------------------------------------

TREE_COLORS = ["red", "green", "blue", "black", "white", "orange"]
TREE_SHAPES = ["circle", "square", "triangle"]
TREE_FIELDS = [S("color"), S("shape"), D("x1"), D("x2")]
TREE_FEATS = {2: "x1", 3: "x2"}  # feature index -> raw column (0,1 are categorical indices)


def tree_data(seed, n, classes=3):
    rng = random.Random(seed)
    ceff = {c: rng.uniform(-2, 2) for c in TREE_COLORS}
    seff = {s: rng.uniform(-1, 1) for s in TREE_SHAPES}
    rows = []
    for _ in range(n):
        c = rng.choice(TREE_COLORS)
        s = rng.choice(TREE_SHAPES)
        x1 = r3(rng.uniform(0, 10))
        x2 = r3(rng.gauss(0, 3))
        t = ceff[c] + seff[s] + 0.4 * x1 - 0.3 * x2 + rng.gauss(0, 0.5)
        if classes == 2:
            y = 1.0 if t > 2.0 else 0.0
        else:
            y = 0.0 if t < 0.5 else (1.0 if t < 3.0 else 2.0)
        rows.append((c, s, x1, x2, y, r3(t)))
    return rows


def tree_pipeline_stages(predictor):
    return [
        StringIndexer(inputCols=["color", "shape"], outputCols=["color_idx", "shape_idx"],
                      handleInvalid="keep"),
        VectorAssembler(inputCols=["color_idx", "shape_idx", "x1", "x2"], outputCol="features",
                        handleInvalid="keep"),
        predictor,
    ]


def tree_edge_rows(base, thresholds, featmap, k=10):
    """Rows with features exactly on split thresholds and one ulp above, plus categorical
    edges (unseen, null, empty) and NaN/Inf continuous values."""
    rows = []
    usable = [(f, t) for f, t in thresholds if f in featmap]
    for f, t in pick_spread(usable, k):
        for val in (t, math.nextafter(t, INF)):
            r = list(base[len(rows) % len(base)])
            r[FIELD_INDEX[featmap[f]]] = val
            rows.append(tuple(r))
    c, s, x1, x2 = base[0]
    rows += [("purple", s, x1, x2), (None, s, x1, x2), ("", s, x1, x2), (c, "hexagon", x1, x2),
             (None, None, x1, x2), (c, s, NAN, x2), (c, s, x1, NAN), (c, s, INF, NINF),
             (c, s, NINF, INF), (c, s, None, x2), (c, s, 1e300, -1e300), ("Red", s, x1, x2)]
    return rows


FIELD_INDEX = {"color": 0, "shape": 1, "x1": 2, "x2": 3}


def tree_score_rows(model, seed, n=10, classes=3):
    base = [r[:4] for r in tree_data(seed, n, classes)]
    return base + tree_edge_rows(base, tree_thresholds(model), TREE_FEATS)


@case
def decision_tree_classifier_categorical(g):
    """StringIndexer(keep) x2 -> VectorAssembler -> DecisionTreeClassifier (3 classes, gini): the
    indexed columns carry nominal metadata so the tree uses categorical splits (6+1 and 3+1
    categories). Scoring includes values exactly on every continuous threshold and one ulp
    above, unseen/null categories (index = numLabels, never seen in training), NaN (goes right)."""
    rows = tree_data(54, 150)
    train = g.df(TREE_FIELDS + [D("label")], [r[:5] for r in rows])
    p = Pipeline(stages=tree_pipeline_stages(
        DecisionTreeClassifier(maxDepth=5, maxBins=32, seed=1))).fit(train)
    g.emit(p, TREE_FIELDS, tree_score_rows(p.stages[-1], 55))


@case
def decision_tree_regressor_categorical(g):
    """StringIndexer(keep) -> VectorAssembler -> DecisionTreeRegressor (variance) with categorical
    features (ordered categorical splits by mean label); threshold-exact rows."""
    rows = tree_data(56, 150)
    train = g.df(TREE_FIELDS + [D("label")], [r[:4] + (r[5],) for r in rows])
    p = Pipeline(stages=tree_pipeline_stages(
        DecisionTreeRegressor(maxDepth=5, maxBins=32, seed=2))).fit(train)
    g.emit(p, TREE_FIELDS, tree_score_rows(p.stages[-1], 57))


@case
def random_forest_classifier_bare(g):
    """Bare RandomForestClassificationModel (8 trees, 3 classes, continuous features only) on a raw
    vector column of size 4: per-tree normalised votes summed; rows exactly on thresholds and
    one ulp above; sparse input; NaN; short vector (index out of range) and long vector."""
    rows = multiclass_data(58, 150, k=3)
    train = g.df([V("features"), D("label")], [(dv(*x), y) for x, y in rows])
    model = RandomForestClassifier(numTrees=8, maxDepth=4, seed=3).fit(train)
    base = [x for x, _ in multiclass_data(59, 10, k=3)]
    score = [(dv(*x),) for x in base]
    for i, (f, t) in enumerate(pick_spread(tree_thresholds(model), 12)):
        for val in (t, math.nextafter(t, INF)):
            x = list(base[i % len(base)])
            x[f] = val
            score.append((dv(*x),))
    score += vec_feature_edges(4)
    g.emit(model, [V("features")], score)


@case
def random_forest_regressor_categorical(g):
    """StringIndexer(keep) -> VectorAssembler -> RandomForestRegressor (6 trees, featureSubset
    auto, subsampling) with categorical features; prediction = mean of tree predictions."""
    rows = tree_data(60, 150)
    train = g.df(TREE_FIELDS + [D("label")], [r[:4] + (r[5],) for r in rows])
    p = Pipeline(stages=tree_pipeline_stages(
        RandomForestRegressor(numTrees=6, maxDepth=4, maxBins=32, seed=4))).fit(train)
    g.emit(p, TREE_FIELDS, tree_score_rows(p.stages[-1], 61))


@case
def gbt_classifier_categorical(g):
    """StringIndexer(keep) -> VectorAssembler -> GBTClassifier (binary, 15 iterations, depth 3,
    stepSize 0.1) with categorical features: margin = sum(weight_i * tree_i), probability from
    1/(1+exp(-2m)); threshold-exact rows."""
    rows = tree_data(62, 150, classes=2)
    train = g.df(TREE_FIELDS + [D("label")], [r[:5] for r in rows])
    p = Pipeline(stages=tree_pipeline_stages(
        GBTClassifier(maxIter=15, maxDepth=3, maxBins=32, seed=5))).fit(train)
    g.emit(p, TREE_FIELDS, tree_score_rows(p.stages[-1], 63, classes=2))


@case
def gbt_regressor_bare(g):
    """Bare GBTRegressionModel (10 trees, depth 3) on a raw vector column of size 4: prediction =
    weighted sum of tree predictions (first weight 1.0, others stepSize); threshold-exact rows."""
    rows = lin_data(64, 120)
    train = g.df([V("features"), D("label")], [(dv(*x), t) for x, _, t in rows])
    model = GBTRegressor(maxIter=10, maxDepth=3, seed=6).fit(train)
    base = [x for x, _, _ in lin_data(65, 10)]
    score = [(dv(*x),) for x in base]
    for i, (f, t) in enumerate(pick_spread(tree_thresholds(model), 12)):
        for val in (t, math.nextafter(t, INF)):
            x = list(base[i % len(base)])
            x[f] = val
            score.append((dv(*x),))
    score += vec_feature_edges(4)
    g.emit(model, [V("features")], score)


# ----------------------------------------------------------------------------
# Clustering
# ----------------------------------------------------------------------------

@case
def kmeans_euclidean(g):
    """VectorAssembler(keep) -> KMeans k=4 euclidean (int prediction; all-zero rows assemble to
    sparse vectors, exercising the sparse fast-squared-distance path); NaN/Inf/huge rows."""
    rows = multiclass_data(66, 120, k=4, d=3)
    train = g.df([D("x0"), D("x1"), D("x2")], [tuple(x) for x, _ in rows])
    p = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2"], outputCol="features", handleInvalid="keep"),
        KMeans(k=4, seed=7, maxIter=30),
    ]).fit(train)
    score = [tuple(x) for x, _ in multiclass_data(67, 12, k=4, d=3)] + [
        (0.0, 0.0, 0.0), (5.0, 0.0, 0.0), (NAN, 0.0, 0.0), (INF, 0.0, 0.0), (1e300, 0.0, 0.0),
        (1e-300, 0.0, 0.0), (None, 1.0, 1.0), (-1e300, 1e300, 0.0)]
    g.emit(p, [D("x0"), D("x1"), D("x2")], score)


@case
def kmeans_cosine_bare(g):
    """Bare KMeansModel distanceMeasure=cosine (k=3) on a raw vector column: dense and sparse
    inputs, scaled copies of the same direction, zero vector."""
    rng = random.Random(68)
    dirs = [[1.0, 0.2, 0.0], [0.0, 1.0, 0.3], [0.3, 0.0, 1.0]]
    rows = []
    for _ in range(90):
        d = rng.choice(dirs)
        s = rng.uniform(0.5, 10)
        rows.append((dv(*[r3(s * (v + rng.gauss(0, 0.1))) for v in d]),))
    model = KMeans(k=3, seed=8, distanceMeasure="cosine").fit(g.df([V("features")], rows))
    score = rows[:10] + [(dv(1, 0, 0),), (dv(100, 0, 0),), (dv(-1, 0, 0),), (sv(3, [2], [4.0]),),
                         (dv(1, 1, 1),), (dv(0, 0, 0),), (sv(3, [], []),), (dv(NAN, 1, 1),),
                         (dv(1e300, 1e300, 0),), (dv(1e-300, 0, 0),), (dv(1, 1),), (None,)]
    g.emit(model, [V("features")], score)


# ----------------------------------------------------------------------------
# Tuning wrappers
# ----------------------------------------------------------------------------

@case
def cross_validator_logistic_regression(g):
    """CrossValidatorModel (numFolds=2, grid regParam [0.01, 1.0], BinaryClassificationEvaluator,
    seed 11) whose bestModel is a PipelineModel VectorAssembler -> LogisticRegression; scoring
    uses bestModel."""
    rows = lin_data(69, 80)
    train = g.df(X4 + [D("label")], [tuple(x) + (y,) for x, y, _ in rows])
    lr = LogisticRegression(maxIter=30)
    pipe = Pipeline(stages=[
        VectorAssembler(inputCols=["x0", "x1", "x2", "x3"], outputCol="features",
                        handleInvalid="keep"), lr])
    grid = ParamGridBuilder().addGrid(lr.regParam, [0.01, 1.0]).build()
    cv = CrossValidator(estimator=pipe, estimatorParamMaps=grid,
                        evaluator=BinaryClassificationEvaluator(), numFolds=2, seed=11,
                        parallelism=1)
    model = cv.fit(train)
    g.emit(model, X4, assemble_rows(lin_data(70, 15)) + X4_EDGE)


@case
def train_validation_split_decision_tree(g):
    """TrainValidationSplitModel (trainRatio 0.75, grid maxDepth [2, 4], seed 12) whose bestModel
    is a PipelineModel StringIndexer -> VectorAssembler -> DecisionTreeClassifier with
    categorical features."""
    rows = tree_data(71, 120)
    train = g.df(TREE_FIELDS + [D("label")], [r[:5] for r in rows])
    dt = DecisionTreeClassifier(maxBins=32, seed=9)
    pipe = Pipeline(stages=tree_pipeline_stages(dt))
    grid = ParamGridBuilder().addGrid(dt.maxDepth, [2, 4]).build()
    tvs = TrainValidationSplit(estimator=pipe, estimatorParamMaps=grid,
                               evaluator=MulticlassClassificationEvaluator(), trainRatio=0.75,
                               seed=12, parallelism=1)
    model = tvs.fit(train)
    g.emit(model, TREE_FIELDS, tree_score_rows(model.bestModel.stages[-1], 72))


# ----------------------------------------------------------------------------
# Realistic composite pipelines
# ----------------------------------------------------------------------------

@case
def census_style_logistic_regression(g):
    """StringIndexer(keep, 2 cols) -> OneHotEncoder(multi-column, dropLast) -> VectorAssembler(keep,
    one-hot vectors + int + double) -> StandardScaler(withMean, withStd) -> LogisticRegression.
    Unseen/null/empty categories (unknown slot dropped by dropLast), null/huge numerics."""
    rng = random.Random(73)
    wcs = ["Private", "Self-emp", "Gov", "Never-worked"]
    eds = ["HS-grad", "Bachelors", "Masters", "Doctorate", "Some-college"]
    rows = []
    for _ in range(150):
        wc = rng.choices(wcs, weights=[6, 2, 2, 0.3])[0]
        ed = rng.choices(eds, weights=[5, 4, 2, 0.5, 3])[0]
        age = rng.randrange(18, 80)
        hours = r3(rng.uniform(10, 70))
        m = -4 + 0.05 * age + 0.04 * hours + eds.index(ed) * 0.5 + (wc == "Self-emp") * 0.8
        y = 1.0 if m + rng.gauss(0, 1) > 0 else 0.0
        rows.append((wc, ed, age, hours, y))
    fields = [S("workclass"), S("education"), I("age"), D("hours")]
    p = Pipeline(stages=[
        StringIndexer(inputCols=["workclass", "education"], outputCols=["wc_idx", "ed_idx"],
                      handleInvalid="keep"),
        OneHotEncoder(inputCols=["wc_idx", "ed_idx"], outputCols=["wc_vec", "ed_vec"]),
        VectorAssembler(inputCols=["wc_vec", "ed_vec", "age", "hours"], outputCol="raw_features",
                        handleInvalid="keep"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=True),
        LogisticRegression(maxIter=50, regParam=0.01),
    ]).fit(g.df(fields + [D("label")], rows))
    score = [r[:4] for r in rows[:12]] + [
        ("Unknown", "HS-grad", 40, 40.0), (None, "Masters", 30, 50.0), ("", "", 50, 20.0),
        ("Private", None, None, 40.0), ("Private", "Doctorate", 40, None),
        ("Private", "Bachelors", 2147483647, 1e300), ("private", "bachelors", 0, 0.0),
        ("Gov", "Some-college", -1, NAN)]
    g.emit(p, fields, score)


TEXT_VOCAB = ["good", "great", "excellent", "love", "nice", "bad", "awful", "terrible", "hate",
              "poor", "movie", "film", "plot", "actor", "scene", "story", "music", "ending"]
STOP = ["the", "a", "and", "of", "is", "it", "this", "was", "very", "not"]


def text_docs(seed, n):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randrange(4, 12)
        words = [rng.choice(TEXT_VOCAB) if rng.random() < 0.6 else rng.choice(STOP)
                 for _ in range(k)]
        score = (sum(1 for w in words if w in TEXT_VOCAB[:5])
                 - sum(1 for w in words if w in TEXT_VOCAB[5:10]))
        words = [w.upper() if rng.random() < 0.1 else w for w in words]
        out.append((" ".join(words), 1.0 if score + rng.gauss(0, 0.7) > 0 else 0.0))
    return out


@case
def text_tfidf_logistic_regression(g):
    """Tokenizer -> StopWordsRemover (default English list) -> HashingTF (2^18, sparse) -> IDF ->
    LogisticRegression: sparse-feature LR (sparse dot path). Empty text, only stop words,
    unseen words, upper-case, null text (raises in Tokenizer)."""
    rows = text_docs(74, 120)
    train = g.df([S("text"), D("label")], rows)
    p = Pipeline(stages=[
        Tokenizer(inputCol="text", outputCol="tokens"),
        StopWordsRemover(inputCol="tokens", outputCol="filtered"),
        HashingTF(inputCol="filtered", outputCol="tf"),
        IDF(inputCol="tf", outputCol="features"),
        LogisticRegression(maxIter=30, regParam=0.05),
    ]).fit(train)
    score = [(t,) for t, _ in text_docs(75, 12)] + [
        ("",), ("the a and of",), ("zebra quantum",), ("GOOD GREAT EXCELLENT",),
        ("bad  awful\tterrible",), (None,)]
    g.emit(p, [S("text")], score)


@case
def imputer_quantile_onehot_logistic_regression(g):
    """Imputer(mean) -> QuantileDiscretizer(5 buckets, keep) -> OneHotEncoder(keep) ->
    VectorAssembler -> LogisticRegression: Bucketizer nominal metadata flows into the encoder."""
    rng = random.Random(76)
    rows = []
    for i in range(150):
        x = r3(rng.gauss(40, 12))
        y = r3(rng.uniform(0, 1))
        lab = 1.0 if (x > 45) != (rng.random() < 0.15) else 0.0
        if i % 11 == 0:
            x = NAN
        rows.append((x, y, lab))
    fields = [D("x"), D("y")]
    p = Pipeline(stages=[
        Imputer(inputCols=["x"], outputCols=["x_imp"]),
        QuantileDiscretizer(inputCol="x_imp", outputCol="x_bucket", numBuckets=5,
                            handleInvalid="keep"),
        OneHotEncoder(inputCol="x_bucket", outputCol="x_vec", handleInvalid="keep"),
        VectorAssembler(inputCols=["x_vec", "y"], outputCol="features"),
        LogisticRegression(maxIter=30, regParam=0.01),
    ]).fit(g.df(fields + [D("label")], rows))
    splits = [s for s in p.stages[1].getSplits() if not math.isinf(s)]
    score = [r[:2] for r in rows[:10]] + [(s, 0.5) for s in splits] + [
        (NAN, 0.5), (None, 0.5), (INF, 0.5), (NINF, 0.5), (40.0, NAN), (40.0, None)]
    g.emit(p, fields, score)


@case
def label_indexer_pipeline_with_index_to_string(g):
    """The canonical Spark example shape: StringIndexer on a STRING LABEL column + StringIndexer on a
    feature -> VectorAssembler -> LogisticRegression (multinomial, 3 labels) -> IndexToString
    (labels = label indexer labels) back to label strings. The scoring input has NO label
    column: Spark skips the label indexer for the missing column."""
    rng = random.Random(77)
    rows = []
    for _ in range(120):
        c = rng.choice(["u", "v", "w"])
        x = r3(rng.gauss(0, 2))
        t = x + {"u": -1.0, "v": 0.5, "w": 2.0}[c] + rng.gauss(0, 0.7)
        lab = "neg" if t < 0 else ("zero" if t < 1.5 else "pos")
        rows.append((c, x, lab))
    fields = [S("c"), D("x")]
    train = g.df(fields + [S("label_str")], rows)
    label_idx = StringIndexer(inputCol="label_str", outputCol="label").fit(train)
    p = Pipeline(stages=[
        label_idx,
        StringIndexer(inputCol="c", outputCol="c_idx", handleInvalid="keep"),
        VectorAssembler(inputCols=["c_idx", "x"], outputCol="features", handleInvalid="keep"),
        LogisticRegression(maxIter=40, regParam=0.01),
        IndexToString(inputCol="prediction", outputCol="predicted_label",
                      labels=label_idx.labels),
    ]).fit(train)
    score = [r[:2] for r in rows[:12]] + [("z", 0.0), (None, 1.0), ("u", NAN), ("w", 1e300),
                                          ("v", NINF)]
    g.emit(p, fields, score)


@case
def sql_transformer_filter(g):
    """SQLTransformer 'SELECT *, x * 2.0 AS x2, COALESCE(y, -1.0) AS y_filled FROM __THIS__
    WHERE x > 0' -> VectorAssembler: row filtering by SQL (x null -> dropped; NaN > 0 is TRUE
    in Spark SQL so NaN rows are kept)."""
    p = PipelineModel(stages=[
        SQLTransformer(statement="SELECT *, x * 2.0 AS x2, COALESCE(y, -1.0) AS y_filled "
                                 "FROM __THIS__ WHERE x > 0"),
        VectorAssembler(inputCols=["x2", "y_filled"], outputCol="features", handleInvalid="keep"),
    ])
    rows = [(1.0, 2.0), (0.0, 1.0), (-1.0, 1.0), (2.5, None), (NAN, 3.0), (None, 1.0),
            (INF, 1.0), (NINF, 1.0), (1e-300, 0.0), (1e300, 1e300)]
    g.emit(p, [D("x"), D("y")], rows)


# ============================================================================
# Benchmark pipelines (--bench)
# ============================================================================

WORKCLASS = ["Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov", "Local-gov",
             "State-gov", "Without-pay", "Never-worked"]
WORKCLASS_W = [70, 8, 4, 3, 6, 4, 0.5, 0.3]
EDUCATION = ["HS-grad", "Some-college", "Bachelors", "Masters", "Assoc-voc", "11th",
             "Assoc-acdm", "10th", "7th-8th", "Prof-school", "9th", "12th", "Doctorate",
             "5th-6th", "1st-4th", "Preschool"]
EDUCATION_W = [32, 22, 16, 5, 4, 3.6, 3.3, 2.9, 2, 1.8, 1.6, 1.3, 1.3, 1, 0.5, 0.2]
EDU_NUM = [9, 10, 13, 14, 11, 7, 12, 6, 4, 15, 5, 8, 16, 3, 2, 1]
MARITAL = ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
           "Married-spouse-absent", "Married-AF-spouse"]
MARITAL_W = [46, 33, 14, 3, 3, 1.3, 0.1]
OCCUPATION = ["Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales",
              "Other-service", "Machine-op-inspct", "Transport-moving", "Handlers-cleaners",
              "Farming-fishing", "Tech-support", "Protective-serv", "Priv-house-serv",
              "Armed-Forces"]
OCCUPATION_W = [13, 13, 13, 12, 11, 10, 6, 5, 4, 3, 3, 2, 0.5, 0.05]
OCC_EFF = [0.9, 0.1, 1.1, -0.1, 0.3, -0.9, -0.4, -0.2, -0.8, -0.7, 0.5, 0.4, -1.5, 0.0]
MAR_EFF = [1.4, -1.2, -0.6, -0.7, -0.5, -0.4, 0.8]

CENSUS_FIELDS = [S("workclass"), S("education"), S("marital_status"), S("occupation"),
                 I("age"), I("hours_per_week"), D("capital_gain"), D("capital_loss"),
                 D("education_num"), D("fnlwgt")]


def census_rows(seed, n, dirty=False):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        wc = rng.choices(WORKCLASS, weights=WORKCLASS_W)[0]
        ei = rng.choices(range(len(EDUCATION)), weights=EDUCATION_W)[0]
        mi = rng.choices(range(len(MARITAL)), weights=MARITAL_W)[0]
        oi = rng.choices(range(len(OCCUPATION)), weights=OCCUPATION_W)[0]
        age = max(17, min(90, int(rng.gauss(38, 13))))
        hours = max(1, min(99, int(rng.gauss(40, 12))))
        gain = 0.0 if rng.random() < 0.92 else float(int(rng.lognormvariate(8, 1)))
        loss = 0.0 if rng.random() < 0.95 else float(int(rng.gauss(1900, 300)))
        fnlwgt = float(int(rng.lognormvariate(12, 0.5)))
        m = (-7.0 + 0.04 * age + 0.03 * hours + 0.3 * EDU_NUM[ei] + MAR_EFF[mi] + OCC_EFF[oi]
             + (0.0003 * gain if gain < 20000 else 4.0) + 0.0005 * loss)
        y = 1.0 if rng.random() < 1.0 / (1.0 + math.exp(-m)) else 0.0
        edu, mar, occ = EDUCATION[ei], MARITAL[mi], OCCUPATION[oi]
        if dirty:  # a few unseen / null categories (StringIndexer keep handles them)
            u = rng.random()
            if u < 0.003:
                wc = None
            elif u < 0.006:
                occ = "Unknown-occupation"
            elif u < 0.008:
                edu = ""
        rows.append((wc, edu, mar, occ, age, hours, gain, loss, float(EDU_NUM[ei]), fnlwgt, y))
    return rows


CENSUS_CATS = ["workclass", "education", "marital_status", "occupation"]
CENSUS_NUMS = ["age", "hours_per_week", "capital_gain", "capital_loss", "education_num", "fnlwgt"]


def census_feature_stages(features_col):
    idx = [c + "_idx" for c in CENSUS_CATS]
    vec = [c + "_vec" for c in CENSUS_CATS]
    return [
        StringIndexer(inputCols=CENSUS_CATS, outputCols=idx, handleInvalid="keep"),
        OneHotEncoder(inputCols=idx, outputCols=vec),
        VectorAssembler(inputCols=vec + CENSUS_NUMS, outputCol=features_col),
    ]


def make_vocab(seed, n):
    rng = random.Random(seed)
    cons = "bcdfghjklmnprstvwz"
    vows = "aeiou"
    words = set()
    out = []
    while len(out) < n:
        w = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randrange(2, 5)))
        if w not in words:
            words.add(w)
            out.append(w)
    return out


BENCH_STOP = ["the", "a", "and", "of", "to", "in", "is", "it", "that", "was", "for", "on", "with",
              "as", "this", "but", "not", "very"]


def bench_text_rows(seed, n, vocab, weights):
    rng = random.Random(seed)
    zipf = [1.0 / (i + 1) ** 0.8 for i in range(len(vocab))]
    rows = []
    for _ in range(n):
        k = rng.randrange(10, 31)
        words = []
        for _ in range(k):
            if rng.random() < 0.25:
                words.append(rng.choice(BENCH_STOP))
            else:
                words.append(rng.choices(vocab, weights=zipf)[0])
        s = sum(weights.get(w, 0.0) for w in words)
        y = 1.0 if s + rng.gauss(0, 0.5) > 0 else 0.0
        words = [w.capitalize() if (i == 0 or rng.random() < 0.03) else w
                 for i, w in enumerate(words)]
        rows.append((" ".join(words), y))
    return rows


def run_bench(g, out):
    """Benchmark pipelines: 10,000 scoring rows each, expected for the first 500."""
    n_rows, n_expected = 10000, 500

    def emit(name, description, model, fields, rows):
        t0 = time.time()
        n, n_skip, n_err, mode = g.write_case(name, name, description, model, fields, rows,
                                              rows_file="rows.jsonl", score_rows=n_expected)
        print("  %-20s rows=%d expected=%d skipped=%d errors=%d %s %.1fs"
              % (name, len(rows), n, n_skip, n_err, mode, time.time() - t0), flush=True)

    t0 = time.time()
    train = census_rows(1001, 4000)
    score = [r[:10] for r in census_rows(1002, n_rows, dirty=True)]
    train_df = g.df(CENSUS_FIELDS + [D("label")], train).cache()
    lr = Pipeline(stages=census_feature_stages("raw_features") + [
        StandardScaler(inputCol="raw_features", outputCol="features"),
        LogisticRegression(maxIter=100, regParam=0.001),
    ]).fit(train_df)
    print("  census_lr fitted in %.1fs" % (time.time() - t0), flush=True)
    emit("census_lr", "Census-like binary classification: 4 StringIndexers (keep; 8/16/7/14 "
         "categories) -> OneHotEncoder (multi-column) -> VectorAssembler (one-hot vectors + 6 "
         "numeric columns, int and double) -> StandardScaler -> LogisticRegression. Scoring rows "
         "contain ~0.8% unseen/null/empty categories.", lr, CENSUS_FIELDS, score)

    t0 = time.time()
    gbt = Pipeline(stages=census_feature_stages("features") + [
        GBTClassifier(maxIter=100, maxDepth=5, seed=1003),
    ]).fit(train_df)
    print("  census_gbt fitted in %.1fs" % (time.time() - t0), flush=True)
    emit("census_gbt", "Same census-like features (StringIndexer keep -> OneHotEncoder -> "
         "VectorAssembler) -> GBTClassifier maxIter=100 maxDepth=5.", gbt, CENSUS_FIELDS, score)
    train_df.unpersist()

    t0 = time.time()
    vocab = make_vocab(1004, 3000)
    wr = random.Random(1005)
    weights = {w: wr.gauss(0, 1.0) for w in wr.sample(vocab, 400)}
    train_t = bench_text_rows(1006, 3000, vocab, weights)
    score_t = [(t,) for t, _ in bench_text_rows(1007, n_rows, vocab, weights)]
    text = Pipeline(stages=[
        Tokenizer(inputCol="text", outputCol="tokens"),
        StopWordsRemover(inputCol="tokens", outputCol="filtered"),
        HashingTF(inputCol="filtered", outputCol="tf", numFeatures=1 << 18),
        IDF(inputCol="tf", outputCol="features"),
        LogisticRegression(maxIter=50, regParam=0.01),
    ]).fit(g.df([S("text"), D("label")], train_t))
    print("  text_lr fitted in %.1fs" % (time.time() - t0), flush=True)
    emit("text_lr", "Short synthetic texts (10-30 words, Zipf over 3,000 made-up words plus "
         "English stop words): Tokenizer -> StopWordsRemover -> HashingTF(2^18) -> IDF -> "
         "LogisticRegression.", text, [S("text")], score_t)


# ============================================================================
# main
# ============================================================================

def make_spark(app, cores=2):
    """The local SparkSession every generator uses (see tests/spark/README.md)."""
    return (SparkSession.builder
             .master("local[%d]" % cores)
             .appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.default.parallelism", str(cores))
             .config("spark.sql.session.timeZone", "UTC")
             # evaluate transforms in tasks (not on the driver during optimisation) so that
             # per-partition error isolation works (see Gen.score)
             .config("spark.sql.optimizer.excludedRules",
                     "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation")
             .config("spark.driver.memory", "3g")
             # fixed JVM locale/timezone so defaults saved into the models do not depend on
             # the machine (StopWordsRemover's default locale is the JVM default)
             .config("spark.driver.extraJavaOptions",
                     "-Duser.language=en -Duser.country=US -Duser.timezone=UTC "
                     # keep exception messages even for exceptions HotSpot throws often
                     "-XX:-OmitStackTraceInFastThrow")
             .getOrCreate())


def main():
    ver = pyspark.__version__
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="output directory (default tests/spark/fixtures/spark-<ver> "
                                  "or bench-<ver> with --bench)")
    ap.add_argument("--bench", action="store_true", help="generate the benchmark pipelines")
    ap.add_argument("--only", help="comma-separated case names (default: all cases)")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    out = args.out or os.path.join(here, "fixtures",
                                   ("bench-%s" if args.bench else "spark-%s") % ver)
    os.makedirs(out, exist_ok=True)

    t_start = time.time()
    spark = make_spark("mlscore-fixtures")
    spark.sparkContext.setLogLevel("OFF")
    assert spark.version == ver, (spark.version, ver)
    g = Gen(spark, out)
    print("Spark %s -> %s" % (spark.version, out), flush=True)

    if args.bench:
        run_bench(g, out)
    else:
        only = set(args.only.split(",")) if args.only else None
        names = [fn.__name__ for fn in CASES]
        assert len(names) == len(set(names))
        if only:
            unknown = only - set(names)
            assert not unknown, unknown
        failed = []
        for fn in CASES:
            if only and fn.__name__ not in only:
                continue
            g.name = fn.__name__
            g.description = fn.__doc__
            try:
                fn(g)
            except Exception as e:  # keep going; report at the end
                msg = java_error_message(e)
                print("  FAILED %s: %s" % (fn.__name__, msg), flush=True)
                failed.append((fn.__name__, msg))
        print("%d cases written, %d failed" % (len(g.summary), len(failed)))
        for n, m in failed:
            print("  failed: %s: %s" % (n, m))
    print("total %.1fs" % (time.time() - t_start))
    spark.stop()
    if not args.bench and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
