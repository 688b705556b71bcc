package kubernetes

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seedb5e69c69/external-secrets/providers"
)

func (f *fixture) remote(name string) *corev1.Secret {
	f.t.Helper()
	s := &corev1.Secret{}
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, s)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func pushData(remoteKey, property, secretKey string) providers.PushData {
	return providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: remoteKey, Property: property}, SecretKey: secretKey}
}

func TestClient_PushSecret(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	ctx := context.Background()
	src := &corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"user": []byte("admin"), "pass": []byte("s3cr3t")}}

	// One key, stored under the property, with metadata labels and annotations.
	withMeta := pushData("pushed", "password", "pass")
	withMeta.Metadata = &apiextensionsv1.JSON{Raw: []byte(`{"apiVersion":"kubernetes.external-secrets.io/v1alpha1","kind":"PushSecretMetadata","spec":{"labels":{"team":"a"},"annotations":{"note":"n"}}}`)}
	if err := c.PushSecret(ctx, src, withMeta); err != nil {
		t.Fatal(err)
	}
	got := f.remote("pushed")
	if string(got.Data["password"]) != "s3cr3t" || got.Labels[LabelManagedBy] != LabelManagedByValue || got.Labels["team"] != "a" || got.Annotations["note"] != "n" {
		t.Fatalf("pushed Secret = %v %v %v", got.Labels, got.Annotations, keysOf(got.Data))
	}

	// A second key joins the first; pushing the same value again changes nothing.
	mustPush(t, c, src, pushData("pushed", "username", "user"))
	rv := f.remote("pushed").ResourceVersion
	mustPush(t, c, src, pushData("pushed", "username", "user"))
	if got := f.remote("pushed"); len(got.Data) != 2 || got.ResourceVersion != rv {
		t.Errorf("after re-push: keys %v, resourceVersion %s -> %s", keysOf(got.Data), rv, got.ResourceVersion)
	}

	// The whole Secret, as keys or as one JSON value.
	mustPush(t, c, src, pushData("whole", "", ""))
	if got := f.remote("whole"); string(got.Data["user"]) != "admin" || string(got.Data["pass"]) != "s3cr3t" {
		t.Errorf("whole Secret push: %v", keysOf(got.Data))
	}
	mustPush(t, c, src, pushData("as-json", "all", ""))
	if got := f.remote("as-json"); !sameValue(string(got.Data["all"]), `{"user":"admin","pass":"s3cr3t"}`) {
		t.Errorf("whole Secret as JSON: %s", got.Data["all"])
	}

	if err := c.PushSecret(ctx, src, pushData("x", "", "pass")); err == nil {
		t.Error("a secretKey without property must fail")
	}
	if err := c.PushSecret(ctx, src, pushData("x", "p", "missing")); err == nil {
		t.Error("a missing source key must fail")
	}
	badMeta := pushData("x", "p", "pass")
	badMeta.Metadata = &apiextensionsv1.JSON{Raw: []byte(`{"spec":{"remoteNamespace":"other"}}`)}
	if err := c.PushSecret(ctx, src, badMeta); !errors.Is(err, providers.ErrNotSupported) {
		t.Errorf("metadata remoteNamespace: %v", err)
	}
}

func TestClient_PushSecret_refusesUnmanaged(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	ctx := context.Background()
	f.secret("foreign", map[string]string{"k": "original"}, nil)
	src := &corev1.Secret{Data: map[string][]byte{"k": []byte("new")}}

	if err := c.PushSecret(ctx, src, pushData("foreign", "k", "k")); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("push over an unmanaged Secret: %v", err)
	}
	if err := c.DeleteSecret(ctx, providers.RemoteRef{RemoteKey: "foreign"}); !errors.Is(err, ErrUnmanaged) {
		t.Errorf("delete of an unmanaged Secret: %v", err)
	}
	if got := f.remote("foreign"); got == nil || string(got.Data["k"]) != "original" {
		t.Error("the unmanaged Secret was changed")
	}
}

func TestClient_DeleteSecretAndSecretExists(t *testing.T) {
	f := newFixture(t)
	c := f.reader()
	ctx := context.Background()
	src := &corev1.Secret{Data: map[string][]byte{"a": []byte("1"), "b": []byte("2")}}
	mustPush(t, c, src, pushData("target", "a", "a"))
	mustPush(t, c, src, pushData("target", "b", "b"))
	mustPush(t, c, src, pushData("other", "", ""))

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
	exists("target", "", true)
	exists("target", "a", true)
	exists("target", "nope", false)
	exists("missing", "", false)

	del("target", "a")
	exists("target", "a", false)
	exists("target", "b", true)
	del("target", "a") // already gone
	del("target", "b") // the last key takes the Secret with it
	if f.remote("target") != nil {
		t.Error("deleting the last key must delete the Secret")
	}
	del("other", "")
	exists("other", "", false)
	del("missing", "") // not found is success
}

func mustPush(t *testing.T, c *Client, src *corev1.Secret, data providers.PushData) {
	t.Helper()
	if err := c.PushSecret(context.Background(), src, data); err != nil {
		t.Fatalf("PushSecret(%+v): %v", data.RemoteRef, err)
	}
}

func keysOf(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
