// Package charttest tests the Helm chart (charts/external-secrets) and the kustomize bases
// (config/default) as a cluster would receive them: helm lint and helm template for several
// value sets, every rendered object applied with server-side dry-run to the test apiserver
// (with the restricted Pod Security level warning on), the container arguments parsed by the
// built binary, and the controller run as the chart's ServiceAccount with nothing but the
// chart's RBAC.
//
// The tests need the helm binary: `make test-chart` builds the pinned one and sets HELM (and
// ESO_BINARY for the checks that run the binary). Without HELM they skip, so `go test ./...`
// stays fast.
package charttest
