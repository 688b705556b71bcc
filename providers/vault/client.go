package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// MetricsProvider is the provider label of this provider's API call metrics.
const MetricsProvider = "HashiCorp/Vault"

// Call labels of the API call metric, one per kind of Vault request.
const (
	callReadSecretData  = "ReadSecretData"
	callListSecrets     = "ListSecrets"
	callWriteSecretData = "WriteSecretData"
	callDeleteSecret    = "DeleteSecret"
	callLogin           = "Login"
	callLookupSelf      = "LookupSelf"
	callRevokeSelf      = "RevokeSelf"
)

// Client reads and writes one store's KV engine with one Vault token, for one reconcile.
type Client struct {
	api       *vaultapi.Client
	transport *http.Transport
	kv        kv
	cas       bool
	observer  providers.CallObserver
	// authNS is the namespace the token belongs to; token calls go there.
	authNS string
	// revoke is set when Close must revoke the token: it came from a login and is not
	// cached for later clients.
	revoke bool
	// expiry is when the login token expires, zero when unknown or never.
	expiry time.Time
	// accessor is the accessor of the login token, empty for a tokenSecretRef token.
	accessor string
	// referent is set when the credentials could not be resolved for lack of a namespace.
	referent error
}

var (
	_ providers.Client = (*Client)(nil)
	_ providers.Writer = (*Client)(nil)
)

// usable fails for a client built without credentials (a referent ClusterSecretStore seen
// by the store controller).
func (c *Client) usable() error {
	if c.referent != nil {
		return fmt.Errorf("no credentials: %w", c.referent)
	}
	return nil
}

// Validate checks the token cheaply. A ClusterSecretStore whose credentials are per
// namespace is Unknown; a token that came from a login moments ago with a known lifetime is
// Ready without another call; any other token is looked up (auth/token/lookup-self), and a
// failed lookup is an Error (wrapping providers.ErrUnauthorized when Vault refused it).
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	if !c.expiry.IsZero() && time.Now().Before(c.expiry) {
		return esv1.ValidationResultReady, nil
	}
	if _, err := c.lookupSelf(ctx); err != nil {
		return esv1.ValidationResultError, fmt.Errorf("checking the Vault token: %w", err)
	}
	return esv1.ValidationResultReady, nil
}

// Close revokes the token the client logged in for, unless it came from tokenSecretRef (the
// user owns it) or the token cache keeps it for the next client, and drops idle
// connections. A failed revocation is returned; the token then expires at its TTL.
func (c *Client) Close(ctx context.Context) error {
	if c.api == nil {
		return nil
	}
	defer c.transport.CloseIdleConnections()
	if !c.revoke {
		return nil
	}
	c.revoke = false
	err := c.tokenAPI().Auth().Token().RevokeSelfWithContext(ctx, "")
	c.observe(callRevokeSelf, err)
	if err != nil {
		return fmt.Errorf("revoking the Vault login token: %w", describe(err))
	}
	return nil
}

// tokenAPI is the client for token calls, in the namespace the token was issued in.
func (c *Client) tokenAPI() *vaultapi.Client {
	if c.api.Namespace() == c.authNS {
		return c.api
	}
	return c.api.WithNamespace(c.authNS)
}

func (c *Client) lookupSelf(ctx context.Context) (*vaultapi.Secret, error) {
	s, err := c.tokenAPI().Auth().Token().LookupSelfWithContext(ctx)
	c.observe(callLookupSelf, err)
	if err != nil {
		return nil, describe(err)
	}
	return s, nil
}

func (c *Client) observe(call string, err error) {
	if c.observer != nil {
		c.observer.ObserveAPICall(MetricsProvider, call, err)
	}
}

// read GETs path; a nil secret means Vault answered 404.
func (c *Client) read(ctx context.Context, path string, params map[string][]string) (*vaultapi.Secret, error) {
	s, err := c.api.Logical().ReadWithDataWithContext(ctx, path, params)
	c.observe(callReadSecretData, err)
	return s, describe(err)
}

// list LISTs path; a nil secret means there is nothing under it.
func (c *Client) list(ctx context.Context, path string) (*vaultapi.Secret, error) {
	s, err := c.api.Logical().ListWithContext(ctx, path)
	c.observe(callListSecrets, err)
	return s, describe(err)
}

func (c *Client) write(ctx context.Context, path string, data map[string]any) error {
	_, err := c.api.Logical().WriteWithContext(ctx, path, data)
	c.observe(callWriteSecretData, err)
	return describe(err)
}

func (c *Client) delete(ctx context.Context, path string) error {
	_, err := c.api.Logical().DeleteWithContext(ctx, path)
	c.observe(callDeleteSecret, err)
	return describe(err)
}

// maxErrorText bounds how much of an unparsable error body goes into an error message.
const maxErrorText = 200

// responseError is a Vault API error in one line: method, path, status and Vault's own
// messages (which name paths and reasons, never values or tokens). Refused credentials
// (401, 403) unwrap to providers.ErrUnauthorized.
type responseError struct {
	method, path string
	status       int
	msg          string
}

func (e *responseError) Error() string {
	return fmt.Sprintf("vault %s %s: HTTP %d: %s", e.method, e.path, e.status, e.msg)
}

func (e *responseError) Unwrap() error {
	if e.status == http.StatusForbidden || e.status == http.StatusUnauthorized {
		return providers.ErrUnauthorized
	}
	return nil
}

// describe replaces the Vault client's multi-line error with a responseError.
func describe(err error) error {
	if err == nil {
		return nil
	}
	var re *vaultapi.ResponseError
	if !errors.As(err, &re) {
		return err
	}
	path := re.URL
	if u, perr := url.Parse(re.URL); perr == nil {
		path = strings.TrimPrefix(u.Path, "/v1/")
	}
	msg := strings.Join(re.Errors, "; ")
	if re.RawError && len(msg) > maxErrorText {
		msg = msg[:maxErrorText] + "..."
	}
	return &responseError{method: re.HTTPMethod, path: path, status: re.StatusCode, msg: msg}
}
