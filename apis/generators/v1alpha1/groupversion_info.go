// Package v1alpha1 is the generators.external-secrets.io API: kinds that produce a value (a
// password, a registry token, dynamic database credentials) instead of copying one, the
// cluster-scoped ClusterGenerator wrapper, and GeneratorState bookkeeping.
// +kubebuilder:object:generate=true
// +groupName=generators.external-secrets.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every generator kind.
	GroupVersion = schema.GroupVersion{Group: "generators.external-secrets.io", Version: "v1alpha1"}

	// SchemeBuilder collects the kinds of this version so main and the tests can register
	// them on a scheme with one call.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme registers every kind of this version on a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
