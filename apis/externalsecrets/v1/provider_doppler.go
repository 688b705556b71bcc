package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// DopplerProvider reads secrets of a Doppler config. The API address and TLS checking can
// be overridden with the controller environment variables DOPPLER_BASE_URL and
// DOPPLER_VERIFY_TLS.
type DopplerProvider struct {
	// Auth says how to authenticate to the Doppler API.
	Auth *DopplerAuth `json:"auth"`

	// Project is the Doppler project; needed unless the token is scoped to one config.
	// +optional
	Project string `json:"project,omitempty"`

	// Config is the Doppler config (environment); needed unless the token is scoped to
	// one config.
	// +optional
	Config string `json:"config,omitempty"`

	// NameTransformer rewrites secret names into another naming convention.
	// +optional
	// +kubebuilder:validation:Enum=upper-camel;camel;lower-snake;tf-var;dotnet-env;lower-kebab
	NameTransformer string `json:"nameTransformer,omitempty"`

	// Format downloads all secrets as one file in this format; find then returns it under
	// the key DOPPLER_SECRETS_FILE.
	// +optional
	// +kubebuilder:validation:Enum=json;dotnet-json;env;yaml;docker
	Format string `json:"format,omitempty"`
}

// DopplerAuth selects the Doppler credentials; exactly one of secretRef and oidcConfig must
// be set.
// +kubebuilder:validation:XValidation:rule="has(self.secretRef) != has(self.oidcConfig)",message="exactly one of secretRef or oidcConfig must be set in the Doppler auth: use a token from a Secret or OIDC with a ServiceAccount, not both"
type DopplerAuth struct {
	// SecretRef reads a Doppler token (service token or personal token) from a Secret.
	// +optional
	SecretRef *DopplerAuthSecretRef `json:"secretRef,omitempty"`

	// OIDCConfig exchanges a Kubernetes ServiceAccount token for a Doppler token.
	// +optional
	OIDCConfig *DopplerOIDCAuth `json:"oidcConfig,omitempty"`
}

// DopplerAuthSecretRef points at a Doppler token.
type DopplerAuthSecretRef struct {
	// DopplerToken selects the token; the key defaults to dopplerToken.
	DopplerToken esmeta.SecretKeySelector `json:"dopplerToken"`
}

// DopplerOIDCAuth authenticates to Doppler as a service account identity that trusts
// this cluster's ServiceAccount tokens.
type DopplerOIDCAuth struct {
	// Identity is the ID of the Doppler service account identity.
	// +kubebuilder:validation:MinLength=1
	Identity string `json:"identity"`

	// ServiceAccountRef names the ServiceAccount whose token is exchanged.
	ServiceAccountRef esmeta.ServiceAccountSelector `json:"serviceAccountRef"`

	// ExpirationSeconds is the lifetime of the requested ServiceAccount token. Defaults to
	// 600.
	// +optional
	// +kubebuilder:default=600
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
}
