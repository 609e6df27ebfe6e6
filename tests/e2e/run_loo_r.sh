#!/usr/bin/env bash
# PSIS-LOO against R's loo package: for three models (and a misspecified fourth) glassbox runs,
# `glassbox loo --loglik` writes the log-likelihood matrix and prints its estimates, and R's
# loo() computes them from the same matrix (r_eff = 1).  elpd_loo, its se and p_loo must agree
# within 0.1 (issue 20; the two compute the same sums, so they agree far closer), every k-hat
# within 1e-6, and the count of k-hat above 0.7 exactly; the misspecified model (a normal fitted
# to data with two gross outliers) must get high-k-hat warnings from both.  Needs Rscript with
# loo (`make compare-r` installs Debian's r-cran-loo); without it, says it skipped and passes.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v Rscript >/dev/null 2>&1 ||
    ! Rscript -e 'suppressMessages(library(loo))' >/dev/null 2>&1; then
    echo "loo-r: 0 passed, 0 failed (skipped: R with the loo package is not installed;" \
         "make compare-r installs r-cran-loo)"
    exit 0
fi

cat > "$tmp/loo.R" <<'REOF'
suppressMessages(library(loo))
ll <- as.matrix(read.csv(commandArgs(trailingOnly = TRUE)[1], check.names = FALSE))
l <- suppressWarnings(loo(ll, r_eff = rep(1, ncol(ll))))
e <- l$estimates
cat(sprintf("elpd_loo,%.17g,%.17g\n", e["elpd_loo", 1], e["elpd_loo", 2]))
cat(sprintf("p_loo,%.17g,%.17g\n", e["p_loo", 1], e["p_loo", 2]))
k <- l$diagnostics$pareto_k
for (i in seq_along(k)) cat(sprintf("khat,%s,%.17g\n", colnames(ll)[i], k[i]))
cat(sprintf("nbad,%d\n", sum(k > 0.7)))
REOF

# The misspecified model: normal errors, data with two gross outliers.
cat > "$tmp/outliers.gb" <<'GEOF'
data y: real[N]
mu ~ normal(0, 10)
sigma ~ half_normal(5)
y ~ normal(mu, sigma)
GEOF
cat > "$tmp/outliers.json" <<'JEOF'
{"N": 24, "y": [-1.2, 0.3, 0.8, -0.4, 1.5, -0.9, 0.1, 0.6, -1.7, 0.2, 1.1, -0.3,
                0.9, -0.6, 0.4, -1.1, 0.0, 1.3, -0.2, 0.7, -0.8, 0.5, 25.0, -22.0]}
JEOF

check() { # name, model, data
    local name=$1 model=$2 data=$3
    if ! "$GB" run "$model" --data "$data" --seed 11 --quiet --output "$tmp/$name.csv" \
        > "$tmp/$name.run" 2>&1; then
        bad "$name: run failed: $(tail -3 "$tmp/$name.run")"
        return 1
    fi
    if ! "$GB" loo "$model" --data "$data" --draws "$tmp/$name"_[1-4].csv --format csv \
        --loglik "$tmp/$name.ll.csv" > "$tmp/$name.loo" 2> "$tmp/$name.err"; then
        bad "$name: glassbox loo failed: $(cat "$tmp/$name.err")"
        return 1
    fi
    if ! Rscript "$tmp/loo.R" "$tmp/$name.ll.csv" > "$tmp/$name.r" 2>&1; then
        bad "$name: R's loo failed: $(tail -3 "$tmp/$name.r")"
        return 1
    fi
    # glassbox's totals and k-hats against R's
    local diff
    diff=$(awk -F, 'NR == FNR { if ($1 == "khat") rk[$2] = $3; else if ($1 == "nbad") rn = $2;
                                else { r[$1] = $2; rse[$1] = $3 }; next }
        FNR == 1 { next }
        $2 == "" && ($1 == "elpd_loo" || $1 == "p_loo") {
            if ((d = $3 - r[$1]) > 0.1 || d < -0.1) print $1 " " $3 " vs R " r[$1]
            if ($1 == "elpd_loo" && ((d = $4 - rse[$1]) > 0.1 || d < -0.1))
                print "se " $4 " vs R " rse[$1] }
        $1 == "khat" { n++; if ($3 > 0.7) nb++
            if (!($2 in rk) || (d = $3 - rk[$2]) > 1e-6 || d < -1e-6)
                print "khat " $2 " " $3 " vs R " rk[$2] }
        END { if (n != length(rk)) print "observations " n " vs R " length(rk)
              if (nb + 0 != rn + 0) print "k-hat above 0.7: " nb + 0 " vs R " rn }' \
        "$tmp/$name.r" "$tmp/$name.loo")
    if [ -n "$diff" ]; then bad "$name: $diff"; else ok; fi
}

check eight_schools examples/eight_schools.gb examples/eight_schools.json
check challenger examples/challenger.gb examples/challenger.json
check component examples/component.gb examples/component.json
if check outliers "$tmp/outliers.gb" "$tmp/outliers.json"; then
    nbad=$(sed -n 's/^nbad,//p' "$tmp/outliers.r")
    if [ "${nbad:-0}" -ge 1 ] && grep -q "Pareto k-hat above 0.7" "$tmp/outliers.err"; then
        ok
    else
        bad "outliers: expected high k-hat warnings (R counts ${nbad:-0}): $(cat "$tmp/outliers.err")"
    fi
fi
finish loo-r
