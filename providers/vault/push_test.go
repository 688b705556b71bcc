package vault

import (
	"encoding/json"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

func sourceSecret() *corev1.Secret {
	s := &corev1.Secret{Data: map[string][]byte{"user": []byte("alice"), "pass": []byte("pushed-s3cr3t"), "doc": []byte(`{"a":"1","b":2}`)}}
	s.Name, s.Namespace = "source", "default"
	return s
}

func push(key, secretKey, prop string) providers.PushData {
	return providers.PushData{RemoteRef: providers.RemoteRef{RemoteKey: key, Property: prop}, SecretKey: secretKey}
}

// remoteState reads secret/<key> as root: data (nil when absent) and custom metadata.
func remoteState(t *testing.T, key string) (map[string]any, map[string]string, int) {
	t.Helper()
	s, err := vault.Admin.Logical().ReadWithContext(ctx(t), "secret/metadata/"+key)
	if err != nil {
		t.Fatalf("reading metadata: %v", err)
	}
	if s == nil {
		return nil, nil, 0
	}
	version := int(currentVersion(s.Data))
	d, err := vault.Admin.Logical().ReadWithContext(ctx(t), "secret/data/"+key)
	if err != nil {
		t.Fatalf("reading data: %v", err)
	}
	var data map[string]any
	if d != nil {
		data, _ = d.Data["data"].(map[string]any)
	}
	return data, customMetadataOf(s.Data), version
}

func TestClient_PushSecret_kv2(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("pushed")

	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "", "")); err != nil {
		t.Fatalf("pushing the whole Secret: %v", err)
	}
	data, meta, version := remoteState(t, key)
	if data["user"] != "alice" || data["pass"] != "pushed-s3cr3t" || meta[managedByKey] != managedByValue || version != 1 {
		t.Fatalf("after the first push: data=%v meta=%v version=%d", data, meta, version)
	}

	// The same value again writes nothing: no new version per reconcile.
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "", "")); err != nil {
		t.Fatalf("pushing again: %v", err)
	}
	if _, _, v := remoteState(t, key); v != 1 {
		t.Fatalf("an unchanged push created version %d", v)
	}

	// A property merges one field into the existing data.
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "user", "login")); err != nil {
		t.Fatalf("pushing a property: %v", err)
	}
	data, _, version = remoteState(t, key)
	if data["login"] != "alice" || data["pass"] != "pushed-s3cr3t" || version != 2 {
		t.Fatalf("after the property push: data=%v version=%d", data, version)
	}

	// A key holding a JSON object replaces the whole secret.
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "doc", "")); err != nil {
		t.Fatalf("pushing a JSON key: %v", err)
	}
	if data, _, _ = remoteState(t, key); data["a"] != "1" || data["b"] != json.Number("2") || data["user"] != nil {
		t.Fatalf("after the JSON push: %v", data)
	}

	err := c.PushSecret(ctx(t), sourceSecret(), push(key, "pass", ""))
	wantErr(t, err, nil, "pushed-s3cr3t")
	err = c.PushSecret(ctx(t), sourceSecret(), push(key, "missing", "x"))
	wantErr(t, err, nil)

	exists, err := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: key})
	if err != nil || !exists {
		t.Fatalf("SecretExists: %v, %v", exists, err)
	}
	if ok, _ := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "a"}); !ok {
		t.Fatal("SecretExists of a present property = false")
	}
	if ok, _ := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "zzz"}); ok {
		t.Fatal("SecretExists of a missing property = true")
	}
	if ok, err := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: f.key("never")}); ok || err != nil {
		t.Fatalf("SecretExists of a missing secret: %v, %v", ok, err)
	}
}

func TestClient_PushSecret_refusesUnmanaged(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("theirs")
	f.kv2(key, map[string]any{"owner": "someone else"})

	err := c.PushSecret(ctx(t), sourceSecret(), push(key, "user", "user"))
	wantErr(t, err, ErrNotManaged, "alice")
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key}); err != nil {
		t.Fatalf("deleting an unmanaged secret must succeed without deleting: %v", err)
	}
	data, meta, version := remoteState(t, key)
	if data["owner"] != "someone else" || meta[managedByKey] != "" || version != 1 {
		t.Fatalf("the unmanaged secret changed: data=%v meta=%v version=%d", data, meta, version)
	}
}

func TestClient_PushSecret_metadata(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("meta")
	d := push(key, "user", "user")
	d.Metadata = &apiextensionsv1.JSON{Raw: []byte(`{"apiVersion":"kubernetes.external-secrets.io/v1alpha1","kind":"PushSecretMetadata","spec":{"customMetadata":{"team":"payments"}}}`)}
	if err := c.PushSecret(ctx(t), sourceSecret(), d); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	// Custom metadata someone adds later survives the next push.
	f.write("secret/metadata/"+key, map[string]any{"custom_metadata": map[string]any{"team": "payments", "managed-by": "external-secrets", "note": "added by hand"}})
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "pass", "pass")); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	_, meta, _ := remoteState(t, key)
	if meta["team"] != "payments" || meta["note"] != "added by hand" || meta[managedByKey] != managedByValue {
		t.Fatalf("custom metadata = %v", meta)
	}
	d.Metadata = &apiextensionsv1.JSON{Raw: []byte(`{"kind":"Other"}`)}
	wantErr(t, c.PushSecret(ctx(t), sourceSecret(), d), nil)
}

