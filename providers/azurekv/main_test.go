package azurekv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
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
	"github.com/seedb5e69c69/external-secrets/providers/azurekv/kvtest"
	"github.com/seedb5e69c69/external-secrets/providers/providertest"
)

const (
	testTenant       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClientID     = "0f5a7c3e-1111-4222-8333-944455556666"
	testClientSecret = "client-secret-value-Zq8~"
	testNamespace    = "team-a"
)

func TestMain(m *testing.M) {
	// The SDK reads these; only what a test sets itself may be seen.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AZURE_") || strings.HasPrefix(k, "IDENTITY_") || strings.HasPrefix(k, "MSI_") || k == "IMDS_ENDPOINT" {
			_ = os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// env is one test's vault and tenant, a kube client holding the service principal's
// credentials, and a provider pointed at them that counts its calls.
type env struct {
	t     *testing.T
	srv   *kvtest.Server
	kube  client.Client
	calls *calls
	p     *Provider
}

func newEnv(t *testing.T, objs ...client.Object) *env {
	t.Helper()
	srv := kvtest.New(t, testTenant)
	srv.Register(kvtest.App{ClientID: testClientID, Secret: testClientSecret})
	creds := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "azure-creds", Namespace: testNamespace},
		Data: map[string][]byte{
			"client-id":     []byte(testClientID + "\n"),
			"client-secret": []byte(testClientSecret),
			"tenant-id":     []byte(testTenant),
		},
	}
	kube := fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(append(objs, creds)...).Build()
	c := &calls{}
	return &env{
		t:     t,
		srv:   srv,
		kube:  kube,
		calls: c,
		p:     New(WithHTTPClient(srv.Client()), WithAuthorityHost(srv.URL), WithoutChallengeResourceVerification(), WithCallObserver(c)),
	}
}

// spec is a service principal store spec for the env's vault, adjusted by mods.
func (e *env) spec(mods ...func(*esv1.AzureKVProvider)) *esv1.AzureKVProvider {
	spec := &esv1.AzureKVProvider{
		VaultURL: ptr(e.srv.URL),
		TenantID: ptr(testTenant),
		AuthSecretRef: &esv1.AzureKVAuth{
			ClientID:     &esmeta.SecretKeySelector{Name: "azure-creds", Key: "client-id"},
			ClientSecret: &esmeta.SecretKeySelector{Name: "azure-creds", Key: "client-secret"},
		},
	}
	for _, m := range mods {
		m(spec)
	}
	return spec
}

func (e *env) store(mods ...func(*esv1.AzureKVProvider)) *esv1.SecretStore {
	return secretStore(e.spec(mods...))
}

func secretStore(spec *esv1.AzureKVProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.SecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "azure", Namespace: testNamespace},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AzureKV: spec}},
	}
}

func clusterStore(spec *esv1.AzureKVProvider) *esv1.ClusterSecretStore {
	return &esv1.ClusterSecretStore{
		TypeMeta:   metav1.TypeMeta{Kind: esv1.ClusterSecretStoreKind},
		ObjectMeta: metav1.ObjectMeta{Name: "azure"},
		Spec:       esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{AzureKV: spec}},
	}
}

// client returns a client of st for an ExternalSecret of testNamespace.
func (e *env) client(st esv1.GenericStore) *Client {
	e.t.Helper()
	return e.clientIn(st, testNamespace)
}

func (e *env) clientIn(st esv1.GenericStore, namespace string) *Client {
	e.t.Helper()
	c, err := e.p.NewClient(context.Background(), st, e.kube, namespace)
	if err != nil {
		e.t.Fatalf("NewClient: %v", err)
	}
	e.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*Client)
}

// get reads ref.Key with the default store.
func (e *env) get(ref esv1.ExternalSecretDataRemoteRef) (string, error) {
	e.t.Helper()
	v, err := e.client(e.store()).GetSecret(ctx(), ref)
	return string(v), err
}

func ctx() context.Context { return context.Background() }

// mustNotFind fails unless err wraps want; it also checks that err does not leak secret.
func mustFail(t *testing.T, err, want error, leaked ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
	for _, s := range leaked {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a secret value", err)
		}
	}
}

func kvSecretDisabled() kvtest.SecretOptions { return kvtest.SecretOptions{Disabled: true} }

func kvExpires(t time.Time) kvtest.SecretOptions { return kvtest.SecretOptions{Expires: &t} }

// testCertificate returns a self-signed RSA certificate as DER, and the PEM of the
// certificate followed by its private key (what a clientCertificate Secret holds).
func testCertificate(t *testing.T, cn string) (der, pemBundle []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemBundle = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	pemBundle = append(pemBundle, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	return der, pemBundle
}

// calls counts the provider's API calls.
type calls struct{ providertest.CallRecorder }

func (c *calls) get(call string) int { return c.Count(MetricsLabel, call, "") }
