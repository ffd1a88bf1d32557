#!/usr/bin/env python3
"""Generate Spark-made expected outputs for the "wild" model corpus.

Run (from the repository root):

    /opt/pyspark-3.5.9/bin/python tests/wild/gen_wild_expected.py \
        --models /work/shared/wild-models --out tests/wild/expected

For every model id listed in ``<models>/manifest.json`` the script

1. loads the directory with pyspark (``pyspark.ml`` classes via ``<Class>.load(path)``,
   old RDD ``spark.mllib`` models via ``pyspark.mllib`` loaders plus the JVM model object);
2. works out the raw input columns the model needs (walking the fitted stages in order:
   every ``inputCol``/``inputCols``/``featuresCol``/``userCol``/``itemCol`` that no earlier
   stage produces) and their types;
3. generates a small, seeded set of input rows (clean rows plus "edge" rows that each put
   one special value -- unseen category, null, empty string, NaN, 0.0, sparse / all-zero
   vector, unknown id -- into one column);
4. runs Spark's ``transform`` (or ``predict`` for mllib) and writes ``input.jsonl``,
   ``expected.jsonl`` and ``schema.json`` under ``<out>/<id>/``; if the whole batch raises,
   every row is transformed alone to find the raising rows;
5. records every model (scored or not, and why) in ``<out>/../manifest.json``.

The model directories are only read, never written.  Everything random is seeded from
the model id (zlib.crc32), so re-running gives byte-identical files.
See tests/wild/README.md for the file formats.
"""
import argparse
import glob
import importlib
import json
import math
import os
import random
import shutil
import sys
import time
import traceback
import zlib

# --------------------------------------------------------------------------------------
# Tunables
# --------------------------------------------------------------------------------------
N_CLEAN = 12          # rows built only from "normal" values
MAX_EDGE = 16         # at most this many edge rows (one special value each)
WIDE = 2000           # vectors wider than this are generated sparse
HUGE = 5000           # no dense example row above this width (keeps files small)
SCORER = "pyspark 3.5.9 (Java 17, local mode)"

# A fixed English word list for text inputs that have no fitted vocabulary downstream.
ENGLISH = (
    "the quick brown fox jumps over a lazy dog and this is not what we want "
    "data spark model great bad good movie time people year day way man thing "
    "woman life child world school state family student group country problem "
    "hand part place case week company system program question work government "
    "number night point home water room mother area money story fact month lot "
    "right study book eye job word business issue side kind head house service "
    "friend father power hour game line end member law car city community name "
    "president team minute idea kid body information back parent face level "
    "office door health person art war history party result change morning "
    "reason research girl guy moment air teacher force education love happy sad "
    "free new old big small high low never always very really"
).split()

# Column types that cannot be inferred from the saved model (documented evidence).
TYPE_OVERRIDES = {
    # FeatureHasher inputs: GDELT columns; GoldsteinScale is numeric in GDELT, the
    # *Code columns are strings (FeatureHasher hashes numeric and string differently).
    ("ilantoren__mongo_spark__crossValidation", "GoldsteinScale"): "double",
}

# ML attributes (`ml_attr` metadata) of raw input vector columns.  A VectorSlicer that
# selects by `names` from a raw input resolves them from the DataFrame's schema, which the
# saved model does not hold, so the input DataFrame must carry them.  Each entry records
# where the names come from; the metadata written is what the original pipeline made.
NSL_KDD_FEATURES = [
    # bbb1991/nsl-kdd@0ecd42c4c56b18bdacaf96c78f5c590c6006686f, NSL-KDD-Copy1.ipynb (the
    # notebook whose cell 111 saves `model`): cell 50 builds `indexed_features` with
    # VectorAssembler(inputCols=selectFeaturesByAR(ar_dict, 0.01)) then
    # VectorIndexer(maxCategories=2); these are the keys of cell 45's printed `ar_dict` with a
    # ratio >= 0.01, in its order.  All 44 names the slicer asks for are among them.
    "protocol_type_tcp", "num_shells", "urgent", "num_file_creations", "flag_SF",
    "num_failed_logins", "hot", "logged_in", "dst_bytes", "src_bytes", "duration",
    "dst_host_srv_diff_host_rate", "dst_host_diff_srv_rate", "num_access_files",
    "dst_host_same_src_port_rate", "num_compromised", "diff_srv_rate",
    "dst_host_srv_rerror_rate", "srv_rerror_rate", "rerror_rate", "dst_host_rerror_rate",
    "srv_diff_host_rate", "flag_S0", "wrong_fragment", "dst_host_srv_serror_rate",
    "srv_serror_rate", "serror_rate", "dst_host_serror_rate", "num_root", "count",
    "service_telnet", "dst_host_srv_count", "dst_host_same_srv_rate", "service_ftp_data",
    "same_srv_rate", "dst_host_count", "service_http", "srv_count", "root_shell",
    "service_private", "protocol_type_icmp", "service_eco_i", "is_guest_login", "service_ftp",
    "flag_REJ", "flag_RSTR", "protocol_type_udp", "service_other", "service_domain_u",
    "service_smtp", "service_ecr_i", "flag_RSTO", "service_finger", "flag_SH",
    "service_Z39_50", "service_uucp", "service_courier", "service_auth", "service_bgp",
    "service_uucp_path", "service_iso_tsap", "service_whois", "service_nnsp", "service_imap4",
    "service_vmnet", "service_time", "service_ctf", "service_csnet_ns", "service_supdup",
    "service_http_443", "service_discard", "service_domain", "service_daytime",
    "service_gopher", "service_efs", "service_exec", "service_systat",
]


def nsl_kdd_binary(name):
    # The notebook's binary columns (binary_inx) and its one-hot columns: 0/1 features that
    # VectorIndexer(maxCategories=2) marks binary; the standardized numeric ones stay numeric.
    return (name.startswith(("protocol_type_", "service_", "flag_"))
            or name in ("land", "logged_in", "root_shell", "su_attempted", "is_host_login",
                        "is_guest_login"))


INPUT_ATTRIBUTES = {
    ("bbb1991__nsl-kdd__model", "indexed_features"): {
        "names": NSL_KDD_FEATURES,
        "binary": [n for n in NSL_KDD_FEATURES if nsl_kdd_binary(n)],
        "source": "names and order recovered from the author's notebook (bbb1991/nsl-kdd "
                  "NSL-KDD-Copy1.ipynb: VectorAssembler over selectFeaturesByAR(ar_dict, 0.01), "
                  "then VectorIndexer(maxCategories=2)); 0/1 features as binary attributes",
    },
}


def attr_metadata(spec):
    """The StructField metadata Spark's VectorAssembler + VectorIndexer give such a column."""
    attrs = spec["attrs"]
    binary = set(attrs.get("binary", []))
    numeric = [{"idx": i, "name": n} for i, n in enumerate(attrs["names"]) if n not in binary]
    bins = [{"vals": ["0.0", "1.0"], "idx": i, "name": n}
            for i, n in enumerate(attrs["names"]) if n in binary]
    groups = {}
    if numeric:
        groups["numeric"] = numeric
    if bins:
        groups["binary"] = bins
    return {"ml_attr": {"attrs": groups, "num_attrs": len(attrs["names"])}}


