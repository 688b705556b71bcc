package azurekv

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func TestClient_GetSecret(t *testing.T) {
	e := newEnv(t)
	const doc = `{"user":"admin","pass":"hunter2-value","db.host":"literal","db":{"host":"nested"},"port":5432}`
	v1 := e.srv.SetSecret("db-creds", `{"user":"old"}`, nil)
	e.srv.SetSecret("db-creds", doc, nil)
	e.srv.SetSecret("plain", "just-a-value", nil)

	cases := []struct {
		name string
		ref  esv1.ExternalSecretDataRemoteRef
		want string
	}{
		{"the latest version without property is the raw value", esv1.ExternalSecretDataRemoteRef{Key: "db-creds"}, doc},
		{"a secret/ prefix names the same secret", esv1.ExternalSecretDataRemoteRef{Key: "secret/plain"}, "just-a-value"},
		{"a version ID selects that version", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Version: v1, Property: "user"}, "old"},
		{"a property selects a string field, unquoted", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Property: "user"}, "admin"},
		{"a number keeps its JSON text", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Property: "port"}, "5432"},
		{"a dotted property prefers the literal key", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Property: "db.host"}, "literal"},
		{"an object field is JSON", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Property: "db"}, `{"host":"nested"}`},
	}
	c := e.client(e.store())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.GetSecret(ctx(), tc.ref)
			if err != nil || string(got) != tc.want {
				t.Fatalf("GetSecret = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// db-creds latest, db-creds at v1, plain: three reads, however many properties.
	if n := e.calls.get(CallGetSecret); n != 3 {
		t.Errorf("GetSecret calls = %d, want 3 (one per secret and version)", n)
	}
	if n := e.calls.get(CallGetToken); n != 1 {
		t.Errorf("GetToken calls = %d, want 1", n)
	}
}

func TestClient_GetSecret_notFound(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("db-creds", `{"pass":"hunter2-value"}`, map[string]string{"env": "prod"})
	e.srv.SetSecret("off", "disabled-value", nil, kvSecretDisabled())
	cases := []struct {
		name string
		ref  esv1.ExternalSecretDataRemoteRef
	}{
		{"a missing secret", esv1.ExternalSecretDataRemoteRef{Key: "nope"}},
		{"a missing version", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Version: "0123456789abcdef0123456789abcdef"}},
		{"a missing property", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", Property: "user"}},
		{"a missing key", esv1.ExternalSecretDataRemoteRef{Key: "key/nope"}},
		{"a missing certificate", esv1.ExternalSecretDataRemoteRef{Key: "cert/nope"}},
		{"a missing tag", esv1.ExternalSecretDataRemoteRef{Key: "db-creds", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: "team"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.get(tc.ref)
			mustFail(t, err, providers.ErrSecretNotFound, "hunter2-value")
		})
	}
	t.Run("Key Vault's code and message are in the error", func(t *testing.T) {
		_, err := e.get(esv1.ExternalSecretDataRemoteRef{Key: "nope"})
		if !strings.Contains(err.Error(), "404 SecretNotFound") || !strings.Contains(err.Error(), "was not found in this key vault") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("a disabled secret is an error, neither not found nor unauthorized", func(t *testing.T) {
		_, err := e.get(esv1.ExternalSecretDataRemoteRef{Key: "off"})
		if err == nil || errors.Is(err, providers.ErrSecretNotFound) || errors.Is(err, providers.ErrUnauthorized) || !strings.Contains(err.Error(), "disabled") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("a key with an unknown object type is refused", func(t *testing.T) {
		for _, key := range []string{"blob/x", "secret/a/b", "secret/"} {
			if _, err := e.get(esv1.ExternalSecretDataRemoteRef{Key: key}); err == nil || errors.Is(err, providers.ErrSecretNotFound) {
				t.Errorf("%s: error = %v", key, err)
			}
		}
	})
}

func TestClient_GetSecret_keysAndCertificates(t *testing.T) {
	e := newEnv(t)
	certDER, _ := testCertificate(t, "kv-cert")
	e.srv.SetKey("signing", map[string]any{"kty": "RSA", "n": "0vx7agoebGcQSuuPiLJXZpt", "e": "AQAB", "key_ops": []string{"sign", "verify"}}, map[string]string{"use": "jwt"})
	old := e.srv.SetCertificate("tls", []byte("old-der"), nil)
	e.srv.SetCertificate("tls", certDER, map[string]string{"owner": "web"})
	c := e.client(e.store())

	jwk, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "key/signing"})
	if err != nil {
		t.Fatal(err)
	}
	var parsed map[string]any
	if err := json.Unmarshal(jwk, &parsed); err != nil || parsed["kty"] != "RSA" || parsed["e"] != "AQAB" || !strings.Contains(parsed["kid"].(string), "/keys/signing/") {
		t.Fatalf("key = %s (%v)", jwk, err)
	}
	if kty, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "key/signing", Property: "kty"}); err != nil || string(kty) != "RSA" {
		t.Errorf("key property kty = %q, %v", kty, err)
	}
	der, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "cert/tls"})
	if err != nil || !bytes.Equal(der, certDER) {
		t.Fatalf("certificate = %d bytes, %v", len(der), err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		t.Errorf("the certificate is not DER: %v", err)
	}
	if got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "cert/tls", Version: old}); err != nil || string(got) != "old-der" {
		t.Errorf("certificate version = %q, %v", got, err)
	}
	if got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "cert/tls", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: "owner"}); err != nil || string(got) != "web" {
		t.Errorf("certificate tag = %q, %v", got, err)
	}
	_, err = c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "cert/tls", Property: "x"})
	mustFail(t, err, providers.ErrNotSupported)
	for _, key := range []string{"key/signing", "cert/tls"} {
		_, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: key})
		mustFail(t, err, providers.ErrNotSupported)
	}
	if e.calls.get(CallGetKey) != 1 || e.calls.get(CallGetCertificate) != 2 {
		t.Errorf("calls = %v", e.calls)
	}
}

