package vault

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

func TestProvider_tokenCache(t *testing.T) {
	f := newFixture(t)
	roleID, secretID := appRole(t, f.prefix)
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	obs := &countingObserver{}
	p := New(WithCallObserver(obs), WithTokenCache(8))
	store := f.appRoleStore(roleID, secretID)

	first := f.client(p, store)
	token := first.api.Token()
	if err := first.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if tokenGone(t, token) {
		t.Fatal("a cached token was revoked on Close")
	}
	second := f.client(p, store)
	if second.api.Token() != token {
		t.Fatal("the second client did not reuse the cached token")
	}
	if obs.count(callLogin, "success") != 1 || obs.count(callLookupSelf, "success") != 1 || obs.count(callRevokeSelf, "success") != 0 {
		t.Fatalf("calls with the cache: %v", obs.calls)
	}
	if _, err := second.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")}); err != nil {
		t.Fatalf("GetSecret with the cached token: %v", err)
	}

	// An edited store (new resourceVersion) logs in afresh.
	edited := store.DeepCopy()
	edited.ResourceVersion = "2"
	if f.client(p, edited).api.Token() == token {
		t.Fatal("an edited store reused the old token")
	}

	// A token revoked behind our back is noticed and replaced.
	if _, err := vault.Admin.Logical().WriteWithContext(ctx(t), "auth/token/revoke", map[string]any{"token": token}); err != nil {
		t.Fatal(err)
	}
	third := f.client(p, store)
	if third.api.Token() == token || tokenGone(t, third.api.Token()) {
		t.Fatal("a revoked cached token was reused")
	}
}

func TestProvider_tokenCache_perReferentNamespace(t *testing.T) {
	f := newFixture(t)
	roleID, secretID := appRole(t, f.prefix)
	other := env.Namespace(t)
	for _, ns := range []string{f.ns, other} {
		f.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "approle", Namespace: ns}, StringData: map[string]string{"secret-id": secretID}})
	}
	css := &esv1.ClusterSecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{Vault: f.spec(&esv1.VaultAuth{AppRole: &esv1.VaultAppRole{
		RoleID: roleID, SecretRef: esmeta.SecretKeySelector{Name: "approle", Key: "secret-id"},
	}})}}}
	css.Name, css.ResourceVersion = "cached", "1"
	p := New(WithTokenCache(8))
	tokens := map[string]string{}
	for _, ns := range []string{f.ns, other} {
		c, err := p.NewClient(ctx(t), css, env.Client, ns)
		if err != nil {
			t.Fatalf("NewClient in %s: %v", ns, err)
		}
		tokens[ns] = c.(*Client).api.Token()
		_ = c.Close(context.Background())
	}
	if tokens[f.ns] == tokens[other] {
		t.Fatal("two namespaces' credentials shared one cached token")
	}
}

func TestTokenCache_evictsLeastRecentlyUsed(t *testing.T) {
	tc := newTokenCache(2)
	a, b, c := tokenKey{name: "a"}, tokenKey{name: "b"}, tokenKey{name: "c"}
	tc.put(a, "ta")
	tc.put(b, "tb")
	if _, ok := tc.get(a); !ok {
		t.Fatal("a missing")
	}
	tc.put(c, "tc")
	if _, ok := tc.get(b); ok {
		t.Fatal("b should have been evicted as least recently used")
	}
	if v, ok := tc.get(a); !ok || v != "ta" {
		t.Fatal("a should survive")
	}
	tc.put(a, "ta2")
	if v, _ := tc.get(a); v != "ta2" {
		t.Fatal("put must replace")
	}
	tc.remove(a)
	if _, ok := tc.get(a); ok {
		t.Fatal("remove failed")
	}
}

func TestLongLived(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want bool
	}{
		{name: "no expiry (root-like tokens)", ttl: 0, want: true},
		{name: "plenty left", ttl: time.Hour, want: true},
		{name: "exactly the minimum", ttl: minTokenTTL, want: true},
		{name: "about to expire", ttl: 59 * time.Second, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := longLived(tt.ttl, nil); got != tt.want {
				t.Fatalf("longLived(%v) = %v", tt.ttl, got)
			}
		})
	}
	if longLived(time.Hour, context.Canceled) {
		t.Fatal("a TTL that could not be read is not long-lived")
	}
}
