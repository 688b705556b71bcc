package fake

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func store(name string, data ...esv1.FakeProviderData) *esv1.SecretStore {
	return &esv1.SecretStore{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{
			Fake: &esv1.FakeProvider{Data: data},
		}},
	}
}

func testData() []esv1.FakeProviderData {
	return []esv1.FakeProviderData{
		{Key: "plain", Value: "hello"},
		{Key: "json", Value: `{"user":"admin","pass":"s3cr3t","nested":{"a":1},"dot.key":"literal","n":42}`},
		{Key: "versioned", Value: "one", Version: "v1"},
		{Key: "versioned", Value: "two", Version: "v2"},
		{Key: "db-password", Value: "pw"},
		{Key: "db-user", Value: "u"},
	}
}

func newClient(t *testing.T, p *Provider, s esv1.GenericStore) *Client {
	t.Helper()
	c, err := p.NewClient(context.Background(), s, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Client)
}

func TestClient_GetSecret(t *testing.T) {
	c := newClient(t, New(), store("s", testData()...))
	tests := []struct {
		name    string
		ref     esv1.ExternalSecretDataRemoteRef
		want    string
		wantErr error
	}{
		{name: "a plain value", ref: esv1.ExternalSecretDataRemoteRef{Key: "plain"}, want: "hello"},
		{name: "a property of a JSON value", ref: esv1.ExternalSecretDataRemoteRef{Key: "json", Property: "user"}, want: "admin"},
		{name: "a nested property", ref: esv1.ExternalSecretDataRemoteRef{Key: "json", Property: "nested.a"}, want: "1"},
		{name: "a dotted key is read literally", ref: esv1.ExternalSecretDataRemoteRef{Key: "json", Property: "dot.key"}, want: "literal"},
		{name: "an exact version", ref: esv1.ExternalSecretDataRemoteRef{Key: "versioned", Version: "v1"}, want: "one"},
		{name: "a versioned key without version is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "versioned"}, wantErr: providers.ErrSecretNotFound},
		{name: "an unknown version is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "versioned", Version: "v3"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing key is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "a missing property is not found", ref: esv1.ExternalSecretDataRemoteRef{Key: "json", Property: "nope"}, wantErr: providers.ErrSecretNotFound},
		{name: "metadata is not supported", ref: esv1.ExternalSecretDataRemoteRef{Key: "plain", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch}, wantErr: providers.ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.GetSecret(context.Background(), tt.ref)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	c := newClient(t, New(), store("s", testData()...))
	got, err := c.GetSecretMap(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "json"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user": "admin", "pass": "s3cr3t", "nested": `{"a":1}`, "dot.key": "literal", "n": "42"}
	assertMap(t, got, want)

	if _, err := c.GetSecretMap(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "plain"}); err == nil || strings.Contains(err.Error(), "hello") {
		t.Errorf("a non-JSON value must fail without showing it, got %v", err)
	}
	if _, err := c.GetSecretMap(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: "nope"}); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Errorf("missing key: %v", err)
	}
}

func TestClient_GetAllSecrets(t *testing.T) {
	p := New()
	c := newClient(t, p, store("s", testData()...))
	push(t, c, "db-pushed", "pushed")
	tests := []struct {
		name    string
		find    esv1.ExternalSecretFind
		want    map[string]string
		wantErr error
	}{
		{name: "name regexp matches store and pushed keys", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "^db-"}}, want: map[string]string{"db-password": "pw", "db-user": "u", "db-pushed": "pushed"}},
		{name: "latest version wins", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "versioned"}}, want: map[string]string{"versioned": "two"}},
		{name: "no match is empty", find: esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "zzz"}}, want: map[string]string{}},
		{name: "tags are not supported", find: esv1.ExternalSecretFind{Tags: map[string]string{"a": "b"}}, wantErr: providers.ErrNotSupported},
		{name: "path is not supported", find: esv1.ExternalSecretFind{Path: ptr.To("x"), Name: &esv1.FindName{RegExp: "."}}, wantErr: providers.ErrNotSupported},
		{name: "name is required", find: esv1.ExternalSecretFind{}, wantErr: providers.ErrNotSupported},
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
	if _, err := c.GetAllSecrets(context.Background(), esv1.ExternalSecretFind{Name: &esv1.FindName{RegExp: "("}}); err == nil {
		t.Error("an invalid regexp must fail")
	}
}

