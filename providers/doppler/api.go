package doppler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// Paths of the Doppler v3 API this provider calls.
const (
	pathDownload = "/v3/configs/config/secrets/download"
	pathSecret   = "/v3/configs/config/secret"
	pathUpdate   = "/v3/configs/config/secrets"
	pathOIDC     = "/v3/auth/oidc"
)

// maxBodySize bounds what is read from one answer; a whole config downloaded as a file is
// far smaller.
const maxBodySize = 32 << 20

// maxMessageLen bounds the server message kept in an error.
const maxMessageLen = 300

// userAgent identifies the controller to Doppler.
const userAgent = "external-secrets-doppler"

// api is the small part of the Doppler REST API this provider needs, bound to one token.
// The token only travels in the Authorization header; it never appears in an error.
type api struct {
	http  *http.Client
	base  *url.URL
	token string
}

// download is one answer of the secrets download endpoint: notModified when the server
// answered 304 to If-None-Match, otherwise the body and its ETag.
type download struct {
	notModified bool
	etag        string
	body        []byte
}

// downloadQuery is what the download endpoint is asked for. An empty format means json.
type downloadQuery struct {
	project, config string
	format          string
	nameTransformer string
	// secret, when set, restricts the download to that one secret.
	secret string
}

func (q downloadQuery) values() url.Values {
	v := url.Values{}
	setIf(v, "project", q.project)
	setIf(v, "config", q.config)
	format := q.format
	if format == "" {
		format = "json"
	}
	v.Set("format", format)
	setIf(v, "name_transformer", q.nameTransformer)
	setIf(v, "secrets", q.secret)
	return v
}

func setIf(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}

// download calls GET /v3/configs/config/secrets/download, conditionally when etag is set.
func (a *api) download(ctx context.Context, q downloadQuery, etag string) (download, error) {
	h := http.Header{}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	if q.format != "" && q.format != "json" {
		h.Set("Accept", "text/plain")
	}
	resp, body, err := a.do(ctx, http.MethodGet, pathDownload, q.values(), h, nil)
	if err != nil {
		return download{}, err
	}
	if resp.StatusCode == http.StatusNotModified {
		return download{notModified: true, etag: etag}, nil
	}
	return download{etag: resp.Header.Get("ETag"), body: body}, nil
}

// secretResponse is the answer of GET /v3/configs/config/secret.
type secretResponse struct {
	Name  string `json:"name"`
	Value struct {
		Raw      *string `json:"raw"`
		Computed *string `json:"computed"`
	} `json:"value"`
}

// secret calls GET /v3/configs/config/secret and returns the secret's computed value (its
// references resolved), or its raw value when Doppler computed none.
func (a *api) secret(ctx context.Context, project, config, name string) (string, error) {
	v := url.Values{}
	setIf(v, "project", project)
	setIf(v, "config", config)
	v.Set("name", name)
	_, body, err := a.do(ctx, http.MethodGet, pathSecret, v, nil, nil)
	if err != nil {
		return "", err
	}
	var s secretResponse
	if err := json.Unmarshal(body, &s); err != nil {
		return "", errors.New("the secret answer is not the JSON Doppler sends")
	}
	switch {
	case s.Value.Computed != nil:
		return *s.Value.Computed, nil
	case s.Value.Raw != nil:
		return *s.Value.Raw, nil
	default:
		return "", fmt.Errorf("secret %q has no value: %w", name, providers.ErrSecretNotFound)
	}
}

// change is one entry of change_requests in the secrets update.
type change struct {
	Name         string  `json:"name"`
	OriginalName string  `json:"originalName"`
	Value        *string `json:"value"`
	ShouldDelete bool    `json:"shouldDelete,omitempty"`
}

type updateRequest struct {
	Project        string            `json:"project,omitempty"`
	Config         string            `json:"config,omitempty"`
	Secrets        map[string]string `json:"secrets,omitempty"`
	ChangeRequests []change          `json:"change_requests,omitempty"`
}

// update calls POST /v3/configs/config/secrets.
func (a *api) update(ctx context.Context, req updateRequest) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding the secrets update: %w", err)
	}
	_, _, err = a.do(ctx, http.MethodPost, pathUpdate, nil, nil, body)
	return err
}

// oidcLogin exchanges a Kubernetes ServiceAccount token for a Doppler API token at
// POST /v3/auth/oidc. It is sent without an Authorization header.
func (a *api) oidcLogin(ctx context.Context, identity, saToken string) (string, time.Time, error) {
	body, err := json.Marshal(map[string]string{"identity": identity, "token": saToken})
	if err != nil {
		return "", time.Time{}, err
	}
	_, resp, err := a.do(ctx, http.MethodPost, pathOIDC, nil, nil, body)
	if err != nil {
		return "", time.Time{}, err
	}
	var out struct {
		Success   bool   `json:"success"`
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	if err := json.Unmarshal(resp, &out); err != nil || !out.Success || out.Token == "" {
		return "", time.Time{}, errors.New("the OIDC login answer carries no token")
	}
	expires, _ := time.Parse(time.RFC3339, out.ExpiresAt)
	return out.Token, expires, nil
}

// do sends one request and reads its answer. 2xx and 304 are answers; anything else is an
// *apiError carrying Doppler's messages.
func (a *api) do(ctx context.Context, method, path string, query url.Values, h http.Header, body []byte) (*http.Response, []byte, error) {
	u := *a.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = query.Encode()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, fmt.Errorf("building the request to %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("calling Doppler %s %s: %w", method, path, describeTransport(err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer of Doppler %s %s: %w", method, path, err)
	}
	if len(data) > maxBodySize {
		return nil, nil, fmt.Errorf("the answer of Doppler %s %s is larger than %d bytes", method, path, maxBodySize)
	}
	if resp.StatusCode == http.StatusNotModified || (resp.StatusCode >= 200 && resp.StatusCode < 300) {
		return resp, data, nil
	}
	return nil, nil, newAPIError(method, path, resp.StatusCode, data)
}

// describeTransport drops the request URL from a transport error: it carries the query,
// which names the project and config only, but keep errors short and uniform.
func describeTransport(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// apiError is an error answer of the Doppler API: its status, Doppler's messages, and the
// providers sentinel it means (401/403 ErrUnauthorized; 404 is decided by the caller).
type apiError struct {
	method, path string
	status       int
	message      string
}

func newAPIError(method, path string, status int, body []byte) *apiError {
	var e struct {
		Messages []string `json:"messages"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		msg = strings.Join(e.Messages, "; ")
	}
	if len(msg) > maxMessageLen {
		msg = msg[:maxMessageLen] + "..."
	}
	return &apiError{method: method, path: path, status: status, message: msg}
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("Doppler %s %s: HTTP %d", e.method, e.path, e.status)
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// Unwrap makes 401 and 403 providers.ErrUnauthorized.
func (e *apiError) Unwrap() error {
	if e.status == http.StatusUnauthorized || e.status == http.StatusForbidden {
		return providers.ErrUnauthorized
	}
	return nil
}

// isStatus tells whether err is a Doppler answer with that status.
func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == status
}
