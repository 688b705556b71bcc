// Package vaultdynamic is the VaultDynamicSecret generator: it calls one HashiCorp Vault
// endpoint (typically a secrets engine issuing short-lived credentials, such as
// database/creds/<role>) with the connection and login of a Vault store spec, and turns one
// section of the response into the generated keys. Unlike upstream it remembers what the call
// issued (a lease, a token) in the generator state, so that superseded credentials are
// revoked instead of living until their TTL.
package vaultdynamic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	"github.com/seedb5e69c69/external-secrets/pkg/generators"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/vault"
)

// ErrEmptyResponse means Vault answered without the section the generator was asked to
// return (no body at all, as for a 404 or a 204, or no data or auth section) and
// spec.allowEmptyResponse is false.
var ErrEmptyResponse = errors.New("empty response from Vault")

// Generator runs VaultDynamicSecret generators. One value serves every generator object.
type Generator struct {
	vault *vault.Provider
}

var _ generators.Generator = (*Generator)(nil)

// Option configures a Generator.
type Option func(*options)

type options struct {
	vault []vault.Option
}

// WithCallObserver reports every request to Vault (for the provider API call metric) with
// the Vault provider's labels: provider HashiCorp/Vault, calls ReadSecretData, ListSecrets,
// WriteSecretData, DeleteSecret, Login, LookupSelf and RevokeSelf.
func WithCallObserver(o providers.CallObserver) Option {
	return func(opts *options) { opts.vault = append(opts.vault, vault.WithCallObserver(o)) }
}

// WithServiceAccountTokenFile changes where Kubernetes auth without serviceAccountRef or
// secretRef reads the controller's own token (vault.DefaultServiceAccountTokenFile), for
// running outside a pod and for tests.
func WithServiceAccountTokenFile(path string) Option {
	return func(opts *options) { opts.vault = append(opts.vault, vault.WithServiceAccountTokenFile(path)) }
}

// New returns the generator. Vault login tokens are never cached across calls: each call
// logs in, because a login token owns the leases created with it.
func New(opts ...Option) *Generator {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	return &Generator{vault: vault.New(o.vault...)}
}

// Generate calls spec.path with spec.method and returns the top-level keys of the chosen
// section of the response. When the response issued a lease or a token, the login token
// that owns it is kept alive and the returned state names the lease, the token's accessor
// and the login token's accessor for Cleanup; otherwise the login token is revoked at once
// and the state is nil. The state never holds a token or a secret value.
func (g *Generator) Generate(ctx context.Context, obj *apiextensionsv1.JSON, kube client.Client, namespace string) (map[string][]byte, *apiextensionsv1.JSON, error) {
	spec, name, err := decode(obj)
	if err != nil {
		return nil, nil, err
	}
	call, err := newRequest(spec)
	if err != nil {
		return nil, nil, err
	}
	session, err := g.vault.NewSession(ctx, storeFor(spec, name, namespace), kube, namespace)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to Vault: %w", err)
	}
	keep := false
	defer func() { g.close(ctx, session, keep) }()

	resp, err := call.do(ctx, session)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to get dynamic secret: %w", err)
	}
	st := issued(resp)
	out, err := output(spec, resp)
	if err != nil {
		// Nothing will use what the call issued: revoke it now (best effort, the error
		// that matters is err).
		_ = revokeAll(ctx, session, st)
		return nil, nil, err
	}
	if st.empty() {
		return out, nil, nil
	}
	st.LoginAccessor = session.LoginAccessor()
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the generator state: %w", err)
	}
	keep = true
	return out, &apiextensionsv1.JSON{Raw: raw}, nil
}

// Cleanup logs in with the generator's provider spec and revokes what state names: the
// lease (sys/leases/revoke), the issued token and the login token that owned them
// (auth/token/revoke-accessor). Vault answers success for a lease or accessor that is
// already gone, so Cleanup can be repeated. A nil or empty state does nothing. The token
// needs the update capability on those two paths.
func (g *Generator) Cleanup(ctx context.Context, obj *apiextensionsv1.JSON, state *apiextensionsv1.JSON, kube client.Client, namespace string) error {
	st, err := decodeState(state)
	if err != nil || st.empty() {
		return err
	}
	spec, name, err := decode(obj)
	if err != nil {
		return err
	}
	session, err := g.vault.NewSession(ctx, storeFor(spec, name, namespace), kube, namespace)
	if err != nil {
		return fmt.Errorf("connecting to Vault to revoke superseded credentials: %w", err)
	}
	defer g.close(ctx, session, false)
	return revokeAll(ctx, session, st)
}

// close ends a session: a login token that owns issued credentials is kept, any other is
// revoked. A failed revocation only means the token lives until its TTL; the call it served
// succeeded, so it is logged rather than failing the sync (the API call metric counts it).
func (g *Generator) close(ctx context.Context, s *vault.Session, keep bool) {
	if keep {
		s.CloseKeepingToken()
		return
	}
	if err := s.Close(ctx); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "revoking the Vault login token of a VaultDynamicSecret; it expires at its TTL")
	}
}

// decode reads the spec and name of a generator manifest and checks the required fields.
func decode(obj *apiextensionsv1.JSON) (*genv1alpha1.VaultDynamicSecretSpec, string, error) {
	spec, err := generators.Spec[genv1alpha1.VaultDynamicSecretSpec](obj)
	if err != nil {
		return nil, "", err
	}
	if spec.Provider == nil {
		return nil, "", errors.New("spec.provider is required: the Vault server and authentication to use")
	}
	if strings.Trim(spec.Path, "/") == "" {
		return nil, "", errors.New("spec.path is required: the Vault API path to call, e.g. database/creds/my-role")
	}
	var meta struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	_ = json.Unmarshal(obj.Raw, &meta)
	return spec, meta.Metadata.Name, nil
}

// storeFor is the SecretStore the Vault provider connects with: spec.provider in the
// generator's namespace, so credential references resolve there like those of a namespaced
// store, with spec.retrySettings.
func storeFor(spec *genv1alpha1.VaultDynamicSecretSpec, name, namespace string) *esv1.SecretStore {
	return &esv1.SecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: esv1.SecretStoreSpec{
			Provider:      &esv1.SecretStoreProvider{Vault: spec.Provider},
			RetrySettings: spec.RetrySettings,
		},
	}
}
