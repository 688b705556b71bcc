package doppler

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
	"github.com/seedb5e69c69/external-secrets/providers/doppler/dopplertest"
)

func TestProvider_tokenAuth(t *testing.T) {
	srv := newEmulator(t)
	rec := &recorder{}
	p := newProvider(srv, WithCallObserver(rec))
	read := func(t *testing.T, token string, mutate ...func(*esv1.DopplerProvider)) error {
		t.Helper()
		c := newClient(t, p, token, mutate...)
		v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
		if err == nil && string(v) != apiKeyValue {
			t.Errorf("GetSecret = %q", v)
		}
		if _, verr := c.Validate(ctx(t)); (verr == nil) != (err == nil) {
			t.Errorf("Validate error %v disagrees with GetSecret error %v", verr, err)
		}
		return err
	}
	noScope := func(s *esv1.DopplerProvider) { s.Project, s.Config = "", "" }
	t.Run("a personal token with project and config", func(t *testing.T) {
		if err := read(t, personalToken); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a service token without project and config", func(t *testing.T) {
		if err := read(t, serviceToken, noScope); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an invalid token is unauthorized", func(t *testing.T) {
		err := read(t, "dp.st.wrong-token-value")
		wantErr(t, err, providers.ErrUnauthorized)
		assertNoLeak(t, err, "dp.st.wrong-token-value")
	})
	t.Run("a service token asked for another config is unauthorized", func(t *testing.T) {
		err := read(t, serviceToken, func(s *esv1.DopplerProvider) { s.Config = "prd" })
		wantErr(t, err, providers.ErrUnauthorized)
	})
	t.Run("an unknown project is an error, not a missing secret", func(t *testing.T) {
		err := read(t, personalToken, func(s *esv1.DopplerProvider) { s.Project = "nope" })
		if err == nil || errors.Is(err, providers.ErrSecretNotFound) || !strings.Contains(err.Error(), "Could not find requested project") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a personal token without project is an error", func(t *testing.T) {
		if err := read(t, personalToken, noScope); err == nil {
			t.Fatal("want an error")
		}
	})
	if rec.count(callDownload, "error") == 0 || rec.count(callDownload, "success") == 0 {
		t.Errorf("calls = %v", rec)
	}
	for _, r := range srv.Requests() {
		if r.Query["project"] == "" && r.Query["config"] != "" {
			t.Errorf("sent config without project: %v", r.Query)
		}
	}
}

func TestProvider_referentAuth(t *testing.T) {
	srv := newEmulator(t)
	p := newProvider(srv)
	esNS := "team-b"
	kube := newKube(tokenSecret(esNS, personalToken), tokenSecret(storeNS, "dp.st.not-this-one"))

	t.Run("a ClusterSecretStore without namespace reads the ExternalSecret's namespace", func(t *testing.T) {
		c, err := p.NewClient(ctx(t), clusterStore(personalSpec()), kube, esNS)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil || string(v) != apiKeyValue {
			t.Fatalf("GetSecret = %q, %v", v, err)
		}
	})
	t.Run("the store controller gets Unknown and reads fail", func(t *testing.T) {
		c, err := p.NewClient(ctx(t), clusterStore(personalSpec()), kube, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Validate(ctx(t))
		if res != esv1.ValidationResultUnknown || err != nil {
			t.Errorf("Validate = %v, %v", res, err)
		}
		_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
		wantErr(t, err, credentials.ErrReferentNamespace)
	})
	t.Run("a ClusterSecretStore honours the reference's namespace", func(t *testing.T) {
		s := personalSpec()
		s.Auth = tokenAuth(&esNS)
		c, err := p.NewClient(ctx(t), clusterStore(s), kube, storeNS)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a namespaced store may not reach into another namespace", func(t *testing.T) {
		s := personalSpec()
		s.Auth = tokenAuth(&esNS)
		_, err := p.NewClient(ctx(t), namespacedStore(s), kube, storeNS)
		if err == nil || !strings.Contains(err.Error(), credentials.NamespaceMismatchMessage) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a missing token Secret fails NewClient", func(t *testing.T) {
		_, err := p.NewClient(ctx(t), namespacedStore(personalSpec()), newKube(), storeNS)
		if err == nil || !strings.Contains(err.Error(), "auth.secretRef.dopplerToken") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the token key defaults to dopplerToken", func(t *testing.T) {
		s := personalSpec()
		s.Auth.SecretRef.DopplerToken.Key = ""
		c, err := p.NewClient(ctx(t), namespacedStore(s), kube, storeNS)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
		wantErr(t, err, providers.ErrUnauthorized) // storeNS holds the wrong token: the key was read
	})
}

func TestProvider_oidcAuth(t *testing.T) {
	srv := newEmulator(t)
	srv.AddOIDCIdentity("identity-1", "fake-token", dopplertest.Token{Project: project, Config: config})
	rec := &recorder{}
	p := newProvider(srv, WithCallObserver(rec))
	oidc := func(id string, ns *string) esv1.DopplerProvider {
		return esv1.DopplerProvider{Auth: &esv1.DopplerAuth{OIDCConfig: &esv1.DopplerOIDCAuth{
			Identity: id, ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "doppler-sa", Namespace: ns, Audiences: []string{"extra"}},
		}}}
	}
	t.Run("a namespaced store exchanges its ServiceAccount's token", func(t *testing.T) {
		var audiences []string
		c, err := p.NewClient(ctx(t), namespacedStore(oidc("identity-1", nil)), oidcKube(storeNS, &audiences), storeNS)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil || string(v) != apiKeyValue {
			t.Fatalf("GetSecret = %q, %v", v, err)
		}
		want := []string{"extra", srv.URL, "secretStore:" + storeNS + ":doppler"}
		if !reflect.DeepEqual(audiences, want) {
			t.Errorf("audiences = %v, want %v", audiences, want)
		}
		if rec.count(callLogin, "success") != 1 {
			t.Errorf("calls = %v", rec)
		}
	})
	t.Run("a ClusterSecretStore binds its own name", func(t *testing.T) {
		var audiences []string
		ns := "team-b"
		if _, err := p.NewClient(ctx(t), clusterStore(oidc("identity-1", &ns)), oidcKube(ns, &audiences), storeNS); err != nil {
			t.Fatal(err)
		}
		if audiences[len(audiences)-1] != "clusterSecretStore:doppler" {
			t.Errorf("audiences = %v", audiences)
		}
	})
	t.Run("an unknown identity is unauthorized", func(t *testing.T) {
		_, err := p.NewClient(ctx(t), namespacedStore(oidc("identity-2", nil)), oidcKube(storeNS, nil), storeNS)
		wantErr(t, err, providers.ErrUnauthorized)
		assertNoLeak(t, err, "fake-token")
		if rec.count(callLogin, "error") != 1 {
			t.Errorf("calls = %v", rec)
		}
	})
	t.Run("a ClusterSecretStore without namespace is Unknown", func(t *testing.T) {
		c, err := p.NewClient(ctx(t), clusterStore(oidc("identity-1", nil)), oidcKube(storeNS, nil), "")
		if err != nil {
			t.Fatal(err)
		}
		if res, err := c.Validate(ctx(t)); res != esv1.ValidationResultUnknown || err != nil {
			t.Errorf("Validate = %v, %v", res, err)
		}
	})
}

