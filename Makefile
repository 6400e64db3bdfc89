# The two commands users need: `make up` (deploy the local stack on a local control plane) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

TOOLS_DIR ?= $(HOME)/.cache/digit-iac
STATE_DIR ?= $(HOME)/.local/state/digit-iac
LOCALCP_DIR ?= $(STATE_DIR)/localcp
STACK ?= local
export PULUMI_CONFIG_PASSPHRASE ?= digit-local-stack
# -s -w: no symbol table or DWARF in the test binaries; linking them is a third of a cold `make test` otherwise.
GO_TEST_FLAGS ?= -timeout 50m -ldflags='-s -w'

.PHONY: tools up down test unit e2e vet fmt bench mutate cluster-start cluster-stop

tools: ## build and cache the Pulumi CLI, providers and the local control plane (once per version)
	bash hack/tools.sh

cluster-start: tools
	bash hack/localcp.sh start $(LOCALCP_DIR)

cluster-stop:
	bash hack/localcp.sh stop $(LOCALCP_DIR)

# The local stack's service credentials (enc-service master key, filestore keys): generated once, then reused.
LOCAL_SECRETS ?= $(STATE_DIR)/local-secrets.json

up: cluster-start ## deploy the whole service layer onto the local control plane and local Postgres
	go run ./hack/localsecrets -stack Pulumi.$(STACK).yaml -file $(LOCAL_SECRETS)
	source $(TOOLS_DIR)/env.sh && source $(LOCALCP_DIR)/env && export DIGIT_SECRETS="$$(cat $(LOCAL_SECRETS))" && \
	go run ./cmd/digit up -s $(STACK) --state $(STATE_DIR) --yes \
	  --config 'digit:database={"host":"'"$$DIGIT_PG_HOST"'","port":'"$$DIGIT_PG_PORT"',"name":"'"$$DIGIT_PG_DB"'","user":"'"$$DIGIT_PG_USER"'","maxConnections":'"$$DIGIT_PG_MAX_CONNECTIONS"'}' \
	  --secret digit:dbPassword=DIGIT_PG_PASSWORD --secret digit:secrets=DIGIT_SECRETS
	@echo
	@echo "Deployed. Reach it with:"
	@echo "  export KUBECONFIG=$(LOCALCP_DIR)/kubeconfig PATH=$$(dirname $$(source $(TOOLS_DIR)/env.sh && command -v kubectl)):\$$PATH"
	@echo "  kubectl get pods -A                       # workloads on the three simulated nodes"
	@echo "  kubectl get ingress -n egov               # one route per service context path (ingressRoutes above)"
	@echo "  go run ./cmd/digit outputs -s $(STACK) --state $(STATE_DIR)"
	@echo "Tear down with: make down"

down: ## destroy the local stack and stop the local control plane
	if [ -f $(LOCALCP_DIR)/env ]; then \
	  source $(TOOLS_DIR)/env.sh && source $(LOCALCP_DIR)/env && \
	  go run ./cmd/digit destroy -s $(STACK) --state $(STATE_DIR) --yes \
	    --config 'digit:database={"host":"'"$$DIGIT_PG_HOST"'","port":'"$$DIGIT_PG_PORT"',"name":"'"$$DIGIT_PG_DB"'","user":"'"$$DIGIT_PG_USER"'"}' \
	    --secret digit:dbPassword=DIGIT_PG_PASSWORD; \
	fi
	bash hack/localcp.sh stop $(LOCALCP_DIR)

vet:
	go vet ./...

unit: ## config, catalogue and cloud/service layers under Pulumi mocks (no tools needed)
	go test -short ./...

e2e: tools ## the real engine and provider against a local control plane
	source $(TOOLS_DIR)/env.sh && go test $(GO_TEST_FLAGS) -v -run . ./tests/...

test: tools vet ## everything: vet, unit and mock tests, end-to-end tests
	source $(TOOLS_DIR)/env.sh && go test $(GO_TEST_FLAGS) ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

bench:
	go test -run '^$$' -bench . -benchtime 3x ./bench/...

# Mutation testing (slow, not in CI): killed / survived / not covered per package. MUTATE_PKGS narrows it, e.g.
# `make mutate MUTATE_PKGS="components/aws stacks/config"`.
MUTATE_PKGS ?= stacks/config catalogue components/... infra/... stacks
mutate:
	bash hack/mutate.sh $(MUTATE_PKGS)
