package vault

import (
	"sort"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func keysOf(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameKeys(t *testing.T, got map[string][]byte, want ...string) {
	t.Helper()
	g := keysOf(got)
	sort.Strings(want)
	if len(g) != len(want) {
		t.Fatalf("keys = %v, want %v", g, want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Fatalf("keys = %v, want %v", g, want)
		}
	}
}

func TestClient_GetAllSecrets(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	p := f.prefix
	f.kv2(p+"/db/user", map[string]any{"v": "u"})
	f.kv2(p+"/db/pass", map[string]any{"v": "p"})
	f.kv2(p+"/api/token", map[string]any{"v": "t"})
	f.kv2(p+"/api/deep/key", map[string]any{"v": "k"})
	f.kv2(p+"/gone", map[string]any{"v": "g"})
	f.write("secret/delete/"+p+"/gone", map[string]any{"versions": []int{1}})
	f.write("secret/metadata/"+p+"/db/user", map[string]any{"custom_metadata": map[string]any{"team": "db", "env": "prod"}})
	f.write("secret/metadata/"+p+"/db/pass", map[string]any{"custom_metadata": map[string]any{"team": "db", "env": "dev"}})
	f.write("secret/metadata/"+p+"/api/token", map[string]any{"custom_metadata": map[string]any{"team": "api", "env": "prod"}})

	tests := []struct {
		name string
		find esv1.ExternalSecretFind
		want []string
	}{
		{name: "a path lists recursively and skips deleted versions", find: esv1.ExternalSecretFind{Path: &p},
			want: []string{p + "/api/deep/key", p + "/api/token", p + "/db/pass", p + "/db/user"}},
		{name: "name regexp under a path", find: esv1.ExternalSecretFind{Path: &p, Name: &esv1.FindName{RegExp: "db/"}},
			want: []string{p + "/db/pass", p + "/db/user"}},
		{name: "name regexp over the whole mount", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^" + p + "/api/"}},
			want: []string{p + "/api/deep/key", p + "/api/token"}},
		{name: "a sub path", find: esv1.ExternalSecretFind{Path: ptrTo(p + "/api/")},
			want: []string{p + "/api/deep/key", p + "/api/token"}},
		{name: "one tag", find: esv1.ExternalSecretFind{Path: &p, Tags: map[string]string{"env": "prod"}},
			want: []string{p + "/api/token", p + "/db/user"}},
		{name: "all tags must match", find: esv1.ExternalSecretFind{Path: &p, Tags: map[string]string{"env": "prod", "team": "db"}},
			want: []string{p + "/db/user"}},
		{name: "tags and name together", find: esv1.ExternalSecretFind{Path: &p, Name: &esv1.FindName{RegExp: "api"}, Tags: map[string]string{"env": "prod"}},
			want: []string{p + "/api/token"}},
		{name: "nothing matches", find: esv1.ExternalSecretFind{Path: &p, Name: &esv1.FindName{RegExp: "nothing-like-this"}}},
		{name: "a path that does not exist is empty", find: esv1.ExternalSecretFind{Path: ptrTo(p + "/none")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetAllSecrets(ctx(t), tt.find)
			if err != nil {
				t.Fatalf("GetAllSecrets: %v", err)
			}
			sameKeys(t, got, tt.want...)
		})
	}

	got, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: ptrTo(p + "/db"), Name: &esv1.FindName{RegExp: "user$"}})
	if err != nil {
		t.Fatalf("GetAllSecrets: %v", err)
	}
	jsonEqual(t, got[p+"/db/user"], `{"v":"u"}`)

	if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}); err == nil {
		t.Fatal("an invalid regexp must fail")
	}
}

func TestClient_GetAllSecrets_withoutStorePath(t *testing.T) {
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path = nil
	c := f.client(nil, f.store(spec))
	f.kv2(f.key("a/b"), map[string]any{"v": "1"})
	got, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: ptrTo("secret/" + f.prefix)})
	if err != nil {
		t.Fatalf("GetAllSecrets: %v", err)
	}
	sameKeys(t, got, f.key("a/b"))
	if _, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "."}}); err == nil {
		t.Fatal("without a store path, find needs a path naming the mount")
	}
}

func TestClient_GetAllSecrets_kv1(t *testing.T) {
	mountOnce(t, "sys/mounts/kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path, spec.Version = ptrTo("kv1"), esv1.VaultKVStoreV1
	c := f.client(nil, f.store(spec))
	f.write("kv1/"+f.key("x/one"), map[string]any{"v": "1"})
	f.write("kv1/"+f.key("two"), map[string]any{"v": "2"})
	got, err := c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: &f.prefix, Name: &esv1.FindName{RegExp: "."}})
	if err != nil {
		t.Fatalf("GetAllSecrets: %v", err)
	}
	sameKeys(t, got, f.key("two"), f.key("x/one"))
	_, err = c.GetAllSecrets(ctx(t), esv1.ExternalSecretFind{Path: &f.prefix, Tags: map[string]string{"a": "b"}})
	wantErr(t, err, providers.ErrNotSupported)
}
