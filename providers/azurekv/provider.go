// Package azurekv is the Azure Key Vault provider (spec.provider.azurekv): it reads secrets,
// keys (as JWK JSON) and certificates (as DER) from a vault, finds secrets by name and tags,
// and pushes secrets, through the current Azure SDK (azsecrets, azkeys, azcertificates,
// azidentity). Credentials come from a service principal (client secret or certificate in
// a Secret), from a Kubernetes ServiceAccount token exchanged with Microsoft Entra ID
// (workload identity federation), or from the managed identity of the controller's node.
//
// A Client lives for one reconcile. It remembers every object it read, so several data[]
// entries that name one secret cost one call, and it asks Entra ID for a token once.
package azurekv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsLabel is the provider label of the provider API call metric, as upstream uses it.
const MetricsLabel = "Azure/KeyVault"

// Call names of the provider API call metric. The Key Vault ones are upstream's; GetToken
// counts the token requests to Entra ID (or the managed identity endpoint).
const (
	CallGetSecret      = "GetSecret"
	CallGetKey         = "GetKey"
	CallGetCertificate = "GetCertificate"
	CallListSecrets    = "GetSecrets"
	CallSetSecret      = "SetSecret"
	CallDeleteSecret   = "DeleteSecret"
	CallGetToken       = "GetToken"
)

