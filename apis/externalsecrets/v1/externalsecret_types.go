package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExternalSecretSpec says where the data of a Secret comes from and how the Secret is
// written. It is also embedded, unchanged, in a ClusterExternalSecret.
// +kubebuilder:validation:XValidation:rule="(has(self.data) && size(self.data) > 0) || (has(self.dataFrom) && size(self.dataFrom) > 0)",message="either data or dataFrom should be specified: add at least one data entry (one key) or one dataFrom entry (many keys)"
type ExternalSecretSpec struct {
	// SecretStoreRef is the store every data and dataFrom entry reads from unless the entry
	// names its own store in sourceRef. It may be left out when every entry has a sourceRef.
	// +optional
	SecretStoreRef SecretStoreRef `json:"secretStoreRef,omitempty"`

	// Target describes the Secret that is written. Defaults to a Secret named after the
	// ExternalSecret, owned by it (creationPolicy Owner) and kept when the provider data
	// disappears (deletionPolicy Retain).
	// +kubebuilder:default={creationPolicy:Owner,deletionPolicy:Retain}
	// +optional
	Target ExternalSecretTarget `json:"target,omitempty"`

	// RefreshPolicy decides when the data is read again: CreatedOnce (only until the first
	// successful sync), Periodic (every refreshInterval and whenever the ExternalSecret
	// changes) or OnChange (only when the ExternalSecret's spec, labels or annotations
	// change). Empty behaves as Periodic.
	// +optional
	RefreshPolicy ExternalSecretRefreshPolicy `json:"refreshPolicy,omitempty"`

	// RefreshInterval is how long a sync stays fresh under the Periodic policy, as a Go
	// duration ("1h", "15m", "30s"). 0 disables periodic refreshes: the data is read once
	// and again only when the ExternalSecret changes. Defaults to 1h.
	// +kubebuilder:default="1h0m0s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[-+]?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')`,message="refreshInterval must be a duration such as 1h, 15m or 30s; use 0 to sync only once"
	// +optional
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`

	// SyncWindows restricts when periodic refreshes may run; changes to the ExternalSecret
	// and repairs of a tampered Secret are not held back. Unset means any time.
	// +optional
	SyncWindows *SyncWindows `json:"syncWindows,omitempty"`

	// Data maps single remote values to keys of the Secret.
	// +optional
	Data []ExternalSecretData `json:"data,omitempty"`

	// DataFrom fetches many keys at once (a whole JSON object, a search, or a generator's
	// output). Entries are merged in order, later ones overwriting earlier keys; data
	// entries overwrite them all.
	// +optional
	DataFrom []ExternalSecretDataFromRemoteRef `json:"dataFrom,omitempty"`
}

// SecretStoreRef names the SecretStore or ClusterSecretStore to read from.
type SecretStoreRef struct {
	// Name of the store.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	Name string `json:"name,omitempty"`

	// Kind of the store: SecretStore (in the ExternalSecret's namespace, the default when
	// empty) or ClusterSecretStore.
	// +kubebuilder:validation:Enum=SecretStore;ClusterSecretStore
	// +optional
	Kind string `json:"kind,omitempty"`
}

// KindOrDefault returns the store kind, treating an empty kind as SecretStore.
func (r SecretStoreRef) KindOrDefault() string {
	if r.Kind == "" {
		return SecretStoreKind
	}
	return r.Kind
}

// ExternalSecretRefreshPolicy decides what makes an ExternalSecret read its data again.
// +kubebuilder:validation:Enum=CreatedOnce;Periodic;OnChange
type ExternalSecretRefreshPolicy string

// The refresh policies.
const (
	// RefreshPolicyCreatedOnce syncs until the first success and never again (unless the
	// Secret is deleted or tampered with).
	RefreshPolicyCreatedOnce ExternalSecretRefreshPolicy = "CreatedOnce"
	// RefreshPolicyPeriodic syncs every refreshInterval and when the ExternalSecret changes.
	RefreshPolicyPeriodic ExternalSecretRefreshPolicy = "Periodic"
	// RefreshPolicyOnChange syncs only when the ExternalSecret's spec, labels or annotations
	// change.
	RefreshPolicyOnChange ExternalSecretRefreshPolicy = "OnChange"
)

// SyncWindows holds time windows, all of one kind, that allow or deny periodic refreshes.
type SyncWindows struct {
	// Kind says what the windows do: allow (periodic refreshes run only inside a window) or
	// deny (periodic refreshes never run inside a window).
	Kind SyncWindowKind `json:"kind"`

	// Windows are the time windows; at least one is required.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	Windows []SyncWindow `json:"windows"`
}

// SyncWindowKind says whether sync windows allow or deny refreshes.
// +kubebuilder:validation:Enum=allow;deny
type SyncWindowKind string

// The kinds of sync window.
const (
	// SyncWindowAllow windows are the only times periodic refreshes run.
	SyncWindowAllow SyncWindowKind = "allow"
	// SyncWindowDeny windows are times periodic refreshes never run.
	SyncWindowDeny SyncWindowKind = "deny"
)

// SyncWindow is a recurring time window: it opens at every time the schedule matches and
// stays open for duration.
type SyncWindow struct {
	// Schedule is when the window opens, in UTC: a five-field cron expression
	// ("minute hour day-of-month month day-of-week", e.g. "0 22 * * 1-5"), one of @yearly,
	// @annually, @monthly, @weekly, @daily, @midnight, @hourly, or "@every <duration>".
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every [0-9.]+(ns|us|µs|μs|ms|s|m|h)([0-9.]+(ns|us|µs|μs|ms|s|m|h))*|[0-9A-Za-z*?/,-]+([ \t]+[0-9A-Za-z*?/,-]+){4})$`
	Schedule string `json:"schedule"`

	// Duration is how long the window stays open after each opening, as a Go duration
	// such as "2h" or "30m".
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[-+]?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')`,message="duration must be a duration such as 2h, 30m or 1h30m"
	Duration metav1.Duration `json:"duration"`
}

