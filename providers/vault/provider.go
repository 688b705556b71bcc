// Package vault is the HashiCorp Vault provider (spec.provider.vault): it reads and writes
// secrets of a KV engine, version 1 or 2, through the official hashicorp/vault/api client,
// after logging in with the method the store configures (a token, AppRole, Kubernetes, JWT,
// TLS certificate, userpass or LDAP). Tests run it against a real Vault server built by
// hack/vault.sh.
package vault

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// DefaultServiceAccountTokenFile is the controller's own ServiceAccount token, presented by
// Kubernetes auth when the store names neither a ServiceAccount nor a Secret.
const DefaultServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// Provider serves every store with spec.provider.vault. Apart from the optional token cache
// it holds no per-store state.
type Provider struct {
	observer    providers.CallObserver
	tokens      *tokenCache
	saTokenFile string
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every request to Vault (for the provider API call metric) under
// the provider label HashiCorp/Vault, with calls named ReadSecretData, ListSecrets,
// WriteSecretData, DeleteSecret, Login, LookupSelf and RevokeSelf.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithTokenCache keeps up to size login tokens across clients (--enable-vault-token-cache),
// so that a store does not log in and revoke a token on every reconcile. Cached tokens are
// checked with a token lookup before reuse and are not revoked on Close. A size of 0 or less
// disables the cache.
func WithTokenCache(size int) Option {
	return func(p *Provider) {
		p.tokens = nil
		if size > 0 {
			p.tokens = newTokenCache(size)
		}
	}
}

// WithServiceAccountTokenFile changes where the controller's own ServiceAccount token is read
// from (DefaultServiceAccountTokenFile), for running outside a pod and for tests.
func WithServiceAccountTokenFile(path string) Option {
	return func(p *Provider) { p.saTokenFile = path }
}

// New returns the Vault provider. main registers one value for every store.
func New(opts ...Option) *Provider {
	p := &Provider{saTokenFile: DefaultServiceAccountTokenFile}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadWrite: KV secrets can be read and pushed.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient builds a Vault client for the store and logs in with the store's auth method.
// Credentials (tokens, passwords, certificates, CA bundles) are read through the
// controller's kube client with the referent rules of package credentials. A
// ClusterSecretStore whose credentials live in each ExternalSecret's namespace gets a client
// even without a namespace: its Validate reports Unknown and its calls fail.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := vaultSpec(store)
	if err != nil {
		return nil, err
	}
	c, err := p.newClient(ctx, store, kube, namespace, spec)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		return &Client{kv: newKV(spec), referent: err}, nil
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (p *Provider) newClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string, spec *esv1.VaultProvider) (*Client, error) {
	r := &resolver{kube: kube, store: store, namespace: namespace}
	api, transport, err := p.apiClient(ctx, r, store, spec)
	if err != nil {
		return nil, err
	}
	c := &Client{
		api:       api,
		transport: transport,
		kv:        newKV(spec),
		cas:       spec.CheckAndSet != nil && spec.CheckAndSet.Required,
		observer:  p.observer,
		authNS:    authNamespace(spec),
	}
	if err := p.authenticate(ctx, c, r, spec); err != nil {
		c.transport.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

func vaultSpec(store esv1.GenericStore) (*esv1.VaultProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Vault == nil {
		return nil, errors.New("the store does not configure the vault provider")
	}
	return spec.Provider.Vault, nil
}

// authNamespace is the Vault namespace logins and token calls go to: auth.namespace when
// set, else the namespace secrets are read from.
func authNamespace(spec *esv1.VaultProvider) string {
	if spec.Auth != nil && spec.Auth.Namespace != nil {
		return *spec.Auth.Namespace
	}
	if spec.Namespace != nil {
		return *spec.Namespace
	}
	return ""
}

// resolver reads the credentials a store references, with the referent rules of package
// credentials.
type resolver struct {
	kube      client.Client
	store     esv1.GenericStore
	namespace string
}

func (r *resolver) wrap(field string, err error) error {
	return fmt.Errorf("%s: %w", field, err)
}
