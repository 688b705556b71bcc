package azurekv

import (
	"slices"
	"strings"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetAllSecrets(t *testing.T) {
	e := newEnv(t)
	e.srv.SetPageSize(2)
	e.srv.SetSecret("app-db-user", "u", map[string]string{"team": "payments", "env": "prod"})
	e.srv.SetSecret("app-db-pass", "p", map[string]string{"team": "payments", "env": "dev"})
	e.srv.SetSecret("app-api-key", "k", map[string]string{"team": "search", "env": "prod"})
	e.srv.SetSecret("app-db-off", "x", map[string]string{"team": "payments", "env": "prod"}, kvSecretDisabled())
	e.srv.SetSecret("other", "o", nil)

	cases := []struct {
		name string
		find esv1.ExternalSecretFind
		want []string
	}{
		{"a name regexp matches anywhere in the name", esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "db-"}}, []string{"app-db-pass", "app-db-user"}},
		{"an anchored regexp", esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^app-.*-key$"}}, []string{"app-api-key"}},
		{"tags must all match", esv1.ExternalSecretFind{Tags: map[string]string{"team": "payments", "env": "prod"}}, []string{"app-db-user"}},
		{"name and tags together", esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "app"}, Tags: map[string]string{"env": "prod"}}, []string{"app-api-key", "app-db-user"}},
		{"neither returns every enabled secret", esv1.ExternalSecretFind{}, []string{"app-api-key", "app-db-pass", "app-db-user", "other"}},
		{"no match is an empty result", esv1.ExternalSecretFind{Tags: map[string]string{"team": "nobody"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.client(e.store()).GetAllSecrets(ctx(), tc.find)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for k := range got {
				names = append(names, k)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Fatalf("names = %v, want %v", names, tc.want)
			}
			if v, ok := got["app-db-user"]; ok && string(v) != "u" {
				t.Errorf("value = %q", v)
			}
		})
	}
	// 4 live secrets plus the disabled one over pages of 2: three list calls per find.
	if n := e.calls.get(CallListSecrets); n != 3*len(cases) {
		t.Errorf("GetSecrets calls = %d, want %d", n, 3*len(cases))
	}
	var skip int
	for _, r := range e.srv.Requests() {
		if strings.Contains(r, "skiptoken") {
			skip++
		}
	}
	if skip != 2*len(cases) {
		t.Errorf("nextLink requests = %d, want %d", skip, 2*len(cases))
	}

	t.Run("find.path is not supported", func(t *testing.T) {
		_, err := e.client(e.store()).GetAllSecrets(ctx(), esv1.ExternalSecretFind{Path: ptr("app/")})
		mustFail(t, err, providers.ErrNotSupported)
	})
	t.Run("an invalid regexp is an error", func(t *testing.T) {
		if _, err := e.client(e.store()).GetAllSecrets(ctx(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a refused list is ErrUnauthorized", func(t *testing.T) {
		e.srv.Forbid(testClientID)
		_, err := e.client(e.store()).GetAllSecrets(ctx(), esv1.ExternalSecretFind{})
		mustFail(t, err, providers.ErrUnauthorized)
	})
}
