#!/usr/bin/python3
"""5-fold cross-validated accuracy on iris: glassbox's Bayesian tree (tree.classifier) beside
scikit-learn's DecisionTreeClassifier, on the same folds (KFold, shuffled, seed 1).

glassbox is fitted on each training fold; a held-out flower's class probabilities are its leaf's
probabilities averaged over the posterior draws of the tree (read from FILE_tree.jsonl), and its
predicted class the most probable one.  Prints the README's markdown table.

Usage: tests/compare/tree_iris_cv.py GLASSBOX  (needs python3-sklearn; run from the source tree)
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.model_selection import KFold
    from sklearn.tree import DecisionTreeClassifier
except ImportError:
    print("%s: skipped: python3-sklearn is not installed (make compare-tree installs it)"
          % os.path.basename(sys.argv[0]))
    sys.exit(0)

GB = sys.argv[1] if len(sys.argv) > 1 else "build/glassbox"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
data = json.load(open(os.path.join(ROOT, "examples/iris_tree/iris.json")))
X, y = np.array(data["X"]), np.array(data["species"])


def leaf(tree, x):
    while "var" in tree:
        tree = tree["left"] if x[tree["var"]] <= tree["le"] else tree["right"]
    return tree


def glassbox_predict(Xtr, ytr, Xte, tmp):
    model = os.path.join(tmp, "m.gb")
    with open(model, "w") as f:
        f.write("import tree\ndata X: real[N, 4]\ndata y: int[N]\n"
                "t = tree.classifier(X, y, classes = 3)\n")
    dj = os.path.join(tmp, "d.json")
    json.dump({"X": Xtr.tolist(), "y": ytr.tolist()}, open(dj, "w"))
    out = os.path.join(tmp, "draws.csv")
    subprocess.run([GB, "run", model, "--data", dj, "--output", out, "--quiet", "--seed", "1",
                    "--chains", "4", "--warmup", "1000", "--draws", "1000"],
                   check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    p = np.zeros((len(Xte), 3))
    n = 0
    for line in open(os.path.join(tmp, "draws_tree.jsonl")):
        t = json.loads(line)["trees"][0]
        for i, x in enumerate(Xte):
            p[i] += leaf(t, x)["p"]
        n += 1
    return np.argmax(p / n, axis=1) + 1


folds = KFold(n_splits=5, shuffle=True, random_state=1)
acc_gb, acc_sk = [], []
with tempfile.TemporaryDirectory() as tmp:
    for tr, te in folds.split(X):
        acc_gb.append(np.mean(glassbox_predict(X[tr], y[tr], X[te], tmp) == y[te]))
        sk = DecisionTreeClassifier(random_state=1).fit(X[tr], y[tr])
        acc_sk.append(np.mean(sk.predict(X[te]) == y[te]))

print("| model | fold accuracies | mean 5-fold CV accuracy |")
print("|---|---|---|")
for name, a in (("glassbox tree.classifier (posterior mean over trees)", acc_gb),
                ("scikit-learn DecisionTreeClassifier", acc_sk)):
    print("| %s | %s | %.3f |" % (name, ", ".join("%.3f" % v for v in a), np.mean(a)))
