package doppler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	"github.com/seedb5e69c69/external-secrets/pkg/secretdata"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// PushSecret writes data.SecretKey of secret (the whole Secret as a JSON object of strings
// when empty) to the Doppler secret data.RemoteKey, or into data.Property of its JSON value.
// Doppler secrets carry no tags, so this controller cannot tell the secrets it manages
// from the others: a PushSecret overwrites whatever secret it names, as upstream does.
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("the remote key (a Doppler secret name) is empty")
	}
	if data.Metadata != nil && len(data.Metadata.Raw) > 0 && string(data.Metadata.Raw) != "null" {
		return fmt.Errorf("secret %q: PushSecret metadata is %w: Doppler secrets have none", data.RemoteKey, errNotSupportedByController)
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	if data.Property != "" {
		current, _, err := c.current(ctx, data.RemoteKey)
		if err != nil {
			return err
		}
		if value, err = secretdata.SetProperty([]byte(current), data.Property, value); err != nil {
			return fmt.Errorf("secret %q: %w", data.RemoteKey, err)
		}
	}
	if !utf8.Valid(value) {
		return fmt.Errorf("secret %q: the value is not valid UTF-8, and Doppler stores text", data.RemoteKey)
	}
	err = c.api.update(ctx, updateRequest{Project: c.spec.Project, Config: c.spec.Config, Secrets: map[string]string{data.RemoteKey: string(value)}})
	c.observe(callUpdate, err)
	c.forget(data.RemoteKey)
	if err != nil {
		return fmt.Errorf("writing secret %q: %w", data.RemoteKey, err)
	}
	return nil
}

// pushValue is the value of key in the source Secret, or, with no key, the whole Secret as
// a JSON object of strings.
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

// DeleteSecret deletes the Doppler secret ref.RemoteKey, or only ref.Property of its JSON
// value (the whole secret when nothing else is left). Deleting what does not exist succeeds.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	current, found, err := c.current(ctx, ref.RemoteKey)
	if err != nil || !found {
		return err
	}
	if ref.Property != "" {
		doc, had, empty, err := secretdata.DeleteProperty([]byte(current), ref.Property)
		if err != nil {
			return fmt.Errorf("secret %q: %w", ref.RemoteKey, err)
		}
		if !had {
			return nil
		}
		if !empty {
			err = c.api.update(ctx, updateRequest{Project: c.spec.Project, Config: c.spec.Config, Secrets: map[string]string{ref.RemoteKey: string(doc)}})
			c.observe(callUpdate, err)
			c.forget(ref.RemoteKey)
			if err != nil {
				return fmt.Errorf("removing property %q of secret %q: %w", ref.Property, ref.RemoteKey, err)
			}
			return nil
		}
	}
	err = c.api.update(ctx, updateRequest{Project: c.spec.Project, Config: c.spec.Config, ChangeRequests: []change{
		{Name: ref.RemoteKey, OriginalName: ref.RemoteKey, ShouldDelete: true},
	}})
	c.observe(callUpdate, err)
	c.forget(ref.RemoteKey)
	if err != nil {
		return fmt.Errorf("deleting secret %q: %w", ref.RemoteKey, err)
	}
	return nil
}

// SecretExists tells whether the Doppler secret ref.RemoteKey exists, and with ref.Property
// whether its JSON value has that field.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	current, found, err := c.current(ctx, ref.RemoteKey)
	if err != nil || !found || ref.Property == "" {
		return found, err
	}
	if _, err := secretdata.GetProperty([]byte(current), ref.Property); err != nil {
		if errors.Is(err, providers.ErrSecretNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// current reads one secret with the single-secret endpoint (never cached: writes need the
// value as it is now). A 404 means the secret does not exist.
func (c *Client) current(ctx context.Context, name string) (string, bool, error) {
	if name == "" {
		return "", false, errors.New("the remote key (a Doppler secret name) is empty")
	}
	v, err := c.api.secret(ctx, c.spec.Project, c.spec.Config, name)
	c.observe(callGet, err)
	switch {
	case isStatus(err, http.StatusNotFound), errors.Is(err, providers.ErrSecretNotFound):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("reading secret %q: %w", name, err)
	}
	return v, true, nil
}

// forget drops what the client remembers of a secret it wrote.
func (c *Client) forget(name string) {
	c.mu.Lock()
	delete(c.values, name)
	c.mu.Unlock()
}
