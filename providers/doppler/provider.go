// Package doppler is the Doppler provider (spec.provider.doppler): it reads (and pushes)
// the secrets of one Doppler config through Doppler's v3 REST API, with a service or
// personal token from a Secret or a token obtained by exchanging a Kubernetes
// ServiceAccount token (OIDC). There is no official Go SDK; the few endpoints used are
// called with net/http (see api.go).
//
// Downloads are conditional: the provider remembers each download with its ETag (a bounded
// LRU shared by every client, see WithETagCacheSize) and Doppler answers 304 when nothing
// changed, which is then served from memory. providers.ErrNotModified never leaves this
// package.
package doppler

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// DefaultBaseURL is Doppler's API.
const DefaultBaseURL = "https://api.doppler.com"

// Environment variables of the controller that override the API address and TLS checking,
// as upstream External Secrets reads them.
const (
	EnvBaseURL   = "DOPPLER_BASE_URL"
	EnvVerifyTLS = "DOPPLER_VERIFY_TLS"
)

// MetricsProvider is the provider label of this provider's API call metrics.
const MetricsProvider = "Doppler"

// Call labels of the provider API call metric, one per Doppler endpoint.
const (
	callDownload = "DownloadSecrets"
	callGet      = "GetSecret"
	callUpdate   = "UpdateSecrets"
	callLogin    = "Login"
)

// requestTimeout bounds one call to Doppler when the reconcile's context has no deadline.
const requestTimeout = 30 * time.Second

// Provider serves every store with spec.provider.doppler. Apart from the ETag cache it holds
// no per-store state.
type Provider struct {
	observer  providers.CallObserver
	httpc     *http.Client
	baseURL   string
	verifyTLS bool
	etags     *etagCache
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every Doppler API call (for the provider API call metric),
// labelled MetricsProvider ("Doppler") and DownloadSecrets, GetSecret, UpdateSecrets or
// Login (the OIDC token exchange).
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithETagCacheSize sets how many downloads are remembered with their ETag
// (--doppler-etag-cache-size, default DefaultETagCacheSize); 0 or less disables the cache,
// so that every read downloads.
func WithETagCacheSize(n int) Option {
	return func(p *Provider) {
		p.etags = nil
		if n > 0 {
			p.etags = newETagCache(n)
		}
	}
}

// WithBaseURL points the provider at another Doppler API address, overriding
// DOPPLER_BASE_URL; tests use it for the local emulator.
func WithBaseURL(u string) Option {
	return func(p *Provider) { p.baseURL = u }
}

// WithHTTPClient replaces the HTTP client (and with it DOPPLER_VERIFY_TLS), for tests.
func WithHTTPClient(c *http.Client) Option {
	return func(p *Provider) { p.httpc = c }
}

// New returns the Doppler provider. It reads DOPPLER_BASE_URL and DOPPLER_VERIFY_TLS once;
// TLS verification is only turned off when DOPPLER_VERIFY_TLS is a false boolean ("false",
// "0", "f"), never because the variable is malformed.
func New(opts ...Option) *Provider {
	p := &Provider{
		baseURL:   os.Getenv(EnvBaseURL),
		verifyTLS: verifyTLSFromEnv(os.Getenv(EnvVerifyTLS)),
		etags:     newETagCache(DefaultETagCacheSize),
	}
	for _, o := range opts {
		o(p)
	}
	if p.baseURL == "" {
		p.baseURL = DefaultBaseURL
	}
	if p.httpc == nil {
		p.httpc = defaultHTTPClient(p.verifyTLS)
	}
	return p
}

func verifyTLSFromEnv(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return err != nil || b
}

func defaultHTTPClient(verify bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if !verify {
		// Only ever set when the operator asked for it with DOPPLER_VERIFY_TLS=false.
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // explicit opt-out
	}
	return &http.Client{Transport: t, Timeout: requestTimeout}
}

// Capabilities reports ReadWrite: secrets of a config can be read and pushed.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient reads the store's token (or exchanges a ServiceAccount token for one) with the
// referent rules of package credentials and returns a Client bound to the store's project
// and config. A ClusterSecretStore whose credentials live in each ExternalSecret's namespace
// gets a client even without a namespace: its Validate reports Unknown and its reads fail.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := dopplerSpec(store)
	if err != nil {
		return nil, err
	}
	if err := validateSpec(store, spec); err != nil {
		return nil, err
	}
	base, err := parseBaseURL(p.baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		provider: p,
		api:      &api{http: p.httpc, base: base},
		spec:     spec,
		key: etagKey{
			storeKind: store.GetKind(), storeNamespace: store.GetNamespace(), storeName: store.GetName(),
			namespace: namespace,
		},
		values: map[string]string{},
	}
	switch {
	case spec.Auth.SecretRef != nil:
		token, err := credentials.SecretKey(ctx, kube, store, namespace, tokenSelector(spec.Auth.SecretRef))
		if errors.Is(err, credentials.ErrReferentNamespace) {
			c.referent = err
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("auth.secretRef.dopplerToken: %w", err)
		}
		c.api.token = strings.TrimSpace(string(token))
		sum := sha256.Sum256([]byte(c.api.token))
		c.key.credential = "token:" + hex.EncodeToString(sum[:])
	default:
		o := spec.Auth.OIDCConfig
		saToken, err := credentials.ServiceAccountToken(ctx, kube, store, namespace, o.ServiceAccountRef, oidcAudiences(store, base))
		if errors.Is(err, credentials.ErrReferentNamespace) {
			c.referent = err
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("auth.oidcConfig.serviceAccountRef: %w", err)
		}
		token, _, err := c.api.oidcLogin(ctx, o.Identity, saToken)
		c.observe(callLogin, err)
		if err != nil {
			if isStatus(err, http.StatusNotFound) || isStatus(err, http.StatusBadRequest) {
				err = errors.Join(err, providers.ErrUnauthorized)
			}
			return nil, fmt.Errorf("exchanging the ServiceAccount token for a Doppler token (identity %q): %w", o.Identity, err)
		}
		c.api.token = token
		c.key.credential = "oidc:" + o.Identity
	}
	return c, nil
}

// oidcAudiences are the audiences of the exchanged ServiceAccount token, as Doppler's
// service account identities expect them: the API address, and one naming the store so
// that an identity can trust one store only. The ServiceAccount's own audiences come first
// (credentials.ServiceAccountToken adds them).
func oidcAudiences(store esv1.GenericStore, base *url.URL) []string {
	bind := "clusterSecretStore:" + store.GetName()
	if store.GetKind() != esv1.ClusterSecretStoreKind {
		bind = "secretStore:" + store.GetNamespace() + ":" + store.GetName()
	}
	return []string{base.String(), bind}
}

// parseBaseURL accepts an http(s) URL; a bare host gets https.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSuffix(strings.TrimSpace(raw), "/")
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", EnvBaseURL, raw)
	}
	return u, nil
}

func dopplerSpec(store esv1.GenericStore) (*esv1.DopplerProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Doppler == nil {
		return nil, errors.New("the store does not configure the doppler provider")
	}
	return spec.Provider.Doppler, nil
}
