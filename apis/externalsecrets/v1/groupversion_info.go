// Package v1 is the storage version of the external-secrets.io API: ExternalSecret,
// ClusterExternalSecret, SecretStore and ClusterSecretStore. It holds types, validation markers
// and small accessors only; controllers and providers depend on it, never the other way round.
// +kubebuilder:object:generate=true
// +groupName=external-secrets.io
package v1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version the controllers read and write.
	GroupVersion = schema.GroupVersion{Group: "external-secrets.io", Version: "v1"}

	// SchemeBuilder collects the kinds of this version so main and the tests can register
	// them on a scheme with one call.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme registers every kind of this version on a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
