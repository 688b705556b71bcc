package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// AzureAuthType says how the controller authenticates to Azure Key Vault.
// +kubebuilder:validation:Enum=ServicePrincipal;ManagedIdentity;WorkloadIdentity
type AzureAuthType string

// The Azure authentication types.
const (
	// AzureServicePrincipal uses a client ID with a client secret or certificate.
	AzureServicePrincipal AzureAuthType = "ServicePrincipal"
	// AzureManagedIdentity uses a managed identity available to the controller pod.
	AzureManagedIdentity AzureAuthType = "ManagedIdentity"
	// AzureWorkloadIdentity exchanges a Kubernetes ServiceAccount token (Azure AD
	// Workload Identity federation).
	AzureWorkloadIdentity AzureAuthType = "WorkloadIdentity"
)

// AzureEnvironmentType selects the Azure cloud whose endpoints are used.
// +kubebuilder:validation:Enum=PublicCloud;USGovernmentCloud;ChinaCloud;GermanCloud;AzureStackCloud
type AzureEnvironmentType string

// The Azure clouds.
const (
	// AzureEnvironmentPublicCloud is global Azure.
	AzureEnvironmentPublicCloud AzureEnvironmentType = "PublicCloud"
	// AzureEnvironmentUSGovernmentCloud is Azure US Government.
	AzureEnvironmentUSGovernmentCloud AzureEnvironmentType = "USGovernmentCloud"
	// AzureEnvironmentChinaCloud is Azure China.
	AzureEnvironmentChinaCloud AzureEnvironmentType = "ChinaCloud"
	// AzureEnvironmentGermanCloud is the former Azure Germany cloud.
	AzureEnvironmentGermanCloud AzureEnvironmentType = "GermanCloud"
	// AzureEnvironmentAzureStackCloud is Azure Stack Hub or Edge; endpoints come from
	// customCloudConfig.
	AzureEnvironmentAzureStackCloud AzureEnvironmentType = "AzureStackCloud"
)

// AzureKVProvider configures access to Azure Key Vault. Remote keys may carry an object
// type prefix: secret/<name> (the default), cert/<name> or key/<name>.
type AzureKVProvider struct {
	// AuthType is how to authenticate: ServicePrincipal (the default), ManagedIdentity or
	// WorkloadIdentity.
	// +optional
	// +kubebuilder:default=ServicePrincipal
	AuthType *AzureAuthType `json:"authType,omitempty"`

	// VaultURL is the vault address, e.g. https://my-vault.vault.azure.net.
	VaultURL *string `json:"vaultUrl"`

	// TenantID is the Azure AD tenant. Needed for ServicePrincipal; optional for
	// WorkloadIdentity, where the ServiceAccount annotation can supply it.
	// +optional
	TenantID *string `json:"tenantId,omitempty"`

	// EnvironmentType is the Azure cloud to use. Defaults to PublicCloud.
	// +optional
	// +kubebuilder:default=PublicCloud
	EnvironmentType AzureEnvironmentType `json:"environmentType,omitempty"`

	// AuthSecretRef holds the service principal credentials (ServicePrincipal), or the
	// client and tenant IDs when they are not taken from a ServiceAccount.
	// +optional
	AuthSecretRef *AzureKVAuth `json:"authSecretRef,omitempty"`

	// ServiceAccountRef names the ServiceAccount for WorkloadIdentity; its annotations
	// azure.workload.identity/client-id and azure.workload.identity/tenant-id give the IDs.
	// Without it the pod's own federated token environment is used.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`

	// IdentityID selects a user-assigned managed identity when several are available.
	// +optional
	IdentityID *string `json:"identityId,omitempty"`

	// UseAzureSDK switches from the legacy autorest client to the current Azure SDK.
	// Defaults to false. Required for customCloudConfig.
	// +optional
	// +kubebuilder:default=false
	UseAzureSDK *bool `json:"useAzureSDK,omitempty"`

	// CustomCloudConfig gives the endpoints of a private cloud (AzureStackCloud).
	// +optional
	CustomCloudConfig *AzureCustomCloudConfig `json:"customCloudConfig,omitempty"`
}

// AzureKVAuth points at the Secret keys holding Azure credentials. A service principal
// authenticates with either a client secret or a client certificate, not both.
// +kubebuilder:validation:XValidation:rule="!(has(self.clientSecret) && has(self.clientCertificate))",message="authSecretRef may set clientSecret or clientCertificate, not both: choose one way for the service principal to authenticate"
type AzureKVAuth struct {
	// ClientID selects the client (application) ID.
	// +optional
	ClientID *esmeta.SecretKeySelector `json:"clientId,omitempty"`

	// TenantID selects the tenant ID.
	// +optional
	TenantID *esmeta.SecretKeySelector `json:"tenantId,omitempty"`

	// ClientSecret selects the service principal's client secret.
	// +optional
	ClientSecret *esmeta.SecretKeySelector `json:"clientSecret,omitempty"`

	// ClientCertificate selects the service principal's PEM certificate and private key.
	// +optional
	ClientCertificate *esmeta.SecretKeySelector `json:"clientCertificate,omitempty"`
}

// AzureCustomCloudConfig lists the endpoints of a private Azure cloud such as Azure Stack
// Hub. Only the current SDK (useAzureSDK: true) honours it.
type AzureCustomCloudConfig struct {
	// ActiveDirectoryEndpoint is the Azure AD endpoint used to obtain tokens.
	ActiveDirectoryEndpoint string `json:"activeDirectoryEndpoint"`

	// KeyVaultEndpoint is the Key Vault service endpoint.
	// +optional
	KeyVaultEndpoint *string `json:"keyVaultEndpoint,omitempty"`

	// KeyVaultDNSSuffix is the DNS suffix of vault URLs.
	// +optional
	KeyVaultDNSSuffix *string `json:"keyVaultDNSSuffix,omitempty"`

	// ResourceManagerEndpoint is the Azure Resource Manager endpoint.
	// +optional
	ResourceManagerEndpoint *string `json:"resourceManagerEndpoint,omitempty"`

	// Audience is the token audience for workload identity in this cloud; it must match
	// the audience of the federated credential.
	// +optional
	Audience *string `json:"audience,omitempty"`
}
