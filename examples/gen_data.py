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


def component():
    # 100 rows, 3 features, y = 1 + X @ [0.5, -1, 2] + N(0, 0.3)
    rng = random.Random(11)
    beta = [0.5, -1.0, 2.0]
    X = [[round(rng.gauss(0, 1), 6) for _ in beta] for _ in range(100)]
    y = [round(1 + sum(b * x for b, x in zip(beta, row)) + rng.gauss(0, 0.3), 6) for row in X]
    write("component.json", {"N": 100, "K": 3, "X": X, "y": y})


def regression_coefficients():
    # the seed essay's make_regression(n_samples=100, n_features=10, noise=0.1): X ~ N(0, 1),
    # coefficients 100 x U(0, 1), no intercept, noise sd 0.1 (same recipe, Python's RNG)
    rng = random.Random(42)
    K = 10
    X = [[round(rng.gauss(0, 1), 6) for _ in range(K)] for _ in range(100)]
    beta = [round(100 * rng.random(), 4) for _ in range(K)]
    y = [round(sum(b * x for b, x in zip(beta, row)) + rng.gauss(0, 0.1), 6) for row in X]
    write("regression_coefficients.json", {"N": 100, "K": K, "X": X, "y": y,
                                            "true_beta": beta})


def mlp_probe():
    # the seed's tiny network, Linear(10, 5) -> ReLU -> Linear(5, 1), with known weights; 200
    # inputs X ~ N(0, 1); y = net(X) + N(0, 0.1).  Hidden unit 5 is switched off (zero
    # weights out), so the posterior should say it does not matter.
    rng = random.Random(5)
    D, H, N = 10, 5, 200
    W1 = [[round(rng.gauss(0, 0.7), 4) for _ in range(H)] for _ in range(D)]
    b1 = [round(rng.gauss(0, 0.3), 4) for _ in range(H)]
    W2 = [1.5, -1.2, 0.9, 0.6, 0.0]
    b2 = 0.3
    X = [[round(rng.gauss(0, 1), 6) for _ in range(D)] for _ in range(N)]
    y = []
    for row in X:
        h = [max(0.0, b1[j] + sum(row[d] * W1[d][j] for d in range(D))) for j in range(H)]
        y.append(round(b2 + sum(w * v for w, v in zip(W2, h)) + rng.gauss(0, 0.1), 6))
    write("mlp_probe.json", {"N": N, "D": D, "X": X, "y": y, "true_W2": W2})


def challenger():
    # O-ring damage on the 23 shuttle flights before Challenger (Dalal, Fowlkes & Hoadley 1989):
    # launch temperature (deg F) and whether any O-ring showed damage
    temp = [66, 70, 69, 68, 67, 72, 73, 70, 57, 63, 70, 78, 67, 53, 67, 75, 70, 81, 76, 79,
            75, 76, 58]
    damage = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    write("challenger.json", {"N": len(temp), "temp": temp, "damage": damage})


def radon():
    # radon-style: log radon in 900 houses of 40 counties (unbalanced), measured in the
    # basement (floor 0) or on the first floor (1); county effects ~ N(1.5, 0.4), floor -0.7
    rng = random.Random(101)
    J, N = 40, 900
    weights = [rng.lognormvariate(0, 1) for _ in range(J)]
    county = list(range(1, J + 1)) + rng.choices(range(1, J + 1), weights, k=N - J)
    a = [rng.gauss(1.5, 0.4) for _ in range(J)]
    floor = [1 if rng.random() < 0.2 else 0 for _ in range(N)]
    y = [round(rng.gauss(a[c - 1] - 0.7 * f, 0.75), 4) for c, f in zip(county, floor)]
    write("radon.json", {"N": N, "J": J, "county": county, "floor": [[f] for f in floor],
                         "log_radon": y, "true_floor": -0.7})


if __name__ == "__main__":
    changepoint()
    eight_schools()
    coin()
    component()
    regression_coefficients()
    mlp_probe()
    challenger()
    radon()
