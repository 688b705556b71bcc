package v1

import (
	esmeta "github.com/seedb5e69c69/external-secrets/apis/meta/v1"
)

// SecretVersionSelectionPolicy decides what happens when the "latest" version of a secret
// cannot be read because it is disabled or destroyed.
// +kubebuilder:validation:Enum=LatestOrFail;LatestOrFetch
type SecretVersionSelectionPolicy string

// The version selection policies.
const (
	// SecretVersionSelectionPolicyLatestOrFail always reads "latest" and fails when that
	// version is disabled or destroyed.
	SecretVersionSelectionPolicyLatestOrFail SecretVersionSelectionPolicy = "LatestOrFail"
	// SecretVersionSelectionPolicyLatestOrFetch falls back to the newest enabled version.
	SecretVersionSelectionPolicyLatestOrFetch SecretVersionSelectionPolicy = "LatestOrFetch"
)

// GCPSMProvider configures access to Google Cloud Secret Manager.
type GCPSMProvider struct {
	// Auth says where Google credentials come from; when empty, Application Default
	// Credentials of the controller are used.
	// +optional
	Auth GCPSMAuth `json:"auth,omitempty"`

	// ProjectID is the Google Cloud project that holds the secrets.
	// +optional
	ProjectID string `json:"projectID,omitempty"`

	// Location selects regional secrets (projects/P/locations/L/secrets/S); empty means
	// global secrets.
	// +optional
	Location string `json:"location,omitempty"`

	// SecretVersionSelectionPolicy decides what to do when "latest" is disabled or
	// destroyed: LatestOrFail (the default) or LatestOrFetch.
	// +optional
	// +kubebuilder:default=LatestOrFail
	SecretVersionSelectionPolicy SecretVersionSelectionPolicy `json:"secretVersionSelectionPolicy,omitempty"`
}

// GCPSMAuth selects Google credentials. They are tried in the order secretRef,
// workloadIdentity, workloadIdentityFederation, then Application Default Credentials.
type GCPSMAuth struct {
	// SecretRef reads a service account JSON key from a Secret.
	// +optional
	SecretRef *GCPSMAuthSecretRef `json:"secretRef,omitempty"`

	// WorkloadIdentity uses GKE Workload Identity of a Kubernetes ServiceAccount.
	// +optional
	WorkloadIdentity *GCPWorkloadIdentity `json:"workloadIdentity,omitempty"`

	// WorkloadIdentityFederation exchanges an external token (Kubernetes, AWS or a
	// credential configuration file) for Google credentials.
	// +optional
	WorkloadIdentityFederation *GCPWorkloadIdentityFederation `json:"workloadIdentityFederation,omitempty"`
}

// GCPSMAuthSecretRef points at a service account key.
type GCPSMAuthSecretRef struct {
	// SecretAccessKey selects the Secret key holding the service account JSON key.
	// +optional
	SecretAccessKey esmeta.SecretKeySelector `json:"secretAccessKeySecretRef,omitempty"`
}

// GCPWorkloadIdentity authenticates as the Google service account bound to a Kubernetes
// ServiceAccount through GKE Workload Identity (annotation iam.gke.io/gcp-service-account).
type GCPWorkloadIdentity struct {
	// ServiceAccountRef names the Kubernetes ServiceAccount.
	ServiceAccountRef esmeta.ServiceAccountSelector `json:"serviceAccountRef"`

	// ClusterLocation is the location of the GKE cluster; read from the metadata server
	// when empty.
	// +optional
	ClusterLocation string `json:"clusterLocation,omitempty"`

	// ClusterName is the name of the GKE cluster; read from the metadata server when empty.
	// +optional
	ClusterName string `json:"clusterName,omitempty"`

	// ClusterProjectID is the project of the GKE cluster; read from the metadata server
	// when empty.
	// +optional
	ClusterProjectID string `json:"clusterProjectID,omitempty"`
}

// GCPWorkloadIdentityFederation configures Workload Identity Federation: an external
// token is exchanged at Google STS for an access token.
type GCPWorkloadIdentityFederation struct {
	// CredConfig references a ConfigMap key holding an external-account credential
	// configuration (JSON). Use serviceAccountRef instead when the Kubernetes cluster is
	// the identity provider.
	// +optional
	CredConfig *ConfigMapReference `json:"credConfig,omitempty"`

	// ServiceAccountRef names the Kubernetes ServiceAccount whose token is exchanged, for
	// pools that trust this cluster.
	// +optional
	ServiceAccountRef *esmeta.ServiceAccountSelector `json:"serviceAccountRef,omitempty"`

	// AwsSecurityCredentials supplies AWS credentials for pools that trust AWS, when the
	// AWS metadata server cannot be used.
	// +optional
	AwsSecurityCredentials *AwsCredentialsConfig `json:"awsSecurityCredentials,omitempty"`

	// Audience is the STS audience: the full resource name of the pool provider. Required
	// with serviceAccountRef or awsSecurityCredentials; overrides credConfig's audience.
	// +optional
	Audience string `json:"audience,omitempty"`

	// ExternalTokenEndpoint, when set, must equal credential_source.url of credConfig; a
	// guard against a configuration pointing at an unexpected token source.
	// +optional
	ExternalTokenEndpoint string `json:"externalTokenEndpoint,omitempty"`

	// GCPServiceAccountEmail is a Google service account to impersonate with the federated
	// token; empty uses the federated identity directly.
	// +optional
	GCPServiceAccountEmail string `json:"gcpServiceAccountEmail,omitempty"`
}

// ConfigMapReference points at one key of a ConfigMap.
type ConfigMapReference struct {
	// Name of the ConfigMap.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	Name string `json:"name"`

	// Namespace of the ConfigMap; empty means the namespace the store is used from.
	// +optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	Namespace string `json:"namespace,omitempty"`

	// Key within the ConfigMap's data.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[-._a-zA-Z0-9]+$
	Key string `json:"key"`
}

// AwsCredentialsConfig gives the AWS region and credentials used to build the subject
// token for a pool that trusts AWS.
type AwsCredentialsConfig struct {
	// Region is the AWS region, e.g. ap-south-1.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=50
	// +kubebuilder:validation:Pattern:=`^[a-z0-9-]+$`
	Region string `json:"region"`

	// AwsCredentialsSecretRef names a Secret with keys aws_access_key_id,
	// aws_secret_access_key and, for temporary credentials, aws_session_token.
	AwsCredentialsSecretRef *SecretReference `json:"awsCredentialsSecretRef"`
}

// SecretReference names a whole Secret.
type SecretReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	Name string `json:"name"`

	// Namespace of the Secret; empty means the namespace the store is used from.
	// +optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	Namespace string `json:"namespace,omitempty"`
}
