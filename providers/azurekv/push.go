package azurekv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// PushSecret metadata is written, as upstream defines it, as
//
//	apiVersion: kubernetes.external-secrets.io/v1alpha1
//	kind: PushSecretMetadata
//	spec: {tags: {...}, expirationDate: RFC 3339, contentType: ...}
const (
	metadataAPIVersion = "kubernetes.external-secrets.io/v1alpha1"
	metadataKind       = "PushSecretMetadata"
)

// pushSpec is the spec of a PushSecret's metadata for Key Vault.
type pushSpec struct {
	// Tags are set on the new version, with managed-by=external-secrets.
	Tags map[string]string `json:"tags,omitempty"`
	// ExpirationDate (RFC 3339) is the new version's expiry.
	ExpirationDate string `json:"expirationDate,omitempty"`
	// ContentType is the new version's content type; unset keeps the current one.
	ContentType string `json:"contentType,omitempty"`
}

// PushSecret writes the value to the secret RemoteKey names (secret/<name> or <name>), into
// its JSON Property when set, as a new version tagged managed-by=external-secrets plus the
// metadata's tags. An existing secret is changed only if its latest version carries that tag
// (else ErrUnmanaged), and only when the value, tags, content type or expiry differ. Keys
// and certificates cannot be pushed.
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	o, err := c.writable(data.RemoteKey)
	if err != nil {
		return err
	}
	spec, expires, err := decodeMetadata(data.Metadata)
	if err != nil {
		return err
	}
	tags, err := desiredTags(spec.Tags)
	if err != nil {
		return err
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	existing, err := c.current(ctx, o)
	if err != nil {
		return err
	}
	value, err = newValue(existing, o, value, data.Property)
	if err != nil {
		return err
	}
	contentType := spec.ContentType
	if contentType == "" && existing != nil {
		contentType = existing.contentType
	}
	if unchanged(existing, value, tags, contentType, expires) {
		return nil
	}
	return c.setSecret(ctx, o, value, tags, contentType, expires)
}

// newValue is the document to write: value itself, or, with property, the existing JSON
// document (an empty one for a new secret) with value set at property. It must be text.
func newValue(existing *remoteObject, o objectRef, value []byte, property string) ([]byte, error) {
	if property != "" {
		var doc []byte
		if existing != nil {
			doc = existing.value
		}
		var err error
		if value, err = secretdata.SetProperty(doc, property, value); err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
	}
	if !utf8.Valid(value) {
		return nil, fmt.Errorf("%s: Key Vault secrets hold text and the value is not UTF-8; encode it (e.g. base64) before pushing", o)
	}
	return value, nil
}

// unchanged tells whether the latest version already holds what a push would write, so that
// no version is added.
func unchanged(existing *remoteObject, value []byte, tags map[string]string, contentType string, expires *time.Time) bool {
	return existing != nil && bytes.Equal(existing.value, value) && maps.Equal(existing.tags, tags) &&
		existing.contentType == contentType && (expires == nil || existing.expires != nil && existing.expires.Equal(*expires))
}

// writable parses a remote key that PushSecret or DeleteSecret may write: a secret with a
// valid Key Vault name.
func (c *Client) writable(remoteKey string) (objectRef, error) {
	o, err := parseKey(remoteKey)
	if err != nil {
		return objectRef{}, err
	}
	if o.kind != kindSecret {
		return objectRef{}, fmt.Errorf("%s: this controller pushes Key Vault secrets only, not keys or certificates: %w", o, providers.ErrNotSupported)
	}
	if !validName(o.name) {
		return objectRef{}, fmt.Errorf("%s: a Key Vault secret name has 1 to 127 letters, digits and dashes", o)
	}
	return o, nil
}

// current reads the latest version of a secret for a write: nil when it does not exist,
// ErrUnmanaged when it is not ours.
func (c *Client) current(ctx context.Context, o objectRef) (*remoteObject, error) {
	existing, err := c.fetch(ctx, o, "")
	if errors.Is(err, providers.ErrSecretNotFound) {
		return nil, nil //nolint:nilnil // a secret that does not exist yet is not an error for a write
	}
	if err != nil {
		return nil, err
	}
	if existing.tags[TagManagedBy] != TagManagedByValue {
		return nil, fmt.Errorf("%s: %w", o, ErrUnmanaged)
	}
	return existing, nil
}

// setSecret writes a new version. A name held by a soft-deleted secret is explained: it
// must be recovered or purged first.
func (c *Client) setSecret(ctx context.Context, o objectRef, value []byte, tags map[string]string, contentType string, expires *time.Time) error {
	params := azsecrets.SetSecretParameters{Value: ptr(string(value)), Tags: make(map[string]*string, len(tags))}
	for k, v := range tags {
		params.Tags[k] = ptr(v)
	}
	if contentType != "" {
		params.ContentType = ptr(contentType)
	}
	if expires != nil {
		params.SecretAttributes = &azsecrets.SecretAttributes{Expires: expires}
	}
	_, err := c.secrets.SetSecret(ctx, o.name, params, nil)
	c.observer(CallSetSecret, err)
	c.forget()
	if err != nil {
		if deletedButRecoverable(err) {
			return fmt.Errorf("writing %s: a soft-deleted secret holds the name; recover or purge it first: %w", o, classify(err, "SetSecret"))
		}
		return classify(err, fmt.Sprintf("writing %s", o))
	}
	return nil
}

