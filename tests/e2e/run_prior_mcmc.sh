#!/usr/bin/env bash
# run --prior where a parameter cannot be drawn exactly: c: ordered[3] ~ normal(mu, 1) is the
# normal restricted to ordered vectors, so c and mu (its prior's parent) are sampled by MCMC on
# the prior-only model (the likelihood of y dropped: the data pull c far from its prior), and s
# is drawn exactly at every draw.  Analytic prior: mu ~ normal(0, 1) (the restriction's
# normaliser, 1/3!, does not depend on mu), c[k] - mu the k-th order statistic of 3 standard
# normals, s ~ exponential(1).  Kolmogorov-Smirnov per scalar against those, the critical value
# 1.95 / sqrt(ESS) (about the 0.001 level) with ESS the smallest bulk ESS the summary reports
# for the columns used.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

printf 'mu ~ normal(0, 1)\nc: ordered[3] ~ normal(mu, 1)\ns ~ exponential(1)\ndata y: real[N]\ny ~ normal(c[3] + s, 0.1)\n' > "$tmp/m.gb"
echo '{"N": 3, "y": [10, 11, 12]}' > "$tmp/m.json"
if "$GB" run "$tmp/m.gb" --data "$tmp/m.json" --prior --seed 11 --output "$tmp/p.csv" \
    >"$tmp/out" 2>&1 &&
    grep -q '^prior: sampled by MCMC on the prior-only model (likelihood dropped): mu c$' \
        "$tmp/out" && grep -q '^prior: exact ancestral draws at every MCMC draw: s$' "$tmp/out"
then ok; else bad "run --prior with an ordered prior: the plan per node"; cat "$tmp/out"; fi

if python3 - "$tmp/out" "$tmp"/p_[1-4].csv >"$tmp/ks" 2>&1 <<'PY'
import csv, math, sys
summary, files = sys.argv[1], sys.argv[2:]
ess = {}
for line in open(summary):
    f = line.split()
    if len(f) == 10 and f[0] in ("mu", "c.1", "c.2", "c.3", "s"):
        ess[f[0]] = float(f[8])
rows = []
for p in files:
    lines = [l for l in open(p) if not l.startswith("#")]
    rows += list(csv.DictReader(lines))
Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
def order_cdf(k):  # k-th smallest of 3 standard normals
    return lambda x: sum(math.comb(3, j) * Phi(x) ** j * (1 - Phi(x)) ** (3 - j)
                         for j in range(k, 4))
checks = [("mu", [float(r["mu"]) for r in rows], Phi, ess["mu"]),
          ("s", [float(r["s"]) for r in rows], lambda x: 1 - math.exp(-max(x, 0)), ess["s"])]
for k in (1, 2, 3):
    d = [float(r["c.%d" % k]) - float(r["mu"]) for r in rows]
    checks.append(("c.%d - mu" % k, d, order_cdf(k), min(ess["mu"], ess["c.%d" % k])))
bad = 0
for name, xs, F, n in checks:
    xs.sort()
    m = len(xs)
    D = max(max((i + 1) / m - F(x), F(x) - i / m) for i, x in enumerate(xs))
    crit = 1.95 / math.sqrt(n)
    print("%s: D = %.4f, critical %.4f (ESS %.0f)" % (name, D, crit, n))
    bad += D > crit
sys.exit(bad)
PY
then ok; else bad "run --prior MCMC fallback: a KS test against the analytic prior failed"
    cat "$tmp/ks"; fi

finish prior_mcmc
