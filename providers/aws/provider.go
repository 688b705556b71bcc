// Package aws is the AWS provider (spec.provider.aws): it reads and writes secrets in AWS
// Secrets Manager and in Systems Manager Parameter Store through aws-sdk-go-v2. Credentials
// come from a Secret (static keys), from a ServiceAccount token exchanged with STS
// (IRSA-style web identity), or from the SDK's default chain (EKS Pod Identity, the IRSA
// environment, the node role); roles are then assumed in order.
//
// A Client lives for one reconcile. It remembers every value it read, so several data[]
// entries that name one secret cost one call, and Prefetch reads many secrets in a few batch
// calls (BatchGetSecretValue, GetParameters) before the entries are read one by one.
package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Provider labels of the provider API call metric, one per AWS service, as upstream uses
// them. Every call made for a store (STS included) is counted under the store's service.
const (
	MetricsSecretsManager     = "AWS/SecretsManager"
	MetricsParameterStore     = "AWS/ParameterStore"
	MetricsCertificateManager = "AWS/CertificateManager"
)

// Provider serves every store with spec.provider.aws. It holds what all stores may share:
// one HTTP transport (so connections are reused across reconciles; requests are signed per
// client, so sharing it never mixes credentials) and the credentials of the controller's own
// default chain, which are the same for every store that uses them.
type Provider struct {
	observer   providers.CallObserver
	endpoint   string
	httpClient aws.HTTPClient

	mu           sync.Mutex
	defaultCreds map[string]aws.CredentialsProvider // region -> cached default chain
	batchDenied  *denials
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every AWS API call (for the provider API call metric), labelled
// with the store's service (MetricsSecretsManager, ...) and the SDK operation name, e.g.
// GetSecretValue, BatchGetSecretValue, AssumeRole.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithEndpoint sends every call (Secrets Manager, SSM and STS) to url instead of the AWS
// endpoint of the store's region, for tests against a local emulator. In production the
// SDK's own settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...) already
// redirect calls without code changes.
func WithEndpoint(url string) Option {
	return func(p *Provider) { p.endpoint = url }
}

// WithHTTPClient replaces the shared HTTP client, to add a proxy, tracing or a test
// transport.
func WithHTTPClient(c aws.HTTPClient) Option {
	return func(p *Provider) { p.httpClient = c }
}

// New returns the AWS provider. main registers one value for every store; the options let
// tests point the real SDK at a local emulator.
func New(opts ...Option) *Provider {
	p := &Provider{defaultCreds: map[string]aws.CredentialsProvider{}, batchDenied: newDenials()}
	for _, o := range opts {
		o(p)
	}
	if p.httpClient == nil {
		p.httpClient = awshttp.NewBuildableClient()
	}
	return p
}

// Capabilities reports ReadWrite: both services can be read and pushed to.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient builds a client for the store's service, with the credentials its auth block
// names and the roles it assumes. No AWS call is made here; credentials are fetched on the
// first call. A ClusterSecretStore whose credentials live in each ExternalSecret's namespace
// gets a client even without a namespace: its Validate reports Unknown and its other
// methods fail, since there is nothing to authenticate with.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := awsSpec(store)
	if err != nil {
		return nil, err
	}
	label, err := metricsLabel(spec.Service)
	if err != nil {
		return nil, err
	}
	cfg, err := p.config(ctx, store, kube, namespace, spec, label)
	referent := errors.Is(err, credentials.ErrReferentNamespace)
	if err != nil && !referent {
		return nil, err
	}
	b := base{prefix: spec.Prefix, readCache: &readCache{}}
	if referent {
		b.referent = err
	} else {
		b.sts, b.creds = sts.NewFromConfig(cfg), cfg.Credentials
	}
	switch spec.Service {
	case esv1.AWSServiceParameterStore:
		return newParameterStoreClient(b, cfg), nil
	default:
		c := newSecretsManagerClient(b, cfg, spec.SecretsManager)
		c.denials, c.scope = p.batchDenied, identityScope(store, namespace)
		return c, nil
	}
}

// metricsLabel returns the metric label of a service, and refuses the services this
// provider does not implement.
func metricsLabel(service esv1.AWSServiceType) (string, error) {
	switch service {
	case esv1.AWSServiceSecretsManager:
		return MetricsSecretsManager, nil
	case esv1.AWSServiceParameterStore:
		return MetricsParameterStore, nil
	case esv1.AWSServiceCertificateManager:
		return "", fmt.Errorf("service CertificateManager: %w yet; use SecretsManager or ParameterStore", providers.ErrNotSupported)
	default:
		return "", fmt.Errorf("unknown service %q: use SecretsManager or ParameterStore", service)
	}
}

func awsSpec(store esv1.GenericStore) (*esv1.AWSProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.AWS == nil {
		return nil, errors.New("the store does not configure the aws provider")
	}
	return spec.Provider.AWS, nil
}
