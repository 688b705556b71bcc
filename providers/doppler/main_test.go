package doppler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/doppler/dopplertest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// Test fixture: the emulator's tokens and content.
const (
	storeNS       = "team-a"
	credsName     = "doppler-creds"
	personalToken = "dp.pt.personal-token-do-not-leak"
	serviceToken  = "dp.st.dev.service-token-do-not-leak"
	readOnlyToken = "dp.st.dev.read-only-token"
	project       = "shop"
	config        = "dev"
	apiKeyValue   = "api-key-value-k123"
	dbPassword    = "db-password-p4ss"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// newEmulator starts an emulator holding shop/dev (API_KEY, DB (JSON), REF ("${API_KEY}-x"),
// PLAIN, APP_TOKEN, APP_NAME) and shop/prd (PRD_ONLY), with a personal token (read/write
// everything), a read/write service token and a read-only service token for shop/dev.
func newEmulator(t *testing.T) *dopplertest.Server {
	t.Helper()
	s := dopplertest.New(t)
	s.AddToken(personalToken, dopplertest.Token{Write: true})
	s.AddToken(serviceToken, dopplertest.Token{Project: project, Config: config, Write: true})
	s.AddToken(readOnlyToken, dopplertest.Token{Project: project, Config: config})
	s.Put(project, config, "API_KEY", apiKeyValue)
	s.Put(project, config, "DB", `{"user":"admin","password":"`+dbPassword+`","port":5432,"tls":true,"opts":{"a":"b"},"none":null,"db.host":"literal"}`)
	s.Put(project, config, "REF", "${API_KEY}-x")
	s.Put(project, config, "PLAIN", "plain-text-value")
	s.Put(project, config, "APP_TOKEN", "app-token-value")
	s.Put(project, config, "APP_NAME", "shop")
	s.Put(project, "prd", "PRD_ONLY", "prd-value")
	return s
}

func newKube(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func tokenSecret(ns, token string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credsName}, Data: map[string][]byte{"dopplerToken": []byte(token)}}
}

func tokenAuth(ns *string) *esv1.DopplerAuth {
	return &esv1.DopplerAuth{SecretRef: &esv1.DopplerAuthSecretRef{DopplerToken: esmeta.SecretKeySelector{Name: credsName, Key: "dopplerToken", Namespace: ns}}}
}

func personalSpec() esv1.DopplerProvider {
	return esv1.DopplerProvider{Auth: tokenAuth(nil), Project: project, Config: config}
}

func namespacedStore(s esv1.DopplerProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "doppler", Namespace: storeNS},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Doppler: &s}},
	}
}

func clusterStore(s esv1.DopplerProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "doppler"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Doppler: &s}},
	}
}

// newProvider returns a provider pointed at srv.
func newProvider(srv *dopplertest.Server, opts ...Option) *Provider {
	return New(append([]Option{WithBaseURL(srv.URL), WithHTTPClient(srv.Client())}, opts...)...)
}

// newClient builds a client of a namespaced store with token (personal by default) and the
// spec mutated, and closes it when the test ends.
func newClient(t *testing.T, p *Provider, token string, mutate ...func(*esv1.DopplerProvider)) *Client {
	t.Helper()
	s := personalSpec()
	for _, m := range mutate {
		m(&s)
	}
	c, err := p.NewClient(ctx(t), namespacedStore(s), newKube(tokenSecret(storeNS, token)), storeNS)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

// oidcKube holds a ServiceAccount; the fake client answers a TokenRequest with
// "fake-token". The audiences asked for are recorded.
func oidcKube(ns string, audiences *[]string) client.Client {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "doppler-sa", Namespace: ns}}
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(sa).WithInterceptorFuncs(interceptor.Funcs{
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj client.Object, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			if tr, ok := subObj.(*authenticationv1.TokenRequest); ok && audiences != nil {
				*audiences = tr.Spec.Audiences
			}
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
	}).Build()
}

// assertNoLeak fails when err's message contains a token or a secret value.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, personalToken, serviceToken, apiKeyValue, dbPassword) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}

func wantErr(t *testing.T, err error, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error wrapping %v, got nil", want)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %q does not wrap %v", err, want)
	}
}

// recorder counts the provider's API calls.
type recorder struct{ providertest.CallRecorder }

func (r *recorder) count(call, status string) int { return r.Count(MetricsProvider, call, status) }
