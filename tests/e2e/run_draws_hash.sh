#!/usr/bin/env bash
# run_draws_hash.sh - the draws stay byte-identical: every example and every tests/bench model
# is run at a fixed seed with a small configuration, and the sha256 of its draw rows is compared
# with the hash recorded in tests/e2e/draws_hashes.txt.
#
# Only the draw rows are hashed: comment lines ('#') and the header row are dropped, so renamed
# columns and new comment blocks do not count as a change; a changed number does.  The bench
# models run on the small deterministic data sets in tests/e2e/draws_data/ (the peers' data in
# ../shared are large and not always there); draws_data/slice.gb adds the slice sampler, which
# no example uses.  An example whose file has a `# quick:` line runs
# with that setting (its full size is too slow here).
#
# The hashes are of Stan's windowed warmup (--adapt windowed), the default until the Fisher
# warmup replaced it, so they keep checking that path; DRAWS_HASH_ADAPT=fisher (what
# run_draws_hash_fisher.sh sets) checks the default path against draws_hashes_fisher.txt.
#
# A change that is meant to change draws records the new hashes in the same commit:
#   DRAWS_HASH_UPDATE=1 tests/e2e/run_draws_hash.sh
# and its message says why the draws changed.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

adapt=${DRAWS_HASH_ADAPT:-windowed}
case $adapt in
    windowed) hashes=tests/e2e/draws_hashes.txt ;;
    fisher) hashes=tests/e2e/draws_hashes_fisher.txt ;;
    *) echo "run_draws_hash.sh: DRAWS_HASH_ADAPT is windowed or fisher, not '$adapt'" >&2; exit 2 ;;
esac
config=(--chains 2 --warmup 150 --draws 150 --seed 17 --threads 2 --quiet --adapt "$adapt")

# model, data file (may be empty)
models=()
for m in examples/*.gb; do models+=("$m ${m%.gb}.json"); done
models+=("tests/bench/changepoint.gb examples/changepoint.json"
         "tests/bench/eight_schools_nc.gb examples/eight_schools.json"
         "tests/bench/hmm_gauss.gb tests/e2e/draws_data/hmm.json"
         "tests/bench/linreg_100k.gb tests/e2e/draws_data/linreg.json"
         "tests/bench/logistic_10k.gb tests/e2e/draws_data/logistic.json"
         "tests/bench/mix_gauss.gb tests/e2e/draws_data/mix.json"
         "tests/bench/mlp_10_5_1.gb tests/e2e/draws_data/mlp.json"
         "tests/bench/radon_hier.gb tests/e2e/draws_data/radon.json"
         "tests/e2e/draws_data/slice.gb tests/e2e/draws_data/slice.json")
covered=" "
for pair in "${models[@]}"; do covered+="${pair%% *} "; done
for m in tests/bench/*.gb; do
    case $covered in *" $m "*) ;; *) bad "$m has no data set in run_draws_hash.sh" ;; esac
done

# draws_hash MODEL DATA: prints the sha256 of the draw rows of both chains
draws_hash() {
    local args=("$1") quick
    [ -f "$2" ] && args+=(--data "$2")
    read -r -a quick <<< "$(sed -n 's/^# quick: //p' "$1" | head -1)"
    rm -f "$tmp"/d_*.csv
    "$GB" run "${args[@]}" "${config[@]}" "${quick[@]}" --output "$tmp/d.csv" \
        >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; return 1; }
    for f in "$tmp"/d_1.csv "$tmp"/d_2.csv; do grep -v '^#' "$f" | tail -n +2; done |
        sha256sum | cut -d' ' -f1
}

new=$(mktemp); trap 'rm -rf "$tmp" "$new"' EXIT
for pair in "${models[@]}"; do
    read -r m d <<< "$pair"
    if ! h=$(draws_hash "$m" "$d"); then bad "run $m"; continue; fi
    echo "$m $h" >> "$new"
    if [ "${DRAWS_HASH_UPDATE:-0}" = 1 ]; then ok; continue; fi
    want=$(awk -v m="$m" '$1 == m { print $2 }' "$hashes")
    if [ -z "$want" ]; then bad "$m: no recorded hash in $hashes"
    elif [ "$h" = "$want" ]; then ok
    else bad "$m: draws changed (sha256 of the draw rows $h, recorded $want)"; fi
done
if [ "${DRAWS_HASH_UPDATE:-0}" = 1 ]; then cp "$new" "$hashes"; echo "recorded $hashes"; fi
finish "draws hash ($adapt)"
