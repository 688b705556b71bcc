package vaultdynamic

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	genv1alpha1 "github.com/seedb5e69c69/external-secrets/apis/generators/v1alpha1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestGenerator_Generate(t *testing.T) {
	f := newFixture(t)
	f.write(f.key("kv1", "app"), map[string]any{"user": "app", "port": 5432, "ratio": 0.25, "tls": true, "opts": map[string]any{"pool": 10}, "hosts": []string{"a", "b"}})
	f.write(f.key("kv1", "other"), map[string]any{"k": "v"})
	f.write("secret/data/"+f.prefix+"/versioned", map[string]any{"data": map[string]any{"v": "one"}})
	f.write("secret/data/"+f.prefix+"/versioned", map[string]any{"data": map[string]any{"v": "two"}})

	with := func(path string, edit func(*genv1alpha1.VaultDynamicSecretSpec)) genv1alpha1.VaultDynamicSecretSpec {
		s := spec(rootAuth(), path)
		if edit != nil {
			edit(&s)
		}
		return s
	}
	cases := []struct {
		name string
		spec genv1alpha1.VaultDynamicSecretSpec
		want map[string]string
	}{
		{
			name: "GET returns the data section, one key per field",
			spec: with(f.key("kv1", "app"), nil),
			want: map[string]string{"user": "app", "port": "5432", "ratio": "0.25", "tls": "true", "opts": `{"pool":10}`, "hosts": `["a","b"]`},
		},
		{
			name: "getParameters are sent as the query",
			spec: with("secret/data/"+f.prefix+"/versioned", func(s *genv1alpha1.VaultDynamicSecretSpec) {
				s.GetParameters = map[string][]string{"version": {"1"}}
			}),
			want: map[string]string{"data": `{"v":"one"}`},
		},
		{
			name: "LIST returns the keys",
			spec: with(f.key("kv1", ""), func(s *genv1alpha1.VaultDynamicSecretSpec) { s.Method = "LIST" }),
			want: map[string]string{"keys": `["app","other"]`},
		},
		{
			name: "an empty response is empty output when allowed",
			spec: with(f.key("kv1", "missing"), func(s *genv1alpha1.VaultDynamicSecretSpec) { s.AllowEmptyResponse = true }),
			want: map[string]string{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, st, err := f.generate(tc.spec)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if st != nil {
				t.Errorf("expected no state for a response without lease or token, got %s", st.Raw)
			}
			for k, v := range tc.want {
				if string(out[k]) != v {
					t.Errorf("key %q = %q, want %q", k, out[k], v)
				}
			}
			if tc.name == "getParameters are sent as the query" {
				return // the data section of KV v2 also has metadata
			}
			if len(out) != len(tc.want) {
				t.Errorf("got keys %v, want %v", keys(out), tc.want)
			}
		})
	}
}

func TestGenerator_Generate_raw(t *testing.T) {
	f := newFixture(t)
	f.write(f.key("kv1", "app"), map[string]any{"user": "app"})

	out, _, err := f.generate(func() genv1alpha1.VaultDynamicSecretSpec {
		s := spec(rootAuth(), f.key("kv1", "app"))
		s.ResultType = genv1alpha1.VaultDynamicSecretResultRaw
		return s
	}())
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if got := string(out["data"]); got != `{"user":"app"}` {
		t.Errorf("data = %q", got)
	}
	if string(out["request_id"]) == "" || string(out["renewable"]) != "false" {
		t.Errorf("expected the whole response, got keys %v", keys(out))
	}
	if v, ok := out["warnings"]; !ok || len(v) != 0 {
		t.Errorf("null warnings should be an empty value, got %q (present %v)", v, ok)
	}
}

func TestGenerator_Generate_delete(t *testing.T) {
	f := newFixture(t)
	path := f.key("kv1", "doomed")
	f.write(path, map[string]any{"k": "v"})

	s := spec(rootAuth(), path)
	s.Method = "DELETE"
	if _, _, err := f.generate(s); !errors.Is(err, ErrEmptyResponse) {
		t.Fatalf("a 204 without allowEmptyResponse: got %v, want ErrEmptyResponse", err)
	}
	f.write(path, map[string]any{"k": "v"})
	s.AllowEmptyResponse = true
	out, st, err := f.generate(s)
	if err != nil || len(out) != 0 || st != nil {
		t.Fatalf("got %v, %v, %v; want an empty output", out, st, err)
	}
	if got, err := server.Admin.Logical().Read(path); err != nil || got != nil {
		t.Fatalf("the secret should be deleted, read %v, %v", got, err)
	}
}

