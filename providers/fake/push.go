package fake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// PushSecret stores data.SecretKey of secret (all its keys as a JSON object when empty) under
// data.RemoteKey, or under the top-level field data.Property of the JSON object kept there.
// Keys defined in the store spec are never overwritten: the spec is the source of truth for
// them, so a push to one fails with "key already exists".
func (c *Client) PushSecret(_ context.Context, secret *corev1.Secret, data providers.PushData) error {
	if data.RemoteKey == "" {
		return errors.New("a remote key is required")
	}
	if c.definesKey(data.RemoteKey) {
		return fmt.Errorf("key already exists: %q is defined in the store spec and cannot be overwritten", data.RemoteKey)
	}
	value, err := sourceValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	return c.provider.update(c.storeID, func(values map[string][]byte) error {
		if data.Property == "" {
			values[data.RemoteKey] = value
			return nil
		}
		doc, err := objectFields(values[data.RemoteKey])
		if err != nil {
			return fmt.Errorf("key %q: %w", data.RemoteKey, err)
		}
		doc[data.Property], _ = json.Marshal(string(value))
		values[data.RemoteKey], err = json.Marshal(doc)
		return err
	})
}

// DeleteSecret removes a pushed key, or only its top-level field ref.Property (the key goes
// when its last field does). Deleting what is not there succeeds, and so does deleting a key
// defined in the store spec: nothing was ever pushed to it.
func (c *Client) DeleteSecret(_ context.Context, ref providers.RemoteRef) error {
	return c.provider.update(c.storeID, func(values map[string][]byte) error {
		current, ok := values[ref.RemoteKey]
		if !ok {
			return nil
		}
		if ref.Property == "" {
			delete(values, ref.RemoteKey)
			return nil
		}
		doc, isObject := asObject(current)
		if !isObject {
			return nil // a value that is not an object has no property to delete
		}
		delete(doc, ref.Property)
		if len(doc) == 0 {
			delete(values, ref.RemoteKey)
			return nil
		}
		var err error
		values[ref.RemoteKey], err = json.Marshal(doc)
		return err
	})
}

// SecretExists tells whether ref.RemoteKey is defined in the store spec (at any version) or
// was pushed, and, with ref.Property, whether the unversioned value has that property.
func (c *Client) SecretExists(_ context.Context, ref providers.RemoteRef) (bool, error) {
	if ref.Property == "" {
		if c.definesKey(ref.RemoteKey) {
			return true, nil
		}
		_, ok := c.provider.pushedValue(c.storeID, ref.RemoteKey)
		return ok, nil
	}
	value, ok := c.lookup(ref.RemoteKey, "")
	if !ok {
		return false, nil
	}
	_, err := secretdata.GetProperty(value, ref.Property)
	if errors.Is(err, providers.ErrSecretNotFound) {
		return false, nil
	}
	return err == nil, err
}

// sourceValue picks what to push from the source Secret: one key, or all keys as a JSON
// object of strings.
func sourceValue(secret *corev1.Secret, key string) ([]byte, error) {
	if secret == nil {
		return nil, errors.New("no source Secret to push")
	}
	if key != "" {
		v, ok := secret.Data[key]
		if !ok {
			return nil, fmt.Errorf("key %q not found in Secret %s/%s", key, secret.Namespace, secret.Name)
		}
		return v, nil
	}
	all := make(map[string]string, len(secret.Data))
	for k, v := range secret.Data {
		all[k] = string(v)
	}
	return json.Marshal(all)
}

// asObject parses a stored value as a JSON object, telling whether it is one.
func asObject(value []byte) (map[string]json.RawMessage, bool) {
	doc, err := objectFields(value)
	return doc, err == nil
}

// objectFields parses a JSON object into its raw fields; no value means an empty object.
func objectFields(value []byte) (map[string]json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	if len(value) == 0 {
		return doc, nil
	}
	if err := json.Unmarshal(value, &doc); err != nil || doc == nil {
		return nil, secretdata.ErrNotJSONObject
	}
	return doc, nil
}
