package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// WebhookProvider reads secrets from an arbitrary HTTP API. url, headers, body and
// result.jsonPath are Go templates that see .remoteRef.key, .remoteRef.version,
// .remoteRef.property and, for each entry of secrets, .<name>.<dataKey>.
// +kubebuilder:validation:XValidation:rule="!(has(self.caBundle) && has(self.caProvider))",message="caBundle and caProvider are mutually exclusive: give the CA inline in caBundle or reference it with caProvider, not both"
type WebhookProvider struct {
	// Method is the HTTP method. Empty means GET for reads (POST when pushing).
	// +optional
	Method string `json:"method,omitempty"`

	// URL is the templated address to call.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`

	// Headers are added to each request; values are templates.
	// +optional
	Headers map[string]string `json:"headers,omitempty"`

	// Auth selects an authentication protocol for the endpoint.
	// +optional
	Auth *WebhookAuth `json:"auth,omitempty"`

	// Body is the templated request body.
	// +optional
	Body string `json:"body,omitempty"`

	// Timeout bounds each request, e.g. "10s".
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Result says how to pick the value out of the response.
	// +optional
	Result WebhookResult `json:"result,omitempty"`

	// Secrets exposes Secrets to the templates, each under its name. The referenced
	// Secrets must carry the label external-secrets.io/type: webhook.
	// +optional
	Secrets []WebhookSecret `json:"secrets,omitempty"`

	// CABundle is a PEM-encoded CA bundle that verifies the endpoint's certificate.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// CAProvider references the CA certificate that verifies the endpoint.
	// +optional
	CAProvider *CAProvider `json:"caProvider,omitempty"`
}

// WebhookAuth selects an authentication protocol; NTLM is the only one today.
// +kubebuilder:validation:XValidation:rule="has(self.ntlm)",message="auth must set ntlm (the only supported protocol), or be removed"
type WebhookAuth struct {
	// NTLM authenticates with NTLM, e.g. against Windows-hosted APIs.
	// +optional
	NTLM *NTLMProtocol `json:"ntlm,omitempty"`
}

// NTLMProtocol points at the NTLM username and password.
type NTLMProtocol struct {
	// UserName selects the username.
	UserName esmeta.SecretKeySelector `json:"usernameSecret"`
	// Password selects the password.
	Password esmeta.SecretKeySelector `json:"passwordSecret"`
}

// WebhookResult says how to extract the secret value from a response.
type WebhookResult struct {
	// JSONPath is a templated JSONPath expression applied to the JSON response; empty
	// returns the whole body.
	// +optional
	JSONPath string `json:"jsonPath,omitempty"`
}

// WebhookSecret exposes one Secret to the request templates.
type WebhookSecret struct {
	// Name is the template variable the Secret's data appears under.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// SecretRef names the Secret (the key is not used: the whole data map is exposed).
	SecretRef esmeta.SecretKeySelector `json:"secretRef"`
}
