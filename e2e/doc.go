// Package e2e holds the suites that run the built external-secrets binary against a real
// kube-apiserver. They are slow and need the binary, so they are behind the e2e build tag
// and run with `make test-e2e` and `make bench`, never with `go test ./...`.
package e2e
