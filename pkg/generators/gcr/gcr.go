// Package gcr is the GCRAccessToken generator: a short-lived Google OAuth2 access token with
// the cloud-platform scope, presented as a registry login (username oauth2accesstoken) for
// Google Container Registry and Artifact Registry pull Secrets.
//
// Credentials are tried in the order of the GCP provider's auth block: a service-account key
// from a Secret, GKE Workload Identity of a Kubernetes ServiceAccount, Workload Identity
// Federation with a Kubernetes ServiceAccount token, then the controller's Application
// Default Credentials.
package gcr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsLabel is the provider label of the provider API call metric for every Google call
// this generator makes, in the style of GCP/SecretManager.
const MetricsLabel = "GCP/GCR"

// Call names of the provider API call metric, after the Google API methods.
const (
	// CallToken is an OAuth2 token request: the JWT-bearer grant of a service-account key,
	// or Application Default Credentials.
	CallToken = "Token"
	// CallExchangeToken is a token exchange at Google STS.
	CallExchangeToken = "ExchangeToken"
	// CallGenerateAccessToken is IAM Credentials generateAccessToken (impersonation).
	CallGenerateAccessToken = "GenerateAccessToken"
)

// Output keys, and the fixed user name registries expect with an access token.
const (
	KeyUsername = "username"
	KeyPassword = "password"
	KeyExpiry   = "expiry"
	Username    = "oauth2accesstoken"
)

// Google endpoints; the options replace them for tests against local servers.
const (
	DefaultSTSEndpoint            = "https://sts.googleapis.com/v1/token"
	DefaultIAMCredentialsEndpoint = "https://iamcredentials.googleapis.com/v1"
)

// cloudPlatformScope is the scope of every token: registries accept nothing narrower that
// works for both GCR and Artifact Registry.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

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
	tok, err := g.token(ctx, gen.Spec.Auth, store(gen.Name, namespace), kube, namespace)
	if err != nil {
		return nil, nil, err
	}
	if tok.AccessToken == "" {
		return nil, nil, errors.New("google returned an empty access token")
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

// token picks the credentials in the GCP provider's order.
func (g *Generator) token(ctx context.Context, auth esv1.GCPSMAuth, st esv1.GenericStore, kube client.Client, namespace string) (*oauth2.Token, error) {
	switch {
	case auth.SecretRef != nil:
		return g.keyToken(ctx, st, kube, namespace, auth.SecretRef)
	case auth.WorkloadIdentity != nil:
		return g.workloadIdentityToken(ctx, st, kube, namespace, auth.WorkloadIdentity)
	case auth.WorkloadIdentityFederation != nil:
		return g.federationToken(ctx, st, kube, namespace, auth.WorkloadIdentityFederation)
	default:
		return g.defaultToken(ctx)
	}
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

// keyToken signs a JWT with the service-account key of the Secret and exchanges it at the
// key's token_uri (the JWT-bearer grant).
func (g *Generator) keyToken(ctx context.Context, st esv1.GenericStore, kube client.Client, namespace string, ref *esv1.GCPSMAuthSecretRef) (*oauth2.Token, error) {
	key, err := credentials.SecretKey(ctx, kube, st, namespace, ref.SecretAccessKey)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.secretAccessKeySecretRef: %w", err)
	}
	// Checked here so that a decoding error of the JSON package, which may quote a
	// character of the key, never reaches a condition.
	if !json.Valid(key) {
		return nil, errors.New("auth.secretRef.secretAccessKeySecretRef: the Secret key is not a JSON service account key")
	}
	cfg, err := google.JWTConfigFromJSON(key, cloudPlatformScope)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.secretAccessKeySecretRef: %w", err)
	}
	tok, err := cfg.TokenSource(g.oauth2Context(ctx)).Token()
	g.observe(CallToken, err)
	if err != nil {
		return nil, fmt.Errorf("exchanging the service account key of %s for a token: %w", cfg.Email, err)
	}
	return tok, nil
}

// defaultToken uses the controller's own Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, the GKE metadata server).
func (g *Generator) defaultToken(ctx context.Context) (*oauth2.Token, error) {
	ts, err := google.DefaultTokenSource(g.oauth2Context(ctx), cloudPlatformScope)
	if err != nil {
		return nil, fmt.Errorf("no auth configured and no Application Default Credentials: %w", err)
	}
	tok, err := ts.Token()
	g.observe(CallToken, err)
	if err != nil {
		return nil, fmt.Errorf("getting a token from Application Default Credentials: %w", err)
	}
	return tok, nil
}

// oauth2Context makes the oauth2 package use the generator's HTTP client.
func (g *Generator) oauth2Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, g.http)
}

func (g *Generator) observe(call string, err error) {
	if g.observer != nil {
		g.observer.ObserveAPICall(MetricsLabel, call, err)
	}
}
