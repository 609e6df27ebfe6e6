#!/usr/bin/python3
"""baselines.py - the conventional baselines of examples/compare, on the splits split.py wrote:
scikit-learn's DecisionTreeClassifier, LogisticRegression (multinomial) and MLPClassifier, and
a PyTorch MLP trained by Adam.  Each is fitted on every training fold and scored on its test
fold with the columns glassbox compare prints:

  lpd        held-out log predictive density: sum over test rows of log p(y_i | x_i), p from
             predict_proba (a single fitted model, so no averaging over draws); -inf when a
             model gives a test row's class probability 0, as a pure decision-tree leaf does
  accuracy   share of test rows whose most probable class is the true one
  params     number of fitted parameters
  readable   what can be read off the model

usage: baselines.py SPLIT_DIR --folds K [--only k] [--seed S] [--format table|md]
(--only k scores fold k alone, as `make compare` does to keep its run short)
"""
import argparse
import json
import math
import os
import sys


def load(path):
    with open(path) as f:
        d = json.load(f)
    return d["X"], [c - 1 for c in d["species"]]  # classes 0..2 for scikit-learn


def score(proba, y):
    lpd, hits = 0.0, 0
    for p, c in zip(proba, y):
        lpd += math.log(p[c]) if p[c] > 0 else -math.inf
        hits += max(range(len(p)), key=lambda j: p[j]) == c
    return lpd, hits


def sklearn_models(seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    def tree_params(m):
        t = m.tree_
        return int(t.node_count)  # one split (feature, threshold) or leaf distribution per node

    def lr_params(m):
        return int(m.coef_.size + m.intercept_.size)

    def mlp_params(m):
        return int(sum(w.size for w in m.coefs_) + sum(b.size for b in m.intercepts_))

    return [
        ("sklearn DecisionTree", lambda: DecisionTreeClassifier(random_state=seed), tree_params,
         "rules and leaves (export_text)"),
        ("sklearn LogisticRegression", lambda: LogisticRegression(max_iter=5000), lr_params,
         "coefficients (point estimates)"),
        ("sklearn MLPClassifier", lambda: MLPClassifier(hidden_layer_sizes=(16, 16),
                                                        activation="tanh", max_iter=5000,
                                                        random_state=seed),
         mlp_params, "weights (point estimates)"),
    ]


def torch_mlp(Xtr, ytr, Xte, seed, epochs=500):
    """4-16-16-3 tanh MLP, softmax output, cross-entropy, Adam (lr 0.01), full batch."""
    import torch
    torch.manual_seed(seed)
    d = len(Xtr[0])
    net = torch.nn.Sequential(torch.nn.Linear(d, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16),
                              torch.nn.Tanh(), torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    X = torch.tensor(Xtr, dtype=torch.float64)
    y = torch.tensor(ytr)
    net = net.double()
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        proba = torch.softmax(net(torch.tensor(Xte, dtype=torch.float64)), dim=1).tolist()
    return proba, sum(p.numel() for p in net.parameters())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("split_dir")
    ap.add_argument("--folds", type=int, required=True)
    ap.add_argument("--only", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--format", choices=["table", "md"], default="table")
    a = ap.parse_args()
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        sys.exit("baselines.py: %s (apt-get install python3-sklearn python3-torch)" % e)
    rows = {}
    for k in [a.only] if a.only else range(1, a.folds + 1):
        Xtr, ytr = load(os.path.join(a.split_dir, "train_%d.json" % k))
        Xte, yte = load(os.path.join(a.split_dir, "test_%d.json" % k))
        for name, make, nparams, readable in sklearn_models(a.seed):
            m = make().fit(Xtr, ytr)
            lpd, hits = score(m.predict_proba(Xte).tolist(), yte)
            r = rows.setdefault(name, [0.0, 0, 0, 0, readable])
            r[0] += lpd
            r[1] += hits
            r[2] += len(yte)
            r[3] = max(r[3], nparams(m))
        proba, n = torch_mlp(Xtr, ytr, Xte, a.seed)
        lpd, hits = score(proba, yte)
        r = rows.setdefault("PyTorch MLP (Adam)", [0.0, 0, 0, n, "weights (point estimates)"])
        r[0] += lpd
        r[1] += hits
        r[2] += len(yte)
    for name, (lpd, hits, n, params, readable) in rows.items():
        if a.format == "md":
            print("| %s | - | - | %.2f | %.3f | %d | %s |" % (name, lpd, hits / n, params,
                                                              readable))
        else:
            print("%-28s %10.2f %9.3f %7d  %s" % (name, lpd, hits / n, params, readable))


if __name__ == "__main__":
    main()
