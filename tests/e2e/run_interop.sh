#!/usr/bin/env bash
# Interop: glassbox's draws CSV read by R's rstan (read_stan_csv) and posterior, as a Stan user
# would read them.  Needs Rscript with rstan and posterior (`make interop` installs Debian's
# r-cran-rstan and r-cran-posterior); without them it says it skipped and passes.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v Rscript >/dev/null 2>&1 ||
    ! Rscript -e 'suppressMessages({library(rstan); library(posterior)})' >/dev/null 2>&1; then
    echo "interop: 0 passed, 0 failed (skipped: R with rstan and posterior is not installed;" \
         "make interop installs them)"
    exit 0
fi

# R: read the chains, print each variable's dimensions and the means of chosen columns.
cat > "$tmp/read.R" <<'REOF'
suppressMessages({library(rstan); library(posterior)})
args <- commandArgs(trailingOnly = TRUE)
fit <- read_stan_csv(args)
for (p in fit@model_pars) cat("dims", p, fit@par_dims[[p]], "\n")
d <- as_draws_array(fit)
s <- summarise_draws(d, "mean")
m <- as.numeric(s$mean)
for (i in seq_len(nrow(s))) cat("mean", s$variable[i], sprintf("%.10g", m[i]), "\n")
REOF

# A component (fit.alpha, fit.beta[K], ...) and an array of components (net.layer[k].W).
run_and_read() { # name, model, data, extra args...
    local name=$1 model=$2 data=$3; shift 3
    rm -f "$tmp/$name"_*.csv
    "$GB" run "$model" --data "$data" --chains 2 --quiet --output "$tmp/$name.csv" "$@" \
        > "$tmp/$name.out" 2>&1 &&
        "$GB" summary --format csv "$tmp/$name"_[12].csv > "$tmp/$name.sum" 2>/dev/null &&
        Rscript "$tmp/read.R" "$tmp/$name"_1.csv "$tmp/$name"_2.csv > "$tmp/$name.r" 2>&1
}

# Every glassbox column comes back as the variable and index the table in README.md gives,
# with the mean glassbox summary prints (to its 10 significant digits).
same_means() { # name: glassbox's name,mean rows against R's "mean VAR[i,j] value" rows
    awk -F, 'NR == FNR { if ($1 == "mean") r[$2] = $3; next }
             FNR > 1 && $1 != "lp__" {
                 n = $1; csv = n
                 # glassbox name -> the name R shows: node path joined with _, indices in [ ]
                 k = split(n, p, "."); i = k
                 while (i > 1 && p[i] ~ /^[0-9]+$/) i--
                 v = p[1]; for (j = 2; j <= i; j++) v = v "_" p[j]
                 gsub(/\[/, "_", v); gsub(/\]/, "", v); gsub(/,/, "_", v)
                 idx = ""; for (j = i + 1; j <= k; j++) idx = idx (idx == "" ? "" : ",") p[j]
                 if (idx != "") v = v "[" idx "]"
                 if (!(v in r)) { if (bad++ < 10) print "missing in R: " n " as " v; next }
                 d = r[v] - $2; if (d < 0) d = -d
                 s = $2 < 0 ? -$2 : $2
                 if (d > 1e-8 * (s > 1 ? s : 1) && bad++ < 10) print "mean of " n ": R " r[v] ", glassbox " $2
                 seen++ }
             END { if (!seen) { print "no columns compared"; bad = 1 }; exit bad > 0 }' \
        FS=' ' "$tmp/$1.r" FS=, "$tmp/$1.sum"
}

if run_and_read comp examples/component.gb examples/component.json --warmup 100 --draws 100 &&
    grep -q '^dims fit_beta [0-9]' "$tmp/comp.r" && grep -q '^dims fit_alpha *$' "$tmp/comp.r" &&
    same_means comp
then ok; else bad "rstan reads a component's columns"; tail -5 "$tmp/comp.out" "$tmp/comp.r"; fi

if run_and_read mlp examples/mlp_probe.gb examples/mlp_probe.json --warmup 30 --draws 20 \
        --keep 'net.layer[1].h' &&
    grep -q '^dims net_layer_1_W [0-9]* [0-9]*' "$tmp/mlp.r" &&
    grep -q '^dims net_layer_1_h [0-9]* [0-9]*' "$tmp/mlp.r" && same_means mlp
then ok; else bad "rstan reads an array of components' columns"; tail -5 "$tmp/mlp.out" "$tmp/mlp.r"; fi

finish interop
