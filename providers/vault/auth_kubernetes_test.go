package vault

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// saToken requests a token for a ServiceAccount of the fixture's namespace, creating it.
func (f *fixture) saToken(name string, audiences ...string) string {
	f.t.Helper()
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}})
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns}}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: audiences, ExpirationSeconds: ptr.To[int64](3600)}}
	if err := env.Client.SubResource("token").Create(context.Background(), sa, req); err != nil {
		f.t.Fatalf("requesting a token: %v", err)
	}
	return req.Status.Token
}

// kubernetesAuth configures Vault's Kubernetes method at mount against the test apiserver,
// with a token reviewer allowed to call the TokenReview API, and a role bound to the
// ServiceAccount sa of the fixture's namespace.
func (f *fixture) kubernetesAuth(mount, role, sa string) {
	f.t.Helper()
	mountOnce(f.t, "sys/auth/"+mount, map[string]any{"type": "kubernetes"})
	reviewer := f.saToken("token-reviewer")
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "vault-reviewer-" + f.ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "token-reviewer", Namespace: f.ns}},
	}
	if err := env.Client.Create(context.Background(), crb); err != nil {
		f.t.Fatalf("binding the token reviewer: %v", err)
	}
	f.t.Cleanup(func() { _ = env.Client.Delete(context.Background(), crb) })
	f.write("auth/"+mount+"/config", map[string]any{
		"kubernetes_host":      env.Config.Host,
		"kubernetes_ca_cert":   string(env.Config.CAData),
		"token_reviewer_jwt":   reviewer,
		"disable_local_ca_jwt": true,
	})
	f.write("auth/"+mount+"/role/"+role, map[string]any{
		"bound_service_account_names":      sa,
		"bound_service_account_namespaces": f.ns,
		"token_policies":                   allPolicy(f.t),
		"token_ttl":                        "1h",
	})
}

func TestProvider_kubernetes_serviceAccountRef(t *testing.T) {
	f := newFixture(t)
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "external-secrets"}})
	f.kubernetesAuth("kubernetes", f.prefix, "external-secrets")
	f.kv2(f.key("config"), map[string]any{"db": "postgres"})

	spec := f.spec(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{
		Role:              f.prefix,
		ServiceAccountRef: &esmeta.ServiceAccountSelector{Name: "external-secrets"},
	}})
	c := f.client(nil, f.store(spec))
	if m, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("config")}); err != nil || string(m["db"]) != "postgres" {
		t.Fatalf("GetSecretMap: %v, %v", m, err)
	}
	token := c.api.Token()
	if err := c.Close(ctx(t)); err != nil || !tokenGone(t, token) {
		t.Fatalf("Close must revoke the Kubernetes login token: %v", err)
	}

	// A ServiceAccount the role is not bound to is refused.
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "intruder"}})
	spec.Auth.Kubernetes.ServiceAccountRef.Name = "intruder"
	_, err := f.newClient(nil, f.store(spec))
	wantErr(t, err, nil)
}

func TestProvider_kubernetes_secretRefAndOwnToken(t *testing.T) {
	f := newFixture(t)
	token := f.saToken("eso")
	f.kubernetesAuth("kubernetes", f.prefix, "eso")
	f.kv2(f.key("config"), map[string]any{"db": "postgres"})

	// The JWT kept in a Secret, under the default key "token".
	f.secret("sa-token", map[string]string{"token": token})
	spec := f.spec(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{Role: f.prefix, SecretRef: &esmeta.SecretKeySelector{Name: "sa-token"}}})
	if _, err := f.client(nil, f.store(spec)).GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("config")}); err != nil {
		t.Fatalf("GetSecret with secretRef: %v", err)
	}

	// Neither: the controller's own token file.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec = f.spec(&esv1.VaultAuth{Kubernetes: &esv1.VaultKubernetesAuth{Role: f.prefix}})
	c := f.client(New(WithServiceAccountTokenFile(file)), f.store(spec))
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("config")}); err != nil {
		t.Fatalf("GetSecret with the controller's token: %v", err)
	}
	_, err := f.newClient(New(WithServiceAccountTokenFile(filepath.Join(t.TempDir(), "missing"))), f.store(spec))
	wantErr(t, err, nil)
}

// TestProvider_seed004 is seed 004's ClusterSecretStore, unchanged except for the server (the
// test Vault, with its CA) and the ServiceAccount's namespace: Kubernetes auth through a
// TokenRequest token, and dataFrom.extract of production/myapp/config.
func TestProvider_seed004(t *testing.T) {
	f := newFixture(t)
	css, _ := f.seed004()
	if _, err := New().ValidateStore(css); err != nil {
		t.Fatalf("the seed store does not validate: %v", err)
	}
	f.kv2("production/myapp/config", map[string]any{"DATABASE_URL": "postgres://db", "API_KEY": "k-123"})

	c, err := New().NewClient(ctx(t), css, env.Client, "production")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	got, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "production/myapp/config"})
	if err != nil {
		t.Fatalf("GetSecretMap: %v", err)
	}
	if string(got["DATABASE_URL"]) != "postgres://db" || string(got["API_KEY"]) != "k-123" || len(got) != 2 {
		t.Fatalf("got %v", got)
	}
}

