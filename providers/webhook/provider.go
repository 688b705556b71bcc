// Package webhook is the Webhook provider (spec.provider.webhook): it reads secrets from any
// HTTP API by rendering the store's url, body and headers as templates for each reference,
// and picks the value out of the response with a JSONPath. The Webhook generator
// (pkg/generators/webhook) makes its call through the same code, with Provider.FetchMap.
//
// Templates see .remoteRef (key, version, property, namespace) and, for each secrets[]
// entry, the data of one Secret; those Secrets must opt in with the label
// external-secrets.io/type: webhook, because a template can send anything it sees to the
// URL it names.
package webhook

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/pkg/template"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Metric labels of this provider's calls, upstream's values so dashboards keep working.
const (
	// MetricsProvider is the provider label of every call.
	MetricsProvider = "Webhook"
	// MetricsCall is the call label: one per HTTP request, whatever its method.
	MetricsCall = "HTTPRequest"
)

// DefaultTimeout bounds a request when the spec sets no timeout. Upstream waits forever, which
// lets one hung endpoint hold a reconcile worker for good.
const DefaultTimeout = 30 * time.Second

// ValidateTimeout bounds the TCP connection attempt of Client.Validate.
const ValidateTimeout = 15 * time.Second

// Provider serves every store with spec.provider.webhook. It holds no per-store state.
type Provider struct {
	engine   *template.Engine
	observer providers.CallObserver
}

var _ providers.Provider = (*Provider)(nil)

// Option configures a Provider.
type Option func(*Provider)

// WithCallObserver reports every HTTP request (provider "Webhook", call "HTTPRequest") for
// the provider API call metric.
func WithCallObserver(o providers.CallObserver) Option {
	return func(p *Provider) { p.observer = o }
}

// WithTemplateEngine renders url, body, headers and result.jsonPath with e instead of an
// engine with the default delimiters, e.g. to honour --template-left-delimiter. Upstream
// always uses "{{" and "}}" here.
func WithTemplateEngine(e *template.Engine) Option {
	return func(p *Provider) {
		if e != nil {
			p.engine = e
		}
	}
}

// New returns the Webhook provider; main registers one value for every store.
func New(opts ...Option) *Provider {
	p := &Provider{}
	for _, o := range opts {
		o(p)
	}
	if p.engine == nil {
		p.engine = template.New()
	}
	return p
}

// Capabilities reports ReadWrite: PushSecret can send values to the endpoint.
func (p *Provider) Capabilities() esv1.SecretStoreCapabilities {
	return esv1.SecretStoreReadWrite
}

// NewClient reads the Secrets the store references (secrets[], auth.ntlm, caProvider) with
// the referent rules of package credentials and builds the HTTP client. A
// ClusterSecretStore whose references live in each ExternalSecret's namespace gets a client
// even without a namespace: its Validate reports Unknown and its calls fail.
func (p *Provider) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (providers.Client, error) {
	spec, err := webhookSpec(store)
	if err != nil {
		return nil, err
	}
	ep, err := p.newEndpoint(ctx, spec, kube, store, namespace)
	if errors.Is(err, credentials.ErrReferentNamespace) {
		return &Client{referent: err}, nil
	}
	if err != nil {
		return nil, err
	}
	return &Client{ep: ep}, nil
}

// FetchMap is the Webhook generator's call: it calls the endpoint spec describes once, as
// the stores of namespace would (every reference is read in namespace, a namespace written
// in it is ignored), and returns the response's JSON object after result.jsonPath as
// key/value pairs. Templates see an empty .remoteRef besides .remoteRef.namespace.
func (p *Provider) FetchMap(ctx context.Context, spec *esv1.WebhookProvider, kube client.Client, namespace string) (map[string][]byte, error) {
	if spec == nil {
		return nil, errors.New("no webhook spec")
	}
	// A namespaced store is exactly the scope of a generator: its references resolve in its
	// own namespace.
	scope := &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Namespace: namespace}}
	ep, err := p.newEndpoint(ctx, spec, kube, scope, namespace)
	if err != nil {
		return nil, err
	}
	defer ep.close()
	return ep.readMap(ctx, esv1.ExternalSecretDataRemoteRef{})
}

// methodToken is the syntax of an HTTP method (RFC 9110 token).
var methodToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// ValidateStore checks the spec without I/O: a method that is an HTTP token, a positive
// timeout, a CA bundle that holds certificates, well-formed references that a namespaced
// store keeps in its own namespace, and distinct secrets[] names.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := webhookSpec(store)
	if err != nil {
		return nil, err
	}
	if spec.URL == "" {
		return nil, errors.New("url is required")
	}
	if spec.Method != "" && !methodToken.MatchString(spec.Method) {
		return nil, fmt.Errorf("method %q is not an HTTP method", spec.Method)
	}
	if spec.Timeout != nil && spec.Timeout.Duration < 0 {
		return nil, errors.New("timeout must not be negative")
	}
	if len(spec.CABundle) > 0 && !x509.NewCertPool().AppendCertsFromPEM(spec.CABundle) {
		return nil, errors.New("caBundle holds no PEM certificate")
	}
	if err := validateCAProvider(store, spec.CAProvider); err != nil {
		return nil, err
	}
	if err := checkSecretNames(spec.Secrets); err != nil {
		return nil, err
	}
	for _, s := range spec.Secrets {
		if err := credentials.ValidateReferenceNamespace(store, s.SecretRef.Namespace); err != nil {
			return nil, fmt.Errorf("secrets[%s].secretRef: %w", s.Name, err)
		}
	}
	if spec.Auth != nil {
		if spec.Auth.NTLM == nil {
			return nil, errors.New("auth must set ntlm")
		}
		if err := credentials.ValidateSecretKeySelector(store, "auth.ntlm.usernameSecret", spec.Auth.NTLM.UserName); err != nil {
			return nil, err
		}
		if err := credentials.ValidateSecretKeySelector(store, "auth.ntlm.passwordSecret", spec.Auth.NTLM.Password); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func validateCAProvider(store esv1.GenericStore, ca *esv1.CAProvider) error {
	if ca == nil {
		return nil
	}
	if ca.Type != esv1.CAProviderTypeSecret && ca.Type != esv1.CAProviderTypeConfigMap {
		return fmt.Errorf("caProvider.type %q must be Secret or ConfigMap", ca.Type)
	}
	if ca.Name == "" {
		return errors.New("caProvider.name is required")
	}
	if err := credentials.ValidateReferenceNamespace(store, ca.Namespace); err != nil {
		return fmt.Errorf("caProvider: %w", err)
	}
	return nil
}

func webhookSpec(store esv1.GenericStore) (*esv1.WebhookProvider, error) {
	spec := store.GetSpec()
	if spec == nil || spec.Provider == nil || spec.Provider.Webhook == nil {
		return nil, errors.New("the store does not configure the webhook provider")
	}
	return spec.Provider.Webhook, nil
}
