#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Spark-made conformance fixtures for SQLTransformer: the SQL subset mlscore compiles.

Each case is a `PipelineModel` holding a `SQLTransformer` (some with stages before and after),
scored by Spark: arithmetic with int/double mixing (`/`, `div`, `%`), division by zero and
integer overflow (NULL or wrap in Spark 3.5, errors under Spark 4's default ANSI mode),
comparisons with NULL and NaN, three-valued AND/OR, CASE WHEN, IF, COALESCE, CAST (valid and
invalid), math and string functions, WHERE filters, and SELECT lists that drop or rename
columns.

Spark is the oracle, as in gen_fixtures.py, whose value encoding this script imports. When the
whole input DataFrame raises, every row is transformed alone as a one-row DataFrame in its own
job: the row is `_error` iff that raises (SQL errors depend on the row's values only).

Usage (from the repository root):

    /opt/pyspark-<ver>/bin/python tests/spark/gen_fixtures_sql.py \
        --out tests/spark/fixtures-sql/spark-<ver> [--only case1,case2]
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402
import gen_fixtures_more as gm  # noqa: E402

from pyspark.sql.types import IntegerType, StructField, StructType  # noqa: E402
from pyspark.ml import PipelineModel, Pipeline  # noqa: E402
from pyspark.ml.feature import SQLTransformer, StringIndexer, VectorAssembler  # noqa: E402
from pyspark.ml.classification import LogisticRegression  # noqa: E402

D, I, S = gf.D, gf.I, gf.S
NAN, INF, NINF = gf.NAN, gf.INF, gf.NINF


class Gen(gm.Gen):
    """When the whole DataFrame raises, scores each row alone (one job per row)."""

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
        for row in data:
            try:
                self._collect_into(jmodel, schema, [row], results, state)
            except Exception as e:
                results[row[0]] = {"_id": row[0], "_error": gf.java_error_message(e)}
        return self._finish(data, results, state, "per-row (%s)" % first)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def sql(statement, *after):
    return PipelineModel(stages=[SQLTransformer(statement=statement)] + list(after))


NUM_ROWS = [(3, 2, 1.5, 0.5), (-7, 2, -7.25, 2.0), (7, -2, 2.5, -1.5), (0, 5, 0.0, 3.0),
            (None, 1, None, 1.0), (4, None, 1.0, None), (100, 7, NAN, 2.0), (-3, 4, INF, 2.0),
            (9, 3, NINF, INF), (-0, 1, -0.0, 1.0), (123456, 1000, 1e300, 1e-300),
            (-1, -1, 5.5, 2.5)]


@case
def sql_arithmetic(g):
    """Arithmetic mixing int and double columns: + - * keep int for int operands, `/` is
    always double, `div` gives bigint, `%` keeps the operand type (sign of the dividend);
    NULL propagates; NaN and infinities follow IEEE. No zero divisors, no overflow."""
    p = sql("SELECT *, i + j AS s_ij, i - j AS d_ij, i * j AS m_ij, i / j AS q_ij, "
            "i div j AS idiv_ij, i % j AS r_ij, x + i AS s_xi, x - y AS d_xy, x * y AS m_xy, "
            "x / y AS q_xy, x % y AS r_xy, -i AS neg_i, -x AS neg_x, x * 2 AS x2, "
            "i * 3 + j AS lin, (x + 1.5) * 2.0 AS dec_lit, 2 * i - 1L AS lng, 1.5D * i AS dbl_lit, "
            "1e2 + x AS exp_lit FROM __THIS__")
    g.emit(p, [I("i"), I("j"), D("x"), D("y")], NUM_ROWS)


@case
def sql_division_by_zero(g):
    """Division and remainder by zero: NULL in Spark 3.5; DIVIDE_BY_ZERO errors in Spark 4
    (ANSI), for doubles too. Rows with non-zero divisors score in both."""
    p = sql("SELECT *, i / j AS q_ij, i div j AS idiv_ij, i % j AS r_ij, x / y AS q_xy, "
            "x % y AS r_xy FROM __THIS__")
    rows = [(1, 0, 1.0, 0.0), (0, 0, 0.0, 0.0), (-5, 0, -1.0, -0.0), (6, 4, 1.0, 4.0),
            (None, 0, None, 0.0), (5, None, NAN, 0.0), (7, 2, INF, 0.0), (3, 1, 2.0, NAN)]
    g.emit(p, [I("i"), I("j"), D("x"), D("y")], rows)


@case
def sql_integer_overflow(g):
    """int and bigint overflow: wraps in Spark 3.5, ARITHMETIC_OVERFLOW in Spark 4 (ANSI)."""
    p = sql("SELECT *, i + j AS s_ij, i * j AS m_ij, i - j AS d_ij, -i AS neg_i, abs(i) AS abs_i, "
            "CAST(i AS BIGINT) * 4294967296L AS big FROM __THIS__")
    rows = [(2147483647, 1), (-2147483648, 1), (65536, 65536), (-2147483648, -2147483648),
            (100, 200), (None, 1), (2147483647, -1), (-5, 3), (2147483647, 0)]
    g.emit(p, [I("i"), I("j")], rows)


CMP_ROWS = [(1.0, 2.0, 1, "a", "b"), (2.0, 2.0, 2, "b", "b"), (NAN, NAN, 3, "B", "a"),
            (NAN, 1.0, 1, "", ""), (1.0, NAN, 1, "ab", "a"), (-0.0, 0.0, 0, None, "a"),
            (None, 1.0, None, "é", "z"), (INF, NAN, 5, "z", "é"), (NINF, INF, -1, "a", None),
            (None, None, None, None, None), (3.0, 3.0, 3, "日本", "日")]


@case
def sql_comparisons(g):
    """Comparisons with NULL and NaN: NaN = NaN is true and NaN is greater than every
    number (Spark SQL ordering), -0.0 = 0.0, NULL compares to NULL (`<=>` to a boolean);
    int vs double compares as double; strings compare by UTF-8 bytes."""
    p = sql("SELECT *, x = y AS eq, x <> y AS ne, x != y AS ne2, x < y AS lt, x <= y AS le, "
            "x > y AS gt, x >= y AS ge, x <=> y AS nseq, i = x AS ix_eq, i < y AS iy_lt, "
            "s = t AS st_eq, s < t AS st_lt, s >= t AS st_ge, x IS NULL AS x_null, "
            "s IS NOT NULL AS s_notnull, x = 1 AS x_is_1, s = 'a' AS s_is_a, "
            "isnan(x) AS x_nan FROM __THIS__")
    g.emit(p, [D("x"), D("y"), I("i"), S("s"), S("t")], CMP_ROWS)


@case
def sql_logic_three_valued(g):
    """AND / OR / NOT with NULL operands (three-valued logic), nested with comparisons, and
    IN lists and BETWEEN."""
    p = sql("SELECT *, (x > 0) AND (y > 0) AS both_pos, (x > 0) OR (y > 0) AS any_pos, "
            "NOT (x > 0) AS not_pos, (x > 0 AND y > 0) OR x IS NULL AS mixed, "
            "x IN (1.0, 2.0, 3) AS x_in, x BETWEEN 0 AND 2 AS x_between, "
            "NOT x IN (1.0) AS x_not_in FROM __THIS__")
    rows = [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0), (None, 1.0), (None, -1.0),
            (1.0, None), (-1.0, None), (None, None), (NAN, 0.0), (2.0, NAN), (0.0, 0.0),
            (3.0, 3.0)]
    g.emit(p, [D("x"), D("y")], rows)


@case
def sql_conditionals(g):
    """CASE WHEN with and without ELSE (missing ELSE gives NULL), simple CASE, IF, COALESCE,
    IFNULL/NVL, NULLIF: result types widen int to double; string results."""
    p = sql("SELECT *, CASE WHEN x > 1 THEN 'big' WHEN x > 0 THEN 'small' ELSE 'neg' END "
            "AS bucket, CASE WHEN x > 0 THEN x END AS pos_or_null, "
            "CASE WHEN i = 1 THEN 10 WHEN i = 2 THEN x ELSE i END AS mixed, "
            "CASE i WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS name, "
            "IF(x > 0, x, 0) AS relu, IF(x IS NULL, 'missing', s) AS label, "
            "COALESCE(x, y, 0) AS first_num, COALESCE(s, 'none') AS s_filled, "
            "ifnull(i, -1) AS i_filled, nvl(x, -1.0D) AS x_filled, nullif(i, 2) AS i_nullif "
            "FROM __THIS__")
    rows = [(2.5, 1.0, 1, "a"), (0.5, None, 2, None), (-1.0, 3.0, 3, "c"), (None, 4.0, None, "d"),
            (None, None, 2, ""), (NAN, 1.0, 1, "n"), (0.0, NAN, 5, "z"), (1.0, 2.0, None, None)]
    g.emit(p, [D("x"), D("y"), I("i"), S("s")], rows)


@case
def sql_cast_valid(g):
    """CAST that succeeds in every version: double to int/bigint truncates toward zero,
    int to double, numbers to string (Java's Double.toString), strings to double (trimmed,
    exponents, NaN/Infinity spellings), booleans to int."""
    p = sql("SELECT *, CAST(x AS INT) AS x_int, CAST(x AS BIGINT) AS x_long, "
            "CAST(i AS DOUBLE) AS i_dbl, CAST(x AS STRING) AS x_str, CAST(i AS STRING) AS i_str, "
            "CAST(s AS DOUBLE) AS s_dbl, CAST(x > 0 AS INT) AS pos_int, "
            "CAST(x > 0 AS STRING) AS pos_str, CAST(i AS BOOLEAN) AS i_bool FROM __THIS__")
    rows = [(2.7, 1, "1.5"), (-2.7, -3, " 2.5 "), (0.0, 0, "1e3"), (-0.0, 7, "-0"),
            (1e7, 12, "NaN"), (123.456, -1, "Infinity"), (1e-5, 2, "-Infinity"),
            (None, None, None), (0.1, 100, "0.1"), (1e21, 5, "+3"), (-1.5e-7, 8, "1E-2")]
    g.emit(p, [D("x"), I("i"), S("s")], rows)


@case
def sql_cast_invalid(g):
    """CAST that cannot succeed: a malformed string to double is NULL in Spark 3.5 and a
    CAST_INVALID_INPUT error in Spark 4 (ANSI); an out-of-range or NaN double to int
    saturates in 3.5 and is CAST_OVERFLOW in 4."""
    p = sql("SELECT *, CAST(s AS DOUBLE) AS s_dbl, CAST(x AS INT) AS x_int FROM __THIS__")
    rows = [(1.0, "abc"), (1.0, ""), (1e10, "1"), (NAN, "2"), (-1e10, "3"), (INF, "4"),
            (2.5, "1.5x"), (3.0, "4.5"), (2147483647.9, "5"), (-2147483648.5, "6")]
    g.emit(p, [D("x"), S("s")], rows)


@case
def sql_math_functions(g):
    """Math functions: abs, sqrt (NaN for negatives), cbrt, exp, ln/log (NULL at or below 0),
    log10, log2, log(base, x), log1p, pow/power, round (HALF_UP on the decimal value, also to
    negative scales), bround, floor/ceil (bigint), signum, sin/cos/atan."""
    p = sql("SELECT *, abs(x) AS a, sqrt(x) AS sq, cbrt(x) AS cb, exp(x) AS e, ln(x) AS l, "
            "log(x) AS l1, log10(x) AS l10, log2(x) AS l2, log(2, x) AS lb, log1p(x) AS l1p, "
            "pow(x, 2) AS p2, power(x, y) AS pxy, round(x) AS r0, round(x, 2) AS r2, "
            "round(x, -1) AS rm1, bround(x, 2) AS br2, floor(x) AS fl, ceil(x) AS ce, "
            "ceiling(x) AS ce2, signum(x) AS sg, sin(x) AS si, cos(x) AS co, atan(x) AS at, "
            "round(i, -1) AS ri, abs(i) AS ai FROM __THIS__")
    rows = [(2.675, 2.0, 15), (-2.5, 0.5, -15), (0.5, 3.0, 25), (-0.5, -1.0, -25),
            (1.005, 10.0, 5), (1234.5, 0.0, 0), (0.0, -1.0, 14), (-0.0, 2.0, -14),
            (NAN, 1.0, None), (INF, 0.5, 1), (NINF, 2.0, 2), (None, 2.0, 3), (1e300, 2.0, 4),
            (-1e-300, 3.0, 6), (0.125, 0.5, 7), (-7.45, 2.0, 8)]
    g.emit(p, [D("x"), D("y"), I("i")], rows)


@case
def sql_string_functions(g):
    """String functions: lower/upper, length (characters), concat (NULL if any argument
    is NULL; numbers cast to string), substring/substr with positive, zero and negative
    positions, trim/ltrim/rtrim (spaces only)."""
    p = sql("SELECT *, lower(s) AS lo, upper(s) AS up, length(s) AS len, "
            "concat(s, '-', t) AS st, concat(s, i) AS si, concat(t, x) AS tx, "
            "substring(s, 2, 3) AS sub23, substring(s, -2) AS subm2, substr(s, 0, 2) AS sub02, "
            "substring(s, -10, 12) AS subm10, trim(s) AS tr, ltrim(s) AS ltr, rtrim(s) AS rtr, "
            "char_length(t) AS clen, lcase(t) AS lc, ucase(t) AS uc FROM __THIS__")
    rows = [(" Hello ", "World", 1, 1.5), ("ÄbC", "x", 22, -0.0), ("", "", 0, 1e21),
            (None, "y", 3, 2.0), ("abc", None, None, None), ("日本語テキスト", "É", -4, NAN),
            ("\tpad\t", "  ", 5, 0.1), ("a", "ß", 6, 100.0)]
    g.emit(p, [S("s"), S("t"), I("i"), D("x")], rows)


@case
def sql_like(g):
    """LIKE, NOT LIKE and ILIKE with `%` and `_` (one character, also a non-ASCII one and a
    newline), escapes (`\\%` kept by the SQL lexer for LIKE, a custom ESCAPE character),
    NULL values, a number compared as text, and a LIKE filter in WHERE."""
    p = sql("SELECT *, s LIKE 'a%' AS starts_a, s LIKE '%b_' AS b_then_one, "
            "s NOT LIKE '%x%' AS no_x, s LIKE 'a\\%%' AS literal_pct, "
            "s LIKE '#_%' ESCAPE '#' AS literal_us, s ILIKE 'A%C' AS ci_a_c, "
            "s LIKE '_' AS one_char, s LIKE '%' AS anything, s LIKE '' AS empty, "
            "i LIKE '1%' AS int_text, s LIKE 'a%b%c' AS a_b_c "
            "FROM __THIS__ WHERE t IS NULL OR t NOT LIKE 'skip%'")
    rows = [("abc", None, 12), ("ab", "keep", 1), ("Abc", "skipme", 13), ("a%z", "x", 100),
            ("_y", "skip", 2), ("_z", "kept", 11), ("", "", None), (None, "k", 10), ("é", "é", 3),
            ("\n", "n", 4), ("aXbYc", None, -1), ("ABC", "SKIP", 5), ("abbc", "sk", 6),
            ("xaby", "y", 7), ("a\nb\nc", "z", 8), ("日本", "日", 9)]
    g.emit(p, [S("s"), S("t"), I("i")], rows)


@case
def sql_where_drops_columns(g):
    """A SELECT list without `*` drops every other column (the harness's `_id` is kept by name); WHERE with string and numeric
    predicates (rows where it is false or NULL are skipped)."""
    p = sql("SELECT _id, s, x * 2 AS x2, upper(s) AS s_up FROM __THIS__ "
            "WHERE s IS NOT NULL AND length(s) > 1 AND (x >= 0 OR x IS NULL)")
    rows = [("ab", 1.0, 1), ("a", 2.0, 2), (None, 3.0, 3), ("abc", -1.0, 4), ("xyz", None, 5),
            ("  ", NAN, 6), ("hello", 0.0, 7), ("", 1.0, 8)]
    g.emit(p, [S("s"), D("x"), I("i")], rows)


@case
def sql_rename_into_assembler(g):
    """SELECT renames and recomputes columns (one column replaced under its own name) and
    feeds a VectorAssembler that reads the new names."""
    p = sql("SELECT _id, x AS feature_a, y * 10 AS y, CAST(i AS DOUBLE) AS feature_b, i "
            "FROM __THIS__",
            VectorAssembler(inputCols=["feature_a", "y", "feature_b"], outputCol="features",
                            handleInvalid="keep"))
    rows = [(1.0, 2.0, 3), (None, 1.0, 2), (NAN, 0.0, None), (-1.5, INF, 4), (0.0, 0.0, 0)]
    g.emit(p, [D("x"), D("y"), I("i")], rows)


@case
def sql_in_pipeline(g):
    """StringIndexer -> SQLTransformer (interaction term, flag, WHERE) -> VectorAssembler ->
    LogisticRegression, fitted as a Pipeline on synthetic data."""
    import random
    rng = random.Random(5)
    cats = ["a", "b", "c"]
    train = []
    for _ in range(120):
        c = rng.choice(cats)
        x = round(rng.gauss(0, 1.5), 3)
        lab = 1.0 if (x + cats.index(c) * 0.7 + rng.gauss(0, 0.5)) > 0.8 else 0.0
        train.append((c, x, lab))
    est = Pipeline(stages=[
        StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid="keep"),
        SQLTransformer(statement="SELECT *, cat_idx * x AS inter, "
                                 "IF(x > 1, 1.0D, 0.0D) AS flag FROM __THIS__ "
                                 "WHERE x IS NOT NULL"),
        VectorAssembler(inputCols=["cat_idx", "inter", "flag", "x"], outputCol="features"),
        LogisticRegression(maxIter=50, regParam=0.01),
    ])
    model = est.fit(g.df([S("cat"), D("x"), D("label")], train))
    rows = [("a", 0.5), ("b", 1.5), ("c", -1.0), ("zzz", 2.0), (None, 0.3), ("a", None),
            ("b", NAN), ("c", 3.25)]
    g.emit(model, [S("cat"), D("x")], rows)


