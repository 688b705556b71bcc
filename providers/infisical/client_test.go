package infisical

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetSecret(t *testing.T) {
	srv := newEmulator(t)
	root := newClient(t, srv, nil)
	app := newClient(t, srv, nil, func(s *esv1.InfisicalProvider) { s.SecretsScope.SecretsPath = "/app" })
	literal := newClient(t, srv, nil, func(s *esv1.InfisicalProvider) { s.SecretsScope.ExpandSecretReferences = false })

	tests := []struct {
		name    string
		client  *Client
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error // nil with wantAny: an error that is not a sentinel
		wantAny bool
	}{
		{name: "a bare key is read from the scope's folder", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}, want: apiKeyValue},
		{name: "a bare key under a sub-folder scope", client: app, ref: esv1.ExternalSecretDataRemoteRef{Key: "APP_TOKEN"}, want: "app-token-value"},
		{name: "an absolute key ignores the scope's folder", client: app, ref: esv1.ExternalSecretDataRemoteRef{Key: "/other/OTHER"}, want: "other-value"},
		{name: "an absolute key in the root folder", client: app, ref: esv1.ExternalSecretDataRemoteRef{Key: "/API_KEY"}, want: apiKeyValue},
		{name: "a relative key is under the scope's folder", client: app, ref: esv1.ExternalSecretDataRemoteRef{Key: "sub/SUB_SECRET"}, want: "sub-value"},
		{name: "a version number selects that version", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", Version: "1"}, want: "old-value"},
		{name: "latest is the latest version", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", Version: "latest"}, want: apiKeyValue},
		{name: "a missing version is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", Version: "9"}, wantErr: providers.ErrSecretNotFound},
		{name: "a version that is not a number is refused", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", Version: "v1"}, wantAny: true},
		{name: "a property is a field of the JSON value", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "password"}, want: dbPassword},
		{name: "a number property keeps its JSON text", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "port"}, want: "5432"},
		{name: "an object property is JSON", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "opts"}, want: `{"a":"b"}`},
		{name: "a nested property path", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "opts.a"}, want: "b"},
		{name: "a dotted property is first a literal key", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "db.host"}, want: "literal"},
		{name: "a missing property is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a property of a value that is not JSON is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "PLAIN", Property: "x"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing secret is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "NOPE"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing folder is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "/nowhere/API_KEY"}, wantErr: providers.ErrSecretNotFound},
		{name: "a secret of an imported folder is found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "COMMON"}, want: "common-value"},
		{name: "the folder's own secret wins over an import", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}, want: apiKeyValue},
		{name: "references are expanded when the scope says so", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "REF"}, want: apiKeyValue + "-x"},
		{name: "references are kept when the scope says so", client: literal, ref: esv1.ExternalSecretDataRemoteRef{Key: "REF"}, want: "${API_KEY}-x"},
		{name: "metadata fetch returns all metadata as JSON", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, want: `{"owner":"team-a","tier":"gold"}`},
		{name: "metadata fetch with a property returns one value", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: "tier"}, want: "gold"},
		{name: "a missing metadata key is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "metadata of a missing secret is not found", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "NOPE", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrSecretNotFound},
		{name: "a key ending with a slash is refused", client: root, ref: esv1.ExternalSecretDataRemoteRef{Key: "app/"}, wantAny: true},
		{name: "an empty key is refused", client: root, ref: esv1.ExternalSecretDataRemoteRef{}, wantAny: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.client.GetSecret(ctx(t), tc.ref)
			assertNoLeak(t, err)
			if tc.wantErr != nil || tc.wantAny {
				wantErr(t, err, tc.wantErr)
				if tc.wantAny && errors.Is(err, providers.ErrSecretNotFound) {
					t.Fatalf("error %q must not mean not found", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	c := newClient(t, newEmulator(t), nil)
	got, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "DB"})
	if err != nil {
		t.Fatalf("GetSecretMap: %v", err)
	}
	want := map[string]string{"user": "admin", "password": dbPassword, "port": "5432", "tls": "true", "opts": `{"a":"b"}`, "none": "null", "db.host": "literal"}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "PLAIN"})
	wantErr(t, err, secretdata.ErrNotJSONObject)
	assertNoLeak(t, err, "plain-text-value")

	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "NOPE"})
	wantErr(t, err, providers.ErrSecretNotFound)
}

