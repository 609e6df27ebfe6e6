#!/usr/bin/env bash
# Installation: `make install` into a staged prefix puts the binary, the stdlib modules and the
# man page in place; the installed tree, moved elsewhere, still finds its stdlib next to the
# binary (a marker model added to the installed regression.gb proves that the installed copy,
# not the source tree's, was read); a module that is found nowhere gets a hint listing every
# folder searched, in order; the man page renders without warnings; `make uninstall` removes
# every file it installed.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
root=$(pwd -P)
mk() { make -s --no-print-directory BUILD="$BUILD" PREFIX=/opt/gb DESTDIR="$tmp/stage" "$@"; }

if mk install >"$tmp/out" 2>&1 && [ -x "$tmp/stage/opt/gb/bin/glassbox" ] &&
    [ -f "$tmp/stage/opt/gb/share/glassbox/stdlib/regression.gb" ] &&
    [ -f "$tmp/stage/opt/gb/share/glassbox/stdlib/mlp.gb" ] &&
    [ -f "$tmp/stage/opt/gb/share/man/man1/glassbox.1" ]; then ok
else bad "make install"; cat "$tmp/out"; fi

# the installed tree moved: neither the compiled-in prefix nor DESTDIR can be what finds it
mv "$tmp/stage/opt/gb" "$tmp/moved"
printf '\nmodel installed_only() {\n  a ~ normal(0, 1)\n}\n' \
    >> "$tmp/moved/share/glassbox/stdlib/regression.gb"
mkdir -p "$tmp/work"
{ cat examples/regression_coefficients.gb; echo 'marker = regression.installed_only()'; } \
    > "$tmp/work/ex.gb"
if "$tmp/moved/bin/glassbox" run "$tmp/work/ex.gb" --data examples/regression_coefficients.json \
    --chains 1 --warmup 100 --draws 100 --quiet > "$tmp/out" 2>&1 &&
    grep -q '^marker.a ' "$tmp/out" && grep -q '^fit.beta.1 ' "$tmp/out"; then ok
else bad "the moved install finds its own stdlib"; tail -5 "$tmp/out"; fi

# the source tree's copy does not have the marker: the check is not vacuous
if ! "$GB" check "$tmp/work/ex.gb" --quiet > /dev/null 2>&1; then ok
else bad "the source tree's regression.gb has the marker"; fi

# a module found nowhere: the hint lists every folder searched, in order
mkdir -p "$tmp/lone/bin"
cp "$GB" "$tmp/lone/bin/glassbox"
printf 'import nosuchmodule\n' > "$tmp/work/missing.gb"
GLASSBOX_PATH="$tmp/p1:$tmp/p2" "$tmp/lone/bin/glassbox" check "$tmp/work/missing.gb" \
    > /dev/null 2> "$tmp/err"
hint=$(grep '^hint: ' "$tmp/err")
want="hint: looked for nosuchmodule.gb in $tmp/work, $tmp/p1, $tmp/p2, $tmp/lone/share/glassbox/stdlib, "
if [ "${hint#"$want"}" != "$hint" ] &&
    [ "${hint%", $root/stdlib (the script's folder, GLASSBOX_PATH, then the stdlib)"}" != "$hint" ]
then ok; else bad "the hint lists the folders searched"; cat "$tmp/err"; fi

# the man page renders without a warning
if command -v groff > /dev/null; then
    if groff -man -ww -z "$tmp/moved/share/man/man1/glassbox.1" > "$tmp/out" 2>&1 &&
        [ ! -s "$tmp/out" ]; then ok
    else bad "groff warns about glassbox.1"; cat "$tmp/out"; fi
    if ! command -v man > /dev/null; then echo "man is not installed: man -l is not tried"
    elif man -l "$tmp/moved/share/man/man1/glassbox.1" 2>&1 | grep -q 'GLASSBOX_PATH'; then ok
    else bad "man -l glassbox.1"; fi
else echo "groff is not installed: the man page is not checked"; fi

# uninstall removes every installed file and the folders glassbox owns
mk install > /dev/null 2>&1 && mk uninstall > "$tmp/out" 2>&1
left=$(find "$tmp/stage/opt/gb" -type f 2>/dev/null)
if [ -z "$left" ] && [ ! -d "$tmp/stage/opt/gb/share/glassbox" ]; then ok
else bad "make uninstall left $left"; cat "$tmp/out"; fi

finish install
