package v1

// Kinds of this file's objects as they appear in owner references and events. Kept as
// constants because TypeMeta is empty on objects read through a typed client.
const (
	// ExternalSecretKind is the kind of the namespaced ExternalSecret.
	ExternalSecretKind = "ExternalSecret"
	// ClusterExternalSecretKind is the kind of the cluster-scoped ClusterExternalSecret.
	ClusterExternalSecretKind = "ClusterExternalSecret"
)

// Labels and annotations the controllers put on the objects they write. Their keys and
// values are part of the contract with existing clusters: a Secret written by upstream
// External Secrets must be recognised as managed by us, and the other way round.
const (
	// LabelManaged marks a target (Secret or generic target) as written by an ExternalSecret.
	// Only objects with this label are cached and watched by the ExternalSecret controller.
	LabelManaged = "reconcile.external-secrets.io/managed"
	// LabelManagedValue is the value LabelManaged carries on managed targets.
	LabelManagedValue = "true"

	// LabelOwner is set on a target only when creationPolicy is Owner. Its value is a hash of
	// "<namespace>/<name>" of the ExternalSecret, which lets the controller find and delete
	// the Secret it left behind after target.name was changed.
	LabelOwner = "reconcile.external-secrets.io/created-by"

	// AnnotationDataHash holds the hash of the target's data as the controller last wrote it.
	// A mismatch means someone else edited the data, and the target is re-synced at once.
	AnnotationDataHash = "reconcile.external-secrets.io/data-hash"

	// AnnotationForceSync on a ClusterExternalSecret is copied verbatim onto every
	// ExternalSecret it creates; changing it changes their metadata and so forces a refresh.
	// (On an ExternalSecret any annotation change forces a refresh; this key is the
	// conventional one.)
	AnnotationForceSync = "external-secrets.io/force-sync"

	// LabelWebhookSecretType must be set (to LabelWebhookSecretTypeValue) on every Secret that
	// the Webhook provider or generator is allowed to read, so a store cannot be used to read
	// arbitrary Secrets of a namespace.
	LabelWebhookSecretType = "external-secrets.io/type"
	// LabelWebhookSecretTypeValue is the value LabelWebhookSecretType must carry.
	LabelWebhookSecretTypeValue = "webhook"
)

// Finalizers owned by the ExternalSecret and ClusterExternalSecret controllers.
const (
	// ExternalSecretFinalizer is set on every ExternalSecret; it lets the controller delete
	// the target when deletionPolicy is Delete and drop the object's metrics.
	ExternalSecretFinalizer = "externalsecrets.external-secrets.io/externalsecret-cleanup"

	// ClusterExternalSecretFinalizer is set on every ClusterExternalSecret so its children
	// and namespace finalizers are removed before it goes away.
	ClusterExternalSecretFinalizer = "externalsecrets.external-secrets.io/clusterexternalsecret-cleanup"

	// ClusterExternalSecretNamespaceFinalizerPrefix, followed by the ClusterExternalSecret's
	// name, is the finalizer put on each Namespace that received a child ExternalSecret.
	// Use ClusterExternalSecretNamespaceFinalizer to build it.
	ClusterExternalSecretNamespaceFinalizerPrefix = "externalsecrets.external-secrets.io/ces-"
)

// ClusterExternalSecretNamespaceFinalizer returns the finalizer that the named
// ClusterExternalSecret puts on the Namespaces it provisions.
func ClusterExternalSecretNamespaceFinalizer(cesName string) string {
	return ClusterExternalSecretNamespaceFinalizerPrefix + cesName
}

// Field manager names used for server-side apply and to recognise, through managedFields,
// which keys, labels and annotations an ExternalSecret wrote earlier.
const (
	// FieldManagerPrefix followed by the ExternalSecret's name is the field manager of its
	// writes.
	FieldManagerPrefix = "externalsecrets.external-secrets.io/"
	// FieldManagerHashedPrefix is used instead, followed by the hex SHA3-224 of the
	// ExternalSecret's name, when FieldManagerPrefix+name would exceed FieldManagerMaxLength.
	FieldManagerHashedPrefix = "externalsecrets.external-secrets.io/sha3/"
	// FieldManagerMaxLength is the longest field manager name the controller uses as is.
	FieldManagerMaxLength = 63
)

// AnnotationIgnoreMaintenanceChecks on a store suppresses the warning events emitted for a
// provider that is unmaintained or deprecated.
const AnnotationIgnoreMaintenanceChecks = "external-secrets.io/ignore-maintenance-checks"

// ExternalSecretReady is the condition type an ExternalSecret (and a ClusterExternalSecret)
// reports: whether the target holds the latest data.
const ExternalSecretReady = "Ready"

// Reasons of the Ready condition of an ExternalSecret.
const (
	// ConditionReasonSecretSynced means the target was written (or deliberately retained)
	// with the latest provider data; Ready is True.
	ConditionReasonSecretSynced = "SecretSynced"
	// ConditionReasonSecretSyncedError means the last sync failed; Ready is False and the
	// detail is in a Warning event.
	ConditionReasonSecretSyncedError = "SecretSyncedError"
	// ConditionReasonSecretDeleted means the provider returned no data and the target was
	// deleted because deletionPolicy is Delete; Ready is True.
	ConditionReasonSecretDeleted = "SecretDeleted"
	// ConditionReasonSecretMissing means creationPolicy is Merge and there is no Secret to
	// merge into; Ready is True.
	ConditionReasonSecretMissing = "SecretMissing"

	// ConditionReasonResourceSynced is ConditionReasonSecretSynced for a generic target.
	ConditionReasonResourceSynced = "ResourceSynced"
	// ConditionReasonResourceSyncedError is ConditionReasonSecretSyncedError for a generic target.
	ConditionReasonResourceSyncedError = "ResourceSyncedError"
	// ConditionReasonResourceDeleted is ConditionReasonSecretDeleted for a generic target.
	ConditionReasonResourceDeleted = "ResourceDeleted"
	// ConditionReasonResourceMissing is ConditionReasonSecretMissing for a generic target.
	ConditionReasonResourceMissing = "ResourceMissing"
)

// Reasons of the events recorded on an ExternalSecret (reporter "external-secrets").
const (
	// EventReasonCreated (Normal) is recorded when the target was created.
	EventReasonCreated = "Created"
	// EventReasonUpdated (Normal) is recorded when the target was actually updated.
	EventReasonUpdated = "Updated"
	// EventReasonDeleted (Normal) is recorded when the target was deleted, either because of
	// deletionPolicy=Delete or because it was orphaned by a change of target.name.
	EventReasonDeleted = "Deleted"
	// EventReasonUpdateFailed (Warning) carries the error of a failed sync.
	EventReasonUpdateFailed = "UpdateFailed"
	// EventReasonMissingProviderSecret (Normal) is recorded when a remote secret does not
	// exist and the deletionPolicy says to skip it rather than fail.
	EventReasonMissingProviderSecret = "MissingProviderSecret"
)
