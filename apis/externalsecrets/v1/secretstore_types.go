package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Store kinds as they appear in secretStoreRef.kind and in GenericStore.GetKind. Kept as
// constants because TypeMeta is empty on objects read through a typed client.
const (
	// SecretStoreKind is the kind of the namespaced store.
	SecretStoreKind = "SecretStore"
	// ClusterSecretStoreKind is the kind of the cluster-scoped store.
	ClusterSecretStoreKind = "ClusterSecretStore"
)

// SecretStoreReady is the one condition type a store reports: whether the provider
// configuration could be turned into a working client.
const SecretStoreReady = "Ready"

// Reasons set on the Ready condition of a store and used as event reasons.
const (
	// ReasonStoreValid means the client was built and validated (or validation is not
	// possible yet, e.g. a ClusterSecretStore with referent authentication).
	ReasonStoreValid = "Valid"
	// ReasonInvalidProviderConfig means the client could not be built or the provider
	// reported the configuration as wrong; Ready is False.
	ReasonInvalidProviderConfig = "InvalidProviderConfig"
	// ReasonValidationUnknown means the provider could not tell whether the configuration
	// works and returned an error saying why; Ready stays True so ExternalSecrets still try.
	ReasonValidationUnknown = "ValidationUnknown"
	// ReasonStoreUnmaintained is the warning event reason for a provider nobody maintains.
	ReasonStoreUnmaintained = "StoreUnmaintained"
	// ReasonStoreDeprecated is the warning event reason for a provider due for removal.
	ReasonStoreDeprecated = "StoreDeprecated"
)

// SecretStoreSpec is the configuration shared by SecretStore and ClusterSecretStore.
type SecretStoreSpec struct {
	// Controller is the controller class that handles this store. Empty means every
	// controller instance handles it; otherwise only the instance started with a matching
	// --controller-class does, which lets several installations share a cluster.
	// +optional
	Controller string `json:"controller,omitempty"`

	// Provider holds the configuration of exactly one secret backend.
	// +kubebuilder:validation:Required
	Provider *SecretStoreProvider `json:"provider"`

	// RetrySettings tunes how the provider's HTTP client retries failed calls.
	// +optional
	RetrySettings *SecretStoreRetrySettings `json:"retrySettings,omitempty"`

	// RefreshInterval is how often the store is revalidated: either an integer number of
	// seconds or a Go duration string such as "10m". Unset or 0 uses the controller's
	// --store-requeue-interval (5m by default).
	// +optional
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 0 : self.matches('^(0|([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+)$')",message="refreshInterval must be a non-negative number of seconds or a Go duration such as 30s, 10m or 1h30m"
	RefreshInterval *intstr.IntOrString `json:"refreshInterval,omitempty"`

	// Conditions restrict which namespaces may use a ClusterSecretStore; an ExternalSecret
	// may use it when any one condition matches its namespace. No conditions means every
	// namespace may. Ignored on a namespaced SecretStore.
	// +optional
	Conditions []ClusterSecretStoreCondition `json:"conditions,omitempty"`
}

// ClusterSecretStoreCondition selects namespaces allowed to use a ClusterSecretStore. A
// namespace matches when it satisfies any one of the criteria that are set.
type ClusterSecretStoreCondition struct {
	// NamespaceSelector matches namespaces by their labels.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Namespaces lists namespaces by name.
	// +optional
	// +kubebuilder:validation:items:MinLength:=1
	// +kubebuilder:validation:items:MaxLength:=63
	// +kubebuilder:validation:items:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	Namespaces []string `json:"namespaces,omitempty"`

	// NamespaceRegexes lists Go regular expressions matched against the namespace name.
	// They are not anchored: "dev" matches "my-dev-ns"; write "^dev$" for an exact match.
	// +optional
	NamespaceRegexes []string `json:"namespaceRegexes,omitempty"`
}

