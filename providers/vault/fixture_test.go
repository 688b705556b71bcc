package vault

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// fixture is one test's namespace in the control plane and its own corner of Vault: keys
// under prefix in every mount, so tests never see each other's secrets.
type fixture struct {
	t      *testing.T
	ns     string
	prefix string
	root   bool
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	prefix := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	return &fixture{t: t, ns: env.Namespace(t), prefix: prefix}
}

// key is a Vault key unique to the test.
func (f *fixture) key(rest string) string { return f.prefix + "/" + rest }

func (f *fixture) create(obj client.Object) {
	f.t.Helper()
	if obj.GetNamespace() == "" {
		obj.SetNamespace(f.ns)
	}
	if err := env.Client.Create(context.Background(), obj); err != nil {
		f.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func (f *fixture) secret(name string, data map[string]string) {
	f.t.Helper()
	f.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: data})
}

// spec is a store spec reaching the test Vault over TLS, KV v2 at secret/, with auth.
func (f *fixture) spec(auth *esv1.VaultAuth) *esv1.VaultProvider {
	return &esv1.VaultProvider{
		Server:   vault.Addr,
		CABundle: vault.CAPEM,
		Path:     ptr.To("secret"),
		Version:  esv1.VaultKVStoreV2,
		Auth:     auth,
	}
}

// rootAuth is tokenSecretRef auth with the root token, kept in a Secret of the namespace.
func (f *fixture) rootAuth() *esv1.VaultAuth {
	if !f.root {
		f.secret("vault-root", map[string]string{"token": "root"})
		f.root = true
	}
	return &esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "vault-root", Key: "token"}}
}

// store wraps spec in a SecretStore of the fixture's namespace. It does not retry: Vault
// 1.13 answers some refused logins with HTTP 500, which the client would retry for seconds
// (TestProvider_retrySettings covers retries).
func (f *fixture) store(spec *esv1.VaultProvider) *esv1.SecretStore {
	return &esv1.SecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: "vault", Namespace: f.ns, ResourceVersion: "1"},
		Spec: esv1.SecretStoreSpec{
			Provider:      &esv1.SecretStoreProvider{Vault: spec},
			RetrySettings: &esv1.SecretStoreRetrySettings{MaxRetries: ptr.To[int32](0)},
		},
	}
}

// client builds a client for store with p (New() when nil), closed at the end of the test.
func (f *fixture) client(p *Provider, store esv1.GenericStore) *Client {
	f.t.Helper()
	c, err := f.newClient(p, store)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	f.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func (f *fixture) newClient(p *Provider, store esv1.GenericStore) (*Client, error) {
	if p == nil {
		p = New()
	}
	c, err := p.NewClient(ctx(f.t), store, env.Client, f.ns)
	if err != nil {
		return nil, err
	}
	return c.(*Client), nil
}

// rootClient is a client with the root token on KV v2 at secret/.
func (f *fixture) rootClient() *Client {
	f.t.Helper()
	return f.client(nil, f.store(f.spec(f.rootAuth())))
}

// write writes a Vault path as root.
func (f *fixture) write(path string, data map[string]any) {
	f.t.Helper()
	if _, err := vault.Admin.Logical().WriteWithContext(ctx(f.t), path, data); err != nil {
		f.t.Fatalf("writing %s: %v", path, err)
	}
}

// kv2 writes a new version of secret/<key>.
func (f *fixture) kv2(key string, data map[string]any) {
	f.t.Helper()
	f.write("secret/data/"+key, map[string]any{"data": data})
}

// mountOnce enables a secrets engine or auth method once per test binary.
var mounted sync.Map

func mountOnce(t *testing.T, path string, body map[string]any) {
	t.Helper()
	if _, done := mounted.Load(path); done {
		return
	}
	if _, err := vault.Admin.Logical().WriteWithContext(ctx(t), path, body); err != nil {
		t.Fatalf("enabling %s: %v", path, err)
	}
	mounted.Store(path, true)
}

// policy "all" lets login tokens do anything with secrets.
func allPolicy(t *testing.T) string {
	t.Helper()
	mountOnce(t, "sys/policies/acl/all", map[string]any{"policy": `path "*" { capabilities = ["create", "read", "update", "delete", "list"] }`})
	return "all"
}

// tokenGone tells whether Vault no longer knows token.
func tokenGone(t *testing.T, token string) bool {
	t.Helper()
	_, err := vault.Admin.Logical().WriteWithContext(ctx(t), "auth/token/lookup", map[string]any{"token": token})
	return err != nil
}

// countingObserver counts provider calls by name and outcome.
type countingObserver struct {
	mu    sync.Mutex
	calls map[string]int
}

func (o *countingObserver) ObserveAPICall(provider, call string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.calls == nil {
		o.calls = map[string]int{}
	}
	status := "success"
	if err != nil {
		status = "error"
	}
	o.calls[provider+" "+call+" "+status]++
}

func (o *countingObserver) count(call, status string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls[MetricsProvider+" "+call+" "+status]
}

var _ providers.CallObserver = (*countingObserver)(nil)

// wantErr fails unless err wraps target (nil target: any error) and mentions nothing secret.
func wantErr(t *testing.T, err, target error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error wrapping %v", target)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %v does not wrap %v", err, target)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}
