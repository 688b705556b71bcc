package doppler

import (
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
	"github.com/seedb5e69c69/external-secrets/pkg/credentials"
)

// nameTransformers and formats are the values Doppler's download endpoint accepts for the
// store's nameTransformer and format.
var (
	nameTransformers = map[string]bool{"upper-camel": true, "camel": true, "lower-snake": true, "tf-var": true, "dotnet-env": true, "lower-kebab": true}
	formats          = map[string]bool{"json": true, "dotnet-json": true, "env": true, "yaml": true, "docker": true}
)

// ValidateStore checks, without I/O, the auth method (exactly one, with well-formed
// references a namespaced store keeps in its own namespace), the name transformer and the
// download format.
func (p *Provider) ValidateStore(store esv1.GenericStore) (admission.Warnings, error) {
	spec, err := dopplerSpec(store)
	if err != nil {
		return nil, err
	}
	var warnings admission.Warnings
	if (spec.Project == "") != (spec.Config == "") {
		warnings = append(warnings, "doppler: project and config go together: set both for a personal token, or neither for a service token (which is scoped to one config)")
	}
	return warnings, validateSpec(store, spec)
}

func validateSpec(store esv1.GenericStore, spec *esv1.DopplerProvider) error {
	if spec.NameTransformer != "" && !nameTransformers[spec.NameTransformer] {
		return fmt.Errorf("nameTransformer %q is not one of upper-camel, camel, lower-snake, tf-var, dotnet-env, lower-kebab", spec.NameTransformer)
	}
	if spec.Format != "" && !formats[spec.Format] {
		return fmt.Errorf("format %q is not one of json, dotnet-json, env, yaml, docker", spec.Format)
	}
	auth := spec.Auth
	if auth == nil || (auth.SecretRef == nil) == (auth.OIDCConfig == nil) {
		return errors.New("auth needs exactly one of secretRef and oidcConfig")
	}
	if auth.SecretRef != nil {
		return credentials.ValidateSecretKeySelector(store, "auth.secretRef.dopplerToken", tokenSelector(auth.SecretRef))
	}
	o := auth.OIDCConfig
	if o.Identity == "" {
		return errors.New("auth.oidcConfig.identity is required")
	}
	if o.ExpirationSeconds != nil && *o.ExpirationSeconds < 600 {
		return errors.New("auth.oidcConfig.expirationSeconds must be at least 600, the shortest token the TokenRequest API issues")
	}
	return credentials.ValidateServiceAccountSelector(store, "auth.oidcConfig.serviceAccountRef", o.ServiceAccountRef)
}

// DefaultTokenKey is the key of the token Secret read when auth.secretRef.dopplerToken
// names none.
const DefaultTokenKey = "dopplerToken"

// tokenSelector applies DefaultTokenKey.
func tokenSelector(r *esv1.DopplerAuthSecretRef) esmeta.SecretKeySelector {
	sel := r.DopplerToken
	if sel.Key == "" {
		sel.Key = DefaultTokenKey
	}
	return sel
}