// seed004 parses seed 004's manifests, points the store at the test Vault and its
// ServiceAccount at the fixture's namespace, and configures Vault's Kubernetes method for it.
func (f *fixture) seed004() (*esv1.ClusterSecretStore, *esv1.ExternalSecret) {
	f.t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "seed-004-vault.yaml"))
	if err != nil {
		f.t.Fatal(err)
	}
	docs := strings.Split(string(raw), "\n---\n")
	css, es := &esv1.ClusterSecretStore{}, &esv1.ExternalSecret{}
	if err := yaml.UnmarshalStrict([]byte(docs[0]), css); err != nil {
		f.t.Fatalf("parsing the seed store: %v", err)
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), es); err != nil {
		f.t.Fatalf("parsing the seed ExternalSecret: %v", err)
	}
	// The typed client names the served version itself.
	css.TypeMeta, es.TypeMeta = metav1.TypeMeta{}, metav1.TypeMeta{}
	v := css.Spec.Provider.Vault
	v.Server, v.CABundle = vault.Addr, vault.CAPEM
	sa := v.Auth.Kubernetes.ServiceAccountRef
	sa.Namespace = &f.ns
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa.Name}})
	f.kubernetesAuth(v.Auth.Kubernetes.Path, v.Auth.Kubernetes.Role, sa.Name)
	return css, es
}

func TestProvider_jwt(t *testing.T) {
	f := newFixture(t)
	key := newTestKey(t)
	mountOnce(t, "sys/auth/jwt", map[string]any{"type": "jwt"})
	f.write("auth/jwt/config", map[string]any{"jwt_validation_pubkeys": []string{key.publicPEM(t)}})
	f.write("auth/jwt/role/"+f.prefix, map[string]any{
		"role_type": "jwt", "user_claim": "sub", "bound_audiences": []string{"vault"},
		"token_policies": allPolicy(t), "token_ttl": "1h",
	})
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	f.secret("jwt", map[string]string{"jwt": key.sign(t, map[string]any{"sub": "ci", "aud": "vault"})})

	spec := f.spec(&esv1.VaultAuth{Jwt: &esv1.VaultJwtAuth{Role: f.prefix, SecretRef: &esmeta.SecretKeySelector{Name: "jwt", Key: "jwt"}}})
	c := f.client(nil, f.store(spec))
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	token := c.api.Token()
	if err := c.Close(ctx(t)); err != nil || !tokenGone(t, token) {
		t.Fatalf("Close must revoke the JWT login token: %v", err)
	}
}

// TestProvider_jwt_serviceAccountToken validates ServiceAccount tokens of the test apiserver
// with its published keys, as a JWT method configured for a cluster's issuer does.
func TestProvider_jwt_serviceAccountToken(t *testing.T) {
	f := newFixture(t)
	mountOnce(t, "sys/auth/jwt-k8s", map[string]any{"type": "jwt"})
	f.write("auth/jwt-k8s/config", map[string]any{"jwt_validation_pubkeys": apiserverKeys(t)})
	f.write("auth/jwt-k8s/role/"+f.prefix, map[string]any{
		"role_type": "jwt", "user_claim": "sub", "bound_audiences": []string{"vault"},
		"bound_subject": "system:serviceaccount:" + f.ns + ":eso", "token_policies": allPolicy(t), "token_ttl": "1h",
	})
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "eso"}})
	f.kv2(f.key("app"), map[string]any{"user": "alice"})

	// No audience configured: "vault" is requested.
	spec := f.spec(&esv1.VaultAuth{Jwt: &esv1.VaultJwtAuth{Path: "jwt-k8s", Role: f.prefix, KubernetesServiceAccountToken: &esv1.VaultKubernetesServiceAccountTokenAuth{
		ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "eso"},
		ExpirationSeconds: ptr.To[int64](900),
	}}})
	if _, err := f.client(nil, f.store(spec)).GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	// Another audience is refused by the role.
	spec.Auth.Jwt.KubernetesServiceAccountToken.ServiceAccountRef.Audiences = []string{"other"}
	_, err := f.newClient(nil, f.store(spec))
	wantErr(t, err, nil)
}

// apiserverKeys returns the PEM public keys the test apiserver signs ServiceAccount tokens
// with, from its JWKS endpoint.
func apiserverKeys(t *testing.T) []string {
	t.Helper()
	hc, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(strings.TrimSuffix(env.Config.Host, "/") + "/openid/v1/jwks")
	if err != nil {
		t.Fatalf("fetching the JWKS: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("parsing the JWKS %s: %v", body, err)
	}
	var out []string
	for _, k := range set.Keys {
		der, err := x509.MarshalPKIXPublicKey(k.Public().Key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	}
	return out
}
