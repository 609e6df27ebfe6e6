#!/usr/bin/env python3
"""Generates the example data sets in this folder with fixed seeds (Python's own Mersenne
Twister, so no third-party packages are needed).  Run from anywhere:
    python3 examples/gen_data.py
Each data set is written as CmdStan JSON next to its model."""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def poisson(rng, lam):
    # Knuth's multiplication method: exact for the small rates used here
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def write(name, data):
    # one variable per line, arrays on the line of their name
    lines = ["  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in data.items()]
    with open(os.path.join(HERE, name), "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def changepoint():
    # 74 days of text counts, rate 18/day switching to 23/day after day 45
    rng = random.Random(20261125)
    counts = [poisson(rng, 18.0 if day < 45 else 23.0) for day in range(1, 75)]
    write("changepoint.json", {"N": len(counts), "counts": counts})


def eight_schools():
    # Rubin (1981), as in posteriordb
    write("eight_schools.json", {"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12],
                                 "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})


def coin():
    rng = random.Random(7)
    flips = [1 if rng.random() < 0.62 else 0 for _ in range(50)]
    write("coin.json", {"N": len(flips), "flips": flips})


def regression():
    # 100 rows, 3 features, y = 1 + X @ [0.5, -1, 2] + N(0, 0.3)
    rng = random.Random(11)
    beta = [0.5, -1.0, 2.0]
    X = [[round(rng.gauss(0, 1), 6) for _ in beta] for _ in range(100)]
    y = [round(1 + sum(b * x for b, x in zip(beta, row)) + rng.gauss(0, 0.3), 6) for row in X]
    write("regression.json", {"N": 100, "K": 3, "X": X, "y": y})


if __name__ == "__main__":
    changepoint()
    eight_schools()
    coin()
    regression()