func TestGenerator_Generate_emptyResponse(t *testing.T) {
	f := newFixture(t)
	f.write(f.key("kv1", "app"), map[string]any{"password": "kv-Va1ue-not-for-errors"})

	_, _, err := f.generate(spec(rootAuth(), f.key("kv1", "missing")))
	if err == nil || err.Error() != "unable to get dynamic secret: empty response from Vault" {
		t.Fatalf("got %v, want the upstream empty-response error", err)
	}

	// A response without the section asked for is empty too, and names no value.
	s := spec(rootAuth(), f.key("kv1", "app"))
	s.ResultType = genv1alpha1.VaultDynamicSecretResultAuth
	_, _, err = f.generate(s)
	if !errors.Is(err, ErrEmptyResponse) {
		t.Fatalf("resultType Auth of a read: got %v, want ErrEmptyResponse", err)
	}
	if strings.Contains(err.Error(), "kv-Va1ue-not-for-errors") {
		t.Fatalf("error leaks a value: %v", err)
	}
}

// A token issued by auth/token/create is recorded by accessor and revoked by Cleanup.
func TestGenerator_tokenCreate(t *testing.T) {
	f := newFixture(t)
	s := spec(rootAuth(), "auth/token/create")
	s.Method = "post" // any case
	s.Parameters = &apiextensionsv1.JSON{Raw: []byte(`{"ttl":"10m","policies":["default"],"meta":{"app":"gen"}}`)}
	s.ResultType = genv1alpha1.VaultDynamicSecretResultAuth

	out, raw, err := f.generate(s)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	token, accessor := string(out["client_token"]), string(out["accessor"])
	if token == "" || accessor == "" {
		t.Fatalf("expected client_token and accessor, got keys %v", keys(out))
	}
	if got := string(out["lease_duration"]); got != "600" {
		t.Errorf("lease_duration = %q, want 600", got)
	}
	if got := string(out["metadata"]); got != `{"app":"gen"}` {
		t.Errorf("metadata = %q", got)
	}
	st := decodeTestState(t, raw)
	if st["accessor"] != accessor || st["leaseID"] != "" || st["loginAccessor"] != "" {
		t.Fatalf("state = %v; want only the accessor (a tokenSecretRef token is never revoked)", st)
	}
	if strings.Contains(string(raw.Raw), token) {
		t.Fatal("the state holds the token")
	}
	if !accessorAlive(t, accessor) {
		t.Fatal("the issued token should be alive after Generate")
	}

	if err := f.cleanup(s, raw); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	if accessorAlive(t, accessor) {
		t.Fatal("Cleanup should revoke the issued token")
	}
	if err := f.cleanup(s, raw); err != nil {
		t.Fatalf("Cleanup of an already revoked token: %v", err)
	}
}

