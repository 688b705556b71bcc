package vault

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestProvider_TLS_caProvider(t *testing.T) {
	f := newFixture(t)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	f.create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "vault-ca"}, Data: map[string]string{"ca.crt": string(vault.CAPEM)}})
	f.secret("vault-ca", map[string]string{"bundle.pem": string(vault.CAPEM)})
	for name, ca := range map[string]*esv1.CAProvider{
		"ConfigMap with the default key": {Type: esv1.CAProviderTypeConfigMap, Name: "vault-ca"},
		"Secret with a named key":        {Type: esv1.CAProviderTypeSecret, Name: "vault-ca", Key: "bundle.pem"},
	} {
		t.Run(name, func(t *testing.T) {
			spec := f.spec(f.rootAuth())
			spec.CABundle, spec.CAProvider = nil, ca
			c := f.client(nil, f.store(spec))
			if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app"), Property: "user"}); err != nil || string(v) != "alice" {
				t.Fatalf("GetSecret: %q, %v", v, err)
			}
		})
	}
}

// TestProvider_TLS_strict proves there is no insecure fallback: without the server's CA, or
// with another CA, nothing is read, whatever VAULT_* variables the controller runs with.
func TestProvider_TLS_strict(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, vault.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_SKIP_VERIFY", "true")
	t.Setenv("VAULT_CACERT", caFile)
	t.Setenv("VAULT_TOKEN", "root")
	f := newFixture(t)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	for name, ca := range map[string][]byte{"no CA": nil, "another CA": newTestCA(t).pem} {
		t.Run(name, func(t *testing.T) {
			spec := f.spec(f.rootAuth())
			spec.CABundle = ca
			c := f.client(nil, f.store(spec))
			_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")})
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("want a certificate error, got %v", err)
			}
		})
	}
	t.Run("VAULT_TOKEN is not used", func(t *testing.T) {
		c := f.client(nil, f.store(f.spec(nil)))
		_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")})
		wantErr(t, err, providers.ErrUnauthorized)
	})
}

func TestProvider_certAuth(t *testing.T) {
	mountOnce(t, "sys/auth/cert", map[string]any{"type": "cert"})
	f := newFixture(t)
	ca := newTestCA(t)
	f.write("auth/cert/certs/"+f.prefix, map[string]any{"certificate": string(ca.pem), "token_policies": allPolicy(t), "token_ttl": "1h"})
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	cert, key := ca.issue(t, "eso")
	f.secret("client", map[string]string{"tls.crt": string(cert), "tls.key": string(key)})
	otherCert, otherKey := newTestCA(t).issue(t, "eso")
	f.secret("stranger", map[string]string{"tls.crt": string(otherCert), "tls.key": string(otherKey)})
	spec := func(secret string) *esv1.VaultProvider {
		return f.spec(&esv1.VaultAuth{Cert: &esv1.VaultCertAuth{
			VaultRole:  f.prefix,
			ClientCert: esmeta.SecretKeySelector{Name: secret, Key: "tls.crt"},
			SecretRef:  esmeta.SecretKeySelector{Name: secret},
		}})
	}
	c := f.client(nil, f.store(spec("client")))
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	token := c.api.Token()
	if err := c.Close(ctx(t)); err != nil || !tokenGone(t, token) {
		t.Fatalf("Close must revoke the cert login token: %v", err)
	}
	_, err := f.newClient(nil, f.store(spec("stranger")))
	wantErr(t, err, nil, string(otherKey))

	f.secret("mismatch", map[string]string{"tls.crt": string(cert), "tls.key": string(otherKey)})
	_, err = f.newClient(nil, f.store(spec("mismatch")))
	wantErr(t, err, nil, string(otherKey), "PRIVATE KEY")
}

// TestProvider_clientTLS talks to a server that requires a client certificate, as a Vault
// listener with tls_require_and_verify_client_cert does.
func TestProvider_clientTLS(t *testing.T) {
	ca := newTestCA(t)
	serverCert, serverKey := ca.issue(t, "127.0.0.1")
	pair, err := tls.X509KeyPair(serverCert, serverKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"data":{"user":"alice"},"metadata":{"version":1}}}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()

	f := newFixture(t)
	cert, key := ca.issue(t, "eso")
	f.secret("mtls", map[string]string{"tls.crt": string(cert), "tls.key": string(key)})
	spec := f.spec(f.rootAuth())
	spec.Server, spec.CABundle = srv.URL, ca.pem
	if _, err := f.client(nil, f.store(spec)).GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "app"}); err == nil {
		t.Fatal("the server requires a client certificate; the read must fail without one")
	}
	spec.ClientTLS = esv1.VaultClientTLS{
		CertSecretRef: &esmeta.SecretKeySelector{Name: "mtls"},
		KeySecretRef:  &esmeta.SecretKeySelector{Name: "mtls"},
	}
	if v, err := f.client(nil, f.store(spec)).GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "user"}); err != nil || string(v) != "alice" {
		t.Fatalf("GetSecret with a client certificate: %q, %v", v, err)
	}
}
