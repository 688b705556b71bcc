// Package v1alpha1 holds the external-secrets.io kinds that have no v1 yet: PushSecret and
// ClusterPushSecret, which copy a Kubernetes Secret out to an external store.
// +kubebuilder:object:generate=true
// +groupName=external-secrets.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of the push kinds.
	GroupVersion = schema.GroupVersion{Group: "external-secrets.io", Version: "v1alpha1"}

	// SchemeBuilder collects the kinds of this version so main and the tests can register
	// them on a scheme with one call.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme registers every kind of this version on a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes lists the kinds of this version explicitly (no init() registration), so what a
// scheme knows is visible in one place.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&ClusterPushSecret{}, &ClusterPushSecretList{},
		&PushSecret{}, &PushSecretList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