// A lease issued under a login token survives Generate (Vault would revoke it with the
// login token) and is revoked, with the login token, by Cleanup.
func TestGenerator_leaseWithLogin(t *testing.T) {
	f := newFixture(t)
	s := spec(userPassAuth(), leasedRole)
	s.Method = "POST"
	s.Parameters = &apiextensionsv1.JSON{Raw: []byte(`{"common_name":"app.example.com"}`)}

	out, raw, err := f.generate(s)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	key := string(out["private_key"])
	if !strings.Contains(key, "PRIVATE KEY") || !strings.Contains(string(out["certificate"]), "CERTIFICATE") {
		t.Fatalf("expected a certificate and key, got keys %v", keys(out))
	}
	st := decodeTestState(t, raw)
	lease, login := st["leaseID"], st["loginAccessor"]
	if !strings.HasPrefix(lease, leasedRole+"/") || login == "" || st["accessor"] != "" {
		t.Fatalf("state = %v; want the lease and the login accessor", st)
	}
	if strings.Contains(string(raw.Raw), "PRIVATE KEY") || strings.Contains(string(raw.Raw), string(out["serial_number"])) {
		t.Fatal("the state holds a generated value")
	}
	if !leaseAlive(t, lease) || !accessorAlive(t, login) {
		t.Fatal("the lease and its login token must outlive Generate")
	}
	if n := f.observer.count("RevokeSelf", "success"); n != 0 {
		t.Fatalf("Generate revoked its login token (%d RevokeSelf), which revokes the lease", n)
	}
	if n := f.observer.count("Login", "success"); n != 1 {
		t.Fatalf("observed %d logins, want 1", n)
	}

	if err := f.cleanup(s, raw); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	if leaseAlive(t, lease) || accessorAlive(t, login) {
		t.Fatal("Cleanup should revoke the lease and the login token")
	}
	if n := f.observer.count("RevokeSelf", "success"); n != 1 {
		t.Fatalf("Cleanup should revoke its own login token, observed %d RevokeSelf", n)
	}
	if err := f.cleanup(s, raw); err != nil {
		t.Fatalf("Cleanup of an already revoked lease: %v", err)
	}
}

// Without anything issued, the login token is revoked at once.
func TestGenerator_loginRevokedWithoutState(t *testing.T) {
	f := newFixture(t)
	f.write(f.key("kv1", "app"), map[string]any{"user": "app"})

	out, st, err := f.generate(spec(userPassAuth(), f.key("kv1", "app")))
	if err != nil || st != nil || string(out["user"]) != "app" {
		t.Fatalf("got %v, %v, %v", out, st, err)
	}
	if n := f.observer.count("RevokeSelf", "success"); n != 1 {
		t.Fatalf("observed %d RevokeSelf, want the login token revoked once", n)
	}
	if n := f.observer.count("ReadSecretData", "success"); n != 1 {
		t.Fatalf("observed %d reads, want 1", n)
	}
}

func TestGenerator_authFailure(t *testing.T) {
	f := newFixture(t)
	const badToken = "hvs.not-a-valid-token-4711"
	const badPassword = "wrong-Pa55word-0815"
	f.write(f.key("kv1", "app"), map[string]any{"user": "app"})
	must(t, f.kube.Create(ctx(t), secret("bad-token", "token", badToken)))
	must(t, f.kube.Create(ctx(t), secret("bad-password", "password", badPassword)))

	s := spec(&esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "bad-token", Key: "token"}}, f.key("kv1", "app"))
	_, _, err := f.generate(s)
	if !errors.Is(err, providers.ErrUnauthorized) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("a refused token: got %v, want permission denied wrapping ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), badToken) {
		t.Fatalf("error leaks the token: %v", err)
	}

	auth := userPassAuth()
	auth.UserPass.SecretRef.Name = "bad-password"
	_, _, err = f.generate(spec(auth, f.key("kv1", "app")))
	if err == nil || !strings.Contains(err.Error(), "logging in") {
		t.Fatalf("a refused login: got %v", err)
	}
	if strings.Contains(err.Error(), badPassword) {
		t.Fatalf("error leaks the password: %v", err)
	}
	if n := f.observer.count("Login", "error"); n != 1 {
		t.Fatalf("observed %d failed logins, want 1", n)
	}
}

