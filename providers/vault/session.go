package vault

import (
	"context"

	vaultapi "github.com/hashicorp/vault/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Session is a logged-in Vault client for callers that speak Vault's API themselves instead
// of reading a KV engine: the VaultDynamicSecret generator calls arbitrary endpoints
// (database/creds/<role>, auth/token/create, sys/leases/revoke) with the server, TLS, headers,
// retries and login of a store spec, exactly as a store would connect. Every request is
// reported to the provider's CallObserver under the provider's call names.
type Session struct {
	c *Client
}

// NewSession connects to the Vault of store and logs in, like NewClient, but never uses the
// token cache: a session's token may own what its requests create (Vault revokes leases and
// child tokens together with the token that created them), so it must not be shared. A
// ClusterSecretStore whose credentials live in each namespace fails without a namespace.
func (p *Provider) NewSession(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (*Session, error) {
	spec, err := vaultSpec(store)
	if err != nil {
		return nil, err
	}
	uncached := *p
	uncached.tokens = nil
	c, err := uncached.newClient(ctx, store, kube, namespace, spec)
	if err != nil {
		return nil, err
	}
	return &Session{c: c}, nil
}

// Read GETs path with query parameters. A nil secret without error means Vault answered
// 404 or 204.
func (s *Session) Read(ctx context.Context, path string, query map[string][]string) (*vaultapi.Secret, error) {
	return s.c.read(ctx, path, query)
}

// List LISTs path. A nil secret without error means there is nothing under it.
func (s *Session) List(ctx context.Context, path string) (*vaultapi.Secret, error) {
	return s.c.list(ctx, path)
}

// Write sends body (a JSON object, or empty) to path. A nil secret without error means
// Vault answered 204.
func (s *Session) Write(ctx context.Context, path string, body []byte) (*vaultapi.Secret, error) {
	secret, err := s.c.api.Logical().WriteBytesWithContext(ctx, path, body)
	s.c.observe(callWriteSecretData, err)
	return secret, describe(err)
}

// Delete DELETEs path. A nil secret without error means Vault answered 204.
func (s *Session) Delete(ctx context.Context, path string) (*vaultapi.Secret, error) {
	secret, err := s.c.api.Logical().DeleteWithContext(ctx, path)
	s.c.observe(callDeleteSecret, err)
	return secret, describe(err)
}

// LoginAccessor is the accessor of the token the session logged in for, so that a caller
// which keeps that token alive (CloseKeepingToken) can revoke it later without storing the
// token. It is empty when the token came from tokenSecretRef: that token is the user's and
// is never revoked.
func (s *Session) LoginAccessor() string {
	if !s.c.revoke {
		return ""
	}
	return s.c.accessor
}

// Close revokes the login token (never a tokenSecretRef token) and drops idle connections,
// like a provider Client's Close. Everything the session's requests created under that token
// (leases, child tokens) is revoked with it.
func (s *Session) Close(ctx context.Context) error {
	return s.c.Close(ctx)
}

// CloseKeepingToken drops idle connections but leaves the login token alive, for when what
// the session created must outlive it: Vault would revoke those leases and child tokens
// together with the token. The token then lives until its TTL, or until revoked through
// LoginAccessor.
func (s *Session) CloseKeepingToken() {
	s.c.revoke = false
	s.c.transport.CloseIdleConnections()
}
