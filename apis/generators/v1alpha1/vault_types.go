package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// VaultDynamicSecretResultType says which part of Vault's response becomes the output.
// +kubebuilder:validation:Enum=Data;Auth;Raw
type VaultDynamicSecretResultType string

const (
	// VaultDynamicSecretResultData returns the "data" section of the response (the default).
	VaultDynamicSecretResultData VaultDynamicSecretResultType = "Data"
	// VaultDynamicSecretResultAuth returns the "auth" section, which is where endpoints such
	// as auth/token/create put the credential they issue.
	VaultDynamicSecretResultAuth VaultDynamicSecretResultType = "Auth"
	// VaultDynamicSecretResultRaw returns the whole response.
	VaultDynamicSecretResultRaw VaultDynamicSecretResultType = "Raw"
)

// VaultDynamicSecretSpec says which Vault endpoint to call, how, and with which Vault
// connection and credentials.
type VaultDynamicSecretSpec struct {
	// Controller selects which external-secrets controller handles this generator, matched
	// against the controller's --controller-class. Empty means every controller.
	// +optional
	Controller string `json:"controller,omitempty"`

	// Provider is the Vault server and authentication to use, in the same form as a
	// SecretStore's spec.provider.vault.
	// +kubebuilder:validation:Required
	Provider *esv1.VaultProvider `json:"provider"`

	// Path is the Vault API path to call, e.g. database/creds/my-role.
	// +kubebuilder:validation:Required
	Path string `json:"path"`

	// Method is the HTTP method to use. GET (the default when empty) reads, LIST lists and
	// DELETE deletes; any other value writes, sending parameters as the request body.
	// +optional
	Method string `json:"method,omitempty"`

	// Parameters is the JSON body sent when Method writes. Ignored for GET, LIST and DELETE.
	// +optional
	Parameters *apiextensionsv1.JSON `json:"parameters,omitempty"`

	// GetParameters are query parameters added to a GET request, each with one or more
	// values.
	// +optional
	GetParameters map[string][]string `json:"getParameters,omitempty"`

	// ResultType picks the part of the response that becomes the output: Data (the default)
	// for the "data" section, Auth for the "auth" section, or Raw for the whole response.
	// Each top-level key of that part becomes one output key.
	// +kubebuilder:default=Data
	// +optional
	ResultType VaultDynamicSecretResultType `json:"resultType,omitempty"`

	// RetrySettings configures retries of failed requests to Vault.
	// +optional
	RetrySettings *esv1.SecretStoreRetrySettings `json:"retrySettings,omitempty"`

	// AllowEmptyResponse, when true, turns an empty response from Vault into an empty
	// output instead of an error. Defaults to false.
	// +kubebuilder:default=false
	// +optional
	AllowEmptyResponse bool `json:"allowEmptyResponse,omitempty"`
}

// VaultDynamicSecret generates credentials by calling a HashiCorp Vault endpoint, typically
// a secrets engine that issues short-lived credentials such as database/creds/<role>.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type VaultDynamicSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec VaultDynamicSecretSpec `json:"spec,omitempty"`
}

// VaultDynamicSecretList is a list of VaultDynamicSecret generators.
// +kubebuilder:object:root=true
type VaultDynamicSecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []VaultDynamicSecret `json:"items"`
}
