package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// AWSServiceType names the AWS API a store reads from and writes to.
// +kubebuilder:validation:Enum=SecretsManager;ParameterStore;CertificateManager
type AWSServiceType string

// The AWS services a store can use.
const (
	// AWSServiceSecretsManager is AWS Secrets Manager.
	AWSServiceSecretsManager AWSServiceType = "SecretsManager"
	// AWSServiceParameterStore is AWS Systems Manager Parameter Store.
	AWSServiceParameterStore AWSServiceType = "ParameterStore"
	// AWSServiceCertificateManager is AWS Certificate Manager (ACM).
	AWSServiceCertificateManager AWSServiceType = "CertificateManager"
)

// SessionTagsPolicy decides which STS session tags are attached when the provider assumes
// a role, so that IAM policies can grant access per namespace or per store.
// +kubebuilder:validation:Enum=None;Simple;Custom
type SessionTagsPolicy string

// The session tag policies.
const (
	// SessionTagsPolicyNone adds no tags of its own (sessionTags still apply).
	SessionTagsPolicyNone SessionTagsPolicy = "None"
	// SessionTagsPolicySimple adds esoNamespace (the ExternalSecret's namespace),
	// esoStoreName and esoStoreKind.
	SessionTagsPolicySimple SessionTagsPolicy = "Simple"
	// SessionTagsPolicyCustom adds the Simple tags plus customSessionTags.
	SessionTagsPolicyCustom SessionTagsPolicy = "Custom"
)

// Reserved session tag keys that the Simple and Custom policies set themselves.
const (
	// SessionTagNamespace carries the namespace of the ExternalSecret or PushSecret.
	SessionTagNamespace = "esoNamespace"
	// SessionTagStoreName carries the name of the store.
	SessionTagStoreName = "esoStoreName"
	// SessionTagStoreKind carries the kind of the store.
	SessionTagStoreKind = "esoStoreKind"
)

// AWSProvider configures access to AWS Secrets Manager, Parameter Store or Certificate
// Manager. Credentials come from auth (or the SDK's default chain when auth is empty);
// the provider then assumes each of additionalRoles and finally role, if set.
type AWSProvider struct {
	// Service is the AWS API to use: SecretsManager, ParameterStore or CertificateManager.
	Service AWSServiceType `json:"service"`

	// Auth says where the base credentials come from. Leave it empty to use the AWS SDK
	// default chain (EKS Pod Identity, IRSA environment, instance role).
	// +optional
	Auth AWSAuth `json:"auth,omitempty"`

	// Role is the ARN of an IAM role assumed last, after additionalRoles.
	// +optional
	Role string `json:"role,omitempty"`

	// Region is the AWS region of the service endpoint, e.g. us-east-1.
	// +kubebuilder:validation:MinLength=1
	Region string `json:"region"`

	// AdditionalRoles are role ARNs assumed in order before Role, for cross-account chains.
	// +optional
	AdditionalRoles []string `json:"additionalRoles,omitempty"`

	// ExternalID is passed when assuming Role, for roles whose trust policy requires one.
	// +optional
	ExternalID string `json:"externalID,omitempty"`

	// SessionTags are attached to the session when assuming Role.
	// +optional
	SessionTags []Tag `json:"sessionTags,omitempty"`

	// SecretsManager tunes Secrets Manager behaviour; it only affects secrets deleted by a
	// PushSecret with deletionPolicy Delete.
	// +optional
	SecretsManager *SecretsManager `json:"secretsManager,omitempty"`

	// TransitiveTagKeys are session tag keys that stay attached through further role
	// chaining.
	// +optional
	TransitiveTagKeys []string `json:"transitiveTagKeys,omitempty"`

	// SessionTagsPolicy adds tags describing the caller when assuming roles: None (the
	// default) adds nothing, Simple adds esoNamespace, esoStoreName and esoStoreKind,
	// Custom adds those plus customSessionTags. Simple and Custom need sts:TagSession.
	// +optional
	// +kubebuilder:default=None
	SessionTagsPolicy SessionTagsPolicy `json:"sessionTagsPolicy,omitempty"`

	// CustomSessionTags are extra session tags used with sessionTagsPolicy Custom. The keys
	// esoNamespace, esoStoreName and esoStoreKind are reserved.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="!self.exists(k, k in ['esoNamespace', 'esoStoreName', 'esoStoreKind'])",message="customSessionTags must not use the reserved keys esoNamespace, esoStoreName or esoStoreKind (the controller sets them); rename those tags"
	CustomSessionTags map[string]string `json:"customSessionTags,omitempty"`

	// Prefix is prepended to every remote key read or written through this store.
	// +optional
	Prefix string `json:"prefix,omitempty"`
}

