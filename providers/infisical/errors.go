package infisical

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	infisicalsdk "github.com/infisical/go-sdk"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// maxMessageLen bounds the server message kept in an error: Infisical's 422 answers carry
// a whole validation report.
const maxMessageLen = 300

// apiError is an Infisical error answer, reduced to its status and message and classified
// with the providers sentinels. The SDK's own error stays in the chain.
type apiError struct {
	status   int
	message  string
	sentinel error
	cause    error
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.status)
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

// describe classifies an SDK error for a read: 401 and 403 are providers.ErrUnauthorized,
// 404 providers.ErrSecretNotFound. Anything else (transport errors, 5xx) is returned with
// the SDK's description, which names the request but never a secret value.
func describe(err error) error {
	return classify(err, providers.ErrSecretNotFound)
}

// describeLogin classifies an SDK error for a login, where every refusal (including an
// unknown identity, 404) means the credentials are wrong.
func describeLogin(err error) error {
	return classify(err, providers.ErrUnauthorized)
}

func classify(err error, notFound error) error {
	var sdkErr *infisicalsdk.APIError
	if !errors.As(err, &sdkErr) {
		return err
	}
	msg := sdkErr.ErrorMessage
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

// run calls fn, an SDK call, so that the caller honours ctx: the SDK takes no context, so
// fn runs in its own goroutine and run returns when ctx ends even if fn has not. fn then
// finishes on its own (its result is dropped); it must only write variables the caller no
// longer reads after an error.
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