func TestProvider_ValidateStore(t *testing.T) {
	other := "other"
	tests := []struct {
		name    string
		store   esv1.GenericStore
		wantErr string
		warns   bool
	}{
		{name: "a token store", store: namespacedStore(personalSpec())},
		{name: "a service token store without scope", store: namespacedStore(esv1.DopplerProvider{Auth: tokenAuth(nil)})},
		{name: "project without config warns", store: namespacedStore(esv1.DopplerProvider{Auth: tokenAuth(nil), Project: project}), warns: true},
		{name: "no auth", store: namespacedStore(esv1.DopplerProvider{}), wantErr: "exactly one"},
		{name: "both auths", store: namespacedStore(esv1.DopplerProvider{Auth: &esv1.DopplerAuth{
			SecretRef:  tokenAuth(nil).SecretRef,
			OIDCConfig: &esv1.DopplerOIDCAuth{Identity: "i", ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "sa"}},
		}}), wantErr: "exactly one"},
		{name: "a namespaced store reaching into another namespace", store: namespacedStore(esv1.DopplerProvider{Auth: tokenAuth(&other)}), wantErr: credentials.NamespaceMismatchMessage},
		{name: "a cluster store may name a namespace", store: clusterStore(esv1.DopplerProvider{Auth: tokenAuth(&other)})},
		{name: "a token reference without name", store: namespacedStore(esv1.DopplerProvider{Auth: &esv1.DopplerAuth{SecretRef: &esv1.DopplerAuthSecretRef{}}}), wantErr: "needs a name"},
		{name: "an OIDC store", store: namespacedStore(esv1.DopplerProvider{Auth: &esv1.DopplerAuth{OIDCConfig: &esv1.DopplerOIDCAuth{Identity: "i", ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "sa"}}}})},
		{name: "OIDC without identity", store: namespacedStore(esv1.DopplerProvider{Auth: &esv1.DopplerAuth{OIDCConfig: &esv1.DopplerOIDCAuth{ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "sa"}}}}), wantErr: "identity"},
		{name: "OIDC with a ServiceAccount of another namespace", store: namespacedStore(esv1.DopplerProvider{Auth: &esv1.DopplerAuth{OIDCConfig: &esv1.DopplerOIDCAuth{Identity: "i", ServiceAccountRef: esmeta.ServiceAccountSelector{Name: "sa", Namespace: &other}}}}), wantErr: credentials.NamespaceMismatchMessage},
		{name: "an unknown transformer", store: namespacedStore(esv1.DopplerProvider{Auth: tokenAuth(nil), NameTransformer: "shout"}), wantErr: "nameTransformer"},
		{name: "an unknown format", store: namespacedStore(esv1.DopplerProvider{Auth: tokenAuth(nil), Format: "xml"}), wantErr: "format"},
		{name: "another provider", store: &esv1.SecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}, wantErr: "does not configure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warns, err := New().ValidateStore(tt.store)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ValidateStore: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ValidateStore = %v, want an error containing %q", err, tt.wantErr)
			}
			if (len(warns) > 0) != tt.warns {
				t.Errorf("warnings = %v", warns)
			}
		})
	}
}

