package onepassword

import (
	"context"
	"testing"
	"time"

	"github.com/1Password/connect-sdk-go/onepassword"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
	"github.com/seedb5e69c69/external-secrets/providers/onepassword/connecttest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

// Test fixture: the emulator's token and the values that must never appear in an error.
const (
	storeNS    = "team-a"
	tokenName  = "op-connect"
	tokenKey   = "token"
	token      = "connect-token-do-not-leak"
	dbPassword = "db-password-p4ss"
	tlsKey     = "-----BEGIN PRIVATE KEY-----secret-key-bytes"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// fixture is a running emulator and the IDs of what it holds.
type fixture struct {
	srv                  *connecttest.Server
	primary, secondary   string // vault IDs
	dbID, certID, listID string // item IDs
}

// newFixture starts an emulator holding (the store searches primary, then secondary):
//
//	primary    db (LOGIN, tags prod+db): username, password, host.name, notes
//	           cert (DOCUMENT): files tls.crt, tls.key; field notesPlain
//	           shared: password from-primary
//	           dup-title (twice)
//	           dup-label: two fields labelled token, one labelled single
//	secondary  shared: password from-secondary, extra
//	           only-secondary (tags prod): password, api-key
//	elsewhere  db (a vault the store does not name)
func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := connecttest.New(t, token)
	f := &fixture{srv: s, primary: s.AddVault("primary"), secondary: s.AddVault("secondary")}
	elsewhere := s.AddVault("elsewhere")
	f.dbID = s.AddItem(f.primary, onepassword.Item{Title: "db", Category: onepassword.Login, Tags: []string{"prod", "db"}, Fields: []*onepassword.ItemField{
		{Label: "username", Value: "admin", Purpose: onepassword.FieldPurposeUsername, Type: onepassword.FieldTypeString},
		{Label: "password", Value: dbPassword, Purpose: onepassword.FieldPurposePassword, Type: onepassword.FieldTypeConcealed},
		{Label: "host.name", Value: "db.internal", Type: onepassword.FieldTypeString},
		{Label: "notes", Value: "", Type: onepassword.FieldTypeString},
	}})
	f.certID = s.AddItem(f.primary, onepassword.Item{Title: "cert", Category: onepassword.Document, Fields: []*onepassword.ItemField{
		{Label: "notesPlain", Value: "certificate of the shop", Purpose: onepassword.FieldPurposeNotes},
	}})
	s.AddFile(f.primary, f.certID, "tls.crt", []byte("-----BEGIN CERTIFICATE-----cert-bytes"))
	s.AddFile(f.primary, f.certID, "tls.key", []byte(tlsKey))
	s.AddItem(f.primary, onepassword.Item{Title: "shared", Fields: []*onepassword.ItemField{{Label: "password", Value: "from-primary"}}})
	s.AddItem(f.primary, onepassword.Item{Title: "dup-title", Fields: []*onepassword.ItemField{{Label: "password", Value: "dup-title-value-1"}}})
	s.AddItem(f.primary, onepassword.Item{Title: "dup-title", Fields: []*onepassword.ItemField{{Label: "password", Value: "dup-title-value-2"}}})
	s.AddItem(f.primary, onepassword.Item{Title: "dup-label", Fields: []*onepassword.ItemField{
		{Label: "token", Value: "dup-value-1"}, {Label: "token", Value: "dup-value-2"}, {Label: "single", Value: "single-value"},
	}})
	s.AddItem(f.secondary, onepassword.Item{Title: "shared", Fields: []*onepassword.ItemField{
		{Label: "password", Value: "from-secondary"}, {Label: "extra", Value: "extra-value"},
	}})
	f.listID = s.AddItem(f.secondary, onepassword.Item{Title: "only-secondary", Tags: []string{"prod"}, Fields: []*onepassword.ItemField{
		{Label: "password", Value: "secondary-value"}, {Label: "api-key", Value: "api-key-value"},
	}})
	s.AddItem(elsewhere, onepassword.Item{Title: "db", Fields: []*onepassword.ItemField{{Label: "password", Value: "elsewhere-value"}}})
	return f
}

func newKube(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func tokenSecret(ns, value string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tokenName}, Data: map[string][]byte{tokenKey: []byte(value)}}
}

func spec(host string, tokenNS *string) esv1.OnePasswordProvider {
	return esv1.OnePasswordProvider{
		ConnectHost: host,
		Vaults:      map[string]int{"primary": 1, "secondary": 2},
		Auth: &esv1.OnePasswordAuth{SecretRef: &esv1.OnePasswordAuthSecretRef{
			ConnectToken: esmeta.SecretKeySelector{Name: tokenName, Key: tokenKey, Namespace: tokenNS},
		}},
	}
}

func namespacedStore(s esv1.OnePasswordProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "onepassword", Namespace: storeNS},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{OnePassword: &s}},
	}
}

func clusterStore(s esv1.OnePasswordProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "onepassword"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{OnePassword: &s}},
	}
}

// newTestClient builds a client of a namespaced store against f, and closes it when the test
// ends.
func newTestClient(t *testing.T, f *fixture, obs *recorder, mutate ...func(*esv1.OnePasswordProvider)) *Client {
	t.Helper()
	s := spec(f.srv.URL, nil)
	for _, m := range mutate {
		m(&s)
	}
	var opts []Option
	if obs != nil {
		opts = append(opts, WithCallObserver(obs))
	}
	c, err := New(opts...).NewClient(ctx(t), namespacedStore(s), newKube(tokenSecret(storeNS, token)), storeNS)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

// recorder counts the provider's API calls.
type recorder struct{ providertest.CallRecorder }

func (r *recorder) count(call, status string) int { return r.Count(MetricsProvider, call, status) }
