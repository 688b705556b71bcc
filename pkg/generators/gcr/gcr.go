// Package gcr is the GCRAccessToken generator: a short-lived Google OAuth2 access token with
// the cloud-platform scope, presented as a registry login (username oauth2accesstoken) for
// Google Container Registry and Artifact Registry pull Secrets.
//
// Credentials come from the GCP provider's auth block and are obtained exactly as the
// provider does, through package gcpauth: a service-account key from a Secret, GKE Workload
// Identity of a Kubernetes ServiceAccount, Workload Identity Federation with a Kubernetes
// ServiceAccount token, then the controller's Application Default Credentials.
package gcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/gcp/gcpauth"
)

// MetricsLabel is the provider label of the provider API call metric for every Google call
// this generator makes, in the style of GCP/SecretManager.
const MetricsLabel = "GCP/GCR"

// Call names of the provider API call metric, after the Google API methods; the same as
// the GCP provider's, since both authenticate through gcpauth.
const (
	CallToken               = gcpauth.CallToken
	CallExchangeToken       = gcpauth.CallExchangeToken
	CallGenerateAccessToken = gcpauth.CallGenerateAccessToken
)

// AnnotationServiceAccount on a Kubernetes ServiceAccount names the Google service account
// it acts as under GKE Workload Identity (see gcpauth).
const AnnotationServiceAccount = gcpauth.AnnotationServiceAccount

// Output keys, and the fixed user name registries expect with an access token.
const (
	KeyUsername = "username"
	KeyPassword = "password"
	KeyExpiry   = "expiry"
	Username    = "oauth2accesstoken"
)

// Google endpoints; the options replace them for tests against local servers.
const (
	DefaultSTSEndpoint            = gcpauth.DefaultSTSEndpoint
	DefaultIAMCredentialsEndpoint = gcpauth.DefaultIAMCredentialsEndpoint
)

// defaultTimeout bounds one Google call when the caller's context has no deadline.
const defaultTimeout = 30 * time.Second

// Generator requests access tokens; it keeps no state (Cleanup has nothing to release:
// tokens expire by themselves, within an hour).
type Generator struct {
	observer providers.CallObserver
	http     *http.Client
	sts      string
	iam      string
}

var _ generators.Generator = (*Generator)(nil)

// Option configures a Generator.
type Option func(*Generator)

// WithCallObserver reports every Google call (for the provider API call metric) under
// MetricsLabel, with the call names CallToken, CallExchangeToken, CallGenerateAccessToken.
func WithCallObserver(o providers.CallObserver) Option {
	return func(g *Generator) { g.observer = o }
}

// WithHTTPClient replaces the HTTP client of every Google call, to add a proxy, tracing or
// a test transport.
func WithHTTPClient(c *http.Client) Option {
	return func(g *Generator) { g.http = c }
}

// WithSTSEndpoint sends token exchanges to url instead of Google STS, for tests.
func WithSTSEndpoint(url string) Option {
	return func(g *Generator) { g.sts = url }
}

// WithIAMCredentialsEndpoint sends generateAccessToken calls to url (the part before
// /projects/-/serviceAccounts/...) instead of Google IAM Credentials, for tests.
func WithIAMCredentialsEndpoint(url string) Option {
	return func(g *Generator) { g.iam = url }
}

// New returns the generator main registers for GCRAccessToken.
func New(opts ...Option) *Generator {
	g := &Generator{sts: DefaultSTSEndpoint, iam: DefaultIAMCredentialsEndpoint}
	for _, o := range opts {
		o(g)
	}
	if g.http == nil {
		g.http = &http.Client{Timeout: defaultTimeout}
	}
	return g
}

// Generate returns a registry login whose password is a fresh access token.
func (g *Generator) Generate(ctx context.Context, obj *apiextensionsv1.JSON, kube client.Client, namespace string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	gen, err := decode(obj)
	if err != nil {
		return nil, nil, err
	}
	tok, err := g.source().Token(ctx, gen.Spec.Auth, store(gen.Name, namespace), kube, namespace)
	if err != nil {
		return nil, nil, err
	}
	var expiry int64
	if !tok.Expiry.IsZero() {
		expiry = tok.Expiry.Unix()
	}
	return map[string][]byte{
		KeyUsername: []byte(Username),
		KeyPassword: []byte(tok.AccessToken),
		KeyExpiry:   []byte(strconv.FormatInt(expiry, 10)),
	}, nil, nil
}

// Cleanup has nothing to release.
func (*Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}

// source authenticates with the generator's HTTP client and endpoints, counting calls
// under MetricsLabel.
func (g *Generator) source() gcpauth.Source {
	return gcpauth.Source{HTTPClient: g.http, STSEndpoint: g.sts, IAMCredentialsEndpoint: g.iam, Observe: g.observe}
}

func decode(obj *apiextensionsv1.JSON) (*genv1alpha1.GCRAccessToken, error) {
	if obj == nil {
		return nil, errors.New("no generator manifest")
	}
	gen := &genv1alpha1.GCRAccessToken{}
	if err := json.Unmarshal(obj.Raw, gen); err != nil {
		return nil, fmt.Errorf("decoding the GCRAccessToken spec: %w", err)
	}
	return gen, nil
}

// store stands for the generator in pkg/credentials: a namespaced store in namespace, so
// references are read from namespace (the ExternalSecret's) and a namespace written in them
// is ignored, as upstream does for generators.
func store(name, namespace string) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind, APIVersion: esv1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
	}
}

func (g *Generator) observe(call string, err error) {
	if g.observer != nil {
		g.observer.ObserveAPICall(MetricsLabel, call, err)
	}
}
