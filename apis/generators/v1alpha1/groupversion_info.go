// Package v1alpha1 is the generators.external-secrets.io API: kinds that produce a value (a
// password, a registry token, dynamic database credentials) instead of copying one, the
// cluster-scoped ClusterGenerator wrapper, and GeneratorState bookkeeping.
// +kubebuilder:object:generate=true
// +groupName=generators.external-secrets.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of every generator kind.
	GroupVersion = schema.GroupVersion{Group: "generators.external-secrets.io", Version: "v1alpha1"}

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
		&ClusterGenerator{}, &ClusterGeneratorList{},
		&ECRAuthorizationToken{}, &ECRAuthorizationTokenList{},
		&Fake{}, &FakeList{},
		&GCRAccessToken{}, &GCRAccessTokenList{},
		&GeneratorState{}, &GeneratorStateList{},
		&Password{}, &PasswordList{},
		&UUID{}, &UUIDList{},
		&VaultDynamicSecret{}, &VaultDynamicSecretList{},
		&Webhook{}, &WebhookList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
