// Package infisical is the Infisical provider (spec.provider.infisical): it reads the secrets
// of one project environment (and folder) of Infisical Cloud or a self-hosted Infisical,
// logging in as a machine identity through the official go-sdk.
//
// A Client logs in when it is built, reads with the access token it got, and revokes that
// token in Close; a token the store hands over (tokenAuthCredentials) is used as is and never
// revoked. The SDK's background token refresher is always off: a Client lives for one
// reconcile, far shorter than a token's lifetime, and a goroutine per Client would outlive it.
package infisical

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	infisicalsdk "github.com/infisical/go-sdk"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// DefaultHostAPI is the API of Infisical Cloud (US), used when a store sets no hostAPI.
const DefaultHostAPI = "https://app.infisical.com/api"

// MetricsProvider is the provider label of this provider's API call metrics; it is the
// value upstream External Secrets uses, so dashboards keep working.
const MetricsProvider = "infisical"

// Call labels of the provider API call metric, as upstream names them.
const (
	callGetSecret = "GetSecretByKeyV3"
	callList      = "GetSecretsV3"
	callRevoke    = "RevokeAccessToken"
)

// DefaultServiceAccountTokenPath is the controller's own ServiceAccount token, sent by
// kubernetesAuthCredentials when the store names no serviceAccountTokenPath.
const DefaultServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// Provider serves every store with spec.provider.infisical. It holds no per-store state.
type Provider struct {
	observer         providers.CallObserver
	defaultTokenPath string
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every Infisical API call (for the provider API call metric),
// labelled MetricsProvider and the upstream call name: GetSecretByKeyV3, GetSecretsV3,
// RevokeAccessToken, MachineIdentityLoginVia<Method>.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithDefaultServiceAccountTokenPath changes the token file kubernetesAuthCredentials sends
// when the store names none (DefaultServiceAccountTokenPath), for running outside a pod.
func WithDefaultServiceAccountTokenPath(path string) Option {
	return func(p *Provider) { p.defaultTokenPath = path }
}

// New returns the Infisical provider. main registers one value for every store.
func New(opts ...Option) *Provider {
	p := &Provider{defaultTokenPath: DefaultServiceAccountTokenPath}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadOnly: PushSecret to Infisical is not implemented by this
// controller (the write endpoints need the project's ID, which a store does not carry).
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadOnly
}

// NewClient reads the store's credentials (with the referent rules of package credentials),
// logs in and returns a Client bound to the store's secrets scope. A ClusterSecretStore
// whose credentials live in each ExternalSecret's namespace gets a client even without a
// namespace: its Validate reports Unknown and its reads fail, since nobody logged in.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := infisicalSpec(store)
	if err != nil {
		return nil, err
	}
	c := &Client{scope: newScope(spec.SecretsScope), observer: p.observer, reads: map[readKey]readResult{}}
	l, err := p.prepareLogin(ctx, credentialReader{kube: kube, store: store, namespace: namespace}, spec.Auth)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		c.referent = err
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	ca, err := credentials.CABundle(ctx, kube, store, namespace, spec.CABundle, spec.CAProvider)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		c.referent = err
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	host, err := hostAPI(spec.HostAPI)
	if err != nil {
		return nil, err
	}
	c.sdk = infisicalsdk.NewInfisicalClient(context.Background(), infisicalsdk.Config{
		SiteUrl:          host,
		CaCertificate:    string(ca),
		AutoTokenRefresh: infisicalsdk.BoolPtr(false),
		SilentMode:       true,
		LogWriter:        io.Discard,
	})
	if org := spec.SecretsScope.OrganizationSlug; org != "" {
		c.sdk.Auth().WithOrganizationSlug(org)
	}
	if err := c.login(ctx, l); err != nil {
		return nil, err
	}
	return c, nil
}

// hostAPI checks hostAPI and applies the default. The SDK appends /api when it is missing,
// so both "https://host" and "https://host/api" work.
func hostAPI(raw string) (string, error) {
	if raw == "" {
		return DefaultHostAPI, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("hostAPI %q is not an http(s) URL", raw)
	}
	return raw, nil
}

func infisicalSpec(store esv1.GenericStore) (*esv1.InfisicalProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Infisical == nil {
		return nil, errors.New("the store does not configure the infisical provider")
	}
	return spec.Provider.Infisical, nil
}