// ExternalSecretTarget describes the object the data is written to: a Secret by default.
// +kubebuilder:validation:XValidation:rule="!has(self.deletionPolicy) || self.deletionPolicy != 'Delete' || !has(self.creationPolicy) || self.creationPolicy == 'Owner'",message="deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner, or use deletionPolicy=Retain"
// +kubebuilder:validation:XValidation:rule="!has(self.deletionPolicy) || self.deletionPolicy != 'Merge' || !has(self.creationPolicy) || self.creationPolicy != 'None'",message="deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with: use deletionPolicy Retain, or a creationPolicy that writes a Secret"
type ExternalSecretTarget struct {
	// Name of the Secret to write. Defaults to the ExternalSecret's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	Name string `json:"name,omitempty"`

	// CreationPolicy says whether the controller creates and owns the Secret. Owner (the
	// default): create it and make the ExternalSecret its owner, so it is garbage-collected
	// with it. Orphan: create it without an owner. Merge: only add keys to a Secret that
	// already exists. CreateOrMerge: create the Secret if missing, otherwise add keys to it.
	// None: read the data but write nothing.
	// +kubebuilder:default="Owner"
	// +optional
	CreationPolicy ExternalSecretCreationPolicy `json:"creationPolicy,omitempty"`

	// DeletionPolicy says what happens to the Secret when the provider returns no data at
	// all, and whether deleting the ExternalSecret deletes the Secret. Retain (the default):
	// keep the Secret and report missing remote secrets as errors. Delete: delete the Secret
	// (requires creationPolicy Owner), also when the ExternalSecret is deleted. Merge:
	// remove the keys this ExternalSecret wrote and keep the rest of the Secret.
	// +kubebuilder:default="Retain"
	// +optional
	DeletionPolicy ExternalSecretDeletionPolicy `json:"deletionPolicy,omitempty"`

	// Template shapes the Secret: its type, labels, annotations and data rendered from the
	// provider data. Without a template the provider data is written as is.
	// +optional
	Template *ExternalSecretTemplate `json:"template,omitempty"`

	// Manifest makes the target a resource of another kind (for example a ConfigMap)
	// instead of a Secret. Reserved: this controller does not write such targets yet and
	// reports an error when it is set.
	// +optional
	Manifest *ManifestReference `json:"manifest,omitempty"`

	// Immutable creates the Secret with immutable set, so its data can never change once
	// written; a later change of the provider data is reported as an error.
	// +optional
	Immutable bool `json:"immutable,omitempty"`
}

// ManifestReference names the kind of a generic (non-Secret) target.
type ManifestReference struct {
	// APIVersion of the target resource, e.g. "v1".
	// +kubebuilder:validation:MinLength=1
	APIVersion string `json:"apiVersion"`

	// Kind of the target resource, e.g. "ConfigMap".
	// +kubebuilder:validation:MinLength=1
	Kind string `json:"kind"`
}

// ExternalSecretCreationPolicy says whether and how the target Secret is created.
// +kubebuilder:validation:Enum=Owner;Orphan;Merge;None;CreateOrMerge
type ExternalSecretCreationPolicy string

