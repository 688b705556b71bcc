package providers

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNewStatusError(t *testing.T) {
	cause := errors.New("sdk: request failed")
	tests := []struct {
		status   int
		notFound error
		want     error
	}{
		{401, ErrSecretNotFound, ErrUnauthorized},
		{403, ErrSecretNotFound, ErrUnauthorized},
		{404, ErrSecretNotFound, ErrSecretNotFound},
		{404, ErrUnauthorized, ErrUnauthorized},
		{404, nil, nil},
		{500, ErrSecretNotFound, nil},
	}
	for _, tt := range tests {
		err := NewStatusError("Store", tt.status, strings.Repeat("m", 400), tt.notFound, cause)
		if !errors.Is(err, cause) {
			t.Errorf("%d: the SDK error is not in the chain", tt.status)
		}
		for _, s := range []error{ErrUnauthorized, ErrSecretNotFound} {
			if errors.Is(err, s) != errors.Is(tt.want, s) {
				t.Errorf("%d (notFound %v): errors.Is(%v) = %v", tt.status, tt.notFound, s, errors.Is(err, s))
			}
		}
		if len(err.Error()) > 400 || !strings.HasPrefix(err.Error(), "Store answered HTTP ") {
			t.Errorf("%d: message %q", tt.status, err.Error())
		}
	}
}

func TestRunWithContext_returnsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	done := make(chan error, 1)
	go func() { done <- RunWithContext(ctx, func() error { <-release; return nil }) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if err := RunWithContext(context.Background(), func() error { return errors.New("x") }); err == nil || err.Error() != "x" {
		t.Fatalf("fn's error: %v", err)
	}
}
