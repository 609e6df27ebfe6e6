#!/usr/bin/env bash
# gen_glm_1m.sh MODE DIR [N] - a regression on N rows (default 10^6) of K = 10 standard-normal
# features, the same data every time (awk's fixed seed):
#   linreg    DIR/linreg_1m.csv and .json: y = 1 + sum_k (k / 2) x_k + e, e ~ normal(0, 1)
#             (srand(42)); read by tests/bench/linreg_100k.gb for the memory target of
#             `make bench`.
#   logistic  DIR/logistic_1m.csv: P(y = 1) = logistic(0.5 + sum_k x_k / k) (srand(7)); read by
#             tests/bench/logistic_10k.gb for tests/bench/mpi_scaling.sh.
# Both read X: real[N, K]; the modes differ only in the linear predictor and how y is drawn.
set -euo pipefail
mode=$1 dir=$2 n=${3:-1000000}
case $mode in
linreg | logistic) ;;
*) echo "usage: gen_glm_1m.sh linreg|logistic DIR [N]" >&2; exit 2 ;;
esac
awk -v N="$n" -v MODE="$mode" 'BEGIN {
    logistic = MODE == "logistic"; K = 10
    srand(logistic ? 7 : 42)
    printf "y"; for (k = 1; k <= K; k++) printf ",X.%d", k; printf "\n"
    for (i = 1; i <= N; i++) {
        eta = logistic ? 0.5 : 1; line = ""
        for (k = 1; k <= K; k++) {
            x = sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand())
            eta += logistic ? x / k : k * 0.5 * x; line = line sprintf(",%.6g", x)
        }
        if (logistic)
            printf "%d%s\n", rand() < 1 / (1 + exp(-eta)), line
        else {
            e = sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand())
            printf "%.6g%s\n", eta + e, line
        }
    }
}' > "$dir/${mode}_1m.csv"
[ "$mode" = linreg ] || exit 0
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