// The creation policies.
const (
	// CreatePolicyOwner creates the Secret with the ExternalSecret as its controller owner.
	CreatePolicyOwner ExternalSecretCreationPolicy = "Owner"
	// CreatePolicyOrphan creates the Secret without an owner reference.
	CreatePolicyOrphan ExternalSecretCreationPolicy = "Orphan"
	// CreatePolicyMerge never creates the Secret; it adds keys to an existing one.
	CreatePolicyMerge ExternalSecretCreationPolicy = "Merge"
	// CreatePolicyNone reads the data but never writes a Secret.
	CreatePolicyNone ExternalSecretCreationPolicy = "None"
	// CreatePolicyCreateOrMerge creates the Secret when missing, otherwise adds keys to it,
	// keeping keys written by others; it sets no owner reference.
	CreatePolicyCreateOrMerge ExternalSecretCreationPolicy = "CreateOrMerge"
)

// ExternalSecretDeletionPolicy says what happens to the target when the provider has no
// data for it any more.
// +kubebuilder:validation:Enum=Delete;Merge;Retain
type ExternalSecretDeletionPolicy string

// The deletion policies.
const (
	// DeletionPolicyDelete deletes the Secret when no data remains, and when the
	// ExternalSecret is deleted.
	DeletionPolicyDelete ExternalSecretDeletionPolicy = "Delete"
	// DeletionPolicyMerge removes the keys this ExternalSecret wrote and keeps the Secret.
	DeletionPolicyMerge ExternalSecretDeletionPolicy = "Merge"
	// DeletionPolicyRetain keeps the Secret as it is.
	DeletionPolicyRetain ExternalSecretDeletionPolicy = "Retain"
)

// ExternalSecretStatus is what the controller last observed and did.
type ExternalSecretStatus struct {
	// RefreshTime is when the last successful sync started. Unset until the first success.
	// +nullable
	// +optional
	RefreshTime metav1.Time `json:"refreshTime,omitempty"`

	// SyncedResourceVersion identifies the version of the ExternalSecret (generation and a
	// hash of its labels and annotations) that was last synced successfully; a difference
	// from the current version triggers a refresh.
	// +optional
	SyncedResourceVersion string `json:"syncedResourceVersion,omitempty"`

	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Binding names the Secret that was written, so that tools following the
	// servicebinding.io "provisioned service" convention can find it.
	// +optional
	Binding corev1.LocalObjectReference `json:"binding,omitempty"`
}

// ExternalSecret keeps a Secret in its namespace filled with data read from an external
// secret store (through a SecretStore or ClusterSecretStore) or produced by a generator,
// and refreshes it on a schedule.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=es,categories={external-secrets}
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:printcolumn:name="StoreType",type=string,JSONPath=`.spec.secretStoreRef.kind`
// +kubebuilder:printcolumn:name="Store",type=string,JSONPath=`.spec.secretStoreRef.name`
// +kubebuilder:printcolumn:name="Refresh Interval",type=string,JSONPath=`.spec.refreshInterval`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Last Sync",type=date,JSONPath=`.status.refreshTime`
// +kubebuilder:selectablefield:JSONPath=`.spec.secretStoreRef.name`
// +kubebuilder:selectablefield:JSONPath=`.spec.secretStoreRef.kind`
// +kubebuilder:selectablefield:JSONPath=`.spec.target.name`
// +kubebuilder:selectablefield:JSONPath=`.spec.refreshInterval`
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says what to read and which Secret to write.
	Spec ExternalSecretSpec `json:"spec,omitempty"`
	// Status reports the last sync.
	Status ExternalSecretStatus `json:"status,omitempty"`
}

// TargetName returns the name of the Secret this ExternalSecret writes: target.name, or
// the ExternalSecret's own name when that is empty.
func (es *ExternalSecret) TargetName() string {
	if es.Spec.Target.Name != "" {
		return es.Spec.Target.Name
	}
	return es.Name
}

// GetConditions returns the status conditions.
func (es *ExternalSecret) GetConditions() []metav1.Condition { return es.Status.Conditions }

// SetConditions replaces the status conditions.
func (es *ExternalSecret) SetConditions(conditions []metav1.Condition) {
	es.Status.Conditions = conditions
}

// ExternalSecretList is a list of ExternalSecrets.
// +kubebuilder:object:root=true
type ExternalSecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ExternalSecrets.
	Items []ExternalSecret `json:"items"`
}