func deletedButRecoverable(err error) bool {
	var respErr *azcore.ResponseError
	if !errors.As(err, &respErr) {
		return false
	}
	body := responseBody(respErr)
	return body.Error.InnerError != nil && body.Error.InnerError.Code == "ObjectIsDeletedButRecoverable"
}

// DeleteSecret deletes the secret RemoteKey names (Key Vault keeps it soft-deleted for the
// vault's retention period), or only its JSON Property, writing a new version without it;
// the whole secret is deleted when nothing else is left. A missing secret or property is
// success; a secret without the managed-by tag is refused with ErrUnmanaged.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	o, err := c.writable(ref.RemoteKey)
	if err != nil {
		return err
	}
	existing, err := c.current(ctx, o)
	if err != nil || existing == nil {
		return err
	}
	if ref.Property != "" {
		doc, found, empty, err := secretdata.DeleteProperty(existing.value, ref.Property)
		if err != nil {
			return fmt.Errorf("%s: %w", o, err)
		}
		if !found {
			return nil
		}
		if !empty {
			return c.setSecret(ctx, o, doc, existing.tags, existing.contentType, nil)
		}
	}
	_, err = c.secrets.DeleteSecret(ctx, o.name, nil)
	c.observer(CallDeleteSecret, err)
	c.forget()
	if err != nil {
		err = classify(err, fmt.Sprintf("deleting %s", o))
		if errors.Is(err, providers.ErrSecretNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// SecretExists tells whether the object RemoteKey names exists (any object type), and, with
// Property, whether its JSON value has that field.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	o, err := parseKey(ref.RemoteKey)
	if err != nil {
		return false, err
	}
	obj, err := c.fetch(ctx, o, "")
	if errors.Is(err, providers.ErrSecretNotFound) {
		return false, nil
	}
	if err != nil || ref.Property == "" {
		return err == nil, err
	}
	if _, err := secretdata.GetProperty(obj.value, ref.Property); err != nil {
		return false, nil
	}
	return true, nil
}

// decodeMetadata reads a PushSecret's metadata. Unknown fields are refused, so a misspelt
// option is an error rather than silently ignored.
func decodeMetadata(raw *apiextensionsv1.JSON) (pushSpec, *time.Time, error) {
	var spec pushSpec
	if raw == nil || len(raw.Raw) == 0 {
		return spec, nil, nil
	}
	var envelope struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Spec       json.RawMessage `json:"spec"`
	}
	if err := strictDecode(raw.Raw, &envelope); err != nil {
		return spec, nil, fmt.Errorf("PushSecret metadata: %w", err)
	}
	if envelope.Kind != "" && envelope.Kind != metadataKind {
		return spec, nil, fmt.Errorf("PushSecret metadata: kind %q is not %s", envelope.Kind, metadataKind)
	}
	if envelope.APIVersion != "" && envelope.APIVersion != metadataAPIVersion {
		return spec, nil, fmt.Errorf("PushSecret metadata: apiVersion %q is not %s", envelope.APIVersion, metadataAPIVersion)
	}
	if len(envelope.Spec) > 0 {
		if err := strictDecode(envelope.Spec, &spec); err != nil {
			return spec, nil, fmt.Errorf("PushSecret metadata spec: %w", err)
		}
	}
	if spec.ExpirationDate == "" {
		return spec, nil, nil
	}
	t, err := time.Parse(time.RFC3339, spec.ExpirationDate)
	if err != nil {
		return spec, nil, fmt.Errorf("PushSecret metadata spec.expirationDate must be RFC 3339 (e.g. 2030-01-31T00:00:00Z): %w", err)
	}
	return spec, &t, nil
}

func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// desiredTags returns the metadata's tags plus managed-by=external-secrets. A tag
// managed-by with another value is refused, since the secret could then never be updated.
func desiredTags(tags map[string]string) (map[string]string, error) {
	if v, ok := tags[TagManagedBy]; ok && v != TagManagedByValue {
		return nil, fmt.Errorf("PushSecret metadata: tag %s is reserved (it must stay %q)", TagManagedBy, TagManagedByValue)
	}
	out := make(map[string]string, len(tags)+1)
	maps.Copy(out, tags)
	out[TagManagedBy] = TagManagedByValue
	return out, nil
}

// pushValue is what a PushSecret writes: the value of key in the source Secret, or, with no
// key, the whole Secret as a JSON object of strings.
func pushValue(secret *corev1.Secret, key string) ([]byte, error) {
	if key != "" {
		v, ok := secret.Data[key]
		if !ok {
			return nil, fmt.Errorf("key %q not found in Secret %s/%s", key, secret.Namespace, secret.Name)
		}
		return v, nil
	}
	m := make(map[string]string, len(secret.Data))
	for k, v := range secret.Data {
		m[k] = string(v)
	}
	return secretdata.MarshalJSON(m)
}

func ptr[T any](v T) *T { return &v }
