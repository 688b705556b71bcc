package infisical

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/infisical/infisicaltest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// Test fixture: the emulator's identities and content.
const (
	storeNS      = "team-a"
	credsName    = "infisical-creds"
	clientID     = "client-id-1"
	clientSecret = "client-secret-do-not-leak"
	project      = "shop"
	env          = "dev"
	apiKeyValue  = "api-key-value-k123"
	dbPassword   = "db-password-p4ss"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// newEmulator starts an emulator holding:
//
//	dev  /          API_KEY (v1 "old-value", v2 apiKeyValue), DB (JSON), REF ("${API_KEY}-x"),
//	                PLAIN (not JSON), DUP, metadata on API_KEY; imports shared:/common
//	dev  /app       APP_TOKEN, DUP
//	dev  /app/sub   SUB_SECRET, DUP
//	dev  /other     OTHER
//	shared /common  COMMON, API_KEY (shadowed by dev's)
//	prod /          PROD_ONLY
func newEmulator(t *testing.T) *infisicaltest.Server {
	t.Helper()
	s := infisicaltest.New(t)
	fill(s)
	return s
}

func fill(s *infisicaltest.Server) {
	s.AddUniversalAuth(clientID, clientSecret)
	s.Put(project, env, "/", "API_KEY", "old-value")
	s.Put(project, env, "/", "API_KEY", apiKeyValue)
	s.SetMetadata(project, env, "/", "API_KEY", map[string]string{"owner": "team-a", "tier": "gold"})
	s.Put(project, env, "/", "DB", fmt.Sprintf(`{"user":"admin","password":%q,"port":5432,"tls":true,"opts":{"a":"b"},"none":null,"db.host":"literal"}`, dbPassword))
	s.Put(project, env, "/", "REF", "${API_KEY}-x")
	s.Put(project, env, "/", "PLAIN", "plain-text-value")
	s.Put(project, env, "/", "DUP", "from-root")
	s.Put(project, env, "/app", "APP_TOKEN", "app-token-value")
	s.Put(project, env, "/app", "DUP", "from-app")
	s.Put(project, env, "/app/sub", "SUB_SECRET", "sub-value")
	s.Put(project, env, "/app/sub", "DUP", "from-sub")
	s.Put(project, env, "/other", "OTHER", "other-value")
	s.Put(project, "shared", "/common", "COMMON", "common-value")
	s.Put(project, "shared", "/common", "API_KEY", "shadowed")
	s.Import(project, env, "/", "shared", "/common")
	s.Put(project, "prod", "/", "PROD_ONLY", "prod-value")
}

func newKube(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func secretObj(ns, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func universalCreds(ns string) *corev1.Secret {
	return secretObj(ns, credsName, map[string]string{"clientId": clientID, "clientSecret": clientSecret})
}

func sel(key string, ns *string) esmeta.SecretKeySelector {
	return esmeta.SecretKeySelector{Name: credsName, Key: key, Namespace: ns}
}

func universalAuth(ns *string) esv1.InfisicalAuth {
	return esv1.InfisicalAuth{UniversalAuthCredentials: &esv1.UniversalAuthCredentials{
		ClientID: sel("clientId", ns), ClientSecret: sel("clientSecret", ns),
	}}
}

func spec(host string, auth esv1.InfisicalAuth) esv1.InfisicalProvider {
	return esv1.InfisicalProvider{
		HostAPI: host,
		Auth:    auth,
		SecretsScope: esv1.MachineIdentityScopeInWorkspace{
			ProjectSlug: project, EnvironmentSlug: env, SecretsPath: "/", ExpandSecretReferences: true,
		},
	}
}

func namespacedStore(s esv1.InfisicalProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "infisical", Namespace: storeNS},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Infisical: &s}},
	}
}

func clusterStore(s esv1.InfisicalProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "infisical"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Infisical: &s}},
	}
}

// newClient builds a client of a namespaced store with universal auth against srv, and
// closes it when the test ends.
func newClient(t *testing.T, srv *infisicaltest.Server, obs *recorder, mutate ...func(*esv1.InfisicalProvider)) *Client {
	t.Helper()
	s := spec(srv.URL, universalAuth(nil))
	for _, m := range mutate {
		m(&s)
	}
	var opts []Option
	if obs != nil {
		opts = append(opts, WithCallObserver(obs))
	}
	c, err := New(opts...).NewClient(ctx(t), namespacedStore(s), newKube(universalCreds(storeNS)), storeNS)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

// assertNoLeak fails when err's message contains any of the secret strings.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, clientSecret, apiKeyValue, dbPassword) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret value", err)
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
