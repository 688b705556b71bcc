package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// KubernetesProvider reads Secrets from a namespace of a Kubernetes cluster (this one or
// another). Credentials are given inline under auth or as a kubeconfig under authRef;
// exactly one of the two must be set.
// +kubebuilder:validation:XValidation:rule="has(self.auth) != has(self.authRef)",message="exactly one of auth or authRef must be set: configure credentials under auth, or point authRef at a Secret key holding a kubeconfig"
type KubernetesProvider struct {
	// Server says where the API server is and how to trust it. Ignored with authRef,
	// whose kubeconfig names the server.
	// +optional
	Server KubernetesServer `json:"server,omitempty"`

	// Auth gives the credentials used against the API server.
	// +optional
	Auth *KubernetesAuth `json:"auth,omitempty"`

	// AuthRef selects a Secret key holding a kubeconfig.
	// +optional
	AuthRef *esmeta.SecretKeySelector `json:"authRef,omitempty"`

	// RemoteNamespace is the namespace Secrets are read from. Defaults to "default".
	// +optional
	// +kubebuilder:default=default
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	RemoteNamespace string `json:"remoteNamespace,omitempty"`
}

// KubernetesServer locates the API server.
type KubernetesServer struct {
	// URL of the API server. Defaults to kubernetes.default (this cluster).
	// +optional
	// +kubebuilder:default=kubernetes.default
	URL string `json:"url,omitempty"`

	// CABundle is a PEM-encoded CA bundle that verifies the API server certificate.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// CAProvider references the CA certificate that verifies the API server.
	// +optional
	CAProvider *CAProvider `json:"caProvider,omitempty"`
}

// KubernetesAuth selects one way to authenticate to the API server.
// +kubebuilder:validation:XValidation:rule="[has(self.cert), has(self.token), has(self.serviceAccount)].filter(x, x).size() == 1",message="exactly one of cert, token or serviceAccount must be set in auth"
type KubernetesAuth struct {
	// Cert authenticates with a client certificate and key.
	// +optional
	Cert *CertAuth `json:"cert,omitempty"`

	// Token authenticates with a static bearer token.
	// +optional
	Token *TokenAuth `json:"token,omitempty"`

	// ServiceAccount authenticates with a token requested for this ServiceAccount.
	// +optional
	ServiceAccount *esmeta.ServiceAccountSelector `json:"serviceAccount,omitempty"`
}

// CertAuth points at a client certificate and its private key.
type CertAuth struct {
	// ClientCert selects the PEM client certificate.
	// +optional
	ClientCert esmeta.SecretKeySelector `json:"clientCert,omitempty"`
	// ClientKey selects the PEM private key.
	// +optional
	ClientKey esmeta.SecretKeySelector `json:"clientKey,omitempty"`
}

// TokenAuth points at a bearer token.
type TokenAuth struct {
	// BearerToken selects the token.
	// +optional
	BearerToken esmeta.SecretKeySelector `json:"bearerToken,omitempty"`
}
