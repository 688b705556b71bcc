package v1

// ExternalSecretData maps one remote value to one key of the target Secret.
type ExternalSecretData struct {
	// SecretKey is the key the value is stored under in the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	SecretKey string `json:"secretKey"`

	// RemoteRef says which remote value to read.
	RemoteRef ExternalSecretDataRemoteRef `json:"remoteRef"`

	// SourceRef reads this entry from another store than spec.secretStoreRef.
	// +optional
	SourceRef *StoreSourceRef `json:"sourceRef,omitempty"`
}

// ExternalSecretDataRemoteRef points at one remote secret, and optionally at one field of
// it. It is used for data[].remoteRef and dataFrom[].extract.
type ExternalSecretDataRemoteRef struct {
	// Key identifies the remote secret: its name, path or ID, depending on the provider.
	Key string `json:"key"`

	// Property selects one field of the remote secret, usually a path into a JSON value
	// (e.g. "db.password"). Empty means the whole value. Ignored by dataFrom.extract
	// on most providers.
	// +optional
	Property string `json:"property,omitempty"`

	// Version selects a version or stage of the remote secret, in the provider's own
	// syntax. Empty means the current version.
	// +optional
	Version string `json:"version,omitempty"`

	// MetadataPolicy Fetch reads the remote secret's metadata (tags or labels) instead of
	// its value; empty or None reads the value.
	// +optional
	MetadataPolicy ExternalSecretMetadataPolicy `json:"metadataPolicy,omitempty"`

	// ConversionStrategy says how keys that are not valid Secret keys are rewritten when
	// dataFrom.extract returns many keys: Default (or empty) replaces each invalid
	// character with "_", Unicode with "_UXXXX_". It has no effect in data[], whose key is
	// secretKey.
	// +optional
	ConversionStrategy ExternalSecretConversionStrategy `json:"conversionStrategy,omitempty"`

	// DecodingStrategy decodes the fetched value before it is stored: None (or empty)
	// stores it as is, Base64 and Base64URL decode it, Auto tries both and falls back to
	// the raw value.
	// +optional
	DecodingStrategy ExternalSecretDecodingStrategy `json:"decodingStrategy,omitempty"`

	// NullBytePolicy Fail makes the sync fail when the value contains a NUL byte; empty or
	// Ignore stores such values as they are.
	// +optional
	NullBytePolicy ExternalSecretNullBytePolicy `json:"nullBytePolicy,omitempty"`
}

// ExternalSecretDataFromRemoteRef fetches many keys at once. Exactly one of extract, find
// or sourceRef.generatorRef says where the keys come from.
// +kubebuilder:validation:XValidation:rule="(has(self.extract) ? 1 : 0) + (has(self.find) ? 1 : 0) + (has(self.sourceRef) && has(self.sourceRef.generatorRef) ? 1 : 0) <= 1",message="extract, find, or generatorRef cannot be set at the same time: use a separate dataFrom entry for each source"
// +kubebuilder:validation:XValidation:rule="has(self.extract) || has(self.find) || (has(self.sourceRef) && has(self.sourceRef.generatorRef))",message="either extract, find, or sourceRef must be set to dataFrom: set extract, find or sourceRef.generatorRef (sourceRef.storeRef alone only picks the store and still needs extract or find)"
type ExternalSecretDataFromRemoteRef struct {
	// Extract reads one remote secret holding several values (usually a JSON object) and
	// stores each top-level field under its own key.
	// +optional
	Extract *ExternalSecretDataRemoteRef `json:"extract,omitempty"`

	// Find searches the store for secrets by name or tags and stores each match under its
	// own key.
	// +optional
	Find *ExternalSecretFind `json:"find,omitempty"`

	// Rewrite changes the keys (or merges the values) returned by this entry before they
	// are stored. Operations run in order. When rewrite is set, conversionStrategy is not
	// applied: the rewrite must produce valid Secret keys.
	// +optional
	// +listType=atomic
	Rewrite []ExternalSecretRewrite `json:"rewrite,omitempty"`

	// SourceRef reads this entry from another store than spec.secretStoreRef, or takes its
	// keys from a generator.
	// +optional
	SourceRef *StoreGeneratorSourceRef `json:"sourceRef,omitempty"`
}

