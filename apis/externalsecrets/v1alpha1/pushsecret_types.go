package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	esv1 "github.com/seedb5e69c69/external-secrets/apis/externalsecrets/v1"
)

// PushSecretKind is the kind name of PushSecret, used in status keys, events and metrics.
const PushSecretKind = "PushSecret"

// PushSecretFinalizer is added to a PushSecret whose deletionPolicy is Delete, so that the
// controller can remove what it pushed from every store before the object goes away.
const PushSecretFinalizer = "pushsecret.externalsecrets.io/finalizer"

// PushSecretStoreFinalizer is added to a SecretStore or ClusterSecretStore that a PushSecret
// with deletionPolicy Delete pushes to: the store must outlive the PushSecret, otherwise the
// pushed copies could no longer be deleted.
const PushSecretStoreFinalizer = "secretstore.externalsecrets.io/finalizer"

// PushSecretReady is the condition type that reports whether the last push succeeded.
const PushSecretReady = "Ready"

// Reasons used on the Ready condition of a PushSecret.
const (
	// ReasonSynced means every selected key was pushed to every selected store.
	ReasonSynced = "Synced"
	// ReasonErrored means the source could not be read or a push to a store failed.
	ReasonErrored = "Errored"
	// ReasonSourceDeleted means the source Secret is gone and, under deletionPolicy Delete,
	// the copies in the stores were removed as well.
	ReasonSourceDeleted = "SourceDeleted"
)

// PushSecretStoreRef selects the stores a PushSecret writes to, either one store by name or
// every store of the given kind that matches a label selector.
// +kubebuilder:validation:XValidation:rule="has(self.name) || has(self.labelSelector)",message="a store reference must set name or labelSelector to say which store(s) to push to"
type PushSecretStoreRef struct {
	// Name of the SecretStore or ClusterSecretStore to push to.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +optional
	Name string `json:"name,omitempty"`

	// LabelSelector pushes to every store of the given kind whose labels match, instead of a
	// single named store.
	// +optional
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`

	// Kind of the referenced store: SecretStore (the default, same namespace as the
	// PushSecret) or ClusterSecretStore.
	// +kubebuilder:default="SecretStore"
	// +kubebuilder:validation:Enum=SecretStore;ClusterSecretStore
	// +optional
	Kind string `json:"kind,omitempty"`
}

// PushSecretUpdatePolicy says whether a push may overwrite a value that already exists in
// the store.
// +kubebuilder:validation:Enum=Replace;IfNotExists
type PushSecretUpdatePolicy string

const (
	// PushSecretUpdatePolicyReplace overwrites the remote value on every sync (the default).
	PushSecretUpdatePolicyReplace PushSecretUpdatePolicy = "Replace"
	// PushSecretUpdatePolicyIfNotExists writes only when the remote value does not exist yet,
	// which leaves the store as the source of truth after the first push.
	PushSecretUpdatePolicyIfNotExists PushSecretUpdatePolicy = "IfNotExists"
)

// PushSecretDeletionPolicy says what happens to pushed values when they are no longer
// pushed (the PushSecret, an entry or the source Secret is removed).
// +kubebuilder:validation:Enum=None;Delete
type PushSecretDeletionPolicy string

const (
	// PushSecretDeletionPolicyNone leaves pushed values in the store (the default).
	PushSecretDeletionPolicyNone PushSecretDeletionPolicy = "None"
	// PushSecretDeletionPolicyDelete removes pushed values from the store once they are no
	// longer pushed; the PushSecret gets a finalizer so that deletion can be completed.
	PushSecretDeletionPolicyDelete PushSecretDeletionPolicy = "Delete"
)

// PushSecretConversionStrategy says how key names are converted before they are pushed.
// +kubebuilder:validation:Enum=None;ReverseUnicode
type PushSecretConversionStrategy string

const (
	// PushSecretConversionNone pushes key names unchanged (the default).
	PushSecretConversionNone PushSecretConversionStrategy = "None"
	// PushSecretConversionReverseUnicode turns the `_UXXXX_` escapes written by an
	// ExternalSecret's Unicode conversion back into the original characters, so that a
	// pulled-and-pushed key keeps its original name.
	PushSecretConversionReverseUnicode PushSecretConversionStrategy = "ReverseUnicode"
)

// PushSecretSpec is the desired state of a PushSecret: what to read from the cluster and
// where in which stores to write it.
type PushSecretSpec struct {
	// RefreshInterval is how often the source is pushed again, even when nothing changed.
	// Zero pushes only when the PushSecret or its source changes. Defaults to one hour.
	// +kubebuilder:default="1h0m0s"
	// +optional
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`

	// SecretStoreRefs lists the stores to push to. Entries of data apply to all of them;
	// dataTo entries name their own store.
	// +kubebuilder:validation:Required
	SecretStoreRefs []PushSecretStoreRef `json:"secretStoreRefs"`

	// UpdatePolicy says whether values that already exist in a store are overwritten
	// (Replace, the default) or left alone (IfNotExists).
	// +kubebuilder:default="Replace"
	// +optional
	UpdatePolicy PushSecretUpdatePolicy `json:"updatePolicy,omitempty"`

	// DeletionPolicy says whether values that stop being pushed are removed from the stores
	// (Delete) or left there (None, the default).
	// +kubebuilder:default="None"
	// +optional
	DeletionPolicy PushSecretDeletionPolicy `json:"deletionPolicy,omitempty"`

	// Selector chooses the source of the pushed values: a Secret in the PushSecret's
	// namespace, or a generator.
	// +kubebuilder:validation:Required
	Selector PushSecretSelector `json:"selector"`

	// Data maps single keys of the source to remote keys. An explicit entry wins over a
	// dataTo entry that produces the same remote key.
	// +optional
	Data []PushSecretData `json:"data,omitempty"`

	// DataTo pushes many keys of the source at once, selected by a regular expression and
	// optionally renamed, to one store per entry.
	// +optional
	DataTo []PushSecretDataTo `json:"dataTo,omitempty"`

	// Template renders the source Secret before it is pushed, with the same engine and
	// fields as an ExternalSecret's target template.
	// +optional
	Template *esv1.ExternalSecretTemplate `json:"template,omitempty"`
}

