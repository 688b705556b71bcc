package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterGeneratorSpec names a generator kind and carries its spec.
// +kubebuilder:validation:XValidation:rule="!has(self.generator) || ((self.kind == 'Password') == has(self.generator.passwordSpec) && (self.kind == 'UUID') == has(self.generator.uuidSpec) && (self.kind == 'Fake') == has(self.generator.fakeSpec) && (self.kind == 'ECRAuthorizationToken') == has(self.generator.ecrAuthorizationTokenSpec) && (self.kind == 'GCRAccessToken') == has(self.generator.gcrAccessTokenSpec) && (self.kind == 'VaultDynamicSecret') == has(self.generator.vaultDynamicSecretSpec) && (self.kind == 'Webhook') == has(self.generator.webhookSpec))",message="spec.generator must set exactly the spec for spec.kind, e.g. passwordSpec when kind is Password; set the matching field or change kind"
type ClusterGeneratorSpec struct {
	// Kind is the generator kind this ClusterGenerator behaves as. The field of generator
	// that belongs to this kind must be set, and no other.
	// +kubebuilder:validation:Required
	Kind GeneratorKind `json:"kind"`

	// Generator holds the spec of the wrapped generator.
	// +kubebuilder:validation:Required
	Generator GeneratorSpec `json:"generator"`
}

// GeneratorSpec holds the spec of exactly one generator kind; which one is given by the
// ClusterGenerator's spec.kind.
// +kubebuilder:validation:XValidation:rule="[has(self.passwordSpec), has(self.uuidSpec), has(self.fakeSpec), has(self.ecrAuthorizationTokenSpec), has(self.gcrAccessTokenSpec), has(self.vaultDynamicSecretSpec), has(self.webhookSpec)].exists_one(x, x)",message="spec.generator must set exactly one generator spec (passwordSpec, uuidSpec, fakeSpec, ecrAuthorizationTokenSpec, gcrAccessTokenSpec, vaultDynamicSecretSpec or webhookSpec)"
type GeneratorSpec struct {
	// PasswordSpec is the spec when kind is Password.
	// +optional
	PasswordSpec *PasswordSpec `json:"passwordSpec,omitempty"`

	// UUIDSpec is the spec when kind is UUID; it has no fields, so set it to {}.
	// +optional
	UUIDSpec *UUIDSpec `json:"uuidSpec,omitempty"`

	// FakeSpec is the spec when kind is Fake.
	// +optional
	FakeSpec *FakeSpec `json:"fakeSpec,omitempty"`

	// ECRAuthorizationTokenSpec is the spec when kind is ECRAuthorizationToken.
	// +optional
	ECRAuthorizationTokenSpec *ECRAuthorizationTokenSpec `json:"ecrAuthorizationTokenSpec,omitempty"`

	// GCRAccessTokenSpec is the spec when kind is GCRAccessToken.
	// +optional
	GCRAccessTokenSpec *GCRAccessTokenSpec `json:"gcrAccessTokenSpec,omitempty"`

	// VaultDynamicSecretSpec is the spec when kind is VaultDynamicSecret.
	// +optional
	VaultDynamicSecretSpec *VaultDynamicSecretSpec `json:"vaultDynamicSecretSpec,omitempty"`

	// WebhookSpec is the spec when kind is Webhook.
	// +optional
	WebhookSpec *WebhookSpec `json:"webhookSpec,omitempty"`
}

// ClusterGenerator makes one generator usable from every namespace. An ExternalSecret or
// PushSecret that references it gets a generator of spec.kind with the wrapped spec, as if
// that generator lived in the referencing object's namespace: Secret references without a
// namespace resolve there.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Cluster,categories={external-secrets,external-secrets-generators}
type ClusterGenerator struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ClusterGeneratorSpec `json:"spec,omitempty"`
}

// ClusterGeneratorList is a list of ClusterGenerators.
// +kubebuilder:object:root=true
type ClusterGeneratorList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []ClusterGenerator `json:"items"`
}
