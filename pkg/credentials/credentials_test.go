package credentials

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	esscheme "github.com/seedb5e69c69/external-secrets/pkg/scheme"
)

func namespacedStore() esv1.GenericStore {
	return &esv1.SecretStore{ObjectMeta: metav1.ObjectMeta{Name: "store", Namespace: "team-a"}}
}

func clusterStore() esv1.GenericStore {
	return &esv1.ClusterSecretStore{ObjectMeta: metav1.ObjectMeta{Name: "css"}}
}

func secret(ns, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func newKube(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(esscheme.New()).WithObjects(objs...).Build()
}

func TestNamespace(t *testing.T) {
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		requested *string
		want      string
		wantErr   error
	}{
		{name: "a namespaced store reads from its own namespace", store: namespacedStore(), namespace: "es-ns", want: "team-a"},
		{name: "a namespaced store ignores the reference's namespace", store: namespacedStore(), namespace: "es-ns", requested: ptr.To("team-b"), want: "team-a"},
		{name: "a cluster store honours the reference's namespace", store: clusterStore(), namespace: "es-ns", requested: ptr.To("team-b"), want: "team-b"},
		{name: "a cluster store falls back to the ExternalSecret's namespace", store: clusterStore(), namespace: "es-ns", want: "es-ns"},
		{name: "an empty requested namespace counts as absent", store: clusterStore(), namespace: "es-ns", requested: ptr.To(""), want: "es-ns"},
		{name: "a cluster store without any namespace is referent", store: clusterStore(), wantErr: ErrReferentNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Namespace(tt.store, tt.namespace, tt.requested)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("namespace = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateReferenceNamespace(t *testing.T) {
	tests := []struct {
		name      string
		store     esv1.GenericStore
		requested *string
		wantErr   bool
	}{
		{name: "no namespace is fine", store: namespacedStore()},
		{name: "the store's own namespace is fine", store: namespacedStore(), requested: ptr.To("team-a")},
		{name: "another namespace is refused for a namespaced store", store: namespacedStore(), requested: ptr.To("team-b"), wantErr: true},
		{name: "a cluster store may name any namespace", store: clusterStore(), requested: ptr.To("team-b")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateReferenceNamespace(tt.store, tt.requested)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && err.Error() != NamespaceMismatchMessage {
				t.Errorf("message = %q", err)
			}
		})
	}
}

func TestSecretKey(t *testing.T) {
	kube := newKube(
		secret("team-a", "creds", map[string]string{"token": "a-token", "empty": ""}),
		secret("team-b", "creds", map[string]string{"token": "b-token"}),
		secret("es-ns", "creds", map[string]string{"token": "es-token"}),
	)
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		sel       esmeta.SecretKeySelector
		want      string
		wantErr   string
		errIs     error
	}{
		{name: "namespaced store reads its namespace", store: namespacedStore(), namespace: "es-ns", sel: esmeta.SecretKeySelector{Name: "creds", Key: "token"}, want: "a-token"},
		{name: "namespaced store ignores a foreign namespace", store: namespacedStore(), sel: esmeta.SecretKeySelector{Name: "creds", Key: "token", Namespace: ptr.To("team-b")}, want: "a-token"},
		{name: "cluster store reads the named namespace", store: clusterStore(), namespace: "es-ns", sel: esmeta.SecretKeySelector{Name: "creds", Key: "token", Namespace: ptr.To("team-b")}, want: "b-token"},
		{name: "cluster store reads the ExternalSecret's namespace", store: clusterStore(), namespace: "es-ns", sel: esmeta.SecretKeySelector{Name: "creds", Key: "token"}, want: "es-token"},
		{name: "cluster store without namespace is referent", store: clusterStore(), sel: esmeta.SecretKeySelector{Name: "creds", Key: "token"}, errIs: ErrReferentNamespace, wantErr: `reading key "token" of Secret "creds"`},
		{name: "missing Secret names it", store: namespacedStore(), sel: esmeta.SecretKeySelector{Name: "nope", Key: "token"}, wantErr: "Secret team-a/nope not found"},
		{name: "missing key names it", store: namespacedStore(), sel: esmeta.SecretKeySelector{Name: "creds", Key: "other"}, wantErr: `key "other" not found in Secret team-a/creds`},
		{name: "empty value is an error", store: namespacedStore(), sel: esmeta.SecretKeySelector{Name: "creds", Key: "empty"}, wantErr: `key "empty" of Secret team-a/creds is empty`},
		{name: "a key is required", store: namespacedStore(), sel: esmeta.SecretKeySelector{Name: "creds"}, wantErr: "needs a key"},
		{name: "a name is required", store: namespacedStore(), sel: esmeta.SecretKeySelector{Key: "token"}, wantErr: "needs a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SecretKey(context.Background(), kube, tt.store, tt.namespace, tt.sel)
			checkErr(t, err, tt.wantErr, tt.errIs)
			if string(got) != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string, is error) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("expected error containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	case is != nil && !errors.Is(err, is):
		t.Fatalf("error %v does not wrap %v", err, is)
	}
	if err != nil && strings.Contains(err.Error(), "-token") {
		t.Fatalf("error leaks a value: %v", err)
	}
}

func TestCABundle(t *testing.T) {
	ca := testCert(t)
	kube := newKube(
		secret("team-a", "ca", map[string]string{"ca.crt": string(ca), "bad": "not a cert"}),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "ca"}, Data: map[string]string{"root": string(ca)}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "es-ns", Name: "ca"}, BinaryData: map[string][]byte{"root": ca}},
	)
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		bundle    []byte
		provider  *esv1.CAProvider
		wantCerts int
		wantErr   string
		errIs     error
	}{
		{name: "nothing set means system roots", store: namespacedStore()},
		{name: "inline bundle", store: namespacedStore(), bundle: ca, wantCerts: 1},
		{name: "inline bundle must be PEM", store: namespacedStore(), bundle: []byte("junk"), wantErr: "caBundle: no PEM-encoded certificate found"},
		{name: "Secret with the default key", store: namespacedStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca"}, wantCerts: 1},
		{name: "inline bundle and provider are concatenated", store: namespacedStore(), bundle: ca, provider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca"}, wantCerts: 2},
		{name: "Secret key that is not PEM", store: namespacedStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca", Key: "bad"}, wantErr: `key "bad" of Secret team-a/ca: no PEM`},
		{name: "namespaced store ignores the provider namespace", store: namespacedStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Key: "root", Namespace: ptr.To("team-b")}, wantErr: "ConfigMap team-a/ca not found"},
		{name: "cluster store honours the provider namespace", store: clusterStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Key: "root", Namespace: ptr.To("team-b")}, wantCerts: 1},
		{name: "cluster store falls back to the ExternalSecret namespace (binaryData)", store: clusterStore(), namespace: "es-ns", provider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Key: "root"}, wantCerts: 1},
		{name: "cluster store without namespace is referent", store: clusterStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeConfigMap, Name: "ca", Key: "root"}, errIs: ErrReferentNamespace, wantErr: "referent"},
		{name: "missing key", store: namespacedStore(), provider: &esv1.CAProvider{Type: esv1.CAProviderTypeSecret, Name: "ca", Key: "nope"}, wantErr: `key "nope" not found in Secret team-a/ca`},
		{name: "unknown type", store: namespacedStore(), provider: &esv1.CAProvider{Type: "Pod", Name: "ca"}, wantErr: `caProvider type "Pod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CABundle(context.Background(), kube, tt.store, tt.namespace, tt.bundle, tt.provider)
			checkErr(t, err, tt.wantErr, tt.errIs)
			if n := countCerts(got); n != tt.wantCerts {
				t.Errorf("certificates = %d, want %d", n, tt.wantCerts)
			}
		})
	}
}

func TestServiceAccountToken(t *testing.T) {
	sa := func(ns string) *corev1.ServiceAccount {
		return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reader"}}
	}
	kube := newKube(sa("team-a"), sa("team-b"))
	tests := []struct {
		name      string
		store     esv1.GenericStore
		namespace string
		sel       esmeta.ServiceAccountSelector
		wantErr   string
		errIs     error
	}{
		{name: "namespaced store", store: namespacedStore(), sel: esmeta.ServiceAccountSelector{Name: "reader", Namespace: ptr.To("elsewhere")}},
		{name: "cluster store with namespace", store: clusterStore(), sel: esmeta.ServiceAccountSelector{Name: "reader", Namespace: ptr.To("team-b")}},
		{name: "cluster store referent", store: clusterStore(), sel: esmeta.ServiceAccountSelector{Name: "reader"}, errIs: ErrReferentNamespace, wantErr: "referent"},
		{name: "missing ServiceAccount", store: clusterStore(), namespace: "es-ns", sel: esmeta.ServiceAccountSelector{Name: "reader"}, wantErr: "ServiceAccount es-ns/reader"},
		{name: "a name is required", store: namespacedStore(), wantErr: "needs a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ServiceAccountToken(context.Background(), kube, tt.store, tt.namespace, tt.sel, []string{"extra"})
			checkErr(t, err, tt.wantErr, tt.errIs)
			if tt.wantErr == "" && tok == "" {
				t.Error("no token returned")
			}
		})
	}
}

func TestMergeAudiences(t *testing.T) {
	got := mergeAudiences([]string{"a", "b", ""}, []string{"b", "c"})
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("audiences = %v", got)
	}
	if mergeAudiences(nil, nil) != nil {
		t.Error("no audiences must stay nil so the server picks its default")
	}
}

func countCerts(data []byte) int {
	n := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return n
		}
		n++
	}
}

func testCert(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test-ca"},
		NotBefore:             time.Now(),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