// SecretStoreRetrySettings tunes the retries a provider's HTTP client makes before a call
// is reported as failed (after which the reconcile backs off as usual).
type SecretStoreRetrySettings struct {
	// MaxRetries is the number of retries after the first attempt. Providers that honour
	// an interval but no count default to 3 attempts.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxRetries *int32 `json:"maxRetries,omitempty"`

	// RetryInterval is the fixed wait between retries, as a Go duration string (e.g. "5s").
	// +optional
	RetryInterval *string `json:"retryInterval,omitempty"`
}

// SecretStoreProvider holds the configuration of one secret backend. Exactly one field
// must be set; its JSON name is the key the provider is registered under.
//
// "At most one" is a CEL rule rather than maxProperties=1 on purpose: the apiserver skips
// CEL rules once a max* limit fails, so maxProperties would only ever say "Too many: 2".
// +kubebuilder:validation:XValidation:rule="[has(self.aws), has(self.vault), has(self.gcpsm), has(self.azurekv), has(self.infisical), has(self.kubernetes), has(self.onepassword), has(self.doppler), has(self.webhook), has(self.fake)].filter(x, x).size() != 0",message="no provider is set in spec.provider: set exactly one of aws, vault, gcpsm, azurekv, infisical, kubernetes, onepassword, doppler, webhook or fake"
// +kubebuilder:validation:XValidation:rule="[has(self.aws), has(self.vault), has(self.gcpsm), has(self.azurekv), has(self.infisical), has(self.kubernetes), has(self.onepassword), has(self.doppler), has(self.webhook), has(self.fake)].filter(x, x).size() <= 1",message="more than one provider is set in spec.provider: a store talks to exactly one backend, keep one provider and move the others to their own stores"
type SecretStoreProvider struct {
	// AWS reads from AWS Secrets Manager, SSM Parameter Store or Certificate Manager.
	// +optional
	AWS *AWSProvider `json:"aws,omitempty"`

	// Vault reads from a HashiCorp Vault (or OpenBao) KV secrets engine.
	// +optional
	Vault *VaultProvider `json:"vault,omitempty"`

	// GCPSM reads from Google Cloud Secret Manager.
	// +optional
	GCPSM *GCPSMProvider `json:"gcpsm,omitempty"`

	// AzureKV reads secrets, certificates and keys from Azure Key Vault.
	// +optional
	AzureKV *AzureKVProvider `json:"azurekv,omitempty"`

	// Infisical reads from an Infisical project environment.
	// +optional
	Infisical *InfisicalProvider `json:"infisical,omitempty"`

	// Kubernetes reads Secrets from a namespace of this or another cluster.
	// +optional
	Kubernetes *KubernetesProvider `json:"kubernetes,omitempty"`

	// OnePassword reads items from 1Password through a Connect server.
	// +optional
	OnePassword *OnePasswordProvider `json:"onepassword,omitempty"`

	// Doppler reads from a Doppler project config.
	// +optional
	Doppler *DopplerProvider `json:"doppler,omitempty"`

	// Webhook reads from any HTTP endpoint through templated requests.
	// +optional
	Webhook *WebhookProvider `json:"webhook,omitempty"`

	// Fake serves static values from the store itself; meant for tests and demos.
	// +optional
	Fake *FakeProvider `json:"fake,omitempty"`
}

// CAProviderType says which kind of object holds a CA certificate.
// +kubebuilder:validation:Enum=Secret;ConfigMap
type CAProviderType string

// The object kinds a CAProvider can point at.
const (
	// CAProviderTypeSecret reads the CA certificate from a Secret.
	CAProviderTypeSecret CAProviderType = "Secret"
	// CAProviderTypeConfigMap reads the CA certificate from a ConfigMap.
	CAProviderTypeConfigMap CAProviderType = "ConfigMap"
)