// PushSecretSecret selects the source Secret(s) by name or by labels, in the PushSecret's
// own namespace.
// +kubebuilder:validation:XValidation:rule="has(self.name) != has(self.selector)",message="selector.secret must set exactly one of name or selector"
type PushSecretSecret struct {
	// Name of the source Secret, in the namespace of the PushSecret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +optional
	Name string `json:"name,omitempty"`

	// Selector picks every Secret in the PushSecret's namespace whose labels match.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// PushSecretSelector names where the pushed values come from.
// +kubebuilder:validation:XValidation:rule="has(self.secret) != has(self.generatorRef)",message="selector must set exactly one of secret or generatorRef; remove the other"
type PushSecretSelector struct {
	// Secret reads the values from a Kubernetes Secret.
	// +optional
	Secret *PushSecretSecret `json:"secret,omitempty"`

	// GeneratorRef runs a generator and pushes what it produces.
	// +optional
	GeneratorRef *esv1.GeneratorRef `json:"generatorRef,omitempty"`
}

// PushSecretRemoteRef is the location of a pushed value in the store.
type PushSecretRemoteRef struct {
	// RemoteKey is the name of the secret in the store.
	// +kubebuilder:validation:Required
	RemoteKey string `json:"remoteKey"`

	// Property, when set, writes the value into this property of a JSON document stored at
	// remoteKey instead of replacing the whole remote secret.
	// +optional
	Property string `json:"property,omitempty"`
}

// GetRemoteKey returns the name of the remote secret.
func (r PushSecretRemoteRef) GetRemoteKey() string {
	return r.RemoteKey
}

// GetProperty returns the property inside the remote secret, empty for the whole secret.
func (r PushSecretRemoteRef) GetProperty() string {
	return r.Property
}

// PushSecretMatch pairs a key of the source with its remote location.
type PushSecretMatch struct {
	// SecretKey is the key of the source Secret to push. When empty the whole Secret is
	// pushed, in a form the provider chooses (usually a JSON object of all keys).
	// +optional
	SecretKey string `json:"secretKey,omitempty"`

	// RemoteRef is where the value is written.
	// +kubebuilder:validation:Required
	RemoteRef PushSecretRemoteRef `json:"remoteRef"`
}

// PushSecretData pushes one key (or the whole source) to one remote location in every
// store listed in secretStoreRefs.
type PushSecretData struct {
	// Match says which key is pushed and where to.
	// +kubebuilder:validation:Required
	Match PushSecretMatch `json:"match"`

	// Metadata is passed to the provider with the value (tags, labels, encryption keys, ...).
	// Its shape is provider specific; see the provider's documentation.
	// +optional
	Metadata *apiextensionsv1.JSON `json:"metadata,omitempty"`

	// ConversionStrategy converts the key name before it is pushed. Defaults to None.
	// +kubebuilder:default="None"
	// +optional
	ConversionStrategy PushSecretConversionStrategy `json:"conversionStrategy,omitempty"`
}

// GetMetadata returns the provider-specific metadata of the entry, possibly nil.
func (d PushSecretData) GetMetadata() *apiextensionsv1.JSON {
	return d.Metadata
}

// GetSecretKey returns the source key, empty when the whole Secret is pushed.
func (d PushSecretData) GetSecretKey() string {
	return d.Match.SecretKey
}

// GetRemoteKey returns the name of the remote secret.
func (d PushSecretData) GetRemoteKey() string {
	return d.Match.RemoteRef.RemoteKey
}

// GetProperty returns the property inside the remote secret, empty for the whole secret.
func (d PushSecretData) GetProperty() string {
	return d.Match.RemoteRef.Property
}

// PushSecretDataTo pushes every source key that matches (all keys by default) to one store,
// either as separate remote secrets or bundled into one JSON object at remoteKey.
// +kubebuilder:validation:XValidation:rule="has(self.storeRef)",message="each dataTo entry must set storeRef to name the store it pushes to"
// +kubebuilder:validation:XValidation:rule="!has(self.remoteKey) || !has(self.rewrite) || size(self.rewrite) == 0",message="a dataTo entry cannot combine remoteKey and rewrite: rewrite renames keys pushed one by one, remoteKey bundles them unchanged; remove one of them"
type PushSecretDataTo struct {
	// StoreRef is the store (or the stores, with a label selector) this entry pushes to.
	// Required: a bulk push never fans out to all of secretStoreRefs by accident.
	// +optional
	StoreRef *PushSecretStoreRef `json:"storeRef,omitempty"`

	// Match restricts the pushed keys. Without it every key of the source is pushed.
	// +optional
	Match *PushSecretDataToMatch `json:"match,omitempty"`

	// Rewrite renames the matched keys, applied in order; the result is the name of the
	// remote secret each key is pushed to. Not allowed together with remoteKey.
	// +optional
	Rewrite []PushSecretRewrite `json:"rewrite,omitempty"`

	// RemoteKey, when set, bundles all matched keys into a single JSON object written to this
	// remote secret instead of pushing one remote secret per key.
	// +optional
	RemoteKey string `json:"remoteKey,omitempty"`

	// Metadata is passed to the provider with every value of this entry; its shape is
	// provider specific.
	// +optional
	Metadata *apiextensionsv1.JSON `json:"metadata,omitempty"`

	// ConversionStrategy converts the key names before they are pushed. Defaults to None.
	// +kubebuilder:default="None"
	// +optional
	ConversionStrategy PushSecretConversionStrategy `json:"conversionStrategy,omitempty"`
}

// PushSecretDataToMatch filters the source keys of a dataTo entry.
type PushSecretDataToMatch struct {
	// RegExp keeps only the keys that match this regular expression (RE2 syntax). Empty
	// matches every key.
	// +optional
	RegExp string `json:"regexp,omitempty"`
}

// PushSecretRewrite is one renaming step for the keys of a dataTo entry.
// +kubebuilder:validation:XValidation:rule="has(self.regexp) != has(self.transform)",message="a rewrite step must set exactly one of regexp or transform; use two steps for both"
type PushSecretRewrite struct {
	// Regexp replaces the part of the key that matches a regular expression.
	// +optional
	Regexp *esv1.ExternalSecretRewriteRegexp `json:"regexp,omitempty"`

	// Transform renders the new key from a Go template.
	// +optional
	Transform *esv1.ExternalSecretRewriteTransform `json:"transform,omitempty"`
}

// SyncedPushSecretsMap records what was pushed where: the outer key is "<Kind>/<storeName>",
// the inner key is "<remoteKey>" or "<remoteKey>/<property>".
type SyncedPushSecretsMap map[string]map[string]PushSecretData

// PushSecretStatus is the observed state of a PushSecret.
type PushSecretStatus struct {
	// RefreshTime is when the source was last pushed successfully.
	// +nullable
	// +optional
	RefreshTime metav1.Time `json:"refreshTime,omitempty"`

	// SyncedResourceVersion identifies the PushSecret version (generation and metadata) that
	// was last pushed; a change of it forces a push before the refresh interval is up.
	// +optional
	SyncedResourceVersion string `json:"syncedResourceVersion,omitempty"`

	// SyncedPushSecrets lists every value pushed per store, so that values that are no
	// longer pushed can be deleted under deletionPolicy Delete.
	// +optional
	SyncedPushSecrets SyncedPushSecretsMap `json:"syncedPushSecrets,omitempty"`

	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PushSecret copies a Kubernetes Secret (or a generator's output) out to one or more
// external secret stores.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,shortName=ps,categories={external-secrets}
// +kubebuilder:printcolumn:name="AGE",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].reason"
// +kubebuilder:printcolumn:name="Last Sync",type="date",JSONPath=".status.refreshTime"
type PushSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PushSecretSpec   `json:"spec,omitempty"`
	Status PushSecretStatus `json:"status,omitempty"`
}

// PushSecretList is a list of PushSecrets.
// +kubebuilder:object:root=true
type PushSecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []PushSecret `json:"items"`
}
