#!/usr/bin/env bash
# mpi_scaling.sh - the numbers behind README's "Scaling to many machines", for logistic
# regression with N = 10^6 rows and K = 10 features (tests/bench/logistic_10k.gb on the data of
# gen_glm_1m.sh logistic; bernoulli_logit_glm has no sufficient statistics: every gradient passes
# over all N rows):
#   1. gradient time per row: build/bench/gradbench's evaluations per second, divided into N;
#   2. the communication a data-parallel gradient would add: one MPI_Allreduce of K + 2 doubles
#      (gradient and log density), at 1 and 2 ranks (allreduce_bench.c);
#   3. chains over ranks and over threads: 2 chains of WARMUP + DRAWS iterations with
#      mpirun -np 1 and -np 2 (build/mpi/glassbox), and --threads 1 and 2 (build/glassbox);
#      wall seconds and speed-ups;
#   4. one chain's likelihood split (split.h): the gradient's wall time unsplit and in 2 shares
#      on 2 threads (build/bench/splitbench), and the sum --data-parallel does per gradient
#      (an Iallgather of K + 2 doubles, added in rank order); one chain of WARMUP + DRAWS with
#      --split-rows 1 and 2, and mpirun -np 1 and -np 2 --data-parallel: wall seconds (data
#      loading included), and the sampler's seconds per gradient (the draws files' footers:
#      warmup + sampling seconds over the gradients made, n_leapfrog__ summed).
# Usage: make MPI=1 && make build/bench/gradbench build/bench/splitbench &&
#        bash tests/bench/mpi_scaling.sh
# (WARMUP, DRAWS, N from the environment; defaults 20, 20, 10^6).  Skips, saying so, without
# Open MPI or the MPI build.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000000} WARMUP=${WARMUP:-20} DRAWS=${DRAWS:-20}
if ! command -v mpirun > /dev/null || [ ! -x build/mpi/glassbox ]; then
    echo "mpi_scaling.sh: skipped: needs Open MPI and build/mpi/glassbox (make test-mpi)"
    exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash tests/bench/gen_glm_1m.sh logistic "$tmp" "$N"
data=$tmp/logistic_1m.csv
model=tests/bench/logistic_10k.gb
mkdir -p build/mpi/bench
mpicc -std=c11 -O2 -Wall -Wextra -Werror -o build/mpi/bench/allreduce_bench \
    tests/bench/allreduce_bench.c

echo "== 1. gradient time per row (N = $N, K = 10)"
line=$(build/bench/gradbench $model "$data" 3 | grep '^gradbench')
echo "$line"
evals=$(echo "$line" | awk '{print $6}')
awk -v e="$evals" -v n="$N" 'BEGIN { printf "ms per gradient %.2f, ns per row %.1f\n",
    1e3 / e, 1e9 / (e * n) }'

echo "== 2. one MPI_Allreduce of the gradient and log density (12 doubles, 96 bytes)"
for np in 1 2; do mpirun --oversubscribe -np $np build/mpi/bench/allreduce_bench 12; done
echo "   and of 10^5 doubles (bandwidth)"
mpirun --oversubscribe -np 2 build/mpi/bench/allreduce_bench 100000 500

echo "== 3. 2 chains x ($WARMUP warmup + $DRAWS draws)"
wall() { # prints the wall seconds of the command
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
args=(run $model --data "$data" --chains 2 --warmup "$WARMUP" --draws "$DRAWS" --seed 1 --quiet)
r1=$(wall mpirun --oversubscribe -np 1 build/mpi/glassbox "${args[@]}" --threads 1)
r2=$(wall mpirun --oversubscribe -np 2 build/mpi/glassbox "${args[@]}" --threads 1)
t1=$(wall build/glassbox "${args[@]}" --threads 1)
t2=$(wall build/glassbox "${args[@]}" --threads 2)
printf "ranks 1: %s s, ranks 2: %s s, speed-up %s\n" "$r1" "$r2" \
    "$(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.2f", a / b }')"
printf "threads 1: %s s, threads 2: %s s, speed-up %s\n" "$t1" "$t2" \
    "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", a / b }')"
echo "cores online: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 4. one chain's likelihood split over threads and ranks"
build/bench/splitbench $model "$data" 5 2
for np in 1 2; do
    mpirun --oversubscribe -np $np build/mpi/bench/allreduce_bench 12 20000 gather
done
one=(run $model --data "$data" --chains 1 --warmup "$WARMUP" --draws "$DRAWS" --seed 1 --quiet)
report() { # label, wall seconds, draws file: its footer's gradients and sampler seconds
    awk -v label="$1" -v w="$2" '/^# gradients:/ { g = $3 + $5 }
        /Elapsed Time:/ { t = $4 } / seconds \(Sampling\)/ { t += $2 }
        END { printf "%s: %s s wall, %d gradients in %.2f s: %.1f ms per gradient\n",
              label, w, g, t, 1e3 * t / g }' "$3"
}
for s in 1 2; do
    w=$(wall build/glassbox "${one[@]}" --split-rows $s --output "$tmp/split$s.csv")
    report "--split-rows $s" "$w" "$tmp/split$s.csv"
done
for np in 1 2; do
    w=$(wall mpirun --oversubscribe -np $np build/mpi/glassbox "${one[@]}" --data-parallel \
        --output "$tmp/dp$np.csv")
    report "mpirun -np $np --data-parallel" "$w" "$tmp/dp$np.csv"
done
echo "cores online: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
