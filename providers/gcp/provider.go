// Package gcp is the Google Secret Manager provider (spec.provider.gcpsm). It reads secret
// versions, secret metadata (labels and annotations), finds secrets by name and labels, and
// writes and deletes secrets for PushSecret, through the official gRPC client
// cloud.google.com/go/secretmanager. Global and regional secrets are both served: a store
// with a location talks to that location's regional endpoint.
//
// Credentials come from the store's auth block through package gcpauth (shared with the
// GCRAccessToken generator): a service-account key, GKE Workload Identity, Workload
// Identity Federation with a Kubernetes ServiceAccount token, or the controller's
// Application Default Credentials. The access token is obtained when the client is built,
// so a store whose credentials are refused fails at once with a clear error.
//
// Unlike upstream, clients are independent: there is no process-wide lock, so reconciles of
// different stores run in parallel.
package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/gcp/gcpauth"
)

// MetricsLabel is the provider label of the provider API call metric, as upstream uses it.
// Call names are the Secret Manager methods (AccessSecretVersion, GetSecret, ListSecrets,
// ListSecretVersions, CreateSecret, AddSecretVersion, UpdateSecret, DeleteSecret) and the
// token calls of gcpauth (Token, ExchangeToken, GenerateAccessToken).
const MetricsLabel = "GCP/SecretManager"

// defaultTokenTimeout bounds token requests when the caller's context has no deadline.
const defaultTokenTimeout = 30 * time.Second

// Provider serves every store with spec.provider.gcpsm. It holds no per-store state.
type Provider struct {
	observer   providers.CallObserver
	http       *http.Client
	sts        string
	iam        string
	clientOpts []option.ClientOption
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every Secret Manager RPC and every token request under
// MetricsLabel, for the provider API call metric.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithHTTPClient replaces the HTTP client of token requests (OAuth2, STS, IAM Credentials,
// the metadata server), to add a proxy or a test transport. Secret Manager itself is
// reached over gRPC.
func WithHTTPClient(c *http.Client) Option {
	return func(p *Provider) { p.http = c }
}

// WithSTSEndpoint sends token exchanges to url instead of Google STS, for tests.
func WithSTSEndpoint(url string) Option {
	return func(p *Provider) { p.sts = url }
}

// WithIAMCredentialsEndpoint sends generateAccessToken calls to url (the part before
// /projects/-/serviceAccounts/...) instead of Google IAM Credentials, for tests.
func WithIAMCredentialsEndpoint(url string) Option {
	return func(p *Provider) { p.iam = url }
}

// WithClientOptions adds options to every Secret Manager client, after the provider's own
// (so option.WithEndpoint here wins over the regional endpoint), to reach a local emulator
// or a private endpoint.
func WithClientOptions(opts ...option.ClientOption) Option {
	return func(p *Provider) { p.clientOpts = append(p.clientOpts, opts...) }
}

// New returns the provider main registers for gcpsm.
func New(opts ...Option) *Provider {
	p := &Provider{}
	for _, o := range opts {
		o(p)
	}
	if p.http == nil {
		p.http = &http.Client{Timeout: defaultTokenTimeout}
	}
	return p
}

// Capabilities reports ReadWrite: secrets can be read and pushed.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient obtains an access token with the store's auth block and opens a Secret Manager
// client with it, at the regional endpoint when the store sets a location. A
// ClusterSecretStore whose credentials live in each ExternalSecret's namespace gets a client
// even without a namespace: its Validate reports Unknown and its other methods fail.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := gcpSpec(store)
	if err != nil {
		return nil, err
	}
	if spec.ProjectID == "" {
		return nil, errors.New("projectID is required")
	}
	c := &Client{
		project:  spec.ProjectID,
		location: spec.Location,
		policy:   spec.SecretVersionSelectionPolicy,
		cache:    &readCache{},
	}
	tok, err := p.source().Token(ctx, spec.Auth, store, kube, namespace)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		c.referent = err
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	opts := []option.ClientOption{
		option.WithTokenSource(oauth2.StaticTokenSource(tok)),
		option.WithGRPCDialOption(grpc.WithChainUnaryInterceptor(p.observeRPC)),
	}
	if spec.Location != "" {
		opts = append(opts, option.WithEndpoint(RegionalEndpoint(spec.Location)))
	}
	sm, err := secretmanager.NewClient(ctx, append(opts, p.clientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating the Secret Manager client: %w", err)
	}
	c.sm = sm
	return c, nil
}

// RegionalEndpoint is the gRPC endpoint of regional secrets in location.
func RegionalEndpoint(location string) string {
	return "secretmanager." + location + ".rep.googleapis.com:443"
}

// source authenticates with the provider's HTTP client and endpoints, counting calls under
// MetricsLabel.
func (p *Provider) source() gcpauth.Source {
	return gcpauth.Source{HTTPClient: p.http, STSEndpoint: p.sts, IAMCredentialsEndpoint: p.iam, Observe: p.observe}
}

func (p *Provider) observe(call string, err error) {
	if p.observer != nil {
		p.observer.ObserveAPICall(MetricsLabel, call, err)
	}
}

// observeRPC reports each Secret Manager RPC, named after its method. Retries by the client
// library are separate RPCs and are counted as such.
func (p *Provider) observeRPC(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	p.observe(path.Base(method), err)
	return err
}

func gcpSpec(store esv1.GenericStore) (*esv1.GCPSMProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.GCPSM == nil {
		return nil, errors.New("the store does not configure the gcpsm provider")
	}
	return spec.Provider.GCPSM, nil
}