// AWSAuth selects the base AWS credentials. At most one of secretRef and jwt may be set;
// with neither, the AWS SDK default credential chain of the controller is used.
// +kubebuilder:validation:XValidation:rule="!(has(self.secretRef) && has(self.jwt))",message="auth may set secretRef or jwt, not both: use static keys from a Secret or a ServiceAccount token, and remove the other"
type AWSAuth struct {
	// SecretRef reads static access keys from a Secret.
	// +optional
	SecretRef *AWSAuthSecretRef `json:"secretRef,omitempty"`

	// JWTAuth exchanges a ServiceAccount token for credentials (IRSA style): the role
	// comes from the ServiceAccount annotation eks.amazonaws.com/role-arn.
	// +optional
	JWTAuth *AWSJWTAuth `json:"jwt,omitempty"`
}

// AWSAuthSecretRef points at the Secret keys holding static AWS credentials. The access
// key ID and the secret access key are both needed.
type AWSAuthSecretRef struct {
	// AccessKeyID selects the access key ID.
	// +optional
	AccessKeyID esmeta.SecretKeySelector `json:"accessKeyIDSecretRef,omitempty"`

	// SecretAccessKey selects the secret access key.
	// +optional
	SecretAccessKey esmeta.SecretKeySelector `json:"secretAccessKeySecretRef,omitempty"`

	// SessionToken selects the session token; needed only for temporary credentials.
	// +optional
	SessionToken *esmeta.SecretKeySelector `json:"sessionTokenSecretRef,omitempty"`
}

// AWSJWTAuth authenticates with a token requested for a ServiceAccount, exchanged through
// AssumeRoleWithWebIdentity.
type AWSJWTAuth struct {
	// ServiceAccountRef names the ServiceAccount; its eks.amazonaws.com/role-arn annotation
	// gives the role and eks.amazonaws.com/audience (default sts.amazonaws.com) the audience.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`
}

// Tag is an AWS key/value tag.
type Tag struct {
	// Key of the tag.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
	// Value of the tag.
	Value string `json:"value"`
}

// SecretsManager holds Secrets Manager options used when a PushSecret deletes a secret.
// Without either option AWS keeps deleted secrets recoverable for 30 days.
// +kubebuilder:validation:XValidation:rule="!(has(self.forceDeleteWithoutRecovery) && self.forceDeleteWithoutRecovery && has(self.recoveryWindowInDays))",message="forceDeleteWithoutRecovery and recoveryWindowInDays are mutually exclusive: either delete immediately or set a recovery window, not both"
type SecretsManager struct {
	// ForceDeleteWithoutRecovery deletes secrets immediately, with no recovery window.
	// +optional
	ForceDeleteWithoutRecovery bool `json:"forceDeleteWithoutRecovery,omitempty"`

	// RecoveryWindowInDays is how long (7 to 30 days) a deleted secret stays recoverable.
	// +optional
	// +kubebuilder:validation:Minimum=7
	// +kubebuilder:validation:Maximum=30
	RecoveryWindowInDays int64 `json:"recoveryWindowInDays,omitempty"`
}
