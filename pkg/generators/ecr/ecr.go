// Package ecr is the ECRAuthorizationToken generator: a short-lived Amazon ECR registry
// login (username, password, expiry) for image pull Secrets, from AWS credentials obtained
// exactly as the AWS provider obtains them for a SecretStore (static keys, a ServiceAccount
// token exchanged with STS, or the controller's default chain; then the role).
package ecr

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/providers"
	awsprovider "github.com/seedb5e69c69/external-secrets/providers/aws"
)

// Provider labels of the provider API call metric, in the style of the AWS provider's
// (AWS/SecretsManager, ...): every call made for one token, STS included, is counted under
// the registry it is for.
const (
	MetricsECR       = "AWS/ECR"
	MetricsECRPublic = "AWS/ECRPublic"
)

// publicRegion is where ECR Public serves GetAuthorizationToken: the public registry's
// API exists only in us-east-1, whatever the generator's region.
const publicRegion = "us-east-1"

// Output keys. proxy_endpoint is only produced for private registries: ECR Public has one
// well-known endpoint (public.ecr.aws).
const (
	KeyUsername      = "username"
	KeyPassword      = "password"
	KeyProxyEndpoint = "proxy_endpoint"
	KeyExpiresAt     = "expires_at"
)

// Generator requests ECR authorization tokens; it keeps no state (Cleanup has nothing to
// release: tokens expire by themselves after 12 hours).
type Generator struct {
	aws *awsprovider.Provider
}

var _ generators.Generator = (*Generator)(nil)

// Option configures a Generator.
type Option func(*[]awsprovider.Option)

// WithCallObserver reports every AWS call (for the provider API call metric), labelled
// MetricsECR or MetricsECRPublic, with the SDK operation name (GetAuthorizationToken,
// AssumeRole, AssumeRoleWithWebIdentity).
func WithCallObserver(o providers.CallObserver) Option {
	return func(opts *[]awsprovider.Option) { *opts = append(*opts, awsprovider.WithCallObserver(o)) }
}

// WithEndpoint sends every call (ECR, ECR Public and STS) to url, for tests against a local
// emulator. In production the SDK's own settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR,
// AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL_STS) redirect calls without code changes.
func WithEndpoint(url string) Option {
	return func(opts *[]awsprovider.Option) { *opts = append(*opts, awsprovider.WithEndpoint(url)) }
}

// WithHTTPClient replaces the shared HTTP client, to add a proxy, tracing or a test
// transport.
func WithHTTPClient(c aws.HTTPClient) Option {
	return func(opts *[]awsprovider.Option) { *opts = append(*opts, awsprovider.WithHTTPClient(c)) }
}

// New returns the generator main registers for ECRAuthorizationToken. It authenticates
// through its own instance of the AWS provider, so that it shares the provider's code but
// not its metric labels.
func New(opts ...Option) *Generator {
	var awsOpts []awsprovider.Option
	for _, o := range opts {
		o(&awsOpts)
	}
	return &Generator{aws: awsprovider.New(awsOpts...)}
}

// Generate requests a token for the private registry of the credentials' account (scope
// private, the default) or for ECR Public (scope public).
func (g *Generator) Generate(ctx context.Context, obj *apiextensionsv1.JSON, kube client.Client, namespace string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	gen, err := decode(obj)
	if err != nil {
		return nil, nil, err
	}
	spec := gen.Spec
	if spec.Region == "" {
		return nil, nil, errors.New("spec.region is required")
	}
	label := MetricsECR
	switch spec.Scope {
	case "", genv1alpha1.ECRScopePrivate:
	case genv1alpha1.ECRScopePublic:
		label = MetricsECRPublic
	default:
		return nil, nil, fmt.Errorf("spec.scope %q is not %q or %q", spec.Scope, genv1alpha1.ECRScopePrivate, genv1alpha1.ECRScopePublic)
	}
	cfg, err := g.aws.Config(ctx, store(gen.Name, namespace, spec), kube, namespace, label)
	if err != nil {
		return nil, nil, err
	}
	if label == MetricsECRPublic {
		out, err := publicToken(ctx, cfg)
		return out, nil, err
	}
	out, err := privateToken(ctx, cfg)
	return out, nil, err
}

// Cleanup has nothing to release.
func (*Generator) Cleanup(context.Context, *apiextensionsv1.JSON, *apiextensionsv1.JSON, client.Client, string) error {
	return nil
}

func decode(obj *apiextensionsv1.JSON) (*genv1alpha1.ECRAuthorizationToken, error) {
	if obj == nil {
		return nil, errors.New("no generator manifest")
	}
	gen := &genv1alpha1.ECRAuthorizationToken{}
	if err := json.Unmarshal(obj.Raw, gen); err != nil {
		return nil, fmt.Errorf("decoding the ECRAuthorizationToken spec: %w", err)
	}
	return gen, nil
}

// store is the SecretStore the AWS provider would authenticate as for this generator: a
// namespaced store in namespace, so credential references are read from namespace (the
// ExternalSecret's) and a namespace written in them is ignored, as upstream does for
// generators.
func store(name, namespace string, spec genv1alpha1.ECRAuthorizationTokenSpec) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind, APIVersion: esv1.GroupVersion.String()},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AWS: &esv1.AWSProvider{
			Region: spec.Region,
			Auth:   spec.Auth,
			Role:   spec.Role,
		}}},
	}
}

func privateToken(ctx context.Context, cfg aws.Config) (map[string][]byte, error) {
	out, err := ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, fmt.Errorf("ECR GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) != 1 {
		return nil, fmt.Errorf("ECR GetAuthorizationToken returned %d authorization data entries, want 1", len(out.AuthorizationData))
	}
	data := out.AuthorizationData[0]
	if data.ProxyEndpoint == nil {
		return nil, errors.New("ECR GetAuthorizationToken returned no proxy endpoint")
	}
	login, err := loginFrom(data.AuthorizationToken, data.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("ECR GetAuthorizationToken: %w", err)
	}
	login[KeyProxyEndpoint] = []byte(*data.ProxyEndpoint)
	return login, nil
}

func publicToken(ctx context.Context, cfg aws.Config) (map[string][]byte, error) {
	c := ecrpublic.NewFromConfig(cfg, func(o *ecrpublic.Options) { o.Region = publicRegion })
	out, err := c.GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, fmt.Errorf("ECR Public GetAuthorizationToken: %w", err)
	}
	if out.AuthorizationData == nil {
		return nil, errors.New("ECR Public GetAuthorizationToken returned no authorization data")
	}
	login, err := loginFrom(out.AuthorizationData.AuthorizationToken, out.AuthorizationData.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("ECR Public GetAuthorizationToken: %w", err)
	}
	return login, nil
}

// loginFrom splits a token (base64 of "user:password") into the output keys. Errors never
// quote the token: it is the password.
func loginFrom(token *string, expiresAt *time.Time) (map[string][]byte, error) {
	if token == nil || expiresAt == nil {
		return nil, errors.New("the authorization data lacks the token or its expiry")
	}
	decoded, err := base64.StdEncoding.DecodeString(*token)
	if err != nil {
		return nil, errors.New("the authorization token is not valid base64")
	}
	user, password, ok := strings.Cut(string(decoded), ":")
	if !ok || user == "" || password == "" {
		return nil, errors.New("the authorization token is not of the form user:password")
	}
	return map[string][]byte{
		KeyUsername:  []byte(user),
		KeyPassword:  []byte(password),
		KeyExpiresAt: []byte(strconv.FormatInt(expiresAt.Unix(), 10)),
	}, nil
}
