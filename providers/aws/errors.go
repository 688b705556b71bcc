package aws

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrUnmanaged means a remote secret or parameter exists without the tag
// managed-by=external-secrets, so PushSecret refuses to overwrite or delete it. Whoever owns
// it must delete it, or add the tag to hand it over.
var ErrUnmanaged = errors.New("the remote secret is not managed by external-secrets (it lacks the tag managed-by=external-secrets)")

// Tag put on everything PushSecret creates; only what carries it is overwritten or deleted.
const (
	// TagManagedBy is the tag key marking secrets written by External Secrets.
	TagManagedBy = "managed-by"
	// TagManagedByValue is its value.
	TagManagedByValue = "external-secrets"
)

// notFoundCodes are the error codes meaning that a secret, parameter or version does not
// exist.
var notFoundCodes = map[string]bool{
	"ResourceNotFoundException":     true,
	"ParameterNotFound":             true,
	"ParameterVersionNotFound":      true,
	"ParameterVersionLabelNotFound": true,
	"InvalidResourceId":             true,
}

// unauthorizedCodes are the error codes meaning that AWS refused the credentials or the
// permission: retrying helps only once the credentials or the IAM policy change.
var unauthorizedCodes = map[string]bool{
	"AccessDenied":                true,
	"AccessDeniedException":       true,
	"UnrecognizedClientException": true,
	"InvalidClientTokenId":        true,
	"SignatureDoesNotMatch":       true,
	"IncompleteSignature":         true,
	"InvalidSignatureException":   true,
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"InvalidIdentityToken":        true,
	"NotAuthorized":               true,
}

// isNotFound tells whether err says the secret does not exist: a not-found code, or a secret
// that is scheduled for deletion (AWS answers InvalidRequestException "... marked for
// deletion"), which is gone for every reader.
func isNotFound(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return notFoundCode(apiErr.ErrorCode(), apiErr.ErrorMessage())
}

// markedDeleted matches AWS's "... because it was marked for deletion." and moto's "...
// currently marked deleted."
var markedDeleted = regexp.MustCompile(`marked (for )?delet`)

func notFoundCode(code, message string) bool {
	return notFoundCodes[code] || markedDeleted.MatchString(message)
}

func isAccessDenied(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && unauthorizedCodes[apiErr.ErrorCode()]
}

// classify wraps the sentinel that matches err, so callers decide with errors.Is. what names
// the operation and the secret; AWS error messages never contain secret values.
func classify(err error, what string) error {
	switch {
	case isNotFound(err):
		return fmt.Errorf("%s: %w: %w", what, providers.ErrSecretNotFound, err)
	case isAccessDenied(err):
		return fmt.Errorf("%s: %w: %w", what, providers.ErrUnauthorized, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// isTransport tells whether err happened before AWS answered (DNS, connection, timeout):
// the store may be fine, it just cannot be reached now.
func isTransport(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return false
	}
	var sendErr *smithyhttp.RequestSendError
	return errors.As(err, &sendErr)
}
