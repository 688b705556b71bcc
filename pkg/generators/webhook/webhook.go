// Package webhook is the Webhook generator: it calls an HTTP endpoint configured like a
// Webhook SecretStore and returns the fields of the JSON object it answers. The request is
// made by the Webhook provider (providers/webhook), so the generator and the stores share
// templating, TLS, NTLM, the Secret label rule and the error handling.
package webhook

import (
	"context"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	webhookprovider "github.com/seedb5e69c69/external-secrets/providers/webhook"
)

// Generator runs Webhook generators. It keeps no state: what the endpoint hands out is its
// own business, so there is nothing to clean up.
type Generator struct {
	// Webhook makes the call; main passes the registered provider so that the calls are
	// counted in the provider API call metric. Nil uses a provider without metrics.
	Webhook *webhookprovider.Provider
}

var _ generators.Generator = Generator{}

// New returns a Generator whose calls go through a Webhook provider built with opts, e.g.
// webhookprovider.WithCallObserver so that they are counted like the stores' calls.
func New(opts ...webhookprovider.Option) Generator {
	return Generator{Webhook: webhookprovider.New(opts...)}
}

// Generate calls the endpoint once, reading the Secrets the spec references in namespace
// (the generator's), and returns the response's JSON object after result.jsonPath as
// key/value pairs: strings raw, other values as JSON text.
func (g Generator) Generate(ctx context.Context, obj *apiextensionsv1.JSON, kube client.Client, namespace string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	spec, err := generators.Spec[genv1alpha1.WebhookSpec](obj)
	if err != nil {
		return nil, nil, err
	}
	p := g.Webhook
	if p == nil {
		p = webhookprovider.New()
	}
	out, err := p.FetchMap(ctx, &spec.WebhookProvider, kube, namespace)
	if err != nil {
		return nil, nil, err
	}
	return out, nil, nil
}

// Cleanup has nothing to release.
func (Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}