func TestClient_Validate(t *testing.T) {
	tests := []struct {
		name    string
		forced  *esv1.ValidationResult
		want    esv1.ValidationResult
		wantErr bool
	}{
		{name: "unset is Ready", want: esv1.ValidationResultReady},
		{name: "forced Ready", forced: ptr.To(esv1.ValidationResultReady), want: esv1.ValidationResultReady},
		{name: "forced Unknown comes with an error", forced: ptr.To(esv1.ValidationResultUnknown), want: esv1.ValidationResultUnknown, wantErr: true},
		{name: "forced Error comes with an error", forced: ptr.To(esv1.ValidationResultError), want: esv1.ValidationResultError, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := store("s")
			s.Spec.Provider.Fake.ValidationResult = tt.forced
			got, err := newClient(t, New(), s).Validate(context.Background())
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Validate = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestClient_PushSecret(t *testing.T) {
	p := New()
	c := newClient(t, p, store("s", testData()...))
	ctx := context.Background()
	src := &corev1.Secret{Data: map[string][]byte{"a": []byte("1"), "b": []byte("2")}}

	err := c.PushSecret(ctx, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "plain"}, SecretKey: "a"})
	if err == nil || !strings.Contains(err.Error(), "key already exists") {
		t.Errorf("overwriting a store key: %v", err)
	}
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "one"}, SecretKey: "a"})
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "whole"}})
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "doc", Property: "x"}, SecretKey: "a"})
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "doc", Property: "y"}, SecretKey: "b"})
	if err := c.PushSecret(ctx, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "one"}, SecretKey: "missing"}); err == nil {
		t.Error("a missing source key must fail")
	}
	if err := c.PushSecret(ctx, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "one", Property: "p"}, SecretKey: "a"}); !errors.Is(err, secretdata.ErrNotJSONObject) {
		t.Errorf("a property into a non-object value: %v", err)
	}

	// A new client of the same store (the next reconcile) reads the pushed values.
	next := newClient(t, p, store("s", testData()...))
	assertGet(t, next, "one", "", "1")
	assertGet(t, next, "whole", "", `{"a":"1","b":"2"}`)
	assertGet(t, next, "doc", "", `{"x":"1","y":"2"}`)
	assertGet(t, next, "doc", "y", "2")

	// Another store, even with the same name in another kind, does not see them.
	other := &esv1.ClusterSecretStore{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Spec: store("s").Spec}
	if _, err := newClient(t, p, other).GetSecret(ctx, esv1.ExternalSecretDataRemoteRef{Key: "one"}); !errors.Is(err, providers.ErrSecretNotFound) {
		t.Errorf("pushed values leaked to another store: %v", err)
	}
}

func TestClient_DeleteSecretAndSecretExists(t *testing.T) {
	c := newClient(t, New(), store("s", testData()...))
	ctx := context.Background()
	src := &corev1.Secret{Data: map[string][]byte{"a": []byte("1"), "b": []byte("2")}}
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "one"}, SecretKey: "a"})
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "doc", Property: "x"}, SecretKey: "a"})
	mustPush(t, c, src, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: "doc", Property: "y"}, SecretKey: "b"})

	exists := func(key, prop string, want bool) {
		t.Helper()
		got, err := c.SecretExists(ctx, providers.RemoteRef{RemoteKey: key, Property: prop})
		if err != nil || got != want {
			t.Errorf("SecretExists(%q, %q) = %v, %v; want %v", key, prop, got, err, want)
		}
	}
	del := func(key, prop string) {
		t.Helper()
		if err := c.DeleteSecret(ctx, providers.RemoteRef{RemoteKey: key, Property: prop}); err != nil {
			t.Errorf("DeleteSecret(%q, %q): %v", key, prop, err)
		}
	}
	exists("versioned", "", true)
	exists("json", "user", true)
	exists("json", "nope", false)
	exists("one", "", true)
	exists("doc", "x", true)

	del("one", "")
	exists("one", "", false)
	del("one", "") // idempotent
	del("doc", "x")
	exists("doc", "x", false)
	exists("doc", "y", true)
	del("doc", "y")
	exists("doc", "", false)
	del("plain", "") // store-defined: nothing was pushed there
	exists("plain", "", true)
}

func TestProvider_ValidateStore(t *testing.T) {
	p := New()
	if _, err := p.ValidateStore(store("s", testData()...)); err != nil {
		t.Errorf("valid store: %v", err)
	}
	if _, err := p.ValidateStore(store("s", esv1.FakeProviderData{Value: "x"})); err == nil || !strings.Contains(err.Error(), "data[0]: key") {
		t.Errorf("a value without key: %v", err)
	}
	noFake := &esv1.SecretStore{Spec: esv1.SecretStoreSpec{Provider: &esv1.SecretStoreProvider{}}}
	if _, err := p.ValidateStore(noFake); err == nil {
		t.Error("a store without the fake provider must fail")
	}
	if _, err := p.NewClient(context.Background(), noFake, nil, ""); err == nil {
		t.Error("NewClient without the fake provider must fail")
	}
	if p.Capabilities() != esv1.SecretStoreReadWrite {
		t.Error("the fake provider is ReadWrite")
	}
}

func push(t *testing.T, c *Client, key, value string) {
	t.Helper()
	mustPush(t, c, &corev1.Secret{Data: map[string][]byte{"v": []byte(value)}}, providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: key}, SecretKey: "v"})
}

func mustPush(t *testing.T, c *Client, src *corev1.Secret, data providers.PushData) {
	t.Helper()
	if err := c.PushSecret(context.Background(), src, data); err != nil {
		t.Fatalf("PushSecret(%+v): %v", data.RemoteRef, err)
	}
}

func assertGet(t *testing.T, c *Client, key, prop, want string) {
	t.Helper()
	got, err := c.GetSecret(context.Background(), esv1.ExternalSecretDataRemoteRef{Key: key, Property: prop})
	if err != nil || string(got) != want {
		t.Errorf("GetSecret(%q, %q) = %q, %v; want %q", key, prop, got, err, want)
	}
}

func assertMap(t *testing.T, got map[string][]byte, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), keys(got))
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
