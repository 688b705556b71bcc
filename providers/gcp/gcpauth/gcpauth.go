// Package gcpauth turns the auth block of the GCP provider (esv1.GCPSMAuth) into a Google
// OAuth2 access token. It is shared by the Google Secret Manager provider and the
// GCRAccessToken generator, which accept the same auth block and must authenticate the
// same way.
//
// Credentials are tried in the order upstream External Secrets documents: a service-account
// key from a Secret, GKE Workload Identity of a Kubernetes ServiceAccount, Workload Identity
// Federation with a Kubernetes ServiceAccount token, then the controller's Application
// Default Credentials. Every Google call is reported through Source.Observe so that the
// caller counts it under its own metric label.
package gcpauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"sigs.k8s.io/controller-runtime/pkg/client"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// Call names of the provider API call metric, after the Google API methods.
const (
	// CallToken is an OAuth2 token request: the JWT-bearer grant of a service-account key,
	// or Application Default Credentials.
	CallToken = "Token"
	// CallExchangeToken is a token exchange at Google STS.
	CallExchangeToken = "ExchangeToken"
	// CallGenerateAccessToken is IAM Credentials generateAccessToken (impersonation).
	CallGenerateAccessToken = "GenerateAccessToken"
)

// Google endpoints; Source's fields replace them for tests against local servers.
const (
	DefaultSTSEndpoint            = "https://sts.googleapis.com/v1/token"
	DefaultIAMCredentialsEndpoint = "https://iamcredentials.googleapis.com/v1"
)

// CloudPlatformScope is the scope of every token: Secret Manager and the registries accept
// nothing narrower that works for all of them.
const CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// Source obtains access tokens. The zero value talks to Google with http.DefaultClient and
// reports nothing; a Source holds no per-store state and may be shared.
type Source struct {
	// HTTPClient sends every token request (OAuth2, STS, IAM Credentials, the metadata
	// server); nil means http.DefaultClient.
	HTTPClient *http.Client
	// STSEndpoint replaces DefaultSTSEndpoint when set.
	STSEndpoint string
	// IAMCredentialsEndpoint replaces DefaultIAMCredentialsEndpoint (the part before
	// /projects/-/serviceAccounts/...) when set.
	IAMCredentialsEndpoint string
	// Observe, when set, is told about every Google call with one of the Call* names.
	Observe func(call string, err error)
}

// Token returns an access token for auth. store and namespace decide where credential
// references are read, with the rules of package credentials: a ClusterSecretStore's
// reference without a namespace is read in namespace, and when namespace is empty the error
// wraps credentials.ErrReferentNamespace. Refusals by Google wrap providers.ErrUnauthorized;
// federation sources this controller does not run wrap providers.ErrNotSupported. No error
// carries a key or a token.
func (s Source) Token(ctx context.Context, auth esv1.GCPSMAuth, store esv1.GenericStore, kube client.Client, namespace string) (*oauth2.Token, error) {
	var (
		tok *oauth2.Token
		err error
	)
	switch {
	case auth.SecretRef != nil:
		tok, err = s.keyToken(ctx, store, kube, namespace, auth.SecretRef)
	case auth.WorkloadIdentity != nil:
		tok, err = s.workloadIdentityToken(ctx, store, kube, namespace, auth.WorkloadIdentity)
	case auth.WorkloadIdentityFederation != nil:
		tok, err = s.federationToken(ctx, store, kube, namespace, auth.WorkloadIdentityFederation)
	default:
		tok, err = s.defaultToken(ctx)
	}
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, errors.New("google returned an empty access token")
	}
	return tok, nil
}

// keyToken signs a JWT with the service-account key of the Secret and exchanges it at the
// key's token_uri (the JWT-bearer grant).
func (s Source) keyToken(ctx context.Context, st esv1.GenericStore, kube client.Client, namespace string, ref *esv1.GCPSMAuthSecretRef) (*oauth2.Token, error) {
	key, err := credentials.SecretKey(ctx, kube, st, namespace, ref.SecretAccessKey)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.secretAccessKeySecretRef: %w", err)
	}
	// Checked here so that a decoding error of the JSON package, which may quote a
	// character of the key, never reaches a condition.
	if !json.Valid(key) {
		return nil, errors.New("auth.secretRef.secretAccessKeySecretRef: the Secret key is not a JSON service account key")
	}
	cfg, err := google.JWTConfigFromJSON(key, CloudPlatformScope)
	if err != nil {
		return nil, fmt.Errorf("auth.secretRef.secretAccessKeySecretRef: %w", err)
	}
	tok, err := cfg.TokenSource(s.oauth2Context(ctx)).Token()
	s.observe(CallToken, err)
	if err != nil {
		return nil, fmt.Errorf("exchanging the service account key of %s for a token: %w", cfg.Email, refusal(err))
	}
	return tok, nil
}

// defaultToken uses the controller's own Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, the GKE metadata server).
func (s Source) defaultToken(ctx context.Context) (*oauth2.Token, error) {
	ts, err := google.DefaultTokenSource(s.oauth2Context(ctx), CloudPlatformScope)
	if err != nil {
		return nil, fmt.Errorf("no auth configured and no Application Default Credentials: %w", err)
	}
	tok, err := ts.Token()
	s.observe(CallToken, err)
	if err != nil {
		return nil, fmt.Errorf("getting a token from Application Default Credentials: %w", refusal(err))
	}
	return tok, nil
}

// refusal marks an OAuth2 token endpoint's refusal of the credentials (400 invalid_grant,
// 401, 403) as providers.ErrUnauthorized; other errors (the network, a 5xx) stay as they
// are, worth retrying.
func refusal(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return err
	}
	code := re.ErrorCode
	if code == "" {
		// The JWT-bearer flow does not parse the error body; the code is its "error" field.
		var body struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code = body.Error
		}
	}
	switch {
	case re.Response.StatusCode == http.StatusUnauthorized, re.Response.StatusCode == http.StatusForbidden,
		re.Response.StatusCode == http.StatusBadRequest && code == "invalid_grant":
		return fmt.Errorf("%w: %w", providers.ErrUnauthorized, err)
	default:
		return err
	}
}

func (s Source) httpClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return http.DefaultClient
}

// oauth2Context makes the oauth2 package use the Source's HTTP client.
func (s Source) oauth2Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.httpClient())
}

func (s Source) observe(call string, err error) {
	if s.Observe != nil {
		s.Observe(call, err)
	}
}
