package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FakeSpec holds the fixed values a Fake generator returns.
type FakeSpec struct {
	// Controller selects which external-secrets controller handles this generator, matched
	// against the controller's --controller-class. Empty means every controller.
	// +optional
	Controller string `json:"controller,omitempty"`

	// Data is returned unchanged as the generator's output, key by key.
	// +optional
	Data map[string]string `json:"data,omitempty"`
}

// Fake returns fixed values. It exists for tests and demos: it needs no credentials and
// always produces the same output.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type Fake struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FakeSpec `json:"spec,omitempty"`
}

// FakeList is a list of Fake generators.
// +kubebuilder:object:root=true
type FakeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Fake `json:"items"`
}