// ExternalSecretFind selects remote secrets by name, path or tags. The criteria that are
// set must all match.
type ExternalSecretFind struct {
	// Path restricts the search to secrets under this path or prefix, where the provider
	// supports paths.
	// +optional
	Path *string `json:"path,omitempty"`

	// Name matches secret names against a regular expression.
	// +optional
	Name *FindName `json:"name,omitempty"`

	// Tags matches secrets carrying all these tags (or labels) with these values.
	// +optional
	Tags map[string]string `json:"tags,omitempty"`

	// ConversionStrategy says how secret names that are not valid Secret keys are rewritten:
	// Default (or empty) replaces each invalid character with "_", Unicode with "_UXXXX_".
	// +optional
	ConversionStrategy ExternalSecretConversionStrategy `json:"conversionStrategy,omitempty"`

	// DecodingStrategy decodes each value found: None (or empty), Base64, Base64URL or Auto.
	// +optional
	DecodingStrategy ExternalSecretDecodingStrategy `json:"decodingStrategy,omitempty"`

	// NullBytePolicy Fail makes the sync fail when a value contains a NUL byte; empty or
	// Ignore keeps such values.
	// +optional
	NullBytePolicy ExternalSecretNullBytePolicy `json:"nullBytePolicy,omitempty"`
}

// FindName matches secret names.
type FindName struct {
	// RegExp is a Go (RE2) regular expression matched anywhere in the secret name; anchor
	// it with ^ and $ to match whole names.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	RegExp string `json:"regexp,omitempty"`
}

// ExternalSecretRewrite is one rewrite operation; exactly one of its fields is set.
// +kubebuilder:validation:XValidation:rule="(has(self.regexp) ? 1 : 0) + (has(self.transform) ? 1 : 0) + (has(self.merge) ? 1 : 0) == 1",message="a rewrite entry must set exactly one of regexp, transform or merge: put each operation in its own rewrite entry (they run in order)"
type ExternalSecretRewrite struct {
	// Regexp renames keys by regular-expression replacement.
	// +optional
	Regexp *ExternalSecretRewriteRegexp `json:"regexp,omitempty"`

	// Transform renames keys with a template.
	// +optional
	Transform *ExternalSecretRewriteTransform `json:"transform,omitempty"`

	// Merge combines the values, each a JSON object, into one.
	// +optional
	Merge *ExternalSecretRewriteMerge `json:"merge,omitempty"`
}

// ExternalSecretRewriteRegexp renames every key matching source; keys that do not match
// are kept as they are.
type ExternalSecretRewriteRegexp struct {
	// Source is a Go (RE2) regular expression matched against each key.
	// +kubebuilder:validation:MaxLength=1024
	Source string `json:"source"`

	// Target is the replacement; $1, ${name} and so on refer to groups of source.
	// +kubebuilder:validation:MaxLength=1024
	Target string `json:"target"`
}

// ExternalSecretRewriteTransform renames every key with a template.
type ExternalSecretRewriteTransform struct {
	// Template is a Go template (engine v2 functions available) that receives the key as
	// .value and renders the new key, e.g. `{{ .value | upper }}`.
	Template string `json:"template"`
}

// ExternalSecretRewriteMerge merges the values of this dataFrom entry, each of which must
// be a JSON object, into one object.
// +kubebuilder:validation:XValidation:rule="!has(self.strategy) || self.strategy != 'JSON' || has(self.into)",message="merge strategy JSON needs into: set into to the key that receives the merged JSON object"
type ExternalSecretRewriteMerge struct {
	// Into is the key that receives the merged object as JSON; required with strategy JSON.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Into string `json:"into,omitempty"`

	// Priority lists keys whose objects are merged last, in this order, so their fields win.
	// Other keys are merged first in sorted order.
	// +optional
	// +listType=atomic
	Priority []string `json:"priority,omitempty"`

	// PriorityPolicy says what happens when a key listed in priority is absent: Strict (the
	// default) fails the sync, IgnoreNotFound skips it.
	// +kubebuilder:default="Strict"
	// +optional
	PriorityPolicy ExternalSecretRewriteMergePriorityPolicy `json:"priorityPolicy,omitempty"`

	// ConflictPolicy says what happens when two objects set the same top-level field:
	// Error (the default) fails the sync, Ignore lets the later object win.
	// +kubebuilder:default="Error"
	// +optional
	ConflictPolicy ExternalSecretRewriteMergeConflictPolicy `json:"conflictPolicy,omitempty"`

	// Strategy says what is stored: Extract (the default) stores each field of the merged
	// object under its own key; JSON keeps the input keys and adds the merged object as
	// JSON under into.
	// +kubebuilder:default="Extract"
	// +optional
	Strategy ExternalSecretRewriteMergeStrategy `json:"strategy,omitempty"`
}

