package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// managedByKey and managedByValue mark the secrets PushSecret wrote: KV v2 keeps them in the
// custom_metadata of the secret, KV v1 (which has no metadata) as a custom_metadata field of
// the data. Secrets without the mark are never overwritten or deleted.
const (
	managedByKey     = "managed-by"
	managedByValue   = "external-secrets"
	customMetadata   = "custom_metadata"
	metadataVersion  = "current_version"
	versionParameter = "version"
)

// GetSecret returns the secret at ref.Key (ref.Version of it for KV v2). Without a property
// it is the whole data map as a JSON object; with one it is that top-level field (strings
// raw, other values as JSON) or else the gjson path into the data. With metadataPolicy Fetch
// it is the KV v2 custom metadata instead (see metadata). A missing secret, a deleted or
// destroyed version and a missing property wrap providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return c.metadata(ctx, ref)
	}
	data, err := c.readData(ctx, ref.Key, ref.Version)
	if err != nil {
		return nil, err
	}
	return property(data, ref.Key, ref.Property)
}

// GetSecretMap returns one entry per top-level field of the secret (or of the JSON object
// ref.Property selects): strings raw, numbers as written, booleans true/false, null empty,
// objects and arrays as JSON. Use a property to reach into nested objects.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	raw, err := c.GetSecret(ctx, ref)
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := decodeJSON(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("secret %q: %w", ref.Key, secretdata.ErrNotJSONObject)
	}
	return FieldValues(fields)
}

// readData reads the data map of key (at version, for KV v2).
func (c *Client) readData(ctx context.Context, key, version string) (map[string]any, error) {
	return c.readDataAt(ctx, key, c.kv.dataPath(key), version)
}

// readDataAt reads the data map at an API path; key names the secret in errors.
func (c *Client) readDataAt(ctx context.Context, key, path, version string) (map[string]any, error) {
	var params map[string][]string
	if version != "" {
		if c.kv.v1 {
			return nil, fmt.Errorf("secret %q: versions need a KV v2 engine: %w", key, providers.ErrNotSupported)
		}
		params = map[string][]string{versionParameter: {version}}
	}
	s, err := c.read(ctx, path, params)
	if err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", key, err)
	}
	if s == nil {
		return nil, fmt.Errorf("secret %q: %w", key, providers.ErrSecretNotFound)
	}
	if c.kv.v1 {
		return s.Data, nil
	}
	field, ok := s.Data["data"]
	if !ok {
		return nil, fmt.Errorf("secret %q: failed to find data field in the response of %s (is the engine KV v1?)", key, path)
	}
	if field == nil {
		return nil, fmt.Errorf("secret %q: the version is deleted or destroyed: %w", key, providers.ErrSecretNotFound)
	}
	data, ok := field.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("secret %q: the data field of %s is not an object", key, path)
	}
	return data, nil
}

// property selects ref.Property from data: the exact top-level key first (so keys with
// dots or gjson syntax work), then the shared gjson convention of package secretdata.
func property(data map[string]any, key, prop string) ([]byte, error) {
	if prop == "" {
		return json.Marshal(data)
	}
	if v, ok := data[prop]; ok {
		return valueBytes(v)
	}
	whole, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	v, err := secretdata.GetProperty(whole, prop)
	if err != nil {
		return nil, fmt.Errorf("cannot find secret data for key %q in secret %q: %w", prop, key, providers.ErrSecretNotFound)
	}
	return v, nil
}

// valueBytes is how one field is stored in a Kubernetes Secret: strings raw, null empty,
// anything else as JSON.
func valueBytes(v any) ([]byte, error) {
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case nil:
		return []byte{}, nil
	case json.Number:
		return []byte(t.String()), nil
	case bool:
		return []byte(strconv.FormatBool(t)), nil
	default:
		return json.Marshal(t)
	}
}

// FieldValues turns the fields of a Vault response into Secret values: strings as they are,
// numbers as written, booleans as true/false, null as empty, objects and arrays as JSON. The
// provider and the VaultDynamicSecret generator share it so that a field reads the same
// whichever produced it.
func FieldValues(fields map[string]any) (map[string][]byte, error) {
	out := make(map[string][]byte, len(fields))
	for k, v := range fields {
		b, err := valueBytes(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// metadata returns the custom_metadata of a KV v2 secret, plus its created_time,
// current_version and delete_version_after where custom metadata does not use those names:
// a JSON object without a property, one entry with it.
func (c *Client) metadata(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if c.kv.v1 {
		return nil, fmt.Errorf("secret %q: metadataPolicy Fetch needs a KV v2 engine: %w", ref.Key, providers.ErrNotSupported)
	}
	meta, err := c.readMetadata(ctx, ref.Key)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, k := range []string{"created_time", metadataVersion, "delete_version_after"} {
		if v, ok := meta[k]; ok && v != nil {
			b, _ := valueBytes(v)
			out[k] = string(b)
		}
	}
	for k, v := range customMetadataOf(meta) {
		out[k] = v
	}
	if ref.Property == "" {
		return json.Marshal(out)
	}
	v, ok := out[ref.Property]
	if !ok {
		return nil, fmt.Errorf("cannot find metadata %q of secret %q: %w", ref.Property, ref.Key, providers.ErrSecretNotFound)
	}
	return valueBytes(v)
}

// readMetadata reads the KV v2 metadata of key; a missing key wraps ErrSecretNotFound.
func (c *Client) readMetadata(ctx context.Context, key string) (map[string]any, error) {
	return c.readMetadataAt(ctx, key, c.kv.metadataPath(key))
}

func (c *Client) readMetadataAt(ctx context.Context, key, path string) (map[string]any, error) {
	s, err := c.read(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the metadata of secret %q: %w", key, err)
	}
	if s == nil || s.Data == nil {
		return nil, fmt.Errorf("secret %q: %w", key, providers.ErrSecretNotFound)
	}
	return s.Data, nil
}

// customMetadataOf returns the string entries of a metadata response's custom_metadata.
func customMetadataOf(meta map[string]any) map[string]string {
	out := map[string]string{}
	cm, _ := meta[customMetadata].(map[string]any)
	for k, v := range cm {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// decodeJSON decodes keeping numbers as written.
func decodeJSON(raw []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return errors.New("invalid JSON")
	}
	return nil
}
