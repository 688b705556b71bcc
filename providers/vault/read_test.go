package vault

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// appData is the secret most read tests use: every JSON type, a nested object and a key
// with a dot.
func appData() map[string]any {
	return map[string]any{
		"user":       "alice",
		"pass":       "s3cr3t-value",
		"port":       5432,
		"flag":       true,
		"none":       nil,
		"nested":     map[string]any{"a": map[string]any{"b": "deep"}},
		"dotted.key": "dotted-value",
		"list":       []any{"x", 1},
	}
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("result is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestClient_GetSecret_kv2(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	app := f.key("app")
	f.kv2(app, appData())
	tests := []struct {
		name     string
		ref      esv1.ExternalSecretDataRemoteRef
		want     string
		wantJSON string
		wantErr  error
	}{
		{name: "without a property the whole secret is JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: app},
			wantJSON: `{"user":"alice","pass":"s3cr3t-value","port":5432,"flag":true,"none":null,"nested":{"a":{"b":"deep"}},"dotted.key":"dotted-value","list":["x",1]}`},
		{name: "a string property is raw", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "user"}, want: "alice"},
		{name: "a number keeps its digits", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "port"}, want: "5432"},
		{name: "a boolean", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "flag"}, want: "true"},
		{name: "an object is JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "nested"}, wantJSON: `{"a":{"b":"deep"}}`},
		{name: "a nested path", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "nested.a.b"}, want: "deep"},
		{name: "a key with a dot is found literally", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "dotted.key"}, want: "dotted-value"},
		{name: "a gjson array index", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "list.1"}, want: "1"},
		{name: "the key may repeat the mount", ref: esv1.ExternalSecretDataRemoteRef{Key: "secret/" + app, Property: "user"}, want: "alice"},
		{name: "the key may contain the data segment", ref: esv1.ExternalSecretDataRemoteRef{Key: "secret/data/" + app, Property: "user"}, want: "alice"},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: app, Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing secret is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: f.key("nope")}, wantErr: providers.ErrSecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetSecret(ctx(t), tt.ref)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr, "s3cr3t-value", "alice")
				return
			}
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			if tt.wantJSON != "" {
				jsonEqual(t, got, tt.wantJSON)
				return
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClient_GetSecret_versions(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("rotating")
	f.kv2(key, map[string]any{"v": "one"})
	f.kv2(key, map[string]any{"v": "two"})
	f.kv2(key, map[string]any{"v": "three"})
	get := func(version string) ([]byte, error) {
		return c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, Property: "v", Version: version})
	}
	for version, want := range map[string]string{"": "three", "1": "one", "2": "two", "3": "three"} {
		if got, err := get(version); err != nil || string(got) != want {
			t.Fatalf("version %q: got %q, %v; want %q", version, got, err, want)
		}
	}
	if _, err := get("42"); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("a version that never existed: %v, want not found", err)
	}

	// Soft-deleting the current version makes the secret "not found" (data: null) while older
	// versions stay readable; destroying a version does the same for that version.
	f.write("secret/delete/"+key, map[string]any{"versions": []int{3}})
	if _, err := get(""); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("deleted current version: %v, want not found", err)
	}
	if got, err := get("2"); err != nil || string(got) != "two" {
		t.Fatalf("version 2 after deleting 3: %q, %v", got, err)
	}
	f.write("secret/destroy/"+key, map[string]any{"versions": []int{1}})
	if _, err := get("1"); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("destroyed version: %v, want not found", err)
	}
}

