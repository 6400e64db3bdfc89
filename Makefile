# The two commands users need: `make up` (deploy the local stack on a local control plane) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

TOOLS_DIR ?= $(or $(DIGIT_TOOLS_DIR),$(HOME)/.cache/digit-iac)
STATE_DIR ?= $(HOME)/.local/state/digit-iac
LOCALCP_DIR ?= $(STATE_DIR)/localcp
STACK ?= local
export PULUMI_CONFIG_PASSPHRASE ?= digit-local-stack
# (`go test` links its test binaries without symbol table and DWARF already: -ldflags='-s -w' there changes nothing.)
GO_TEST_FLAGS ?= -timeout 50m

# The compiler flags of every build (hack/goflags.sh: no DWARF, no inlining in generated code): the tools are built
# with the same ones, so the packages they share with the tests compile once. Exported, so that the Go language host
# `pulumi up` starts builds the program with them too and finds the tests' compiled packages in the build cache.
ifndef DIGIT_GOFLAGS
export DIGIT_GOFLAGS := $(shell bash hack/goflags.sh)
export GOFLAGS := $(strip $(GOFLAGS) $(DIGIT_GOFLAGS))
endif

# GOGC=200: the compiler collects half as often (about -18 % on the heaviest package, ~2.4 GB peak per compile);
# it does not change what is compiled, so the build cache still serves every earlier build.
export GOGC ?= 200

# What `go test` runs: every package but bench/, which holds benchmarks only (`make bench`); under `go test ./...` it
# would still compile and link a test binary of the whole program and the cloud SDKs, to run nothing.
# (Recursively expanded: `go list` runs only for the targets that test.)
TEST_PKGS = $(shell go list ./... | grep -v '/bench$$')

# The runner, built once into the state dir: `go build` relinks only when a source, go.mod/go.sum or a flag changed
# (it compares the build ID of the binary already there), so a second `make up` or `make down` starts at once.
DIGIT_BIN := $(STATE_DIR)/bin/digit

.PHONY: tools up down test unit e2e vet fmt bench mutate cluster-start cluster-stop digit fidelity-summary

tools: ## acquire the Pulumi CLI, the Kubernetes provider and the local control plane (PATH, cache, download or build)
	DIGIT_TOOLS_DIR=$(TOOLS_DIR) bash hack/tools.sh

cluster-start: tools
	DIGIT_TOOLS_DIR=$(TOOLS_DIR) bash hack/localcp.sh start $(LOCALCP_DIR)

cluster-stop:
	bash hack/localcp.sh stop $(LOCALCP_DIR)

digit: ## build (or keep, when nothing changed) the runner binary $(DIGIT_BIN)
	go build -o $(DIGIT_BIN) ./cmd/digit

# Extra flags for `digit up`, e.g. UP_FLAGS='--parallel 16 --trace /tmp/up.tsv'.
UP_FLAGS ?=

# The local stack's service credentials (enc-service master key, filestore keys): generated once, then reused.
LOCAL_SECRETS ?= $(STATE_DIR)/local-secrets.json

up: digit cluster-start ## deploy the whole service layer onto the local control plane and local Postgres
	go run ./hack/localsecrets -stack Pulumi.$(STACK).yaml -file $(LOCAL_SECRETS)
	source $(TOOLS_DIR)/env.sh && source $(LOCALCP_DIR)/env && export DIGIT_SECRETS="$$(cat $(LOCAL_SECRETS))" && \
	$(DIGIT_BIN) up -s $(STACK) --dir $(CURDIR) --state $(STATE_DIR) --yes $(UP_FLAGS) \
	  --config 'digit:database={"host":"'"$$DIGIT_PG_HOST"'","port":'"$$DIGIT_PG_PORT"',"name":"'"$$DIGIT_PG_DB"'","user":"'"$$DIGIT_PG_USER"'","maxConnections":'"$$DIGIT_PG_MAX_CONNECTIONS"'}' \
	  --secret digit:dbPassword=DIGIT_PG_PASSWORD --secret digit:secrets=DIGIT_SECRETS
	@echo
	@echo "Deployed. Reach it with:"
	@echo "  export KUBECONFIG=$(LOCALCP_DIR)/kubeconfig PATH=$$(dirname $$(source $(TOOLS_DIR)/env.sh && command -v kubectl)):\$$PATH"
	@echo "  kubectl get pods -A                       # workloads on the three simulated nodes"
	@echo "  kubectl get ingress -n egov               # one route per service context path (ingressRoutes above)"
	@echo "  $(DIGIT_BIN) outputs -s $(STACK) --state $(STATE_DIR)"
	@echo "Tear down with: make down"

