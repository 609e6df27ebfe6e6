# glassbox - one plain Makefile.
#
#   make            build build/glassbox (-Wall -Wextra -Werror)
#   make demo       install missing Debian packages, build, run a real example end to end
#   make test       install missing packages, build, run every test (unit, bad inputs, e2e)
#   make check      the whole suite under AddressSanitizer + UBSan, the threaded tests under
#                   ThreadSanitizer, then valgrind on one run
#   make deps       only the package installation (dpkg first; a second run installs nothing)
#   make test-browser  install Chromium, then check the HTML report in it (headless)
#   make interop    install R's rstan and posterior (Debian packages), then read glassbox's draws
#                   CSV with them (make test runs that check only when they are installed)
#   make compare-r  install R's loo (r-cran-loo), then check `glassbox loo` against it
#   make install    install build/glassbox, the stdlib modules and the man page under PREFIX
#                   (/usr/local), staged under DESTDIR when set; make uninstall removes them
#   make tree-bench  BART sweeps per second of the tree library (200 trees, N = 10,000, p = 10)
#   make MPI=1      build build/mpi/glassbox with Open MPI's mpicc: `mpirun -np R glassbox run`
#                   spreads the chains over R ranks (runtime/cli/cli_mpi.c)
#   make test-mpi   install Open MPI, build with MPI=1, run the mpirun -np 2 tests
#   make format / format-check / headers / structure / clean

# MPI=1: the MPI build, in its own folder (its objects differ: cli_mpi.c for cli_mpi_none.c).
MPI     ?=
ifeq ($(MPI),1)
CC      := mpicc
BUILD   ?= build/mpi
else
CC      ?= cc
BUILD   ?= build
endif
PREFIX  ?= /usr/local
DESTDIR ?=
PKGS    := libgsl-dev libjansson-dev libcmocka-dev flex bison pkg-config graphviz clang \
           libclang-rt-14-dev valgrind libtsan2 python3 libgraphviz-dev \
           libplplot-dev
PKG_LIBS := gsl jansson libgvc libcgraph plplot

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wundef -Wwrite-strings -Wvla
# -falign-loops=32: every loop head on a 32-byte boundary.  The GLM kernels' short inner loops
# (stdlib/glm_block.c) ran 25% slower when an unrelated change moved them across a boundary
# (logistic_10k, one chain: 1.30 s user aligned, 1.62-1.69 s unaligned, same instructions by
# callgrind); the flag changes layout only, never a result.
OPT     ?= -O2 -g -falign-loops=32
CFLAGS  ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off $(WARN) $(CFLAGS) $(SAN) \
             $(addprefix -I,$(INC_DIRS)) -I$(BUILD)/lang \
             $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null) \
             -DGB_STDLIB_DIR='"$(CURDIR)/stdlib"' -DGB_PREFIX='"$(PREFIX)"'
LDLIBS  = $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null || echo -lgsl -lgslcblas -ljansson -lgvc -lcgraph -lcdt -lplplot) \
          -lpthread -lm
TEST_LDLIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# The source folders, lowest layer first: a folder includes only from folders before it (the
# README's Layout section; tests/e2e/run_structure.sh checks it, resolving includes in this order).
INC_DIRS := runtime/core runtime/graph runtime/model runtime/sampler runtime/io runtime/diag \
            runtime/report stdlib lang runtime/cli
LIB_SRC  := $(sort $(wildcard $(addsuffix /*.c,$(INC_DIRS))))
LIB_SRC  := $(filter-out runtime/cli/cli_main.c,$(LIB_SRC))
ifeq ($(MPI),1)
LIB_SRC  := $(filter-out runtime/cli/cli_mpi_none.c,$(LIB_SRC))
else
LIB_SRC  := $(filter-out runtime/cli/cli_mpi.c,$(LIB_SRC))
endif
GEN_SRC  := $(BUILD)/lang/parser.c $(BUILD)/lang/lexer.c
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(GEN_SRC:.c=.o)
TEST_SRC := $(sort $(wildcard tests/*/test_*.c tests/*/*/test_*.c))
TEST_BIN := $(patsubst %.c,$(BUILD)/%,$(TEST_SRC))
TOOL_SRC := tests/stat/sbc.c
SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SUPPORT_SRC))
DEPS     := $(LIB_OBJ:.o=.d) $(BUILD)/runtime/cli/cli_main.d $(SUPPORT_OBJ:.o=.d) \
            $(patsubst %,%.d,$(TEST_BIN) $(BUILD)/tests/stat/sbc) $(BUILD)/tests/fault/fault_alloc.d

.PHONY: all demo test check deps tests format format-check headers clean bench sbc validate fuzz \
        docs interop compare-r tsan install uninstall incdirs structure test-browser compare
