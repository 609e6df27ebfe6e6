#!/usr/bin/env bash
# What a user sees of a tree after a run (glassbox tree, cli_tree_dot.c, cli_tree_pd.c): the
# diagram of the most visited tree as SVG that expat reads, its rules the same as run printed
# (named by the data's "X_names"), its leaves' rows adding up to N and its supports shares; DOT
# for the maximum-posterior tree and for one draw; partial dependence of BART on data from a
# known increasing function that increases across the grid beyond its intervals, and is flat
# for an input the function ignores; output files whole or not at all; the HTML report's
# diagram.
. "$(dirname "$0")/lib.sh"

M=examples/iris_tree/iris_tree.gb D=examples/iris_tree/iris.json
"$GB" run $M --data $D --chains 2 --warmup 300 --draws 300 --seed 11 --quiet \
    --output "$tmp/iris.csv" >"$tmp/run.txt" 2>&1 || { bad "iris run"; tail -5 "$tmp/run.txt"; }

# the SVG's split labels are exactly the conditions of run's most visited rules
if "$GB" tree $M --data $D --trees "$tmp/iris_tree.jsonl" --format svg \
    --output "$tmp/iris.svg" 2>"$tmp/err" &&
    python3 - "$tmp/iris.svg" "$tmp/run.txt" <<'PY'
import re, sys, xml.parsers.expat
texts, cur = [], []
p = xml.parsers.expat.ParserCreate()
p.StartElementHandler = lambda name, a: cur.clear() if name == "text" else None
p.CharacterDataHandler = lambda d: cur.append(d)
p.EndElementHandler = lambda name: texts.append("".join(cur)) if name == "text" else None
p.Parse(open(sys.argv[1], "rb").read(), True)
rules = {t for t in texts if re.fullmatch(r"[a-z_]+ <= [0-9.e+-]+", t)}
supports = [float(t.split()[1]) for t in texts if t.startswith("support ")]
ns = [int(t[4:]) for t in texts if t.startswith("n = ")]
run = open(sys.argv[2]).read().split("most visited tree:")[1].split("maximum-posterior")[0]
printed = set()
for line in run.splitlines():
    if line.startswith("    if "):
        for cond in line[7:].split(" then ")[0].split(" and "):
            printed.add(cond.replace(" > ", " <= "))
assert rules and rules == printed, (rules, printed)
assert all(n.split()[0] in ("sepal_length", "sepal_width", "petal_length", "petal_width")
           for n in rules)
assert len(supports) == len(rules) or len(supports) >= len(rules)
assert all(0 < s <= 1 for s in supports), supports
assert sum(ns) == 150 and len(ns) == len(supports) + 1, (ns, supports)
PY
then ok; else bad "tree --format svg: rules, supports and rows of the most visited tree"
    cat "$tmp/err"; fi

# DOT for the maximum-posterior tree and for a single draw; PNG through the same library
if "$GB" tree $M --data $D --trees "$tmp/iris_tree.jsonl" --which map >"$tmp/map.dot" &&
    grep -q 'maximum-posterior tree, visited in' "$tmp/map.dot" &&
    "$GB" tree $M --data $D --trees "$tmp/iris_tree.jsonl" --which 600 >"$tmp/d.dot" &&
    grep -q 'the tree of draw 600, visited in' "$tmp/d.dot" &&
    "$GB" tree $M --data $D --trees "$tmp/iris_tree.jsonl" --format png --output "$tmp/t.png" &&
    [ "$(head -c 4 "$tmp/t.png" | tail -c 3)" = PNG ]
then ok; else bad "tree --which map / DRAW as DOT, PNG"; fi

# an output that cannot be written leaves nothing behind, and says so
if ! "$GB" tree $M --data $D --trees "$tmp/iris_tree.jsonl" --format svg \
    --output "$tmp/none/t.svg" 2>"$tmp/err" && grep -q "cannot write" "$tmp/err" &&
    [ ! -e "$tmp/none/t.svg" ]
then ok; else bad "tree --output into a missing folder"; cat "$tmp/err"; fi

