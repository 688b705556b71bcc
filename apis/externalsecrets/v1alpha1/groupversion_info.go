// Package v1alpha1 holds the external-secrets.io kinds that have no v1 yet: PushSecret and
// ClusterPushSecret, which copy a Kubernetes Secret out to an external store.
// +kubebuilder:object:generate=true
// +groupName=external-secrets.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of the push kinds.
	GroupVersion = schema.GroupVersion{Group: "external-secrets.io", Version: "v1alpha1"}

	// SchemeBuilder collects the kinds of this version so main and the tests can register
	// them on a scheme with one call.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme registers every kind of this version on a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