all: $(BUILD)/glassbox

$(BUILD)/glassbox: $(BUILD)/runtime/cli/cli_main.o $(BUILD)/libglassbox.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libglassbox.a: $(LIB_OBJ)
	@rm -f $@
	@echo "AR $@"; ar rcs $@ $^

$(BUILD)/%.o: %.c | $(BUILD)/lang/parser.h
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Generated code gets the same flags.  Flex's skeleton compares signed with unsigned sizes and
# leaves some of its generated helpers unused; those two warnings are off for lexer.c only.
$(BUILD)/lang/parser.c $(BUILD)/lang/parser.h: lang/parser.y
	@mkdir -p $(BUILD)/lang
	bison -Wall -Werror --defines=$(BUILD)/lang/parser.h -o $(BUILD)/lang/parser.c $<
$(BUILD)/lang/lexer.c $(BUILD)/lang/lexer.h: lang/lexer.l $(BUILD)/lang/parser.h
	@mkdir -p $(BUILD)/lang
	flex --header-file=$(BUILD)/lang/lexer.h -o $(BUILD)/lang/lexer.c $<
$(BUILD)/lang/lexer.o: $(BUILD)/lang/lexer.c
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -Wno-sign-compare -Wno-unused-function -MMD -MP -c -o $@ $<
$(BUILD)/lang/parser.o: $(BUILD)/lang/parser.c $(BUILD)/lang/lexer.h
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
# Sources that include the generated lexer header need it first.
$(LIB_OBJ): | $(BUILD)/lang/lexer.h

$(BUILD)/tests/%: tests/%.c $(SUPPORT_OBJ) $(BUILD)/libglassbox.a
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -Itests/support -MMD -MP -MF $@.d -o $@ $< $(SUPPORT_OBJ) \
	    $(BUILD)/libglassbox.a $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/support -MMD -MP -c -o $@ $<

TOOL_BIN := $(BUILD)/tests/stat/sbc $(BUILD)/glassbox-fault
tests: $(BUILD)/glassbox $(TEST_BIN) $(TOOL_BIN)

