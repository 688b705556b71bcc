package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// VaultKVStoreVersion is the version of the Vault KV secrets engine mounted at path.
// +kubebuilder:validation:Enum=v1;v2
type VaultKVStoreVersion string

// The KV engine versions.
const (
	// VaultKVStoreV1 is the unversioned KV engine.
	VaultKVStoreV1 VaultKVStoreVersion = "v1"
	// VaultKVStoreV2 is the versioned KV engine (reads go through <mount>/data/...).
	VaultKVStoreV2 VaultKVStoreVersion = "v2"
)

// VaultProvider configures access to a HashiCorp Vault (or OpenBao) KV secrets engine.
// +kubebuilder:validation:XValidation:rule="!(has(self.caBundle) && has(self.caProvider))",message="caBundle and caProvider are mutually exclusive: give the CA inline in caBundle or reference it with caProvider, not both"
type VaultProvider struct {
	// Auth says how the controller logs in to Vault. Without it no login is made.
	// +optional
	Auth *VaultAuth `json:"auth,omitempty"`

	// Server is the Vault address, e.g. https://vault.example.com:8200.
	// +kubebuilder:validation:MinLength=1
	Server string `json:"server"`

	// Path is the mount path of the KV engine, e.g. "secret". When empty, the first
	// segment of each remote key is taken as the mount. For v2 the "data" segment is added
	// automatically.
	// +optional
	Path *string `json:"path,omitempty"`

	// Version is the KV engine version, v1 or v2. Defaults to v2.
	// +optional
	// +kubebuilder:default=v2
	Version VaultKVStoreVersion `json:"version,omitempty"`

	// Namespace is the Vault Enterprise namespace that secrets are read from, e.g. "ns1".
	// +optional
	Namespace *string `json:"namespace,omitempty"`

	// CABundle is a PEM-encoded CA bundle that verifies the Vault server certificate over
	// HTTPS. When neither this nor caProvider is set the system roots are used.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// ClientTLS supplies a client certificate for Vault servers that require mutual TLS.
	// This is transport-level TLS; certificate login is configured under auth.cert.
	// +optional
	ClientTLS VaultClientTLS `json:"tls,omitempty"`

	// CAProvider references the CA certificate that verifies the Vault server.
	// +optional
	CAProvider *CAProvider `json:"caProvider,omitempty"`

	// ReadYourWrites makes Vault Enterprise performance standbys return data written by
	// this client, by sending back the replication state Vault reported.
	// +optional
	ReadYourWrites bool `json:"readYourWrites,omitempty"`

	// ForwardInconsistent asks a standby to forward a read to the active node when it has
	// not caught up yet (sent with readYourWrites as X-Vault-Inconsistent).
	// +optional
	ForwardInconsistent bool `json:"forwardInconsistent,omitempty"`

	// Headers are added to every request sent to Vault.
	// +optional
	Headers map[string]string `json:"headers,omitempty"`

	// CheckAndSet makes PushSecret writes use KV v2 check-and-set.
	// +optional
	CheckAndSet *VaultCheckAndSet `json:"checkAndSet,omitempty"`
}

// VaultClientTLS points at a client certificate and key for mutual TLS with Vault. Both or
// neither must be set.
// +kubebuilder:validation:XValidation:rule="has(self.certSecretRef) == has(self.keySecretRef)",message="tls.certSecretRef and tls.keySecretRef must be set together: mutual TLS needs both the client certificate and its private key"
type VaultClientTLS struct {
	// CertSecretRef selects the PEM client certificate; the key defaults to tls.crt.
	// +optional
	CertSecretRef *esmeta.SecretKeySelector `json:"certSecretRef,omitempty"`

	// KeySecretRef selects the PEM private key; the key defaults to tls.key.
	// +optional
	KeySecretRef *esmeta.SecretKeySelector `json:"keySecretRef,omitempty"`
}

// VaultCheckAndSet configures check-and-set for writes to a KV v2 engine.
type VaultCheckAndSet struct {
	// Required sends the current version with every write so that a concurrent change
	// makes the write fail instead of being overwritten.
	// +optional
	Required bool `json:"required,omitempty"`
}

