package gcp

import (
	"errors"
	"maps"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

var source = &corev1.Secret{
	ObjectMeta: metav1.ObjectMeta{Name: "src", Namespace: testNamespace},
	Data:       map[string][]byte{"password": []byte("p@ss<&>"), "user": []byte("admin")},
}

func pushData(remote, property, key, metadata string) providers.PushData {
	d := providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: remote, Property: property}, SecretKey: key}
	if metadata != "" {
		d.Metadata = &apiextensionsv1.JSON{Raw: []byte(metadata)}
	}
	return d
}

func versions(t *testing.T, e *env, location, id string) []string {
	t.Helper()
	_, vs, ok := e.sm.Secret(testProject, location, id)
	if !ok {
		t.Fatalf("secret %s does not exist", id)
	}
	var out []string
	for _, v := range vs {
		out = append(out, string(v))
	}
	return out
}

func TestClient_PushSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store())

	// Created with the managed-by label, automatic replication and one version.
	if err := c.PushSecret(ctx(), source, pushData("pushed", "", "password", "")); err != nil {
		t.Fatal(err)
	}
	sec, _, _ := e.sm.Secret(testProject, "", "pushed")
	if sec.GetLabels()[LabelManagedBy] != LabelManagedByValue || sec.GetReplication().GetAutomatic() == nil {
		t.Errorf("created secret = %v", sec)
	}
	// The same value again adds no version; another value does.
	if err := c.PushSecret(ctx(), source, pushData("pushed", "", "password", "")); err != nil {
		t.Fatal(err)
	}
	if err := c.PushSecret(ctx(), source, pushData("pushed", "", "user", "")); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, e, "", "pushed"); len(got) != 2 || got[0] != "p@ss<&>" || got[1] != "admin" {
		t.Errorf("versions = %q", got)
	}
	// What is pushed is read back.
	if got, err := c.GetSecret(ctx(), esv1.ExternalSecretDataRemoteRef{Key: "pushed"}); err != nil || string(got) != "admin" {
		t.Errorf("read after push = %q, %v", got, err)
	}
	// The whole Secret is pushed as a JSON object of strings, without HTML escaping.
	if err := c.PushSecret(ctx(), source, pushData("whole", "", "", "")); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, e, "", "whole"); len(got) != 1 || got[0] != `{"password":"p@ss<&>","user":"admin"}` {
		t.Errorf("whole Secret = %q", got)
	}
	if err := c.PushSecret(ctx(), source, pushData("whole", "", "nope", "")); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Errorf("missing source key: error = %v", err)
	}
}

func TestClient_PushSecretProperty(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store())
	for _, p := range []struct{ property, key string }{{"password", "password"}, {"db.user", "user"}, {"password", "password"}} {
		if err := c.PushSecret(ctx(), source, pushData("doc", p.property, p.key, "")); err != nil {
			t.Fatal(err)
		}
	}
	got := versions(t, e, "", "doc")
	if len(got) != 2 || got[1] != `{"db":{"user":"admin"},"password":"p@ss<&>"}` {
		t.Errorf("versions = %q, want two, the last with both properties", got)
	}
	// A property cannot be merged into a value that is not a JSON object; the error does
	// not quote the value.
	e.sm.CreateSecret(testProject, "", "text", map[string]string{LabelManagedBy: LabelManagedByValue}, nil)
	e.sm.AddVersion(testProject, "", "text", []byte("plain-s3cr3t"))
	err := c.PushSecret(ctx(), source, pushData("text", "password", "password", ""))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "p@ss") {
		t.Errorf("error = %v, want one without values", err)
	}
}

func TestClient_PushSecretUnmanaged(t *testing.T) {
	e := newEnv(t)
	e.sm.CreateSecret(testProject, "", "theirs", map[string]string{"owner": "someone"}, nil)
	e.sm.AddVersion(testProject, "", "theirs", []byte("keep"))
	c := e.client(t, store())
	if err := c.PushSecret(ctx(), source, pushData("theirs", "", "password", "")); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("push: error = %v, want ErrUnmanaged", err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "theirs"}); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("delete: error = %v, want ErrUnmanaged", err)
	}
	if got := versions(t, e, "", "theirs"); len(got) != 1 || got[0] != "keep" {
		t.Errorf("versions = %q, want the secret untouched", got)
	}
}

