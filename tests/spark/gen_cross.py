#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Cross-version fixtures: one Spark version scoring the models another version wrote.

mlscore scores a model with the semantics of the Spark version that wrote it, and
`LoadOptions::semantics` (CLI `--spark-semantics`, C `mlscore_load_options_set_spark_semantics`)
asks for another version's. The oracle for "score a model written by W as Spark R would" is
Spark R itself loading W's directory and transforming: transform code is always the reader's,
only the loading is the writer's format. So this script, run with pyspark R, loads every
`tests/spark/fixtures*/spark-W/<case>/model` (W != R), transforms that case's `input.jsonl`
and writes what R returned to `tests/spark/cross/spark-W-read-by-R/<case>/expected.jsonl`
(plus `schema.json` naming both versions). It is how every formula that changed between
Spark 3.5 and 4.x (Binarizer on null, IndexToString on NaN, ...) is tested in both
directions with the same model.

Cases R cannot load (a 4.x format 3.5 does not read) are listed in `unloadable.json` with
Spark's message; old mllib models and ALS top-N are not transforms and are not covered.
Expected values are only ever Spark's output. Usage (repository root):

    /opt/pyspark-4.3.0/bin/python tests/spark/gen_cross.py --writer 3.5.9
    /opt/pyspark-3.5.9/bin/python tests/spark/gen_cross.py --writer 4.3.0
    /opt/pyspark-3.5.9/bin/python tests/spark/gen_cross.py --writer 2.4.8   # and with 4.3.0

(2.4.8's models come from gen_fixtures_v2.py; 3.x and 4.x refuse the 2.x OneHotEncoder
transformer, which lands in unloadable.json.)
"""

import argparse
import glob
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402

import pyspark  # noqa: E402
from pyspark.ml.linalg import Vectors  # noqa: E402
from pyspark.sql.types import BooleanType, StructField  # noqa: E402

FIELD = {"double": gf.D, "int": gf.I, "string": gf.S, "vector": gf.V,
         "array<string>": gf.A, "boolean": lambda n: StructField(n, BooleanType(), True)}
SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def num(x):
    return SPECIAL[x] if isinstance(x, str) else float(x)


def decode(kind, v):
    """The Python value of one input cell as gen_fixtures.enc wrote it."""
    if v is None:
        return None
    if kind == "double":
        return num(v)
    if kind == "vector":
        if isinstance(v, dict):
            return Vectors.sparse(v["size"], v["indices"], [num(x) for x in v["values"]])
        return Vectors.dense([num(x) for x in v])
    return v


class JavaModel(object):
    """What Gen.score needs of a model: the JVM object."""

    def __init__(self, jmodel):
        self.jmodel = jmodel

    def _to_java(self):
        return self.jmodel


def load_jvm(spark, path):
    """Spark's generic reader: the class named in metadata, its own `read.load`."""
    jvm = spark.sparkContext._jvm
    reader = jvm.org.apache.spark.ml.util.DefaultParamsReader
    try:  # 4.x takes the SparkSession
        return reader.loadParamsInstance(path, spark._jsparkSession)
    except Exception as e:  # noqa: BLE001
        if "loadParamsInstance" not in str(e) and "does not exist" not in str(e):
            raise
        return reader.loadParamsInstance(path, spark.sparkContext._jsc.sc())


def main():
    reader = pyspark.__version__
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--writer", required=True, help="version that wrote the models, e.g. 3.5.9")
    ap.add_argument("--only", help="comma-separated case names")
    args = ap.parse_args()
    if args.writer == reader:
        sys.exit("--writer must differ from this pyspark (%s)" % reader)
    out = os.path.join(HERE, "cross", "spark-%s-read-by-%s" % (args.writer, reader))
    only = set(args.only.split(",")) if args.only else None
    if only is None and os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)

    # One core and one partition: FPGrowth's rule order follows its join's partitioning, and
    # the fixtures-models generator made its expectations that way.
    spark = gf.make_spark("mlscore-cross", cores=1)
    spark.sparkContext.setLogLevel("OFF")
    g = gf.Gen(spark, out)
    unloadable_file = os.path.join(out, "unloadable.json")
    unloadable = {}
    if only and os.path.exists(unloadable_file):
        with open(unloadable_file, encoding="utf-8") as f:
            unloadable = {k: v for k, v in json.load(f).items() if k not in only}
    dirs = sorted(glob.glob(os.path.join(HERE, "fixtures*", "spark-%s" % args.writer, "*")))
    for d in dirs:
        name = os.path.basename(d)
        meta = glob.glob(os.path.join(d, "model", "metadata", "part-*"))
        if not meta or (only and name not in only):
            continue
        with open(meta[0], encoding="utf-8") as f:
            cls = json.loads(f.readline())["class"]
        if ".mllib." in cls:
            continue
        with open(os.path.join(d, "schema.json"), encoding="utf-8") as f:
            schema = json.load(f)
        fields = [FIELD[c["type"]](c["name"]) for c in schema["inputs"]]
        rows = []
        with open(os.path.join(d, "input.jsonl"), encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                rows.append(tuple(decode(c["type"], obj.get(c["name"])) for c in schema["inputs"]))
        g.name = name
        try:
            jmodel = load_jvm(spark, os.path.join(d, "model"))
        except Exception as e:  # noqa: BLE001
            unloadable[name] = gf.java_error_message(e)[:300]
            print("  %-52s cannot load: %s" % (name, unloadable[name][:80]), flush=True)
            continue
        if cls.endswith(".DistributedLDAModel"):
            # Its inference seed is random on every load; toLocal() fixes it to the ml
            # LocalLDAModel's (as gen_fixtures_models.py does).
            jmodel = jmodel.toLocal()
        ofields, expected, mode = g.score(JavaModel(jmodel), fields, rows)
        case = os.path.join(out, name)
        os.makedirs(case, exist_ok=True)
        source = os.path.relpath(d, HERE)
        with open(os.path.join(case, "expected.jsonl"), "w", encoding="utf-8") as f:
            for obj in expected:
                f.write(gf.dumps(obj) + "\n")
        with open(os.path.join(case, "schema.json"), "w", encoding="utf-8") as f:
            json.dump({"writer": args.writer, "reader": reader, "source": source,
                       "case": name,
                       "outputs": [{"name": n, "type": t} for n, t in ofields if n != "_id"]},
                      f, indent=1)
            f.write("\n")
        print("  %-52s %s" % (name, mode), flush=True)
    with open(unloadable_file, "w", encoding="utf-8") as f:
        json.dump(unloadable, f, indent=1, sort_keys=True)
        f.write("\n")
    spark.stop()


if __name__ == "__main__":
    main()
