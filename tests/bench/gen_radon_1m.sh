#!/usr/bin/env bash
# gen_radon_1m.sh DIR [N] [J] - writes DIR/radon_1m.json: radon_hier's varying-intercept
# regression at scale, N rows (default 10^6) in J groups (default 10^4).  As gen_data.R's
# radon_hier: every group has at least one row, the others fall in groups with log-normal
# weights (unbalanced sizes), x ~ bernoulli(0.2), a_j ~ normal(1.5, 0.4), b = -0.7,
# y ~ normal(a[g] + b x, 0.75).  Fixed seed (awk's srand(43)), so the same data every time.
# Read by tests/bench/radon_hier.gb for the hierarchical memory and speed row of `make bench`.
set -euo pipefail
dir=$1 n=${2:-1000000} j=${3:-10000}
awk -v N="$n" -v J="$j" 'function gauss() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
BEGIN {
    srand(43)
    if (J > N) { print "gen_radon_1m.sh: more groups than rows" > "/dev/stderr"; exit 1 }
    # group weights w_j = exp(normal), cumulated for inverse-CDF sampling by bisection
    tot = 0
    for (k = 1; k <= J; k++) { a[k] = 1.5 + 0.4 * gauss(); tot += exp(gauss()); cum[k] = tot }
    printf "{\"N\": %d, \"J\": %d,\n\"g\": [", N, J
    for (i = 1; i <= N; i++) {
        if (i <= J) gi = i
        else {
            u = rand() * tot; lo = 1; hi = J
            while (lo < hi) { mid = int((lo + hi) / 2); if (cum[mid] < u) lo = mid + 1; else hi = mid }
            gi = lo
        }
        g[i] = gi
        printf "%s%d", (i > 1 ? "," : ""), gi
    }
    printf "],\n\"x\": ["
    for (i = 1; i <= N; i++) { x[i] = rand() < 0.2 ? 1 : 0; printf "%s%d", (i > 1 ? "," : ""), x[i] }
    printf "],\n\"y\": ["
    for (i = 1; i <= N; i++) printf "%s%.4f", (i > 1 ? "," : ""), a[g[i]] - 0.7 * x[i] + 0.75 * gauss()
    print "]}"
}' > "$dir/radon_1m.json"
