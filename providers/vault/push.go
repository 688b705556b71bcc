package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrNotManaged means a push would overwrite a Vault secret that PushSecret did not create
// (it lacks custom_metadata managed-by: external-secrets). Someone else owns it; the user
// must pick another remote key or mark the secret.
var ErrNotManaged = errors.New("the secret exists in Vault and is not managed by external-secrets")

// remote is what a push or delete found at a key: the current data (nil when there is none
// or the current version is deleted) and, for KV v2, the metadata (nil when the key does not
// exist at all).
type remote struct {
	data map[string]any
	meta map[string]any
}

func (r remote) exists() bool { return r.data != nil || r.meta != nil }

// managed tells whether PushSecret owns the secret: KV v2 keeps the mark in custom_metadata,
// KV v1 in a custom_metadata field of the data.
func (r remote) managed() bool {
	if r.meta != nil {
		return customMetadataOf(r.meta)[managedByKey] == managedByValue
	}
	cm, _ := r.data[customMetadata].(map[string]any)
	return cm[managedByKey] == managedByValue
}

// PushSecret writes data.SecretKey of secret (the whole Secret as a JSON object when empty)
// to data.RemoteKey: into field data.Property of the existing secret when set, else as the
// whole secret, which then must be a JSON object. New secrets are marked managed-by:
// external-secrets; existing secrets without the mark are refused with ErrNotManaged. An
// unchanged value writes nothing, so no new KV v2 version is created per reconcile. With
// checkAndSet.required the write carries the current version. PushSecretMetadata's
// spec.customMetadata is merged into the KV v2 custom_metadata.
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	extra, err := pushCustomMetadata(data.Metadata)
	if err != nil {
		return err
	}
	key := data.RemoteKey
	cur, err := c.current(ctx, key)
	if err != nil {
		return err
	}
	if cur.exists() && !cur.managed() {
		return fmt.Errorf("pushing to %q: %w", key, ErrNotManaged)
	}
	next, err := c.nextData(cur.data, data.Property, value)
	if err != nil {
		return fmt.Errorf("pushing to %q: %w", key, err)
	}
	if !c.kv.v1 {
		if err := c.markManaged(ctx, key, cur.meta, extra); err != nil {
			return err
		}
	}
	if cur.data != nil && sameJSON(cur.data, next) {
		return nil
	}
	return c.writeData(ctx, key, cur.meta, next)
}

// DeleteSecret deletes the secret at ref.RemoteKey (all KV v2 versions and metadata), or
// only field ref.Property of it, deleting the secret when no other field is left. Missing
// secrets and fields succeed. Secrets without the managed-by mark are left alone, also with
// success: they are not ours to delete.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	key := ref.RemoteKey
	cur, err := c.current(ctx, key)
	if err != nil || !cur.exists() || !cur.managed() {
		return err
	}
	if ref.Property != "" {
		if _, ok := cur.data[ref.Property]; !ok {
			return nil
		}
		next := maps.Clone(cur.data)
		delete(next, ref.Property)
		if !onlyMark(next) {
			return c.writeData(ctx, key, cur.meta, next)
		}
	}
	path := c.kv.metadataPath(key)
	if c.kv.v1 {
		path = c.kv.dataPath(key)
	}
	if err := c.delete(ctx, path); err != nil {
		return fmt.Errorf("deleting secret %q: %w", key, err)
	}
	return nil
}

// SecretExists tells whether the secret (its current version) exists, and holds ref.Property
// when set.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	data, err := c.readData(ctx, ref.RemoteKey, "")
	if errors.Is(err, providers.ErrSecretNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if ref.Property == "" {
		return true, nil
	}
	_, ok := data[ref.Property]
	return ok, nil
}

// current reads what a push or delete works on.
func (c *Client) current(ctx context.Context, key string) (remote, error) {
	var r remote
	if !c.kv.v1 {
		meta, err := c.readMetadata(ctx, key)
		if errors.Is(err, providers.ErrSecretNotFound) {
			return r, nil
		}
		if err != nil {
			return r, err
		}
		r.meta = meta
	}
	data, err := c.readData(ctx, key, "")
	if err != nil && !errors.Is(err, providers.ErrSecretNotFound) {
		return r, err
	}
	r.data = data
	return r, nil
}