# BART on y = 4 x1 + 2 x1^2 + noise (increasing in x1 on [0, 1]); x2 is ignored
python3 - "$tmp/pd.json" <<'PY'
import json, random, sys
random.seed(8)
X = [[random.random(), random.random()] for _ in range(300)]
y = [4 * x[0] + 2 * x[0] ** 2 + random.gauss(0, 0.3) for x in X]
json.dump({"X": X, "X_names": ["dose", "noise"], "y": y}, open(sys.argv[1], "w"))
PY
printf 'import tree\ndata X: real[N, 2]\ndata y: real[N]\nt = tree.bart(X, y, trees = 20)\n' \
    > "$tmp/pd.gb"
"$GB" run "$tmp/pd.gb" --data "$tmp/pd.json" --chains 2 --warmup 200 --draws 200 --seed 5 \
    --quiet --output "$tmp/pd.csv" >"$tmp/out" 2>&1 || { bad "BART run"; tail -5 "$tmp/out"; }
if "$GB" tree "$tmp/pd.gb" --data "$tmp/pd.json" --trees "$tmp/pd_tree.jsonl" --pd dose \
    --grid 6 >"$tmp/dose.txt" 2>"$tmp/err" &&
    "$GB" tree "$tmp/pd.gb" --data "$tmp/pd.json" --trees "$tmp/pd_tree.jsonl" --pd x2 \
    --grid 6 >"$tmp/x2.txt" 2>>"$tmp/err" &&
    python3 - "$tmp/dose.txt" "$tmp/x2.txt" <<'PY'
import re, sys
def table(path):
    rows = []
    for line in open(path).read().splitlines()[3:]:
        v, m, lo, hi = re.match(r"(\S+) +(\S+) \[(\S+), (\S+)\]$", line).groups()
        rows.append(tuple(map(float, (v, m, lo, hi))))
    return rows
dose, flat = table(sys.argv[1]), table(sys.argv[2])
assert len(dose) == 6 and len(flat) == 6
# the grid is the observed column's quantiles: increasing, from near 0 to near 1
assert all(a[0] < b[0] for a, b in zip(dose, dose[1:])) and dose[0][0] < 0.05 < 0.95 < dose[-1][0]
# increasing with the function; the whole rise is far beyond the end points' intervals
assert all(a[1] < b[1] for a, b in zip(dose, dose[1:])), dose
assert dose[-1][2] > dose[0][3], dose
true_rise = 4 * (dose[-1][0] - dose[0][0]) + 2 * (dose[-1][0] ** 2 - dose[0][0] ** 2)
rise = dose[-1][1] - dose[0][1]
assert 0.6 * true_rise < rise < 1.3 * true_rise, (rise, true_rise)
# the ignored input moves the average prediction far less than the used one
assert max(r[1] for r in flat) - min(r[1] for r in flat) < 0.15 * rise, flat
PY
then ok; else bad "tree --pd: partial dependence follows the known function"
    cat "$tmp/err" "$tmp/dose.txt" "$tmp/x2.txt"; fi

# a forest has no single diagram: the error says to use --pd
if ! "$GB" tree "$tmp/pd.gb" --data "$tmp/pd.json" --trees "$tmp/pd_tree.jsonl" 2>"$tmp/err" &&
    grep -q 'is a forest (BART)' "$tmp/err"
then ok; else bad "tree on a forest without --pd"; cat "$tmp/err"; fi

# the HTML report of a run shows the most visited tree's diagram in its Trees section
if "$GB" run $M --data $D --chains 2 --warmup 100 --draws 100 --seed 3 --quiet \
    --report "$tmp/iris.html" >/dev/null 2>"$tmp/err" &&
    python3 - "$tmp/iris.html" <<'PY'
import sys
page = open(sys.argv[1]).read()
trees = page.split('<h2 id="trees">')[1]
div = trees.split('<div class="tree">')[1]
assert div.startswith("<svg") and "</svg>" in div
svg = div.split("</svg>")[0]
assert "support " in svg and "n = " in svg and "petal_" in svg
PY
then ok; else bad "run --report: the tree diagram"; cat "$tmp/err"; fi

finish tree_output
