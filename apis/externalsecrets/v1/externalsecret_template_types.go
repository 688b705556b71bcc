package v1

import (
	corev1 "k8s.io/api/core/v1"
)

// ExternalSecretTemplate renders the target Secret from the provider data with Go
// templates (engine v2: text/template plus the sprig and external-secrets functions).
// +kubebuilder:validation:XValidation:rule="!has(self.type) || self.type != 'bootstrap.kubernetes.io/token'",message="template.type=\"bootstrap.kubernetes.io/token\" is not allowed: such a Secret lets nodes join the cluster; use another type such as Opaque"
// +kubebuilder:validation:XValidation:rule="!has(self.type) || self.type != 'kubernetes.io/service-account-token' || !has(self.metadata) || !has(self.metadata.annotations) || !('kubernetes.io/service-account.name' in self.metadata.annotations)",message="template.type=\"kubernetes.io/service-account-token\" with annotation \"kubernetes.io/service-account.name\" is not allowed: the cluster would issue a token for that ServiceAccount; remove the annotation or use another type"
type ExternalSecretTemplate struct {
	// Type of the Secret, e.g. Opaque or kubernetes.io/dockerconfigjson. Empty keeps the
	// type of an existing Secret and creates new ones as Opaque.
	// +optional
	Type corev1.SecretType `json:"type,omitempty"`

	// EngineVersion selects the template engine; v2 is the only one and the default.
	// +kubebuilder:default="v2"
	// +optional
	EngineVersion TemplateEngineVersion `json:"engineVersion,omitempty"`

	// Metadata holds labels, annotations and finalizers for the Secret. Label and
	// annotation values are templates too.
	// +optional
	Metadata ExternalSecretTemplateMetadata `json:"metadata,omitempty"`

	// MergePolicy says whether the provider data is also stored when templates produce
	// data: Replace (the default) stores only the rendered keys; Merge stores the provider
	// data first and lets rendered keys overwrite it. (Without data or templateFrom, the
	// provider data is always stored.)
	// +kubebuilder:default="Replace"
	// +optional
	MergePolicy TemplateMergePolicy `json:"mergePolicy,omitempty"`

	// Data maps Secret keys to templates; each is rendered with the provider data (keys
	// as fields, e.g. {{ .password }}) and wins over every other source of that key.
	// +optional
	Data map[string]string `json:"data,omitempty"`

	// TemplateFrom adds templates kept in ConfigMaps, Secrets or inline literals, applied
	// in order before Data.
	// +optional
	// +listType=atomic
	TemplateFrom []TemplateFrom `json:"templateFrom,omitempty"`
}

// ExternalSecretTemplateMetadata is the metadata given to the target Secret.
type ExternalSecretTemplateMetadata struct {
	// Annotations to set on the Secret; values are templates.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels to set on the Secret; values are templates.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Finalizers to add to the Secret (not while it is being deleted).
	// +optional
	// +listType=atomic
	Finalizers []string `json:"finalizers,omitempty"`
}

// TemplateEngineVersion names a template engine.
// +kubebuilder:validation:Enum=v2
type TemplateEngineVersion string

// TemplateEngineV2 is Go text/template with sprig (minus functions that read the
// environment or the network) and the external-secrets functions.
const TemplateEngineV2 TemplateEngineVersion = "v2"

// TemplateMergePolicy says how rendered data and provider data are combined.
// +kubebuilder:validation:Enum=Replace;Merge
type TemplateMergePolicy string

// The template merge policies.
const (
	// MergePolicyReplace stores only rendered keys when any template produces data.
	MergePolicyReplace TemplateMergePolicy = "Replace"
	// MergePolicyMerge stores the provider data and lets rendered keys overwrite it.
	MergePolicyMerge TemplateMergePolicy = "Merge"
)

// TemplateFrom is a source of templates. Each of configMap, secret and literal that is
// set is applied, in that order.
type TemplateFrom struct {
	// ConfigMap reads templates from keys of a ConfigMap in the ExternalSecret's namespace.
	// +optional
	ConfigMap *TemplateRef `json:"configMap,omitempty"`

	// Secret reads templates from keys of a Secret in the ExternalSecret's namespace.
	// +optional
	Secret *TemplateRef `json:"secret,omitempty"`

	// Literal is an inline template whose output is YAML mapping keys to values, all of
	// which are written to the target.
	// +optional
	Literal *string `json:"literal,omitempty"`

	// Target is the part of the Secret the rendered output goes to: Data (the default),
	// Annotations or Labels (matched case-insensitively).
	// +kubebuilder:default="Data"
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Target TemplateTarget `json:"target,omitempty"`

	// ValuesDecodingStrategy decodes each rendered value before it is stored: None (or
	// empty), Base64, Base64URL or Auto. Useful when a template produces base64 of binary
	// data.
	// +optional
	ValuesDecodingStrategy ExternalSecretDecodingStrategy `json:"valuesDecodingStrategy,omitempty"`
}

// TemplateRef names a ConfigMap or Secret holding templates and the keys to use.
type TemplateRef struct {
	// Name of the ConfigMap or Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// Items are the keys holding templates.
	// +listType=atomic
	Items []TemplateRefItem `json:"items"`
}

// TemplateRefItem is one key of a ConfigMap or Secret holding a template.
type TemplateRefItem struct {
	// Key of the template in the ConfigMap's or Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`

	// TemplateAs says how the template is used: Values (the default) renders it and stores
	// the output under the same key; KeysAndValues renders it to YAML mapping keys to
	// values and stores every pair.
	// +kubebuilder:default="Values"
	// +optional
	TemplateAs TemplateScope `json:"templateAs,omitempty"`
}

// TemplateScope says how a template's output is turned into keys.
// +kubebuilder:validation:Enum=Values;KeysAndValues
type TemplateScope string

// The template scopes.
const (
	// TemplateScopeValues stores the output under the template's own key.
	TemplateScopeValues TemplateScope = "Values"
	// TemplateScopeKeysAndValues parses the output as a YAML map of keys to values.
	TemplateScopeKeysAndValues TemplateScope = "KeysAndValues"
)

// TemplateTarget is the part of the target a template writes to. For a Secret it is one of
// the constants below, compared case-insensitively.
type TemplateTarget string

// The template targets of a Secret.
const (
	// TemplateTargetData writes to the Secret's data.
	TemplateTargetData TemplateTarget = "Data"
	// TemplateTargetAnnotations writes to the Secret's annotations.
	TemplateTargetAnnotations TemplateTarget = "Annotations"
	// TemplateTargetLabels writes to the Secret's labels.
	TemplateTargetLabels TemplateTarget = "Labels"
)
