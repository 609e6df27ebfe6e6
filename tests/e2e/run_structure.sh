#!/usr/bin/env bash
# The structure check (run by make test): the rules of STYLE.md that a script can see, over every
# source file under lang/, runtime/ and stdlib/ (.c, .h, .l, .y).  Fails, naming file:line, when
#   - a file is over 800 lines;
#   - the project's own #include "..." lines form a cycle (an include is resolved as the compiler
#     does: the including file's folder first, then the Makefile's INC_DIRS in order);
#   - a function over 100 lines has no comment in the 3 lines before it that says why it is long
#     (the comment must contain the word "long": an ordinary summary comment does not count);
#   - the layering is broken: runtime/core includes nothing outside core, stdlib only core, only
#     runtime/cli includes lang/, and otherwise a folder includes only from itself and the folders
#     before it in INC_DIRS (core, graph, model, sampler, io, diag, stdlib, lang, cli).
# Functions are found by a brace-matching scan of top-level definitions (comments, strings and
# character literals skipped): a '{' at depth 0 after a ')' that is not an initialiser.
# Prints "structure: N passed, N failed" (one check per rule).
set -u
cd "$(dirname "$0")/../.."
dirs=$(make -s --no-print-directory incdirs) || { echo "structure: cannot read INC_DIRS"; exit 1; }
exec python3 - $dirs <<'EOF'
import os, re, sys

INC_DIRS = sys.argv[1:]
ROOTS = ("lang", "runtime", "stdlib")
MAX_FILE, MAX_FUNC, COMMENT_WINDOW = 800, 100, 3

# Known offenders in lang/ allowed while a re-cut is under way (lang/ only; an entry whose
# problem is gone fails the check).  Empty since lowering was cut into stages.
# Entries: (rule, file, what) with what = function name, included file, or "" for the file.
KNOWN_LANG = {}

# The edges against the folder order: gb_model_compile (model/) takes the registry's kinds by
# default, so model_compile.c includes sampler_registry.h (sampler/).  The registry names the kinds
# (defined in sampler/) and the planner in model/ asks them; gb_model_compile_with takes any list.
# And the tree sampler kind (sampler/) drives the tree core library (stdlib/tree.h, which includes
# only core): the kind needs the model (model.h), which stdlib may not include, and the library.
KNOWN_UPWARD = {("runtime/model/model_compile.c", "runtime/sampler/sampler_registry.h"),
                ("runtime/sampler/sampler_tree.c", "stdlib/tree.h")}

files = sorted(os.path.join(d, f) for r in ROOTS for d, _, fs in os.walk(r) for f in fs
               if f.endswith((".c", ".h", ".l", ".y")))
text = {f: open(f, encoding="utf-8", errors="replace").read().split("\n") for f in files}
problems = {"size": [], "cycle": [], "function": [], "layer": []}


def report(rule, where, msg, key):
    if key in KNOWN_LANG and key[1].startswith("lang/"):
        KNOWN_LANG[key] = True  # still needed
        return
    problems[rule].append(f"{where}: {msg}")


for f in files:
    n = len(text[f]) - (text[f][-1] == "")
    if n > MAX_FILE:
        report("size", f"{f}:{MAX_FILE + 1}", f"file has {n} lines (limit {MAX_FILE})",
               ("size", f, ""))

# Includes, resolved like the compiler's -I order.
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def resolve(src, name):
    for d in [os.path.dirname(src)] + INC_DIRS:
        p = os.path.normpath(os.path.join(d, name))
        if p in text:
            return p
    return None  # generated (build/lang) or system: not ours to check


edges = {f: [] for f in files}
for f in files:
    for i, line in enumerate(text[f], 1):
        m = INCLUDE.match(line)
        if m:
            dst = resolve(f, m.group(1))
            if dst:
                edges[f].append((dst, i))


def folder(p):
    parts = p.split("/")
    return "/".join(parts[:2]) if parts[0] == "runtime" else parts[0]


