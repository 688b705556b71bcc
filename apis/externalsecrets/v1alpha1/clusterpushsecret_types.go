package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterPushSecretKind is the kind name of ClusterPushSecret.
const ClusterPushSecretKind = "ClusterPushSecret"

// ClusterPushSecretReady is the condition type that reports whether a PushSecret was
// created or updated in every selected namespace.
const ClusterPushSecretReady = "Ready"

// ClusterPushSecretSpec is the desired state of a ClusterPushSecret: one PushSecret spec,
// stamped out into every namespace that matches one of the selectors.
type ClusterPushSecretSpec struct {
	// PushSecretSpec is copied verbatim into the PushSecret created in each namespace.
	// +kubebuilder:validation:Required
	PushSecretSpec PushSecretSpec `json:"pushSecretSpec"`

	// RefreshInterval is how often the controller re-lists namespaces and re-applies the
	// PushSecrets, so that label changes on namespaces are picked up. When empty the
	// controller uses one hour.
	// +optional
	RefreshInterval *metav1.Duration `json:"refreshTime,omitempty"`

	// PushSecretName is the name given to each created PushSecret. Defaults to the name of
	// the ClusterPushSecret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +optional
	PushSecretName string `json:"pushSecretName,omitempty"`

	// PushSecretMetadata holds the labels and annotations set on each created PushSecret;
	// they replace whatever labels and annotations the PushSecret had.
	// +optional
	PushSecretMetadata PushSecretMetadata `json:"pushSecretMetadata,omitempty"`

	// NamespaceSelectors choose the namespaces that get a PushSecret. A namespace is chosen
	// when any selector matches it; an empty selector ({}) matches every namespace and no
	// selectors match none.
	// +optional
	NamespaceSelectors []*metav1.LabelSelector `json:"namespaceSelectors,omitempty"`
}

// PushSecretMetadata is the metadata given to PushSecrets created by a ClusterPushSecret.
type PushSecretMetadata struct {
	// Annotations set on each created PushSecret.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels set on each created PushSecret.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// ClusterPushSecretNamespaceFailure says why the PushSecret could not be applied in one
// namespace.
type ClusterPushSecretNamespaceFailure struct {
	// Namespace where applying the PushSecret failed.
	// +kubebuilder:validation:Required
	Namespace string `json:"namespace"`

	// Reason describes the failure, for example a PushSecret of the same name that this
	// ClusterPushSecret does not own.
	// +optional
	Reason string `json:"reason,omitempty"`
}

// ClusterPushSecretStatus is the observed state of a ClusterPushSecret.
type ClusterPushSecretStatus struct {
	// PushSecretName is the name the PushSecrets were last created with; used to clean up
	// the old ones when spec.pushSecretName changes.
	// +optional
	PushSecretName string `json:"pushSecretName,omitempty"`

	// ProvisionedNamespaces lists, sorted, the namespaces that hold a PushSecret owned by
	// this ClusterPushSecret.
	// +optional
	ProvisionedNamespaces []string `json:"provisionedNamespaces,omitempty"`

	// FailedNamespaces lists, sorted by namespace, the namespaces where the PushSecret could
	// not be applied, with the reason.
	// +optional
	FailedNamespaces []ClusterPushSecretNamespaceFailure `json:"failedNamespaces,omitempty"`

	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ClusterPushSecret creates the same PushSecret in every namespace chosen by its
// namespace selectors, and removes it from namespaces that stop matching.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Cluster,categories={external-secrets}
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].reason"
type ClusterPushSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterPushSecretSpec   `json:"spec,omitempty"`
	Status ClusterPushSecretStatus `json:"status,omitempty"`
}

// ClusterPushSecretList is a list of ClusterPushSecrets.
// +kubebuilder:object:root=true
type ClusterPushSecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ClusterPushSecret `json:"items"`
}
