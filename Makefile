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
manifests: $(CONTROLLER_GEN) ## Generate the CRDs (v1 schema, also served as v1beta1) and the controller ClusterRole into config/; copy them into the chart.
	rm -f $(CRD_DIR)/*.yaml
	$(CONTROLLER_GEN) crd paths=./apis/... output:crd:artifacts:config=$(CRD_DIR)
	go run ./hack/crd-versions $(CRD_DIR)
	$(CONTROLLER_GEN) rbac:roleName=external-secrets-controller paths=./pkg/controllers/... output:rbac:artifacts:config=config/rbac
	@$(MAKE) --no-print-directory chart-files

.PHONY: verify
verify: generate manifests ## Regenerate everything and fail if the tree is dirty, plus gofmt and go vet.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "not gofmt-ed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	@git add -N . && git diff --exit-code --stat -- apis config charts || { echo "generated files are stale: run make generate manifests and commit"; exit 1; }

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: demo
demo: envtest build ## The guided demo: control plane + Vault + controller, sample stores and ExternalSecrets, a force-sync; stays up until Ctrl-C.
	@./hack/vault.sh >/dev/null
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" go run ./hack/localcluster -demo config/samples/demo -- $(BIN)/external-secrets --loglevel warn

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

# Alert rules and dashboard (config/prometheus, config/grafana). promtool is built from source by its
# own tool module, hack/tools/promtool (go.mod there says why not `go install ...@version`), whose
# require line is the one place the version is pinned; the binary is named after it, like the tools above.
PROMTOOL_VERSION := $(shell awk '$$1 == "require" && $$2 == "github.com/prometheus/prometheus" {print $$3}' hack/tools/promtool/go.mod)
PROMTOOL := $(BIN)/promtool-$(PROMTOOL_VERSION)
PROM_DIR := config/prometheus

.PHONY: promtool
promtool: $(PROMTOOL) ## Build the pinned promtool into bin/ (once per version; cold: ~13 CPU-minutes, 7+ min on 2 cores).

.PHONY: alerts
alerts: ## Regenerate config/prometheus/rules.yaml (the PrometheusRule) from rules.prom.yaml.
	go run ./hack/observability -prom $(PROM_DIR)/rules.prom.yaml -out $(PROM_DIR)/rules.yaml

.PHONY: test-alerts
test-alerts: $(PROMTOOL) ## Check alert rules and dashboard: in sync, known metrics, promtool check + unit tests.
	go run ./hack/observability -prom $(PROM_DIR)/rules.prom.yaml -out $(PROM_DIR)/rules.yaml -check
	go test -count=1 ./hack/observability/
	$(PROMTOOL) check rules $(PROM_DIR)/rules.prom.yaml
	$(PROMTOOL) test rules $(PROM_DIR)/rules_test.yaml

$(PROMTOOL): hack/tools/promtool/go.mod hack/tools/promtool/go.sum
	@mkdir -p $(BIN)
	cd hack/tools/promtool && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o $@ github.com/prometheus/prometheus/cmd/promtool

# The Helm chart (charts/external-secrets) and the container image. The chart's files/ are copies
# of config/ made by `make manifests` (so `make verify` fails when they are stale). helm is built
# from source through the Go module proxy, like the tools above; the image is assembled without a
# container engine by the tool module hack/tools/image (Dockerfile is the same image for users).
CHART_DIR := charts/external-secrets
HELM_VERSION := v3.22.0
HELM := $(BIN)/helm-$(HELM_VERSION)
# What helm's own release build stamps in: its version, and the Kubernetes version `helm template`
# and `helm lint` assume (that of its client-go, v0.37 for helm v3.22.0; 1.20 if left out).
HELM_LDFLAGS := -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	$(foreach p,pkg/chartutil pkg/lint/rules,-X helm.sh/helm/v3/$(p).k8sVersionMajor=1 -X helm.sh/helm/v3/$(p).k8sVersionMinor=37)
IMAGE_DIR := $(BIN)/image
IMAGE ?= ghcr.io/seedb5e69c69/external-secrets:dev

.PHONY: chart-files
chart-files: ## Copy CRDs, controller ClusterRole, webhook configurations, alert rules and dashboard from config/ into the chart.
	rm -rf $(CHART_DIR)/files
	mkdir -p $(addprefix $(CHART_DIR)/files/,crds rbac webhook prometheus grafana)
	cp $(CRD_DIR)/*.yaml $(CHART_DIR)/files/crds/
	cp config/rbac/role.yaml $(CHART_DIR)/files/rbac/
	cp config/webhook/validatingwebhookconfiguration.yaml $(CHART_DIR)/files/webhook/
	cp config/prometheus/rules.yaml $(CHART_DIR)/files/prometheus/
	cp config/grafana/dashboard.json $(CHART_DIR)/files/grafana/

.PHONY: helm
helm: $(HELM) ## Build the pinned helm into bin/ (once per version; about 6 minutes cold on 2 cores).

.PHONY: test-chart
test-chart: $(HELM) envtest build ## Lint and render the chart for several value sets; dry-run apply it and config/default to a test apiserver.
	KUBEBUILDER_ASSETS="$$(./hack/envtest.sh)" HELM=$(HELM) ESO_BINARY=$(BIN)/external-secrets go test $(TEST_FLAGS) ./hack/charttest/

.PHONY: image
image: ## Build the OCI image (no container engine needed) into bin/image (OCI layout) and bin/image.tar.
	CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w" -o $(IMAGE_DIR)/external-secrets ./cmd/external-secrets
	cd hack/tools/image && go run . -binary $(IMAGE_DIR)/external-secrets -ref $(IMAGE) -layout $(IMAGE_DIR)/layout -tarball $(BIN)/image.tar

.PHONY: test-image
test-image: image ## Check the built image: non-root user 65532, entrypoint the binary, the binary and CA certificates in its layer.
	cd hack/tools/image && ESO_IMAGE_LAYOUT=$(IMAGE_DIR)/layout ESO_IMAGE_BINARY=$(IMAGE_DIR)/external-secrets go test $(TEST_FLAGS) ./...

$(HELM):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) CGO_ENABLED=0 go install -trimpath -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(BIN)/helm $@

.PHONY: vault
vault: ## Build (once per version, cached in ~/.cache) the Vault server the Vault provider's tests run against.
	@./hack/vault.sh >/dev/null

# The Vault provider's tests start a real Vault server; build it before they run.
test: vault
