#!/usr/bin/python3
"""split.py - the held-out splits every model in examples/compare is scored on, written once so
glassbox and the Python baselines read the same rows.

Reads Fisher's iris from the CSV that Debian's python3-sklearn ships (no network), makes K
stratified folds (each class spread evenly over the folds) from a seeded shuffle, and writes
for each fold k: OUT/train_k.json and OUT/test_k.json in CmdStan's JSON layout (N, D, X, species
1..3).  The four measurements are standardised with the training fold's means and sds only, so
nothing about a test row leaks into training.

usage: split.py OUT_DIR [--folds K] [--seed S]
"""
import argparse
import csv
import json
import os
import random
import sys

IRIS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv"


def read_iris(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    X = [[float(v) for v in r[:4]] for r in rows[1:]]
    y = [int(r[4]) + 1 for r in rows[1:]]  # 1 setosa, 2 versicolor, 3 virginica
    return X, y


def stratified_folds(y, k, seed):
    """Fold index of each row: rows of each class shuffled (seeded), then dealt round-robin."""
    rng = random.Random(seed)
    fold = [0] * len(y)
    start = 0
    for c in sorted(set(y)):
        idx = [i for i, v in enumerate(y) if v == c]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = (start + j) % k
        start += len(idx)  # the next class continues the deal, so fold sizes stay even
    return fold


def standardise(train, test):
    d = len(train[0])
    mean = [sum(r[j] for r in train) / len(train) for j in range(d)]
    sd = [(sum((r[j] - mean[j]) ** 2 for r in train) / (len(train) - 1)) ** 0.5 for j in range(d)]
    scale = lambda rows: [[round((r[j] - mean[j]) / sd[j], 6) for j in range(d)] for r in rows]
    return scale(train), scale(test)


def write(path, X, y):
    with open(path, "w") as f:
        json.dump({"N": len(y), "D": len(X[0]), "X": X, "species": y}, f)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261204)
    a = ap.parse_args()
    if not os.path.exists(IRIS):
        sys.exit("split.py: %s is missing (apt-get install python3-sklearn)" % IRIS)
    X, y = read_iris(IRIS)
    fold = stratified_folds(y, a.folds, a.seed)
    os.makedirs(a.out, exist_ok=True)
    for k in range(a.folds):
        tr = [i for i in range(len(y)) if fold[i] != k]
        te = [i for i in range(len(y)) if fold[i] == k]
        Xtr, Xte = standardise([X[i] for i in tr], [X[i] for i in te])
        write(os.path.join(a.out, "train_%d.json" % (k + 1)), Xtr, [y[i] for i in tr])
        write(os.path.join(a.out, "test_%d.json" % (k + 1)), Xte, [y[i] for i in te])


if __name__ == "__main__":
    main()
