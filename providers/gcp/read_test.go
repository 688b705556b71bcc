package gcp

import (
	"strings"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

const dbJSON = `{"user":"admin","password":"s3cr3t-pw","port":5432,"db.host":"literal","db":{"host":"nested"}}`

// seed creates the secrets the read tests share.
func seed(e *env) {
	e.sm.CreateSecret(testProject, "", "db", map[string]string{"team": "a", "env": "prod"}, map[string]string{"owner": "alice@example.com"})
	e.sm.AddVersion(testProject, "", "db", []byte(`{"user":"old"}`))
	e.sm.AddVersion(testProject, "", "db", []byte(dbJSON))
	e.sm.SetAlias(testProject, "", "db", "stable", 1)

	e.sm.CreateSecret(testProject, "", "rotated", nil, nil)
	e.sm.AddVersion(testProject, "", "rotated", []byte("v1"))
	e.sm.AddVersion(testProject, "", "rotated", []byte("v2"))
	e.sm.AddVersion(testProject, "", "rotated", []byte("v3"))
	e.sm.SetVersionState(testProject, "", "rotated", 3, secretmanagerpb.SecretVersion_DISABLED)

	e.sm.CreateSecret(testProject, "", "gone", nil, nil)
	e.sm.AddVersion(testProject, "", "gone", []byte("x"))
	e.sm.SetVersionState(testProject, "", "gone", 1, secretmanagerpb.SecretVersion_DESTROYED)

	e.sm.CreateSecret(testProject, "", "empty", nil, nil)
	e.sm.CreateSecret(testProject, "", "plain", nil, nil)
	e.sm.AddVersion(testProject, "", "plain", []byte("not-json-s3cr3t"))
}

func TestClient_GetSecret(t *testing.T) {
	e := newEnv(t)
	seed(e)
	fail := e.client(t, store())
	fetch := e.client(t, store(func(p *esv1.GCPSMProvider) {
		p.SecretVersionSelectionPolicy = esv1.SecretVersionSelectionPolicyLatestOrFetch
	}))
	tests := []struct {
		name   string
		c      *Client
		ref    esv1.ExternalSecretDataRemoteRef
		want   string
		kind   string
		errHas string
	}{
		{name: "latest by default", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db"}, want: dbJSON},
		{name: "latest by name", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "latest"}, want: dbJSON},
		{name: "numbered version", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "1"}, want: `{"user":"old"}`},
		{name: "version alias", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "stable"}, want: `{"user":"old"}`},
		{name: "property", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "password"}, want: "s3cr3t-pw"},
		{name: "number property keeps its JSON text", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "port"}, want: "5432"},
		{name: "dotted literal key wins", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "db.host"}, want: "literal"},
		{name: "object property is JSON", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "db"}, want: `{"host":"nested"}`},
		{name: "property of an old version", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "1", Property: "user"}, want: "old"},
		{name: "missing property", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "nope"}, kind: "notfound"},
		{name: "property of a value that is not JSON", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "plain", Property: "a"}, kind: "notfound"},
		{name: "missing secret", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "nope"}, kind: "notfound", errHas: "projects/123456789/secrets/nope"},
		{name: "missing version", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "9"}, kind: "notfound"},
		{name: "secret without versions", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "empty"}, kind: "notfound"},
		{name: "disabled latest fails with LatestOrFail", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "rotated"}, kind: "error", errHas: "DISABLED"},
		{name: "disabled latest falls back with LatestOrFetch", c: fetch, ref: esv1.ExternalSecretDataRemoteRef{Key: "rotated"}, want: "v2"},
		{name: "explicit disabled version fails even with LatestOrFetch", c: fetch, ref: esv1.ExternalSecretDataRemoteRef{Key: "rotated", Version: "3"}, kind: "error", errHas: "DISABLED"},
		{name: "nothing enabled with LatestOrFetch", c: fetch, ref: esv1.ExternalSecretDataRemoteRef{Key: "gone"}, kind: "notfound"},
		{name: "destroyed latest fails with LatestOrFail", c: fail, ref: esv1.ExternalSecretDataRemoteRef{Key: "gone"}, kind: "error", errHas: "DESTROYED"},
		{name: "empty key", c: fail, ref: esv1.ExternalSecretDataRemoteRef{}, kind: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.GetSecret(ctx(), tt.ref)
			if kindOf(err) != tt.kind || (tt.errHas != "" && !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("error = %v, want kind %q containing %q", err, tt.kind, tt.errHas)
			}
			if err == nil && string(got) != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			for _, v := range []string{"s3cr3t", "v2", "nested"} {
				if err != nil && strings.Contains(err.Error(), v) {
					t.Errorf("error %q contains a secret value", err)
				}
			}
		})
	}
}

