package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"slices"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	"github.com/seedb5e69c69/external-secrets/providers"
)

// ErrNotAllowed is the Validate error when the credentials work but may not read Secrets of
// the remote namespace: the store is misconfigured until someone grants the permission.
var ErrNotAllowed = errors.New("client is not allowed to get secrets")

// Validate asks the API server what the credentials may do in the remote namespace. It
// returns Ready when a SelfSubjectRulesReview shows a rule granting get (or *) on secrets
// (or *) in the core API group (or *), or else when a SelfSubjectAccessReview for "get
// secrets" is allowed; Error wrapping ErrNotAllowed when it is denied; Error wrapping
// providers.ErrUnauthorized when the API server rejects the credentials themselves; Unknown
// with the error for any other failure (the server may just be unreachable for now); and
// Unknown without error for a ClusterSecretStore whose credentials are per namespace.
func (c *Client) Validate(ctx context.Context) (esv1.ValidationResult, error) {
	if c.referent != nil {
		return esv1.ValidationResultUnknown, nil
	}
	rules, err := c.authz.SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
		Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: c.namespace},
	}, metav1.CreateOptions{})
	if err != nil {
		return validationFailure("reviewing the client's rules", err)
	}
	if grantsGetSecrets(rules.Status.ResourceRules) {
		return esv1.ValidationResultReady, nil
	}
	review, err := c.authz.SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: c.namespace,
			Verb:      "get",
			Resource:  "secrets",
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return validationFailure("reviewing access to secrets", err)
	}
	if review.Status.Allowed {
		return esv1.ValidationResultReady, nil
	}
	return esv1.ValidationResultError, fmt.Errorf("%w in namespace %s", ErrNotAllowed, c.namespace)
}

// grantsGetSecrets tells whether one rule allows reading Secrets of the core group.
func grantsGetSecrets(rules []authorizationv1.ResourceRule) bool {
	for _, r := range rules {
		group := len(r.APIGroups) == 0 || slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
		resource := slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*")
		verb := slices.Contains(r.Verbs, "get") || slices.Contains(r.Verbs, "*")
		if group && resource && verb {
			return true
		}
	}
	return false
}

// validationFailure decides what an API error during Validate means: rejected credentials
// are a configuration error, anything else cannot be decided now.
func validationFailure(what string, err error) (esv1.ValidationResult, error) {
	if apierrors.IsUnauthorized(err) {
		return esv1.ValidationResultError, fmt.Errorf("%s: %w: %w", what, providers.ErrUnauthorized, err)
	}
	return esv1.ValidationResultUnknown, fmt.Errorf("%s: %w", what, err)
}