func TestClient_PushSecretMetadata(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store())
	meta := `{"apiVersion":"kubernetes.external-secrets.io/v1alpha1","kind":"PushSecretMetadata","spec":` +
		`{"labels":{"team":"a"},"annotations":{"note":"x"},"topics":["projects/p/topics/t"],"replicationLocation":"europe-west1","cmekKeyName":"projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"}}`
	if err := c.PushSecret(ctx(), source, pushData("meta", "", "password", meta)); err != nil {
		t.Fatal(err)
	}
	sec, _, _ := e.sm.Secret(testProject, "", "meta")
	replicas := sec.GetReplication().GetUserManaged().GetReplicas()
	if !maps.Equal(sec.GetLabels(), map[string]string{"team": "a", LabelManagedBy: LabelManagedByValue}) ||
		sec.GetAnnotations()["note"] != "x" || len(sec.GetTopics()) != 1 ||
		len(replicas) != 1 || replicas[0].GetLocation() != "europe-west1" ||
		!strings.HasSuffix(replicas[0].GetCustomerManagedEncryption().GetKmsKeyName(), "/cryptoKeys/k") {
		t.Errorf("created secret = %v", sec)
	}

	// Someone adds a label; Merge keeps it, Replace drops it.
	e.sm.CreateSecret(testProject, "", "labelled", map[string]string{LabelManagedBy: LabelManagedByValue, "extra": "y"}, map[string]string{"old": "1"})
	merge := `{"spec":{"labels":{"team":"b"},"mergePolicy":"Merge"}}`
	if err := c.PushSecret(ctx(), source, pushData("labelled", "", "password", merge)); err != nil {
		t.Fatal(err)
	}
	sec, _, _ = e.sm.Secret(testProject, "", "labelled")
	if !maps.Equal(sec.GetLabels(), map[string]string{"team": "b", "extra": "y", LabelManagedBy: LabelManagedByValue}) || sec.GetAnnotations()["old"] != "1" {
		t.Errorf("after Merge: labels %v, annotations %v", sec.GetLabels(), sec.GetAnnotations())
	}
	replace := `{"spec":{"labels":{"team":"c"}}}`
	if err := c.PushSecret(ctx(), source, pushData("labelled", "", "password", replace)); err != nil {
		t.Fatal(err)
	}
	sec, _, _ = e.sm.Secret(testProject, "", "labelled")
	if !maps.Equal(sec.GetLabels(), map[string]string{"team": "c", LabelManagedBy: LabelManagedByValue}) || len(sec.GetAnnotations()) != 0 {
		t.Errorf("after Replace: labels %v, annotations %v", sec.GetLabels(), sec.GetAnnotations())
	}
	// Unchanged metadata costs no UpdateSecret.
	e.calls.Reset()
	if err := c.PushSecret(ctx(), source, pushData("labelled", "", "password", replace)); err != nil {
		t.Fatal(err)
	}
	if n, a := e.calls.get("UpdateSecret"), e.calls.get("AddSecretVersion"); n != 0 || a != 0 {
		t.Errorf("UpdateSecret = %d, AddSecretVersion = %d; want none for an unchanged push", n, a)
	}

	for name, bad := range map[string]string{
		"unknown field":       `{"spec":{"tags":{"a":"b"}}}`,
		"wrong kind":          `{"kind":"Other","spec":{}}`,
		"bad merge policy":    `{"spec":{"mergePolicy":"Sometimes"}}`,
		"managed-by reserved": `{"spec":{"labels":{"managed-by":"me"}}}`,
	} {
		if err := c.PushSecret(ctx(), source, pushData("meta", "", "password", bad)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestClient_PushSecretRegional(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store(func(p *esv1.GCPSMProvider) { p.Location = "europe-west4" }))
	meta := `{"spec":{"cmekKeyName":"projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"}}`
	if err := c.PushSecret(ctx(), source, pushData("regional", "", "user", meta)); err != nil {
		t.Fatal(err)
	}
	sec, vs, ok := e.sm.Secret(testProject, "europe-west4", "regional")
	if !ok || sec.GetReplication() != nil || sec.GetCustomerManagedEncryption().GetKmsKeyName() == "" || len(vs) != 1 || string(vs[0]) != "admin" {
		t.Errorf("regional secret = %v, versions %q", sec, vs)
	}
	if _, _, global := e.sm.Secret(testProject, "", "regional"); global {
		t.Error("a global secret was created")
	}
	if err := c.PushSecret(ctx(), source, pushData("regional", "", "user", `{"spec":{"replicationLocation":"us-east1"}}`)); err == nil {
		t.Error("replicationLocation with a regional store: want an error")
	}
}

func TestClient_DeleteSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store())
	if err := c.PushSecret(ctx(), source, pushData("gone", "", "user", "")); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "gone"}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := e.sm.Secret(testProject, "", "gone"); ok {
		t.Error("the secret still exists")
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "gone"}); err != nil {
		t.Errorf("deleting what does not exist: %v", err)
	}

	// Deleting properties adds versions without them, and the secret with the last one.
	for _, p := range []string{"a", "b"} {
		if err := c.PushSecret(ctx(), source, pushData("doc", p, "user", "")); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, e, "", "doc"); got[len(got)-1] != `{"b":"admin"}` {
		t.Errorf("versions after deleting a = %q", got)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "missing"}); err != nil {
		t.Errorf("deleting a missing property: %v", err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := e.sm.Secret(testProject, "", "doc"); ok {
		t.Error("the secret without properties still exists")
	}
}

func TestClient_SecretExists(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, store())
	if err := c.PushSecret(ctx(), source, pushData("doc", "a", "user", "")); err != nil {
		t.Fatal(err)
	}
	e.sm.CreateSecret(testProject, "", "empty", nil, nil)
	for _, tt := range []struct {
		ref  providers.RemoteRef
		want bool
	}{
		{providers.RemoteRef{RemoteKey: "doc"}, true},
		{providers.RemoteRef{RemoteKey: "empty"}, true},
		{providers.RemoteRef{RemoteKey: "nope"}, false},
		{providers.RemoteRef{RemoteKey: "doc", Property: "a"}, true},
		{providers.RemoteRef{RemoteKey: "doc", Property: "b"}, false},
		{providers.RemoteRef{RemoteKey: "empty", Property: "a"}, false},
	} {
		got, err := c.SecretExists(ctx(), tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("SecretExists(%+v) = %v, %v; want %v", tt.ref, got, err, tt.want)
		}
	}
}
