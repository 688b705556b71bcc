// Package uuid is the UUID generator: a random (version 4) UUID under the key "uuid".
package uuid

import (
	"context"

	guuid "github.com/google/uuid"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seedb5e69c69/external-secrets/pkg/generators"
)

// Generator generates UUIDs; it keeps no state.
type Generator struct{}

var _ generators.Generator = Generator{}

// Generate returns {"uuid": <random v4 UUID>}.
func (Generator) Generate(context.Context, *apiextensionsv1.JSON, client.Client, string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	id, err := guuid.NewRandom()
	if err != nil {
		return nil, nil, err
	}
	return map[string][]byte{"uuid": []byte(id.String())}, nil, nil
}

// Cleanup has nothing to release.
func (Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}
