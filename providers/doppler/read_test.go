package doppler

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetSecret(t *testing.T) {
	srv := newEmulator(t)
	rec := &recorder{}
	c := newClient(t, newProvider(srv, WithCallObserver(rec)), personalToken)
	tests := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error
	}{
		{name: "a plain value", ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}, want: apiKeyValue},
		{name: "the computed value of a reference", ref: esv1.ExternalSecretDataRemoteRef{Key: "REF"}, want: apiKeyValue + "-x"},
		{name: "a property of a JSON value", ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "password"}, want: dbPassword},
		{name: "a number property keeps its text", ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "port"}, want: "5432"},
		{name: "a dotted property is first a literal key", ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "db.host"}, want: "literal"},
		{name: "a nested property", ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "opts.a"}, want: "b"},
		{name: "a missing secret is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "MISSING"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "DB", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a property of a non-JSON value is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "PLAIN", Property: "x"}, wantErr: providers.ErrSecretNotFound},
		{name: "a version is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", Version: "2"}, wantErr: providers.ErrNotSupported},
		{name: "metadataPolicy Fetch is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "API_KEY", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetSecret(ctx(t), tt.ref)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				assertNoLeak(t, err)
				return
			}
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("GetSecret = %q, want %q", got, tt.want)
			}
		})
	}
	// API_KEY, REF, DB, MISSING, PLAIN: one download each; repeated reads are remembered.
	if n := rec.count(callDownload, "success"); n != 5 {
		t.Errorf("DownloadSecrets successes = %d, want 5", n)
	}
	for _, r := range srv.Requests() {
		if r.Query["secrets"] == "" || r.Query["format"] != "json" || r.Query["project"] != project || r.Query["config"] != config {
			t.Errorf("GetSecret sent %v, want a json download of one secret of %s/%s", r.Query, project, config)
		}
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, newProvider(srv), personalToken)
	got, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "DB"})
	if err != nil {
		t.Fatalf("GetSecretMap: %v", err)
	}
	want := map[string]string{"user": "admin", "password": dbPassword, "port": "5432", "tls": "true", "opts": `{"a":"b"}`, "none": "null", "db.host": "literal"}
	if !reflect.DeepEqual(asStrings(got), want) {
		t.Errorf("GetSecretMap = %v, want %v", asStrings(got), want)
	}
	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
	if !errors.Is(err, secretdata.ErrNotJSONObject) {
		t.Errorf("GetSecretMap of a plain value: %v, want ErrNotJSONObject", err)
	}
	assertNoLeak(t, err)
	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "MISSING"})
	wantErr(t, err, providers.ErrSecretNotFound)
}

func asStrings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func ptr(s string) *string { return &s }

