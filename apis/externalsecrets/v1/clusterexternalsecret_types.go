package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons of the Ready condition of a ClusterExternalSecret. (Upstream leaves the reason
// empty; metav1.Condition requires one.)
const (
	// ConditionReasonNamespacesProvisioned means an ExternalSecret exists in every selected
	// namespace; Ready is True.
	ConditionReasonNamespacesProvisioned = "NamespacesProvisioned"
	// ConditionReasonNamespacesFailed means at least one selected namespace could not get
	// its ExternalSecret (see status.failedNamespaces); Ready is False.
	ConditionReasonNamespacesFailed = "NamespacesFailed"
)

// ClusterExternalSecretSpec says which ExternalSecret to create and in which namespaces.
// The namespace selectors are ORed: a namespace matching any of them gets the
// ExternalSecret.
type ClusterExternalSecretSpec struct {
	// ExternalSecretSpec is the spec of the ExternalSecret created in each namespace.
	ExternalSecretSpec ExternalSecretSpec `json:"externalSecretSpec"`

	// ExternalSecretName is the name of the ExternalSecrets created. Defaults to the
	// ClusterExternalSecret's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	ExternalSecretName string `json:"externalSecretName,omitempty"`

	// ExternalSecretMetadata holds the labels and annotations given to the ExternalSecrets
	// created; they replace whatever the ExternalSecrets carried.
	// +optional
	ExternalSecretMetadata ExternalSecretMetadata `json:"externalSecretMetadata,omitempty"`

	// NamespaceSelector selects namespaces by label. Kept for older manifests; prefer
	// namespaceSelectors.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// NamespaceSelectors select namespaces by label; an empty selector ({}) selects every
	// namespace. With no selector and no namespaces, no namespace is selected.
	// +optional
	// +listType=atomic
	NamespaceSelectors []*metav1.LabelSelector `json:"namespaceSelectors,omitempty"`

	// Namespaces lists namespaces by name. Kept for older manifests; prefer
	// namespaceSelectors with the kubernetes.io/metadata.name label.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespaces []string `json:"namespaces,omitempty"`

	// RefreshInterval (refreshTime) is how often the selected namespaces are listed again
	// and the ExternalSecrets brought up to date, as a Go duration. Defaults to 1h.
	// Namespace changes are also picked up at once through a watch.
	// +kubebuilder:default="1h0m0s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[-+]?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')`,message="refreshTime must be a duration such as 1h, 15m or 30s"
	// +optional
	RefreshInterval *metav1.Duration `json:"refreshTime,omitempty"`
}

// ExternalSecretMetadata is the metadata given to the ExternalSecrets a
// ClusterExternalSecret creates.
type ExternalSecretMetadata struct {
	// Annotations to set on each ExternalSecret.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels to set on each ExternalSecret.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// ClusterExternalSecretNamespaceFailure says why one namespace did not get its
// ExternalSecret.
type ClusterExternalSecretNamespaceFailure struct {
	// Namespace that failed.
	Namespace string `json:"namespace"`

	// Reason it failed, e.g. an ExternalSecret of that name that this
	// ClusterExternalSecret does not own already exists.
	// +optional
	Reason string `json:"reason,omitempty"`
}

// ClusterExternalSecretStatus is what the controller last observed and did.
type ClusterExternalSecretStatus struct {
	// ExternalSecretName is the name of the ExternalSecrets created, as last applied.
	// +optional
	ExternalSecretName string `json:"externalSecretName,omitempty"`

	// FailedNamespaces lists, sorted by name, the namespaces that did not get their
	// ExternalSecret and why.
	// +optional
	// +listType=atomic
	FailedNamespaces []ClusterExternalSecretNamespaceFailure `json:"failedNamespaces,omitempty"`

	// ProvisionedNamespaces lists, sorted, the namespaces that have the ExternalSecret.
	// +optional
	// +listType=atomic
	ProvisionedNamespaces []string `json:"provisionedNamespaces,omitempty"`

	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ClusterExternalSecret creates the same ExternalSecret in every namespace its selectors
// match, and removes it from namespaces that stop matching.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ces,categories={external-secrets}
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:printcolumn:name="Store",type=string,JSONPath=`.spec.externalSecretSpec.secretStoreRef.name`
// +kubebuilder:printcolumn:name="Refresh Interval",type=string,JSONPath=`.spec.refreshTime`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
type ClusterExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which ExternalSecret to create and where.
	Spec ClusterExternalSecretSpec `json:"spec,omitempty"`
	// Status reports where it was created.
	Status ClusterExternalSecretStatus `json:"status,omitempty"`
}

// ExternalSecretName returns the name of the ExternalSecrets this ClusterExternalSecret
// creates: spec.externalSecretName, or its own name when that is empty.
func (c *ClusterExternalSecret) ExternalSecretName() string {
	if c.Spec.ExternalSecretName != "" {
		return c.Spec.ExternalSecretName
	}
	return c.Name
}

// GetConditions returns the status conditions.
func (c *ClusterExternalSecret) GetConditions() []metav1.Condition { return c.Status.Conditions }

// SetConditions replaces the status conditions.
func (c *ClusterExternalSecret) SetConditions(conditions []metav1.Condition) {
	c.Status.Conditions = conditions
}

// ClusterExternalSecretList is a list of ClusterExternalSecrets.
// +kubebuilder:object:root=true
type ClusterExternalSecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ClusterExternalSecrets.
	Items []ClusterExternalSecret `json:"items"`
}