func TestClient_GetSecretMetadata(t *testing.T) {
	e := newEnv(t)
	seed(e)
	c := e.client(t, store())
	tests := []struct {
		property, want, kind string
	}{
		{"", `{"annotations":{"owner":"alice@example.com"},"labels":{"env":"prod","team":"a"}}`, ""},
		{"labels", `{"env":"prod","team":"a"}`, ""},
		{"annotations", `{"owner":"alice@example.com"}`, ""},
		{"labels.env", "prod", ""},
		{"annotations.owner", "alice@example.com", ""},
		{"labels.nope", "", "notfound"},
		{"annotations.nope", "", "notfound"},
		{"tags", "", "error"},
	}
	for _, tt := range tests {
		t.Run("property "+tt.property, func(t *testing.T) {
			got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", Property: tt.property, MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
			if kindOf(err) != tt.kind {
				t.Fatalf("error = %v, want kind %q", err, tt.kind)
			}
			if string(got) != tt.want {
				t.Errorf("value = %s, want %s", got, tt.want)
			}
		})
	}
	// Labels of a secret without any are an empty object, not null.
	got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "plain", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	if err != nil || string(got) != `{"annotations":{},"labels":{}}` {
		t.Errorf("metadata of an unlabelled secret = %s, %v", got, err)
	}
	_, err = c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "nope", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	if kindOf(err) != "notfound" {
		t.Errorf("metadata of a missing secret: error = %v, want not found", err)
	}
}

func TestClient_GetSecretMap(t *testing.T) {
	e := newEnv(t)
	seed(e)
	c := e.client(t, store())
	got, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user": "admin", "password": "s3cr3t-pw", "port": "5432", "db.host": "literal", "db": `{"host":"nested"}`}
	if len(got) != len(want) {
		t.Errorf("map = %q, want %q", got, want)
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	sub, err := c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", Property: "db"})
	if err != nil || len(sub) != 1 || string(sub["host"]) != "nested" {
		t.Errorf("map of property db = %q, %v", sub, err)
	}
	_, err = c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "plain"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("map of a non-JSON value: error = %v, want one without the value", err)
	}
	_, err = c.GetSecretMap(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "nope"})
	if kindOf(err) != "notfound" {
		t.Errorf("map of a missing secret: error = %v", err)
	}
}

// TestClient_readsOnce: data[] entries naming one secret version cost one call per client,
// also when the secret is missing.
func TestClient_readsOnce(t *testing.T) {
	e := newEnv(t)
	seed(e)
	c := e.client(t, store())
	e.calls.Reset()
	for _, p := range []string{"user", "password", "port", ""} {
		if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", Property: p}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		_, _ = c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "nope"})
		_, _ = c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", MetadataPolicy: esv1.ExternalSecretMetadataPolicyFetch})
	}
	if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db", Version: "1"}); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get("AccessSecretVersion"); n != 3 {
		t.Errorf("AccessSecretVersion calls = %d, want 3 (db latest, nope, db/1)", n)
	}
	if n := e.calls.get("GetSecret"); n != 1 {
		t.Errorf("GetSecret calls = %d, want 1", n)
	}
}

// TestClient_LatestOrFetchCalls: the fallback lists the enabled versions once and reads
// the newest.
func TestClient_LatestOrFetchCalls(t *testing.T) {
	e := newEnv(t)
	seed(e)
	c := e.client(t, store(func(p *esv1.GCPSMProvider) {
		p.SecretVersionSelectionPolicy = esv1.SecretVersionSelectionPolicyLatestOrFetch
	}))
	e.calls.Reset()
	if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "rotated"}); err != nil {
		t.Fatal(err)
	}
	if a, l := e.calls.get("AccessSecretVersion"), e.calls.get("ListSecretVersions"); a != 2 || l != 1 {
		t.Errorf("AccessSecretVersion = %d, ListSecretVersions = %d; want 2 and 1", a, l)
	}
}

func TestClient_regional(t *testing.T) {
	e := newEnv(t)
	seed(e)
	e.sm.CreateSecret(testProject, "europe-west4", "db", map[string]string{"team": "a"}, nil)
	e.sm.AddVersion(testProject, "europe-west4", "db", []byte("regional"))
	c := e.client(t, store(func(p *esv1.GCPSMProvider) { p.Location = "europe-west4" }))
	got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "db"})
	if err != nil || string(got) != "regional" {
		t.Fatalf("regional db = %q, %v", got, err)
	}
	all, err := c.GetAllSecrets(ctx(), esv1.ExternalSecretFind{Tags: map[string]string{"team": "a"}})
	if err != nil || len(all) != 1 || string(all["db"]) != "regional" {
		t.Errorf("find by labels in the location = %q, %v; want only the regional secret", all, err)
	}
	if _, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "plain"}); kindOf(err) != "notfound" {
		t.Errorf("a global secret through a regional store: error = %v, want not found", err)
	}
	if got := RegionalEndpoint("europe-west4"); got != "secretmanager.europe-west4.rep.googleapis.com:443" {
		t.Errorf("RegionalEndpoint = %s", got)
	}
}
