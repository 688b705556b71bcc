# Every target has a "## help" line; `make help` lists them. Tools are pinned and installed into bin/.
SHELL := /usr/bin/env bash -o pipefail
.DEFAULT_GOAL := help

BIN := $(CURDIR)/bin
CONTROLLER_GEN_VERSION := v0.23.0
GOLANGCI_LINT_VERSION := v2.15.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
GOLANGCI_LINT := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CRD_DIR := config/crd/bases
# Unit tests and envtest suites; slow end-to-end suites run only with `make test-e2e`.
TEST_FLAGS ?= -count=1

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the external-secrets binary into bin/.
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/external-secrets ./cmd/external-secrets

.PHONY: envtest
envtest: ## Build (once per version, cached in ~/.cache) the kube-apiserver, etcd and kubectl used by tests.
	@./hack/envtest.sh >/dev/null

.PHONY: test
test: envtest ## Run unit and envtest integration tests.
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" go test $(TEST_FLAGS) ./...

.PHONY: test-e2e
test-e2e: envtest build ## Run the end-to-end suites against the built binary.
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" ESO_BINARY=$(BIN)/external-secrets go test $(TEST_FLAGS) -tags e2e ./e2e/...

.PHONY: bench
bench: envtest build ## Measure N ExternalSecrets (ESO_BENCH_N, default 1000) from apply to Ready with the built binary.
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" ESO_BINARY=$(BIN)/external-secrets go test -tags e2e -run '^$$' -bench . -benchtime 1x -timeout 30m ./e2e/bench/

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code for the API types.
	$(CONTROLLER_GEN) object paths=./apis/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRDs (v1 schema, also served as v1beta1) and the controller ClusterRole into config/.
	rm -f $(CRD_DIR)/*.yaml
	$(CONTROLLER_GEN) crd paths=./apis/... output:crd:artifacts:config=$(CRD_DIR)
	go run ./hack/crd-versions $(CRD_DIR)
	$(CONTROLLER_GEN) rbac:roleName=external-secrets-controller paths=./pkg/controllers/... output:rbac:artifacts:config=config/rbac

.PHONY: verify
verify: generate manifests ## Regenerate everything and fail if the tree is dirty, plus gofmt and go vet.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "not gofmt-ed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	@git add -N . && git diff --exit-code --stat -- apis config charts || { echo "generated files are stale: run make generate manifests and commit"; exit 1; }

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: run
run: envtest build ## Run the controller on a local control plane, apply config/samples and print the synced Secret.
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" go run ./hack/localcluster -samples config/samples -- $(BIN)/external-secrets $(RUN_ARGS)

$(CONTROLLER_GEN):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(BIN)/controller-gen $@

$(GOLANGCI_LINT):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/golangci-lint $@
