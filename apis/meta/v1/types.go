package v1

// SecretKeySelector points at one key of a Kubernetes Secret that holds a credential.
// Namespace is honoured only where the referencing object is cluster-scoped (a
// ClusterSecretStore or a ClusterGenerator); a namespaced object always reads from its own
// namespace, so a tenant can never point a store at another tenant's Secret.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +optional
	Name string `json:"name,omitempty"`

	// Namespace of the Secret. Ignored unless the referencing object is cluster-scoped; when
	// empty there, the namespace of the ExternalSecret that uses the store is used
	// ("referent authentication").
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	// +optional
	Namespace *string `json:"namespace,omitempty"`

	// Key within the Secret's data. Some references have a sensible default and accept it empty.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[-._a-zA-Z0-9]+$
	// +optional
	Key string `json:"key,omitempty"`
}

// ServiceAccountSelector names a ServiceAccount whose token the controller requests (through
// the TokenRequest API) to authenticate to a store with workload identity, so that no
// long-lived credential has to be kept in a Secret.
type ServiceAccountSelector struct {
	// Name of the ServiceAccount.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	Name string `json:"name"`

	// Namespace of the ServiceAccount. Honoured only for cluster-scoped references; when
	// empty there, the namespace of the ExternalSecret is used.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	// +optional
	Namespace *string `json:"namespace,omitempty"`

	// Audiences to request in the token, in addition to any the provider adds itself.
	// +optional
	Audiences []string `json:"audiences,omitempty"`
}
