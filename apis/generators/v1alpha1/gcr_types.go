package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// GCRAccessTokenSpec says which Google Cloud credentials to exchange for a registry access
// token.
type GCRAccessTokenSpec struct {
	// Auth is how to authenticate with Google Cloud: a service-account key in a Secret,
	// GKE workload identity, or workload identity federation.
	// +kubebuilder:validation:Required
	Auth esv1.GCPSMAuth `json:"auth"`

	// ProjectID is the Google Cloud project the credentials belong to.
	// +kubebuilder:validation:Required
	ProjectID string `json:"projectID"`
}

// GCRAccessToken generates a short-lived OAuth2 access token for Google Container Registry
// and Artifact Registry. Its output keys are username ("oauth2accesstoken"), password (the
// token) and expiry (Unix seconds).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type GCRAccessToken struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec GCRAccessTokenSpec `json:"spec,omitempty"`
}

// GCRAccessTokenList is a list of GCRAccessToken generators.
// +kubebuilder:object:root=true
type GCRAccessTokenList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []GCRAccessToken `json:"items"`
}
