package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// InfisicalProvider configures access to secrets of one Infisical project environment,
// authenticating as a machine identity.
// +kubebuilder:validation:XValidation:rule="!(has(self.caBundle) && has(self.caProvider))",message="caBundle and caProvider are mutually exclusive: give the CA inline in caBundle or reference it with caProvider, not both"
type InfisicalProvider struct {
	// Auth selects how the machine identity logs in.
	Auth InfisicalAuth `json:"auth"`

	// SecretsScope selects the project, environment and folder to read.
	SecretsScope MachineIdentityScopeInWorkspace `json:"secretsScope"`

	// HostAPI is the base URL of the Infisical API. Defaults to
	// https://app.infisical.com/api; set it for self-hosted instances.
	// +optional
	// +kubebuilder:default="https://app.infisical.com/api"
	HostAPI string `json:"hostAPI,omitempty"`

	// CABundle is a PEM-encoded CA bundle that verifies the Infisical server certificate.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// CAProvider references the CA certificate that verifies the Infisical server.
	// +optional
	CAProvider *CAProvider `json:"caProvider,omitempty"`
}

// MachineIdentityScopeInWorkspace says which secrets of an Infisical project a store
// sees. Relative remote keys are resolved under secretsPath.
type MachineIdentityScopeInWorkspace struct {
	// SecretsPath is the folder to read from. Defaults to "/".
	// +optional
	// +kubebuilder:default="/"
	SecretsPath string `json:"secretsPath,omitempty"`

	// Recursive also lists secrets of sub-folders when finding secrets. Defaults to false.
	// +optional
	// +kubebuilder:default=false
	Recursive bool `json:"recursive,omitempty"`

	// EnvironmentSlug is the environment, e.g. dev or prod.
	// +kubebuilder:validation:MinLength=1
	EnvironmentSlug string `json:"environmentSlug"`

	// ProjectSlug is the project.
	// +kubebuilder:validation:MinLength=1
	ProjectSlug string `json:"projectSlug"`

	// ExpandSecretReferences resolves ${...} references inside secret values. Defaults to
	// true.
	// +optional
	// +kubebuilder:default=true
	ExpandSecretReferences bool `json:"expandSecretReferences,omitempty"`

	// OrganizationSlug is the organization owning the project, for identities that can
	// see several organizations.
	// +optional
	OrganizationSlug string `json:"organizationSlug,omitempty"`
}

// InfisicalAuth selects the machine identity login method; exactly one must be set. All
// values are read from Secrets.
// +kubebuilder:validation:XValidation:rule="[has(self.universalAuthCredentials), has(self.azureAuthCredentials), has(self.gcpIdTokenAuthCredentials), has(self.gcpIamAuthCredentials), has(self.jwtAuthCredentials), has(self.ldapAuthCredentials), has(self.ociAuthCredentials), has(self.kubernetesAuthCredentials), has(self.awsAuthCredentials), has(self.tokenAuthCredentials)].filter(x, x).size() == 1",message="exactly one Infisical auth method must be set in auth (e.g. universalAuthCredentials or kubernetesAuthCredentials): keep one and remove the others"
type InfisicalAuth struct {
	// UniversalAuthCredentials logs in with a client ID and client secret.
	// +optional
	UniversalAuthCredentials *UniversalAuthCredentials `json:"universalAuthCredentials,omitempty"`

	// AzureAuthCredentials logs in with the controller's Azure managed identity.
	// +optional
	AzureAuthCredentials *AzureAuthCredentials `json:"azureAuthCredentials,omitempty"`

	// GcpIDTokenAuthCredentials logs in with a GCP ID token of the controller's identity.
	// +optional
	GcpIDTokenAuthCredentials *GcpIDTokenAuthCredentials `json:"gcpIdTokenAuthCredentials,omitempty"`

	// GcpIamAuthCredentials logs in with a GCP service account key.
	// +optional
	GcpIamAuthCredentials *GcpIamAuthCredentials `json:"gcpIamAuthCredentials,omitempty"`

	// JwtAuthCredentials logs in with a JWT.
	// +optional
	JwtAuthCredentials *JwtAuthCredentials `json:"jwtAuthCredentials,omitempty"`

	// LdapAuthCredentials logs in with an LDAP username and password.
	// +optional
	LdapAuthCredentials *LdapAuthCredentials `json:"ldapAuthCredentials,omitempty"`

	// OciAuthCredentials logs in with an Oracle Cloud API signing key.
	// +optional
	OciAuthCredentials *OciAuthCredentials `json:"ociAuthCredentials,omitempty"`

	// KubernetesAuthCredentials logs in with a Kubernetes ServiceAccount token.
	// +optional
	KubernetesAuthCredentials *KubernetesAuthCredentials `json:"kubernetesAuthCredentials,omitempty"`

	// AwsAuthCredentials logs in with the controller's AWS IAM identity.
	// +optional
	AwsAuthCredentials *AwsAuthCredentials `json:"awsAuthCredentials,omitempty"`

	// TokenAuthCredentials logs in with a ready-made access token.
	// +optional
	TokenAuthCredentials *TokenAuthCredentials `json:"tokenAuthCredentials,omitempty"`
}

