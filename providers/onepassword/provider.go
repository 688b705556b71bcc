// Package onepassword is the 1Password Connect provider (spec.provider.onepassword): it reads
// the fields and files of 1Password items through a Connect server, with the official
// connect-sdk-go client, searching the store's vaults in priority order.
//
// An item is addressed by its title (or its 26-character item ID); a value inside it by a
// field label or a file name. The provider is read-only: PushSecret is not implemented by
// this controller, so Clients do not implement providers.Writer.
package onepassword

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/1Password/connect-sdk-go/connect"
	"github.com/opentracing/opentracing-go"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsProvider is the provider label of this provider's API call metrics. Upstream's
// Connect provider reports no calls; the label follows the "1Password/SDK" label of its
// sibling provider so that the two stay apart on a dashboard.
const MetricsProvider = "1Password/Connect"

// UserAgent identifies the controller to the Connect server (its access log).
const UserAgent = "external-secrets"

// Call labels of the provider API call metric: the connect-sdk-go method that was called.
// One method may send several HTTP requests (GetItemsByTitle reads each matching item).
const (
	callGetVault        = "GetVault"
	callGetItemsByTitle = "GetItemsByTitle"
	callGetItemByUUID   = "GetItemByUUID"
	callGetItems        = "GetItems"
	callGetFileContent  = "GetFileContent"
)

// Provider serves every store with spec.provider.onepassword. It holds no per-store state.
type Provider struct {
	observer providers.CallObserver
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every connect-sdk-go call (for the provider API call metric),
// labelled MetricsProvider and the SDK method name (GetVault, GetItemsByTitle,
// GetItemByUUID, GetItems, GetFileContent).
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

var noopTracer sync.Once

// New returns the 1Password Connect provider. main registers one value for every store.
//
// connect-sdk-go installs a Jaeger tracer as the process's global OpenTracing tracer the
// first time a client is built, unless one is already installed; that tracer polls
// 127.0.0.1:5778 and sends spans over UDP from background goroutines. New installs the
// no-op tracer first (once, and only when no tracer is installed), so building Connect
// clients starts nothing in the background.
func New(opts ...Option) *Provider {
	noopTracer.Do(func() {
		if !opentracing.IsGlobalTracerRegistered() {
			opentracing.SetGlobalTracer(opentracing.NoopTracer{})
		}
	})
	p := &Provider{}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadOnly: PushSecret to 1Password is not implemented by this
// controller.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadOnly
}

// NewClient reads the Connect token (with the referent rules of package credentials) and
// returns a Client searching the store's vaults. No request is made until the first read.
// A ClusterSecretStore whose token lives in each ExternalSecret's namespace gets a client
// even without a namespace: its Validate reports Unknown and its reads fail.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := onePasswordSpec(store)
	if err != nil {
		return nil, err
	}
	if err := checkAuth(spec); err != nil {
		return nil, err
	}
	if err := checkHost(spec.ConnectHost); err != nil {
		return nil, err
	}
	c := newClient(spec.Vaults, p.observer)
	token, err := credentials.SecretKey(ctx, kube, store, namespace, spec.Auth.SecretRef.ConnectToken)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		c.referent = err
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the Connect token: %w", err)
	}
	c.sdk = connect.NewClientWithUserAgent(spec.ConnectHost, string(token), UserAgent)
	return c, nil
}

func onePasswordSpec(store esv1.GenericStore) (*esv1.OnePasswordProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.OnePassword == nil {
		return nil, errors.New("the store does not configure the onepassword provider")
	}
	return spec.Provider.OnePassword, nil
}

func checkAuth(spec *esv1.OnePasswordProvider) error {
	if spec.Auth == nil || spec.Auth.SecretRef == nil {
		return errors.New("auth.secretRef.connectTokenSecretRef is required")
	}
	return nil
}

// checkHost accepts an absolute http(s) URL. The SDK appends /v1/... to it verbatim.
func checkHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("connectHost %q is not an http(s) URL", raw)
	}
	return nil
}
