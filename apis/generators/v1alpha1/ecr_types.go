package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// Registries an ECRAuthorizationToken can request a token for.
const (
	// ECRScopePrivate requests a token for the account's private registry (the default).
	ECRScopePrivate = "private"
	// ECRScopePublic requests a token for ECR Public.
	ECRScopePublic = "public"
)

// ECRAuthorizationTokenSpec says which AWS credentials and region to use to request an
// Amazon ECR registry token.
type ECRAuthorizationTokenSpec struct {
	// Region is the AWS region of the registry, e.g. us-east-1.
	// +kubebuilder:validation:Required
	Region string `json:"region"`

	// Auth is how to get AWS credentials: static keys from a Secret, or a ServiceAccount
	// token for IAM roles for service accounts. When empty, the controller's own
	// credentials (environment, instance profile) are used.
	// +optional
	Auth esv1.AWSAuth `json:"auth,omitempty"`

	// Role is the ARN of an IAM role to assume before requesting the token.
	// +optional
	Role string `json:"role,omitempty"`

	// Scope picks the registry: private (the default when empty) or public.
	// +kubebuilder:validation:Enum=private;public
	// +optional
	Scope string `json:"scope,omitempty"`
}

// ECRAuthorizationToken generates a short-lived Amazon ECR login. Its output keys are
// username, password, expires_at (Unix seconds) and, for private registries, proxy_endpoint.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type ECRAuthorizationToken struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ECRAuthorizationTokenSpec `json:"spec,omitempty"`
}

// ECRAuthorizationTokenList is a list of ECRAuthorizationToken generators.
// +kubebuilder:object:root=true
type ECRAuthorizationTokenList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ECRAuthorizationToken `json:"items"`
}
