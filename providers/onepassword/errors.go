package onepassword

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/1Password/connect-sdk-go/onepassword"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// maxMessageLen bounds the server message kept in an error.
const maxMessageLen = 300

// apiError is a Connect error answer ({"status":N,"message":"..."}), classified with the
// providers sentinels. The SDK's error stays in the chain.
type apiError struct {
	status   int
	message  string
	sentinel error
	cause    error
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("1Password Connect answered %d", e.status)
	if e.message != "" {
		s += ": " + e.message
	}
	if e.sentinel != nil {
		s += " (" + e.sentinel.Error() + ")"
	}
	return s
}

func (e *apiError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.cause}
	}
	return []error{e.sentinel, e.cause}
}

// classify turns an SDK error into one callers can test: 401 and 403 are
// providers.ErrUnauthorized (Connect answers 403 for a vault the token may not read), 404
// is notFound when that is non-nil. Transport errors and the SDK's own errors (such as
// "Found 0 vaults with title ...") are returned as they are; none carries a secret value.
func classify(err error, notFound error) error {
	var sdkErr *onepassword.Error
	if !errors.As(err, &sdkErr) {
		return err
	}
	msg := sdkErr.Message
	if len(msg) > maxMessageLen {
		msg = msg[:maxMessageLen] + "..."
	}
	out := &apiError{status: sdkErr.StatusCode, message: msg, cause: err}
	switch sdkErr.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		out.sentinel = providers.ErrUnauthorized
	case http.StatusNotFound:
		out.sentinel = notFound
	}
	return out
}

// isNotFound tells whether err is a Connect 404 answer.
func isNotFound(err error) bool {
	var sdkErr *onepassword.Error
	return errors.As(err, &sdkErr) && sdkErr.StatusCode == http.StatusNotFound
}

// run calls fn, an SDK call, so that the caller honours ctx: connect-sdk-go takes no
// context and uses http.DefaultClient, which has no timeout. fn runs in its own goroutine
// and run returns when ctx ends even if fn has not; fn then finishes on its own and its
// result is dropped, so fn must only write variables the caller reads after a nil error.
func run(ctx context.Context, fn func() error) error {
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
