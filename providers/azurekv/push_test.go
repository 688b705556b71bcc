package azurekv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func source(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "src", Namespace: testNamespace}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func metadata(t *testing.T, spec map[string]any) *apiextensionsv1.JSON {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"apiVersion": metadataAPIVersion, "kind": metadataKind, "spec": spec})
	if err != nil {
		t.Fatal(err)
	}
	return &apiextensionsv1.JSON{Raw: raw}
}

func push(key, remote, property string) providers.PushData {
	return providers.PushData{SecretKey: key, RemoteRef: providers.RemoteRef{RemoteKey: remote, Property: property}}
}

func TestClient_PushSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.store())
	src := source(map[string]string{"password": "pushed-value-1", "user": "admin"})

	data := push("password", "db-pass", "")
	data.Metadata = metadata(t, map[string]any{"tags": map[string]string{"team": "payments"}, "expirationDate": "2031-01-01T00:00:00Z", "contentType": "text/plain"})
	if err := c.PushSecret(ctx(), src, data); err != nil {
		t.Fatal(err)
	}
	value, tags, contentType, ok := e.srv.Secret("db-pass")
	if !ok || value != "pushed-value-1" || tags[TagManagedBy] != TagManagedByValue || tags["team"] != "payments" || contentType != "text/plain" {
		t.Fatalf("secret = %q %v %q %v", value, tags, contentType, ok)
	}
	meta, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db-pass", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: "expires"})
	if err != nil || string(meta) != "2031-01-01T00:00:00Z" {
		t.Errorf("expires = %q, %v", meta, err)
	}

	t.Run("pushing the same value again writes nothing", func(t *testing.T) {
		if err := c.PushSecret(ctx(), src, data); err != nil {
			t.Fatal(err)
		}
		if n := e.srv.SecretVersions("db-pass"); n != 1 {
			t.Errorf("versions = %d, want 1", n)
		}
	})
	t.Run("a new value is a new version, read back by the same client", func(t *testing.T) {
		src.Data["password"] = []byte("pushed-value-2")
		if err := c.PushSecret(ctx(), src, data); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db-pass"})
		if err != nil || string(got) != "pushed-value-2" || e.srv.SecretVersions("db-pass") != 2 {
			t.Errorf("after the update: %q, %v, %d versions", got, err, e.srv.SecretVersions("db-pass"))
		}
	})
	t.Run("properties merge into one JSON secret", func(t *testing.T) {
		for _, p := range []struct{ key, property string }{{"user", "username"}, {"password", "creds.password"}} {
			if err := c.PushSecret(ctx(), src, push(p.key, "secret/db-json", p.property)); err != nil {
				t.Fatal(err)
			}
		}
		value, _, _, _ := e.srv.Secret("db-json")
		if value != `{"creds":{"password":"pushed-value-2"},"username":"admin"}` {
			t.Errorf("document = %s", value)
		}
	})
	t.Run("the whole Secret is pushed as JSON without a key", func(t *testing.T) {
		if err := c.PushSecret(ctx(), src, push("", "whole", "")); err != nil {
			t.Fatal(err)
		}
		m, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "whole"})
		if err != nil || string(m["user"]) != "admin" || len(m) != 2 {
			t.Errorf("whole = %q, %v", m, err)
		}
	})
	t.Run("a secret without the managed-by tag is not overwritten", func(t *testing.T) {
		e.srv.SetSecret("foreign", "theirs", map[string]string{"owner": "someone"})
		err := c.PushSecret(ctx(), src, push("password", "foreign", ""))
		mustFail(t, err, ErrUnmanaged, "pushed-value-2", "theirs")
		if v, _, _, _ := e.srv.Secret("foreign"); v != "theirs" {
			t.Error("the foreign secret was changed")
		}
	})
	t.Run("keys and certificates cannot be pushed", func(t *testing.T) {
		for _, remote := range []string{"key/k", "cert/c"} {
			mustFail(t, c.PushSecret(ctx(), src, push("password", remote, "")), providers.ErrNotSupported)
		}
	})
	t.Run("invalid inputs are refused before any call", func(t *testing.T) {
		bad := []providers.PushData{
			push("password", "bad_name", ""),
			push("missing", "ok-name", ""),
			{SecretKey: "password", RemoteRef: providers.RemoteRef{RemoteKey: "ok-name"}, Metadata: metadata(t, map[string]any{"tags": map[string]string{TagManagedBy: "me"}})},
			{SecretKey: "password", RemoteRef: providers.RemoteRef{RemoteKey: "ok-name"}, Metadata: metadata(t, map[string]any{"expirationDate": "tomorrow"})},
			{SecretKey: "password", RemoteRef: providers.RemoteRef{RemoteKey: "ok-name"}, Metadata: metadata(t, map[string]any{"unknown": 1})},
		}
		before := e.calls.get(CallSetSecret)
		for _, d := range bad {
			mustFail(t, c.PushSecret(ctx(), src, d), nil, "pushed-value-2")
		}
		if e.calls.get(CallSetSecret) != before {
			t.Error("an invalid push wrote")
		}
	})
	t.Run("a value that is not UTF-8 is refused", func(t *testing.T) {
		bin := &corev1.Secret{Data: map[string][]byte{"b": {0xff, 0xfe, 0x00}}}
		if err := c.PushSecret(ctx(), bin, push("b", "binary", "")); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a name held by a soft-deleted secret is explained", func(t *testing.T) {
		if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "whole"}); err != nil {
			t.Fatal(err)
		}
		err := c.PushSecret(ctx(), src, push("password", "whole", ""))
		if err == nil || errors.Is(err, providers.ErrUnauthorized) || !strings.Contains(err.Error(), "recover or purge") {
			t.Fatalf("error = %v", err)
		}
	})
	// create, update, two properties, whole Secret, and the refused one on a deleted name.
	if e.calls.get(CallSetSecret) != 6 {
		t.Errorf("SetSecret calls = %d, want 6", e.calls.get(CallSetSecret))
	}
}

