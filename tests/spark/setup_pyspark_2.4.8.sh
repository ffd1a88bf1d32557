#!/bin/sh
# Builds the Spark 2.4.8 oracle that gen_fixtures_v2.py runs on: a venv with pyspark 2.4.8
# (the PyPI sdist bundles Spark's jars) patched to run on Python 3.11 and Java 17.
#
#   sh tests/spark/setup_pyspark_2.4.8.sh [/opt/pyspark-2.4.8]
#
# Spark 2.4 was made for Python <= 3.7 and Java 8; neither is on the machine. What breaks, and
# the patch for it (only the venv's copy is changed, nothing in Spark's math):
#  * pyspark's bundled cloudpickle builds code objects the 3.8+ way it does not know: it is
#    replaced by a module re-exporting cloudpickle 2.2.1 from PyPI;
#  * `collections.Iterable` / `collections.MutableMapping` (removed in 3.10) in
#    pyspark/resultiterable.py and py4j/java_collections.py: read from collections.abc;
#  * the same files inside pyspark/python/lib/{pyspark,py4j-0.10.7-src}.zip, which Python
#    workers import: the zips are rebuilt with the patched files;
#  * Spark's ClosureCleaner reads class files with a shaded ASM 6 that refuses class files
#    newer than Java 10 ("Unsupported class file major version 61" on the JDK's own classes):
#    the version bound in xbean-asm6-shaded's ClassReader (bipush 54) is raised to 61;
#  * Java 17 denies reflection into java.base: gen_fixtures_v2.py opens its packages through
#    JDK_JAVA_OPTIONS (nothing to do here).
set -eu
DEST=${1:-/opt/pyspark-2.4.8}
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$PY" -m venv "$DEST"
"$DEST/bin/pip" install -q setuptools wheel
# No build isolation: the sdist's setup.py calls pypandoc.convert, gone from today's pypandoc,
# only when pypandoc is importable (it is not in this venv).
"$DEST/bin/pip" download -q --no-deps --no-build-isolation pyspark==2.4.8 -d "$TMP"
"$DEST/bin/pip" install -q --no-build-isolation "$TMP"/pyspark-2.4.8.tar.gz \
    numpy==1.23.5 cloudpickle==2.2.1

SITE=$("$DEST/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$DEST/bin/python" - "$SITE" "$TMP" <<'EOF'
import os, re, sys, zipfile
site, tmp = sys.argv[1], sys.argv[2]
ps = os.path.join(site, "pyspark")

CLOUDPICKLE = '''# mlscore test setup (tests/spark/setup_pyspark_2.4.8.sh): pyspark 2.4.8's bundled
# cloudpickle cannot run on Python >= 3.8; this re-exports cloudpickle 2.2.1 from PyPI.
import traceback as _traceback
from cloudpickle import *  # noqa: F401,F403
from cloudpickle import dumps, loads, CloudPickler  # noqa: F401


def print_exec(stream):
    _traceback.print_exc(None, stream)
'''


def patch_resultiterable(s):
    s = s.replace("import collections\n", "import collections\nimport collections.abc\n", 1)
    return s.replace("(collections.Iterable)", "(collections.abc.Iterable)")


def patch_java_collections(s):
    return s.replace("from collections import (", "from collections.abc import (", 1)


PATCHES = {"pyspark/cloudpickle.py": lambda s: CLOUDPICKLE,
           "pyspark/resultiterable.py": patch_resultiterable,
           "py4j/java_collections.py": patch_java_collections}

for name, fn in PATCHES.items():
    path = os.path.join(site, name)
    with open(path, encoding="utf-8") as f:
        s = f.read()
    t = fn(s)
    assert t != s or name.endswith("cloudpickle.py"), name
    with open(path, "w", encoding="utf-8") as f:
        f.write(t)

# The copies Python workers import.
lib = os.path.join(ps, "python", "lib")
for z in ("pyspark.zip", "py4j-0.10.7-src.zip"):
    src = os.path.join(lib, z)
    out = os.path.join(tmp, z)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in PATCHES:
                with open(os.path.join(site, item.filename), "rb") as f:
                    data = f.read()
            zout.writestr(item, data)
    os.replace(out, src)

# ASM 6's class-file version bound: `readShort(offset + 6)` (invokevirtual #49) compared with
# bipush 54 (Java 10), if_icmple +37. Raised to 61 (Java 17).
jar = os.path.join(ps, "jars", "xbean-asm6-shaded-4.8.jar")
cls = "org/apache/xbean/asm6/ClassReader.class"
old, new = bytes.fromhex("b600311036a40025"), bytes.fromhex("b60031103da40025")
out = os.path.join(tmp, "xbean.jar")
with zipfile.ZipFile(jar) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == cls:
            assert data.count(old) == 1, "unexpected ClassReader bytecode"
            data = data.replace(old, new)
        zout.writestr(item, data)
os.replace(out, jar)
print("patched", site)
EOF
"$DEST/bin/python" -c 'import pyspark, pyspark.ml.feature; print("pyspark", pyspark.__version__)'
