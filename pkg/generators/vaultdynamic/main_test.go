package vaultdynamic

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/vault"
	"github.com/seedb5e69c69/external-secrets/providers/vault/vaulttest"
)

// One real Vault dev server for the package (see package vaulttest), arranged by TestMain
// with what the tests call: a KV v1 engine at kv1/, a PKI engine at pki/ whose role
// "leased" issues certificates with a lease, and userpass login for user "gen".
var server *vaulttest.Server

const (
	testNamespace = "apps"
	userName      = "gen"
	userPassword  = "userpass-Pa55-word"
	leasedRole    = "pki/issue/leased"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	s, err := vaulttest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Stop()
	server = s
	if err := arrange(); err != nil {
		fmt.Fprintln(os.Stderr, "arranging Vault:", err)
		return 1
	}
	return m.Run()
}

func arrange() error {
	steps := []struct {
		path string
		body map[string]any
	}{
		{"sys/mounts/kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}}},
		{"sys/mounts/pki", map[string]any{"type": "pki"}},
		{"pki/root/generate/internal", map[string]any{"common_name": "test-ca", "key_type": "ec", "ttl": "1h"}},
		{"pki/roles/leased", map[string]any{"allow_any_name": true, "generate_lease": true, "key_type": "ec", "ttl": "10m"}},
		{"sys/policies/acl/all", map[string]any{"policy": `path "*" { capabilities = ["create", "read", "update", "delete", "list"] }`}},
		{"sys/auth/userpass", map[string]any{"type": "userpass"}},
		{"auth/userpass/users/" + userName, map[string]any{"password": userPassword, "policies": "all"}},
	}
	for _, s := range steps {
		if _, err := server.Admin.Logical().Write(s.path, s.body); err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
	}
	return nil
}

// fixture is one test's Kubernetes credentials (an in-memory client holding the root token
// and the userpass password) and its own corner of the KV engines.
type fixture struct {
	t        *testing.T
	kube     client.Client
	prefix   string
	observer *countingObserver
	gen      *Generator
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	kube := fake.NewClientBuilder().WithObjects(
		secret("vault-token", "token", vaulttest.RootToken),
		secret("userpass", "password", userPassword),
	).Build()
	obs := &countingObserver{}
	return &fixture{
		t:        t,
		kube:     kube,
		prefix:   strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-"),
		observer: obs,
		gen:      New(WithCallObserver(obs), WithServiceAccountTokenFile("")),
	}
}

// secret is a Secret of the test namespace holding one key.
func secret(name, key, value string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace}, Data: map[string][]byte{key: []byte(value)}}
}

// rootAuth logs in with the root token from a Secret (tokenSecretRef: never revoked).
func rootAuth() *esv1.VaultAuth {
	return &esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "vault-token", Key: "token"}}
}

// userPassAuth logs in as user "gen", getting a token of its own.
func userPassAuth() *esv1.VaultAuth {
	return &esv1.VaultAuth{UserPass: &esv1.VaultUserPassAuth{Username: userName, SecretRef: esmeta.SecretKeySelector{Name: "userpass", Key: "password"}}}
}

// spec is a generator spec reaching the test Vault over TLS with auth, without retries
// (Vault answers some refused requests with HTTP 500, which would be retried for seconds).
func spec(auth *esv1.VaultAuth, path string) genv1alpha1.VaultDynamicSecretSpec {
	return genv1alpha1.VaultDynamicSecretSpec{
		Provider:      &esv1.VaultProvider{Server: server.Addr, CABundle: server.CAPEM, Auth: auth},
		Path:          path,
		RetrySettings: &esv1.SecretStoreRetrySettings{MaxRetries: ptr.To[int32](0)},
	}
}

// manifest is the generator object as the controller passes it.
func manifest(t *testing.T, s genv1alpha1.VaultDynamicSecretSpec) *apiextensionsv1.JSON {
	t.Helper()
	obj := genv1alpha1.VaultDynamicSecret{
		TypeMeta:   metav1.TypeMeta{APIVersion: genv1alpha1.GroupVersion.String(), Kind: genv1alpha1.VaultDynamicSecretKind},
		ObjectMeta: metav1.ObjectMeta{Name: "dyn", Namespace: testNamespace},
		Spec:       s,
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &apiextensionsv1.JSON{Raw: raw}
}

func (f *fixture) generate(s genv1alpha1.VaultDynamicSecretSpec) (map[string][]byte, *apiextensionsv1.JSON, error) {
	return f.gen.Generate(ctx(f.t), manifest(f.t, s), f.kube, testNamespace)
}

func (f *fixture) cleanup(s genv1alpha1.VaultDynamicSecretSpec, st *apiextensionsv1.JSON) error {
	return f.gen.Cleanup(ctx(f.t), manifest(f.t, s), st, f.kube, testNamespace)
}

// write writes a Vault path as root.
func (f *fixture) write(path string, data map[string]any) {
	f.t.Helper()
	if _, err := server.Admin.Logical().WriteWithContext(ctx(f.t), path, data); err != nil {
		f.t.Fatalf("writing %s: %v", path, err)
	}
}

// key is a path unique to the test under mount.
func (f *fixture) key(mount, rest string) string { return mount + "/" + f.prefix + "/" + rest }

// decodeTestState reads a returned state, failing the test when there is none.
func decodeTestState(t *testing.T, raw *apiextensionsv1.JSON) map[string]string {
	t.Helper()
	if raw == nil {
		t.Fatal("expected a generator state")
	}
	var out map[string]string
	if err := json.Unmarshal(raw.Raw, &out); err != nil {
		t.Fatalf("state %s is not a JSON object of strings: %v", raw.Raw, err)
	}
	return out
}

// leaseAlive tells whether Vault still knows lease id.
func leaseAlive(t *testing.T, id string) bool {
	t.Helper()
	_, err := server.Admin.Logical().WriteWithContext(ctx(t), "sys/leases/lookup", map[string]any{"lease_id": id})
	return err == nil
}

// accessorAlive tells whether Vault still knows a token by its accessor.
func accessorAlive(t *testing.T, accessor string) bool {
	t.Helper()
	_, err := server.Admin.Logical().WriteWithContext(ctx(t), "auth/token/lookup-accessor", map[string]any{"accessor": accessor})
	return err == nil
}

// countingObserver counts provider calls by name and outcome.
type countingObserver struct {
	mu    sync.Mutex
	calls map[string]int
}

var _ providers.CallObserver = (*countingObserver)(nil)

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
	return o.calls[vault.MetricsProvider+" "+call+" "+status]
}

// ctx is the context of test calls.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
