#!/usr/bin/env bash
# Writes iris.json from Fisher's iris data as scikit-learn ships it in Debian's python3-sklearn
# (/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv: 150 rows of sepal length,
# sepal width, petal length, petal width in cm, and the species 0 setosa, 1 versicolor,
# 2 virginica).  Measurements are kept in cm; species become 1..3.  Run: bash gen_data.sh
set -eu
cd "$(dirname "$0")"
src=/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv
[ -f "$src" ] || { echo "gen_data.sh: $src not found: apt-get install python3-sklearn" >&2; exit 1; }
python3 - "$src" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
X = [[float(v) for v in r[:4]] for r in rows]
y = [int(r[4]) + 1 for r in rows]
with open("iris.json", "w") as out:
    out.write('{\n  "N": %d,\n  "X": [%s],\n  "X_names": %s,\n  "species": [%s]\n}\n' % (
        len(X), ", ".join("[" + ", ".join("%g" % v for v in x) + "]" for x in X),
        json.dumps(["sepal_length", "sepal_width", "petal_length", "petal_width"]),
        ", ".join(map(str, y))))
PY