// ExternalSecretRewriteMergePriorityPolicy says how a missing priority key is handled.
// +kubebuilder:validation:Enum=Strict;IgnoreNotFound
type ExternalSecretRewriteMergePriorityPolicy string

// The priority policies of a merge.
const (
	// ExternalSecretRewriteMergePriorityPolicyStrict fails when a priority key is missing.
	ExternalSecretRewriteMergePriorityPolicyStrict ExternalSecretRewriteMergePriorityPolicy = "Strict"
	// ExternalSecretRewriteMergePriorityPolicyIgnoreNotFound skips missing priority keys.
	ExternalSecretRewriteMergePriorityPolicyIgnoreNotFound ExternalSecretRewriteMergePriorityPolicy = "IgnoreNotFound"
)

// ExternalSecretRewriteMergeConflictPolicy says how a field set by two objects is handled.
// +kubebuilder:validation:Enum=Error;Ignore
type ExternalSecretRewriteMergeConflictPolicy string

// The conflict policies of a merge.
const (
	// ExternalSecretRewriteMergeConflictPolicyError fails on a conflicting field.
	ExternalSecretRewriteMergeConflictPolicyError ExternalSecretRewriteMergeConflictPolicy = "Error"
	// ExternalSecretRewriteMergeConflictPolicyIgnore lets the object merged later win.
	ExternalSecretRewriteMergeConflictPolicyIgnore ExternalSecretRewriteMergeConflictPolicy = "Ignore"
)

// ExternalSecretRewriteMergeStrategy says what a merge produces.
// +kubebuilder:validation:Enum=Extract;JSON
type ExternalSecretRewriteMergeStrategy string

// The strategies of a merge.
const (
	// ExternalSecretRewriteMergeStrategyExtract stores each field of the merged object as a key.
	ExternalSecretRewriteMergeStrategyExtract ExternalSecretRewriteMergeStrategy = "Extract"
	// ExternalSecretRewriteMergeStrategyJSON stores the merged object as JSON under into.
	ExternalSecretRewriteMergeStrategyJSON ExternalSecretRewriteMergeStrategy = "JSON"
)

// StoreSourceRef overrides the store of one data[] entry. (No MaxProperties here: a
// structural error would hide the clearer message of the rule below.)
// +kubebuilder:validation:XValidation:rule="!has(self.generatorRef)",message="sourceRef.generatorRef is not supported in data[]: move the generator to a dataFrom entry (dataFrom[].sourceRef.generatorRef), or use sourceRef.storeRef here"
type StoreSourceRef struct {
	// SecretStoreRef is the store to read this entry from.
	// +optional
	SecretStoreRef *SecretStoreRef `json:"storeRef,omitempty"`

	// GeneratorRef is accepted by the schema for compatibility with older manifests but
	// rejected by validation: generators can only be used in dataFrom.
	// +optional
	GeneratorRef *GeneratorRef `json:"generatorRef,omitempty"`
}

// StoreGeneratorSourceRef says where a dataFrom entry reads from: another store, or a
// generator. Exactly one of the two is set; the rules below enforce it instead of
// MaxProperties, whose structural error would stop the rules from explaining what to do.
// +kubebuilder:validation:MinProperties=1
// +kubebuilder:validation:XValidation:rule="has(self.storeRef) || has(self.generatorRef)",message="generatorRef or storeRef must be set when using sourceRef in dataFrom"
// +kubebuilder:validation:XValidation:rule="!(has(self.storeRef) && has(self.generatorRef))",message="storeRef and generatorRef cannot both be set in a dataFrom sourceRef: keep storeRef to read with extract or find, or generatorRef to use a generator"
type StoreGeneratorSourceRef struct {
	// SecretStoreRef is the store to read this entry from, with extract or find.
	// +optional
	SecretStoreRef *SecretStoreRef `json:"storeRef,omitempty"`

	// GeneratorRef names a generator whose output becomes this entry's keys. It is run
	// again on every refresh.
	// +optional
	GeneratorRef *GeneratorRef `json:"generatorRef,omitempty"`
}

