// Package kubernetes is the Kubernetes provider (spec.provider.kubernetes): it reads and
// writes Secrets of one namespace of a Kubernetes cluster, this one or another, with
// credentials the store names (a token, a client certificate, a ServiceAccount or a
// kubeconfig). It talks to the API server with client-go, so tests point it at a real
// kube-apiserver through the store's server.url and server.caBundle.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// DefaultRemoteNamespace is where Secrets are read when the store names no remoteNamespace.
const DefaultRemoteNamespace = "default"

// DefaultInClusterCAFile is the CA certificate every pod gets for its own cluster's API
// server. It is trusted when the store targets this cluster and configures no CA.
const DefaultInClusterCAFile = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

// Provider serves every store with spec.provider.kubernetes. It holds no per-store state.
type Provider struct {
	configHook      func(*rest.Config)
	inClusterCAFile string
	observer        providers.CallObserver
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithRESTConfigHook lets the caller adjust every rest.Config the provider builds, after
// the store's server, CA and credentials are applied: rate limits, timeouts, a user agent,
// or a test transport.
func WithRESTConfigHook(hook func(*rest.Config)) Option {
	return func(p *Provider) { p.configHook = hook }
}

// WithInClusterCAFile changes where the CA of this cluster's API server is read from
// (DefaultInClusterCAFile), for running outside a pod or in tests. An empty path disables it.
func WithInClusterCAFile(path string) Option {
	return func(p *Provider) { p.inClusterCAFile = path }
}

// New returns the Kubernetes provider. main registers one value for every store; the options
// let tests and embedders adjust how it reaches API servers.
func New(opts ...Option) *Provider {
	p := &Provider{inClusterCAFile: DefaultInClusterCAFile}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Capabilities reports ReadWrite: Secrets can be read and pushed.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient builds a client for the store's remote namespace, authenticated as the store
// says. Credentials are read through the controller's kube client with the referent rules of
// package credentials. A ClusterSecretStore whose credentials live in each ExternalSecret's
// namespace gets a client even without a namespace: its Validate reports Unknown and its
// reads fail, since there is nothing to authenticate with.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := kubernetesSpec(store)
	if err != nil {
		return nil, err
	}
	remote := spec.RemoteNamespace
	if remote == "" {
		remote = DefaultRemoteNamespace
	}
	cfg, err := p.restConfig(ctx, store, kube, namespace, spec)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		return &Client{namespace: remote, referent: err}, nil
	}
	if err != nil {
		return nil, err
	}
	observe(cfg, p.observer)
	return newClient(cfg, remote)
}

// newClient builds the typed clients on one HTTP client, which Close releases.
func newClient(cfg *rest.Config, remote string) (*Client, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	core, err := corev1client.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("building the core client: %w", err)
	}
	authz, err := authorizationv1client.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("building the authorization client: %w", err)
	}
	return &Client{namespace: remote, core: core, authz: authz, httpClient: httpClient}, nil
}

// ValidateStore checks, without I/O, that the store sets exactly one way to authenticate and
// that a namespaced store references only its own namespace.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := kubernetesSpec(store)
	if err != nil {
		return nil, err
	}
	if (spec.Auth == nil) == (spec.AuthRef == nil) {
		return nil, errors.New("exactly one of auth or authRef must be set")
	}
	if err := validateServer(store, spec.Server); err != nil {
		return nil, err
	}
	if spec.AuthRef != nil {
		return nil, credentials.ValidateSecretKeySelector(store, "authRef", *spec.AuthRef)
	}
	return nil, validateAuth(store, spec.Auth)
}

func validateServer(store esv1.GenericStore, server esv1.KubernetesServer) error {
	if _, err := serverURL(server.URL); err != nil {
		return err
	}
	if ca := server.CAProvider; ca != nil {
		if ca.Type != esv1.CAProviderTypeSecret && ca.Type != esv1.CAProviderTypeConfigMap {
			return fmt.Errorf("server.caProvider.type %q must be Secret or ConfigMap", ca.Type)
		}
		if ca.Name == "" {
			return errors.New("server.caProvider.name is required")
		}
		if err := credentials.ValidateReferenceNamespace(store, ca.Namespace); err != nil {
			return fmt.Errorf("server.caProvider: %w", err)
		}
	}
	return nil
}

func validateAuth(store esv1.GenericStore, auth *esv1.KubernetesAuth) error {
	set := 0
	for _, isSet := range []bool{auth.Cert != nil, auth.Token != nil, auth.ServiceAccount != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return errors.New("exactly one of cert, token or serviceAccount must be set in auth")
	}
	switch {
	case auth.Cert != nil:
		if err := credentials.ValidateSecretKeySelector(store, "auth.cert.clientCert", auth.Cert.ClientCert); err != nil {
			return err
		}
		return credentials.ValidateSecretKeySelector(store, "auth.cert.clientKey", auth.Cert.ClientKey)
	case auth.Token != nil:
		return credentials.ValidateSecretKeySelector(store, "auth.token.bearerToken", auth.Token.BearerToken)
	default:
		if auth.ServiceAccount.Name == "" {
			return errors.New("auth.serviceAccount.name is required")
		}
		if err := credentials.ValidateReferenceNamespace(store, auth.ServiceAccount.Namespace); err != nil {
			return fmt.Errorf("auth.serviceAccount: %w", err)
		}
		return nil
	}
}

func kubernetesSpec(store esv1.GenericStore) (*esv1.KubernetesProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Kubernetes == nil {
		return nil, errors.New("the store does not configure the kubernetes provider")
	}
	return spec.Provider.Kubernetes, nil
}

// Client reads and writes Secrets of one namespace with one set of credentials.
type Client struct {
	namespace  string
	core       corev1client.CoreV1Interface
	authz      authorizationv1client.AuthorizationV1Interface
	httpClient *http.Client
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no credentials: %w", c.referent)
	}
	return nil
}

// Close drops the client's idle connections to the API server.
func (c *Client) Close(context.Context) error {
	if c.httpClient != nil {
		c.httpClient.CloseIdleConnections()
	}
	return nil
}
