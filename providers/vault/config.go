package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	vaultapi "github.com/hashicorp/vault/api"
	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// Request tuning. The retry defaults are the Vault client's own; a store's retrySettings
// override them.
const (
	requestTimeout      = 60 * time.Second
	defaultMaxRetries   = 2
	defaultMinRetryWait = time.Second
	defaultMaxRetryWait = 1500 * time.Millisecond
	// Keys read from the Secrets of tls.certSecretRef/keySecretRef and auth.cert when a
	// selector names none: the keys of a kubernetes.io/tls Secret.
	defaultCertKey = corev1.TLSCertKey
	defaultKeyKey  = corev1.TLSPrivateKeyKey
)

// Header names Vault understands.
const (
	headerInconsistent = "X-Vault-Inconsistent"
	forwardActiveNode  = "forward-active-node"
)

// apiClient builds the Vault client of a store: address, TLS, retries, headers and the
// namespace secrets are read from. It never reads VAULT_* environment variables: the store
// alone decides where the controller connects and with what (VAULT_SKIP_VERIFY or
// VAULT_TOKEN in the controller's environment must not leak into every store).
func (p *Provider) apiClient(ctx context.Context, r *resolver, store esv1.GenericStore, spec *esv1.VaultProvider) (*vaultapi.Client, *http.Transport, error) {
	addr, err := serverURL(spec.Server)
	if err != nil {
		return nil, nil, err
	}
	tlsConfig, err := r.tlsConfig(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig:     tlsConfig,
	}
	cfg := &vaultapi.Config{
		Address: addr,
		HttpClient: &http.Client{
			Transport: transport,
			// The Vault client follows redirects itself (to the active node).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout:        requestTimeout,
		MaxRetries:     defaultMaxRetries,
		MinRetryWait:   defaultMinRetryWait,
		MaxRetryWait:   defaultMaxRetryWait,
		ReadYourWrites: spec.ReadYourWrites,
	}
	if err := applyRetrySettings(cfg, store.GetSpec().RetrySettings); err != nil {
		return nil, nil, err
	}
	api, err := vaultapi.NewClient(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("building the Vault client: %w", err)
	}
	api.SetHeaders(headers(spec))
	api.ClearToken()
	if spec.Namespace != nil && *spec.Namespace != "" {
		api.SetNamespace(*spec.Namespace)
	}
	return api, transport, nil
}

// headers are the store's headers plus the ones Vault's client always sends, replacing
// whatever VAULT_HEADERS put there.
func headers(spec *esv1.VaultProvider) http.Header {
	h := http.Header{}
	h.Set(vaultapi.RequestHeaderName, "true")
	for k, v := range spec.Headers {
		h.Set(k, v)
	}
	if spec.ReadYourWrites && spec.ForwardInconsistent {
		h.Set(headerInconsistent, forwardActiveNode)
	}
	return h
}

// serverURL checks spec.server: an absolute http or https URL.
func serverURL(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("server %q must be an http or https URL such as https://vault.example.com:8200", server)
	}
	return server, nil
}

// applyRetrySettings maps retrySettings onto the Vault client: maxRetries is the number of
// retries after the first attempt, retryInterval a fixed wait between them.
func applyRetrySettings(cfg *vaultapi.Config, rs *esv1.SecretStoreRetrySettings) error {
	if rs == nil {
		return nil
	}
	if rs.MaxRetries != nil {
		cfg.MaxRetries = int(*rs.MaxRetries)
	}
	if rs.RetryInterval != nil {
		d, err := time.ParseDuration(*rs.RetryInterval)
		if err != nil || d < 0 {
			return fmt.Errorf("retrySettings.retryInterval %q is not a duration such as 5s", *rs.RetryInterval)
		}
		cfg.MinRetryWait, cfg.MaxRetryWait = d, d
	}
	return nil
}

// tlsConfig verifies the server with caBundle/caProvider when given (else the system roots)
// and presents a client certificate when the store gives one: auth.cert's for certificate
// login, else tls.certSecretRef/keySecretRef for servers that require mutual TLS. Server
// verification is never switched off.
func (r *resolver) tlsConfig(ctx context.Context, spec *esv1.VaultProvider) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	ca, err := credentials.CABundle(ctx, r.kube, r.store, r.namespace, spec.CABundle, spec.CAProvider)
	if err != nil {
		return nil, err
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		cfg.RootCAs = pool
	}
	certs, err := r.clientCertificates(ctx, spec)
	if err != nil {
		return nil, err
	}
	cfg.Certificates = certs
	return cfg, nil
}

// clientCertificates returns the certificate to present, if any.
func (r *resolver) clientCertificates(ctx context.Context, spec *esv1.VaultProvider) ([]tls.Certificate, error) {
	if spec.Auth != nil && spec.Auth.Cert != nil {
		return r.keyPair(ctx, "auth.cert.clientCert", spec.Auth.Cert.ClientCert, "auth.cert.secretRef", spec.Auth.Cert.SecretRef)
	}
	t := spec.ClientTLS
	if t.CertSecretRef == nil && t.KeySecretRef == nil {
		return nil, nil
	}
	if t.CertSecretRef == nil || t.KeySecretRef == nil {
		return nil, errors.New("tls.certSecretRef and tls.keySecretRef must be set together")
	}
	return r.keyPair(ctx, "tls.certSecretRef", *t.CertSecretRef, "tls.keySecretRef", *t.KeySecretRef)
}

func (r *resolver) keyPair(ctx context.Context, certField string, certSel esmeta.SecretKeySelector, keyField string, keySel esmeta.SecretKeySelector) ([]tls.Certificate, error) {
	certPEM, err := r.secretKey(ctx, certField, withDefaultKey(certSel, defaultCertKey))
	if err != nil {
		return nil, err
	}
	keyPEM, err := r.secretKey(ctx, keyField, withDefaultKey(keySel, defaultKeyKey))
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// The tls error may quote parts of the key; say only what is wrong.
		return nil, fmt.Errorf("%s and %s do not hold a matching PEM certificate and private key", certField, keyField)
	}
	return []tls.Certificate{pair}, nil
}

// secretKey reads one credential, naming the store field in errors.
func (r *resolver) secretKey(ctx context.Context, field string, sel esmeta.SecretKeySelector) ([]byte, error) {
	v, err := credentials.SecretKey(ctx, r.kube, r.store, r.namespace, sel)
	if err != nil {
		return nil, r.wrap(field, err)
	}
	return v, nil
}

func withDefaultKey(sel esmeta.SecretKeySelector, key string) esmeta.SecretKeySelector {
	if sel.Key == "" {
		sel.Key = key
	}
	return sel
}