func TestClient_GetAllSecrets(t *testing.T) {
	srv := newEmulator(t)
	flat := newClient(t, srv, nil)
	recursive := newClient(t, srv, nil, func(s *esv1.InfisicalProvider) { s.SecretsScope.Recursive = true })
	appRecursive := newClient(t, srv, nil, func(s *esv1.InfisicalProvider) {
		s.SecretsScope.Recursive, s.SecretsScope.SecretsPath = true, "/app"
	})
	path := func(p string) *string { return &p }

	tests := []struct {
		name   string
		client *Client
		find   esv1.ExternalSecretFind
		want   map[string]string
	}{
		{
			name: "no criteria returns the folder and its imports", client: flat,
			want: map[string]string{"API_KEY": apiKeyValue, "DB": "", "REF": apiKeyValue + "-x", "PLAIN": "plain-text-value", "DUP": "from-root", "COMMON": "common-value"},
		},
		{
			name: "a name regexp filters keys", client: flat, find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^(API|PL)"}},
			want: map[string]string{"API_KEY": apiKeyValue, "PLAIN": "plain-text-value"},
		},
		{
			name: "recursive includes sub-folders and the nearest duplicate wins", client: recursive, find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "DUP|SUB|OTHER|APP"}},
			want: map[string]string{"DUP": "from-root", "SUB_SECRET": "sub-value", "OTHER": "other-value", "APP_TOKEN": "app-token-value"},
		},
		{
			name: "a path keeps the folders it prefixes", client: recursive, find: esv1.ExternalSecretFind{Path: path("/app")},
			want: map[string]string{"APP_TOKEN": "app-token-value", "DUP": "from-app", "SUB_SECRET": "sub-value"},
		},
		{
			name: "path and name together", client: recursive, find: esv1.ExternalSecretFind{Path: path("/app/sub"), Name: &esv1.FindName{RegExp: "DUP"}},
			want: map[string]string{"DUP": "from-sub"},
		},
		{
			name: "a recursive sub-folder scope", client: appRecursive,
			want: map[string]string{"APP_TOKEN": "app-token-value", "DUP": "from-app", "SUB_SECRET": "sub-value"},
		},
		{
			name: "nothing matches", client: flat, find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^ZZZ"}},
			want: map[string]string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.client.GetAllSecrets(ctx(t), tc.find)
			if err != nil {
				t.Fatalf("GetAllSecrets: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got keys %v, want %v", keys(got), tc.want)
			}
			for k, v := range tc.want {
				g, ok := got[k]
				if !ok {
					t.Fatalf("missing %s in %v", k, keys(got))
				}
				if v != "" && string(g) != v {
					t.Errorf("%s = %q, want %q", k, g, v)
				}
			}
		})
	}

	t.Run("tags are not supported", func(t *testing.T) {
		_, err := flat.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Tags: map[string]string{"a": "b"}})
		wantErr(t, err, providers.ErrNotSupported)
	})
	t.Run("an invalid regexp is an error", func(t *testing.T) {
		_, err := flat.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}})
		wantErr(t, err, nil)
	})
	t.Run("an unknown environment is an error, not not-found", func(t *testing.T) {
		c := newClient(t, srv, nil, func(s *esv1.InfisicalProvider) { s.SecretsScope.EnvironmentSlug = "nope" })
		_, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{})
		wantErr(t, err, nil)
		if errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatalf("error %q must not mean not found", err)
		}
	})
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestClient_Validate(t *testing.T) {
	srv := newEmulator(t)
	srv.DenyEnvironment("prod")
	tests := []struct {
		name    string
		mutate  func(*esv1.InfisicalProvider)
		want    esv1.ValidationResult
		wantErr error
	}{
		{name: "a readable scope is ready", mutate: func(*esv1.InfisicalProvider) {}, want: esv1.ValidationResultReady},
		{name: "a forbidden environment is an error", mutate: func(s *esv1.InfisicalProvider) { s.SecretsScope.EnvironmentSlug = "prod" }, want: esv1.ValidationResultError, wantErr: providers.ErrUnauthorized},
		{name: "an unknown project is an error", mutate: func(s *esv1.InfisicalProvider) { s.SecretsScope.ProjectSlug = "nope" }, want: esv1.ValidationResultError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := &recorder{}
			c := newClient(t, srv, obs, tc.mutate)
			got, err := c.Validate(ctx(t))
			if got != tc.want {
				t.Fatalf("Validate = %v (%v), want %v", got, err, tc.want)
			}
			if tc.want == esv1.ValidationResultReady && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tc.want == esv1.ValidationResultError {
				wantErr(t, err, tc.wantErr)
				if obs.count(callList, "error") != 1 {
					t.Errorf("calls %v, want one failed %s", obs, callList)
				}
			}
		})
	}
}

func TestClient_readsAreReportedAndCoalesced(t *testing.T) {
	srv := newEmulator(t)
	obs := &recorder{}
	c := newClient(t, srv, obs)
	for range 3 {
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "user"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "NOPE"}); !errors.Is(err, providers.ErrSecretNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
	}
	for range 2 {
		if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Requests("GET /api/v3/secrets/raw/{key}"); n != 2 {
		t.Errorf("%d single reads reached the server, want 2 (DB and NOPE once each)", n)
	}
	if n := srv.Requests("GET /api/v3/secrets/raw"); n != 1 {
		t.Errorf("%d lists reached the server, want 1", n)
	}
	checks := []struct {
		call, status string
		want         int
	}{
		{"MachineIdentityLoginViaUniversalAuth", "success", 1},
		{callGetSecret, "success", 1},
		{callGetSecret, "error", 1},
		{callList, "success", 1},
	}
	for _, ch := range checks {
		if got := obs.count(ch.call, ch.status); got != ch.want {
			t.Errorf("%s/%s observed %d times, want %d (all: %v)", ch.call, ch.status, got, ch.want, obs)
		}
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if obs.count(callRevoke, "success") != 1 {
		t.Errorf("calls %v, want one %s", obs, callRevoke)
	}
}

func TestClient_Close(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, nil)
	if srv.ActiveTokens() != 1 {
		t.Fatalf("%d active tokens after login, want 1", srv.ActiveTokens())
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if srv.ActiveTokens() != 0 {
		t.Fatalf("the login token was not revoked")
	}

	t.Run("with a context that has ended", func(t *testing.T) {
		c := newClient(t, srv, nil)
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.Close(ended); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if srv.ActiveTokens() != 0 {
			t.Fatalf("the login token was not revoked")
		}
	})
}

// TestClient_honoursContext checks that a read returns when its context ends although the
// SDK takes no context and the server never answers.
func TestClient_honoursContext(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets the handler finish so Close returns

	token := secretObj(storeNS, credsName, map[string]string{"token": "a-token"})
	s := spec(stuck.URL, esv1.InfisicalAuth{TokenAuthCredentials: &esv1.TokenAuthCredentials{AccessToken: sel("token", nil)}})
	c, err := New().NewClient(ctx(t), namespacedStore(s), newKube(token), storeNS)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	readCtx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err = c.GetSecret(readCtx, esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("GetSecret = %v, want context.Canceled", err)
	}
}