func TestClient_DeleteSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.store())
	managed := map[string]string{TagManagedBy: TagManagedByValue}
	e.srv.SetSecret("ours", "v", managed)
	e.srv.SetSecret("doc", `{"a":"1","b":{"c":"2"}}`, managed)
	e.srv.SetSecret("theirs", "v", nil)

	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "ours"}); err != nil || !e.srv.SecretDeleted("ours") {
		t.Fatalf("DeleteSecret = %v, deleted %v", err, e.srv.SecretDeleted("ours"))
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "ours"}); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "never-existed"}); err != nil {
		t.Errorf("deleting a missing secret: %v", err)
	}
	mustFail(t, c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "theirs"}), ErrUnmanaged)
	if e.srv.SecretDeleted("theirs") {
		t.Error("an unmanaged secret was deleted")
	}
	mustFail(t, c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "key/k"}), providers.ErrNotSupported)

	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "b.c"}); err != nil {
		t.Fatal(err)
	}
	if v, tags, _, _ := e.srv.Secret("doc"); v != `{"a":"1","b":{}}` || tags[TagManagedBy] != TagManagedByValue {
		t.Errorf("after deleting b.c: %s %v", v, tags)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "missing"}); err != nil || e.srv.SecretVersions("doc") != 2 {
		t.Errorf("deleting a missing property: %v, %d versions", err, e.srv.SecretVersions("doc"))
	}
	for _, p := range []string{"b", "a"} {
		if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: p}); err != nil {
			t.Fatal(err)
		}
	}
	if !e.srv.SecretDeleted("doc") {
		t.Error("the secret is not deleted once its last property is")
	}
	// "ours" and "doc": a missing secret is seen by the read, without a delete call.
	if e.calls.get(CallDeleteSecret) != 2 {
		t.Errorf("DeleteSecret calls = %d, want 2", e.calls.get(CallDeleteSecret))
	}
}

func TestClient_SecretExists(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.store())
	e.srv.SetSecret("doc", `{"a":"1"}`, nil)
	e.srv.SetKey("k", map[string]any{"kty": "EC"}, nil)
	cases := []struct {
		ref  providers.RemoteRef
		want bool
	}{
		{providers.RemoteRef{RemoteKey: "doc"}, true},
		{providers.RemoteRef{RemoteKey: "doc", Property: "a"}, true},
		{providers.RemoteRef{RemoteKey: "doc", Property: "b"}, false},
		{providers.RemoteRef{RemoteKey: "missing"}, false},
		{providers.RemoteRef{RemoteKey: "key/k"}, true},
		{providers.RemoteRef{RemoteKey: "cert/none"}, false},
	}
	for _, tc := range cases {
		if got, err := c.SecretExists(ctx(), tc.ref); err != nil || got != tc.want {
			t.Errorf("SecretExists(%+v) = %v, %v; want %v", tc.ref, got, err, tc.want)
		}
	}
}

func TestDecodeMetadata_expiry(t *testing.T) {
	spec, exp, err := decodeMetadata(metadata(t, map[string]any{"expirationDate": "2030-05-01T10:00:00+02:00"}))
	if err != nil || exp == nil || !exp.Equal(time.Date(2030, 5, 1, 8, 0, 0, 0, time.UTC)) || spec.ContentType != "" {
		t.Fatalf("decodeMetadata = %+v, %v, %v", spec, exp, err)
	}
	if _, _, err := decodeMetadata(&apiextensionsv1.JSON{Raw: []byte(`{"kind":"Other"}`)}); err == nil {
		t.Error("another kind was accepted")
	}
}