@case
def sql_string_output_into_indexer(g):
    """VectorAssembler -> SQLTransformer (keeps the vector by name, refers to columns in
    another case, makes a string label and casts a number to string) -> StringIndexers on the
    SQL's string outputs, fitted as a Pipeline."""
    import random
    rng = random.Random(11)
    # Training rows carry an _id too: the SELECT list names it.
    train = [(i, round(rng.gauss(0, 2), 2), round(rng.gauss(0, 2), 2)) for i in range(40)]
    est = Pipeline(stages=[
        VectorAssembler(inputCols=["x", "y"], outputCol="features", handleInvalid="keep"),
        SQLTransformer(statement="SELECT _id, features, Y, CASE WHEN X > 1 THEN 'high' "
                                 "WHEN X > -1 THEN 'mid' ELSE 'low' END AS band, "
                                 "CAST(round(y) AS STRING) AS y_text FROM __THIS__"),
        StringIndexer(inputCols=["band", "y_text"], outputCols=["band_idx", "y_idx"],
                      handleInvalid="keep"),
    ])
    model = est.fit(g.df([I("_id"), D("x"), D("y")], train))
    rows = [(2.0, 1.0), (0.0, -0.4), (-3.0, 2.6), (None, 1.0), (NAN, -7.5), (1.0, None),
            (-1.0, 0.5), (5.5, 40.0)]
    g.emit(model, [D("x"), D("y")], rows)


@case
def sql_nan_filter(g):
    """WHERE over NaN: NaN = NaN is true and NaN > every number, so `x > 100` keeps NaN rows
    and `x = x` keeps them too; ORDER-style comparisons between two NaN columns."""
    p = sql("SELECT *, x = x AS self_eq, x < y AS lt FROM __THIS__ WHERE x > 100 OR x = -1")
    rows = [(NAN, 1.0), (101.0, NAN), (-1.0, NAN), (5.0, 1.0), (INF, NAN), (None, 1.0),
            (NAN, NAN), (NINF, 0.0)]
    g.emit(p, [D("x"), D("y")], rows)


def main():
    gm.run_topic(CASES, "sql", __doc__, Gen)


if __name__ == "__main__":
    main()
