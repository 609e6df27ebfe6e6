#!/usr/bin/env bash
# run.sh - `make compare`: interpretable Bayesian models against neural and conventional
# baselines on Fisher's iris, on one seeded stratified held-out fold, in one table written into
# README.md between the compare-table markers.
#   glassbox: Bayesian multinomial logistic regression (iris_softmax.gb), a Bayesian MLP
#             (iris_mlp.gb, stdlib mlp.multiclass) and a Bayesian classification tree
#             (iris_tree.gb, stdlib tree.classifier), by `glassbox compare --test`, sampled
#             and as MAP estimates (`--map`: BFGS), with iris_mlp_fixed.gb (fixed prior
#             scales: its MAP is a weight-decay network, the conventional MAP MLP)
#   Python:   scikit-learn DecisionTree, LogisticRegression, MLPClassifier, a PyTorch MLP (Adam)
# Installs python3-sklearn and python3-torch with apt-get when they are missing (as root, or
# through sudo).  Settings: FOLDS (5), FOLD (1), CHAINS (2), WARMUP (300), DRAWS (300).
set -eu
cd "$(dirname "$0")/../.."
GB=${GLASSBOX:-build/glassbox}
PY=/usr/bin/python3 # Debian's, where apt-get puts sklearn and torch
FOLDS=${FOLDS:-5} FOLD=${FOLD:-1} CHAINS=${CHAINS:-2} WARMUP=${WARMUP:-300} DRAWS=${DRAWS:-300}
out=build/compare

if ! $PY -c 'import sklearn, torch' 2>/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y python3-sklearn python3-torch
fi
$PY examples/compare/split.py "$out" --folds "$FOLDS"
tr="$out/train_$FOLD.json" te="$out/test_$FOLD.json"

"$GB" compare examples/compare/iris_softmax.gb examples/compare/iris_mlp.gb \
    examples/compare/iris_tree.gb --data "$tr" \
    --test "$te" --outcome species --chains "$CHAINS" --warmup "$WARMUP" --draws "$DRAWS" \
    > "$out/glassbox.txt"
"$GB" compare examples/compare/iris_softmax.gb examples/compare/iris_mlp.gb \
    examples/compare/iris_mlp_fixed.gb --data "$tr" --test "$te" --outcome species --map > "$out/glassbox_map.txt"
$PY examples/compare/baselines.py "$out" --folds "$FOLDS" --only "$FOLD" --format md \
    > "$out/baselines.md"

{
    echo "<!-- compare-table:begin (written by make compare; do not edit by hand) -->"
    echo
    echo "Iris, fold $FOLD of $FOLDS (stratified, seeded; $(grep -o '"N": [0-9]*' "$tr" | head -1 | tr -dc 0-9) training and $(grep -o '"N": [0-9]*' "$te" | head -1 | tr -dc 0-9) test flowers); glassbox: $CHAINS chains x $DRAWS draws after $WARMUP warmup."
    echo
    echo "| model | elpd_loo (se) | p_loo, k>0.7 | held-out lpd | accuracy | parameters | what can be read |"
    echo "|---|---|---|---|---|---|---|"
    # compare's columns: model elpd_loo se elpd_diff se_diff p_loo k>0.7 lpd_test accuracy rmse
    # params readable...
    awk 'NR > 1 { r = ""; for (i = 12; i <= NF; i++) r = r (i > 12 ? " " : "") $i
                  printf "| glassbox %s | %s (%s) | %s, %s | %s | %s | %s | %s |\n",
                         $1, $2, $3, $6, $7, $8, $9, $11, r }' "$out/glassbox.txt"
    awk 'NR > 1 { printf "| glassbox %s, MAP (optimize) | - | - | %s | %s | %s | the same, as one point |\n",
                         $1, $8, $9, $11 }' "$out/glassbox_map.txt"
    cat "$out/baselines.md"
    echo
    echo "<!-- compare-table:end -->"
} > "$out/table.md"
# the README between the markers becomes the new table
awk -v t="$out/table.md" '
    /^<!-- compare-table:begin/ { while ((getline l < t) > 0) print l; skip = 1; next }
    /^<!-- compare-table:end/ { skip = 0; next }
    !skip' README.md > "$out/README.new"
mv "$out/README.new" README.md
cat "$out/table.md"
