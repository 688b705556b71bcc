// Package v1 is the storage version of the external-secrets.io API: ExternalSecret,
// ClusterExternalSecret, SecretStore and ClusterSecretStore. It holds types, validation markers
// and small accessors only; controllers and providers depend on it, never the other way round.
// +kubebuilder:object:generate=true
// +groupName=external-secrets.io
package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version the controllers read and write.
	GroupVersion = schema.GroupVersion{Group: "external-secrets.io", Version: "v1"}

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
		&ClusterExternalSecret{}, &ClusterExternalSecretList{},
		&ExternalSecret{}, &ExternalSecretList{},
		&SecretStore{}, &SecretStoreList{}, &ClusterSecretStore{}, &ClusterSecretStoreList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