// VaultAuth selects one Vault login method. At most one method may be set.
// +kubebuilder:validation:XValidation:rule="[has(self.tokenSecretRef), has(self.appRole), has(self.kubernetes), has(self.ldap), has(self.userPass), has(self.jwt), has(self.cert), has(self.iam), has(self.gcp)].filter(x, x).size() <= 1",message="at most one Vault auth method may be set (tokenSecretRef, appRole, kubernetes, ldap, userPass, jwt, cert, iam or gcp): keep one and remove the others"
type VaultAuth struct {
	// Namespace is the Vault Enterprise namespace to log in to, if different from the
	// provider's namespace (which it defaults to).
	// +optional
	Namespace *string `json:"namespace,omitempty"`

	// TokenSecretRef reads a ready-made Vault token from a Secret. Such tokens are never
	// revoked by the controller.
	// +optional
	TokenSecretRef *esmeta.SecretKeySelector `json:"tokenSecretRef,omitempty"`

	// AppRole logs in with an AppRole role ID and secret ID.
	// +optional
	AppRole *VaultAppRole `json:"appRole,omitempty"`

	// Kubernetes logs in with a Kubernetes ServiceAccount token.
	// +optional
	Kubernetes *VaultKubernetesAuth `json:"kubernetes,omitempty"`

	// Ldap logs in with an LDAP username and password.
	// +optional
	Ldap *VaultLdapAuth `json:"ldap,omitempty"`

	// Jwt logs in with a JWT through the JWT/OIDC method.
	// +optional
	Jwt *VaultJwtAuth `json:"jwt,omitempty"`

	// Cert logs in with a TLS client certificate.
	// +optional
	Cert *VaultCertAuth `json:"cert,omitempty"`

	// Iam logs in with a signed AWS STS request through the AWS method.
	// +optional
	Iam *VaultIamAuth `json:"iam,omitempty"`

	// UserPass logs in with a username and password.
	// +optional
	UserPass *VaultUserPassAuth `json:"userPass,omitempty"`

	// GCP logs in with Google Cloud credentials through the GCP method.
	// +optional
	GCP *VaultGCPAuth `json:"gcp,omitempty"`
}

// VaultAppRole logs in with the AppRole method. The role ID is given inline (roleId) or
// read from a Secret (roleRef); exactly one of the two must be set.
// +kubebuilder:validation:XValidation:rule="has(self.roleId) != has(self.roleRef)",message="exactly one of roleId or roleRef must be set in appRole: give the role ID inline or reference the Secret key holding it"
type VaultAppRole struct {
	// Path is where the AppRole method is mounted. Defaults to approle.
	// +optional
	// +kubebuilder:default=approle
	Path string `json:"path,omitempty"`

	// RoleID is the AppRole role ID.
	// +optional
	RoleID string `json:"roleId,omitempty"`

	// RoleRef selects a Secret key holding the role ID.
	// +optional
	RoleRef *esmeta.SecretKeySelector `json:"roleRef,omitempty"`

	// SecretRef selects the Secret key holding the secret ID.
	SecretRef esmeta.SecretKeySelector `json:"secretRef"`
}

// VaultKubernetesAuth logs in with a Kubernetes ServiceAccount token. The token comes from
// serviceAccountRef (requested through the TokenRequest API), else from secretRef, else
// from the controller's own mounted token.
type VaultKubernetesAuth struct {
	// Path is where the Kubernetes method is mounted. Defaults to kubernetes.
	// +optional
	// +kubebuilder:default=kubernetes
	Path string `json:"mountPath,omitempty"`

	// ServiceAccountRef names the ServiceAccount to request a short-lived token for.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`

	// SecretRef selects a Secret key holding a ServiceAccount JWT; the key defaults to
	// token.
	// +optional
	SecretRef *esmeta.SecretKeySelector `json:"secretRef,omitempty"`

	// Role is the Vault role bound to the ServiceAccount.
	// +kubebuilder:validation:MinLength=1
	Role string `json:"role"`
}

// VaultLdapAuth logs in with the LDAP method.
type VaultLdapAuth struct {
	// Path is where the LDAP method is mounted. Defaults to ldap.
	// +optional
	// +kubebuilder:default=ldap
	Path string `json:"path,omitempty"`

	// Username is the LDAP user.
	Username string `json:"username"`

	// SecretRef selects the Secret key holding the user's password.
	// +optional
	SecretRef esmeta.SecretKeySelector `json:"secretRef,omitempty"`
}

// VaultUserPassAuth logs in with the userpass method.
type VaultUserPassAuth struct {
	// Path is where the userpass method is mounted. Defaults to userpass.
	// +optional
	// +kubebuilder:default=userpass
	Path string `json:"path,omitempty"`

	// Username is the Vault user.
	Username string `json:"username"`

	// SecretRef selects the Secret key holding the user's password.
	// +optional
	SecretRef esmeta.SecretKeySelector `json:"secretRef,omitempty"`
}

// VaultJwtAuth logs in with the JWT/OIDC method, using a JWT kept in a Secret or a token
// requested for a ServiceAccount.
type VaultJwtAuth struct {
	// Path is where the JWT method is mounted. Defaults to jwt.
	// +optional
	// +kubebuilder:default=jwt
	Path string `json:"path,omitempty"`

	// Role is the Vault JWT role; empty uses the method's default role.
	// +optional
	Role string `json:"role,omitempty"`

	// SecretRef selects a Secret key holding the JWT.
	// +optional
	SecretRef *esmeta.SecretKeySelector `json:"secretRef,omitempty"`

	// KubernetesServiceAccountToken requests a short-lived token for a ServiceAccount.
	// +optional
	KubernetesServiceAccountToken *VaultKubernetesServiceAccountTokenAuth `json:"kubernetesServiceAccountToken,omitempty"`
}

