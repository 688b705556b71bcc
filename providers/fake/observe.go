package fake

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsProvider is the provider label of this provider's API call metrics.
const MetricsProvider = "Fake"

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver counts every read and write of a fake store as if it were a call to a
// backend, so benchmarks and tests can see how many calls reach a store.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// observedClient reports each call of the wrapped Client once, at the outermost method.
type observedClient struct {
	c *Client
	o providers.CallObserver
}

var (
	_ providers.Client = observedClient{}
	_ providers.Writer = observedClient{}
)

func (w observedClient) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	v, err := w.c.GetSecret(ctx, ref)
	w.o.ObserveAPICall(MetricsProvider, "GetSecret", err)
	return v, err
}

func (w observedClient) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	v, err := w.c.GetSecretMap(ctx, ref)
	w.o.ObserveAPICall(MetricsProvider, "GetSecretMap", err)
	return v, err
}

func (w observedClient) GetAllSecrets(ctx context.Context, find esv1.ExternalSecretFind) (map[string][]byte, error) {
	v, err := w.c.GetAllSecrets(ctx, find)
	w.o.ObserveAPICall(MetricsProvider, "GetAllSecrets", err)
	return v, err
}

func (w observedClient) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	return w.c.Validate(ctx)
}

func (w observedClient) Close(ctx context.Context) error { return w.c.Close(ctx) }

func (w observedClient) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	err := w.c.PushSecret(ctx, secret, data)
	w.o.ObserveAPICall(MetricsProvider, "PushSecret", err)
	return err
}

func (w observedClient) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	err := w.c.DeleteSecret(ctx, ref)
	w.o.ObserveAPICall(MetricsProvider, "DeleteSecret", err)
	return err
}

func (w observedClient) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	ok, err := w.c.SecretExists(ctx, ref)
	w.o.ObserveAPICall(MetricsProvider, "SecretExists", err)
	return ok, err
}
