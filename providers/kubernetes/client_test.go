package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func seedApp(f *fixture) {
	f.secret("app", map[string]string{
		"user":    "admin",
		"config":  `{"port":5432,"nested":{"a":"b"}}`,
		"dot.key": "literal",
	}, map[string]string{"app.kubernetes.io/name": "app", "team": "a"})
}

func TestClient_GetSecret(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	seedApp(f)
	fetch := esv1.ExternalSecretMetadataPolicyFetch
	tests := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error
	}{
		{name: "no property returns every key as JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: "app"},
			want: `{"config":"{\"port\":5432,\"nested\":{\"a\":\"b\"}}","dot.key":"literal","user":"admin"}`},
		{name: "a property naming a key returns it", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "user"}, want: "admin"},
		{name: "a dotted key is read literally", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "dot.key"}, want: "literal"},
		{name: "a path reaches into a JSON key", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "config.port"}, want: "5432"},
		{name: "a deeper path", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "config.nested.a"}, want: "b"},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing Secret is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a version is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", Version: "1"}, wantErr: providers.ErrNotSupported},
		{name: "metadata as JSON", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", MetadataPolicy: fetch},
			want: `{"annotations":{},"labels":{"app.kubernetes.io/name":"app","team":"a"}}`},
		{name: "one label with dots and slashes", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", MetadataPolicy: fetch, Property: "labels.app.kubernetes.io/name"}, want: "app"},
		{name: "all labels", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", MetadataPolicy: fetch, Property: "labels"}, want: `{"app.kubernetes.io/name":"app","team":"a"}`},
		{name: "a missing label is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "app", MetadataPolicy: fetch, Property: "labels.nope"}, wantErr: providers.ErrSecretNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetSecret(context.Background(), tt.ref)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("value = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	seedApp(f)
	ctx := context.Background()

	got, err := c.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "app"})
	if err != nil {
		t.Fatal(err)
	}
	assertMap(t, got, map[string]string{"user": "admin", "config": `{"port":5432,"nested":{"a":"b"}}`, "dot.key": "literal"})

	got, err = c.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "config"})
	if err != nil {
		t.Fatal(err)
	}
	assertMap(t, got, map[string]string{"port": "5432", "nested": `{"a":"b"}`})

	if _, err := c.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "app", Property: "user"}); err == nil {
		t.Error("a property that is not a JSON object must fail")
	} else if containsValue(err, "admin") {
		t.Errorf("the error shows the value: %v", err)
	}
	if _, err := c.GetSecretMap(ctx, esv1.ExternalSecretDataRemoteRef{Key: "nope"}); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Errorf("missing Secret: %v", err)
	}
}

func TestClient_GetAllSecrets(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	f.secret("db-one", map[string]string{"k": "1"}, map[string]string{"kind": "db"})
	f.secret("db-two", map[string]string{"k": "2"}, map[string]string{"kind": "db", "env": "prod"})
	f.secret("cache", map[string]string{"k": "3"}, map[string]string{"kind": "cache", "env": "prod"})
	tests := []struct {
		name    string
		find    esv1.ExternalSecretFind
		want    map[string]string
		wantErr error
	}{
		{name: "tags select by label", find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "prod"}},
			want: map[string]string{"db-two": `{"k":"2"}`, "cache": `{"k":"3"}`}},
		{name: "name matches by regexp", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^db-"}},
			want: map[string]string{"db-one": `{"k":"1"}`, "db-two": `{"k":"2"}`}},
		{name: "name and tags must both match", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^db-"}, Tags: map[string]string{"env": "prod"}},
			want: map[string]string{"db-two": `{"k":"2"}`}},
		{name: "no match is empty", find: esv1.ExternalSecretFind{Tags: map[string]string{"env": "nope"}}, want: map[string]string{}},
		{name: "path is not supported", find: esv1.ExternalSecretFind{Path: ptr.To("x")}, wantErr: providers.ErrNotSupported},
		{name: "no criteria is not supported", find: esv1.ExternalSecretFind{}, wantErr: providers.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetAllSecrets(context.Background(), tt.find)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil {
				assertMap(t, got, tt.want)
			}
		})
	}
}

func TestClient_ForbiddenReadsAreUnauthorized(t *testing.T) {
	f := newFixture(t)
	f.secret("app", map[string]string{"k": "v"}, nil)
	f.secret("denied-token", map[string]string{"token": f.serviceAccount("denied", false)}, nil)
	c := f.client(f.tokenStore("denied-token"), f.ns)
	if _, err := c.GetSecret(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "app"}); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("a forbidden read must wrap ErrUnauthorized, got %v", err)
	}
}

func assertMap(t *testing.T, got map[string][]byte, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || !sameValue(string(g), v) {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

// sameValue compares JSON values semantically and anything else exactly.
func sameValue(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil {
		xa, _ := json.Marshal(x)
		ya, _ := json.Marshal(y)
		return string(xa) == string(ya)
	}
	return a == b
}

func containsValue(err error, value string) bool {
	return err != nil && strings.Contains(err.Error(), value)
}
