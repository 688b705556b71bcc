package onepassword

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestProvider_NewClient_auth(t *testing.T) {
	f := newFixture(t)
	read := func(t *testing.T, c providers.Client) error {
		t.Helper()
		got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "db"})
		if err == nil && string(got) != dbPassword {
			t.Fatalf("got %q", got)
		}
		return err
	}

	t.Run("a namespaced store reads the token in its namespace, ignoring the reference's", func(t *testing.T) {
		kube := newKube(tokenSecret(storeNS, token), tokenSecret("other", "wrong-token"))
		c, err := New().NewClient(ctx(t), namespacedStore(spec(f.srv.URL, ptr.To("other"))), kube, storeNS)
		if err != nil {
			t.Fatal(err)
		}
		if err := read(t, c); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a ClusterSecretStore without namespace reads the ExternalSecret's namespace", func(t *testing.T) {
		kube := newKube(tokenSecret("es-ns", token))
		c, err := New().NewClient(ctx(t), clusterStore(spec(f.srv.URL, nil)), kube, "es-ns")
		if err != nil {
			t.Fatal(err)
		}
		if err := read(t, c); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a ClusterSecretStore reference with a namespace is read there", func(t *testing.T) {
		kube := newKube(tokenSecret("ops", token), tokenSecret("es-ns", "wrong-token"))
		c, err := New().NewClient(ctx(t), clusterStore(spec(f.srv.URL, ptr.To("ops"))), kube, "es-ns")
		if err != nil {
			t.Fatal(err)
		}
		if err := read(t, c); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("referent ClusterSecretStore without namespace validates Unknown and cannot read", func(t *testing.T) {
		before := len(f.srv.Requests())
		c, err := New().NewClient(ctx(t), clusterStore(spec(f.srv.URL, nil)), newKube(), "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Validate(ctx(t))
		if res != esv1.ValidationResultUnknown || err != nil {
			t.Fatalf("Validate = %v, %v; want Unknown, nil", res, err)
		}
		if err := read(t, c); !errors.Is(err, credentials.ErrReferentNamespace) {
			t.Fatalf("read: %v, want ErrReferentNamespace", err)
		}
		if got := f.srv.Requests()[before:]; len(got) != 0 {
			t.Fatalf("requests sent without a token: %v", got)
		}
	})

	t.Run("a missing token Secret is an error", func(t *testing.T) {
		_, err := New().NewClient(ctx(t), namespacedStore(spec(f.srv.URL, nil)), newKube(), storeNS)
		if err == nil || !strings.Contains(err.Error(), tokenName) {
			t.Fatalf("got %v, want an error naming the Secret", err)
		}
	})

	t.Run("a wrong token is unauthorized, observed as an error, and not leaked", func(t *testing.T) {
		obs := &recorder{}
		kube := newKube(tokenSecret(storeNS, "wrong-token-do-not-leak"))
		c, err := New(WithCallObserver(obs)).NewClient(ctx(t), namespacedStore(spec(f.srv.URL, nil)), kube, storeNS)
		if err != nil {
			t.Fatal(err)
		}
		err = read(t, c)
		if !errors.Is(err, providers.ErrUnauthorized) {
			t.Fatalf("read: %v, want ErrUnauthorized", err)
		}
		if errors.Is(err, providers.ErrSecretNotFound) || strings.Contains(err.Error(), "wrong-token-do-not-leak") {
			t.Fatalf("bad error %q", err)
		}
		if obs.count(callGetVault, "error") != 1 {
			t.Fatalf("calls: %v", obs)
		}
		res, err := c.Validate(ctx(t))
		if res != esv1.ValidationResultError || !errors.Is(err, providers.ErrUnauthorized) {
			t.Fatalf("Validate = %v, %v; want Error, unauthorized", res, err)
		}
	})
}

func TestClient_Validate(t *testing.T) {
	f := newFixture(t)
	obs := &recorder{}
	c := newTestClient(t, f, obs)
	res, err := c.Validate(ctx(t))
	if res != esv1.ValidationResultReady || err != nil {
		t.Fatalf("Validate = %v, %v; want Ready", res, err)
	}
	if obs.count(callGetVault, "success") != 2 {
		t.Fatalf("calls: %v", obs)
	}

	missing := newTestClient(t, f, nil, func(s *esv1.OnePasswordProvider) { s.Vaults["gone"] = 3 })
	res, err = missing.Validate(ctx(t))
	if res != esv1.ValidationResultError || err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Fatalf("Validate = %v, %v; want Error naming the vault", res, err)
	}
}

func TestProvider_ValidateStore(t *testing.T) {
	ok := spec("http://onepassword-connect:8080", nil)
	cases := []struct {
		name    string
		store   esv1.GenericStore
		errText string
	}{
		{name: "a valid namespaced store", store: namespacedStore(ok)},
		{name: "a namespaced store may repeat its namespace", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) {
			s.Auth.SecretRef.ConnectToken.Namespace = ptr.To(storeNS)
		}))},
		{name: "a namespaced store may not reach another namespace", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) {
			s.Auth.SecretRef.ConnectToken.Namespace = ptr.To("other")
		})), errText: credentials.NamespaceMismatchMessage},
		{name: "a cluster store may name any namespace", store: clusterStore(with(ok, func(s *esv1.OnePasswordProvider) {
			s.Auth.SecretRef.ConnectToken.Namespace = ptr.To("other")
		}))},
		{name: "a cluster store may use referent auth", store: clusterStore(ok)},
		{name: "connectHost must be a URL", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) { s.ConnectHost = "onepassword:8080" })), errText: "connectHost"},
		{name: "at least one vault", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) { s.Vaults = nil })), errText: "at least one vault"},
		{name: "unique priorities", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) { s.Vaults = map[string]int{"a": 1, "b": 1} })), errText: `vaults "a" and "b" have the same priority 1`},
		{name: "auth is required", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) { s.Auth = nil })), errText: "connectTokenSecretRef"},
		{name: "the token reference needs a key", store: namespacedStore(with(ok, func(s *esv1.OnePasswordProvider) { s.Auth.SecretRef.ConnectToken.Key = "" })), errText: "needs a name and a key"},
		{name: "another provider", store: &esv1.SecretStore{}, errText: "does not configure the onepassword provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().ValidateStore(tc.store)
			if tc.errText == "" {
				if err != nil {
					t.Fatalf("ValidateStore: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("got %v, want an error containing %q", err, tc.errText)
			}
		})
	}
}

func TestProvider_Capabilities(t *testing.T) {
	if got := New().Capabilities(); got != esv1.SecretStoreReadOnly {
		t.Fatalf("got %v", got)
	}
	var c providers.Client = &Client{}
	if _, ok := c.(providers.Writer); ok {
		t.Fatal("the client must not claim to write")
	}
}

// with returns a deep enough copy of s changed by m.
func with(s esv1.OnePasswordProvider, m func(*esv1.OnePasswordProvider)) esv1.OnePasswordProvider {
	out := *s.DeepCopy()
	m(&out)
	return out
}