func TestClient_GetSecret_metadata(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("tagged")
	f.kv2(key, map[string]any{"v": "value"})
	f.kv2(key, map[string]any{"v": "value2"})
	f.write("secret/metadata/"+key, map[string]any{"custom_metadata": map[string]any{"owner": "team-a", "env": "prod"}})
	fetch := func(prop string) ([]byte, error) {
		return c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, Property: prop, MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	}
	whole, err := fetch("")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(whole, &got); err != nil {
		t.Fatalf("metadata is not a JSON object of strings: %s", whole)
	}
	if got["owner"] != "team-a" || got["env"] != "prod" || got["current_version"] != "2" || got["created_time"] == "" {
		t.Fatalf("metadata = %v", got)
	}
	if _, ok := got["v"]; ok {
		t.Fatalf("metadata contains the data: %v", got)
	}
	if v, err := fetch("owner"); err != nil || string(v) != "team-a" {
		t.Fatalf("Fetch owner: %q, %v", v, err)
	}
	if _, err := fetch("nope"); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("missing tag: %v, want not found", err)
	}
	m, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	if err != nil || string(m["env"]) != "prod" {
		t.Fatalf("GetSecretMap Fetch: %v, %v", m, err)
	}
	if _, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("nope"), MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("metadata of a missing secret: %v, want not found", err)
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	app := f.key("app")
	f.kv2(app, appData())
	f.kv2(f.key("text"), map[string]any{"json": `{"inner":"yes","n":2}`})

	got, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: app})
	if err != nil {
		t.Fatalf("GetSecretMap: %v", err)
	}
	want := map[string]string{
		"user": "alice", "pass": "s3cr3t-value", "port": "5432", "flag": "true", "none": "",
		"nested": `{"a":{"b":"deep"}}`, "dotted.key": "dotted-value", "list": `["x",1]`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	sub, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: app, Property: "nested.a"})
	if err != nil || len(sub) != 1 || string(sub["b"]) != "deep" {
		t.Fatalf("GetSecretMap of a nested object: %v, %v", sub, err)
	}
	inner, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("text"), Property: "json"})
	if err != nil || string(inner["inner"]) != "yes" || string(inner["n"]) != "2" {
		t.Fatalf("GetSecretMap of a JSON string field: %v, %v", inner, err)
	}
	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: app, Property: "user"})
	wantErr(t, err, secretdata.ErrNotJSONObject, "alice")
	_, err = c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("nope")})
	wantErr(t, err, providers.ErrSecretNotFound)
}

func TestClient_kv1(t *testing.T) {
	mountOnce(t, "sys/mounts/kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path, spec.Version = ptrTo("kv1"), esv1.VaultKVStoreV1
	c := f.client(nil, f.store(spec))
	key := f.key("app")
	f.write("kv1/"+key, map[string]any{"user": "alice", "port": 5432})

	whole, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key})
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	jsonEqual(t, whole, `{"user":"alice","port":5432}`)
	if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: "kv1/" + key, Property: "user"}); err != nil || string(v) != "alice" {
		t.Fatalf("property with the mount in the key: %q, %v", v, err)
	}
	if m, err := c.GetSecretMap(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key}); err != nil || string(m["port"]) != "5432" {
		t.Fatalf("GetSecretMap: %v, %v", m, err)
	}
	_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("nope")})
	wantErr(t, err, providers.ErrSecretNotFound)
	_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, Version: "1"})
	wantErr(t, err, providers.ErrNotSupported)
	_, err = c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	wantErr(t, err, providers.ErrNotSupported)
}

func TestClient_GetSecret_withoutStorePath(t *testing.T) {
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path = nil
	c := f.client(nil, f.store(spec))
	f.kv2(f.key("app"), map[string]any{"user": "alice"})
	for _, key := range []string{"secret/" + f.key("app"), "secret/data/" + f.key("app")} {
		if v, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: key, Property: "user"}); err != nil || string(v) != "alice" {
			t.Fatalf("%s: %q, %v", key, v, err)
		}
	}
}

func TestClient_GetSecret_kv1ResponseOnKV2Store(t *testing.T) {
	mountOnce(t, "sys/mounts/kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path = ptrTo("kv1")
	c := f.client(nil, f.store(spec))
	// A KV v2 store pointed at a v1 mount reads kv1/data/<key>, which is just another key.
	f.write("kv1/data/"+f.key("app"), map[string]any{"user": "alice"})
	_, err := c.GetSecret(ctx(t), esv1.ExternalSecretDataRemoteRef{Key: f.key("app")})
	if err == nil || errors.Is(err, providers.ErrSecretNotFound) {
		t.Fatalf("want the 'failed to find data field' error, got %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
