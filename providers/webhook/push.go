package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// PushSecret sends one value to the endpoint with the spec's method (POST by default). The
// templates see .remoteRef.<remoteKey> (the value), .remoteRef.remoteKey, .remoteRef.key
// (the remote key too), .remoteRef.secretKey, .remoteRef.property and .remoteRef.namespace,
// besides secrets[]. Without a body template the body is the value itself. Any status
// outside 2xx is an error.
func (c *Client) PushSecret(ctx context.Context, secret *corev1.Secret, data providers.PushData) error {
	if err := c.usable(); err != nil {
		return err
	}
	if data.RemoteKey == "" {
		return errors.New("pushing to a webhook needs a remoteKey")
	}
	value, err := pushValue(secret, data.SecretKey)
	if err != nil {
		return err
	}
	rawRef, escRef := c.ep.writeRef(data, false), c.ep.writeRef(data, true)
	rawRef[data.RemoteKey], escRef[data.RemoteKey] = string(value), url.QueryEscape(string(value))
	raw := c.ep.templateData(rawRef)
	target, err := c.ep.render("url", c.ep.spec.URL, c.ep.templateData(escRef))
	if err != nil {
		return err
	}
	body := value
	if c.ep.spec.Body != "" {
		rendered, err := c.ep.render("body", c.ep.spec.Body, raw)
		if err != nil {
			return err
		}
		body = []byte(rendered)
	}
	method := c.ep.spec.Method
	if method == "" {
		method = http.MethodPost
	}
	resp, err := c.ep.do(ctx, call{method: method, url: target, body: body, data: raw, extra: []string{string(value)}})
	if err != nil {
		return fmt.Errorf("pushing %q: %w", data.RemoteKey, err)
	}
	if !resp.ok() {
		return fmt.Errorf("pushing %q: %w", data.RemoteKey, writeStatus(resp))
	}
	return nil
}

// DeleteSecret sends DELETE to the url rendered for the remote key (no body). A 404 counts
// as deleted.
func (c *Client) DeleteSecret(ctx context.Context, ref providers.RemoteRef) error {
	if err := c.usable(); err != nil {
		return err
	}
	data := providers.PushData{RemoteRef: ref}
	target, err := c.ep.render("url", c.ep.spec.URL, c.ep.templateData(c.ep.writeRef(data, true)))
	if err != nil {
		return err
	}
	raw := c.ep.templateData(c.ep.writeRef(data, false))
	resp, err := c.ep.do(ctx, call{method: http.MethodDelete, url: target, data: raw})
	if err != nil {
		return fmt.Errorf("deleting %q: %w", ref.RemoteKey, err)
	}
	if resp.ok() || resp.status == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("deleting %q: %w", ref.RemoteKey, writeStatus(resp))
}

// SecretExists reads the remote key as GetSecret would (remoteRef.key = remoteKey,
// remoteRef.property = property): 2xx means it exists, 404 that it does not.
func (c *Client) SecretExists(ctx context.Context, ref providers.RemoteRef) (bool, error) {
	if err := c.usable(); err != nil {
		return false, err
	}
	_, _, err := c.ep.read(ctx, esv1.ExternalSecretDataRemoteRef{Key: ref.RemoteKey, Property: ref.Property})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, providers.ErrSecretNotFound):
		return false, nil
	default:
		return false, err
	}
}

// writeRef is .remoteRef for a write. It carries upstream's fields (remoteKey, secretKey;
// PushSecret adds the value under the remote key's own name) and the read fields (key,
// property, version, namespace), so one url template can serve reads and writes.
func (e *endpoint) writeRef(data providers.PushData, escape bool) map[string]string {
	esc := func(s string) string { return s }
	if escape {
		esc = url.QueryEscape
	}
	ref := map[string]string{
		"key":       esc(data.RemoteKey),
		"remoteKey": esc(data.RemoteKey),
		"secretKey": esc(data.SecretKey),
		"property":  esc(data.Property),
		"version":   "",
		"namespace": e.namespace,
	}
	return ref
}

// writeStatus is the error of a write that the endpoint refused; the body is not quoted.
func writeStatus(r *response) error {
	if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
		return fmt.Errorf("endpoint gave error %s: %w", r.statusText(), providers.ErrUnauthorized)
	}
	return fmt.Errorf("endpoint gave error %s", r.statusText())
}

// pushValue is the value to push: one key of the Secret, or all of them as a JSON object of
// strings.
func pushValue(secret *corev1.Secret, key string) ([]byte, error) {
	if key == "" {
		all := make(map[string]string, len(secret.Data))
		for k, v := range secret.Data {
			all[k] = string(v)
		}
		return marshalJSON(all)
	}
	v, ok := secret.Data[key]
	if !ok {
		return nil, fmt.Errorf("key %q not found in Secret %s/%s", key, secret.Namespace, secret.Name)
	}
	return v, nil
}