// VaultKubernetesServiceAccountTokenAuth requests a ServiceAccount token through the
// TokenRequest API to present to Vault.
type VaultKubernetesServiceAccountTokenAuth struct {
	// ServiceAccountRef names the ServiceAccount; its audiences are requested too.
	ServiceAccountRef esmeta.ServiceAccountSelector `json:"serviceAccountRef"`

	// Audiences to request. Deprecated: set serviceAccountRef.audiences instead. When no
	// audience is given anywhere, "vault" is used.
	// +optional
	Audiences *[]string `json:"audiences,omitempty"`

	// ExpirationSeconds is the requested token lifetime. Defaults to 600 (10 minutes).
	// Deprecated: kept for compatibility.
	// +optional
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
}

// VaultCertAuth logs in with the TLS certificate method.
type VaultCertAuth struct {
	// Path is where the cert method is mounted. Defaults to cert.
	// +optional
	// +kubebuilder:default=cert
	Path string `json:"path,omitempty"`

	// VaultRole is the name of the certificate role to log in against; empty lets Vault
	// pick the role matching the certificate.
	// +optional
	VaultRole string `json:"vaultRole,omitempty"`

	// ClientCert selects the Secret key holding the PEM client certificate.
	// +optional
	ClientCert esmeta.SecretKeySelector `json:"clientCert,omitempty"`

	// SecretRef selects the Secret key holding the PEM private key of the certificate.
	// +optional
	SecretRef esmeta.SecretKeySelector `json:"secretRef,omitempty"`
}

// VaultIamAuth logs in with the AWS IAM method. AWS credentials come from secretRef, from
// jwt (a ServiceAccount token, IRSA style), or else from the controller's own AWS identity.
// +kubebuilder:validation:XValidation:rule="!(has(self.secretRef) && has(self.jwt))",message="iam may set secretRef or jwt, not both: use static AWS keys from a Secret or a ServiceAccount token, and remove the other"
type VaultIamAuth struct {
	// Path is where the AWS method is mounted. Empty means aws.
	// +optional
	Path string `json:"path,omitempty"`

	// Region is the AWS region used to sign the STS request. Empty means us-east-1.
	// +optional
	Region string `json:"region,omitempty"`

	// AWSIAMRole is the ARN of an AWS role to assume before logging in to Vault.
	// +optional
	AWSIAMRole string `json:"role,omitempty"`

	// Role is the Vault role to log in as.
	// +kubebuilder:validation:MinLength=1
	Role string `json:"vaultRole"`

	// ExternalID is passed when assuming AWSIAMRole.
	// +optional
	ExternalID string `json:"externalID,omitempty"`

	// VaultAWSIAMServerID is sent as X-Vault-AWS-IAM-Server-ID, which Vault checks to
	// stop signed requests being replayed against another server.
	// +optional
	VaultAWSIAMServerID string `json:"vaultAwsIamServerID,omitempty"`

	// SecretRef reads static AWS credentials from a Secret.
	// +optional
	SecretRef *VaultAwsAuthSecretRef `json:"secretRef,omitempty"`

	// JWTAuth exchanges a ServiceAccount token for AWS credentials.
	// +optional
	JWTAuth *VaultAwsJWTAuth `json:"jwt,omitempty"`
}

// VaultAwsAuthSecretRef points at the Secret keys holding AWS credentials for the Vault
// AWS method.
type VaultAwsAuthSecretRef struct {
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

// VaultAwsJWTAuth exchanges a ServiceAccount token for AWS credentials (IRSA style).
type VaultAwsJWTAuth struct {
	// ServiceAccountRef names the ServiceAccount annotated with the role to assume.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`
}

// VaultGCPAuth logs in with the GCP method. Google credentials come from secretRef,
// workloadIdentity or serviceAccountRef, or else from the controller's own identity.
type VaultGCPAuth struct {
	// Path is where the GCP method is mounted. Defaults to gcp.
	// +optional
	// +kubebuilder:default=gcp
	Path string `json:"path,omitempty"`

	// Role is the Vault role to log in as.
	// +kubebuilder:validation:MinLength=1
	Role string `json:"role"`

	// ProjectID is the Google Cloud project of the identity.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	// Location is the Google Cloud location (region) used for the identity.
	// +optional
	Location string `json:"location,omitempty"`

	// SecretRef reads a service account JSON key from a Secret.
	// +optional
	SecretRef *GCPSMAuthSecretRef `json:"secretRef,omitempty"`

	// WorkloadIdentity uses GKE Workload Identity of a Kubernetes ServiceAccount.
	// +optional
	WorkloadIdentity *GCPWorkloadIdentity `json:"workloadIdentity,omitempty"`

	// ServiceAccountRef names a Kubernetes ServiceAccount whose Google identity is used.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`
}
