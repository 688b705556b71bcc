// Package fake is the Fake generator: it returns spec.data verbatim, for tests and demos of
// generator plumbing.
package fake

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
)

// Generator returns its spec's data; it keeps no state.
type Generator struct{}

var _ generators.Generator = Generator{}

// Generate returns spec.data.
func (Generator) Generate(_ context.Context, obj *apiextensionsv1.JSON, _ client.Client, _ string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	spec, err := generators.Spec[genv1alpha1.FakeSpec](obj)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string][]byte, len(spec.Data))
	for k, v := range spec.Data {
		out[k] = []byte(v)
	}
	return out, nil, nil
}

// Cleanup has nothing to release.
func (Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}