// A request Vault rejects names the path and Vault's reason, but not the values sent, even
// where Vault's own message quotes them.
func TestGenerator_requestErrorHidesParameters(t *testing.T) {
	f := newFixture(t)
	write := spec(rootAuth(), "auth/token/create")
	write.Method = "POST"
	write.Parameters = &apiextensionsv1.JSON{Raw: []byte(`{"meta":{"k":"v"},"ttl":"s3cr3t-duration"}`)}
	read := spec(rootAuth(), "sys/leases/lookup")
	read.GetParameters = map[string][]string{"lease_id": {"s3cr3t-lease"}}
	revoked := spec(&esv1.VaultAuth{TokenSecretRef: &esmeta.SecretKeySelector{Name: "bad-token", Key: "token"}}, "auth/token/create")
	revoked.Method = "POST"
	revoked.Parameters = write.Parameters
	must(t, f.kube.Create(ctx(t), secret("bad-token", "token", "hvs.invalid-token")))

	for _, s := range []genv1alpha1.VaultDynamicSecretSpec{write, read, revoked} {
		_, _, err := f.generate(s)
		if err == nil || !strings.Contains(err.Error(), "vault ") || !strings.Contains(err.Error(), s.Path) {
			t.Fatalf("got %v, want Vault's error naming %s", err, s.Path)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("error leaks a parameter: %v", err)
		}
	}
	_, _, err := f.generate(revoked)
	if !errors.Is(err, providers.ErrUnauthorized) {
		t.Fatalf("a refused token must wrap ErrUnauthorized: %v", err)
	}
}

func TestGenerator_retrySettings(t *testing.T) {
	f := newFixture(t)
	s := spec(rootAuth(), f.key("kv1", "app"))
	s.RetrySettings = &esv1.SecretStoreRetrySettings{MaxRetries: ptr.To[int32](0), RetryInterval: ptr.To("soon")}
	_, _, err := f.generate(s)
	if err == nil || !strings.Contains(err.Error(), "retrySettings.retryInterval") {
		t.Fatalf("got %v, want the retrySettings error of the provider", err)
	}
}

func TestGenerator_invalidSpec(t *testing.T) {
	f := newFixture(t)
	valid := spec(rootAuth(), "kv1/x")
	cases := []struct {
		name string
		edit func(*genv1alpha1.VaultDynamicSecretSpec)
		want string
	}{
		{"no path", func(s *genv1alpha1.VaultDynamicSecretSpec) { s.Path = "/" }, "spec.path is required"},
		{"no provider", func(s *genv1alpha1.VaultDynamicSecretSpec) { s.Provider = nil }, "spec.provider is required"},
		{"unknown result type", func(s *genv1alpha1.VaultDynamicSecretSpec) { s.ResultType = "Body" }, `spec.resultType "Body"`},
		{"parameters that are not an object", func(s *genv1alpha1.VaultDynamicSecretSpec) {
			s.Method = "PUT"
			s.Parameters = &apiextensionsv1.JSON{Raw: []byte(`["s3cr3t"]`)}
		}, "spec.parameters must be a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := valid
			tc.edit(&s)
			_, _, err := f.generate(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error leaks a parameter: %v", err)
			}
		})
	}
	if n := f.observer.count("ReadSecretData", "success") + f.observer.count("Login", "success"); n != 0 {
		t.Fatalf("an invalid spec reached Vault (%d calls)", n)
	}
}

func TestGenerator_Cleanup_noState(t *testing.T) {
	f := newFixture(t)
	for _, st := range []*apiextensionsv1.JSON{nil, {Raw: []byte(`{}`)}, {Raw: []byte(`null`)}} {
		// No manifest either: an empty state must not need one.
		if err := f.gen.Cleanup(ctx(t), nil, st, f.kube, testNamespace); err != nil {
			t.Fatalf("Cleanup(%v): %v", st, err)
		}
	}
	if err := f.gen.Cleanup(ctx(t), nil, &apiextensionsv1.JSON{Raw: []byte(`"lease"`)}, f.kube, testNamespace); err == nil {
		t.Fatal("a state that is not an object should fail")
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRequest_redact(t *testing.T) {
	r, err := newRequest(&genv1alpha1.VaultDynamicSecretSpec{Method: "PUT", Parameters: &apiextensionsv1.JSON{Raw: []byte(`{"a":{"b":["s3cr3t-value"]},"n":1,"ttl":"1h"}`)}})
	must(t, err)
	got := r.redact(fmt.Errorf("vault PUT x: %w: s3cr3t-value rejected, ttl 1h", providers.ErrUnauthorized))
	if !errors.Is(got, providers.ErrUnauthorized) {
		t.Errorf("the redacted error no longer wraps ErrUnauthorized: %v", got)
	}
	if want := "vault PUT x: " + providers.ErrUnauthorized.Error() + ": [redacted] rejected, ttl 1h"; got.Error() != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