VECTOR_STAGES = {
    # stages whose (non-produced) input column is a vector
    "StandardScalerModel", "MinMaxScalerModel", "MaxAbsScalerModel", "RobustScalerModel",
    "PCAModel", "Normalizer", "VectorIndexerModel", "VectorSlicer", "IDFModel",
    "PolynomialExpansion", "ElementwiseProduct", "BucketedRandomProjectionLSHModel",
    "MinHashLSHModel", "DCT", "ChiSqSelectorModel", "UnivariateFeatureSelectorModel",
    "VarianceThresholdSelectorModel", "VectorSizeHint",
}
TOKEN_STAGES = {"StopWordsRemover", "CountVectorizerModel", "HashingTF", "NGram", "Word2VecModel"}
TEXT_STAGES = {"Tokenizer", "RegexTokenizer"}
TREE_STAGES = {
    "DecisionTreeClassificationModel", "DecisionTreeRegressionModel",
    "RandomForestClassificationModel", "RandomForestRegressionModel",
    "GBTClassificationModel", "GBTRegressionModel",
}
SAME_WIDTH = {"StandardScalerModel", "MinMaxScalerModel", "MaxAbsScalerModel",
              "RobustScalerModel", "Normalizer", "IDFModel", "ElementwiseProduct", "DCT"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# JSON encoding (strict JSON: NaN / infinities become strings)
# --------------------------------------------------------------------------------------
def enc_float(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def enc(v):
    """Python/Spark value -> JSON-able value, following tests/wild/README.md."""
    from pyspark.ml.linalg import DenseVector, SparseVector
    from pyspark.mllib.linalg import DenseVector as MDense, SparseVector as MSparse
    from pyspark.sql import Row
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return enc_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (DenseVector, MDense)):
        return [enc_float(x) for x in v.toArray().tolist()]
    if isinstance(v, (SparseVector, MSparse)):
        return {"size": int(v.size), "indices": [int(i) for i in v.indices.tolist()],
                "values": [enc_float(x) for x in v.values.tolist()]}
    if isinstance(v, Row):
        return {k: enc(x) for k, x in v.asDict(recursive=False).items()}
    if isinstance(v, dict):
        return {str(k): enc(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if hasattr(v, "item"):            # numpy scalar
        return enc(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def dumps(obj):
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)


# --------------------------------------------------------------------------------------
# Errors: first line of the (root-cause) Java exception
# --------------------------------------------------------------------------------------
def java_error_line(e):
    """First line of the innermost Java exception behind a py4j / pyspark error."""
    jexc = getattr(e, "java_exception", None)
    if jexc is None:
        jexc = getattr(e, "_origin", None)
    if jexc is not None:
        try:
            cur = jexc
            for _ in range(20):          # walk the cause chain to the root
                nxt = cur.getCause()
                if nxt is None:
                    break
                cur = nxt
            s = cur.toString()
            return s.strip().splitlines()[0] if s.strip() else type(e).__name__
        except Exception:
            pass
    s = str(e).strip()
    lines = [l for l in s.splitlines() if l.strip()]
    return (lines[0] if lines else type(e).__name__)[:2000]


# --------------------------------------------------------------------------------------
# Model directory helpers (read-only)
# --------------------------------------------------------------------------------------
def read_meta(path):
    files = sorted(f for f in glob.glob(os.path.join(path, "metadata", "part-*"))
                   if not os.path.basename(f).startswith((".", "_")))
    if not files:
        return None
    with open(files[0], encoding="utf-8") as fh:
        line = fh.readline()
    try:
        return json.loads(line)
    except Exception:
        return None


def uid_paths(path, acc=None):
    """Map stage uid -> directory, walking stages/ and bestModel/ recursively."""
    acc = {} if acc is None else acc
    meta = read_meta(path)
    if meta is None:
        return acc
    if meta.get("uid"):
        acc.setdefault(meta["uid"], path)
    for i, uid in enumerate(meta.get("paramMap", {}).get("stageUids", []) or []):
        for d in glob.glob(os.path.join(path, "stages", "*_" + uid)):
            pre = os.path.basename(d)[: -len(uid) - 1]
            if pre.isdigit() and int(pre) == i:
                uid_paths(d, acc)
    if os.path.isdir(os.path.join(path, "bestModel")):
        uid_paths(os.path.join(path, "bestModel"), acc)
    return acc


# --------------------------------------------------------------------------------------
# Param access on loaded pyspark stages
# --------------------------------------------------------------------------------------
def pget(st, name):
    try:
        if st.hasParam(name):
            p = st.getParam(name)
            if st.isDefined(p):
                return st.getOrDefault(p)
    except Exception:
        pass
    return None


def pset(st, name):
    """Value only if the param was explicitly set (Spark's isSet)."""
    try:
        if st.hasParam(name):
            p = st.getParam(name)
            if st.isSet(p):
                return st.getOrDefault(p)
    except Exception:
        pass
    return None


def cname(st):
    return type(st).__name__


def flatten(m):
    """Fitted stages in execution order (pipelines, CV/TVS bestModel expanded)."""
    from pyspark.ml import PipelineModel
    from pyspark.ml.tuning import CrossValidatorModel, TrainValidationSplitModel
    if isinstance(m, PipelineModel):
        out = []
        for s in m.stages:
            out += flatten(s)
        return out
    if isinstance(m, (CrossValidatorModel, TrainValidationSplitModel)):
        return flatten(m.bestModel)
    return [m]


def stage_inputs(st):
    """[(column, role)] read by a stage at transform time."""
    cn = cname(st)
    if cn == "ALSModel":
        return [(pget(st, "userCol"), "als_user"), (pget(st, "itemCol"), "als_item")]
    ins = []
    ics = pset(st, "inputCols")
    ic = pget(st, "inputCol")
    if ics:
        ins += [(c, "in") for c in ics]
    elif ic:
        ins.append((ic, "in"))
    fc = pget(st, "featuresCol")
    if fc and not ins:
        ins.append((fc, "features"))
    if cn == "FeatureHasher" and not ins and pget(st, "inputCols"):
        ins = [(c, "in") for c in pget(st, "inputCols")]
    return ins


def stage_outputs(st):
    outs = []
    for name in ("outputCols",):
        v = pset(st, name)
        if v:
            outs += list(v)
    for name in ("outputCol", "predictionCol", "rawPredictionCol", "probabilityCol",
                 "varianceCol", "topicDistributionCol", "leafCol"):
        if name == "outputCol" and pset(st, "outputCols"):
            continue
        v = pget(st, name)
        if v:
            outs.append(v)
    return outs


# --------------------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------------------
def nice(x):
    """Round to 6 significant digits: readable, still an exact JSON double."""
    if x == 0 or math.isnan(x) or math.isinf(x):
        return float(x)
    return float("%.6g" % x)


def label_kind(labels):
    """'double' / 'int' / 'string': how a StringIndexer's input column was typed.
    Labels like "1.0" can only come from a double column (Spark casts with
    Double.toString); canonical integers ("0","17") are taken as an int column."""
    import re
    labs = [l for l in labels if l is not None]
    if not labs:
        return "string"
    if all(re.fullmatch(r"-?\d+\.\d+(E-?\d+)?|NaN|-?Infinity", l) for l in labs):
        return "double"
    if all(re.fullmatch(r"-?(0|[1-9]\d{0,8})", l) for l in labs):
        return "int"
    return "string"


# --------------------------------------------------------------------------------------
# Per-model planning: raw inputs, their types and value generators
# --------------------------------------------------------------------------------------
class Plan:
    def __init__(self, mid, model, path, spark):
        self.mid, self.model, self.path, self.spark = mid, model, path, spark
        self.stages = flatten(model)
        self.paths = uid_paths(path)
        self.inputs = {}      # name -> spec dict (ordered by first use)
        self.notes = []
        self.sizes = {}       # produced column -> vector width (1 = scalar), None unknown
        self._tree_cache = {}

    # ---- widths -------------------------------------------------------------------
    def stage_width(self, st):
        """Width of the vector a stage reads, if the fitted stage knows it."""
        cn = cname(st)
        try:
            if cn in ("KMeansModel", "BisectingKMeansModel"):
                return len(st.clusterCenters()[0])
            if cn == "GaussianMixtureModel":
                return st.gaussiansDF.first()["mean"].size
            if cn == "StandardScalerModel":
                return len(st.std)
            if cn == "MinMaxScalerModel":
                return len(st.originalMin)
            if cn == "MaxAbsScalerModel":
                return len(st.maxAbs)
            if cn == "RobustScalerModel":
                return len(st.range)
            if cn == "PCAModel":
                return st.pc.numRows
            if cn == "IDFModel":
                return len(st.idf)
            if cn == "ElementwiseProduct":
                return len(pget(st, "scalingVec"))
            if cn == "VectorSizeHint":
                return pget(st, "size")
            if cn == "VectorSlicer":
                idx = pget(st, "indices") or []
                return (max(idx) + 1) if idx else None
            if cn == "LocalLDAModel" or cn == "DistributedLDAModel":
                return st.vocabSize()
            if cn == "OneVsRestModel":
                return st.models[0].numFeatures
            if cn in ("BucketedRandomProjectionLSHModel",):
                return int(st._java_obj.randUnitVectors()[0].size())
            if cn == "VectorIndexerModel":
                return st.numFeatures
            if hasattr(st, "numFeatures"):
                n = st.numFeatures
                return n if isinstance(n, int) and n >= 0 else None
        except Exception as e:
            self.notes.append("width of %s unknown (%s)" % (cn, java_error_line(e)))
        return None

    def consumer_width(self, col, start):
        """Width expected for column `col` by its first consumer at/after stage `start`."""
        for j in range(start, len(self.stages)):
            st = self.stages[j]
            if col in [c for c, _ in stage_inputs(st)]:
                w = self.stage_width(st)
                if w is not None:
                    return w
                cn = cname(st)
                outs = stage_outputs(st)
                if cn in SAME_WIDTH and outs:
                    return self.consumer_width(outs[0], j + 1)
                if cn == "ChiSqSelectorModel":
                    sel = st.selectedFeatures
                    return (max(sel) + 1) if sel else None
                return None
        return None

    # ---- hints for numeric values ---------------------------------------------------
    def tree_ranges(self, st):
        """feature index -> ('uniform', lo, hi) | ('choice', categories) from tree splits."""
        if st.uid in self._tree_cache:
            return self._tree_cache[st.uid]
        res = {}
        p = self.paths.get(st.uid)
        if p and os.path.isdir(os.path.join(p, "data")):
            from pyspark.sql import functions as F
            df = self.spark.read.parquet(os.path.join(p, "data"))
            pre = "nodeData." if "nodeData" in df.columns else ""
            rows = (df.select(F.col(pre + "split.featureIndex").alias("f"),
                              F.col(pre + "split.leftCategoriesOrThreshold").alias("t"),
                              F.col(pre + "split.numCategories").alias("nc"))
                    .where("f >= 0")
                    .groupBy("f").agg(F.min(F.col("t")[0]).alias("lo"),
                                      F.max(F.col("t")[0]).alias("hi"),
                                      F.max("nc").alias("nc")).collect())
            res = tree_hint_rows([(r["f"], r["lo"], r["hi"], r["nc"]) for r in rows])
        self._tree_cache[st.uid] = res
        return res

    def slot_hints(self, col, width, start):
        """Per-slot value hints for a vector column, from its first consumer."""
        for j in range(start, len(self.stages)):
            st = self.stages[j]
            ins = [c for c, _ in stage_inputs(st)]
            if col not in ins:
                continue
            cn = cname(st)
            try:
                if cn == "StandardScalerModel":
                    return [("normal", float(m), float(s)) for m, s in zip(st.mean, st.std)]
                if cn == "MinMaxScalerModel":
                    return [("uniform", float(a), float(b))
                            for a, b in zip(st.originalMin, st.originalMax)]
                if cn == "MaxAbsScalerModel":
                    return [("uniform", -float(a), float(a)) for a in st.maxAbs]
                if cn in ("KMeansModel", "BisectingKMeansModel"):
                    cs = st.clusterCenters()
                    return [("uniform", min(float(c[i]) for c in cs), max(float(c[i]) for c in cs))
                            for i in range(len(cs[0]))]
                if cn == "GaussianMixtureModel":
                    g = st.gaussiansDF.collect()
                    sd = [[math.sqrt(max(r["cov"].toArray()[i][i], 0.0)) for i in range(width)] for r in g]
                    return [("uniform", min(float(r["mean"][i]) - 2 * d[i] for r, d in zip(g, sd)),
                             max(float(r["mean"][i]) + 2 * d[i] for r, d in zip(g, sd)))
                            for i in range(width)]
                if cn in TREE_STAGES:
                    tr = self.tree_ranges(st)
                    return [tr.get(i) for i in range(width)]
                if cn == "NaiveBayesModel":
                    mt = pget(st, "modelType") or "multinomial"
                    if mt == "bernoulli":
                        return [("choice", [0.0, 1.0])] * width
                    if mt in ("multinomial", "complement"):
                        return [("nonneg",)] * width
                    return None
                if cn == "VectorIndexerModel":
                    outs = stage_outputs(st)
                    sub = self.slot_hints(outs[0], width, j + 1) if outs else None
                    sub = list(sub) if sub else [None] * width
                    for f, m in (st.categoryMaps or {}).items():
                        if int(f) < width:
                            sub[int(f)] = ("choice", sorted(float(k) for k in m.keys()))
                    return sub
                if cn == "VectorAssembler":
                    off = 0
                    for c in ins:
                        if c == col:
                            break
                        w = self.col_width(c)
                        if w is None:
                            return None
                        off += w
                    tot = self.consumer_width(stage_outputs(st)[0], j + 1)
                    if tot is None:
                        return None
                    sub = self.slot_hints(stage_outputs(st)[0], tot, j + 1)
                    return sub[off:off + width] if sub else None
            except Exception as e:
                self.notes.append("no value hints from %s (%s)" % (cn, java_error_line(e)))
            return None
        return None

    def col_width(self, c):
        if c in self.sizes:
            return self.sizes[c]
        spec = self.inputs.get(c)
        if spec is None:
            return None
        return spec.get("width", 1) if spec["type"] == "vector" else 1

    # ---- vocabulary for text ----------------------------------------------------------
    def vocab_after(self, col, start):
        """Vocabulary of the first CountVectorizer / Word2Vec fed (transitively) by col."""
        frontier = {col}
        for j in range(start, len(self.stages)):
            st = self.stages[j]
            ins = [c for c, _ in stage_inputs(st)]
            if not frontier.intersection(ins):
                continue
            cn = cname(st)
            if cn == "CountVectorizerModel":
                return [w for w in st.vocabulary[:2000]], (col in ins)
            if cn == "Word2VecModel":
                words = [r["word"] for r in st.getVectors().select("word").orderBy("word").limit(2000).collect()]
                return words, (col in ins)
            if cn in TEXT_STAGES or cn in ("StopWordsRemover", "NGram", "SQLTransformer"):
                frontier.update(stage_outputs(st))
        return [], False

    # ---- the main walk ---------------------------------------------------------------
    def infer(self):
        produced = set()
        for j, st in enumerate(self.stages):
            cn = cname(st)
            if cn.startswith("Unknown") or not hasattr(st, "transform"):
                raise NotScorable("stage %s has no transform" % cn)
            ins = stage_inputs(st)
            if cn == "SQLTransformer":
                raise NotScorable("input columns cannot be inferred (SQLTransformer statement)")
            if (cn == "VectorSlicer" and pget(st, "names") and ins[0][0] not in produced
                    and ins[0][0] not in self.inputs):
                attrs = INPUT_ATTRIBUTES.get((self.mid, ins[0][0]))
                if attrs is not None:
                    self.inputs[ins[0][0]] = self.sliced_input(j, st, ins[0][0], attrs)
                    self.record_sizes(j, st)
                    produced.update(stage_outputs(st))
                    continue
                raise NotScorable("input columns cannot be inferred: VectorSlicer selects features "
                                  "by name, which needs ML attribute metadata on its raw input "
                                  "vector column %r (width and names are not in the model)" % ins[0][0])
            if not ins and cn not in ("IndexToString",):
                raise NotScorable("input columns cannot be inferred (stage %s names no input column)" % cn)
            for k, (col, role) in enumerate(ins):
                if col is None or col in produced or col in self.inputs:
                    continue
                self.inputs[col] = self.infer_one(j, st, k, col, role)
            if cn == "VectorAssembler":
                self.fix_assembler(j, st)
            self.record_sizes(j, st)
            produced.update(stage_outputs(st))
        if not self.inputs:
            raise NotScorable("input columns cannot be inferred (no raw input column)")

    def sliced_input(self, j, st, col, attrs):
        """Spec of a raw vector a VectorSlicer selects from by name: its width and names come
        from INPUT_ATTRIBUTES, its value hints from the slicer's consumer, mapped back."""
        names = attrs["names"]
        picked = list(pget(st, "indices") or []) + [names.index(n) for n in pget(st, "names")]
        width = len(names)
        sub = self.slot_hints(stage_outputs(st)[0], len(picked), j + 1) or []
        # unselected slots: 0/1 for binary attributes, standardized values otherwise
        binary = set(attrs.get("binary", []))
        hint = [("choice", [0.0, 1.0]) if n in binary else ("normal", 0.0, 1.0) for n in names]
        for k, i in enumerate(picked):
            if k < len(sub):
                hint[i] = sub[k]
        self.notes.append("%r carries ML attributes (ml_attr) for VectorSlicer names: %s"
                          % (col, attrs["source"]))
        return {"type": "vector", "width": width, "gen": "vec", "hint": hint, "attrs": attrs}

    def infer_one(self, j, st, k, col, role):
        cn = cname(st)
        ov = TYPE_OVERRIDES.get((self.mid, col))
        if ov:
            self.notes.append("%r typed %s by TYPE_OVERRIDES" % (col, ov))
            return {"type": ov, "gen": "num", "hint": None}
        if cn == "ALSModel":
            fac = st.userFactors if role == "als_user" else st.itemFactors
            ids = sorted(r["id"] for r in fac.select("id").collect())
            return {"type": "int", "gen": "ids", "ids": ids}
        if cn == "StringIndexerModel":
            labels = list(st.labelsArray[k]) if hasattr(st, "labelsArray") else list(st.labels)
            kind = label_kind(labels)
            if kind != "string":
                self.notes.append("%r typed %s: its StringIndexer labels are all %s-formatted"
                                  % (col, kind, kind))
            return {"type": kind, "gen": "cat", "labels": labels}
        if cn in TEXT_STAGES:
            vocab, _ = self.vocab_after(col, j)
            return {"type": "string", "gen": "text", "vocab": vocab}
        if cn in TOKEN_STAGES:
            vocab, direct = self.vocab_after(col, j)
            if not direct:
                vocab = sorted({w for v in vocab for w in v.split()})
            return {"type": "array<string>", "gen": "tokens", "vocab": vocab}
        if cn in ("OneHotEncoderModel",):
            sizes = list(st.categorySizes)
            return {"type": "double", "gen": "index", "n": sizes[k] if k < len(sizes) else 2}
        if cn == "OneHotEncoder":       # 2.x transformer; never loads in 3.5, kept for completeness
            return {"type": "double", "gen": "index", "n": 3}
        if cn == "FeatureHasher":
            cats = pget(st, "categoricalCols") or []
            # strings unless TYPE_OVERRIDES says otherwise (no evidence in the model)
            self.notes.append("%r (FeatureHasher input) typed string without evidence" % col)
            return {"type": "string", "gen": "cat", "labels": ["a", "b", "c", "US", "GB", "FR"],
                    "categorical": col in cats}
        if cn in ("VectorAssembler", "ImputerModel", "Bucketizer", "IndexToString",
                  "Binarizer", "QuantileDiscretizer"):
            return {"type": "double", "gen": "num", "hint": None}
        if role == "features" or cn in VECTOR_STAGES:
            w = self.stage_width(st)
            if w is None:
                outs = stage_outputs(st)
                if cn in SAME_WIDTH and outs:
                    w = self.consumer_width(outs[0], j + 1)
            if w is None and cn == "ChiSqSelectorModel":
                w = self.consumer_width(col, j)
            if w is None:
                raise NotScorable("input columns cannot be inferred (width of vector column %r)" % col)
            return {"type": "vector", "width": int(w), "gen": "vec",
                    "hint": self.slot_hints(col, int(w), j)}
        raise NotScorable("input columns cannot be inferred (stage %s, column %r)" % (cn, col))

    def fix_assembler(self, j, st):
        """Decide which raw VectorAssembler inputs are doubles and which are vectors,
        from the width the downstream consumer expects; then attach value hints."""
        ins = [c for c, _ in stage_inputs(st)]
        out = stage_outputs(st)[0]
        raw = [c for c in ins if c in self.inputs and self.inputs[c].get("gen") == "num"
               and self.inputs[c].get("owner") in (None, j)]
        for c in raw:
            self.inputs[c]["owner"] = j
        known = 0
        unknown_produced = False
        for c in ins:
            if c in raw:
                continue
            w = self.col_width(c)
            if w is None:
                unknown_produced = True
            else:
                known += w
        tot = self.consumer_width(out, j + 1)
        if tot is not None and not unknown_produced and raw:
            rest = tot - known
            if rest != len(raw):
                if len(raw) == 1 and rest > 1:
                    c = raw[0]
                    self.inputs[c] = {"type": "vector", "width": rest, "gen": "vec", "hint": None,
                                      "owner": j}
                    self.notes.append("%r taken as a vector of width %d (VectorAssembler output "
                                      "must have width %d)" % (c, rest, tot))
                else:
                    self.notes.append("VectorAssembler %s: consumer expects width %d but inputs "
                                      "give %d+%d; raw inputs kept as doubles" % (st.uid, tot, known, len(raw)))
        # value hints per slot of the assembled vector
        if tot is not None and not unknown_produced:
            hints = self.slot_hints(out, tot, j + 1)
            if hints:
                off = 0
                for c in ins:
                    w = self.col_width(c) or 1
                    if c in raw and self.inputs[c]["type"] == "double":
                        self.inputs[c]["hint"] = hints[off] if off < len(hints) else None
                    elif c in raw and self.inputs[c]["type"] == "vector":
                        self.inputs[c]["hint"] = hints[off:off + w]
                    off += w

    def record_sizes(self, j, st):
        """Remember vector widths of produced columns (enough for VectorAssembler maths)."""
        cn = cname(st)
        outs = stage_outputs(st)
        try:
            if cn == "StringIndexerModel" or cn == "IndexToString" or cn == "Bucketizer" \
                    or cn == "ImputerModel" or cn == "Binarizer":
                for o in outs:
                    self.sizes[o] = 1
            elif cn == "OneHotEncoderModel":
                drop = pget(st, "dropLast")
                keep = pget(st, "handleInvalid") == "keep"
                for o, n in zip(outs, st.categorySizes):
                    self.sizes[o] = n + (1 if keep else 0) - (1 if drop else 0)
            elif cn == "VectorAssembler":
                ws = [self.col_width(c) for c, _ in stage_inputs(st)]
                self.sizes[outs[0]] = None if None in ws else sum(ws)
            elif cn == "CountVectorizerModel":
                self.sizes[outs[0]] = len(st.vocabulary)
            elif cn == "HashingTF" or cn == "FeatureHasher":
                self.sizes[outs[0]] = pget(st, "numFeatures")
            elif cn == "PCAModel":
                self.sizes[outs[0]] = pget(st, "k")
            elif cn == "Word2VecModel":
                self.sizes[outs[0]] = pget(st, "vectorSize")
            elif cn == "ChiSqSelectorModel":
                self.sizes[outs[0]] = len(st.selectedFeatures)
            elif cn in SAME_WIDTH or cn == "VectorIndexerModel":
                w = self.stage_width(st)
                if w is None:
                    w = self.col_width(stage_inputs(st)[0][0])
                self.sizes[outs[0]] = w
            else:
                for o in outs:
                    self.sizes.setdefault(o, None)
        except Exception:
            for o in outs:
                self.sizes.setdefault(o, None)


class NotScorable(Exception):
    pass


def tree_hint_rows(rows):
    """[(feature, lo, hi, numCategories)] -> feature -> hint."""
    res = {}
    for f, lo, hi, nc in rows:
        if nc is not None and nc >= 0:
            res[int(f)] = ("choice", [float(i) for i in range(max(int(nc), 1))])
        elif lo is not None and hi is not None:
            span = (hi - lo) if hi > lo else max(abs(lo), 1.0)
            res[int(f)] = ("uniform", lo - 0.25 * span, hi + 0.25 * span)
    return res


# --------------------------------------------------------------------------------------
# Value generation
# --------------------------------------------------------------------------------------
def gen_scalar(rng, hint):
    if hint is None:
        return nice(rng.uniform(0.0, 10.0))
    kind = hint[0]
    if kind == "normal":
        m, s = hint[1], hint[2]
        if not (s > 0) or math.isinf(s) or math.isnan(s):
            s = abs(m) * 0.1 + 1.0
        return nice(rng.gauss(m, s))
    if kind == "uniform":
        lo, hi = hint[1], hint[2]
        if math.isnan(lo) or math.isnan(hi):
            lo, hi = 0.0, 10.0
        if hi <= lo:
            lo, hi = lo - 1.0, lo + 1.0
        return nice(rng.uniform(lo, hi))
    if kind == "choice":
        return float(rng.choice(hint[1]))
    if kind == "nonneg":
        return nice(rng.uniform(0.0, 5.0))
    if kind == "count":
        return float(rng.choice([1, 1, 1, 2, 2, 3, 5]))
    return nice(rng.uniform(0.0, 10.0))


def gen_vector(rng, spec, mode=None):
    """Random vector of the spec's width; sparse when mode == "sparse" or the vector is
    wide (unless mode == "dense")."""
    from pyspark.ml.linalg import Vectors
    w = spec["width"]
    hint = spec.get("hint")
    h = (lambda i: hint[i] if hint and i < len(hint) else None)
    if mode == "sparse" or (w > WIDE and mode != "dense"):
        k = min(max(1, w // 3), 40) if w > 3 else 1
        idx = sorted(rng.sample(range(w), min(k, w)))
        vals = [gen_scalar(rng, h(i)) for i in idx]
        return Vectors.sparse(w, idx, vals)
    return Vectors.dense([gen_scalar(rng, h(i)) for i in range(w)])


def sentence(rng, vocab, lower=False):
    n = rng.randint(3, 12)
    words = []
    for _ in range(n):
        if vocab and rng.random() < 0.75:
            words.append(rng.choice(vocab))
        else:
            words.append(rng.choice(ENGLISH))
    if not lower:
        words = [w.capitalize() if rng.random() < 0.2 else w for w in words]
    s = " ".join(words)
    if not lower and rng.random() < 0.5:
        s += rng.choice([".", "!", "?", ",", " :)"])
    return s


def clean_value(rng, spec):
    g = spec["gen"]
    t = spec["type"]
    if g == "cat":
        labs = spec["labels"]
        if len(labs) > 40 and rng.random() < 0.7:
            lab = rng.choice(labs[:20])       # frequent labels first
        else:
            lab = rng.choice(labs) if labs else "x"
        if t == "double":
            return float(lab)
        if t == "int":
            return int(lab)
        return lab
    if g == "num":
        return gen_scalar(rng, spec.get("hint"))
    if g == "index":
        return float(rng.randrange(max(spec["n"], 1)))
    if g == "ids":
        return int(rng.choice(spec["ids"])) if spec["ids"] else 1
    if g == "text":
        return sentence(rng, spec["vocab"])
    if g == "tokens":
        voc = spec["vocab"] or ENGLISH
        return [rng.choice(voc) if rng.random() < 0.8 else rng.choice(ENGLISH)
                for _ in range(rng.randint(2, 10))]
    if g == "vec":
        return gen_vector(rng, spec)
    raise ValueError(g)


def soft_specials(rng, spec):
    """Special values that normally do not make Spark raise (0.0, empty text, sparse and
    all-zero vectors, out-of-vocabulary tokens).  They are mixed into the clean rows."""
    from pyspark.ml.linalg import Vectors
    g = spec["gen"]
    if g == "num":
        return [0.0]
    if g == "text":
        return [""]
    if g == "tokens":
        return [[], ["zzzunseenzzz"]]
    if g == "vec":
        w = spec["width"]
        zero = Vectors.dense([0.0] * w) if w <= HUGE else Vectors.sparse(w, [], [])
        return [gen_vector(rng, spec, mode="sparse"), zero]
    return []


def hard_specials(spec):
    """Special values that may make Spark raise or drop the row, most important first:
    [(kind, value)].  Each goes into its own edge row."""
    g, t = spec["gen"], spec["type"]
    if g == "cat":
        if t == "double":
            labs = [float(l) for l in spec["labels"] if l not in ("NaN",)]
            return [("unseen", float(max(labs) + 1.0 if labs else 99.0)), ("null", None),
                    ("nan", float("nan"))]
        if t == "int":
            labs = [int(l) for l in spec["labels"]]
            return [("unseen", max(labs) + 1000 if labs else 12345), ("null", None)]
        return [("unseen", "unseen_value"), ("null", None), ("empty", "")]
    if g == "num":
        return [("nan", float("nan")), ("null", None)]
    if g == "index":
        return [("unseen", float(spec["n"])), ("null", None)]
    if g == "ids":
        return [("unseen", (max(spec["ids"]) + 1000) if spec["ids"] else 999999), ("null", None)]
    if g in ("text", "tokens", "vec"):
        return [("null", None)]
    return []


# how many columns of one kind (gen, type) get each hard special value
EDGE_COLS_PER_KIND = {"cat": 3}
EDGE_COLS_DEFAULT = 2


def make_rows(mid, specs, n_clean=N_CLEAN):
    """Seeded rows: n_clean clean rows (with harmless special values such as 0.0 or an
    all-zero vector mixed in), then edge rows that each put one value that may make
    Spark raise or drop the row (unseen category, null, "", NaN, unknown id) into one
    column.  For each kind of column (e.g. all double inputs) only a few columns get
    each edge value, so that wide models keep a small number of rows."""
    rng = random.Random(zlib.crc32(mid.encode("utf-8")))
    names = list(specs)
    rows = [{c: clean_value(rng, specs[c]) for c in names} for _ in range(n_clean)]
    for ci, c in enumerate(names):
        for k, v in enumerate(soft_specials(rng, specs[c])):
            rows[(1 + ci + 4 * k) % n_clean][c] = v
    # one dense example for wide (but not huge) vector inputs
    for c in names:
        s = specs[c]
        if s["type"] == "vector" and WIDE < s["width"] <= HUGE:
            rows[0][c] = gen_vector(rng, s, mode="dense")
    # edge rows
    by_kind = {}
    for c in names:
        by_kind.setdefault((specs[c]["gen"], specs[c]["type"]), []).append(c)
    chosen = {}
    for kind, cols in by_kind.items():
        k = EDGE_COLS_PER_KIND.get(kind[0], EDGE_COLS_DEFAULT)
        chosen[kind] = cols if len(cols) <= k else sorted(rng.sample(cols, k), key=cols.index)
    edges = []
    for kind, cols in by_kind.items():
        for c in chosen[kind]:
            for sk, v in hard_specials(specs[c]):
                edges.append((c, v))
    for c, v in edges[:MAX_EDGE]:
        row = {x: clean_value(rng, specs[x]) for x in names}
        row[c] = v
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------
# Spark plumbing
# --------------------------------------------------------------------------------------
def spark_type(t):
    from pyspark.sql import types as T
    from pyspark.ml.linalg import VectorUDT
    return {"string": T.StringType(), "double": T.DoubleType(), "int": T.IntegerType(),
            "array<string>": T.ArrayType(T.StringType()), "vector": VectorUDT()}[t]


def input_df(spark, specs, rows, ids=None):
    from pyspark.sql import types as T
    fields = [T.StructField("_id", T.LongType(), False)]
    fields += [T.StructField(c, spark_type(s["type"]), True,
                             attr_metadata(s) if "attrs" in s else None)
               for c, s in specs.items()]
    schema = T.StructType(fields)
    ids = list(range(len(rows))) if ids is None else ids
    data = [tuple([i] + [r[c] for c in specs]) for i, r in zip(ids, rows)]
    return spark.createDataFrame(data, schema)


def collect_transform(model, df):
    out = model.transform(df)
    return out.columns, out.schema, out.collect()


def score_ml(spark, mid, model, plan, rows, n_clean):
    """Run transform on the batch; fall back to one row at a time if it raises."""
    specs = plan.inputs
    df = input_df(spark, specs, rows)
    results = {}
    cols, schema, how = None, None, "batch"
    try:
        cols, schema, got = collect_transform(model, df)
        for r in got:
            results[r["_id"]] = ("ok", r)
    except Exception as e:
        # (the batch's own error message is not recorded: with two local cores, which
        # raising row is hit first is not deterministic)
        how = "the batch raises, so the rows were transformed in chunks"
        # Find the raising rows: the clean rows as one chunk, each edge row alone; a
        # chunk that transforms fine gives the final answer for its rows, a chunk that
        # raises is split in halves until single rows.
        # (Every stage here is row-wise, so a row's result does not depend on its chunk.)
        todo = [list(range(min(n_clean, len(rows))))] + [[i] for i in range(n_clean, len(rows))]
        todo.reverse()
        while todo:
            ids = todo.pop()
            sub = input_df(spark, specs, [rows[i] for i in ids], ids=ids)
            try:
                c2, s2, got = collect_transform(model, sub)
                if cols is None:
                    cols, schema = c2, s2
                for r in got:
                    results[r["_id"]] = ("ok", r)
            except Exception as e2:
                if len(ids) == 1:
                    results[ids[0]] = ("err", java_error_line(e2))
                else:
                    h = len(ids) // 2
                    todo += [ids[h:], ids[:h]]
        if cols is None:
            try:
                out = model.transform(df)
                cols, schema = out.columns, out.schema
            except Exception:
                cols, schema = [], None
    expected = []
    for i in range(len(rows)):
        if i not in results:
            expected.append({"_id": i, "_skipped": True})
        elif results[i][0] == "err":
            expected.append({"_id": i, "_error": results[i][1]})
        else:
            r = results[i][1]
            o = {"_id": i}
            for c in cols:
                if c != "_id":
                    o[c] = enc(r[c])
            expected.append(o)
    outputs = [{"name": f.name, "type": f.dataType.simpleString()}
               for f in (schema.fields if schema is not None else []) if f.name != "_id"]
    return expected, outputs, how


# --------------------------------------------------------------------------------------
# Old RDD-based spark.mllib models
# --------------------------------------------------------------------------------------
MLLIB_LOADERS = {
    "org.apache.spark.mllib.classification.LogisticRegressionModel": "pyspark.mllib.classification.LogisticRegressionModel",
    "org.apache.spark.mllib.classification.SVMModel": "pyspark.mllib.classification.SVMModel",
    "org.apache.spark.mllib.classification.NaiveBayesModel": "pyspark.mllib.classification.NaiveBayesModel",
    "org.apache.spark.mllib.tree.DecisionTreeModel": "pyspark.mllib.tree.DecisionTreeModel",
    "org.apache.spark.mllib.tree.model.RandomForestModel": "pyspark.mllib.tree.RandomForestModel",
    "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel": "pyspark.mllib.tree.GradientBoostedTreesModel",
    "org.apache.spark.mllib.clustering.KMeansModel": "pyspark.mllib.clustering.KMeansModel",
    "org.apache.spark.mllib.clustering.LocalLDAModel": "pyspark.mllib.clustering.LDAModel",
    "org.apache.spark.mllib.recommendation.MatrixFactorizationModel": "pyspark.mllib.recommendation.MatrixFactorizationModel",
    "org.apache.spark.mllib.feature.Word2VecModel": "pyspark.mllib.feature.Word2VecModel",
}
# JVM classes used for scoring (pyspark's Python-side predict re-implements some of
# these in numpy; the JVM object gives Spark's own numerics).
MLLIB_JVM = {
    "org.apache.spark.mllib.classification.LogisticRegressionModel": "org.apache.spark.mllib.classification.LogisticRegressionModel",
    "org.apache.spark.mllib.classification.SVMModel": "org.apache.spark.mllib.classification.SVMModel",
    "org.apache.spark.mllib.classification.NaiveBayesModel": "org.apache.spark.mllib.classification.NaiveBayesModel",
    "org.apache.spark.mllib.tree.DecisionTreeModel": "org.apache.spark.mllib.tree.model.DecisionTreeModel",
    "org.apache.spark.mllib.tree.model.RandomForestModel": "org.apache.spark.mllib.tree.model.RandomForestModel",
    "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel": "org.apache.spark.mllib.tree.model.GradientBoostedTreesModel",
    "org.apache.spark.mllib.clustering.KMeansModel": "org.apache.spark.mllib.clustering.KMeansModel",
    "org.apache.spark.mllib.clustering.LocalLDAModel": "org.apache.spark.mllib.clustering.LocalLDAModel",
    "org.apache.spark.mllib.recommendation.MatrixFactorizationModel": "org.apache.spark.mllib.recommendation.MatrixFactorizationModel",
    "org.apache.spark.mllib.feature.Word2VecModel": "org.apache.spark.mllib.feature.Word2VecModel",
}


def jvm_class(jvm, name):
    obj = jvm
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


LDA_CLS = "org.apache.spark.mllib.clustering.LocalLDAModel"
LDA_SEED = 1421925485  # "org.apache.spark.ml.clustering.LocalLDAModel".hashCode
SVM_CLS = "org.apache.spark.mllib.classification.SVMModel"
LR_CLS = "org.apache.spark.mllib.classification.LogisticRegressionModel"
NB_CLS = "org.apache.spark.mllib.classification.NaiveBayesModel"


def load_mllib(spark, cls, path, notes):
    if cls not in MLLIB_LOADERS:
        raise CannotLoad("no pyspark.mllib loader for class %s" % cls)
    mod, name = MLLIB_LOADERS[cls].rsplit(".", 1)
    try:
        pyobj = getattr(importlib.import_module(mod), name).load(spark.sparkContext, path)
    except Exception as e:
        # pyspark.mllib's Python loaders wrap the JVM loaders and add their own limits
        # (LDAModel.load only accepts DistributedLDAModel; SVMModel.load calls
        # getThreshold().get and fails on a model whose threshold was cleared).  The
        # JVM loader is the real Spark behaviour, so try it before giving up.
        if cls not in (LDA_CLS, SVM_CLS, LR_CLS, NB_CLS) or "ChecksumException" in java_error_line(e):
            raise
        notes.append("the pyspark.mllib loader fails (%s); loaded with the JVM %s.load instead"
                     % (java_error_line(e), MLLIB_JVM[cls]))
        pyobj = None
    sc = spark.sparkContext
    jobj = jvm_class(sc._jvm, MLLIB_JVM[cls]).load(sc._jsc.sc(), path)
    return pyobj, jobj


def mllib_tree_ranges(spark, path):
    from pyspark.sql import functions as F
    df = spark.read.parquet(os.path.join(path, "data"))
    rows = (df.where("split IS NOT NULL AND NOT isLeaf")
            .select(F.col("split.feature").alias("f"), F.col("split.threshold").alias("t"),
                    F.col("split.featureType").alias("ft"), F.col("split.categories").alias("c"))
            .groupBy("f").agg(F.min("t").alias("lo"), F.max("t").alias("hi"),
                              F.max("ft").alias("ft"),
                              F.max(F.array_max("c")).alias("cmax")).collect())
    out = []
    for r in rows:
        nc = int(r["cmax"]) + 2 if (r["ft"] == 1 and r["cmax"] is not None) else -1
        out.append((r["f"], r["lo"], r["hi"], nc))
    return tree_hint_rows(out)


def score_mllib(spark, mid, cls, path, pyobj, jobj, meta):
    """Returns (inputs spec, rows, expected, outputs, notes)."""
    from pyspark.mllib.common import _py2java, _java2py
    from pyspark.mllib.linalg import Vectors as MV
    sc = spark.sparkContext
    notes = ["spark.mllib model: %s; scored by calling the JVM model object (%s) one row at a time"
             % ("loaded with %s.load(sc, path)" % MLLIB_LOADERS[cls] if pyobj is not None
                else "JVM-loaded (see above)", MLLIB_JVM[cls])]
    if cls.endswith("MatrixFactorizationModel"):
        users = sorted(pyobj.userFeatures().keys().collect())
        prods = sorted(pyobj.productFeatures().keys().collect())
        specs = {"user": {"type": "int", "gen": "ids", "ids": users},
                 "product": {"type": "int", "gen": "ids", "ids": prods}}
        rows = make_rows(mid, specs)
        expected = []
        for i, r in enumerate(rows):
            if r["user"] is None or r["product"] is None:
                expected.append({"_id": i, "_error": "null id (MatrixFactorizationModel.predict takes int, int)"})
                continue
            try:
                p = jobj.predict(int(r["user"]), int(r["product"]))
                expected.append({"_id": i, "user": r["user"], "product": r["product"], "prediction": enc(p)})
            except Exception as e:
                expected.append({"_id": i, "_error": java_error_line(e)})
        outputs = [{"name": "user", "type": "int"}, {"name": "product", "type": "int"},
                   {"name": "prediction", "type": "double"}]
        notes.append("predict(user, product) per row; a null id cannot be passed to the JVM "
                     "method, those rows are recorded as _error")
        return specs, rows, expected, outputs, notes

    # vector-input models
    hint = None
    out_type = "double"
    out_name = "prediction"
    if cls.endswith("LogisticRegressionModel") or cls.endswith("SVMModel"):
        width = int(jobj.numFeatures()) if cls == LR_CLS else int(jobj.weights().size())
        th = jobj.getThreshold()
        notes.append("threshold = %s" % (th.get() if th.isDefined() else
                                         "cleared (predict returns the raw margin / probability)"))
    elif cls.endswith("NaiveBayesModel"):
        width = int(meta.get("numFeatures") or len(jobj.theta()[0]))
        mt = "multinomial"
        try:
            mt = jobj.modelType()
        except Exception:
            pass
        hint = [("choice", [0.0, 1.0]) if mt == "Bernoulli" or mt == "bernoulli" else ("nonneg",)] * width
        notes.append("NaiveBayes modelType=%s" % mt)
    elif cls.endswith("DecisionTreeModel") or cls.endswith("RandomForestModel") or cls.endswith("GradientBoostedTreesModel"):
        tr = mllib_tree_ranges(spark, path)
        width = (max(tr) + 1) if tr else 1
        hint = [tr.get(i) for i in range(width)]
        notes.append("tree model does not store numFeatures: input width = highest split feature + 1")
    elif cls.endswith("KMeansModel"):
        cs = pyobj.clusterCenters
        width = len(cs[0])
        hint = [("uniform", min(float(c[i]) for c in cs), max(float(c[i]) for c in cs)) for i in range(width)]
        out_type = "int"
    elif cls.endswith("LocalLDAModel"):
        width = int(jobj.vocabSize())
        hint = [("count",)] * width
        out_type = "vector"
        out_name = "topicDistribution"
        # The mllib loader seeds the inference with Utils.random.nextLong(), so Spark's output
        # differs on every load; pin the seed the ml LocalLDAModel wrapper would set (its seed
        # param's default, "org.apache.spark.ml.clustering.LocalLDAModel".hashCode), as
        # mlscore does.
        jobj.setSeed(LDA_SEED)
        notes.append("output topicDistribution = LocalLDAModel.topicDistribution(features) "
                     "after setSeed(%d) (Spark draws a random seed on load)" % LDA_SEED)
    elif cls.endswith("Word2VecModel"):
        vocab = sorted(pyobj.getVectors().keys())
        specs = {"word": {"type": "string", "gen": "cat", "labels": vocab}}
        rows = make_rows(mid, specs)
        expected = []
        for i, r in enumerate(rows):
            try:
                v = _java2py(sc, jobj.transform(r["word"]))
                expected.append({"_id": i, "word": r["word"], "vector": enc(v)})
            except Exception as e:
                expected.append({"_id": i, "_error": java_error_line(e)})
        return specs, rows, expected, [{"name": "word", "type": "string"},
                                       {"name": "vector", "type": "vector"}], notes
    else:
        raise CannotLoad("unsupported mllib class %s" % cls)
    spec = {"type": "vector", "width": width, "gen": "vec", "hint": hint}
    specs = {"features": spec}
    rows = make_rows(mid, specs, n_clean=8 if width > WIDE else N_CLEAN)
    expected = []
    for i, r in enumerate(rows):
        v = r["features"]
        if v is None:
            expected.append({"_id": i, "_error": "null features (predict(Vector) cannot take null)"})
            continue
        try:
            jv = _py2java(sc, MV.fromML(v))
            if cls.endswith("LocalLDAModel"):
                p = _java2py(sc, jobj.topicDistribution(jv))
            else:
                p = jobj.predict(jv)
            expected.append({"_id": i, "features": enc(v), out_name: enc(p)})
        except Exception as e:
            expected.append({"_id": i, "_error": java_error_line(e)})
    return specs, rows, expected, [{"name": "features", "type": "vector"},
                                   {"name": out_name, "type": out_type}], notes


class CannotLoad(Exception):
    pass


# --------------------------------------------------------------------------------------
# Loading pyspark.ml models
# --------------------------------------------------------------------------------------
def load_ml(cls, path):
    if cls.startswith("org.apache.spark.ml."):
        pycls = "pyspark.ml." + cls[len("org.apache.spark.ml."):]
    elif cls.startswith("pyspark."):
        pycls = cls
    else:
        raise CannotLoad("no pyspark class for %s (third-party class; plain Spark cannot load it)" % cls)
    mod, name = pycls.rsplit(".", 1)
    try:
        klass = getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError):
        raise CannotLoad("no pyspark class %s" % pycls)
    return klass.load(path)


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------
def write_model_files(outdir, mid, specs, rows, expected, schema):
    d = os.path.join(outdir, mid)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.jsonl"), "w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            o = {"_id": i}
            for c in specs:
                o[c] = enc(r[c])
            fh.write(dumps(o) + "\n")
    with open(os.path.join(d, "expected.jsonl"), "w", encoding="utf-8") as fh:
        for o in expected:
            fh.write(dumps(o) + "\n")
    with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as fh:
        fh.write(json.dumps(schema, indent=1, allow_nan=False, ensure_ascii=False) + "\n")
    attrs = {c: attr_metadata(s) for c, s in specs.items() if "attrs" in s}
    if attrs:
        # the input columns' StructField metadata, as pyspark's df.schema[c].metadata shows it
        with open(os.path.join(d, "input_attributes.json"), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(attrs, indent=1, allow_nan=False, ensure_ascii=False) + "\n")


class raw_local_fs:
    """Context manager: read file: URIs without Hadoop checksum (.crc) verification."""
    def __init__(self, spark):
        sc = spark.sparkContext
        # the cached LocalFileSystem instance that textFile / Parquet readers get
        self.fs = sc._jvm.org.apache.hadoop.fs.FileSystem.getLocal(sc._jsc.hadoopConfiguration())

    def __enter__(self):
        self.fs.setVerifyChecksum(False)

    def __exit__(self, *a):
        self.fs.setVerifyChecksum(True)


TIMES = {}   # progress timing for the log only


TUNING_CLS = ("org.apache.spark.ml.tuning.CrossValidatorModel",
              "org.apache.spark.ml.tuning.TrainValidationSplitModel")


def process(spark, models_dir, outdir, entry):
    """Handle one model id; returns the manifest record."""
    from pyspark.ml.base import Estimator, Transformer
    mid, cls = entry["id"], entry["class"]
    path = os.path.join(models_dir, mid)
    rec = {"id": mid, "manifest_status": entry["status"], "outcome": None,
           "class": cls, "stages": entry.get("stages", [])}
    meta = read_meta(path) or {}
    notes = ["scored with %s" % SCORER]
    # ---- 1. load
    def load():
        if cls.startswith("org.apache.spark.mllib."):
            return load_mllib(spark, cls, path, notes)
        return load_ml(cls, path), None
    def load_crc():
        n0 = len(notes)
        try:
            return load()
        except Exception as e:
            if "ChecksumException" not in java_error_line(e):
                raise
            # Some authors committed stale Hadoop .crc files (e.g. a metadata file whose
            # trailing newline was lost).  Spark as configured by default refuses the
            # directory; a loader that ignores .crc files (as mlscore does) sees a valid
            # model, so load again without checksum verification and say so.
            del notes[n0:]
            rec["crc_mismatch"] = java_error_line(e)
            notes.append("Hadoop refused a stale .crc checksum file (%s); loaded with "
                         "checksum verification off" % java_error_line(e))
            with raw_local_fs(spark):
                return load()

    try:
        try:
            model, jobj = load_crc()
        except CannotLoad:
            raise
        except Exception as e:
            best = os.path.join(path, "bestModel")
            if cls not in TUNING_CLS or not os.path.isdir(best):
                raise
            # The CrossValidatorModel / TrainValidationSplitModel reader also loads the
            # saved estimator and evaluator, which may use classes or param values that
            # Spark 3.5 rejects.  transform only uses bestModel, so load that directly.
            err = java_error_line(e)
            bcls = (read_meta(best) or {}).get("class", "")
            model, jobj = load_ml(bcls, best), None
            rec["wrapper_load_error"] = err
            notes.append("%s.load fails (%s); bestModel/ (%s) loaded directly and scored"
                         % (cls.rsplit(".", 1)[1], err, bcls))
    except CannotLoad as e:
        rec["outcome"] = "spark_cannot_load"
        rec["spark_error"] = str(e)
        return rec
    except Exception as e:
        rec["outcome"] = "spark_cannot_load"
        rec["spark_error"] = java_error_line(e)
        return rec
    TIMES["load"] = time.time()
    if cls.startswith("org.apache.spark.mllib."):
        pyobj, model = model, None
    # ---- mllib
    if model is None:
        specs, rows, expected, outputs, n2 = score_mllib(spark, mid, cls, path, pyobj, jobj, meta)
        schema = {"sparkVersion": entry["sparkVersion"], "class": cls,
                  "inputs": [{"name": c, "type": s["type"]} for c, s in specs.items()],
                  "outputs": outputs, "notes": "; ".join(notes + n2)}
        write_model_files(outdir, mid, specs, rows, expected, schema)
        rec["outcome"] = "scored"
        rec["rows"] = len(rows)
        return rec

    # ---- 2. estimators / evaluators are loadable but not scorable
    if not isinstance(model, Transformer):
        rec["outcome"] = "not_scorable"
        rec["why"] = ("not a fitted model: pyspark loads it as %s.%s (%s), which has no transform"
                      % (type(model).__module__, type(model).__name__,
                         "an Estimator" if isinstance(model, Estimator) else "not a Transformer"))
        return rec

    # ---- 3. inputs
    plan = Plan(mid, model, path, spark)
    try:
        plan.infer()
    except NotScorable as e:
        rec["outcome"] = "not_scorable"
        rec["why"] = str(e)
        return rec
    wide = any(s["type"] == "vector" and s["width"] > WIDE for s in plan.inputs.values())
    n_clean = 8 if wide else N_CLEAN
    rows = make_rows(mid, plan.inputs, n_clean=n_clean)
    TIMES["plan"] = time.time()

    # ---- 4. transform
    expected, outputs, how = score_ml(spark, mid, model, plan, rows, n_clean)
    notes.append("transform: " + how)
    notes += plan.notes
    n_err = sum(1 for o in expected if "_error" in o)
    n_skip = sum(1 for o in expected if "_skipped" in o)
    if n_err:
        notes.append("%d row(s) raise" % n_err)
    if n_skip:
        notes.append("%d row(s) dropped by Spark" % n_skip)
    schema = {"sparkVersion": entry["sparkVersion"], "class": cls,
              "inputs": [{"name": c, "type": s["type"]} for c, s in plan.inputs.items()],
              "outputs": outputs, "notes": "; ".join(notes)}
    write_model_files(outdir, mid, plan.inputs, rows, expected, schema)
    rec["outcome"] = "scored"
    rec["rows"] = len(rows)
    rec["rows_error"] = n_err
    rec["rows_skipped"] = n_skip
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True, help="wild-models directory (read only)")
    ap.add_argument("--out", required=True, help="output directory for <id>/ files")
    ap.add_argument("--manifest", default=None,
                    help="output manifest (default: <out>/../manifest.json)")
    ap.add_argument("--only", nargs="*", default=None, help="process only these ids (debug)")
    ap.add_argument("--master", default="local[2]",
                    help="Spark master (every stage is row-wise: the outputs do not depend on it)")
    args = ap.parse_args()

    models_dir = os.path.abspath(args.models)
    outdir = os.path.abspath(args.out)
    man_out = args.manifest or os.path.join(os.path.dirname(outdir), "manifest.json")
    if outdir.startswith(models_dir + os.sep) or outdir == models_dir:
        sys.exit("refusing to write inside the models directory")

    with open(os.path.join(models_dir, "manifest.json"), encoding="utf-8") as fh:
        entries = json.load(fh)["models"]
    entries = sorted(entries, key=lambda e: e["id"])
    if args.only:
        entries = [e for e in entries if e["id"] in set(args.only)]
    else:
        if os.path.isdir(outdir):
            shutil.rmtree(outdir)
    os.makedirs(outdir, exist_ok=True)

    # Python workers (used by the pyspark.mllib loaders) must have numpy: use this venv.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master(args.master).appName("gen_wild_expected")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.driver.memory", "4g")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.extraJavaOptions", "-Duser.language=en -Duser.country=US")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")

    records = []
    if args.only and os.path.exists(man_out):
        with open(man_out, encoding="utf-8") as fh:
            old = {r["id"]: r for r in json.load(fh)}
    else:
        old = {}
    t0 = time.time()
    for e in entries:
        t = time.time()
        TIMES.clear()
        try:
            rec = process(spark, models_dir, outdir, e)
        except Exception as ex:      # a bug or an unexpected Spark failure: record it
            traceback.print_exc()
            rec = {"id": e["id"], "manifest_status": e["status"], "outcome": "not_scorable",
                   "why": "generator failed: %s" % java_error_line(ex),
                   "class": e["class"], "stages": e.get("stages", [])}
            shutil.rmtree(os.path.join(outdir, e["id"]), ignore_errors=True)
        records.append(rec)
        tl = TIMES.get("load", t) - t
        tp = TIMES.get("plan", TIMES.get("load", t)) - TIMES.get("load", t)
        log("%-80s %-17s %5.1fs (load %.1f plan %.1f) %s" % (
            e["id"][:80], rec["outcome"], time.time() - t, tl, tp,
            rec.get("spark_error") or rec.get("why") or ""))
    if old:
        for r in records:
            old[r["id"]] = r
        records = [old[k] for k in sorted(old)]
    with open(man_out, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(records, indent=1, allow_nan=False, ensure_ascii=False) + "\n")
    from collections import Counter
    log("done in %.0fs: %s" % (time.time() - t0, dict(Counter(r["outcome"] for r in records))))
    spark.stop()


if __name__ == "__main__":
    main()