func TestClient_PushSecret_checkAndSet(t *testing.T) {
	f := newFixture(t)
	key := f.key("cas")
	// The engine requires check-and-set for this key: a plain write is refused.
	f.write("secret/metadata/"+key, map[string]any{"cas_required": true, "custom_metadata": map[string]any{managedByKey: managedByValue}})

	plain := f.rootClient()
	err := plain.PushSecret(ctx(t), sourceSecret(), push(key, "user", "user"))
	wantErr(t, err, nil, "alice")

	spec := f.spec(f.rootAuth())
	spec.CheckAndSet = &esv1.VaultCheckAndSet{Required: true}
	store := f.store(spec)
	store.Name = "cas"
	c := f.client(nil, store)
	for i, k := range []string{"user", "pass"} {
		if err := c.PushSecret(ctx(t), sourceSecret(), push(key, k, k)); err != nil {
			t.Fatalf("CAS push %d: %v", i+1, err)
		}
	}
	if data, _, version := remoteState(t, key); version != 2 || data["user"] != "alice" {
		t.Fatalf("after CAS pushes: %v, version %d", data, version)
	}
}

func TestClient_DeleteSecret_kv2(t *testing.T) {
	f := newFixture(t)
	c := f.rootClient()
	key := f.key("to-delete")
	for _, k := range []string{"user", "pass"} {
		if err := c.PushSecret(ctx(t), sourceSecret(), push(key, k, k)); err != nil {
			t.Fatalf("PushSecret: %v", err)
		}
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "user"}); err != nil {
		t.Fatalf("deleting a property: %v", err)
	}
	if data, _, _ := remoteState(t, key); data["user"] != nil || data["pass"] != "pushed-s3cr3t" {
		t.Fatalf("after deleting a property: %v", data)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "nope"}); err != nil {
		t.Fatalf("deleting a missing property: %v", err)
	}
	// Deleting the last property deletes the secret with its metadata.
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "pass"}); err != nil {
		t.Fatalf("deleting the last property: %v", err)
	}
	if data, meta, _ := remoteState(t, key); data != nil || meta != nil {
		t.Fatalf("the secret survived: %v %v", data, meta)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key}); err != nil {
		t.Fatalf("deleting a missing secret: %v", err)
	}

	// A property of a secret whose current version is deleted is already gone: the older
	// versions and the metadata stay.
	soft := f.key("soft-deleted")
	if err := c.PushSecret(ctx(t), sourceSecret(), push(soft, "user", "user")); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	f.write("secret/delete/"+soft, map[string]any{"versions": []int{1}})
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: soft, Property: "user"}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if _, meta, _ := remoteState(t, soft); meta == nil {
		t.Fatal("deleting a property of a soft-deleted secret destroyed it")
	}

	whole := f.key("whole")
	if err := c.PushSecret(ctx(t), sourceSecret(), push(whole, "", "")); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: whole}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if _, meta, _ := remoteState(t, whole); meta != nil {
		t.Fatal("the metadata survived a whole delete")
	}
}

func TestClient_push_kv1(t *testing.T) {
	mountOnce(t, "sys/mounts/kv1", map[string]any{"type": "kv", "options": map[string]any{"version": "1"}})
	f := newFixture(t)
	spec := f.spec(f.rootAuth())
	spec.Path, spec.Version = ptrTo("kv1"), esv1.VaultKVStoreV1
	c := f.client(nil, f.store(spec))
	key := f.key("pushed")
	read := func() map[string]any {
		s, err := vault.Admin.Logical().ReadWithContext(ctx(t), "kv1/"+key)
		if err != nil {
			t.Fatalf("reading: %v", err)
		}
		if s == nil {
			return nil
		}
		return s.Data
	}

	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "user", "user")); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	data := read()
	mark, _ := data[customMetadata].(map[string]any)
	if data["user"] != "alice" || mark[managedByKey] != managedByValue {
		t.Fatalf("KV v1 data = %v", data)
	}
	if err := c.PushSecret(ctx(t), sourceSecret(), push(key, "pass", "pass")); err != nil {
		t.Fatalf("PushSecret: %v", err)
	}
	if ok, err := c.SecretExists(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "pass"}); !ok || err != nil {
		t.Fatalf("SecretExists: %v, %v", ok, err)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "user"}); err != nil {
		t.Fatalf("DeleteSecret property: %v", err)
	}
	if err := c.DeleteSecret(ctx(t), providers.RemoteRef{RemoteKey: key, Property: "pass"}); err != nil {
		t.Fatalf("DeleteSecret last property: %v", err)
	}
	if data := read(); data != nil {
		t.Fatalf("the secret survived: %v", data)
	}

	theirs := f.key("theirs")
	f.write("kv1/"+theirs, map[string]any{"x": "y"})
	err := c.PushSecret(ctx(t), sourceSecret(), push(theirs, "user", "user"))
	if !errors.Is(err, ErrNotManaged) {
		t.Fatalf("pushing over an unmanaged v1 secret: %v", err)
	}
}