// nextData is the data to write: value as field prop of the current data, or value as the
// whole secret. KV v1 data carries the managed-by mark.
func (c *Client) nextData(cur map[string]any, prop string, value []byte) (map[string]any, error) {
	var next map[string]any
	if prop != "" {
		next = maps.Clone(cur)
		if next == nil {
			next = map[string]any{}
		}
		next[prop] = string(value)
	} else if err := decodeJSON(value, &next); err != nil || next == nil {
		return nil, errors.New("without remoteRef.property the value must be a JSON object (push the whole Secret or a key holding JSON), or set a property to store it as one field")
	}
	if c.kv.v1 {
		next[customMetadata] = map[string]any{managedByKey: managedByValue}
	}
	return next, nil
}

// markManaged writes the KV v2 custom_metadata: the existing entries, extra, and the
// managed-by mark. It writes only when something changes. It runs before the data is
// written, so a failure never leaves an unmarked secret behind that later pushes refuse.
func (c *Client) markManaged(ctx context.Context, key string, meta map[string]any, extra map[string]string) error {
	cm := customMetadataOf(meta)
	want := maps.Clone(cm)
	maps.Copy(want, extra)
	want[managedByKey] = managedByValue
	if meta != nil && maps.Equal(cm, want) {
		return nil
	}
	if err := c.write(ctx, c.kv.metadataPath(key), map[string]any{customMetadata: want}); err != nil {
		return fmt.Errorf("writing the metadata of secret %q: %w", key, err)
	}
	return nil
}

// writeData writes a new version (KV v2, with check-and-set when required) or the data (KV v1).
func (c *Client) writeData(ctx context.Context, key string, meta map[string]any, data map[string]any) error {
	body := data
	if !c.kv.v1 {
		body = map[string]any{"data": data}
		if c.cas {
			body["options"] = map[string]any{"cas": currentVersion(meta)}
		}
	}
	if err := c.write(ctx, c.kv.dataPath(key), body); err != nil {
		return fmt.Errorf("writing secret %q: %w", key, err)
	}
	return nil
}

// currentVersion is the KV v2 version a check-and-set write must name: 0 for a new secret.
func currentVersion(meta map[string]any) int64 {
	n, ok := meta[metadataVersion].(json.Number)
	if !ok {
		return 0
	}
	v, err := n.Int64()
	if err != nil {
		return 0
	}
	return v
}

// pushValue is the value to push: one key of the Secret, or all of them as a JSON object.
func pushValue(secret *corev1.Secret, secretKey string) ([]byte, error) {
	if secretKey == "" {
		all := make(map[string]string, len(secret.Data))
		for k, v := range secret.Data {
			all[k] = string(v)
		}
		return json.Marshal(all)
	}
	v, ok := secret.Data[secretKey]
	if !ok {
		return nil, fmt.Errorf("key %q not found in Secret %s/%s", secretKey, secret.Namespace, secret.Name)
	}
	return v, nil
}

// pushCustomMetadata reads spec.customMetadata of a PushSecretMetadata document.
func pushCustomMetadata(raw *apiextensionsv1.JSON) (map[string]string, error) {
	if raw == nil || len(bytes.TrimSpace(raw.Raw)) == 0 {
		return map[string]string{}, nil
	}
	var doc struct {
		Kind string `json:"kind"`
		Spec struct {
			CustomMetadata map[string]string `json:"customMetadata"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw.Raw, &doc); err != nil {
		return nil, errors.New("metadata must be a PushSecretMetadata object with spec.customMetadata (a map of strings)")
	}
	if doc.Kind != "" && doc.Kind != "PushSecretMetadata" {
		return nil, fmt.Errorf("metadata kind %q is not PushSecretMetadata", doc.Kind)
	}
	return doc.Spec.CustomMetadata, nil
}

// onlyMark tells whether data has no field left besides the KV v1 managed-by mark.
func onlyMark(data map[string]any) bool {
	for k := range data {
		if k != customMetadata {
			return false
		}
	}
	return true
}

func sameJSON(a, b map[string]any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