// Provider serves every store with spec.provider.azurekv. It holds no per-store state: each
// Client builds its own credential from the store's auth settings.
type Provider struct {
	observer                  providers.CallObserver
	transport                 policy.Transporter
	authorityHost             string
	skipChallengeVerification bool
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every Key Vault call and every token request (for the provider
// API call metric) under MetricsLabel.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithHTTPClient replaces the HTTP client of every request (Key Vault, Entra ID, managed
// identity), to add a proxy or tracing, or to trust a test server.
func WithHTTPClient(t policy.Transporter) Option {
	return func(p *Provider) { p.transport = t }
}

// WithAuthorityHost sends every Entra ID request to host (https://...) instead of the
// store's cloud, and skips Entra ID instance discovery, which only the public login host
// can answer. It exists for tests against a local token endpoint, and for disconnected
// environments where a proxy serves Entra ID under another name.
func WithAuthorityHost(host string) Option {
	return func(p *Provider) { p.authorityHost = host }
}

// WithoutChallengeResourceVerification accepts a Key Vault challenge whose resource does not
// match the vault's DNS name. Key Vault always names a matching resource; only a vault
// served under another name (a test server on 127.0.0.1) needs this.
func WithoutChallengeResourceVerification() Option {
	return func(p *Provider) { p.skipChallengeVerification = true }
}

// New returns the Azure Key Vault provider. main registers one value for every store; the
// options let tests point the real SDK at a local emulator.
func New(opts ...Option) *Provider {
	p := &Provider{}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadWrite: secrets can be pushed and deleted.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient builds a Client for the store's vault with the credential its auth settings
// name. It reads the credential references (Secrets, the ServiceAccount) but calls neither
// Entra ID nor the vault. A ClusterSecretStore whose credentials live in each
// ExternalSecret's namespace gets a client even without a namespace: its Validate reports
// Unknown and its other methods fail, since there is nothing to authenticate with.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := kvSpec(store)
	if err != nil {
		return nil, err
	}
	cl, err := cloudFor(spec)
	if err != nil {
		return nil, err
	}
	opts, err := p.clientOptions(store.GetSpec().RetrySettings, cl)
	if err != nil {
		return nil, err
	}
	c := &Client{vaultURL: *spec.VaultURL, observer: p.observe, scope: cl.scope, reads: map[string]cachedRead{}}
	cred, err := p.credential(ctx, store, kube, namespace, spec, cl, opts)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		c.referent = err
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	c.cred = &observedCredential{cred: cred, observe: p.observe}
	if err := c.connect(opts, p.skipChallengeVerification); err != nil {
		return nil, err
	}
	return c, nil
}

// clientOptions are the azcore options shared by every SDK client and credential of one
// store: the cloud, the transport, and the store's retry settings.
func (p *Provider) clientOptions(retries *esv1.SecretStoreRetrySettings, cl cloudConfig) (azcore.ClientOptions, error) {
	opts := azcore.ClientOptions{Cloud: cl.config, Transport: p.transport}
	if p.authorityHost != "" {
		opts.Cloud.ActiveDirectoryAuthorityHost = p.authorityHost
	}
	if retries == nil {
		return opts, nil
	}
	if retries.MaxRetries != nil {
		opts.Retry.MaxRetries = *retries.MaxRetries
		if opts.Retry.MaxRetries == 0 {
			opts.Retry.MaxRetries = -1 // azcore reads 0 as "the default of 3"
		}
	}
	if retries.RetryInterval != nil {
		d, err := time.ParseDuration(*retries.RetryInterval)
		if err != nil {
			return opts, fmt.Errorf("retrySettings.retryInterval: %w", err)
		}
		opts.Retry.RetryDelay, opts.Retry.MaxRetryDelay = d, d
	}
	return opts, nil
}

// connect builds the three SDK clients of the vault; none of them makes a call yet.
func (c *Client) connect(opts azcore.ClientOptions, skipVerification bool) error {
	var err error
	if c.secrets, err = azsecrets.NewClient(c.vaultURL, c.cred, &azsecrets.ClientOptions{ClientOptions: opts, DisableChallengeResourceVerification: skipVerification}); err != nil {
		return fmt.Errorf("creating the Key Vault secrets client: %w", err)
	}
	if c.keys, err = azkeys.NewClient(c.vaultURL, c.cred, &azkeys.ClientOptions{ClientOptions: opts, DisableChallengeResourceVerification: skipVerification}); err != nil {
		return fmt.Errorf("creating the Key Vault keys client: %w", err)
	}
	if c.certs, err = azcertificates.NewClient(c.vaultURL, c.cred, &azcertificates.ClientOptions{ClientOptions: opts, DisableChallengeResourceVerification: skipVerification}); err != nil {
		return fmt.Errorf("creating the Key Vault certificates client: %w", err)
	}
	return nil
}

func (p *Provider) observe(call string, err error) {
	if p.observer != nil {
		p.observer.ObserveAPICall(MetricsLabel, call, err)
	}
}

func kvSpec(store esv1.GenericStore) (*esv1.AzureKVProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.AzureKV == nil {
		return nil, errors.New("the store does not configure the azurekv provider")
	}
	if spec.Provider.AzureKV.VaultURL == nil || *spec.Provider.AzureKV.VaultURL == "" {
		return nil, errors.New("vaultUrl is required")
	}
	return spec.Provider.AzureKV, nil
}

// observedCredential reports each token request to the call observer and keeps the tokens
// it got for the client's lifetime, so that the three SDK clients of one Client share one
// token per scope.
type observedCredential struct {
	cred    azcore.TokenCredential
	observe func(string, error)

	mu     sync.Mutex
	tokens map[string]azcore.AccessToken
}

// tokenReuseMargin is how long before its expiry a kept token is replaced.
const tokenReuseMargin = 2 * time.Minute

// GetToken returns a kept token for the same request while it is valid, else a new one.
func (o *observedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := fmt.Sprintf("%q|%s|%s|%t", opts.Scopes, opts.TenantID, opts.Claims, opts.EnableCAE)
	o.mu.Lock()
	defer o.mu.Unlock()
	if tok, ok := o.tokens[key]; ok && time.Until(tok.ExpiresOn) > tokenReuseMargin {
		return tok, nil
	}
	tok, err := o.cred.GetToken(ctx, opts)
	o.observe(CallGetToken, err)
	if err != nil {
		return tok, err
	}
	if o.tokens == nil {
		o.tokens = map[string]azcore.AccessToken{}
	}
	o.tokens[key] = tok
	return tok, nil
}
