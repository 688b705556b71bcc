package azurekv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrUnmanaged means a remote secret exists without the tag managed-by=external-secrets, so
// PushSecret refuses to overwrite or delete it. Whoever owns it must delete it, or add the
// tag to hand it over.
var ErrUnmanaged = errors.New("the remote secret is not managed by external-secrets (it lacks the tag managed-by=external-secrets)")

// Tag put on every secret PushSecret writes; only secrets carrying it are overwritten or
// deleted.
const (
	// TagManagedBy is the tag key marking secrets written by External Secrets.
	TagManagedBy = "managed-by"
	// TagManagedByValue is its value.
	TagManagedByValue = "external-secrets"
)

// apiError is a failed call, told in one line: what was done, and Key Vault's status, error
// code and message (which name objects, never values). It wraps the sentinel that matches
// the failure and the SDK's error.
type apiError struct {
	what     string
	sentinel error
	detail   string
	cause    error
}

func (e *apiError) Error() string {
	if e.sentinel != nil {
		return fmt.Sprintf("%s: %v: %s", e.what, e.sentinel, e.detail)
	}
	return fmt.Sprintf("%s: %s", e.what, e.detail)
}

func (e *apiError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.cause}
	}
	return []error{e.sentinel, e.cause}
}

// kvError is Key Vault's error body.
type kvError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *struct {
			Code string `json:"code"`
		} `json:"innererror"`
	} `json:"error"`
}

// classify turns an SDK error into an apiError: 404 is providers.ErrSecretNotFound; a
// rejected token (401), a refused permission (403, except for a disabled object) and a
// failed Entra ID authentication are providers.ErrUnauthorized.
func classify(err error, what string) error {
	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		body := responseBody(respErr)
		detail := fmt.Sprintf("Key Vault answered %d %s", respErr.StatusCode, respErr.ErrorCode)
		if body.Error.Message != "" {
			detail += ": " + body.Error.Message
		}
		inner := ""
		if body.Error.InnerError != nil {
			inner = body.Error.InnerError.Code
		}
		switch {
		case respErr.StatusCode == http.StatusNotFound:
			return &apiError{what: what, sentinel: providers.ErrSecretNotFound, detail: detail, cause: err}
		case respErr.StatusCode == http.StatusUnauthorized,
			respErr.StatusCode == http.StatusForbidden && inner != "SecretDisabled" && inner != "KeyDisabled" && inner != "CertificateDisabled":
			return &apiError{what: what, sentinel: providers.ErrUnauthorized, detail: detail, cause: err}
		default:
			return &apiError{what: what, detail: detail, cause: err}
		}
	}
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) && authErr.RawResponse != nil {
		detail := fmt.Sprintf("Microsoft Entra ID refused the credentials (%d %s)", authErr.RawResponse.StatusCode, entraIDCode(authErr))
		return &apiError{what: what, sentinel: providers.ErrUnauthorized, detail: detail, cause: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// responseBody parses Key Vault's error body; a body that is not one yields empty fields.
func responseBody(respErr *azcore.ResponseError) kvError {
	var body kvError
	if respErr.RawResponse == nil {
		return body
	}
	if raw, err := runtime.Payload(respErr.RawResponse); err == nil {
		_ = json.Unmarshal(raw, &body)
	}
	return body
}

// entraIDCode returns the OAuth error code and description of a failed token request
// (e.g. "invalid_client: AADSTS7000215: Invalid client secret provided..."). Entra ID never
// echoes the credential it was given.
func entraIDCode(authErr *azidentity.AuthenticationFailedError) string {
	raw, err := runtime.Payload(authErr.RawResponse)
	if err != nil {
		return ""
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return ""
	}
	switch {
	case body.Error != "":
		description, _, _ := strings.Cut(body.Description, " Trace ID:")
		return body.Error + ": " + description
	default:
		return body.Message
	}
}

// isTransport tells whether err happened before anyone answered (DNS, connection refused,
// TLS, timeout): the store may be fine, it cannot be reached now.
func isTransport(err error) bool {
	var respErr *azcore.ResponseError
	var authErr *azidentity.AuthenticationFailedError
	switch {
	case errors.As(err, &respErr):
		return false
	case errors.As(err, &authErr):
		return authErr.RawResponse == nil
	}
	var opErr *net.OpError
	var urlErr *url.Error
	return errors.As(err, &opErr) || errors.As(err, &urlErr) || errors.Is(err, context.DeadlineExceeded)
}
