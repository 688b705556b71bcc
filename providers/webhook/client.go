package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Client calls one store's endpoint with the Secrets it references, for one reconcile.
type Client struct {
	ep *endpoint
	// referent is set when the references could not be resolved for lack of a namespace.
	referent error
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("the store's references cannot be read: %w", c.referent)
	}
	return nil
}

// GetSecret calls the endpoint for ref and returns the response body, or with
// result.jsonPath the value it selects (see valueAt). remoteRef.property is only template
// data here: the store's jsonPath decides what is extracted. A 404 wraps
// providers.ErrSecretNotFound.
func (c *Client) GetSecret(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) ([]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return nil, fmt.Errorf("metadataPolicy Fetch: %w: a webhook response has no metadata", providers.ErrNotSupported)
	}
	body, path, err := c.ep.read(ctx, ref)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return body, nil
	}
	v, err := valueAt(body, path)
	if err != nil {
		return nil, c.ep.sanitize(err)
	}
	return v, nil
}

// GetSecretMap calls the endpoint for ref and returns the fields of the JSON object it
// answers (after result.jsonPath) as key/value pairs.
func (c *Client) GetSecretMap(ctx context.Context, ref esv1.ExternalSecretDataRemoteRef) (map[string][]byte, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ref.MetadataPolicy == esv1.ExternalSecretMetadataPolicyFetch {
		return nil, fmt.Errorf("metadataPolicy Fetch: %w: a webhook response has no metadata", providers.ErrNotSupported)
	}
	return c.ep.readMap(ctx, ref)
}

// GetAllSecrets is not supported: an HTTP endpoint has no standard way to list secrets.
func (c *Client) GetAllSecrets(context.Context, esv1.ExternalSecretFind) (map[string][]byte, error) {
	return nil, fmt.Errorf("find: %w: the webhook provider cannot list secrets", providers.ErrNotSupported)
}

// Validate checks that the endpoint's host accepts TCP connections (within
// ValidateTimeout), as upstream does: the URL is rendered with an empty reference. Unknown
// when the URL cannot be rendered that way or the references are per namespace.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	target, err := c.ep.render("url", c.ep.spec.URL, c.ep.templateData(c.ep.readRef(esv1.ExternalSecretDataRemoteRef{}, true)))
	if err != nil {
		return esv1.ValidationResultUnknown, fmt.Errorf("rendering the url without a reference: %w", err)
	}
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		return esv1.ValidationResultError, errors.New("the url rendered without a reference has no host")
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	dialer := net.Dialer{Timeout: ValidateTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return esv1.ValidationResultError, c.ep.sanitize(fmt.Errorf("the endpoint %s is not reachable: %w", addr, err))
	}
	_ = conn.Close()
	return esv1.ValidationResultReady, nil
}

// Close drops the client's idle connections.
func (c *Client) Close(context.Context) error {
	if c.ep != nil {
		c.ep.close()
	}
	return nil
}
