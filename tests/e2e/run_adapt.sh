#!/usr/bin/env bash
# run_adapt.sh - the warmup schemes from the command line: --adapt picks fisher (the default)
# or windowed, the draws file's header says which one ran (a dense metric always runs the
# windows), its "# gradients:" comment counts the sampling gradients exactly as the
# n_leapfrog__ column sums them, the two schemes give different draws, and a bad value is a
# usage error.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

M=(examples/eight_schools.gb --data examples/eight_schools.json)
S=(--chains 1 --warmup 200 --draws 200 --seed 5 --quiet)

# run NAME ARGS...: draws into $tmp/NAME.csv (one chain)
run() {
    local name=$1; shift
    "$GB" run "${M[@]}" "${S[@]}" "$@" --output "$tmp/$name.csv" > "$tmp/$name.out" 2>&1 ||
        { bad "run $name: $(tail -2 "$tmp/$name.out")"; return 1; }
}
scheme() { sed -n 's/^#       scheme = //p' "$tmp/$1.csv"; }
rows() { grep -v '^#' "$tmp/$1.csv" | tail -n +2; }

run default && { [ "$(scheme default)" = fisher ] && ok || bad "default scheme: '$(scheme default)'"; }
run windowed --adapt windowed &&
    { [ "$(scheme windowed)" = windowed ] && ok || bad "--adapt windowed scheme: '$(scheme windowed)'"; }
run dense --metric dense &&
    { [ "$(scheme dense)" = windowed ] && ok || bad "--metric dense scheme: '$(scheme dense)'"; }

# The footer's sampling gradients are the n_leapfrog__ column's sum; warmup spent some too.
col=$(head -200 "$tmp/default.csv" | grep -v '^#' | head -1 | tr ',' '\n' | grep -nx 'n_leapfrog__' | cut -d: -f1)
sum=$(rows default | awk -F, -v c="$col" '{ s += $c } END { printf "%d", s }')
read -r gw gs < <(sed -n 's/^# gradients: \([0-9]*\) (Warm-up), \([0-9]*\) (Sampling).*/\1 \2/p' "$tmp/default.csv")
if [ -n "${gs:-}" ] && [ "$gs" = "$sum" ] && [ "${gw:-0}" -gt 0 ]; then ok
else bad "gradients comment '${gw:-} ${gs:-}', n_leapfrog__ sums to $sum"; fi

# The schemes adapt differently, so their draws differ.
if [ "$(rows default | sha256sum)" != "$(rows windowed | sha256sum)" ]; then ok
else bad "fisher and windowed gave identical draws"; fi

err=$("$GB" run "${M[@]}" --adapt stan 2>&1 >/dev/null); rc=$?
if [ $rc = 2 ] && printf '%s' "$err" | grep -q "error: --adapt is fisher or windowed, not 'stan'"; then ok
else bad "--adapt stan: exit $rc, '$err'"; fi

finish "adapt"