func TestClient_GetAllSecrets(t *testing.T) {
	srv := newEmulator(t)
	p := newProvider(srv)
	all := map[string]string{
		"API_KEY": apiKeyValue, "DB": "", "REF": apiKeyValue + "-x", "PLAIN": "plain-text-value",
		"APP_TOKEN": "app-token-value", "APP_NAME": "shop",
	}
	tests := []struct {
		name      string
		mutate    func(*esv1.DopplerProvider)
		find      esv1.ExternalSecretFind
		wantKeys  []string
		wantValue map[string]string
		wantErr   error
	}{
		{name: "everything", find: esv1.ExternalSecretFind{}, wantKeys: []string{"API_KEY", "APP_NAME", "APP_TOKEN", "DB", "PLAIN", "REF"}},
		{name: "by name regexp", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "_(KEY|TOKEN)$"}}, wantKeys: []string{"API_KEY", "APP_TOKEN"}},
		{name: "by path as a name prefix", find: esv1.ExternalSecretFind{Path: ptr("APP_")}, wantKeys: []string{"APP_NAME", "APP_TOKEN"}},
		{name: "by path and regexp", find: esv1.ExternalSecretFind{Path: ptr("APP_"), Name: &esv1.FindName{RegExp: "NAME"}}, wantKeys: []string{"APP_NAME"}},
		{
			name:   "names transformed by Doppler (upper-camel)",
			mutate: func(s *esv1.DopplerProvider) { s.NameTransformer = "upper-camel" },
			find:   esv1.ExternalSecretFind{Path: ptr("App")}, wantKeys: []string{"AppName", "AppToken"},
		},
		{
			name:   "names transformed by Doppler (tf-var)",
			mutate: func(s *esv1.DopplerProvider) { s.NameTransformer = "tf-var" },
			find:   esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^TF_VAR_api"}}, wantKeys: []string{"TF_VAR_api_key"},
			wantValue: map[string]string{"TF_VAR_api_key": apiKeyValue},
		},
		{
			name:   "a format returns the file under one key",
			mutate: func(s *esv1.DopplerProvider) { s.Format = "env" },
			find:   esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: ".*"}}, wantKeys: []string{SecretsFileKey},
		},
		{
			name:   "with a format the filters apply to the file key",
			mutate: func(s *esv1.DopplerProvider) { s.Format = "env" },
			find:   esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^API"}}, wantKeys: []string{},
		},
		{name: "tags are not supported", find: esv1.ExternalSecretFind{Tags: map[string]string{"a": "b"}}, wantErr: providers.ErrNotSupported},
		{name: "an invalid regexp", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}, wantErr: errors.New("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mutate []func(*esv1.DopplerProvider)
			if tt.mutate != nil {
				mutate = append(mutate, tt.mutate)
			}
			c := newClient(t, p, personalToken, mutate...)
			got, err := c.GetAllSecrets(ctx(t), tt.find)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				if tt.wantErr.Error() != "" {
					wantErr(t, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetAllSecrets: %v", err)
			}
			keys := make([]string, 0, len(got))
			for k := range got {
				keys = append(keys, k)
			}
			if !sameSet(keys, tt.wantKeys) {
				t.Errorf("keys = %v, want %v", keys, tt.wantKeys)
			}
			for k, v := range got {
				if want, ok := all[k]; ok && want != "" && string(v) != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
			for k, want := range tt.wantValue {
				if string(got[k]) != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
	t.Run("the env file holds every secret", func(t *testing.T) {
		c := newClient(t, p, personalToken, func(s *esv1.DopplerProvider) { s.Format = "env" })
		got, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{})
		if err != nil {
			t.Fatal(err)
		}
		want := "API_KEY=\"" + apiKeyValue + "\"\n"
		if f := string(got[SecretsFileKey]); len(f) == 0 || !strings.Contains(f, want) || !strings.Contains(f, "APP_NAME=\"shop\"\n") {
			t.Errorf("file = %q, want it to contain %q", f, want)
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// TestClient_etagCache checks that a second client of the same store revalidates its
// download with If-None-Match, gets 304 and serves the remembered value, and that a change
// in Doppler is seen.
func TestClient_etagCache(t *testing.T) {
	srv := newEmulator(t)
	rec := &recorder{}
	p := newProvider(srv, WithCallObserver(rec))
	read := func() map[string]string {
		t.Helper()
		c := newClient(t, p, personalToken)
		got, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: ptr("APP_")})
		if err != nil {
			t.Fatalf("GetAllSecrets: %v", err)
		}
		v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"})
		if err != nil {
			t.Fatalf("GetSecret: %v", err)
		}
		out := asStrings(got)
		out["API_KEY"] = string(v)
		return out
	}
	first := read()
	second := read()
	if !reflect.DeepEqual(first, second) {
		t.Errorf("cached read %v differs from the first %v", second, first)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("requests = %d, want 4", len(reqs))
	}
	for i, r := range reqs {
		conditional := i >= 2
		if (r.IfNoneMatch != "") != conditional {
			t.Errorf("request %d If-None-Match = %q, want conditional=%v", i, r.IfNoneMatch, conditional)
		}
		if want := map[bool]int{true: http.StatusNotModified, false: http.StatusOK}[conditional]; r.Status != want {
			t.Errorf("request %d status = %d, want %d", i, r.Status, want)
		}
	}

	srv.Put(project, config, "APP_NAME", "changed")
	srv.Put(project, config, "API_KEY", "rotated")
	third := read()
	if third["APP_NAME"] != "changed" || third["API_KEY"] != "rotated" {
		t.Errorf("after a change got %v", third)
	}
	if n := rec.count(callDownload, "success"); n != 6 {
		t.Errorf("DownloadSecrets successes = %d, want 6", n)
	}
	if n := p.etags.len(); n != 2 {
		t.Errorf("cache entries = %d, want 2", n)
	}

	t.Run("another token does not share entries", func(t *testing.T) {
		before := len(srv.Requests())
		c := newClient(t, p, serviceToken, func(s *esv1.DopplerProvider) { s.Project, s.Config = "", "" })
		if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil {
			t.Fatal(err)
		}
		if r := srv.Requests()[before]; r.IfNoneMatch != "" {
			t.Errorf("a client with another token sent If-None-Match %q", r.IfNoneMatch)
		}
	})
	t.Run("a size of 0 disables the cache", func(t *testing.T) {
		p := newProvider(srv, WithETagCacheSize(0))
		before := len(srv.Requests())
		for range 2 {
			c := newClient(t, p, personalToken)
			if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "API_KEY"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range srv.Requests()[before:] {
			if r.IfNoneMatch != "" || r.Status != http.StatusOK {
				t.Errorf("uncached provider sent If-None-Match %q, got %d", r.IfNoneMatch, r.Status)
			}
		}
	})
	t.Run("the cache is bounded", func(t *testing.T) {
		p := newProvider(srv, WithETagCacheSize(2))
		c := newClient(t, p, personalToken)
		for _, k := range []string{"API_KEY", "PLAIN", "REF"} {
			if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: k}); err != nil {
				t.Fatal(err)
			}
		}
		if n := p.etags.len(); n != 2 {
			t.Errorf("cache entries = %d, want 2", n)
		}
	})
}
