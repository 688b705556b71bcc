package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// WebhookSpec configures the HTTP call of a Webhook generator. It has exactly the fields of
// a SecretStore's spec.provider.webhook (url, method, headers, auth, body, timeout, result,
// secrets, caBundle, caProvider), so one definition serves both and they cannot drift apart.
type WebhookSpec struct {
	esv1.WebhookProvider `json:",inline"`
}

// Webhook generates values by calling an HTTP endpoint and flattening the JSON object it
// returns (after result.jsonPath) into output keys. Secrets referenced in spec.secrets must
// carry the label external-secrets.io/type=webhook.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,categories={external-secrets,external-secrets-generators}
type Webhook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec WebhookSpec `json:"spec,omitempty"`
}

// WebhookList is a list of Webhook generators.
// +kubebuilder:object:root=true
type WebhookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Webhook `json:"items"`
}