func TestClient_GetSecret_metadata(t *testing.T) {
	e := newEnv(t)
	expires := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	e.srv.SetSecret("tagged", "the-value", map[string]string{"env": "prod", "owner": `{"team":"payments"}`, "created": "by-hand"}, kvExpires(expires))
	c := e.client(e.store())
	fetch := func(property string) (string, error) {
		v, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "tagged", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch, Property: property})
		return string(v), err
	}
	all, err := fetch("")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(all), &m); err != nil {
		t.Fatal(err)
	}
	if m["env"] != "prod" || m["expires"] != "2031-01-02T03:04:05Z" || m["created"] != "by-hand" || m["updated"] == "" {
		t.Errorf("metadata = %v: want tags, and attributes unless a tag has their name", m)
	}
	if strings.Contains(all, "the-value") {
		t.Error("metadata contains the value")
	}
	for property, want := range map[string]string{"env": "prod", "owner.team": "payments", "expires": "2031-01-02T03:04:05Z"} {
		if got, err := fetch(property); err != nil || got != want {
			t.Errorf("property %s = %q, %v; want %q", property, got, err, want)
		}
	}
	tags, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "tagged", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	if err != nil || len(tags) != 3 || string(tags["env"]) != "prod" {
		t.Errorf("GetSecretMap(Fetch) = %q, %v: want the tags only", tags, err)
	}
	if n := e.calls.get(CallGetSecret); n != 1 {
		t.Errorf("GetSecret calls = %d, want 1", n)
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	e := newEnv(t)
	e.srv.SetSecret("json", `{"user":"admin","port":5432,"tls":{"on":true},"nil":null}`, nil)
	e.srv.SetSecret("text", "not-json-value", nil)
	c := e.client(e.store())
	m, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "json"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user": "admin", "port": "5432", "tls": `{"on":true}`, "nil": "null"}
	if len(m) != len(want) {
		t.Fatalf("map = %q", m)
	}
	for k, v := range want {
		if string(m[k]) != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	_, err = c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "text"})
	mustFail(t, err, nil, "not-json-value")
	_, err = c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "missing"})
	mustFail(t, err, providers.ErrSecretNotFound)
}