# The binary looks for its stdlib next to itself (BIN/../share/glassbox/stdlib) first, so an
# installed tree may be moved; PREFIX is also compiled in (build with the PREFIX you install to).
STDLIB_GB := $(sort $(wildcard stdlib/*.gb))
install: $(BUILD)/glassbox
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/glassbox/stdlib \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/glassbox $(DESTDIR)$(PREFIX)/bin/glassbox
	install -m 644 $(STDLIB_GB) $(DESTDIR)$(PREFIX)/share/glassbox/stdlib
	install -m 644 doc/glassbox.1 $(DESTDIR)$(PREFIX)/share/man/man1/glassbox.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/glassbox $(DESTDIR)$(PREFIX)/share/man/man1/glassbox.1 \
	    $(patsubst stdlib/%,$(DESTDIR)$(PREFIX)/share/glassbox/stdlib/%,$(STDLIB_GB))
	-rmdir $(DESTDIR)$(PREFIX)/share/glassbox/stdlib $(DESTDIR)$(PREFIX)/share/glassbox 2>/dev/null

# glassbox with an allocator that fails the N-th allocation on request (tests/fault): the
# linker sends every allocation call of glassbox's own objects through tests/fault/fault_alloc.c.
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
$(BUILD)/glassbox-fault: $(BUILD)/runtime/cli/cli_main.o $(BUILD)/tests/fault/fault_alloc.o \
                         $(BUILD)/libglassbox.a
	$(CC) $(ALL_CFLAGS) $(FAULT_WRAP) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/fault/%.o: tests/fault/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Simulation-based calibration at full size (make test runs a short version).
SBC_SIMS ?= 200
sbc: $(BUILD)/tests/stat/sbc
	./$(BUILD)/tests/stat/sbc $(SBC_SIMS)

# Posteriors against posteriordb's references (../shared/validation); writes
# tests/posteriordb/VALIDATION.md.
validate: all
	BUILD=$(BUILD) tests/posteriordb/validate.sh

# Interpretable Bayesian models against scikit-learn and PyTorch baselines on iris, one table
# written into README.md (examples/compare/run.sh; installs python3-sklearn, python3-torch).
compare: all
	GLASSBOX=$(CURDIR)/$(BUILD)/glassbox examples/compare/run.sh

# $(call apt_install,PACKAGES): installs those of the Debian PACKAGES dpkg does not list (sudo
# unless root), so a second run installs nothing.  Every target that installs packages uses it.
define apt_install
@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
    echo "installing:$$missing"; \
    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
    $$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && \
    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing; \
fi
endef

deps:
	$(call apt_install,$(PKGS))

# R's readers of Stan CSV files (rstan's read_stan_csv, posterior): installed only here, since
# they are large; tests/e2e/run_interop.sh skips with a message without them.
INTEROP_PKGS := r-cran-rstan r-cran-posterior
interop: deps
	$(call apt_install,$(INTEROP_PKGS))
	$(MAKE) all
	GLASSBOX=$(CURDIR)/$(BUILD)/glassbox tests/e2e/run_interop.sh

# R's loo package, for the PSIS-LOO cross-check (tests/e2e/run_loo_r.sh, which make test runs
# and which skips with a message without it).
COMPARE_R_PKGS := r-cran-loo
compare-r: deps
	$(call apt_install,$(COMPARE_R_PKGS))
	$(MAKE) all
	GLASSBOX=$(CURDIR)/$(BUILD)/glassbox tests/e2e/run_loo_r.sh

# The report in a real browser (tests/e2e/run_browser.sh; make test runs it only where Chromium
# is installed): Debian's chromium, headless.
test-browser: deps
	$(call apt_install,chromium)
	$(MAKE) all
	GLASSBOX=$(CURDIR)/$(BUILD)/glassbox bash tests/e2e/run_browser.sh

demo: deps
	$(MAKE) all
	./$(BUILD)/glassbox check examples/changepoint.gb
	./$(BUILD)/glassbox inspect examples/changepoint.gb --data examples/changepoint.json
	./$(BUILD)/glassbox graph examples/changepoint.gb --data examples/changepoint.json \
	    --format svg --output $(BUILD)/changepoint.svg
	@echo "model graph drawn: $(BUILD)/changepoint.svg"
	./$(BUILD)/glassbox run examples/changepoint.gb --data examples/changepoint.json \
	    --explain --output $(BUILD)/changepoint.csv

# The MPI build beside the usual one (its own folder; no sanitizers: mpicc's runtime is not built
# with them).
MPI_ALL = $(MAKE) MPI=1 BUILD=build/mpi SAN= all

test: deps
	$(MAKE) tests
	@# the MPI build too where Open MPI is installed (tests/e2e/run_mpi.sh skips without it)
	@if command -v mpicc > /dev/null && command -v mpirun > /dev/null; then $(MPI_ALL); \
	else echo "Open MPI is not installed: the mpirun tests skip (make test-mpi installs it)"; fi
	BUILD=$(BUILD) tests/run.sh

# The MPI tests (tests/e2e/run_mpi.sh: mpirun -np 2) after installing Open MPI from Debian.
MPI_PKGS := libopenmpi-dev openmpi-bin
.PHONY: test-mpi
test-mpi: deps
	$(call apt_install,$(MPI_PKGS))
	$(MAKE) all
	$(MPI_ALL)
	GLASSBOX=$(CURDIR)/$(BUILD)/glassbox MPI_GLASSBOX=$(CURDIR)/build/mpi/glassbox bash tests/e2e/run_mpi.sh

check: deps
	$(MAKE) BUILD=build/asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" tests
	BUILD=build/asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 tests/run.sh
	$(MAKE) all
	@# the -O1 sanitizer build and the -O2 build draw the same numbers (floating point is not
	@# contracted into FMAs, and summation orders are fixed in the source)
	for b in build/asan build; do $$b/glassbox run examples/eight_schools.gb \
	    --data examples/eight_schools.json --chains 2 --warmup 200 --draws 200 --seed 5 --quiet \
	    --output $$b/repro.csv > /dev/null && grep -v -e 'file = ' -e ' seconds (' $$b/repro_2.csv > $$b/repro.txt; done
	cmp build/asan/repro.txt build/repro.txt && echo "-O1 and -O2 draws are byte-identical"
	$(MAKE) tsan
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    -q ./$(BUILD)/glassbox run examples/changepoint.gb --data examples/changepoint.json \
	    --chains 2 --warmup 50 --draws 50 --output $(BUILD)/valgrind.csv > /dev/null

# ThreadSanitizer (gcc's runtime, libtsan2, in PKGS) on what starts threads: the unit tests that
# run chains or summarise on threads, and the end-to-end scripts that run several chains and
# stop them with signals.  Reports go to build/tsan/report.PID; any report fails the target.
TSAN_TESTS := tests/runtime/sampler/test_run tests/runtime/diag/test_summary \
              tests/runtime/model/test_split
TSAN_E2E   := tests/e2e/run_reliability.sh tests/e2e/run_stops.sh
tsan:
	$(MAKE) CC=clang BUILD=build/tsan OPT="-O1 -g" SAN="-fsanitize=thread" all \
	    $(addprefix build/tsan/,$(TSAN_TESTS))
	rm -f build/tsan/report.*
	export TSAN_OPTIONS="log_path=$(CURDIR)/build/tsan/report second_deadlock_stack=1"; \
	for t in $(TSAN_TESTS); do build/tsan/$$t > /dev/null || exit 1; done; \
	for s in $(TSAN_E2E); do GLASSBOX=$(CURDIR)/build/tsan/glassbox bash $$s || exit 1; done
	@if ls build/tsan/report.* > /dev/null 2>&1; then cat build/tsan/report.*; exit 1; fi
	@echo "ThreadSanitizer: no reports"

# Fuzzing (libFuzzer, clang): FUZZ_SECONDS per target; make test replays the corpora instead.
FUZZ_SECONDS ?= 60
fuzz: all
	FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) tests/fuzz/run_fuzz.sh

# stdlib/README.md is generated from the distribution and function tables.
docs: all
	./$(BUILD)/glassbox reference > stdlib/README.md

# The source folders in include order, for scripts (tests/fuzz/run_fuzz.sh, run_structure.sh).
incdirs:
	@echo $(INC_DIRS)

# Layering, include cycles, file and function sizes (README's Layout); make test runs it too.
structure:
	tests/e2e/run_structure.sh

headers:
	@for h in $$(find runtime lang stdlib -name '*.h'); do \
	    echo "#include \"$$h\"" | $(CC) $(ALL_CFLAGS) -I. -x c -fsyntax-only - || exit 1; done; \
	    echo "every header compiles alone"

format:
	clang-format -i $$(find runtime lang stdlib tests -name '*.[ch]')
format-check:
	clang-format --dry-run -Werror $$(find runtime lang stdlib tests -name '*.[ch]')

# Benchmarks against JAGS and Stan (../shared/bench/peers): tests/bench/run_bench.sh.
#   make bench [BENCH_MODELS="eight_schools_nc radon_hier"]   glassbox side, peers' results if any
#   make bench-peers [BENCH_MODELS=...]   installs and runs the peers first (long: see README)
BENCH_MODELS ?=
PEERS_DIR    ?= ../shared/bench/peers
.PHONY: bench-peers
# The benchmark programs (gradbench, tree_bench): one C file each, on the library.
$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libglassbox.a
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(BUILD)/libglassbox.a $(LDLIBS)

$(BUILD)/bench/splitbench: tests/bench/splitbench.c $(BUILD)/libglassbox.a
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(BUILD)/libglassbox.a $(LDLIBS)

bench: all $(BUILD)/bench/gradbench $(BUILD)/bench/tree_bench
	BUILD=$(BUILD) BENCH_MODELS="$(BENCH_MODELS)" PEERS_DIR="$(PEERS_DIR)" PEER_RESULTS="$(PEER_RESULTS)" \
	    tests/bench/run_bench.sh
	GLASSBOX=$(BUILD)/glassbox RESULTS="$(if $(PEER_RESULTS),$(PEER_RESULTS),$(BUILD)/bench/peers)" \
	    tests/bench/check_summary.sh
	GLASSBOX=$(BUILD)/glassbox RESULTS="$(if $(PEER_RESULTS),$(PEER_RESULTS),$(BUILD)/bench/peers)" \
	    tests/bench/check_regression.sh
	$(BUILD)/bench/tree_bench

# BART sweeps per second (issue 19: 200 trees, N = 10,000, p = 10, target >= 50 on one core).
.PHONY: tree-bench
tree-bench: $(BUILD)/bench/tree_bench
	$(BUILD)/bench/tree_bench

# The tree component beside scikit-learn (README's tables): 5-fold CV accuracy on iris against
# DecisionTreeClassifier, and BART on Friedman's function against RandomForestRegressor.
# Installs python3-sklearn with apt-get when it is missing.
.PHONY: compare-tree
compare-tree: all
	@/usr/bin/python3 -c 'import sklearn' 2>/dev/null || apt-get install -y python3-sklearn
	/usr/bin/python3 tests/compare/tree_iris_cv.py $(BUILD)/glassbox
	/usr/bin/python3 tests/compare/tree_friedman.py $(BUILD)/glassbox

bench-peers: all $(BUILD)/bench/gradbench
	@if [ ! -d "$(PEERS_DIR)" ]; then echo "bench-peers: $(PEERS_DIR) is absent; nothing to run"; \
	else \
	    $(PEERS_DIR)/install.sh && mkdir -p $(BUILD)/bench/peers && \
	    RESULTS="$(CURDIR)/$(BUILD)/bench/peers" REPORT="$(CURDIR)/$(BUILD)/bench/peers/RESULTS.md" \
	        $(PEERS_DIR)/run.sh $(BENCH_MODELS) && \
	    $(MAKE) bench BENCH_MODELS="$(BENCH_MODELS)" PEER_RESULTS="$(CURDIR)/$(BUILD)/bench/peers"; \
	fi

clean:
	rm -rf build

-include $(DEPS)
