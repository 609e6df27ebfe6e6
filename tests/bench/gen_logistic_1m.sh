#!/usr/bin/env bash
# gen_logistic_1m.sh DIR [N] - writes DIR/logistic_1m.csv: a logistic regression with N rows
# (default 10^6) and K = 10 standard-normal features, P(y = 1) = logistic(0.5 + sum_k x_k / k);
# fixed seed (awk's srand(7)), so the same data every time.  Read by tests/bench/logistic_10k.gb
# (X: real[N, K], y: int[N]) for tests/bench/mpi_scaling.sh.
set -euo pipefail
dir=$1 n=${2:-1000000}
awk -v N="$n" 'BEGIN {
    srand(7); K = 10
    printf "y"; for (k = 1; k <= K; k++) printf ",X.%d", k; printf "\n"
    for (i = 1; i <= N; i++) {
        eta = 0.5; line = ""
        for (k = 1; k <= K; k++) {
            x = sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand())
            eta += x / k; line = line sprintf(",%.6g", x)
        }
        printf "%d%s\n", rand() < 1 / (1 + exp(-eta)), line
    }
}' > "$dir/logistic_1m.csv"
