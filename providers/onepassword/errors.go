package onepassword

import (
	"errors"
	"net/http"

	"github.com/1Password/connect-sdk-go/onepassword"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// classify turns an SDK error into one callers can test: 401 and 403 are
// providers.ErrUnauthorized (Connect answers 403 for a vault the token may not read), 404
// is notFound when that is non-nil. Transport errors and the SDK's own errors (such as
// "Found 0 vaults with title ...") are returned as they are; none carries a secret value.
func classify(err error, notFound error) error {
	var sdkErr *onepassword.Error
	if !errors.As(err, &sdkErr) {
		return err
	}
	return providers.NewStatusError("1Password Connect", sdkErr.StatusCode, sdkErr.Message, notFound, err)
}

// isNotFound tells whether err is a Connect 404 answer.
func isNotFound(err error) bool {
	var sdkErr *onepassword.Error
	return errors.As(err, &sdkErr) && sdkErr.StatusCode == http.StatusNotFound
}