// CAProvider points at a PEM-encoded CA certificate kept in a Secret or ConfigMap, used to
// verify a provider's TLS server certificate when it is not signed by a public CA.
type CAProvider struct {
	// Type is the kind of object holding the certificate: Secret or ConfigMap.
	Type CAProviderType `json:"type"`

	// Name of the Secret or ConfigMap.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	Name string `json:"name"`

	// Key of the certificate within the object's data.
	// +optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[-._a-zA-Z0-9]+$
	Key string `json:"key,omitempty"`

	// Namespace of the object. Only a ClusterSecretStore may set it; a namespaced store
	// always reads from its own namespace.
	// +optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	Namespace *string `json:"namespace,omitempty"`
}

// SecretStoreCapabilities says which directions of sync a store supports; it is reported
// by the provider and shown in status.
// +kubebuilder:validation:Enum=ReadOnly;WriteOnly;ReadWrite
type SecretStoreCapabilities string

// The capabilities a provider can report.
const (
	// SecretStoreReadOnly stores can serve ExternalSecrets but not PushSecrets.
	SecretStoreReadOnly SecretStoreCapabilities = "ReadOnly"
	// SecretStoreWriteOnly stores can serve PushSecrets but not ExternalSecrets.
	SecretStoreWriteOnly SecretStoreCapabilities = "WriteOnly"
	// SecretStoreReadWrite stores can serve both.
	SecretStoreReadWrite SecretStoreCapabilities = "ReadWrite"
)

// ValidationResult is the outcome of a provider's credential check. The numeric values
// are part of the API: FakeProvider.validationResult is written as an integer.
// +kubebuilder:validation:Minimum=0
// +kubebuilder:validation:Maximum=2
type ValidationResult uint8

// The possible outcomes of a credential check.
const (
	// ValidationResultReady (0): the provider could authenticate.
	ValidationResultReady ValidationResult = iota
	// ValidationResultUnknown (1): the provider cannot tell yet, e.g. a ClusterSecretStore
	// whose credentials live in the namespace of each ExternalSecret.
	ValidationResultUnknown
	// ValidationResultError (2): the configuration does not work.
	ValidationResultError
)

// String returns the name of the result for logs and messages.
func (v ValidationResult) String() string {
	switch v {
	case ValidationResultReady:
		return "Ready"
	case ValidationResultUnknown:
		return "Unknown"
	case ValidationResultError:
		return "Error"
	default:
		return "Invalid"
	}
}

// SecretStoreStatus is what the store controller last observed.
type SecretStoreStatus struct {
	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Capabilities reports whether the provider can read, write or both.
	// +optional
	Capabilities SecretStoreCapabilities `json:"capabilities,omitempty"`
}

// SecretStore is a namespaced connection to an external secret backend. ExternalSecrets
// and PushSecrets in the same namespace reference it by name; credentials it names are
// always read from its own namespace.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=ss,categories={external-secrets}
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Capabilities",type="string",JSONPath=`.status.capabilities`
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=`.status.conditions[?(@.type=="Ready")].status`
type SecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec configures the backend.
	Spec SecretStoreSpec `json:"spec,omitempty"`
	// Status reports whether the backend is usable.
	Status SecretStoreStatus `json:"status,omitempty"`
}

// SecretStoreList is a list of SecretStores.
// +kubebuilder:object:root=true
type SecretStoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the stores.
	Items []SecretStore `json:"items"`
}

// ClusterSecretStore is a cluster-wide connection to an external secret backend, usable
// from every namespace its conditions allow. Credential selectors may name a namespace;
// when they do not, they are resolved in the namespace of the ExternalSecret using the
// store ("referent authentication").
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=css,categories={external-secrets}
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Capabilities",type="string",JSONPath=`.status.capabilities`
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=`.status.conditions[?(@.type=="Ready")].status`
type ClusterSecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec configures the backend.
	Spec SecretStoreSpec `json:"spec,omitempty"`
	// Status reports whether the backend is usable.
	Status SecretStoreStatus `json:"status,omitempty"`
}

// ClusterSecretStoreList is a list of ClusterSecretStores.
// +kubebuilder:object:root=true
type ClusterSecretStoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the stores.
	Items []ClusterSecretStore `json:"items"`
}
