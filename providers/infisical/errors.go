package infisical

import (
	"errors"

	infisicalsdk "github.com/infisical/go-sdk"

	"github.com/seedb5e69c69/external-secrets/providers"
)

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
	return providers.NewStatusError("Infisical", sdkErr.StatusCode, sdkErr.ErrorMessage, notFound, err)
}
