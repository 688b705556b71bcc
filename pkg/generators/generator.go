// Package generators is the contract between the ExternalSecret controller and the generator
// kinds (generators.external-secrets.io): resolving a generatorRef into a generator object,
// and the explicit registry of the kinds this binary can run. Each kind lives in its own
// package under pkg/generators.
package generators

import (
	"context"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Generator produces values instead of reading them from a store.
//
// Generate is called on every refresh of an ExternalSecret that uses the generator, so a
// Password rotates on each refresh unless the ExternalSecret keeps its first value
// (refreshPolicy CreatedOnce, or target.immutable). obj is the generator's manifest (for a
// ClusterGenerator: the wrapped kind, as if it lived in namespace). A generator that creates
// something outside (a database user, a token) returns a state that Cleanup later receives;
// stateless generators return nil.
type Generator interface {
	Generate(ctx context.Context, obj *apiextensionsv1.JSON, kube client.Client, namespace string) (map[string][]byte, *apiextensionsv1.JSON, error)
	// Cleanup releases what a Generate call created. It must be idempotent.
	Cleanup(ctx context.Context, obj *apiextensionsv1.JSON, state *apiextensionsv1.JSON, kube client.Client, namespace string) error
}

// Registry maps generator kinds to their implementation. It is built once in main (no init()
// registration), and tests build one with the kinds they need.
type Registry struct {
	byKind map[string]Generator
}

// Entry is one kind of the registry.
type Entry struct {
	// Kind is the generator kind, e.g. "Password".
	Kind string
	// Generator runs it.
	Generator Generator
}

// NewRegistry builds a registry; a kind listed twice is a programming error.
func NewRegistry(entries ...Entry) (*Registry, error) {
	r := &Registry{byKind: map[string]Generator{}}
	for _, e := range entries {
		if _, dup := r.byKind[e.Kind]; dup {
			return nil, fmt.Errorf("generator kind %q registered twice", e.Kind)
		}
		r.byKind[e.Kind] = e.Generator
	}
	return r, nil
}

// For returns the generator of kind.
func (r *Registry) For(kind string) (Generator, bool) {
	if r == nil {
		return nil, false
	}
	g, ok := r.byKind[kind]
	return g, ok
}

// Kinds lists the registered kinds.
func (r *Registry) Kinds() []string {
	out := make([]string, 0, len(r.byKind))
	for k := range r.byKind {
		out = append(out, k)
	}
	return out
}