// GeneratorRef names a generator object in the ExternalSecret's namespace, or a
// ClusterGenerator.
type GeneratorRef struct {
	// APIVersion of the generator. Defaults to generators.external-secrets.io/v1alpha1,
	// the only group generators may come from.
	// +kubebuilder:default="generators.external-secrets.io/v1alpha1"
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the generator, e.g. Password or ClusterGenerator.
	// +kubebuilder:validation:Enum=ACRAccessToken;BeyondtrustWorkloadCredentialsDynamicSecret;ClusterGenerator;CloudsmithAccessToken;ECRAuthorizationToken;Fake;GCRAccessToken;GithubAccessToken;GitlabDeployToken;Grafana;MFA;Password;QuayAccessToken;SSHKey;STSSessionToken;UUID;VaultDynamicSecret;Webhook
	Kind string `json:"kind"`

	// Name of the generator.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// ExternalSecretConversionStrategy says how remote names that are not valid Secret keys
// are turned into keys. Empty means Default.
// +kubebuilder:validation:Enum=Default;Unicode
type ExternalSecretConversionStrategy string

// The key conversion strategies.
const (
	// ExternalSecretConversionDefault replaces each invalid character with "_".
	ExternalSecretConversionDefault ExternalSecretConversionStrategy = "Default"
	// ExternalSecretConversionUnicode replaces each invalid character with "_UXXXX_", its
	// code point in lower-case hex, so distinct names stay distinct.
	ExternalSecretConversionUnicode ExternalSecretConversionStrategy = "Unicode"
)

// ExternalSecretDecodingStrategy says how a fetched (or rendered) value is decoded before
// it is stored. Empty means None.
// +kubebuilder:validation:Enum=Auto;Base64;Base64URL;None
type ExternalSecretDecodingStrategy string

// The decoding strategies.
const (
	// ExternalSecretDecodeAuto tries Base64, then Base64URL, and keeps the raw value when
	// neither applies.
	ExternalSecretDecodeAuto ExternalSecretDecodingStrategy = "Auto"
	// ExternalSecretDecodeBase64 decodes standard, padded base64.
	ExternalSecretDecodeBase64 ExternalSecretDecodingStrategy = "Base64"
	// ExternalSecretDecodeBase64URL decodes URL-safe, padded base64.
	ExternalSecretDecodeBase64URL ExternalSecretDecodingStrategy = "Base64URL"
	// ExternalSecretDecodeNone keeps the value as it is.
	ExternalSecretDecodeNone ExternalSecretDecodingStrategy = "None"
)

// ExternalSecretMetadataPolicy says whether a remote secret's value or its metadata is
// read. Empty means None.
// +kubebuilder:validation:Enum=None;Fetch
type ExternalSecretMetadataPolicy string

// The metadata policies.
const (
	// ExternalSecretMetadataPolicyNone reads the value.
	ExternalSecretMetadataPolicyNone ExternalSecretMetadataPolicy = "None"
	// ExternalSecretMetadataPolicyFetch reads the metadata (tags or labels).
	ExternalSecretMetadataPolicyFetch ExternalSecretMetadataPolicy = "Fetch"
)

// ExternalSecretNullBytePolicy says whether values containing a NUL byte are accepted.
// Empty means Ignore.
// +kubebuilder:validation:Enum=Ignore;Fail
type ExternalSecretNullBytePolicy string

// The NUL byte policies.
const (
	// ExternalSecretNullBytePolicyIgnore stores values with NUL bytes as they are.
	ExternalSecretNullBytePolicyIgnore ExternalSecretNullBytePolicy = "Ignore"
	// ExternalSecretNullBytePolicyFail fails the sync when a value contains a NUL byte.
	ExternalSecretNullBytePolicyFail ExternalSecretNullBytePolicy = "Fail"
)
