package v1alpha1

// Kind names of the generators this API serves. They are the values accepted in
// ClusterGenerator spec.kind and in an ExternalSecret's or PushSecret's generatorRef.kind.
const (
	// PasswordKind is the kind name of Password.
	PasswordKind = "Password"
	// UUIDKind is the kind name of UUID.
	UUIDKind = "UUID"
	// FakeKind is the kind name of Fake.
	FakeKind = "Fake"
	// ECRAuthorizationTokenKind is the kind name of ECRAuthorizationToken.
	ECRAuthorizationTokenKind = "ECRAuthorizationToken"
	// GCRAccessTokenKind is the kind name of GCRAccessToken.
	GCRAccessTokenKind = "GCRAccessToken"
	// VaultDynamicSecretKind is the kind name of VaultDynamicSecret.
	VaultDynamicSecretKind = "VaultDynamicSecret"
	// WebhookKind is the kind name of Webhook.
	WebhookKind = "Webhook"
)

// Kind names of the wrapper and bookkeeping kinds of this API, which do not generate values
// themselves.
const (
	// ClusterGeneratorKind is the kind name of ClusterGenerator.
	ClusterGeneratorKind = "ClusterGenerator"
	// GeneratorStateKind is the kind name of GeneratorState.
	GeneratorStateKind = "GeneratorState"
)

// GeneratorKind names the kind of generator a ClusterGenerator wraps. The enum below must
// list exactly the names returned by GeneratorKinds.
// +kubebuilder:validation:Enum=Password;UUID;Fake;ECRAuthorizationToken;GCRAccessToken;VaultDynamicSecret;Webhook
type GeneratorKind string

// GeneratorKinds returns the kind names of every generator this API serves, in a fixed
// order. It returns a new slice on each call so that callers may modify it.
func GeneratorKinds() []string {
	return []string{
		PasswordKind,
		UUIDKind,
		FakeKind,
		ECRAuthorizationTokenKind,
		GCRAccessTokenKind,
		VaultDynamicSecretKind,
		WebhookKind,
	}
}
