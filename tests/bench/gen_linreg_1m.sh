#!/usr/bin/env bash
# gen_linreg_1m.sh DIR [N] - writes DIR/linreg_1m.csv and DIR/linreg_1m.json: a linear regression
# with N rows (default 10^6) and K = 10 standard-normal features, y = 1 + sum_k (k / 2) x_k + e,
# e ~ normal(0, 1); fixed seed (awk's srand(42)), so the same data every time.  Read by
# tests/bench/linreg_100k.gb (X: real[N, K], y: real[N]) for the memory target of `make bench`.
set -euo pipefail
dir=$1 n=${2:-1000000}
awk -v N="$n" 'BEGIN {
    srand(42); K = 10
    printf "y"; for (k = 1; k <= K; k++) printf ",X.%d", k; printf "\n"
    for (i = 1; i <= N; i++) {
        eta = 1; line = ""
        for (k = 1; k <= K; k++) {
            x = sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand())
            eta += k * 0.5 * x; line = line sprintf(",%.6g", x)
        }
        e = sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand())
        printf "%.6g%s\n", eta + e, line
    }
}' > "$dir/linreg_1m.csv"
# the same numbers as CmdStan JSON
awk -F, 'NR == 1 { next }
    { y[NR - 1] = $1; row = "["; for (k = 2; k <= NF; k++) row = row (k > 2 ? "," : "") $k; X[NR - 1] = row "]" }
    END {
        n = NR - 1; printf "{\"N\": %d, \"K\": 10, \"y\": [", n
        for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), y[i]
        printf "],\n\"X\": ["
        for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), X[i]
        print "]}"
    }' "$dir/linreg_1m.csv" > "$dir/linreg_1m.json"
