package aws

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func source() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "src", Namespace: testNamespace},
		Data:       map[string][]byte{"password": []byte("p@ss<>&"), "user": []byte("admin")},
	}
}

func metadata(raw string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(raw)} }

func push(key, remote, property string) providers.PushData {
	return providers.PushData{SecretKey: key, RemoteRef: providers.RemoteRef{RemoteKey: remote, Property: property}}
}

func TestSecretsManagerClient_PushSecret(t *testing.T) {
	e := newEnv(t)
	p := unique("push") + "/"
	c := e.smClient(p)

	// A new secret is created, tagged, and binary by default.
	if err := c.PushSecret(ctx(), source(), push("password", "db", "")); err != nil {
		t.Fatal(err)
	}
	if v := e.secretValue(p + "db"); string(v.SecretBinary) != "p@ss<>&" || v.SecretString != nil {
		t.Errorf("value = %q / %v, want binary p@ss<>&", v.SecretBinary, v.SecretString)
	}
	if tags := tagMap(e.describeSecret(p + "db").Tags); tags[TagManagedBy] != TagManagedByValue {
		t.Errorf("tags = %v, want managed-by", tags)
	}

	// Pushing the same value again writes nothing.
	e.calls.Reset()
	if err := c.PushSecret(ctx(), source(), push("password", "db", "")); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get(MetricsSecretsManager, "PutSecretValue"); n != 0 {
		t.Errorf("PutSecretValue calls = %d for an unchanged value, want 0", n)
	}

	// A property is merged into the existing JSON document.
	if err := c.PushSecret(ctx(), source(), push("user", "doc", "db.user")); err != nil {
		t.Fatal(err)
	}
	if err := c.PushSecret(ctx(), source(), push("password", "doc", "db.password")); err != nil {
		t.Fatal(err)
	}
	if got := string(e.secretValue(p + "doc").SecretBinary); got != `{"db":{"password":"p@ss<>&","user":"admin"}}` {
		t.Errorf("merged document = %s", got)
	}

	// The whole Secret is pushed as a JSON object, as a string with tags and a description.
	meta := metadata(`{"apiVersion":"kubernetes.external-secrets.io/v1alpha1","kind":"PushSecretMetadata","spec":{"secretPushFormat":"string","description":"from k8s","tags":{"owner":"team-a"}}}`)
	data := push("", "whole", "")
	data.Metadata = meta
	if err := c.PushSecret(ctx(), source(), data); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(e.secretValue(p + "whole").SecretString); got != `{"password":"p@ss<>&","user":"admin"}` {
		t.Errorf("whole Secret = %s", got)
	}
	desc := e.describeSecret(p + "whole")
	if tags := tagMap(desc.Tags); tags["owner"] != "team-a" || tags[TagManagedBy] != TagManagedByValue || aws.ToString(desc.Description) != "from k8s" {
		t.Errorf("tags = %v, description = %q", tags, aws.ToString(desc.Description))
	}
}

func TestSecretsManagerClient_PushSecretRefusesUnmanagedSecrets(t *testing.T) {
	e := newEnv(t)
	p := unique("unmanaged") + "/"
	e.createSecret(p+"theirs", "keep me", "owner", "someone")
	c := e.smClient(p)
	if err := c.PushSecret(ctx(), source(), push("password", "theirs", "")); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("push: error = %v, want ErrUnmanaged", err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "theirs"}); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("delete: error = %v, want ErrUnmanaged", err)
	}
	if got := aws.ToString(e.secretValue(p + "theirs").SecretString); got != "keep me" {
		t.Errorf("value = %q, want it untouched", got)
	}
}