// UniversalAuthCredentials are the client ID and secret of a universal-auth identity.
type UniversalAuthCredentials struct {
	// ClientID selects the client ID.
	ClientID esmeta.SecretKeySelector `json:"clientId"`
	// ClientSecret selects the client secret.
	ClientSecret esmeta.SecretKeySelector `json:"clientSecret"`
}

// AzureAuthCredentials configure Azure login of an Infisical identity.
type AzureAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// Resource selects the Azure resource (token audience); Infisical's default when unset.
	// +optional
	Resource esmeta.SecretKeySelector `json:"resource,omitempty"`
}

// GcpIDTokenAuthCredentials configure GCP ID-token login of an Infisical identity.
type GcpIDTokenAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
}

// GcpIamAuthCredentials configure GCP IAM login of an Infisical identity.
type GcpIamAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// ServiceAccountKeyFilePath selects the path of the GCP service account key file.
	ServiceAccountKeyFilePath esmeta.SecretKeySelector `json:"serviceAccountKeyFilePath"`
}

// JwtAuthCredentials configure JWT login of an Infisical identity.
type JwtAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// JWT selects the token.
	JWT esmeta.SecretKeySelector `json:"jwt"`
}

// LdapAuthCredentials configure LDAP login of an Infisical identity.
type LdapAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// LDAPPassword selects the LDAP password.
	LDAPPassword esmeta.SecretKeySelector `json:"ldapPassword"`
	// LDAPUsername selects the LDAP username.
	LDAPUsername esmeta.SecretKeySelector `json:"ldapUsername"`
}

// OciAuthCredentials configure Oracle Cloud login of an Infisical identity.
type OciAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// PrivateKey selects the PEM API signing key.
	PrivateKey esmeta.SecretKeySelector `json:"privateKey"`
	// PrivateKeyPassphrase selects the passphrase of the signing key, if it has one.
	// +optional
	PrivateKeyPassphrase esmeta.SecretKeySelector `json:"privateKeyPassphrase,omitempty"`
	// Fingerprint selects the fingerprint of the signing key.
	Fingerprint esmeta.SecretKeySelector `json:"fingerprint"`
	// UserID selects the OCID of the user.
	UserID esmeta.SecretKeySelector `json:"userId"`
	// TenancyID selects the OCID of the tenancy.
	TenancyID esmeta.SecretKeySelector `json:"tenancyId"`
	// Region selects the OCI region.
	Region esmeta.SecretKeySelector `json:"region"`
}

// KubernetesAuthCredentials configure Kubernetes login of an Infisical identity.
type KubernetesAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
	// ServiceAccountTokenPath selects the path of the ServiceAccount token file; the
	// standard mounted token when unset.
	// +optional
	ServiceAccountTokenPath esmeta.SecretKeySelector `json:"serviceAccountTokenPath,omitempty"`
}

// AwsAuthCredentials configure AWS IAM login of an Infisical identity.
type AwsAuthCredentials struct {
	// IdentityID selects the Infisical identity ID.
	IdentityID esmeta.SecretKeySelector `json:"identityId"`
}

// TokenAuthCredentials configure login with an Infisical access token.
type TokenAuthCredentials struct {
	// AccessToken selects the token.
	AccessToken esmeta.SecretKeySelector `json:"accessToken"`
}