func TestNew_environment(t *testing.T) {
	t.Setenv(EnvBaseURL, "doppler.example.test/")
	t.Setenv(EnvVerifyTLS, "not-a-bool")
	p := New()
	if p.baseURL != "doppler.example.test/" || !p.verifyTLS {
		t.Errorf("baseURL %q verifyTLS %v: a malformed DOPPLER_VERIFY_TLS must keep verification", p.baseURL, p.verifyTLS)
	}
	if u, err := parseBaseURL(p.baseURL); err != nil || u.String() != "https://doppler.example.test" {
		t.Errorf("parseBaseURL = %v, %v", u, err)
	}
	t.Setenv(EnvVerifyTLS, "false")
	if New().verifyTLS {
		t.Error("DOPPLER_VERIFY_TLS=false must turn verification off")
	}
	if _, err := parseBaseURL("ftp://x"); err == nil {
		t.Error("an ftp URL was accepted")
	}
}

func TestClient_push(t *testing.T) {
	srv := newEmulator(t)
	rec := &recorder{}
	p := newProvider(srv, WithCallObserver(rec))
	c := newClient(t, p, personalToken)
	source := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: storeNS, Name: "src"}, Data: map[string][]byte{"token": []byte("pushed-value"), "user": []byte("bob")}}
	push := func(data providers.PushData) error { return c.PushSecret(ctx(t), source, data) }

	if err := push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "NEW_TOKEN"}, SecretKey: "token"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Get(project, config, "NEW_TOKEN"); v != "pushed-value" {
		t.Errorf("NEW_TOKEN = %q", v)
	}
	if err := push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "WHOLE"}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Get(project, config, "WHOLE"); v != `{"token":"pushed-value","user":"bob"}` {
		t.Errorf("WHOLE = %q", v)
	}
	if err := push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "DB", Property: "password"}, SecretKey: "token"}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "password"}); err != nil || string(got) != "pushed-value" {
		t.Errorf("DB.password = %q, %v", got, err)
	}
	if got, _ := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "user"}); string(got) != "admin" {
		t.Errorf("DB.user = %q after pushing a property", got)
	}

	err := push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "X"}, SecretKey: "missing"})
	if err == nil {
		t.Error("pushing a missing key succeeded")
	}
	err = push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "lower"}, SecretKey: "token"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("invalid name: %v", err)
	}
	assertNoLeak(t, err, "pushed-value")
	err = push(providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "X"}, SecretKey: "token", Metadata: &apiextensionsv1.JSON{Raw: []byte(`{"a":1}`)}})
	wantErr(t, err, providers.ErrNotSupported)

	ro := newClient(t, p, readOnlyToken, func(s *esv1.DopplerProvider) { s.Project, s.Config = "", "" })
	err = ro.PushSecret(ctx(t), source, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "NEW_TOKEN"}, SecretKey: "user"})
	wantErr(t, err, providers.ErrUnauthorized)

	exists := func(ref providers.RemoteRef) bool {
		t.Helper()
		ok, err := c.SecretExists(ctx(t), ref)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !exists(providers.RemoteRef{RemoteKey: "NEW_TOKEN"}) || exists(providers.RemoteRef{RemoteKey: "NOPE"}) ||
		!exists(providers.RemoteRef{RemoteKey: "DB", Property: "user"}) || exists(providers.RemoteRef{RemoteKey: "DB", Property: "nope"}) {
		t.Error("SecretExists disagrees with the store")
	}

	for _, ref := range []providers.RemoteRef{
		{RemoteKey: "NEW_TOKEN"}, {RemoteKey: "NEW_TOKEN"}, {RemoteKey: "NEVER_THERE"},
		{RemoteKey: "DB", Property: "user"}, {RemoteKey: "DB", Property: "user"},
	} {
		if err := c.DeleteSecret(ctx(t), ref); err != nil {
			t.Fatalf("DeleteSecret(%v): %v", ref, err)
		}
	}
	if _, ok := srv.Get(project, config, "NEW_TOKEN"); ok {
		t.Error("NEW_TOKEN still exists")
	}
	if v, _ := srv.Get(project, config, "DB"); strings.Contains(v, `"user"`) || !strings.Contains(v, `"port":5432`) {
		t.Errorf("DB after deleting a property = %q", v)
	}
	srv.Put(project, config, "ONE", `{"only":"x"}`)
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: "ONE", Property: "only"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Get(project, config, "ONE"); ok {
		t.Error("deleting the last property left the secret")
	}
	if rec.count(callUpdate, "success") < 6 || rec.count(callGet, "success") == 0 {
		t.Errorf("calls = %v", rec)
	}
}