func TestSecretsManagerClient_PushSecretRejectsBadMetadata(t *testing.T) {
	e := newEnv(t)
	c := e.smClient(unique("badmeta"))
	for _, raw := range []string{
		`{"spec":{"secretPushFormat":"yaml"}}`,
		`{"spec":{"unknownField":true}}`,
		`{"kind":"Other","spec":{}}`,
		`{"spec":{"tags":{"managed-by":"me"}}}`,
	} {
		data := push("password", "x", "")
		data.Metadata = metadata(raw)
		if err := c.PushSecret(ctx(), source(), data); err == nil {
			t.Errorf("metadata %s: want an error", raw)
		}
	}
	if err := c.PushSecret(ctx(), source(), push("nope", "x", "")); err == nil {
		t.Error("a missing source key must fail")
	}
}

func TestSecretsManagerClient_DeleteSecret(t *testing.T) {
	e := newEnv(t)
	p := unique("delete") + "/"
	st := store(esv1.AWSServiceSecretsManager, withPrefix(p), func(a *esv1.AWSProvider) {
		a.SecretsManager = &esv1.SecretsManager{ForceDeleteWithoutRecovery: true}
	})
	c := e.client(st).(*SecretsManagerClient)
	for _, prop := range []string{"user", "password"} {
		if err := c.PushSecret(ctx(), source(), push(prop, "doc", prop)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PushSecret(ctx(), source(), push("user", "single", "")); err != nil {
		t.Fatal(err)
	}

	// Deleting one property keeps the rest.
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "user"}); err != nil {
		t.Fatal(err)
	}
	if got := string(e.secretValue(p + "doc").SecretBinary); got != `{"password":"p@ss<>&"}` {
		t.Errorf("after deleting a property: %s", got)
	}
	// A property that is not there is nothing to do.
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "nope"}); err != nil {
		t.Fatal(err)
	}
	// Deleting the last property deletes the secret.
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "doc", Property: "password"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "single"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"doc", "single"} {
		if _, err := e.sm.DescribeSecret(ctx(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(p + name)}); !isNotFound(err) {
			t.Errorf("%s still exists (error %v); forceDeleteWithoutRecovery must delete at once", name, err)
		}
	}
	// Deleting what does not exist succeeds.
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "never-existed"}); err != nil {
		t.Errorf("deleting a missing secret: %v", err)
	}
}

func TestSecretsManagerClient_DeleteThenPushRestores(t *testing.T) {
	e := newEnv(t)
	p := unique("restore") + "/"
	c := e.smClient(p)
	if err := c.PushSecret(ctx(), source(), push("user", "s", "")); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "s"}); err != nil {
		t.Fatal(err)
	}
	if e.describeSecret(p+"s").DeletedDate == nil {
		t.Fatal("without settings the secret must be scheduled for deletion")
	}
	if err := c.DeleteSecret(ctx(), providers.RemoteRef{RemoteKey: "s"}); err != nil {
		t.Errorf("deleting a secret already scheduled for deletion: %v", err)
	}
	if ok, err := c.SecretExists(ctx(), providers.RemoteRef{RemoteKey: "s"}); ok || err != nil {
		t.Errorf("SecretExists = %v, %v for a deleted secret", ok, err)
	}
	if err := c.PushSecret(ctx(), source(), push("password", "s", "")); err != nil {
		t.Fatal(err)
	}
	if string(e.secretValue(p+"s").SecretBinary) != "p@ss<>&" {
		t.Error("pushing again must restore the secret with the new value")
	}
}

func TestSecretsManagerClient_SecretExists(t *testing.T) {
	e := newEnv(t)
	p := unique("exists") + "/"
	e.createSecret(p+"doc", `{"a":"1"}`)
	c := e.smClient(p)
	tests := []struct {
		ref  providers.RemoteRef
		want bool
	}{
		{providers.RemoteRef{RemoteKey: "doc"}, true},
		{providers.RemoteRef{RemoteKey: "doc", Property: "a"}, true},
		{providers.RemoteRef{RemoteKey: "doc", Property: "b"}, false},
		{providers.RemoteRef{RemoteKey: "nope"}, false},
	}
	for _, tt := range tests {
		got, err := c.SecretExists(ctx(), tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("SecretExists(%+v) = %v, %v; want %v", tt.ref, got, err, tt.want)
		}
	}
}
