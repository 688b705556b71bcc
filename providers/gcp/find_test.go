package gcp

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

func seedFind(e *env) {
	for _, s := range []struct {
		id, value string
		labels    map[string]string
	}{
		{"app-db", "db-pw", map[string]string{"app": "shop", "env": "prod"}},
		{"app-api", "api-key", map[string]string{"app": "shop", "env": "dev"}},
		{"app-cache", "cache-pw", map[string]string{"app": "shop", "env": "prod"}},
		{"other-db", "other-pw", map[string]string{"app": "blog", "env": "prod"}},
		{"my-app-db", "mine", nil},
	} {
		e.sm.CreateSecret(testProject, "", s.id, s.labels, nil)
		e.sm.AddVersion(testProject, "", s.id, []byte(s.value))
	}
	e.sm.CreateSecret(testProject, "", "app-new", map[string]string{"app": "shop", "env": "prod"}, nil) // no version yet
	e.sm.CreateSecret(testProject, "", "app-off", map[string]string{"app": "shop"}, nil)
	e.sm.AddVersion(testProject, "", "app-off", []byte("old"))
	e.sm.AddVersion(testProject, "", "app-off", []byte("new"))
	e.sm.SetVersionState(testProject, "", "app-off", 2, secretmanagerpb.SecretVersion_DISABLED)
	e.sm.CreateSecret(testProject, "other-region", "app-db", map[string]string{"app": "shop", "env": "prod"}, nil)
	e.sm.AddVersion(testProject, "other-region", "app-db", []byte("regional"))
}

func TestClient_GetAllSecrets(t *testing.T) {
	e := newEnv(t)
	seedFind(e)
	e.sm.SetMaxPageSize(2) // several ListSecrets pages
	c := e.client(t, store())
	fetch := e.client(t, store(func(p *esv1.GCPSMProvider) {
		p.SecretVersionSelectionPolicy = esv1.SecretVersionSelectionPolicyLatestOrFetch
	}))
	path := func(s string) *string { return &s }
	tests := []struct {
		name   string
		c      *Client
		find   esv1.ExternalSecretFind
		want   map[string]string
		errHas string
	}{
		{
			name: "name regexp matches anywhere",
			find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "app-(db|api)"}},
			want: map[string]string{"app-db": "db-pw", "app-api": "api-key", "my-app-db": "mine"},
		},
		{
			name: "anchored name regexp",
			find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^app-(db|api)$"}},
			want: map[string]string{"app-db": "db-pw", "app-api": "api-key"},
		},
		{
			name: "path is a prefix",
			find: esv1.ExternalSecretFind{Path: path("app-"), Name: &esv1.FindName{RegExp: "db"}},
			want: map[string]string{"app-db": "db-pw"},
		},
		{
			name: "labels must all match",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"app": "shop", "env": "prod"}},
			want: map[string]string{"app-db": "db-pw", "app-cache": "cache-pw"},
		},
		{
			name: "labels and name together",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "prod"}, Name: &esv1.FindName{RegExp: "db$"}},
			want: map[string]string{"app-db": "db-pw", "other-db": "other-pw"},
		},
		{
			name: "labels and path",
			find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "prod"}, Path: path("other")},
			want: map[string]string{"other-db": "other-pw"},
		},
		{
			name:   "a disabled latest version fails the find under LatestOrFail",
			find:   esv1.ExternalSecretFind{Tags: map[string]string{"app": "shop"}},
			errHas: "DISABLED",
		},
		{
			name: "LatestOrFetch reads the newest enabled version",
			c:    fetch,
			find: esv1.ExternalSecretFind{Tags: map[string]string{"app": "shop"}},
			want: map[string]string{"app-db": "db-pw", "app-api": "api-key", "app-cache": "cache-pw", "app-off": "old"},
		},
		{name: "nothing matches", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^zzz"}}, want: map[string]string{}},
		{name: "no criteria", find: esv1.ExternalSecretFind{Path: path("app")}, errHas: "name.regexp or tags"},
		{name: "bad regexp", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}, errHas: "find.name.regexp"},
		{name: "tag that is no label", find: esv1.ExternalSecretFind{Tags: map[string]string{"App": "x y"}}, errHas: "not a valid Secret Manager label"},
		{name: "path that is no secret name", find: esv1.ExternalSecretFind{Path: path("prod/db"), Name: &esv1.FindName{RegExp: "."}}, errHas: "can never match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := tt.c
			if cl == nil {
				cl = c
			}
			got, err := cl.GetAllSecrets(ctx(), tt.find)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("error = %v, want one containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotS := map[string]string{}
			for k, v := range got {
				gotS[k] = string(v)
			}
			if !maps.Equal(gotS, tt.want) {
				t.Errorf("found %v, want %v", gotS, tt.want)
			}
		})
	}
}

// TestClient_GetAllSecretsCalls: one ListSecrets call per page, one AccessSecretVersion
// per match.
func TestClient_GetAllSecretsCalls(t *testing.T) {
	e := newEnv(t)
	seedFind(e)
	e.sm.SetMaxPageSize(2)
	c := e.client(t, store())
	e.calls.Reset()
	got, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "db"}})
	if err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(got))
	if !slices.Equal(keys, []string{"app-db", "my-app-db", "other-db"}) {
		t.Errorf("found %v", keys)
	}
	// 7 global secrets in pages of 2.
	if l, a := e.calls.get("ListSecrets"), e.calls.get("AccessSecretVersion"); l != 4 || a != 3 {
		t.Errorf("ListSecrets = %d, AccessSecretVersion = %d; want 4 and 3", l, a)
	}
}
