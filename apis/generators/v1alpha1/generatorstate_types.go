package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GeneratorStateFinalizer holds a GeneratorState until the generator's Cleanup has released
// what the state describes (a token, a service account, ...).
const GeneratorStateFinalizer = "generatorstate.externalsecrets.io/finalizer"

// GeneratorStateOwnerKeyLabel is the label on a GeneratorState whose value is a hash of
// "<ownerKind>-<ownerNamespace>-<ownerName>-<stateKey>"; it finds all states of one dataFrom
// entry (or PushSecret) with a single label query.
const GeneratorStateOwnerKeyLabel = "generators.external-secrets.io/owner-key"

// GeneratorStateReady is the condition type of a GeneratorState.
const GeneratorStateReady = "Ready"

// Reasons used on the Ready condition of a GeneratorState.
const (
	// GeneratorStateReasonCreated means the state is tracked (and, once its deadline has
	// passed, is being garbage collected).
	GeneratorStateReasonCreated = "Created"
	// GeneratorStateReasonError means the state could not be processed, e.g. Cleanup failed.
	GeneratorStateReasonError = "Error"
)

// GeneratorStateSpec records what a stateful generator produced, so that it can be cleaned
// up once it is no longer used.
type GeneratorStateSpec struct {
	// GarbageCollectionDeadline is when the state, and what it describes, is deleted. The
	// controller sets it when a newer state replaces this one; it may also be set by hand.
	// Without a deadline the state is kept.
	// +optional
	GarbageCollectionDeadline *metav1.Time `json:"garbageCollectionDeadline,omitempty"`

	// Resource is a copy of the generator manifest that produced the state, taken at
	// generation time. Cleanup runs with it, so whatever it references (for example a
	// credentials Secret) must still exist at deletion time; until then the finalizer
	// blocks deletion.
	// +kubebuilder:validation:Required
	Resource *apiextensionsv1.JSON `json:"resource"`

	// State is the generator-specific data Cleanup needs, as returned by the generator.
	// +kubebuilder:validation:Required
	State *apiextensionsv1.JSON `json:"state"`
}

// GeneratorStateStatus is the observed state of a GeneratorState.
type GeneratorStateStatus struct {
	// Conditions holds the Ready condition.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// GeneratorState is bookkeeping for a stateful generator: one object per generated value,
// owned by the ExternalSecret or PushSecret that asked for it, and deleted (with the
// generator's cleanup) after its garbage-collection deadline.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:metadata:labels="external-secrets.io/component=controller"
// +kubebuilder:resource:scope=Namespaced,shortName=gs,categories={external-secrets,external-secrets-generators}
// +kubebuilder:printcolumn:name="GC Deadline",type="string",JSONPath=".spec.garbageCollectionDeadline"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type GeneratorState struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GeneratorStateSpec   `json:"spec,omitempty"`
	Status GeneratorStateStatus `json:"status,omitempty"`
}

// GeneratorStateList is a list of GeneratorStates.
// +kubebuilder:object:root=true
type GeneratorStateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []GeneratorState `json:"items"`
}
