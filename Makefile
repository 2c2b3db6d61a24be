# One non-recursive Makefile: build/libdse.a, the three programs, the tests.
#
#   make          build everything under build/
#   make deps     install the Debian packages the project needs (when missing)
#   make test     deps, build, every test (layering, unit, TOML conformance, integration)
#   make run      deps, build, then the main job on configs/quickstart.toml
#   make asan     the tests under -fsanitize=address,undefined (in build/asan)
#   make fuzz     libFuzzer: TOML parser, wire decoders, job text (FUZZ_SECONDS each, default 60)
#   make chaos    4 workers killed and frozen at random, one coordinator restart; identical outputs
#   make bench    the benchmarks

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2 -g
SANITIZE ?=
PKGS     := libczmq libzmq msgpack hwloc libprotobuf-c

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-missing-field-initializers
CPPFLAGS_ALL := -I. -I$(BUILD) -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS_ALL   := -std=c11 $(OPT) $(SANITIZE) $(WARN) -MMD -MP $(CFLAGS)
LDLIBS_ALL   := $(PKG_LIBS) -lpthread -lm $(LDLIBS)

LIB_DIRS  := core kernels hwmodels config eval search outputs worker coordinator
LIB_SRCS  := $(filter-out %/main_dse_run.c %/main_dse_coordinator.c %/main_dse_worker.c \
               %/main_dse_kernel_timer.c %/main_dse_keygen.c, \
               $(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/onnx/onnx.pb-c.o
LIB       := $(BUILD)/libdse.a

PROGS     := $(BUILD)/dse-run $(BUILD)/dse-coordinator $(BUILD)/dse-worker \
             $(BUILD)/dse-kernel-timer $(BUILD)/dse-keygen
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tests/main.o
TOOLS     := $(BUILD)/toml-decoder $(BUILD)/dse-noise $(BUILD)/dse-fake-sim $(BUILD)/dse-hostile \
             $(BUILD)/dse-fake-sim-static
BENCH_SRCS := $(wildcard bench/*.c)
BENCHES   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench-%)

ALL_OBJS  := $(LIB_OBJS) $(TEST_OBJS) $(BUILD)/coordinator/main_dse_run.o \
             $(BUILD)/coordinator/main_dse_coordinator.o $(BUILD)/worker/main_dse_worker.o \
             $(BUILD)/worker/main_dse_kernel_timer.o $(BUILD)/coordinator/main_dse_keygen.o \
             $(BUILD)/tests/toml_decoder.o $(BUILD)/tests/noise_peer.o $(BUILD)/tests/fake_sim.o \
             $(BUILD)/tests/hostile_peer.o \
             $(BENCH_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all deps test unit check-build run asan fuzz fuzz-onnx bench clean toml-test integration chaos \
        layering
.DEFAULT_GOAL := all
# The benchmarks' objects come from a pattern chain: without this, make
# deletes them as intermediates and links every benchmark again at the next
# `make` (so `make test` built each one twice).
.SECONDARY: $(BENCH_SRCS:%.c=$(BUILD)/%.o)
MAKEFLAGS += --no-print-directory

all: $(LIB) $(PROGS) $(BUILD)/dse-tests $(TOOLS) $(BENCHES)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

# ONNX: protobuf-c code generated at build time from Debian's libonnx-dev.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
$(BUILD)/onnx/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/onnx
	@echo "  PROTOC  $<"
	@protoc-c --proto_path=$(dir $(ONNX_PROTO)).. --c_out=$(BUILD) onnx/onnx.proto
$(BUILD)/onnx/onnx.pb-c.c: $(BUILD)/onnx/onnx.pb-c.h
$(BUILD)/onnx/onnx.pb-c.o: $(BUILD)/onnx/onnx.pb-c.c
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@
$(BUILD)/core/onnx.o $(BUILD)/tests/test_onnx.o $(BUILD)/bench/onnx.o: $(BUILD)/onnx/onnx.pb-c.h

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/dse-run: $(BUILD)/coordinator/main_dse_run.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-coordinator: $(BUILD)/coordinator/main_dse_coordinator.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-worker: $(BUILD)/worker/main_dse_worker.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-kernel-timer: $(BUILD)/worker/main_dse_kernel_timer.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-keygen: $(BUILD)/coordinator/main_dse_keygen.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/toml-decoder: $(BUILD)/tests/toml_decoder.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-noise: $(BUILD)/tests/noise_peer.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/dse-fake-sim: $(BUILD)/tests/fake_sim.o
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ -lm
# the same fake, linked statically and without sanitizers: the trivial
# command of bench-measure, whose start costs no dynamic loading
$(BUILD)/dse-fake-sim-static: tests/fake_sim.c
	@echo "  LD      $@"
	@mkdir -p $(BUILD)
	@$(CC) -std=c11 -O2 -D_GNU_SOURCE $(WARN) -static -o $@ $< -lm
$(BUILD)/dse-hostile: $(BUILD)/tests/hostile_peer.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/bench-%: $(BUILD)/bench/%.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)

# The test name table is generated from the DSE_TEST(name) lines.
$(BUILD)/test_table.h: $(TEST_SRCS)
	@mkdir -p $(dir $@)
	@grep -ho '^DSE_TEST([A-Za-z0-9_]*)' $(TEST_SRCS) /dev/null | \
	  sed 's/^DSE_TEST(\(.*\))/DSE_TEST_ENTRY(\1)/' > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/main.o: $(BUILD)/test_table.h
$(BUILD)/dse-tests: $(TEST_OBJS) $(LIB)
	@echo "  LD      $@"
	@$(CC) $(SANITIZE) -o $@ $^ $(LDLIBS_ALL)

deps:
	@sh .ci/deps.sh

unit: $(BUILD)/dse-tests
	timeout 900 $(BUILD)/dse-tests

toml-test: $(BUILD)/toml-decoder
	timeout 600 sh tests/toml-test.sh $(BUILD)/toml-decoder

# the library's layering, from the objects' symbols (tools/layering.sh)
MAIN_OBJS := $(BUILD)/coordinator/main_dse_run.o $(BUILD)/coordinator/main_dse_coordinator.o \
             $(BUILD)/worker/main_dse_worker.o $(BUILD)/worker/main_dse_kernel_timer.o \
             $(BUILD)/coordinator/main_dse_keygen.o
layering: $(LIB_OBJS) $(MAIN_OBJS)
	@sh tools/layering.sh --self-test
	@sh tools/layering.sh --includes
	@sh tools/layering.sh $(filter-out $(BUILD)/onnx/%,$(LIB_OBJS)) $(MAIN_OBJS)

integration: all
	@BUILD=$(BUILD) timeout 1800 sh tests/integration/run.sh

# random SIGKILL, SIGSTOP and SIGCONT of 4 workers during jobs (CHAOS_RUNS, CHAOS_N)
chaos: all
	@BUILD=$(BUILD) timeout 900 sh tests/chaos.sh

test: deps
	$(MAKE) all
	$(MAKE) layering
	$(MAKE) unit
	$(MAKE) toml-test
	$(MAKE) integration

run: deps
	$(MAKE) all
	$(BUILD)/dse-run configs/quickstart.toml

ASAN_VARS := BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
asan: deps
	$(MAKE) $(ASAN_VARS) all
	ASAN_OPTIONS=detect_leaks=1 $(MAKE) $(ASAN_VARS) unit toml-test integration

FUZZ_SECONDS ?= 60
FUZZ_SAN  := -fsanitize=fuzzer,address,undefined
FUZZ_LIB  := build/fuzz/lib/libdse.a
# every target runs FUZZ_SECONDS: the TOML parser, every wire decoder, and
# the job text a worker builds a job from (the library built by clang)
fuzz:
	@sh .ci/deps.sh fuzz
	@mkdir -p build/fuzz build/fuzz/corpus build/fuzz/corpus-wire build/fuzz/corpus-job
	clang -std=c11 -g -O1 -I. -D_GNU_SOURCE $(FUZZ_SAN) \
	  -o build/fuzz/fuzz-toml fuzz/fuzz_toml.c core/toml.c core/error.c core/util.c
	$(MAKE) CC=clang BUILD=build/fuzz/lib OPT="-O1 -g" \
	  SANITIZE="-fsanitize=fuzzer-no-link,address,undefined" $(FUZZ_LIB)
	clang -std=c11 -g -O1 -I. -D_GNU_SOURCE $(FUZZ_SAN) -o build/fuzz/fuzz-wire \
	  fuzz/fuzz_wire.c $(FUZZ_LIB) $(LDLIBS_ALL)
	clang -std=c11 -g -O1 -I. -D_GNU_SOURCE $(FUZZ_SAN) -o build/fuzz/fuzz-job \
	  fuzz/fuzz_job.c $(FUZZ_LIB) $(LDLIBS_ALL)
	@cp -n fuzz/corpus/* build/fuzz/corpus/ 2>/dev/null || true
	@cp -n fuzz/corpus-wire/* build/fuzz/corpus-wire/ 2>/dev/null || true
	@cp -n fuzz/corpus-job/* build/fuzz/corpus-job/ 2>/dev/null || true
	@if [ -d ../shared/toml-test/tests ]; then find ../shared/toml-test/tests -name '*.toml' | \
	  while read -r f; do cp -n "$$f" "build/fuzz/corpus/$$(echo "$$f" | tr / _)"; done; fi
	build/fuzz/fuzz-toml -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -artifact_prefix=build/fuzz/ build/fuzz/corpus
	build/fuzz/fuzz-wire -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -artifact_prefix=build/fuzz/wire- build/fuzz/corpus-wire
	build/fuzz/fuzz-job -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=20 \
	  -rss_limit_mb=1024 -artifact_prefix=build/fuzz/job- build/fuzz/corpus-job
	$(MAKE) fuzz-onnx

# The ONNX importer under libFuzzer (FUZZ_SECONDS); seeds from tests/onnx/make_models.py.
fuzz-onnx: $(BUILD)/onnx/onnx.pb-c.c $(LIB)
	@sh .ci/deps.sh fuzz
	@mkdir -p build/fuzz build/fuzz/corpus-onnx
	clang -std=c11 -g -O1 -I. -I$(BUILD) -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	  -o build/fuzz/fuzz-onnx fuzz/fuzz_onnx.c core/onnx.c core/network.c core/job.c \
	  core/error.c core/util.c $(BUILD)/onnx/onnx.pb-c.c $(LIB) $(LDLIBS_ALL)
	@for p in python3 /usr/bin/python3; do $$p -c "import onnx" 2>/dev/null && \
	  $$p tests/onnx/make_models.py build/fuzz/onnx-seeds >/dev/null && break; done; \
	  for f in build/fuzz/onnx-seeds/*.onnx; do [ -f "$$f" ] && [ $$(stat -c %s "$$f") -lt 200000 ] && \
	  cp -n "$$f" build/fuzz/corpus-onnx/; done; true
	build/fuzz/fuzz-onnx -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	  -artifact_prefix=build/fuzz/onnx- build/fuzz/corpus-onnx

bench: deps
	$(MAKE) all
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done
	@echo "== $(BUILD)/bench-refine --perturb 0.001,0.01,0.02,0.05 (refine's share per model error)"; \
	  $(BUILD)/bench-refine --perturb 0.001,0.01,0.02,0.05
	@echo "== $(BUILD)/bench-quality --huge (random and nsga2, 60 s each)"; \
	  $(BUILD)/bench-quality --huge configs/resnet8-train-huge.toml 60
	@echo "== composition as objectives grow"; BUILD=$(BUILD) sh bench/compose.sh
	@echo "== scaling"; BUILD=$(BUILD) sh bench/scaling.sh
	@echo "== wall time to the exact fronts"; BUILD=$(BUILD) sh bench/fronts.sh
	@echo "== refine, Optuna's TPE, nsga2, random at equal measured budgets"; \
	  /usr/bin/python3 bench/tpe.py --build $(BUILD) configs/resnet8-train.toml \
	  configs/dscnn-infer.toml

clean:
	rm -rf build

-include $(ALL_OBJS:.o=.d)