down: ## destroy the local stack and stop the local control plane
	if [ -f $(LOCALCP_DIR)/env ]; then \
	  go build -o $(DIGIT_BIN) ./cmd/digit && \
	  source $(TOOLS_DIR)/env.sh && source $(LOCALCP_DIR)/env && \
	  $(DIGIT_BIN) destroy -s $(STACK) --dir $(CURDIR) --state $(STATE_DIR) --yes \
	    --config 'digit:database={"host":"'"$$DIGIT_PG_HOST"'","port":'"$$DIGIT_PG_PORT"',"name":"'"$$DIGIT_PG_DB"'","user":"'"$$DIGIT_PG_USER"'"}' \
	    --secret digit:dbPassword=DIGIT_PG_PASSWORD; \
	fi
	bash hack/localcp.sh stop $(LOCALCP_DIR)

vet:
	go vet ./...

unit: ## config, catalogue and cloud/service layers under Pulumi mocks (no tools needed)
	go test -short $(TEST_PKGS)

e2e: tools ## the real engine and provider against a local control plane
	source $(TOOLS_DIR)/env.sh && go test $(GO_TEST_FLAGS) -v -run . ./tests/...

# Every tested package but the end-to-end one.
UNIT_PKGS = $(filter-out %/tests,$(TEST_PKGS))

# The lanes run after `go vet ./...`, whose checks include the ones `go test` runs first (those would analyse every
# dependency again under another key: about 140 CPU seconds on a cold cache).
LANE_FLAGS = -vet=off

# `make test`: first the tools (on a fresh machine their builds are most of the run, on both cores), then `go vet`,
# which compiles every package the tests need once (the standard library and golang.org/x come from the tool builds'
# cache, as both use hack/goflags.sh), then two lanes at once. The e2e lane runs tests/: mostly waiting, on the
# engine, the apiserver and rollouts. The unit lane (every other package) links its test binaries and runs them at
# the lowest CPU priority, in what the e2e lane leaves idle. Compiling in the lanes while the tools built slowed both
# (a cold run took 59 minutes that way, 55 with no lanes): the two compiled the same packages at once. Each line is
# prefixed with its lane; the target fails when either lane does.
test: ## everything: vet, unit and mock tests, end-to-end tests
	@echo "[test $$(date +%T)] tools"
	$(MAKE) --no-print-directory tools
	@echo "[test $$(date +%T)] vet"
	go vet ./...
	@echo "[test $$(date +%T)] lanes"
	e2e=0; unit=0; \
	{ { source $(TOOLS_DIR)/env.sh && go test $(GO_TEST_FLAGS) $(LANE_FLAGS) ./tests/; } 2>&1 | sed -u 's/^/e2e  | /'; } & lane=$$!; \
	{ nice -n 19 go test $(GO_TEST_FLAGS) $(LANE_FLAGS) $(UNIT_PKGS) && \
	  nice -n 19 $(MAKE) --no-print-directory fidelity-summary; } 2>&1 | sed -u 's/^/unit | /' || unit=$$?; \
	wait $$lane || e2e=$$?; \
	echo "[test $$(date +%T)] done"; \
	if [ $$unit -ne 0 ] || [ $$e2e -ne 0 ]; then echo "make test: unit lane exit $$unit, e2e lane exit $$e2e"; exit 1; fi

# `go test` shows a passing package's output only with -v: print the fidelity, configuration-surface and Pod
# Security and policy suite summaries (the tests' results are cached from the run above, so this replays them).
fidelity-summary:
	@go test $(LANE_FLAGS) -v -run 'TestFidelityToUpstream|TestSurfaceRiskyPropertiesAreSetOrRecorded|TestPodSecurityOfEveryNamespace|TestPolicySuite' \
	  ./stacks/ | grep -E '^(fidelity |surface (class|total)|pod security |policy )'

fmt:
	gofmt -l -w $$(git ls-files '*.go')

# The deploy benchmark (P1-P6 of bench/results.md) on fresh local control planes; about an hour on 2 cores, on a
# quiet machine. BENCH_FLAGS narrows it, e.g. BENCH_FLAGS='-runs 3 -only P1,P2,P4'. Then the Go benchmarks of
# config loading and registration under mocks.
BENCH_FLAGS ?=
bench: tools
	source $(TOOLS_DIR)/env.sh && go run ./bench/deploy $(BENCH_FLAGS)
	go test -run '^$$' -bench . -benchtime 3x ./bench/

# Mutation testing (not in CI: minutes per package): killed / survived / not covered per package, each survivor
# printed with its file and line, the per-mutant results kept in $(MUTATE_OUT). MUTATE_PKGS narrows it, e.g.
# `make mutate MUTATE_PKGS="components/aws stacks/config"`; DIR=TESTDIR judges a package by another package's tests
# (the cloud layers have none of their own: the stacks' tests drive them).
MUTATE_PKGS ?= stacks/config catalogue components/... infra/...=stacks stacks
MUTATE_OUT ?= $(STATE_DIR)/mutate
mutate:
	go run ./hack/mutate -out $(MUTATE_OUT) $(MUTATE_PKGS)