rank = {d: k for k, d in enumerate(INC_DIRS)}
for f in files:
    for dst, i in edges[f]:
        a, b = folder(f), folder(dst)
        where, key = f"{f}:{i}", ("layer", f, dst)
        if a == b:
            continue
        if a == "runtime/core":
            report("layer", where, f"runtime/core includes {dst} (core includes nothing else)", key)
        elif a == "stdlib" and b != "runtime/core":
            report("layer", where, f"stdlib includes {dst} (stdlib needs only runtime/core)", key)
        elif b == "lang" and a != "runtime/cli":
            report("layer", where, f"{a} includes {dst} (only runtime/cli includes lang/)", key)
        elif rank.get(b, -1) > rank.get(a, -1) and (f, dst) not in KNOWN_UPWARD:
            report("layer", where, f"{a} includes {dst} from a later layer ({b}); "
                   f"order: {' '.join(INC_DIRS)}", key)

# Include cycles: depth-first search, each cycle reported once by its smallest file.
state, stack, seen_cycles = {}, [], set()


def visit(f):
    state[f] = 1
    stack.append(f)
    for dst, i in edges[f]:
        if state.get(dst) == 1:
            cyc = stack[stack.index(dst):]
            k = cyc.index(min(cyc))
            canon = tuple(cyc[k:] + cyc[:k])
            if canon not in seen_cycles:
                seen_cycles.add(canon)
                path = " -> ".join(canon + (canon[0],))
                report("cycle", f"{f}:{i}", f"include cycle: {path}", ("cycle", canon[0], ""))
        elif dst not in state:
            visit(dst)
    stack.pop()
    state[f] = 2


sys.setrecursionlimit(10000)
for f in files:
    if f not in state:
        visit(f)


def code_only(lines):
    """The lines with comments, strings and character literals blanked (same line count)."""
    src, out, k, n = "\n".join(lines), [], 0, 0
    src_len = len(src)
    while k < src_len:
        c = src[k]
        if src.startswith("/*", k):
            e = src.find("*/", k + 2)
            e = src_len if e < 0 else e + 2
            out.append(re.sub(r"[^\n]", " ", src[k:e]))
            k = e
        elif src.startswith("//", k):
            e = src.find("\n", k)
            e = src_len if e < 0 else e
            out.append(" " * (e - k))
            k = e
        elif c in "\"'":
            e = k + 1
            while e < src_len and src[e] != c and src[e] != "\n":
                e += 2 if src[e] == "\\" else 1
            out.append(c + " " * (min(e, src_len) - k - 1) + (c if e < src_len else ""))
            k = e + 1
        else:
            out.append(c)
            k += 1
    return "".join(out).split("\n")


def has_why_comment(lines, start):
    for j in range(max(0, start - COMMENT_WINDOW), start):
        s = lines[j]
        if ("/*" in s or "*/" in s or s.lstrip().startswith("*") or "//" in s) and \
                re.search(r"\blong\b", s, re.I):
            return True
    return False


for f in files:
    if not f.endswith(".c"):
        continue
    raw, code = text[f], code_only(text[f])
    depth, head_start, fn_open = 0, None, None
    for i, line in enumerate(code):
        if depth == 0 and line.strip().startswith("#"):
            head_start = None
            continue
        for c in line:
            if depth == 0 and head_start is None and not c.isspace():
                head_start = i
            if c == "{":
                if depth == 0:
                    head = " ".join(code[head_start if head_start is not None else i:i + 1])
                    head = head[:head.rfind("{")]
                    is_fn = head.rstrip().endswith(")") and "=" not in head.split("(")[0]
                    fn_open = (head_start, head) if is_fn else None
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    if fn_open:
                        start, head = fn_open
                        length = i - start + 1
                        m = re.search(r"(\w+)\s*\(", head)
                        name = m.group(1) if m else "?"
                        if length > MAX_FUNC and not has_why_comment(raw, start):
                            report("function", f"{f}:{start + 1}",
                                   f"function {name} has {length} lines (over {MAX_FUNC}) and no "
                                   f"comment in the {COMMENT_WINDOW} lines before it saying why "
                                   f"it is long", ("function", f, name))
                    fn_open, head_start = None, None
            elif c == ";" and depth == 0:
                head_start = None

failed = 0
for rule, msgs in problems.items():
    for m in msgs:
        print(m)
    failed += bool(msgs)
stale = [k for k, v in KNOWN_LANG.items() if v is not True]
for k in stale:
    print(f"stale entry in KNOWN_LANG (the problem is gone; remove it): {k}")
failed += bool(stale)
print(f"structure: {len(problems) + 1 - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
