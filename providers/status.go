package providers

import (
	"context"
	"fmt"
	"net/http"
)

// maxStatusMessage bounds the server message kept in a StatusError: some stores answer a
// refused request with a whole validation report.
const maxStatusMessage = 300

// StatusError is an error answer of a store's HTTP API, reduced to its status and the
// server's message and classified with the sentinels above, so that callers decide with
// errors.Is. The SDK's own error stays in the chain. Providers whose SDK reports statuses
// share it, so that a refused token reads the same from every store.
type StatusError struct {
	// Service names the store's API in the message, e.g. "Infisical".
	Service string
	// Status is the HTTP status code.
	Status int
	// Message is the server's message (never a secret value: stores do not echo them).
	Message  string
	sentinel error
	cause    error
}

// NewStatusError classifies an HTTP error answer: 401 and 403 wrap ErrUnauthorized, 404
// wraps notFound (ErrSecretNotFound for a read; ErrUnauthorized for a login, where an unknown
// identity means wrong credentials; nil when a 404 means a misconfigured store rather than a
// missing secret).
func NewStatusError(service string, status int, message string, notFound, cause error) *StatusError {
	if len(message) > maxStatusMessage {
		message = message[:maxStatusMessage] + "..."
	}
	e := &StatusError{Service: service, Status: status, Message: message, cause: cause}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.sentinel = ErrUnauthorized
	case http.StatusNotFound:
		e.sentinel = notFound
	}
	return e
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s answered HTTP %d", e.Service, e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.sentinel != nil {
		s += " (" + e.sentinel.Error() + ")"
	}
	return s
}

// Unwrap returns the sentinel (if any) and the SDK's error.
func (e *StatusError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.cause}
	}
	return []error{e.sentinel, e.cause}
}

// RunWithContext calls fn, a call of an SDK that takes no context, so that the caller still
// honours ctx: fn runs in its own goroutine and RunWithContext returns when ctx ends even if
// fn has not. fn then finishes on its own and its result is dropped, so it must only write
// variables the caller reads after a nil error.
func RunWithContext(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
